package value

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Format renders v as CQL literal text, in the shape used by the
// conformance suite's expected outputs: null, true, 1, 1L, 1.0, 'abc',
// @2012-01-01, @2012-01-01T10:00:00.000+01:00, @2012T, @T10:00, 5 'mg',
// 3 days, 1 'cm':2 'cm', {1, 2}, Interval[1, 5), Tuple { a: 1 },
// Code { code: '1', system: 'x' }, Concept { codes: {...}, display: '..' }.
// A DateTime prints its offset only when the offset was written
// (HasOffset); offset zero prints as Z.
func Format(v Value) string {
	var b strings.Builder
	format(&b, v)
	return b.String()
}

func format(b *strings.Builder, v Value) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case Boolean:
		b.WriteString(strconv.FormatBool(bool(x)))
	case Integer:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case Long:
		b.WriteString(strconv.FormatInt(int64(x), 10))
		b.WriteByte('L')
	case String:
		b.WriteString(QuoteString(string(x)))
	case Decimal:
		b.WriteString(x.String())
	case Date:
		b.WriteByte('@')
		b.WriteString(x.String())
	case DateTime:
		b.WriteByte('@')
		b.WriteString(x.String())
	case Time:
		b.WriteString("@T")
		b.WriteString(x.String())
	case Quantity:
		b.WriteString(x.String())
	case Ratio:
		b.WriteString(x.Numerator.String())
		b.WriteByte(':')
		b.WriteString(x.Denominator.String())
	case Code:
		formatCode(b, x)
	case Concept:
		b.WriteString("Concept { codes: {")
		for i, c := range x.Codes {
			if i > 0 {
				b.WriteString(", ")
			}
			formatCode(b, c)
		}
		b.WriteString("}")
		if x.Display != "" {
			b.WriteString(", display: ")
			b.WriteString(QuoteString(x.Display))
		}
		b.WriteString(" }")
	case List:
		b.WriteByte('{')
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, e)
		}
		b.WriteByte('}')
	case Interval:
		b.WriteString("Interval")
		if x.LowClosed {
			b.WriteByte('[')
		} else {
			b.WriteByte('(')
		}
		format(b, x.Low)
		b.WriteString(", ")
		format(b, x.High)
		if x.HighClosed {
			b.WriteByte(']')
		} else {
			b.WriteByte(')')
		}
	case Tuple:
		if len(x.Names) == 0 {
			b.WriteString("Tuple { }")
			return
		}
		b.WriteString("Tuple { ")
		for i, n := range x.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n)
			b.WriteString(": ")
			format(b, x.Values[i])
		}
		b.WriteString(" }")
	case ValueSetRef:
		fmt.Fprintf(b, "ValueSet { id: %s", QuoteString(x.ID))
		if x.Version != "" {
			fmt.Fprintf(b, ", version: %s", QuoteString(x.Version))
		}
		b.WriteString(" }")
	case CodeSystemRef:
		fmt.Fprintf(b, "CodeSystem { id: %s", QuoteString(x.ID))
		if x.Version != "" {
			fmt.Fprintf(b, ", version: %s", QuoteString(x.Version))
		}
		b.WriteString(" }")
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

func formatCode(b *strings.Builder, c Code) {
	b.WriteString("Code { code: ")
	b.WriteString(QuoteString(c.Code))
	if c.System != "" {
		b.WriteString(", system: ")
		b.WriteString(QuoteString(c.System))
	}
	if c.Version != "" {
		b.WriteString(", version: ")
		b.WriteString(QuoteString(c.Version))
	}
	if c.Display != "" {
		b.WriteString(", display: ")
		b.WriteString(QuoteString(c.Display))
	}
	b.WriteString(" }")
}

// QuoteString renders s as a single-quoted CQL string literal, escaping
// quotes, backslashes and control characters.
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func pad(b []byte, v, n int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < n; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// String renders the date without '@': 2012, 2012-01, 2012-01-31.
func (d Date) String() string {
	b := make([]byte, 0, 10)
	b = pad(b, d.Year, 4)
	if d.Precision >= Month {
		b = append(b, '-')
		b = pad(b, d.Month, 2)
	}
	if d.Precision >= Day {
		b = append(b, '-')
		b = pad(b, d.Day, 2)
	}
	return string(b)
}

// String renders the time without '@T': 10, 10:30, 10:30:00, 10:30:00.000.
func (t Time) String() string {
	return string(appendClock(nil, t.Hour, t.Minute, t.Second, t.Millisecond, t.Precision))
}

func appendClock(b []byte, h, m, s, ms int, p Precision) []byte {
	b = pad(b, h, 2)
	if p >= Minute {
		b = append(b, ':')
		b = pad(b, m, 2)
	}
	if p >= Second {
		b = append(b, ':')
		b = pad(b, s, 2)
	}
	if p >= Millisecond {
		b = append(b, '.')
		b = pad(b, ms, 3)
	}
	return b
}

// String renders the DateTime without '@': 2012T, 2012-01-31T,
// 2012-01-31T10:30:00.000+01:00. The offset is printed only when HasOffset.
func (dt DateTime) String() string {
	b := make([]byte, 0, 30)
	b = append(b, dt.Date().String()...)
	b = append(b, 'T')
	if dt.Precision >= Hour {
		b = appendClock(b, dt.Hour, dt.Minute, dt.Second, dt.Millisecond, dt.Precision)
	}
	if dt.HasOffset {
		b = append(b, FormatOffset(dt.OffsetMinutes)...)
	}
	return string(b)
}

// FormatOffset renders an offset in minutes as Z or ±hh:mm.
func FormatOffset(min int) string {
	if min == 0 {
		return "Z"
	}
	sign := byte('+')
	if min < 0 {
		sign = '-'
		min = -min
	}
	b := []byte{sign}
	b = pad(b, min/60, 2)
	b = append(b, ':')
	b = pad(b, min%60, 2)
	return string(b)
}

// String renders the quantity as a CQL literal: 5.0 'mg', or 3 days for
// calendar duration keywords.
func (q Quantity) String() string {
	v := "null"
	if q.Value.D != nil {
		v = q.Value.String()
		if DecIsInteger(q.Value) && q.Value.Scale() == 0 {
			v = q.Value.D.Text('f')
		}
	}
	if IsCalendarUnit(q.Unit) {
		return v + " " + q.Unit
	}
	u := q.Unit
	if u == "" {
		u = "1"
	}
	return v + " " + QuoteString(u)
}

// ToJSON returns a JSON-marshalable form of v: null -> nil, Boolean ->
// bool, Integer/Long -> int64, Decimal -> json.Number text (exact), String
// -> string, Date/DateTime/Time -> ISO text without '@' (Time without 'T'),
// Quantity -> {"value", "unit"}, Ratio -> {"numerator", "denominator"},
// Code -> {"code","system","version","display"}, Concept -> {"codes",
// "display"}, Interval -> {"low","high","lowClosed","highClosed"}, List ->
// array, Tuple -> object.
func ToJSON(v Value) any {
	switch x := v.(type) {
	case nil:
		return nil
	case Boolean:
		return bool(x)
	case Integer:
		return int64(x)
	case Long:
		return int64(x)
	case String:
		return string(x)
	case Decimal:
		return jsonNumber(x.String())
	case Date:
		return x.String()
	case DateTime:
		// FHIR-style: a DateTime known only to the day or coarser has no 'T'.
		return strings.TrimSuffix(x.String(), "T")
	case Time:
		return x.String()
	case Quantity:
		if x.Value.D == nil {
			return map[string]any{"value": nil, "unit": x.Unit}
		}
		return map[string]any{"value": ToJSON(x.Value), "unit": x.Unit}
	case Ratio:
		return map[string]any{"numerator": ToJSON(x.Numerator), "denominator": ToJSON(x.Denominator)}
	case Code:
		m := map[string]any{"code": x.Code}
		if x.System != "" {
			m["system"] = x.System
		}
		if x.Version != "" {
			m["version"] = x.Version
		}
		if x.Display != "" {
			m["display"] = x.Display
		}
		return m
	case Concept:
		codes := make([]any, len(x.Codes))
		for i, c := range x.Codes {
			codes[i] = ToJSON(c)
		}
		m := map[string]any{"codes": codes}
		if x.Display != "" {
			m["display"] = x.Display
		}
		return m
	case Interval:
		return map[string]any{"low": ToJSON(x.Low), "high": ToJSON(x.High), "lowClosed": x.LowClosed, "highClosed": x.HighClosed}
	case List:
		out := make([]any, len(x.Elems))
		for i, e := range x.Elems {
			out[i] = ToJSON(e)
		}
		return out
	case Tuple:
		m := make(map[string]any, len(x.Names))
		for i, n := range x.Names {
			m[n] = ToJSON(x.Values[i])
		}
		return m
	case ValueSetRef:
		m := map[string]any{"id": x.ID}
		if x.Version != "" {
			m["version"] = x.Version
		}
		return m
	case CodeSystemRef:
		m := map[string]any{"id": x.ID}
		if x.Version != "" {
			m["version"] = x.Version
		}
		return m
	case json.Marshaler:
		// Model values (FHIR resources and elements) have their own JSON.
		if b, err := x.MarshalJSON(); err == nil && json.Valid(b) {
			return json.RawMessage(b)
		}
	}
	return Format(v)
}

package builtins

// Conversion operators: ToX(value) and ConvertsToX(value) for the System
// types, ToConcept, ConvertQuantity and CanConvertQuantity. A conversion
// that cannot be performed (malformed string, value out of range) gives
// null; ConvertsToX reports whether ToX would give a value.

import (
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/ucum"
	"github.com/ccg-project/ccg/cql/value"
)

// converter converts a non-null value; nil means "cannot convert". The
// context gives conversions that need it the evaluation's timezone offset.
type converter func(c *Context, v value.Value) value.Value

func init() {
	bo, i, l, d, s := types.Boolean, types.Integer, types.Long, types.Decimal, types.String
	q, r, da, dt, tm := types.Quantity, types.Ratio, types.Date, types.DateTime, types.Time

	regConversion("Boolean", bo, toBoolean, s, i, l, d, bo)
	regConversion("Integer", i, toInteger, s, l, bo, i)
	regConversion("Long", l, toLong, s, i, bo, l)
	regConversion("Decimal", d, toDecimal, s, i, l, bo, d)
	regConversion("String", s, toString, bo, i, l, d, q, r, da, dt, tm, s)
	regConversion("Quantity", q, toQuantity, s, i, l, d, q)
	regConversion("Ratio", r, toRatio, s, r)
	regConversion("Date", da, toDate, s, dt, da)
	regConversion("DateTime", dt, toDateTime, s, da, dt)
	regConversion("Time", tm, toTime, s, tm)

	reg("ToConcept", types.Concept, toConcept, types.Code)
	reg("ToConcept", types.Concept, toConcept, ListOf(types.Code))
	reg("ConvertQuantity", q, convertQuantity, q, s)
	reg("CanConvertQuantity", bo, canConvertQuantity, q, s)
}

// regConversion registers ToX and ConvertsToX for each source type.
func regConversion(target string, result types.Type, conv converter, from ...types.Type) {
	to := func(c *Context, a []value.Value) (value.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		return conv(c, a[0]), nil
	}
	can := func(c *Context, a []value.Value) (value.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		return boolValue(conv(c, a[0]) != nil), nil
	}
	for _, f := range from {
		reg("To"+target, result, to, f)
		reg("ConvertsTo"+target, types.Boolean, can, f)
	}
}

// toBoolean accepts (case-insensitively) true/t/yes/y/1 and
// false/f/no/n/0, and the numbers 1 and 0.
func toBoolean(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Boolean:
		return x
	case value.String:
		switch strings.ToLower(string(x)) {
		case "true", "t", "yes", "y", "1":
			return trueValue
		case "false", "f", "no", "n", "0":
			return falseValue
		}
	case value.Integer:
		return intToBool(int64(x))
	case value.Long:
		return intToBool(int64(x))
	case value.Decimal:
		if n, err := value.DecToInt64(x); err == nil {
			return intToBool(n)
		}
	}
	return nil
}

func intToBool(n int64) value.Value {
	switch n {
	case 1:
		return trueValue
	case 0:
		return falseValue
	}
	return nil
}

// isIntegerText reports whether s is (+|-)?digits.
func isIntegerText(s string) bool {
	return isDigits(trimSign(s))
}

// isDecimalText reports whether s is (+|-)?digits(.digits)?.
func isDecimalText(s string) bool {
	whole, frac, hasPoint := strings.Cut(trimSign(s), ".")
	return isDigits(whole) && (!hasPoint || isDigits(frac))
}

// trimSign drops one leading + or -.
func trimSign(s string) string {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return s[1:]
	}
	return s
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return true
}

func toInteger(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Integer:
		return x
	case value.Long:
		return intResult(int64(x))
	case value.Boolean:
		if x {
			return value.Integer(1)
		}
		return value.Integer(0)
	case value.String:
		if !isIntegerText(string(x)) {
			return nil
		}
		n, err := strconv.ParseInt(string(x), 10, 32)
		if err != nil {
			return nil
		}
		return value.Integer(n)
	}
	return nil
}

func toLong(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Long:
		return x
	case value.Integer:
		return value.Long(x)
	case value.Boolean:
		if x {
			return value.Long(1)
		}
		return value.Long(0)
	case value.String:
		if !isIntegerText(string(x)) {
			return nil
		}
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return nil
		}
		return value.Long(n)
	}
	return nil
}

// parseDecimal parses (+|-)?#0(.0#)?; digits beyond 8 places are rounded.
func parseDecimal(s string) (value.Decimal, bool) {
	if !isDecimalText(s) {
		return value.Decimal{}, false
	}
	d, err := value.NewDecimalLax(strings.TrimPrefix(s, "+"))
	if err != nil {
		return value.Decimal{}, false
	}
	r, err := value.DecimalFromApd(d.D)
	if err != nil {
		return value.Decimal{}, false
	}
	return r, true
}

func toDecimal(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Decimal:
		return x
	case value.Integer:
		return value.DecimalFromInt(int64(x))
	case value.Long:
		return value.DecimalFromInt(int64(x))
	case value.Boolean:
		if x {
			return value.MustDecimal("1.0")
		}
		return value.MustDecimal("0.0")
	case value.String:
		if d, ok := parseDecimal(string(x)); ok {
			return d
		}
	}
	return nil
}

// quantityText renders a quantity as CQL text: 5.5 'cm', 3 days.
func quantityText(q value.Quantity) string {
	num := decText(q.Value)
	unit := q.Unit
	if unit == "" {
		unit = "1"
	}
	if value.IsCalendarUnit(unit) {
		return num + " " + unit
	}
	return num + " '" + strings.ReplaceAll(unit, "'", `\'`) + "'"
}

// toString renders values in the formats CQL's ToString specifies: no
// quotes or '@', Long without the L suffix, DateTime without a trailing T
// when it has no time part.
func toString(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.String:
		return x
	case value.Boolean:
		if x {
			return value.String("true")
		}
		return value.String("false")
	case value.Integer:
		return value.String(strconv.FormatInt(int64(x), 10))
	case value.Long:
		return value.String(strconv.FormatInt(int64(x), 10))
	case value.Decimal:
		return value.String(decText(x))
	case value.Quantity:
		if x.Value.D == nil {
			return nil
		}
		return value.String(quantityText(x))
	case value.Ratio:
		if x.Numerator.Value.D == nil || x.Denominator.Value.D == nil {
			return nil
		}
		return value.String(quantityText(x.Numerator) + ":" + quantityText(x.Denominator))
	case value.Date:
		return value.String(x.String())
	case value.DateTime:
		return value.String(formatDateTime(x))
	case value.Time:
		return value.String(x.String())
	}
	return nil
}

// parseQuantity parses a number optionally followed by a unit: a quoted
// UCUM unit ('cm') or a calendar duration keyword (days). Without a unit
// the quantity is dimensionless ('1').
func parseQuantity(s string) (value.Quantity, bool) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] == '+' || s[end] == '-' || s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	num, rest := s[:end], strings.TrimSpace(s[end:])
	d, ok := parseDecimal(num)
	if !ok {
		return value.Quantity{}, false
	}
	unit := "1"
	switch {
	case rest == "":
	case rest[0] == '\'':
		if len(rest) < 2 || rest[len(rest)-1] != '\'' {
			return value.Quantity{}, false
		}
		unit = strings.ReplaceAll(rest[1:len(rest)-1], `\'`, "'")
		if unit == "" {
			unit = "1"
		}
		if value.IsCalendarUnit(unit) {
			break
		}
		if ucum.Valid(unit) != nil {
			return value.Quantity{}, false
		}
	case value.IsCalendarUnit(rest):
		unit = rest
	default:
		return value.Quantity{}, false
	}
	return value.Quantity{Value: d, Unit: unit}, true
}

func toQuantity(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Quantity:
		return x
	case value.Decimal:
		return value.Quantity{Value: x, Unit: "1"}
	case value.Integer:
		return value.Quantity{Value: value.DecimalFromInt(int64(x)), Unit: "1"}
	case value.Long:
		return value.Quantity{Value: value.DecimalFromInt(int64(x)), Unit: "1"}
	case value.String:
		if q, ok := parseQuantity(string(x)); ok {
			return q
		}
	}
	return nil
}

// toRatio parses <quantity>:<quantity>, e.g. 1 'mg':2 'mL' or 1:128.
func toRatio(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Ratio:
		return x
	case value.String:
		s := string(x)
		// The separator is the first ':' outside a quoted unit.
		quoted, at := false, -1
		for k := 0; k < len(s) && at < 0; k++ {
			switch {
			case s[k] == '\\' && quoted:
				k++
			case s[k] == '\'':
				quoted = !quoted
			case s[k] == ':' && !quoted:
				at = k
			}
		}
		if at < 0 {
			return nil
		}
		n, ok1 := parseQuantity(s[:at])
		d, ok2 := parseQuantity(s[at+1:])
		if !ok1 || !ok2 {
			return nil
		}
		return value.Ratio{Numerator: n, Denominator: d}
	}
	return nil
}

func toDate(c *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Date:
		return x
	case value.DateTime:
		p := x.Precision
		if p > value.Day {
			p = value.Day
		}
		r := value.Date{Year: x.Year, Precision: p}
		if p >= value.Month {
			r.Month = x.Month
		}
		if p >= value.Day {
			r.Day = x.Day
		}
		return r
	case value.String:
		d, err := value.ParseDate(string(x))
		if err != nil {
			// A DateTime string converts to its date part.
			dt, err2 := value.ParseDateTime(string(x))
			if err2 != nil {
				return nil
			}
			return toDate(c, dt)
		}
		return d
	}
	return nil
}

// toDateTime converts a Date or parses an ISO 8601 date/time string; a
// result without a written offset gets the evaluation's offset.
func toDateTime(c *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.DateTime:
		return x
	case value.Date:
		return x.ToDateTime(c.offset())
	case value.String:
		dt, err := value.ParseDateTime(string(x))
		if err != nil {
			return nil
		}
		return dt.WithDefaultOffset(c.offset())
	}
	return nil
}

// toTime parses hh[:mm[:ss[.fff]]], optionally prefixed by 'T'; a trailing
// timezone offset (Z, +hh:mm, -hh:mm) is accepted and ignored.
func toTime(_ *Context, v value.Value) value.Value {
	switch x := v.(type) {
	case value.Time:
		return x
	case value.String:
		s := strings.TrimPrefix(string(x), "T")
		if strings.HasSuffix(s, "Z") {
			s = s[:len(s)-1]
		} else if k := strings.IndexAny(s, "+-"); k >= 0 {
			off := s[k+1:]
			if len(off) != 5 || off[2] != ':' || !isIntegerText(off[:2]) || !isIntegerText(off[3:]) {
				return nil
			}
			s = s[:k]
		}
		t, err := value.ParseTime(s)
		if err != nil {
			return nil
		}
		return t
	}
	return nil
}

func toConcept(_ *Context, a []value.Value) (value.Value, error) {
	switch x := a[0].(type) {
	case nil:
		return nil, nil
	case value.Code:
		return value.Concept{Codes: []value.Code{x}}, nil
	case value.List:
		var codes []value.Code
		for _, e := range x.Elems {
			switch c := e.(type) {
			case nil:
			case value.Code:
				codes = append(codes, c)
			default:
				return nil, typeErr("ToConcept", e)
			}
		}
		if len(codes) == 0 {
			return nil, nil
		}
		return value.Concept{Codes: codes}, nil
	}
	return nil, typeErr("ToConcept", a[0])
}

func convertQuantity(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	q, ok := a[0].(value.Quantity)
	if !ok {
		return nil, typeErr("ConvertQuantity", a[0])
	}
	u, ok := a[1].(value.String)
	if !ok {
		return nil, typeErr("ConvertQuantity", a[1])
	}
	if q.Value.D == nil {
		return nil, nil
	}
	r, err := value.ConvertQuantity(q, string(u))
	if err != nil {
		return nil, nil
	}
	return r, nil
}

func canConvertQuantity(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	q, ok := a[0].(value.Quantity)
	if !ok {
		return nil, typeErr("CanConvertQuantity", a[0])
	}
	u, ok := a[1].(value.String)
	if !ok {
		return nil, typeErr("CanConvertQuantity", a[1])
	}
	if q.Value.D == nil {
		return nil, nil
	}
	_, err := value.ConvertQuantity(q, string(u))
	return boolValue(err == nil), nil
}

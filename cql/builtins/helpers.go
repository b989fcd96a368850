package builtins

// Helpers shared by the arithmetic, comparison, logic, null, string,
// conversion, aggregate and message operators. Names carry a b1 prefix so
// that they cannot clash with helpers of the other operator families that
// live in this package.

import (
	"strconv"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// b1Ctx is the context for decimal computations that the value package's
// helpers do not cover (Ln, Exp, Power, square roots). Results are brought
// into the CQL Decimal range and scale by value.DecimalFromApd. Traps are off:
// special results are checked explicitly.
var b1Ctx = &apd.Context{
	Precision:   40,
	MaxExponent: 5000,
	MinExponent: -5000,
	Rounding:    apd.RoundHalfUp,
}

// b1DecResult turns a computed decimal into a Value: null when it is out of
// range or not finite.
func b1DecResult(d *apd.Decimal) value.Value {
	v, err := value.DecimalFromApd(d)
	if err != nil {
		return nil
	}
	return v
}

// b1DecOf returns the apd form of an Integer, Long or Decimal value.
func b1DecOf(v value.Value) (*apd.Decimal, bool) {
	switch x := v.(type) {
	case value.Decimal:
		if x.D == nil {
			return nil, false
		}
		return x.D, true
	case value.Integer:
		return apd.New(int64(x), 0), true
	case value.Long:
		return apd.New(int64(x), 0), true
	}
	return nil, false
}

// b1NewDec builds a Decimal value from an integer.
func b1NewDec(i int64) value.Decimal { return value.Decimal{D: apd.New(i, 0)} }

// b1TypeErr reports an argument of an unexpected run-time type, which
// indicates a checker/evaluator bug rather than bad user input.
func b1TypeErr(op string, v value.Value) error {
	return Errorf("%s: unexpected argument of type %s", op, v.Type().String())
}

// b1Args2 extracts two arguments of type T. null is true when either is null.
func b1Args2[T value.Value](op string, a []value.Value) (x, y T, null bool, err error) {
	if len(a) < 2 || a[0] == nil || a[1] == nil {
		null = true
		return
	}
	var ok bool
	if x, ok = a[0].(T); !ok {
		err = b1TypeErr(op, a[0])
		return
	}
	if y, ok = a[1].(T); !ok {
		err = b1TypeErr(op, a[1])
	}
	return
}

// b1Arg1 extracts one argument of type T. null is true when it is null.
func b1Arg1[T value.Value](op string, a []value.Value) (x T, null bool, err error) {
	if len(a) < 1 || a[0] == nil {
		null = true
		return
	}
	var ok bool
	if x, ok = a[0].(T); !ok {
		err = b1TypeErr(op, a[0])
	}
	return
}

// b1Reg registers an overload with a plain Fn.
func b1Reg(name string, result types.Type, fn Func, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, Fn: fn})
}

// b1RegVariadic registers a variadic overload.
func b1RegVariadic(name string, result types.Type, fn Func, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, Fn: fn, Variadic: true})
}

// Boxed Booleans, so that hot paths return shared values.
var (
	b1True  value.Value = value.Boolean(true)
	b1False value.Value = value.Boolean(false)
)

func b1Bool(b bool) value.Value {
	if b {
		return b1True
	}
	return b1False
}

// Temporal precisions expressed as the number of digits of their literal
// form, as used by Precision, LowBoundary and HighBoundary.
var (
	b1DateDigits     = [...]int{value.Year: 4, value.Month: 6, value.Day: 8}
	b1DateTimeDigits = [...]int{value.Year: 4, value.Month: 6, value.Day: 8, value.Hour: 10,
		value.Minute: 12, value.Second: 14, value.Millisecond: 17}
	b1TimeDigits = [...]int{value.Hour: 2, value.Minute: 4, value.Second: 6, value.Millisecond: 9}
)

func b1IsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func b1DaysIn(y, m int) int {
	switch m {
	case 2:
		if b1IsLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func b1Pad(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// b1FormatDate renders a Date as YYYY[-MM[-DD]].
func b1FormatDate(b []byte, d value.Date) []byte {
	b = b1Pad(b, d.Year, 4)
	if d.Precision >= value.Month {
		b = b1Pad(append(b, '-'), d.Month, 2)
	}
	if d.Precision >= value.Day {
		b = b1Pad(append(b, '-'), d.Day, 2)
	}
	return b
}

// b1FormatTimeFields renders hh[:mm[:ss[.fff]]] for precisions Hour and finer.
func b1FormatTimeFields(b []byte, p value.Precision, h, mi, s, ms int) []byte {
	b = b1Pad(b, h, 2)
	if p >= value.Minute {
		b = b1Pad(append(b, ':'), mi, 2)
	}
	if p >= value.Second {
		b = b1Pad(append(b, ':'), s, 2)
	}
	if p >= value.Millisecond {
		b = b1Pad(append(b, '.'), ms, 3)
	}
	return b
}

// b1FormatOffset renders a timezone offset as +hh:mm / -hh:mm.
func b1FormatOffset(b []byte, minutes int) []byte {
	if minutes < 0 {
		b = append(b, '-')
		minutes = -minutes
	} else {
		b = append(b, '+')
	}
	b = b1Pad(b, minutes/60, 2)
	return b1Pad(append(b, ':'), minutes%60, 2)
}

// b1FormatDateTime renders a DateTime in ISO 8601 form without the '@' of a
// literal: 2012-01-01, 2012-01-01T10:30:00.000+01:00. The offset is written
// only when the value carries one and has a time part.
func b1FormatDateTime(b []byte, dt value.DateTime) []byte {
	p := dt.Precision
	dp := p
	if dp > value.Day {
		dp = value.Day
	}
	b = b1FormatDate(b, value.Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: dp})
	if p >= value.Hour {
		b = append(b, 'T')
		b = b1FormatTimeFields(b, p, dt.Hour, dt.Minute, dt.Second, dt.Millisecond)
		if dt.HasOffset {
			b = b1FormatOffset(b, dt.OffsetMinutes)
		}
	}
	return b
}

// b1FormatTime renders a Time as hh[:mm[:ss[.fff]]].
func b1FormatTime(b []byte, t value.Time) []byte {
	return b1FormatTimeFields(b, t.Precision, t.Hour, t.Minute, t.Second, t.Millisecond)
}

// b1DecText renders a decimal in plain notation (never exponent form).
func b1DecText(d value.Decimal) string {
	if d.D == nil {
		return ""
	}
	return d.D.Text('f')
}

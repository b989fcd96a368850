package builtins

// Helpers shared by the operator families of this package: argument
// extraction, registration, boxed Booleans, decimal arithmetic beyond the
// value package and the text forms of temporal values.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// decCtx is the context for decimal computations that the value package's
// helpers do not cover (Ln, Exp, Power, square roots, the steps of Expand
// and Collapse). Results are brought into the CQL Decimal range and scale
// by value.DecimalFromApd. Traps are off: special results are checked
// explicitly.
var decCtx = &apd.Context{
	Precision:   40,
	MaxExponent: 5000,
	MinExponent: -5000,
	Rounding:    apd.RoundHalfUp,
}

// decResult turns a computed decimal into a Value: null when it is out of
// range or not finite.
func decResult(d *apd.Decimal) value.Value {
	v, err := value.DecimalFromApd(d)
	if err != nil {
		return nil
	}
	return v
}

// decOf returns the apd form of an Integer, Long or Decimal value.
func decOf(v value.Value) (*apd.Decimal, bool) {
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

// typeErr reports an argument of an unexpected run-time type, which
// indicates a checker/evaluator bug rather than bad user input.
func typeErr(op string, v value.Value) error {
	return Errorf("%s: unexpected argument of type %s", op, v.Type().String())
}

// args2 extracts two arguments of type T. null is true when either is null.
func args2[T value.Value](op string, a []value.Value) (x, y T, null bool, err error) {
	if len(a) < 2 || a[0] == nil || a[1] == nil {
		null = true
		return
	}
	var ok bool
	if x, ok = a[0].(T); !ok {
		err = typeErr(op, a[0])
		return
	}
	if y, ok = a[1].(T); !ok {
		err = typeErr(op, a[1])
	}
	return
}

// arg1 extracts one argument of type T. null is true when it is null.
func arg1[T value.Value](op string, a []value.Value) (x T, null bool, err error) {
	if len(a) < 1 || a[0] == nil {
		null = true
		return
	}
	var ok bool
	if x, ok = a[0].(T); !ok {
		err = typeErr(op, a[0])
	}
	return
}

// reg registers an overload with a plain Fn.
func reg(name string, result types.Type, fn Func, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, Fn: fn})
}

// regVariadic registers a variadic overload.
func regVariadic(name string, result types.Type, fn Func, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, Fn: fn, Variadic: true})
}

// regP registers an overload that takes an optional precision.
func regP(name string, result types.Type, fn PrecisionFunc, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, PFn: fn})
}

// Boxed Booleans, so that hot paths return shared values.
var (
	trueValue  value.Value = value.Boolean(true)
	falseValue value.Value = value.Boolean(false)
)

func boolValue(b bool) value.Value {
	if b {
		return trueValue
	}
	return falseValue
}

// Temporal precisions expressed as the number of digits of their literal
// form, as used by Precision, LowBoundary and HighBoundary.
var (
	dateDigits     = [...]int{value.Year: 4, value.Month: 6, value.Day: 8}
	dateTimeDigits = [...]int{value.Year: 4, value.Month: 6, value.Day: 8, value.Hour: 10,
		value.Minute: 12, value.Second: 14, value.Millisecond: 17}
	timeDigits = [...]int{value.Hour: 2, value.Minute: 4, value.Second: 6, value.Millisecond: 9}
)

// clearFinerThan zeroes the fields of dt finer than p; the precision is
// left to the caller.
func clearFinerThan(dt value.DateTime, p value.Precision) value.DateTime {
	if p < value.Millisecond {
		dt.Millisecond = 0
	}
	if p < value.Second {
		dt.Second = 0
	}
	if p < value.Minute {
		dt.Minute = 0
	}
	if p < value.Hour {
		dt.Hour = 0
	}
	if p < value.Day {
		dt.Day = 0
	}
	if p < value.Month {
		dt.Month = 0
	}
	return dt
}

// formatDateTime renders a DateTime in ISO 8601 form without the '@' of a
// literal: 2012-01-01, 2012-01-01T10:30:00.000+01:00. The offset is written
// (always as +hh:mm, never Z) only when the value carries one and has a
// time part.
func formatDateTime(dt value.DateTime) string {
	s := dt.Date().String()
	t, ok := dt.Time()
	if !ok {
		return s
	}
	s += "T" + t.String()
	if dt.HasOffset {
		if dt.OffsetMinutes == 0 {
			s += "+00:00"
		} else {
			s += value.FormatOffset(dt.OffsetMinutes)
		}
	}
	return s
}

// decText renders a decimal in plain notation (never exponent form).
func decText(d value.Decimal) string {
	if d.D == nil {
		return ""
	}
	return d.D.Text('f')
}

// cancelled reports the evaluation's cancellation, checked by long loops.
func cancelled(c *Context) error {
	if c != nil && c.Ctx != nil {
		return c.Ctx.Err()
	}
	return nil
}

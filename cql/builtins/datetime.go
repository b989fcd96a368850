package builtins

// Temporal operators: date/time selectors, arithmetic with time
// quantities, component extraction, Now/Today/TimeOfDay, duration and
// difference between, and the precision-aware comparisons SameAs,
// SameOrBefore, SameOrAfter, Before and After on Date, DateTime and Time
// points. The semantics live in package value (AddQuantity,
// DurationBetween, CompareAt, ...); this file adapts them to the registry.

import (
	"errors"
	"fmt"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

func init() {
	i, d, q := types.Integer, types.Decimal, types.Quantity
	da, dt, tm := types.Date, types.DateTime, types.Time
	b := types.Boolean

	for _, t := range []types.Type{da, dt, tm} {
		Register(
			&Overload{Name: "Add", Params: []types.Type{t, q}, Result: t, Fn: dtAdd(false)},
			&Overload{Name: "Subtract", Params: []types.Type{t, q}, Result: t, Fn: dtAdd(true)},
			&Overload{Name: "DateTimeComponentFrom", Params: []types.Type{t}, Result: i, PFn: dtComponentFrom},
			&Overload{Name: "DurationBetween", Params: []types.Type{t, t}, Result: i, PFn: dtBetween(value.DurationBetween)},
			&Overload{Name: "DifferenceBetween", Params: []types.Type{t, t}, Result: i, PFn: dtBetween(value.DifferenceBetween)},
		)
		for _, op := range []struct {
			name string
			f    func(a, b value.Value, p value.Precision) value.Value
		}{
			{"SameAs", value.SameAs},
			{"SameOrBefore", value.SameOrBefore},
			{"SameOrAfter", value.SameOrAfter},
			{"Before", value.Before},
			{"After", value.After},
		} {
			Register(&Overload{Name: op.name, Params: []types.Type{t, t}, Result: b, PFn: dtCompare(op.name, op.f)})
		}
	}

	ints := func(n int) []types.Type {
		ps := make([]types.Type, n)
		for k := range ps {
			ps[k] = i
		}
		return ps
	}
	for n := 1; n <= 3; n++ {
		Register(&Overload{Name: "Date", Params: ints(n), Result: da, Fn: dtDateSelector})
	}
	for n := 1; n <= 7; n++ {
		Register(&Overload{Name: "DateTime", Params: ints(n), Result: dt, Fn: dtDateTimeSelector})
	}
	Register(&Overload{Name: "DateTime", Params: append(ints(7), d), Result: dt, Fn: dtDateTimeSelector})
	for n := 1; n <= 4; n++ {
		Register(&Overload{Name: "Time", Params: ints(n), Result: tm, Fn: dtTimeSelector})
	}

	Register(
		&Overload{Name: "DateFrom", Params: []types.Type{dt}, Result: da, Fn: dtDateFrom},
		&Overload{Name: "DateFrom", Params: []types.Type{da}, Result: da, Fn: dtIdentity},
		&Overload{Name: "TimeFrom", Params: []types.Type{dt}, Result: tm, Fn: dtTimeFrom},
		&Overload{Name: "TimezoneOffsetFrom", Params: []types.Type{dt}, Result: d, Fn: dtTimezoneOffsetFrom},
		&Overload{Name: "Now", Result: dt, Fn: dtNow},
		&Overload{Name: "Today", Result: da, Fn: dtToday},
		&Overload{Name: "TimeOfDay", Result: tm, Fn: dtTimeOfDay},
	)
}

func dtAdd(subtract bool) Func {
	return func(c *Context, args []value.Value) (value.Value, error) {
		if args[0] == nil || args[1] == nil {
			return nil, nil
		}
		qty, ok := args[1].(value.Quantity)
		if !ok {
			return nil, Errorf("expected a Quantity, got %s", value.Format(args[1]))
		}
		var r value.Value
		var err error
		if subtract {
			r, err = value.SubtractQuantity(args[0], qty)
		} else {
			r, err = value.AddQuantity(args[0], qty)
		}
		if err != nil {
			op := "+"
			if subtract {
				op = "-"
			}
			return nil, Errorf("%s %s %s: %v", value.Format(args[0]), op, value.Format(qty), err)
		}
		return r, nil
	}
}

func dtCompare(name string, f func(a, b value.Value, p value.Precision) value.Value) PrecisionFunc {
	return func(c *Context, p value.Precision, args []value.Value) (value.Value, error) {
		if args[0] == nil || args[1] == nil {
			return nil, nil
		}
		if err := dtCheckPrecision(args[0], p); err != nil {
			return nil, Errorf("%s: %v", name, err)
		}
		return f(args[0], args[1], p), nil
	}
}

// dtCheckPrecision rejects precisions a value's type cannot have (hours of
// a Date, years of a Time). Week is accepted for Date/DateTime.
func dtCheckPrecision(v value.Value, p value.Precision) error {
	if p == value.Unset {
		return nil
	}
	switch v.(type) {
	case value.Date:
		if p > value.Day && p != value.Week {
			return fmt.Errorf("precision %s is not valid for a Date", p)
		}
	case value.Time:
		if p < value.Hour || p == value.Week {
			return fmt.Errorf("precision %s is not valid for a Time", p)
		}
	}
	return nil
}

func dtBetween(f func(a, b value.Value, p value.Precision) (value.Value, error)) PrecisionFunc {
	return func(c *Context, p value.Precision, args []value.Value) (value.Value, error) {
		if args[0] == nil || args[1] == nil {
			return nil, nil
		}
		if p == value.Unset {
			return nil, Errorf("a precision is required")
		}
		if err := dtCheckPrecision(args[0], p); err != nil {
			return nil, Errorf("%v", err)
		}
		r, err := f(args[0], args[1], p)
		if err != nil {
			// Results that do not fit in an Integer are null.
			return nil, nil
		}
		return r, nil
	}
}

func dtComponentFrom(c *Context, p value.Precision, args []value.Value) (value.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	if p == value.Unset || p == value.Week {
		return nil, Errorf("a date/time component is required")
	}
	if err := dtCheckPrecision(args[0], p); err != nil {
		return nil, Errorf("%v", err)
	}
	var f [7]int
	var have value.Precision
	switch x := args[0].(type) {
	case value.Date:
		f, have = [7]int{x.Year, x.Month, x.Day}, x.Precision
	case value.DateTime:
		f, have = [7]int{x.Year, x.Month, x.Day, x.Hour, x.Minute, x.Second, x.Millisecond}, x.Precision
	case value.Time:
		f, have = [7]int{0, 0, 0, x.Hour, x.Minute, x.Second, x.Millisecond}, x.Precision
	default:
		return nil, Errorf("cannot extract a component from %s", value.Format(args[0]))
	}
	if p > have {
		return nil, nil
	}
	return value.Integer(f[p]), nil
}

// dtComponents reads Integer arguments: the precision is the last one
// before the first null; a non-null component after a null is an error.
func dtComponents(args []value.Value, n int) ([]int, int, error) {
	out := make([]int, n)
	count := 0
	seenNull := false
	for k := 0; k < len(args) && k < n; k++ {
		if args[k] == nil {
			seenNull = true
			continue
		}
		if seenNull {
			return nil, 0, errors.New("a date/time component follows a null component")
		}
		v, ok := args[k].(value.Integer)
		if !ok {
			return nil, 0, fmt.Errorf("component %d is not an Integer", k+1)
		}
		out[k] = int(v)
		count++
	}
	return out, count, nil
}

func dtDateSelector(c *Context, args []value.Value) (value.Value, error) {
	f, n, err := dtComponents(args, 3)
	if err != nil {
		return nil, Errorf("Date: %v", err)
	}
	if n == 0 {
		return nil, nil
	}
	d, err := value.NewDate(f[0], f[1], f[2], value.Precision(n-1))
	if err != nil {
		return nil, Errorf("Date: %v", err)
	}
	if n < 3 {
		d.Day = 0
	}
	if n < 2 {
		d.Month = 0
	}
	return d, nil
}

func dtDateTimeSelector(c *Context, args []value.Value) (value.Value, error) {
	f, n, err := dtComponents(args, 7)
	if err != nil {
		return nil, Errorf("DateTime: %v", err)
	}
	if n == 0 {
		return nil, nil
	}
	dt := value.DateTime{Year: f[0], Month: f[1], Day: f[2], Hour: f[3], Minute: f[4], Second: f[5],
		Millisecond: f[6], Precision: value.Precision(n - 1)}
	if c != nil {
		dt.OffsetMinutes = c.Now.OffsetMinutes
	}
	if len(args) == 8 && args[7] != nil {
		off, ok := args[7].(value.Decimal)
		if !ok {
			return nil, Errorf("DateTime: the timezone offset must be a Decimal")
		}
		m, err := dtOffsetMinutes(off)
		if err != nil {
			return nil, Errorf("DateTime: %v", err)
		}
		dt.OffsetMinutes, dt.HasOffset = m, true
	}
	if err := dt.Valid(); err != nil {
		return nil, Errorf("DateTime: %v", err)
	}
	return dt, nil
}

var dtSixty = value.DecimalFromInt(60)

// dtOffsetMinutes converts an offset in hours (-14.0 .. 14.0) to whole minutes.
func dtOffsetMinutes(h value.Decimal) (int, error) {
	m, err := value.DecMul(h, dtSixty)
	if err != nil {
		return 0, err
	}
	r, err := value.DecRound(m, 0)
	if err != nil {
		return 0, err
	}
	i, err := value.DecToInt64(r)
	if err != nil || i < -14*60 || i > 14*60 {
		return 0, fmt.Errorf("timezone offset %s out of range", h)
	}
	return int(i), nil
}

func dtTimeSelector(c *Context, args []value.Value) (value.Value, error) {
	f, n, err := dtComponents(args, 4)
	if err != nil {
		return nil, Errorf("Time: %v", err)
	}
	if n == 0 {
		return nil, nil
	}
	t := value.Time{Hour: f[0], Minute: f[1], Second: f[2], Millisecond: f[3], Precision: value.Hour + value.Precision(n-1)}
	if err := t.Valid(); err != nil {
		return nil, Errorf("Time: %v", err)
	}
	return t, nil
}

func dtIdentity(c *Context, args []value.Value) (value.Value, error) { return args[0], nil }

func dtDateFrom(c *Context, args []value.Value) (value.Value, error) {
	x, ok := args[0].(value.DateTime)
	if !ok {
		return nil, nil
	}
	return x.Date(), nil
}

func dtTimeFrom(c *Context, args []value.Value) (value.Value, error) {
	x, ok := args[0].(value.DateTime)
	if !ok {
		return nil, nil
	}
	t, ok := x.Time()
	if !ok {
		return nil, nil
	}
	return t, nil
}

// dtTimezoneOffsetFrom returns the offset in hours with two decimals
// (1.00, -7.00, 5.50).
func dtTimezoneOffsetFrom(c *Context, args []value.Value) (value.Value, error) {
	x, ok := args[0].(value.DateTime)
	if !ok {
		return nil, nil
	}
	d := apd.New(int64(x.OffsetMinutes), 0)
	h := new(apd.Decimal)
	ctx := apd.BaseContext.WithPrecision(20)
	if _, err := ctx.Quo(h, d, apd.New(60, 0)); err != nil {
		return nil, Errorf("timezone offset: %v", err)
	}
	if _, err := ctx.Quantize(h, h, -2); err != nil {
		return nil, Errorf("timezone offset: %v", err)
	}
	r, err := value.DecimalFromApd(h)
	if err != nil {
		return nil, Errorf("timezone offset: %v", err)
	}
	return r, nil
}

func dtNowValue(c *Context) value.DateTime {
	if c == nil {
		return value.DateTime{}
	}
	return c.Now
}

func dtNow(c *Context, args []value.Value) (value.Value, error) {
	if c == nil {
		return nil, Errorf("Now() needs an evaluation context")
	}
	return dtNowValue(c), nil
}

func dtToday(c *Context, args []value.Value) (value.Value, error) {
	if c == nil {
		return nil, Errorf("Today() needs an evaluation context")
	}
	return c.Now.Date(), nil
}

func dtTimeOfDay(c *Context, args []value.Value) (value.Value, error) {
	if c == nil {
		return nil, Errorf("TimeOfDay() needs an evaluation context")
	}
	t, ok := c.Now.Time()
	if !ok {
		return nil, nil
	}
	return t, nil
}

package builtins

// Run-time re-dispatch for arithmetic. Overloads are chosen at compile time
// from static types, but two run-time values do not match their static
// type: Power(Integer, Integer) with a negative exponent is a Decimal
// (Power(10, -8)), and a duration between imprecise dates is an
// uncertainty interval (Interval<Integer>) although typed Integer. When an
// Integer or Long operator meets such a value it re-dispatches here:
// numbers are promoted to the widest kind present, and uncertainty
// intervals are combined bound by bound.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// redispatch evaluates op on the run-time types of a. It is only called
// after a type mismatch, so it is not on the fast path.
func redispatch(c *Context, op string, a []value.Value) (value.Value, error) {
	for _, v := range a {
		if _, ok := v.(value.Interval); ok {
			return uncertainArith(c, op, a)
		}
	}
	rank := 0
	for _, v := range a {
		switch v.(type) {
		case nil:
		case value.Integer:
			rank = max(rank, 1)
		case value.Long:
			rank = max(rank, 2)
		case value.Decimal:
			rank = max(rank, 3)
		default:
			return nil, typeErr(op, v)
		}
	}
	var target types.Type
	switch rank {
	case 0:
		return nil, nil
	case 1:
		target = types.Integer
	case 2:
		target = types.Long
	default:
		target = types.Decimal
	}
	args := make([]value.Value, len(a))
	for k, v := range a {
		args[k] = promote(v, rank)
	}
	// Operators that are only defined on Decimal (Ln, Exp, Round, ...)
	// accept the promoted arguments as they are.
	fn := overloadFor(op, target, len(a))
	if fn == nil && rank < 3 {
		for k, v := range a {
			args[k] = promote(v, 3)
		}
		fn = overloadFor(op, types.Decimal, len(a))
	}
	if fn == nil {
		return nil, typeErr(op, a[0])
	}
	return fn(c, args)
}

// promote widens an Integer/Long/Decimal value to the given rank.
func promote(v value.Value, rank int) value.Value {
	switch x := v.(type) {
	case value.Integer:
		switch rank {
		case 2:
			return value.Long(x)
		case 3:
			return value.DecimalFromInt(int64(x))
		}
	case value.Long:
		if rank == 3 {
			return value.DecimalFromInt(int64(x))
		}
	}
	return v
}

// overloadFor finds the Fn of op whose n parameters are all of type t.
func overloadFor(op string, t types.Type, n int) Func {
	for _, o := range Lookup(op) {
		if o.Fn == nil || o.Variadic || len(o.Params) != n {
			continue
		}
		all := true
		for _, p := range o.Params {
			if !types.Equal(p, t) {
				all = false
				break
			}
		}
		if all {
			return o.Fn
		}
	}
	return nil
}

// uncertainArith combines uncertainty intervals: a point x counts as
// [x, x]; Add and Subtract work on the bounds, Multiply takes the least
// and greatest of the bound products. Other operators are not defined on
// uncertainties.
func uncertainArith(c *Context, op string, a []value.Value) (value.Value, error) {
	if len(a) != 2 || a[0] == nil || a[1] == nil {
		return nil, nil
	}
	lo1, hi1, ok1 := uncertainBounds(a[0])
	lo2, hi2, ok2 := uncertainBounds(a[1])
	if !ok1 || !ok2 {
		if !ok1 {
			return nil, typeErr(op, a[0])
		}
		return nil, typeErr(op, a[1])
	}
	call := func(x, y value.Value) (value.Value, error) {
		return redispatch(c, op, []value.Value{x, y})
	}
	var lo, hi value.Value
	var err error
	switch op {
	case "Add":
		if lo, err = call(lo1, lo2); err != nil {
			return nil, err
		}
		hi, err = call(hi1, hi2)
	case "Subtract":
		if lo, err = call(lo1, hi2); err != nil {
			return nil, err
		}
		hi, err = call(hi1, lo2)
	case "Multiply":
		var ps [4]value.Value
		pairs := [4][2]value.Value{{lo1, lo2}, {lo1, hi2}, {hi1, lo2}, {hi1, hi2}}
		for k, p := range pairs {
			if ps[k], err = call(p[0], p[1]); err != nil {
				return nil, err
			}
			if ps[k] == nil {
				return nil, nil
			}
		}
		lo, hi = ps[0], ps[0]
		for _, p := range ps[1:] {
			if cmp, ok := compareValues(p, lo); ok && cmp < 0 {
				lo = p
			}
			if cmp, ok := compareValues(p, hi); ok && cmp > 0 {
				hi = p
			}
		}
	default:
		return nil, Errorf("%s is not defined on uncertain values", op)
	}
	if err != nil {
		return nil, err
	}
	if lo == nil || hi == nil {
		return nil, nil
	}
	return value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true, PointType: lo.Type()}, nil
}

// uncertainBounds returns the bounds of an uncertainty interval, or x and
// x for a point value.
func uncertainBounds(v value.Value) (lo, hi value.Value, ok bool) {
	switch x := v.(type) {
	case value.Interval:
		if x.Low == nil || x.High == nil || !x.LowClosed || !x.HighClosed {
			return nil, nil, false
		}
		return x.Low, x.High, true
	case value.Integer, value.Long, value.Decimal:
		return v, v, true
	}
	return nil, nil, false
}

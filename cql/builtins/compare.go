package builtins

// Comparison operators. Equality, equivalence and ordering of all value
// kinds are defined by the value package (value.Equal, value.Equivalent,
// value.Compare); this file adds fast paths for the common scalar cases.

import (
	"cmp"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	reg("Equal", b, cmpEqual, T, T)
	reg("NotEqual", b, cmpNotEqual, T, T)
	reg("Equivalent", b, cmpEquivalent, T, T)
	reg("NotEquivalent", b, cmpNotEquivalent, T, T)
	for _, t := range []types.Type{types.Integer, types.Long, types.Decimal, types.String,
		types.Date, types.DateTime, types.Time, types.Quantity} {
		reg("Less", b, cmpLess, t, t)
		reg("Greater", b, cmpGreater, t, t)
		reg("LessOrEqual", b, cmpLessOrEqual, t, t)
		reg("GreaterOrEqual", b, cmpGreaterOrEqual, t, t)
	}
}

// equalValue is CQL '=': true, false or null.
func equalValue(x, y value.Value) value.Value {
	if x == nil || y == nil {
		return nil
	}
	switch p := x.(type) {
	case value.Integer:
		if q, ok := y.(value.Integer); ok {
			return boolValue(p == q)
		}
	case value.String:
		if q, ok := y.(value.String); ok {
			return boolValue(p == q)
		}
	case value.Boolean:
		if q, ok := y.(value.Boolean); ok {
			return boolValue(p == q)
		}
	case value.Long:
		if q, ok := y.(value.Long); ok {
			return boolValue(p == q)
		}
	}
	return value.Equal(x, y)
}

func cmpEqual(_ *Context, a []value.Value) (value.Value, error) {
	return equalValue(a[0], a[1]), nil
}

func cmpNotEqual(_ *Context, a []value.Value) (value.Value, error) {
	if r, ok := equalValue(a[0], a[1]).(value.Boolean); ok {
		return boolValue(!bool(r)), nil
	}
	return nil, nil
}

func cmpEquivalent(_ *Context, a []value.Value) (value.Value, error) {
	return boolValue(value.Equivalent(a[0], a[1])), nil
}

func cmpNotEquivalent(_ *Context, a []value.Value) (value.Value, error) {
	return boolValue(!value.Equivalent(a[0], a[1])), nil
}

// compareValues orders two values: ok is false when either is null or the order is
// uncertain (temporal values of different precisions).
func compareValues(x, y value.Value) (int, bool) {
	if x == nil || y == nil {
		return 0, false
	}
	switch p := x.(type) {
	case value.Integer:
		if q, ok := y.(value.Integer); ok {
			return cmp.Compare(p, q), true
		}
	case value.Long:
		if q, ok := y.(value.Long); ok {
			return cmp.Compare(p, q), true
		}
	}
	return value.Compare(x, y)
}

func cmpLess(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := compareValues(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return boolValue(c < 0), nil
}

func cmpGreater(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := compareValues(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return boolValue(c > 0), nil
}

func cmpLessOrEqual(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := compareValues(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return boolValue(c <= 0), nil
}

func cmpGreaterOrEqual(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := compareValues(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return boolValue(c >= 0), nil
}

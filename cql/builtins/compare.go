package builtins

// Comparison operators. Equality, equivalence and ordering of all value
// kinds are defined by the value package (value.Equal, value.Equivalent,
// value.Compare); this file adds fast paths for the common scalar cases.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	b1Reg("Equal", b, b1Equal, T, T)
	b1Reg("NotEqual", b, b1NotEqual, T, T)
	b1Reg("Equivalent", b, b1Equivalent, T, T)
	b1Reg("NotEquivalent", b, b1NotEquivalent, T, T)
	for _, t := range []types.Type{types.Integer, types.Long, types.Decimal, types.String,
		types.Date, types.DateTime, types.Time, types.Quantity} {
		b1Reg("Less", b, b1Less, t, t)
		b1Reg("Greater", b, b1Greater, t, t)
		b1Reg("LessOrEqual", b, b1LessOrEqual, t, t)
		b1Reg("GreaterOrEqual", b, b1GreaterOrEqual, t, t)
	}
}

// b1EqualValue is CQL '=': true, false or null.
func b1EqualValue(x, y value.Value) value.Value {
	if x == nil || y == nil {
		return nil
	}
	switch p := x.(type) {
	case value.Integer:
		if q, ok := y.(value.Integer); ok {
			return b1Bool(p == q)
		}
	case value.String:
		if q, ok := y.(value.String); ok {
			return b1Bool(p == q)
		}
	case value.Boolean:
		if q, ok := y.(value.Boolean); ok {
			return b1Bool(p == q)
		}
	case value.Long:
		if q, ok := y.(value.Long); ok {
			return b1Bool(p == q)
		}
	}
	return value.Equal(x, y)
}

func b1Equal(_ *Context, a []value.Value) (value.Value, error) {
	return b1EqualValue(a[0], a[1]), nil
}

func b1NotEqual(_ *Context, a []value.Value) (value.Value, error) {
	if r, ok := b1EqualValue(a[0], a[1]).(value.Boolean); ok {
		return b1Bool(!bool(r)), nil
	}
	return nil, nil
}

func b1Equivalent(_ *Context, a []value.Value) (value.Value, error) {
	return b1Bool(value.Equivalent(a[0], a[1])), nil
}

func b1NotEquivalent(_ *Context, a []value.Value) (value.Value, error) {
	return b1Bool(!value.Equivalent(a[0], a[1])), nil
}

// b1Cmp orders two values: ok is false when either is null or the order is
// uncertain (temporal values of different precisions).
func b1Cmp(x, y value.Value) (int, bool) {
	if x == nil || y == nil {
		return 0, false
	}
	switch p := x.(type) {
	case value.Integer:
		if q, ok := y.(value.Integer); ok {
			switch {
			case p < q:
				return -1, true
			case p > q:
				return 1, true
			}
			return 0, true
		}
	case value.Long:
		if q, ok := y.(value.Long); ok {
			switch {
			case p < q:
				return -1, true
			case p > q:
				return 1, true
			}
			return 0, true
		}
	}
	return value.Compare(x, y)
}

func b1Less(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := b1Cmp(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return b1Bool(c < 0), nil
}

func b1Greater(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := b1Cmp(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return b1Bool(c > 0), nil
}

func b1LessOrEqual(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := b1Cmp(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return b1Bool(c <= 0), nil
}

func b1GreaterOrEqual(_ *Context, a []value.Value) (value.Value, error) {
	c, ok := b1Cmp(a[0], a[1])
	if !ok {
		return nil, nil
	}
	return b1Bool(c >= 0), nil
}

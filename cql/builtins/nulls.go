package builtins

// Nullological operators: IsNull, IsTrue, IsFalse and Coalesce.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	reg("IsNull", b, isNull, T)
	reg("IsTrue", b, isTrue, b)
	reg("IsFalse", b, isFalse, b)
	// Coalesce(T, T, ...) takes two or more arguments; Coalesce(List<T>)
	// returns the first non-null element.
	regVariadic("Coalesce", T, coalesce, T, T)
	reg("Coalesce", T, coalesceList, ListT)
}

func isNull(_ *Context, a []value.Value) (value.Value, error) {
	return boolValue(a[0] == nil), nil
}

func isTrue(_ *Context, a []value.Value) (value.Value, error) {
	x, ok := a[0].(value.Boolean)
	return boolValue(ok && bool(x)), nil
}

func isFalse(_ *Context, a []value.Value) (value.Value, error) {
	x, ok := a[0].(value.Boolean)
	return boolValue(ok && !bool(x)), nil
}

func coalesce(_ *Context, a []value.Value) (value.Value, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

func coalesceList(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := arg1[value.List]("Coalesce", a)
	if null || err != nil {
		return nil, err
	}
	for _, v := range l.Elems {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

package builtins

// Nullological operators: IsNull, IsTrue, IsFalse and Coalesce.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	b1Reg("IsNull", b, b1IsNull, T)
	b1Reg("IsTrue", b, b1IsTrue, b)
	b1Reg("IsFalse", b, b1IsFalse, b)
	// Coalesce(T, T, ...) takes two or more arguments; Coalesce(List<T>)
	// returns the first non-null element.
	b1RegVariadic("Coalesce", T, b1Coalesce, T, T)
	b1Reg("Coalesce", T, b1CoalesceList, ListT)
}

func b1IsNull(_ *Context, a []value.Value) (value.Value, error) {
	return b1Bool(a[0] == nil), nil
}

func b1IsTrue(_ *Context, a []value.Value) (value.Value, error) {
	x, ok := a[0].(value.Boolean)
	return b1Bool(ok && bool(x)), nil
}

func b1IsFalse(_ *Context, a []value.Value) (value.Value, error) {
	x, ok := a[0].(value.Boolean)
	return b1Bool(ok && !bool(x)), nil
}

func b1Coalesce(_ *Context, a []value.Value) (value.Value, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

func b1CoalesceList(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b1Arg1[value.List]("Coalesce", a)
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

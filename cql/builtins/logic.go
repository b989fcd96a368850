package builtins

// Logical operators with CQL's three-valued logic: null is "unknown".

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	reg("And", b, logicAnd, b, b)
	reg("Or", b, logicOr, b, b)
	reg("Xor", b, logicXor, b, b)
	reg("Implies", b, logicImplies, b, b)
	reg("Not", b, logicNot, b)
}

// logicArg reads a Boolean argument as a three-valued result.
func logicArg(op string, v value.Value) (tri, error) {
	switch x := v.(type) {
	case nil:
		return triUnknown, nil
	case value.Boolean:
		return triBool(bool(x)), nil
	}
	return triUnknown, typeErr(op, v)
}

// logicArgs reads the two Boolean arguments of a binary operator.
func logicArgs(op string, a []value.Value) (x, y tri, err error) {
	if x, err = logicArg(op, a[0]); err != nil {
		return
	}
	y, err = logicArg(op, a[1])
	return
}

func logicAnd(_ *Context, a []value.Value) (value.Value, error) {
	x, y, err := logicArgs("And", a)
	if err != nil {
		return nil, err
	}
	return triAnd(x, y).val(), nil
}

func logicOr(_ *Context, a []value.Value) (value.Value, error) {
	x, y, err := logicArgs("Or", a)
	if err != nil {
		return nil, err
	}
	return triOr(x, y).val(), nil
}

func logicXor(_ *Context, a []value.Value) (value.Value, error) {
	x, y, err := logicArgs("Xor", a)
	if err != nil || x == triUnknown || y == triUnknown {
		return nil, err
	}
	return boolValue(x != y), nil
}

// logicImplies is (not a) or b.
func logicImplies(_ *Context, a []value.Value) (value.Value, error) {
	x, y, err := logicArgs("Implies", a)
	if err != nil {
		return nil, err
	}
	return triOr(triNot(x), y).val(), nil
}

func logicNot(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("Not", a[0])
	if err != nil {
		return nil, err
	}
	return triNot(x).val(), nil
}

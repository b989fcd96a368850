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

// logicArg reads a Boolean argument as 0 (false), 1 (true) or -1 (null).
func logicArg(op string, v value.Value) (int, error) {
	switch x := v.(type) {
	case nil:
		return -1, nil
	case value.Boolean:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return -1, typeErr(op, v)
}

func logicAnd(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("And", a[0])
	if err != nil {
		return nil, err
	}
	y, err := logicArg("And", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 0 || y == 0:
		return falseValue, nil
	case x == 1 && y == 1:
		return trueValue, nil
	}
	return nil, nil
}

func logicOr(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("Or", a[0])
	if err != nil {
		return nil, err
	}
	y, err := logicArg("Or", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 1 || y == 1:
		return trueValue, nil
	case x == 0 && y == 0:
		return falseValue, nil
	}
	return nil, nil
}

func logicXor(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("Xor", a[0])
	if err != nil {
		return nil, err
	}
	y, err := logicArg("Xor", a[1])
	if err != nil {
		return nil, err
	}
	if x < 0 || y < 0 {
		return nil, nil
	}
	return boolValue(x != y), nil
}

// logicImplies is (not a) or b.
func logicImplies(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("Implies", a[0])
	if err != nil {
		return nil, err
	}
	y, err := logicArg("Implies", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 0 || y == 1:
		return trueValue, nil
	case x == 1 && y == 0:
		return falseValue, nil
	}
	return nil, nil
}

func logicNot(_ *Context, a []value.Value) (value.Value, error) {
	x, err := logicArg("Not", a[0])
	if err != nil || x < 0 {
		return nil, err
	}
	return boolValue(x == 0), nil
}

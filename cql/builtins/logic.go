package builtins

// Logical operators with CQL's three-valued logic: null is "unknown".

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	b := types.Boolean
	b1Reg("And", b, b1And, b, b)
	b1Reg("Or", b, b1Or, b, b)
	b1Reg("Xor", b, b1Xor, b, b)
	b1Reg("Implies", b, b1Implies, b, b)
	b1Reg("Not", b, b1Not, b)
}

// b1Tri reads a Boolean argument as 0 (false), 1 (true) or -1 (null).
func b1Tri(op string, v value.Value) (int, error) {
	switch x := v.(type) {
	case nil:
		return -1, nil
	case value.Boolean:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return -1, b1TypeErr(op, v)
}

func b1And(_ *Context, a []value.Value) (value.Value, error) {
	x, err := b1Tri("And", a[0])
	if err != nil {
		return nil, err
	}
	y, err := b1Tri("And", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 0 || y == 0:
		return b1False, nil
	case x == 1 && y == 1:
		return b1True, nil
	}
	return nil, nil
}

func b1Or(_ *Context, a []value.Value) (value.Value, error) {
	x, err := b1Tri("Or", a[0])
	if err != nil {
		return nil, err
	}
	y, err := b1Tri("Or", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 1 || y == 1:
		return b1True, nil
	case x == 0 && y == 0:
		return b1False, nil
	}
	return nil, nil
}

func b1Xor(_ *Context, a []value.Value) (value.Value, error) {
	x, err := b1Tri("Xor", a[0])
	if err != nil {
		return nil, err
	}
	y, err := b1Tri("Xor", a[1])
	if err != nil {
		return nil, err
	}
	if x < 0 || y < 0 {
		return nil, nil
	}
	return b1Bool(x != y), nil
}

// b1Implies is (not a) or b.
func b1Implies(_ *Context, a []value.Value) (value.Value, error) {
	x, err := b1Tri("Implies", a[0])
	if err != nil {
		return nil, err
	}
	y, err := b1Tri("Implies", a[1])
	if err != nil {
		return nil, err
	}
	switch {
	case x == 0 || y == 1:
		return b1True, nil
	case x == 1 && y == 0:
		return b1False, nil
	}
	return nil, nil
}

func b1Not(_ *Context, a []value.Value) (value.Value, error) {
	x, err := b1Tri("Not", a[0])
	if err != nil || x < 0 {
		return nil, err
	}
	return b1Bool(x == 0), nil
}

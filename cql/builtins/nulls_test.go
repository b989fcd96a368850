package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestNulls(t *testing.T) {
	b, s := types.Boolean, types.String
	ls := ListOf(s)
	b1Run(t, []b1Case{
		{name: "IsNullTrue", op: "IsNull", params: b1Ts(T), args: b1Vs(nil), want: b1B(true)},
		{name: "IsNullFalseEmptyString", op: "IsNull", params: b1Ts(T), args: b1Vs(b1S("")), want: b1B(false)},
		{name: "IsNullAlsoFalseNumberZero", op: "IsNull", params: b1Ts(T), args: b1Vs(b1I(0)), want: b1B(false)},
		{name: "IsTrueTrue", op: "IsTrue", params: b1Ts(b), args: b1Vs(b1B(true)), want: b1B(true)},
		{name: "IsTrueFalse", op: "IsTrue", params: b1Ts(b), args: b1Vs(b1B(false)), want: b1B(false)},
		{name: "IsTrueNull", op: "IsTrue", params: b1Ts(b), args: b1Vs(nil), want: b1B(false)},
		{name: "IsFalseFalse", op: "IsFalse", params: b1Ts(b), args: b1Vs(b1B(false)), want: b1B(true)},
		{name: "IsFalseTrue", op: "IsFalse", params: b1Ts(b), args: b1Vs(b1B(true)), want: b1B(false)},
		{name: "IsFalseNull", op: "IsFalse", params: b1Ts(b), args: b1Vs(nil), want: b1B(false)},
		{name: "CoalesceANull", op: "Coalesce", params: b1Ts(T, T), args: b1Vs(b1S("a"), nil), want: b1S("a")},
		{name: "CoalesceNullA", op: "Coalesce", params: b1Ts(T, T), args: b1Vs(nil, b1S("a")), want: b1S("a")},
		{name: "CoalesceAllNull", op: "Coalesce", params: b1Ts(T, T, T), args: b1Vs(nil, nil, nil), want: nil},
		{name: "CoalesceLastList", op: "Coalesce", params: b1Ts(T, T, T),
			args: b1Vs(nil, nil, b1List(s, b1S("a"))), want: b1List(s, b1S("a"))},
		{name: "CoalesceEmptyList", op: "Coalesce", params: b1Ts(ListT), args: b1Vs(b1List(s)), want: nil},
		{name: "CoalesceNullList", op: "Coalesce", params: b1Ts(ListT), args: b1Vs(nil), want: nil},
		{name: "CoalesceListFirstA", op: "Coalesce", params: b1Ts(ListT),
			args: b1Vs(b1List(ls, b1S("a"), nil, nil)), want: b1S("a")},
		{name: "CoalesceListLastA", op: "Coalesce", params: b1Ts(ListT),
			args: b1Vs(b1List(ls, nil, nil, b1S("a"))), want: b1S("a")},
	})
}

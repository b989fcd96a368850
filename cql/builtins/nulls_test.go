package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestNulls(t *testing.T) {
	b, s := types.Boolean, types.String
	ls := ListOf(s)
	runOpCases(t, []opCase{
		{name: "IsNullTrue", op: "IsNull", params: tys(T), args: argv(nil), want: boolV(true)},
		{name: "IsNullFalseEmptyString", op: "IsNull", params: tys(T), args: argv(strV("")), want: boolV(false)},
		{name: "IsNullAlsoFalseNumberZero", op: "IsNull", params: tys(T), args: argv(intV(0)), want: boolV(false)},
		{name: "IsTrueTrue", op: "IsTrue", params: tys(b), args: argv(boolV(true)), want: boolV(true)},
		{name: "IsTrueFalse", op: "IsTrue", params: tys(b), args: argv(boolV(false)), want: boolV(false)},
		{name: "IsTrueNull", op: "IsTrue", params: tys(b), args: argv(nil), want: boolV(false)},
		{name: "IsFalseFalse", op: "IsFalse", params: tys(b), args: argv(boolV(false)), want: boolV(true)},
		{name: "IsFalseTrue", op: "IsFalse", params: tys(b), args: argv(boolV(true)), want: boolV(false)},
		{name: "IsFalseNull", op: "IsFalse", params: tys(b), args: argv(nil), want: boolV(false)},
		{name: "CoalesceANull", op: "Coalesce", params: tys(T, T), args: argv(strV("a"), nil), want: strV("a")},
		{name: "CoalesceNullA", op: "Coalesce", params: tys(T, T), args: argv(nil, strV("a")), want: strV("a")},
		{name: "CoalesceAllNull", op: "Coalesce", params: tys(T, T, T), args: argv(nil, nil, nil), want: nil},
		{name: "CoalesceLastList", op: "Coalesce", params: tys(T, T, T),
			args: argv(nil, nil, listV(s, strV("a"))), want: listV(s, strV("a"))},
		{name: "CoalesceEmptyList", op: "Coalesce", params: tys(ListT), args: argv(listV(s)), want: nil},
		{name: "CoalesceNullList", op: "Coalesce", params: tys(ListT), args: argv(nil), want: nil},
		{name: "CoalesceListFirstA", op: "Coalesce", params: tys(ListT),
			args: argv(listV(ls, strV("a"), nil, nil)), want: strV("a")},
		{name: "CoalesceListLastA", op: "Coalesce", params: tys(ListT),
			args: argv(listV(ls, nil, nil, strV("a"))), want: strV("a")},
	})
}

package builtins

import (
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestMessage(t *testing.T) {
	s, b := types.String, types.Boolean
	p := tys(T, b, s, s, s)
	runOpCases(t, []opCase{
		{name: "TestMessageInfo", op: "Message", params: p,
			args: argv(intV(1), boolV(true), strV("100"), strV("Message"), strV("Test Message")), want: intV(1)},
		{name: "TestMessageWarn", op: "Message", params: p,
			args: argv(intV(2), boolV(true), strV("200"), strV("Warning"), strV("You have been warned!")), want: intV(2)},
		{name: "TestMessageTrace", op: "Message", params: p,
			args: argv(listV(types.Integer, intV(3), intV(4), intV(5)), boolV(true), strV("300"), strV("Trace"), strV("This is a trace")),
			want: listV(types.Integer, intV(3), intV(4), intV(5))},
		{name: "TestMessageError", op: "Message", params: p,
			args: argv(intV(4), boolV(true), strV("400"), strV("Error"), strV("This is an error!")), wantErr: true},
		{name: "ErrorConditionFalse", op: "Message", params: p,
			args: argv(intV(4), boolV(false), strV("400"), strV("Error"), strV("x")), want: intV(4)},
		{name: "ErrorConditionNull", op: "Message", params: p,
			args: argv(intV(4), nil, strV("400"), strV("Error"), strV("x")), want: intV(4)},
		{name: "NullSource", op: "Message", params: p,
			args: argv(nil, boolV(true), strV("1"), strV("Warning"), strV("x")), want: nil},
	})
	o := findOverload(t, "Message", p...)
	_, err := o.Fn(nil, argv(intV(4), boolV(true), strV("400"), strV("Error"), strV("This is an error!")))
	if err == nil || !strings.Contains(err.Error(), "400: This is an error!") {
		t.Fatalf("error text %v", err)
	}
}

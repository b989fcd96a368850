package builtins

import (
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestMessage(t *testing.T) {
	s, b := types.String, types.Boolean
	p := b1Ts(T, b, s, s, s)
	b1Run(t, []b1Case{
		{name: "TestMessageInfo", op: "Message", params: p,
			args: b1Vs(b1I(1), b1B(true), b1S("100"), b1S("Message"), b1S("Test Message")), want: b1I(1)},
		{name: "TestMessageWarn", op: "Message", params: p,
			args: b1Vs(b1I(2), b1B(true), b1S("200"), b1S("Warning"), b1S("You have been warned!")), want: b1I(2)},
		{name: "TestMessageTrace", op: "Message", params: p,
			args: b1Vs(b1List(types.Integer, b1I(3), b1I(4), b1I(5)), b1B(true), b1S("300"), b1S("Trace"), b1S("This is a trace")),
			want: b1List(types.Integer, b1I(3), b1I(4), b1I(5))},
		{name: "TestMessageError", op: "Message", params: p,
			args: b1Vs(b1I(4), b1B(true), b1S("400"), b1S("Error"), b1S("This is an error!")), wantErr: true},
		{name: "ErrorConditionFalse", op: "Message", params: p,
			args: b1Vs(b1I(4), b1B(false), b1S("400"), b1S("Error"), b1S("x")), want: b1I(4)},
		{name: "ErrorConditionNull", op: "Message", params: p,
			args: b1Vs(b1I(4), nil, b1S("400"), b1S("Error"), b1S("x")), want: b1I(4)},
		{name: "NullSource", op: "Message", params: p,
			args: b1Vs(nil, b1B(true), b1S("1"), b1S("Warning"), b1S("x")), want: nil},
	})
	o := b1Find(t, "Message", p...)
	_, err := o.Fn(nil, b1Vs(b1I(4), b1B(true), b1S("400"), b1S("Error"), b1S("This is an error!")))
	if err == nil || !strings.Contains(err.Error(), "400: This is an error!") {
		t.Fatalf("error text %v", err)
	}
}

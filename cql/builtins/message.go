package builtins

// Message(source, condition, code, severity, message): when condition is
// true and severity is 'Error', evaluation stops with the message; otherwise
// source is returned unchanged.

import (
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	s := types.String
	reg("Message", T, messageOp, T, types.Boolean, s, s, s)
}

// messageOp implements Message. For the other severities (Trace, Message,
// Warning) it only returns the source; the evaluator, which knows the
// call's position, hands those messages to the evaluation's OnMessage.
func messageOp(_ *Context, a []value.Value) (value.Value, error) {
	cond, _ := a[1].(value.Boolean)
	if !cond {
		return a[0], nil
	}
	sev, _ := a[3].(value.String)
	if strings.EqualFold(strings.TrimSpace(string(sev)), "error") {
		code, _ := a[2].(value.String)
		msg, _ := a[4].(value.String)
		switch {
		case code != "" && msg != "":
			return nil, Errorf("%s: %s", string(code), string(msg))
		case msg != "":
			return nil, Errorf("%s", string(msg))
		case code != "":
			return nil, Errorf("%s", string(code))
		}
		return nil, Errorf("Message raised an error")
	}
	return a[0], nil
}

package cql

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvalOnMessage(t *testing.T) {
	inc := "library Helper version '1'\ndefine function Warn(x Integer): Message(x, x > 1, 'H1', 'Warning', 'big ' + ToString(x))\n"
	src := `library Msgs
include Helper version '1'
define "Info": Message(1, true, '100', 'Message', 'Test Message')
define "Trace": Message({3, 4, 5}, true, '300', 'Trace', 'This is a trace')
define "Off": Message(2, false, '200', 'Warning', 'not shown')
define "Null Cond": Message(2, null, '200', 'Warning', 'not shown')
define "Null Parts": Message(7, true, null, 'Warning', null)
define "Via Include": Helper.Warn(5) + Helper.Warn(1)
define "Fails": Message(4, true, '400', 'Error', 'This is an error!')
`
	env := NewEnv(WithLibraryResolver(LibraryResolverFunc(func(name, version string) (string, error) {
		return inc, nil
	})))
	lib, errs := env.Compile("msgs.cql", src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []Message
	res := lib.EvalAll(context.Background(), EvalOptions{OnMessage: func(m Message) { got = append(got, m) }})
	want := []Message{
		{Library: "Msgs", Line: 3, Col: 16, Severity: "Message", Code: "100", Text: "Test Message"},
		{Library: "Msgs", Line: 4, Col: 17, Severity: "Trace", Code: "300", Text: "This is a trace"},
		{Library: "Msgs", Line: 7, Col: 22, Severity: "Warning"},
		{Library: "Helper", Line: 2, Col: 34, Severity: "Warning", Code: "H1", Text: "big 5"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("messages (-want +got):\n%s", d)
	}
	if last := res[len(res)-1]; last.Name != "Fails" || last.Err == nil {
		t.Errorf("Fails: %+v, want an error", last)
	}

	// A nil OnMessage drops the messages; values are unchanged.
	v, err := lib.Eval(context.Background(), "Via Include", EvalOptions{})
	if err != nil || v == nil {
		t.Fatalf("Via Include = %v, %v", v, err)
	}

	// Each evaluation has its own sink.
	var n int
	if _, err := lib.Eval(context.Background(), "Info", EvalOptions{OnMessage: func(Message) { n++ }}); err != nil || n != 1 {
		t.Fatalf("Info: err %v, %d messages; want 1", err, n)
	}
	got = nil
	if _, err := lib.Eval(context.Background(), "Off", EvalOptions{OnMessage: func(m Message) { got = append(got, m) }}); err != nil || len(got) != 0 {
		t.Fatalf("Off: err %v, messages %v", err, got)
	}
}

// TestEvalOnMessageNilAllocs checks that a nil OnMessage costs nothing: a
// Message call whose condition is true allocates no more than one whose
// condition is false.
func TestEvalOnMessageNilAllocs(t *testing.T) {
	lib, errs := NewEnv().Compile("a.cql", "library A\ndefine T: Message(1, 1 < 2, 'C', 'Warning', 'w')\ndefine F: Message(1, 1 > 2, 'C', 'Warning', 'w')\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ctx := context.Background()
	allocs := func(name string) float64 {
		return testing.AllocsPerRun(200, func() {
			if _, err := lib.Eval(ctx, name, EvalOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if at, af := allocs("T"), allocs("F"); at != af {
		t.Errorf("allocations with a true condition %v, with a false one %v", at, af)
	}
}

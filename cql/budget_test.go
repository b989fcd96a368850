package cql

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/value"
)

// TestEvaluationLimits checks that each bound stops an evaluation that
// would grow past it, naming the limit.
func TestEvaluationLimits(t *testing.T) {
	tests := []struct {
		name, expr string
		opts       EvalOptions
		limit      string
	}{
		{"doubling string", "Length((expand Interval[1,40]) X aggregate S starting 'ab': S + S)",
			EvalOptions{MaxStringLen: 1 << 20}, "string length"},
		{"doubling string under the byte budget", "Length((expand Interval[1,40]) X aggregate S starting 'ab': S + S)",
			EvalOptions{MaxStringLen: -1, MaxBytes: 1 << 20}, "evaluation memory"},
		{"combine", "Combine((expand Interval[1, 5000]) X return 'abcdefghij' + ToString(X))",
			EvalOptions{MaxStringLen: 10_000}, "string length"},
		{"replace matches", "ReplaceMatches('" + strings.Repeat("a", 100) + "', 'a', '" + strings.Repeat("b", 100) + "')",
			EvalOptions{MaxStringLen: 1000}, "string length"},
		{"query results", "Count((expand Interval[1, 100000]) X return X + 1)",
			EvalOptions{MaxBytes: 100_000}, "evaluation memory"},
		{"expand over the list limit", "expand Interval[1, 2000000]",
			EvalOptions{MaxListSize: 1_000_000}, "list size"},
		{"cartesian product", "Count(from (expand Interval[1, 2000]) A, (expand Interval[1, 2000]) B)",
			EvalOptions{MaxListSize: 1_000_000}, "list size"},
		{"tuple width", "Tuple { a: 1, b: 2, c: 3 }",
			EvalOptions{MaxTupleWidth: 2}, "tuple width"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lib, errs := NewEnv().Compile("L", "library L\ndefine X: "+tc.expr+"\n")
			if errs != nil {
				t.Fatal(errs)
			}
			_, err := lib.Eval(context.Background(), "X", tc.opts)
			var le *builtins.LimitError
			if !errors.As(err, &le) || !eval.IsLimit(err) {
				t.Fatalf("got %v, want a limit error", err)
			}
			if le.Limit != tc.limit {
				t.Errorf("limit %q, want %q (%v)", le.Limit, tc.limit, err)
			}
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Line != 2 {
				t.Errorf("error without the expression's position: %v", err)
			}
		})
	}
}

// TestBudgetNotChargedForSharedResults: operators that return (a part of)
// an argument do not count it again, so a loop reading one big string
// stays within a budget the string fits in once.
func TestBudgetNotChargedForSharedResults(t *testing.T) {
	src := "library L\nparameter P String\ndefine X: Count((expand Interval[1, 1000]) I return Length(Substring(First({P}), I)))\n"
	lib, errs := NewEnv().Compile("L", src)
	if errs != nil {
		t.Fatal(errs)
	}
	big := strings.Repeat("x", 100_000)
	v, err := lib.Eval(context.Background(), "X", EvalOptions{MaxBytes: 1 << 20,
		Parameters: map[string]value.Value{"P": value.String(big)}})
	if err != nil {
		t.Fatal(err)
	}
	if v != value.Integer(1000) {
		t.Errorf("got %v", v)
	}
}

// TestCancellationStopsLoops: loops whose length the input decides end
// soon after the evaluation's context is done (each would run for many
// minutes otherwise).
func TestCancellationStopsLoops(t *testing.T) {
	exprs := []string{
		"Count(from (expand Interval[1, 100000]) A, (expand Interval[1, 100000]) B where A = B)",
		"Count(distinct ((expand Interval[1, 200000]) X return Tuple { x: X }))",
		"Count((expand Interval[1, 200000]) X return Tuple { x: X }) union ((expand Interval[1, 200000]) X return Tuple { x: X })",
		"(expand Interval[1, 100000]) X with (expand Interval[1, 100000]) Y such that X < 0",
	}
	for _, e := range exprs {
		lib, errs := NewEnv().Compile("L", "library L\ndefine X: "+e+"\n")
		if errs != nil {
			t.Fatal(e, errs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := lib.Eval(ctx, "X", EvalOptions{})
		cancel()
		if !eval.IsCanceled(err) {
			t.Errorf("%s: got %v, want the context's error", e, err)
		}
	}
}

// TestCompileContextStops: a compilation whose context is done stops and
// says so with CodeStopped.
func TestCompileContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lib, errs := NewEnv().CompileContext(ctx, "L", "library L\ndefine X: "+strings.Repeat("1 + ", 20_000)+"1\n")
	if lib != nil || len(errs) != 1 || errs[0].Code != CodeStopped {
		t.Fatalf("got %v, %v; want one %q error", lib, errs, CodeStopped)
	}
	if _, errs := NewEnv().CompileContext(context.Background(), "L", "library L\ndefine X: 1\n"); errs != nil {
		t.Fatal(errs)
	}
}

package cql

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/parser"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func mustCompile(tb testing.TB, src string) *Library {
	tb.Helper()
	lib, errs := NewEnv().Compile("bench", src)
	if errs != nil {
		tb.Fatalf("compile: %v", errs)
	}
	return lib
}

func benchEval(b *testing.B, src, def string, opts EvalOptions) {
	lib := mustCompile(b, src)
	ctx := context.Background()
	if _, err := lib.Eval(ctx, def, opts); err != nil {
		b.Fatalf("eval: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := lib.Eval(ctx, def, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOnePlusTwo(b *testing.B) {
	benchEval(b, "library B\ndefine X: 1 + 2\n", "X", EvalOptions{})
}

// BenchmarkArithmeticOnParameter is a simple expression that cannot be
// folded at compile time: it reads a parameter and does three operations.
func BenchmarkArithmeticOnParameter(b *testing.B) {
	benchEval(b, "library B\nparameter P Integer\ndefine X: (P + 2) * 3 - 1\n", "X",
		EvalOptions{Parameters: map[string]value.Value{"P": value.Integer(5)}})
}

func BenchmarkDateTimeDifference(b *testing.B) {
	benchEval(b, "library B\ndefine X: difference in days between @2012-01-01T10:00:00.000Z and @2014-03-05T08:00:00.000+01:00\n",
		"X", EvalOptions{Now: time.Now()})
}

func BenchmarkIntervalOverlaps(b *testing.B) {
	benchEval(b, "library B\ndefine X: Interval[@2012-01-01T00:00:00, @2012-06-01T00:00:00) overlaps Interval[@2012-05-01T00:00:00, @2013-01-01T00:00:00]\n",
		"X", EvalOptions{Now: time.Now()})
}

func BenchmarkQueryWhereSort1000(b *testing.B) {
	elems := make([]value.Value, 1000)
	for i := range elems {
		elems[i] = value.Integer((i * 7919) % 1000)
	}
	params := map[string]value.Value{"L": value.List{Elems: elems, ElemType: types.Integer}}
	benchEval(b, "library B\nparameter L List<Integer>\ndefine X: L I where I mod 3 = 0 return I * 2 sort desc\n",
		"X", EvalOptions{Parameters: params})
}

// library300 builds a library of about 300 lines.
func library300() string {
	var sb strings.Builder
	sb.WriteString("library Big version '1.0'\n\nparameter P Integer default 10\n\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&sb, "define function F%d(a Integer, b Decimal):\n  if a > %d then a * 2 + b else Round(b / 3, 2)\n\n", i, i)
		fmt.Fprintf(&sb, "define \"D%d\":\n  ({1, 2, 3, %d}) X\n    where X > P\n    return F%d(X, X * 1.5)\n", i, i, i)
	}
	return sb.String()
}

func BenchmarkCompile300Lines(b *testing.B) {
	src := library300()
	if n := strings.Count(src, "\n"); n < 290 {
		b.Fatalf("library has %d lines", n)
	}
	env := NewEnv()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, errs := env.Compile("big", src); errs != nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkCheckPlan300Lines measures the engine's share of compiling (name
// resolution, types, overloads and planning) without parsing.
func BenchmarkCheckPlan300Lines(b *testing.B) {
	tree, perrs := parser.Parse("big", library300())
	if len(perrs) > 0 {
		b.Fatal(perrs[0])
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		lib, errs := checker.Check(tree, checker.Options{})
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		eval.Plan(lib)
	}
}

package cql

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/value"
)

// TestIntervalPromotionEval evaluates interval promotion and demotion
// (WithIntervalPromotion / WithIntervalDemotion) and checks that they are
// off by default and do not change calls that resolve without them.
func TestIntervalPromotionEval(t *testing.T) {
	both := []Option{WithIntervalPromotion(true), WithIntervalDemotion(true)}
	tests := []struct {
		name, preamble, expr string
		opts                 []Option
		want                 string // formatted value, or "error: <substring>"
	}{
		// Default: neither conversion applies.
		{"promotion off by default", "", "Interval[1, 10] overlaps 5", nil, "error: no-matching-overload"},
		{"demotion off by default", "", "Interval[5, 5] + 1", nil, "error: no-matching-overload"},
		{"promotion option alone", "", "Interval[5, 5] + 1", []Option{WithIntervalPromotion(true)}, "error: no-matching-overload"},
		{"demotion option alone", "", "Interval[1, 10] overlaps 5", []Option{WithIntervalDemotion(true)}, "error: no-matching-overload"},
		// Existing resolutions are unchanged.
		{"in interval", "", "5 in Interval[1, 10]", both, "true"},
		{"in interval outside", "", "11 in Interval[1, 10]", both, "false"},
		{"contains list promotion", "", "{1, 2} contains 2", both, "true"},
		{"point before interval", "", "Interval[1, 3] before 5", both, "true"},
		{"cast does not promote", "", "5 as Interval<Integer>", both, "null"},
		{"interval equality unchanged", "", "Interval[1, 10] = Interval[1, 10]", both, "true"},
		// Promotion builds the unit interval of the point's type.
		{"overlaps point", "", "Interval[1, 10] overlaps 5", both, "true"},
		{"overlaps point outside", "", "Interval[1, 10] overlaps 11", both, "false"},
		{"start of point", "", "start of 7", both, "7"},
		{"width of point", "", "width of 7", both, "0"},
		{"promoted point converted", "", "Interval[1.5, 2.5] overlaps 2", both, "true"},
		{"meets point", "", "Interval[1, 4] meets 5", both, "true"},
		{"except point", "", "Interval[1, 10] except 10", both, "Interval[1, 9]"},
		{"equal binds through the unit interval", "", "Interval[5, 5] = 5", both, "true"},
		{"equal of a wider interval", "", "Interval[1, 10] = 5", both, "false"},
		{"promoted null point", "define N: null as Integer", "start of N", both, "null"},
		{"promoted date", "", "Interval[@2012-01-01, @2012-12-31] overlaps @2012-06-01", both, "true"},
		{"user function promotion", "define function W(i Interval<Integer>): end of i", "W(4)", both, "4"},
		// Demotion takes the point of a unit interval (PointFrom).
		{"demoted add", "", "Interval[5, 5] + 1", both, "6"},
		{"demoted abs", "", "Abs(Interval[-3, -3])", both, "3"},
		{"demoted then converted", "", "Interval[2, 2] + 0.5", both, "2.5"},
		{"demoted half-open unit interval", "", "Interval[4, 5) * 2", both, "8"},
		{"demoted null interval", "define N: null as Interval<Integer>", "N + 1", both, "null"},
		{"demoted user function", "define function D(i Integer): i * 10", "D(Interval[2, 2])", both, "20"},
		{"demotion of a wider interval fails", "", "Interval[1, 5] + 1", both, "error: unit interval"},
		{"demotion of an open-ended interval fails", "", "Interval[1, null] + 1", both, "error: unit interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalExpr(t, NewEnv(tt.opts...), tt.preamble, tt.expr)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil {
					t.Fatalf("%s = %s, want an error containing %q", tt.expr, got, want)
				}
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("%s: error %v, want one containing %q", tt.expr, err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.expr, err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}

// TestIntervalDemotionErrorPosition checks that a failed demotion is a
// run-time EvalError at the demoted operand.
func TestIntervalDemotionErrorPosition(t *testing.T) {
	env := NewEnv(WithIntervalDemotion(true))
	_, err := evalExpr(t, env, "", "Interval[1, 5] + 1")
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T), want an *EvalError", err, err)
	}
	if ee.Line != 3 || ee.Col != 11 || !strings.Contains(ee.Message, "unit interval") {
		t.Errorf("error at %d:%d %q, want 3:11 and a message about a unit interval", ee.Line, ee.Col, ee.Message)
	}
}

// TestIntervalPromotionModelValues promotes and demotes data model values
// that convert implicitly (Test.span to Interval<Integer>, Test.str to
// String).
func TestIntervalPromotionModelValues(t *testing.T) {
	people := testRetriever{person{"Ann", 40}, person{"Bob", 12}}
	tests := []struct {
		name, expr string
		want       string // formatted value, or "error: <substring>"
	}{
		{"span overlaps promoted point", "[Person] P where P.life overlaps 30 return P.age", "{40}"},
		{"promoted point overlaps span", "[Person] P where 5 overlaps P.life return P.age", "{40, 12}"},
		{"promoted model string", "[Person] P return start of P.name", "{'Ann', 'Bob'}"},
		{"demoted span is not a unit interval", "[Person] P return P.life + 1", "error: unit interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := NewEnv(WithModel(testModel{}), WithRetriever(people),
				WithIntervalPromotion(true), WithIntervalDemotion(true))
			got, err := evalExpr(t, env, "using Test", tt.expr)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s = %s, %v; want an error containing %q", tt.expr, got, err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.expr, err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}

func TestEnvWithAddsOptions(t *testing.T) {
	base := NewEnv()
	src := "library W\ndefine X: Interval[1, 10] overlaps 5\n"
	if _, errs := base.Compile("w.cql", src); len(errs) == 0 {
		t.Fatal("base env compiled a promotion without the option")
	}
	on := base.With(WithIntervalPromotion(true))
	lib, errs := on.Compile("w.cql", src)
	if len(errs) > 0 {
		t.Fatalf("With(WithIntervalPromotion(true)): %v", errs)
	}
	v, err := lib.Eval(context.Background(), "X", EvalOptions{})
	if err != nil || value.Format(v) != "true" {
		t.Fatalf("X = %v, %v; want true", v, err)
	}
	if _, errs := base.Compile("w.cql", src); len(errs) == 0 {
		t.Fatal("With changed the original env")
	}
}

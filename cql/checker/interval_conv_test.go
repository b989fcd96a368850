package checker_test

import (
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/parser"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/google/go-cmp/cmp"
)

var (
	ivlInt = &types.Interval{Point: types.Integer}
	ivlDec = &types.Interval{Point: types.Decimal}
)

// convKind describes the top-level conversion of an argument ("" = none).
func convKind(c *checker.Conv) string {
	switch {
	case c == nil:
		return ""
	case c.IvlPromote && c.Elem != nil:
		return "promote+convert"
	case c.IvlPromote:
		return "promote"
	case c.IvlDemote && c.Elem != nil:
		return "demote+convert"
	case c.IvlDemote:
		return "demote"
	case c.Promote:
		return "list-promote"
	case c.Demote:
		return "list-demote"
	}
	return "other"
}

func paramString(ps []types.Type) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func TestIntervalPromotionResolution(t *testing.T) {
	type want struct {
		Params string // resolved parameter types; "" = no overload fits
		Convs  []string
	}
	tests := []struct {
		name            string
		op              string
		args            []types.Type
		promote, demote bool
		want            want
	}{
		// Existing overloads still win with the conversions enabled.
		{"in interval unchanged", "In", []types.Type{types.Integer, ivlInt}, true, true,
			want{"System.Integer, Interval<System.Integer>", []string{"", ""}}},
		{"in interval decimal point unchanged", "In", []types.Type{types.Decimal, ivlInt}, true, true,
			want{"System.Decimal, Interval<System.Decimal>", []string{"", "other"}}},
		{"contains list promotion unchanged", "Contains", []types.Type{types.Integer, types.Integer}, true, true,
			want{"List<System.Integer>, System.Integer", []string{"list-promote", ""}}},
		{"add unchanged", "Add", []types.Type{types.Integer, types.Integer}, true, true,
			want{"System.Integer, System.Integer", []string{"", ""}}},
		{"before point unchanged", "Before", []types.Type{ivlInt, types.Integer}, true, true,
			want{"Interval<System.Integer>, System.Integer", []string{"", ""}}},
		// Off by default: nothing new resolves.
		{"overlaps point off", "Overlaps", []types.Type{ivlInt, types.Integer}, false, false, want{}},
		{"start of point off", "Start", []types.Type{types.Integer}, false, false, want{}},
		{"abs of interval off", "Abs", []types.Type{ivlInt}, false, false, want{}},
		// Promotion.
		{"overlaps point", "Overlaps", []types.Type{ivlInt, types.Integer}, true, false,
			want{"Interval<System.Integer>, Interval<System.Integer>", []string{"", "promote"}}},
		{"overlaps point converted", "Overlaps", []types.Type{ivlDec, types.Integer}, true, false,
			want{"Interval<System.Decimal>, Interval<System.Decimal>", []string{"", "promote+convert"}}},
		{"start of point", "Start", []types.Type{types.Integer}, true, false,
			want{"Interval<System.Integer>", []string{"promote"}}},
		{"promotion alone does not demote", "Abs", []types.Type{ivlInt}, true, false, want{}},
		// Demotion.
		{"abs of interval", "Abs", []types.Type{ivlInt}, false, true,
			want{"System.Integer", []string{"demote"}}},
		{"ln of integer interval", "Ln", []types.Type{ivlInt}, false, true,
			want{"System.Decimal", []string{"demote+convert"}}},
		{"demotion alone does not promote", "Start", []types.Type{types.Integer}, false, true, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &checker.Matcher{IntervalPromotion: tt.promote, IntervalDemotion: tt.demote}
			r, amb := m.Resolve(tt.op, tt.args)
			if amb {
				t.Fatalf("ambiguous: %v", r.Op.Params)
			}
			var got want
			if r != nil {
				got.Params = paramString(r.Params)
				for _, c := range r.Convs {
					got.Convs = append(got.Convs, convKind(c))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s%v (-want +got):\n%s", tt.op, tt.args, diff)
			}
		})
	}
}

func TestIntervalPromotionInLibraries(t *testing.T) {
	tests := []struct {
		name, src       string
		promote, demote bool
		want            string // result type of X, or the error code
	}{
		{"overlaps off", "define X: Interval[1, 10] overlaps 5", false, false, checker.CodeNoOverload},
		{"overlaps on", "define X: Interval[1, 10] overlaps 5", true, false, "System.Boolean"},
		{"in still In(T, Interval<T>)", "define X: 5 in Interval[1, 10]", true, true, "System.Boolean"},
		{"demote off", "define X: Interval[5, 5] + 1", false, false, checker.CodeNoOverload},
		{"demote on", "define X: Interval[5, 5] + 1", false, true, "System.Integer"},
		{"user function promotion", "define function F(i Interval<Integer>): width of i\ndefine X: F(3)", true, false, "System.Integer"},
		{"user function promotion off", "define function F(i Interval<Integer>): width of i\ndefine X: F(3)", false, false, checker.CodeNoOverload},
		{"user function demotion", "define function G(i Integer): i * 2\ndefine X: G(Interval[3, 3])", false, true, "System.Integer"},
		{"no interval of an unordered type", "define X: start of true", true, true, checker.CodeNoOverload},
		{"fhir dateTime promoted", "using FHIR version '4.0.1'\ndefine function F(d FHIR.dateTime): Interval[@2012-01-01T, @2013-01-01T] overlaps d\ndefine X: F(null)", true, false, "System.Boolean"},
		{"fhir Period with promoted point", "using FHIR version '4.0.1'\ndefine function G(p FHIR.Period): p overlaps @2012-06-01T\ndefine X: G(null)", true, false, "System.Boolean"},
		{"fhir Period demoted", "using FHIR version '4.0.1'\ndefine function H(p FHIR.Period): p + 1 day\ndefine X: H(null)", false, true, "System.DateTime"},
		{"user function exact still wins", "define function H(i Integer): 'point'\ndefine function H(i Interval<Integer>): 'interval'\ndefine X: H(3)", true, true, "System.String"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, perrs := parser.Parse("T", "library T\n"+tt.src+"\n")
			if len(perrs) > 0 {
				t.Fatalf("parse: %v", perrs[0])
			}
			lib, errs := checker.Check(tree, checker.Options{IntervalPromotion: tt.promote, IntervalDemotion: tt.demote,
				Models: map[string]checker.Model{"FHIR": fhir.R4()}})
			got := ""
			if len(errs) > 0 {
				got = errs[0].Code
			} else {
				got = lib.Defs["X"].Body.Type().String()
			}
			if got != tt.want {
				t.Errorf("got %s, want %s (errors %v)", got, tt.want, errs)
			}
		})
	}
}

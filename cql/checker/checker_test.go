package checker_test

import (
	"testing"

	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/parser"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/google/go-cmp/cmp"
)

func check(t *testing.T, src string) (*checker.Library, []*checker.Error) {
	t.Helper()
	tree, perrs := parser.Parse("T", src)
	if len(perrs) > 0 {
		t.Fatalf("parse %q: %v", src, perrs[0])
	}
	return checker.Check(tree, checker.Options{})
}

func TestTypes(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"1", "System.Integer"},
		{"1L", "System.Long"},
		{"1.5", "System.Decimal"},
		{"1 + 1L", "System.Long"},
		{"1 + 1.5", "System.Decimal"},
		{"7 / 2", "System.Decimal"},
		{"'a' + 'b'", "System.String"},
		{"'a' & 1.toString()", "System.String"},
		{"null", "System.Null"},
		{"1 = 1.0", "System.Boolean"},
		{"{1, 2}", "List<System.Integer>"},
		{"{1, 2.0}", "List<System.Decimal>"},
		{"{1, 'a'}", "List<Choice<System.Integer, System.String>>"},
		{"{}", "List<System.Any>"},
		{"Interval[1, 5]", "Interval<System.Integer>"},
		{"Interval[@2012-01-01, @2012-01-02T]", "Interval<System.DateTime>"},
		{"Tuple { a: 1, b: 'x' }", "Tuple { a System.Integer, b System.String }"},
		{"Tuple { a: 1 }.a", "System.Integer"},
		{"if true then 1 else 2.0", "System.Decimal"},
		{"if true then 1 else null", "System.Integer"},
		{"case when true then 'a' else null end", "System.String"},
		{"First({1, 2})", "System.Integer"},
		{"Count({1, 2})", "System.Integer"},
		{"({1, 2}) X return X * 2.0", "List<System.Decimal>"},
		{"(1) X return X", "System.Integer"},
		{"from ({1}) A, ({'a'}) B", "List<Tuple { A System.Integer, B System.String }>"},
		{"({1}) X aggregate S starting 0.0: S + X", "System.Decimal"},
		{"start of Interval[1, 2]", "System.Integer"},
		{"5 'mg' + 2 'mg'", "System.Quantity"},
		{"@2012-01-01 + 1 day", "System.Date"},
		{"years between @2012-01-01 and @2014-01-01", "System.Integer"},
		{"year from @2012-01-01", "System.Integer"},
		{"1 as Decimal", "System.Decimal"},
		{"(1 as Any) as Integer", "System.Integer"},
		{"convert 5 to String", "System.String"},
		{"minimum Decimal", "System.Decimal"},
		{"Code '1' from CS", "System.Code"},
		{"CS", "System.CodeSystem"},
		{"exists {1}", "System.Boolean"},
		{"if true then 1.0 else Message(null, true, 'x', 'Error', 'y')", "System.Decimal"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			lib, errs := check(t, "library T\ncodesystem CS: 'urn:cs'\ndefine X: "+tt.expr+"\n")
			if len(errs) > 0 {
				t.Fatalf("%s: %v", tt.expr, errs[0])
			}
			if diff := cmp.Diff(tt.want, lib.Defs["X"].Body.Type().String()); diff != "" {
				t.Errorf("%s: type (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	type errPos struct {
		Code      string
		Line, Col int
	}
	tests := []struct {
		name, src string
		want      []errPos
	}{
		{"undeclared", "library T\ndefine X: Foo", []errPos{{checker.CodeUndeclared, 2, 11}}},
		{"several", "library T\ndefine X: Foo\ndefine Y: 1 + 'a'\ndefine Z: Tuple { a: 1 }.b",
			[]errPos{{checker.CodeUndeclared, 2, 11}, {checker.CodeNoOverload, 3, 11}, {checker.CodeUndeclared, 4, 11}}},
		{"recursion without return type", "library T\ndefine function F(x Integer): F(x)\ndefine X: F(1)", []errPos{{checker.CodeCycle, 2, 1}}},
		{"define cycle", "library T\ndefine A: B\ndefine B: A", []errPos{{checker.CodeCycle, 2, 1}}},
		{"where not boolean", "library T\ndefine X: ({1}) A where 'x'", []errPos{{checker.CodeTypeMismatch, 2, 25}}},
		{"unknown type", "library T\ndefine X: 1 is Foo", []errPos{{checker.CodeUnknownType, 2, 16}}},
		{"duplicate define", "library T\ndefine X: 1\ndefine X: 2", []errPos{{checker.CodeDuplicate, 3, 1}}},
		{"include without resolver", "library T\ninclude L version '1'\ndefine X: 1", []errPos{{checker.CodeIncludeNotFound, 2, 1}}},
		{"ambiguous function call", "library T\ndefine function F(x Integer): 1\ndefine function F(x String): 2\ndefine X: F(null)", []errPos{{checker.CodeAmbiguous, 4, 11}}},
		{"fluent call of non-fluent", "library T\ndefine function F(x Integer): x\ndefine X: (1).F()", []errPos{{checker.CodeUndeclared, 3, 11}}},
		{"function with other parameter types", "library T\ndefine function F(x Integer): x\ndefine X: F('a')", []errPos{{checker.CodeNoOverload, 3, 11}}},
		{"property of Any", "library T\ndefine X: (null as Any) A return A.zz", []errPos{{checker.CodeUndeclared, 2, 34}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := check(t, tt.src)
			var got []errPos
			for _, e := range errs {
				got = append(got, errPos{e.Code, e.Pos.Line, e.Pos.Col})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%v", diff, errs)
			}
		})
	}
}

func TestResolveScores(t *testing.T) {
	// Exact overloads beat conversions; Integer + Decimal picks Decimal.
	r, amb := checker.Resolve("Add", []types.Type{types.Integer, types.Decimal})
	if r == nil || amb || r.Result.String() != "System.Decimal" {
		t.Fatalf("Add(Integer, Decimal) = %+v, ambiguous=%v", r, amb)
	}
	if r.Convs[0] == nil || r.Convs[1] != nil {
		t.Errorf("want a conversion on the first argument only: %+v", r.Convs)
	}
	if r, _ := checker.Resolve("Add", []types.Type{types.Integer, types.String}); r != nil {
		t.Errorf("Add(Integer, String) resolved to %v", r.Op.Params)
	}
}

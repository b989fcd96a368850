package parser

import (
	"testing"

	"github.com/ccg-project/ccg/cql/ast"
)

// TestParseFHIRPath: words CQL reserves are FHIRPath names, FHIRPath's own
// keywords stay operators, and positions are those of the source.
func TestParseFHIRPath(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"period.all(start <= end)", printCQL(t, "period.all(`start` <= `end`)")},
		{"ValueSet.expansion.repeat(contains)", printCQL(t, "ValueSet.expansion.repeat(`contains`)")},
		{"exists() and not().empty()", printCQL(t, "`exists`() and `not`().empty()")},
		{"name contains 'x' and 'y' in name", printCQL(t, "name contains 'x' and 'y' in name")},
		{"birthDate + 4 days", printCQL(t, "birthDate + 4 days")},
		{"value is Quantity", printCQL(t, "value is Quantity")},
		{"where(day = 1)", printCQL(t, "`where`(`day` = 1)")},
	} {
		got, errs := ParseFHIRPath(tc.src)
		if len(errs) > 0 {
			t.Errorf("%s: %v", tc.src, errs[0])
			continue
		}
		if s := ast.Print(got); s != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.src, s, tc.want)
		}
	}
	_, errs := ParseFHIRPath("name.where(\n  start <)")
	if len(errs) == 0 || errs[0].Line != 2 || errs[0].Col != 10 {
		t.Errorf("error position: %v", errs)
	}
}

// printCQL parses a CQL expression that must parse and prints its tree.
func printCQL(t *testing.T, src string) string {
	t.Helper()
	e, errs := ParseExpression(src)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs[0])
	}
	return ast.Print(e)
}

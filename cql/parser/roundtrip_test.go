package parser

import (
	"os"
	"testing"

	"github.com/ccg-project/ccg/cql/ast"
)

// roundTrip parses src, prints the tree with ast.Print and parses that
// again; both trees must be equal apart from spans.
func roundTrip(t *testing.T, label, src string) {
	t.Helper()
	lib, errs := Parse("t", src)
	if len(errs) > 0 {
		return // invalid inputs are covered by other tests
	}
	printed := ast.Print(lib)
	again, errs := Parse("t", printed)
	if len(errs) > 0 {
		t.Errorf("%s: printed library does not parse: %v\n%s", label, errs, printed)
		return
	}
	// Context statements are re-created from the definitions' contexts,
	// so only the definitions are compared for them.
	lib.Contexts, again.Contexts = nil, nil
	if a, b := dump(lib), dump(again); a != b {
		t.Errorf("%s: round trip changed the tree\nprinted: %s\nbefore: %.2000s\nafter:  %.2000s", label, printed, a, b)
	}
}

func TestPrintRoundTripConformance(t *testing.T) {
	for _, tc := range loadConformance(t) {
		roundTrip(t, tc.Name, "library T\ndefine \"X\": "+tc.Expression)
	}
}

func TestPrintRoundTripLibraries(t *testing.T) {
	files := append(cqlFiles(t, "corpus", "who-smart-anc", "input", "cql"),
		cqlFiles(t, "corpus", "hl7-cpg-recommendations", "input", "cql")...)
	files = append(files, "testdata/bench.cql")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, f, string(data))
	}
}

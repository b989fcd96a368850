package parser

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/antlr4-go/antlr/v4"

	"github.com/ccg-project/ccg/cql/ast"
)

// fuzzSeedMax bounds the size of a seed taken from a file.
const fuzzSeedMax = 2000

// FuzzParse checks that Parse never panics and that every error it reports
// is positioned inside the input (or just after its last character).
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"library T version '1' using FHIR version '4.0.1' context Patient define X: 1",
		"define X: [Condition: code in \"VS\"] C where C.onset during \"MP\" return C.id sort by id desc",
		"define X: Interval[1, 5) starts 3 days or less before start of Interval[@2012, @2013]",
		"define X: ({1,2}) N aggregate R starting 0: R + N",
		"define X: case when a then 'x' else Tuple { a: 1 }.a end",
		"define X: -2147483648 + 9223372036854775807L",
		"define function F(a Integer) returns Integer: a * 2",
		"define X: 'unterminated",
		"define X: ((((1",
		"define X: @2012-01-01T10:00:00.000+01:00 same day or after @T10:00",
		"define X: convert 5 'mg' to 'g' & `delim` & \"quoted\\u0041\"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// The head of the benchmark library, not all of it: a seed that
	// takes seconds under the fuzzer's instrumentation is reported as a
	// hung worker, and small inputs leave the time to mutation.
	if src, err := readBenchFile(); err == nil {
		if len(src) > fuzzSeedMax {
			src = src[:strings.LastIndex(src[:fuzzSeedMax], "\n")+1]
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			// The lexer works on runes; invalid UTF-8 bytes become U+FFFD,
			// which still must not crash the parser.
			src = strings.ToValidUTF8(src, "\uFFFD")
		}
		lib, errs := Parse("fuzz", src)
		if lib == nil {
			t.Fatal("nil library")
		}
		if len(errs) == 0 {
			// A valid library prints back to source that parses to the same tree.
			printed := ast.Print(lib)
			again, errs2 := Parse("fuzz", printed)
			if len(errs2) > 0 {
				t.Fatalf("printed library does not parse: %v\n%s", errs2, printed)
			}
			lib.Contexts, again.Contexts = nil, nil
			if a, b := dump(lib), dump(again); a != b {
				t.Fatalf("round trip changed the tree\n%s\n%s", a, b)
			}
			// Where fast SLL prediction succeeds it must agree with exact LL.
			if len(src) < 4000 {
				sllLib, sllErrs := parseLibrary(context.Background(), "fuzz", src, []int{antlr.PredictionModeSLL})
				llLib, _ := parseLibrary(context.Background(), "fuzz", src, []int{antlr.PredictionModeLL})
				if len(sllErrs) == 0 && dump(sllLib) != dump(llLib) {
					t.Fatalf("SLL and LL parses differ\nSLL: %s\nLL:  %s", dump(sllLib), dump(llLib))
				}
			}
		}
		_, exprErrs := ParseExpression(src)
		lines := strings.Split(src, "\n")
		for _, e := range append(errs, exprErrs...) {
			if e.Code != CodeSyntax || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
			if e.Line < 1 || e.Line > len(lines) {
				t.Fatalf("error line %d outside 1..%d: %v", e.Line, len(lines), e)
			}
			if max := utf8.RuneCountInString(lines[e.Line-1]) + 1; e.Col < 1 || e.Col > max {
				t.Fatalf("error column %d outside 1..%d on line %d: %v", e.Col, max, e.Line, e)
			}
		}
	})
}

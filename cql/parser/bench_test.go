package parser

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ccg-project/ccg/cql/ast"
)

func readBenchFile() (string, error) {
	data, err := os.ReadFile("testdata/bench.cql")
	return string(data), err
}

func readBench(tb testing.TB) string {
	src, err := readBenchFile()
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

func TestBenchLibraryParses(t *testing.T) {
	src := readBench(t)
	lib, errs := Parse("bench.cql", src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if lib.Identifier == nil || lib.Identifier.Name != "DiabetesFollowUp" {
		t.Errorf("identifier %+v", lib.Identifier)
	}
	if got := len(lib.Statements); got < 60 {
		t.Errorf("only %d statements", got)
	}
	// Every node's span lies within the source and starts before it ends.
	lines := strings.Split(src, "\n")
	walkSpans(t, lib, lines)
}

// walkSpans checks the spans of the statements' top-level expressions.
func walkSpans(t *testing.T, lib *ast.Library, lines []string) {
	check := func(what string, s ast.Span) {
		if s.Start.Line < 1 || s.Start.Line > len(lines) || s.End.Line < s.Start.Line ||
			s.End.Line == s.Start.Line && s.End.Col <= s.Start.Col {
			t.Errorf("%s: bad span %v", what, s)
			return
		}
		if s.Start.Col > utf8.RuneCountInString(lines[s.Start.Line-1])+1 {
			t.Errorf("%s: start column beyond line: %v", what, s)
		}
	}
	for _, st := range lib.Statements {
		check("statement", st.GetSpan())
		if d, ok := st.(*ast.ExpressionDef); ok {
			check(d.Name, d.Expr.GetSpan())
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src := readBench(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, errs := Parse("bench.cql", src); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// TestConcurrentParse parses from several goroutines at once: the ANTLR
// runtime shares its prediction caches between parsers (run with -race).
func TestConcurrentParse(t *testing.T) {
	src := readBench(t)
	want := dump(mustParse(t, "bench.cql", src))
	done := make(chan string)
	for i := 0; i < 4; i++ {
		go func() {
			lib, errs := Parse("bench.cql", src)
			if len(errs) > 0 {
				done <- "errors"
				return
			}
			done <- dump(lib)
		}()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; got != want {
			t.Errorf("concurrent parse %d differs", i)
		}
	}
}

func mustParse(t *testing.T, name, src string) *ast.Library {
	t.Helper()
	lib, errs := Parse(name, src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return lib
}

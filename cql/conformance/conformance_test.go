package conformance

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/internal/sharedtest"
	"github.com/google/go-cmp/cmp"
)

// suiteDir finds the conformance suite: $CCG_CQL_TESTS, or
// ../shared/conformance/cql-tests/tests/cql beside the module root.
func suiteDir(t *testing.T) string {
	if d := os.Getenv("CCG_CQL_TESTS"); d != "" {
		return d
	}
	return sharedtest.Dir(t, "conformance", "cql-tests", "tests", "cql")
}

// TestConformance runs the whole CQL conformance suite, prints the pass
// rate of every file (go test -v) and fails when fewer tests pass than
// floor.txt demands or skip.txt names a test that does not exist.
func TestConformance(t *testing.T) {
	dir := suiteDir(t)
	suites, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	skip, err := LoadSkipList("skip.txt")
	if err != nil {
		t.Fatal(err)
	}
	floor, err := LoadFloor("floor.txt")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, s := range suites {
		for _, tc := range s.Tests {
			known[tc.Name] = true
		}
	}
	for name := range skip {
		if !known[name] {
			t.Errorf("skip.txt lists %s, which is not a test of the suite", name)
		}
	}

	rep := Run(context.Background(), suites, Options{Skip: skip, Version: "1.5", Timeout: 10 * time.Second})
	var b strings.Builder
	if err := rep.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		t.Log(line)
	}
	if rep.Passed < floor.Total {
		t.Errorf("%d conformance tests pass, below the floor of %d in floor.txt", rep.Passed, floor.Total)
	}
	for _, f := range rep.Files {
		if min, ok := floor.PerFile[f.File]; ok && f.Passed < min {
			t.Errorf("%s: %d tests pass, below the floor of %d in floor.txt", f.File, f.Passed, min)
		}
	}
	for file := range floor.PerFile {
		found := false
		for _, f := range rep.Files {
			found = found || f.File == file
		}
		if !found {
			t.Errorf("floor.txt names %s, which is not a file of the suite", file)
		}
	}
}

func TestParse(t *testing.T) {
	s, err := ParseFile("testdata/mini.xml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Mini" || s.File != "mini.xml" {
		t.Errorf("suite = %q in %q, want Mini in mini.xml", s.Name, s.File)
	}
	var got []Test
	for _, tc := range s.Tests {
		got = append(got, *tc)
	}
	want := []Test{
		{File: "mini.xml", Group: "Arithmetic", Name: "AddOne", Expression: "1 + 1", Outputs: []string{"2"}, Version: "1.0"},
		{File: "mini.xml", Group: "Arithmetic", Name: "WrongOutput", Expression: "1 + 1", Outputs: []string{"3"}, Version: "1.0"},
		{File: "mini.xml", Group: "Arithmetic", Name: "DecimalEqual", Expression: "1.50 + 0.5", Outputs: []string{"2.0"}, Version: "1.0"},
		{File: "mini.xml", Group: "Arithmetic", Name: "NullResult", Expression: "1 + null", Outputs: []string{"null"}, Version: "1.0"},
		{File: "mini.xml", Group: "Errors", Name: "SyntaxError", Expression: "1 +", Invalid: "syntax", Version: "1.4"},
		{File: "mini.xml", Group: "Errors", Name: "MissingError", Expression: "1 + 1", Invalid: "true", Version: "1.4"},
		{File: "mini.xml", Group: "Errors", Name: "Escaped", Expression: "2 < 3", Outputs: []string{"true"}, Version: "1.5"},
		{File: "mini.xml", Group: "Later", Name: "FromTheFuture", Expression: "1", Outputs: []string{"1"}, Version: "2.0"},
		{File: "mini.xml", Group: "Later", Name: "Retired", Expression: "1", Outputs: []string{"1"}, Version: "1.0", VersionTo: "1.3"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed tests (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, xml string }{
		{"not xml", "hello"},
		{"no expression", `<tests xmlns="http://hl7.org/fhirpath/tests"><group name="g"><test name="t"><output>1</output></test></group></tests>`},
	} {
		if _, err := Parse(strings.NewReader(tc.xml), "x.xml"); err == nil {
			t.Errorf("%s: Parse succeeded, want an error", tc.name)
		}
	}
}

func TestParseSkipList(t *testing.T) {
	got, err := ParseSkipList(strings.NewReader("# comment\n\nFoo  needs a FHIR model\nBar\tcrashes the parser: see #12\n"), "skip.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Foo": "needs a FHIR model", "Bar": "crashes the parser: see #12"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("skip list (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"Foo\n", "Foo   \n", "Foo a\nFoo b\n"} {
		if _, err := ParseSkipList(strings.NewReader(bad), "skip.txt"); err == nil {
			t.Errorf("ParseSkipList(%q) succeeded, want an error", bad)
		}
	}
	if _, err := LoadSkipList("skip.txt"); err != nil {
		t.Errorf("the checked-in skip.txt does not load: %v", err)
	}
}

func TestParseFloor(t *testing.T) {
	got, err := ParseFloor(strings.NewReader("# c\ntotal 120\nCqlListOperatorsTest.xml 40\n"), "floor.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := Floor{Total: 120, PerFile: map[string]int{"CqlListOperatorsTest.xml": 40}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("floor (-want +got):\n%s", diff)
	}
	if got, err := ParseFloor(strings.NewReader("75\n"), "floor.txt"); err != nil || got.Total != 75 {
		t.Errorf("bare number: got %+v, %v; want total 75", got, err)
	}
	for _, bad := range []string{"total x\n", "total -1\n", "a b c\n"} {
		if _, err := ParseFloor(strings.NewReader(bad), "floor.txt"); err == nil {
			t.Errorf("ParseFloor(%q) succeeded, want an error", bad)
		}
	}
	if _, err := LoadFloor("floor.txt"); err != nil {
		t.Errorf("the checked-in floor.txt does not load: %v", err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.5", "1.5", 0}, {"1.4", "1.5", -1}, {"2.0", "1.5", 1}, {"1.10", "1.9", 1}, {"1", "1.0", 0},
	} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSkipReason(t *testing.T) {
	opts := Options{Version: "1.5", Skip: map[string]string{"Listed": "because"}}
	for _, tc := range []struct {
		test Test
		skip bool
	}{
		{Test{Name: "Listed", Version: "1.0"}, true},
		{Test{Name: "Old", Version: "1.0"}, false},
		{Test{Name: "Now", Version: "1.5"}, false},
		{Test{Name: "Future", Version: "2.0"}, true},
		{Test{Name: "Retired", Version: "1.0", VersionTo: "1.3"}, true},
		{Test{Name: "Current", Version: "1.0", VersionTo: "1.5"}, false},
	} {
		if _, got := skipReason(&tc.test, opts); got != tc.skip {
			t.Errorf("%s: skipped = %v, want %v", tc.test.Name, got, tc.skip)
		}
	}
}

// TestRunMini runs the engine on a tiny suite whose outcomes are known:
// passes, a wrong expected output, an expected error that happens and one
// that does not, decimal equality, and version skips.
func TestRunMini(t *testing.T) {
	s, err := ParseFile("testdata/mini.xml")
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(context.Background(), []*Suite{s}, Options{Version: "1.5", Timeout: 5 * time.Second})
	got := map[string]Outcome{}
	for _, r := range rep.Results {
		got[r.Name] = r.Outcome
	}
	want := map[string]Outcome{
		"AddOne": Pass, "WrongOutput": Fail, "DecimalEqual": Pass, "NullResult": Pass,
		"SyntaxError": Pass, "MissingError": Fail, "Escaped": Pass,
		"FromTheFuture": Skip, "Retired": Skip,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		for _, r := range rep.Results {
			t.Logf("%s: %s actual=%q error=%q", r.Name, r.Outcome, r.Actual, r.Error)
		}
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if rep.Passed != 5 || rep.Failed != 2 || rep.Skipped != 2 {
		t.Errorf("totals = %d passed, %d failed, %d skipped; want 5, 2, 2", rep.Passed, rep.Failed, rep.Skipped)
	}
	var b strings.Builder
	if err := rep.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	if want := "mini.xml  5/7 (71.4%)\n5 passed, 2 failed, 2 skipped\n"; b.String() != want {
		t.Errorf("summary = %q, want %q", b.String(), want)
	}
}

// TestRunTimeout checks that a test running past its time limit fails
// instead of holding up the run.
func TestRunTimeout(t *testing.T) {
	s := &Suite{File: "slow.xml", Tests: []*Test{{File: "slow.xml", Group: "g", Name: "Slow",
		Expression: "Count(expand { Interval[1, 1000000] })", Outputs: []string{"1000000"}}}}
	rep := Run(context.Background(), []*Suite{s}, Options{Timeout: time.Millisecond})
	if r := rep.Results[0]; r.Outcome != Fail || !(strings.Contains(r.Error, errTimeout.Error()) || strings.Contains(r.Error, "deadline exceeded")) {
		t.Errorf("outcome = %s (%s), want a failure for the time limit", r.Outcome, r.Error)
	}
}

func TestSameValue(t *testing.T) {
	dec := func(s string) value.Value { d, _ := value.NewDecimal(s); return d }
	list := func(vs ...value.Value) value.Value { return value.List{Elems: vs} }
	tests := []struct {
		name      string
		got, want value.Value
		same      bool
	}{
		{"both null", nil, nil, true},
		{"null and a value", nil, value.Integer(1), false},
		{"integer expected for a decimal", dec("10.0"), value.Integer(10), true},
		{"integer expected for another decimal", dec("10.5"), value.Integer(10), false},
		{"list of decimals written as integers", list(dec("10.0"), dec("11.0")), list(value.Integer(10), value.Integer(11)), true},
		{"decimal expected for an integer", value.Integer(10), dec("10.0"), false},
		{"lists of different length", list(dec("10.0")), list(value.Integer(10), value.Integer(11)), false},
	}
	for _, tt := range tests {
		if got := sameValue(tt.got, tt.want); got != tt.same {
			t.Errorf("%s: sameValue = %v, want %v", tt.name, got, tt.same)
		}
	}
}

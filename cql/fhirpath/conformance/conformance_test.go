package conformance

import (
	"context"
	"os"
	"strings"
	"testing"

	cqlconf "github.com/ccg-project/ccg/cql/conformance"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// TestSuite runs the FHIRPath suite, logs the pass rate of every group
// (go test -v) and fails when fewer tests pass than floor.txt demands or
// skip.txt names a test that does not exist.
func TestSuite(t *testing.T) {
	dir := sharedtest.Dir(t, "conformance", "fhirpath")
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	skip, err := cqlconf.LoadSkipList("skip.txt")
	if err != nil {
		t.Fatal(err)
	}
	floor, err := cqlconf.LoadFloor("floor.txt")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, tc := range s.Tests {
		known[tc.Name] = true
	}
	for name := range skip {
		if !known[name] {
			t.Errorf("skip.txt lists %s, which is not a test of the suite", name)
		}
	}
	rep := Run(context.Background(), s, Options{Skip: skip})
	var b strings.Builder
	if err := rep.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		t.Log(line)
	}
	if os.Getenv("FHIRPATH_FAILURES") != "" {
		for _, r := range rep.Results {
			if r.Outcome == Fail {
				t.Logf("FAIL %s/%s: %s\n    expected %s, got %s: %s", r.Group, r.Name, r.Expression, r.Expected, r.Actual, r.Error)
			}
		}
	}
	if rep.Passed < floor.Total {
		t.Errorf("%d FHIRPath tests pass, below the floor of %d in floor.txt", rep.Passed, floor.Total)
	}
	for _, g := range rep.Groups {
		if min, ok := floor.PerFile[g.Group]; ok && g.Passed < min {
			t.Errorf("%s: %d tests pass, below the floor of %d in floor.txt", g.Group, g.Passed, min)
		}
	}
}

package cqlcheck

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
)

func pkg(t *testing.T, src string) *fhirpkg.Package {
	b := testpkg.Tarball(testpkg.Options{CQL: src})
	p, err := fhirpkg.ReadTarball(b, fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCQLCheck(t *testing.T) {
	v := New(nil)
	if got := v.Validate(context.Background(), pkg(t, "library TestLogic version '1.0.0'\n\ndefine \"Applies\": 1 + 1 = 2\n")); len(got) != 0 {
		t.Errorf("valid CQL: %v", got)
	}
	got := v.Validate(context.Background(), pkg(t, "library TestLogic version '1.0.0'\n\ndefine \"Applies\": 1 + 'a'\ndefine X: Nope\n"))
	if len(got) < 2 {
		t.Fatalf("want two errors, got %v", got)
	}
	all := got[0].String() + got[1].String()
	if !strings.Contains(all, "Library/test-logic") || !strings.Contains(all, "TestLogic:4:") {
		t.Errorf("violations %v", got)
	}
	// An unknown model cannot be judged here and is skipped.
	if got := v.Validate(context.Background(), pkg(t, "library TestLogic\nusing QDM version '5.6'\ndefine X: true\n")); len(got) != 0 {
		t.Errorf("unknown model: %v", got)
	}
}

// TestExpressionsResolve: a CARD whose condition names a define its Library
// does not have is refused, with the resource, the action path and the
// define's name.
func TestExpressionsResolve(t *testing.T) {
	got := New(nil).Validate(context.Background(), pkg(t, "library TestLogic version '1.0.0'\n\ndefine \"Applys\": true\n"))
	if len(got) != 1 || !strings.Contains(got[0].String(), `action[0].condition[0].expression: no define "Applies" in library TestLogic (did you mean "Applys"?)`) {
		t.Errorf("violations %v", got)
	}
}

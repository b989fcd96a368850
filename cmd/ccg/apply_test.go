package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func TestApplyCommand(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := run(context.Background(), e, []string{"apply", "--package", "../../testdata/apply/package", "--plan", "ccgtest-folder",
		"--data", "../../testdata/apply/data-in/patient-1.json"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := fj.DecodeObj(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	rg := fj.Obj(fj.Objs(b, "entry")[0], "resource")
	if fj.Type(rg) != "RequestGroup" || len(fj.Objs(rg, "action")) != 5 {
		t.Errorf("RequestGroup with %d actions", len(fj.Objs(rg, "action")))
	}
	// subject/encounter defaults and a bad encounter
	out.Reset()
	errb.Reset()
	code = run(context.Background(), e, []string{"apply", "--package", "../../testdata/apply/package", "--plan", "ccgtest-folder",
		"--data", "../../testdata/apply/data-in/patient-1.json", "--encounter", "Encounter/nope"})
	if code != exitFailure || !strings.Contains(errb.String(), "Encounter/nope is not in the data-in Bundle") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestApplyFailsWhenACardFails: a CARD whose condition fails at run time
// makes `ccg apply` exit 1 (the Bundle, with its card-errors outcome, is
// still printed).
func TestApplyFailsWhenACardFails(t *testing.T) {
	pkg := filepath.Join(t.TempDir(), "package")
	if err := os.CopyFS(pkg, os.DirFS("../../testdata/apply/package")); err != nil {
		t.Fatal(err)
	}
	card := filepath.Join(pkg, "PlanDefinition-card-reqproc.json")
	b, err := os.ReadFile(card)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), `"language": "text/cql-identifier",
            "expression": "Needs ECG"`, `"language": "text/cql",
            "expression": "Message(true, true, 'E1', 'Error', 'the condition failed')"`, 1))
	if err := os.WriteFile(card, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := ccg(t, "apply", "--package", pkg, "--plan", "ccgtest-folder", "--data", "../../testdata/apply/data-in/patient-1.json")
	if code != exitFailure || !strings.Contains(errOut, "CARD http://example.org/ccg-test/PlanDefinition/card-reqproc did not fire") ||
		!strings.Contains(out, `"card-errors"`) {
		t.Errorf("exit %d\nstdout: %.300s\nstderr: %s", code, out, errOut)
	}
}

package main

import (
	"bytes"
	"context"
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

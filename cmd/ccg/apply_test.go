package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
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
// makes `ccg apply` exit 1 (the Bundle, with its CARD errors outcome, is
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
		!strings.Contains(out, `"OperationOutcome"`) {
		t.Errorf("exit %d\nstdout: %.300s\nstderr: %s", code, out, errOut)
	}
}

// bpDataIn writes patient-1's data-in Bundle with a systolic reading of
// 150 mm[Hg] added, and returns its path.
func bpDataIn(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/apply/data-in/patient-1.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := fj.DecodeObj(raw)
	if err != nil {
		t.Fatal(err)
	}
	b["entry"] = append(fj.List(b, "entry"), map[string]any{"fullUrl": "urn:uuid:6a1c1e1e-1111-4a44-9a53-0c7d1f0b1a99",
		"resource": map[string]any{"resourceType": "Observation", "id": "bp1", "status": "final",
			"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}},
			"subject":           map[string]any{"reference": "Patient/p1"},
			"effectiveDateTime": "2026-01-30T10:00:00Z",
			"valueQuantity":     map[string]any{"value": 150, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}})
	data := filepath.Join(t.TempDir(), "data.json")
	if out, err := fj.Marshal(b); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(data, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return data
}

// --param sets a CQL parameter of the package's libraries: with a systolic
// reading of 150 mm[Hg], the default threshold (140 'mm[Hg]') gives the
// High BP recommendations and a threshold of 500 'mm[Hg]' does not.
func TestApplyParam(t *testing.T) {
	data := bpDataIn(t)
	actions := func(extra ...string) (int, string) {
		var out, errb bytes.Buffer
		e := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		args := append([]string{"apply", "--package", "../../testdata/apply/package", "--plan", "ccgtest-folder", "--data", data}, extra...)
		if code := run(context.Background(), e, args); code != exitOK {
			return -code, errb.String()
		}
		r, err := fj.DecodeObj(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return len(fj.Objs(fj.Obj(fj.Objs(r, "entry")[0], "resource"), "action")), errb.String()
	}
	if n, stderr := actions(); n != 9 {
		t.Errorf("default threshold: %d actions, want 9; stderr %s", n, stderr)
	}
	if n, stderr := actions("--param", "Systolic Threshold=500 'mm[Hg]'"); n != 4 {
		t.Errorf("threshold 500: %d actions, want 4; stderr %s", n, stderr)
	}
	if n, stderr := actions("--param", "Systolic Threshold=Interval[1,"); n != -exitUsage || !strings.Contains(stderr, `parameter "Systolic Threshold"`) {
		t.Errorf("malformed literal: %d, stderr %s", n, stderr)
	}
}

// A data-in value that breaks a FHIR primitive rule harmlessly (the
// systolic reading's value as the string "150") is read with a warning, on
// standard error and in the Bundle's OperationOutcome; --strict-data
// refuses it, so the CARDs that read it do not fire.
func TestApplyLenientData(t *testing.T) {
	raw, err := os.ReadFile(bpDataIn(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), `"value": 150`, `"value": "150"`, 1)
	if bad == string(raw) {
		t.Fatalf("the reading's value was not found in %s", raw)
	}
	data := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(data, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	const warning = "Observation/bp1 at Observation.valueQuantity.value: FHIR.decimal expects a JSON number, found a string"
	for _, strict := range []bool{false, true} {
		var out, errb bytes.Buffer
		e := &env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		args := []string{"apply", "--package", "../../testdata/apply/package", "--plan", "ccgtest-folder", "--data", data}
		if strict {
			args = append(args, "--strict-data")
		}
		// Under --strict-data the CARDs that read the value fail: exit 1.
		want := exitOK
		if strict {
			want = exitFailure
		}
		if code := run(context.Background(), e, args); code != want {
			t.Fatalf("strict=%v: exit %d, want %d: %s", strict, code, want, errb.String())
		}
		b, err := fj.DecodeObj(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		entries := fj.Objs(b, "entry")
		actions := len(fj.Objs(fj.Obj(entries[0], "resource"), "action"))
		oo := fj.Obj(entries[len(entries)-1], "resource")
		var severities []string
		for _, is := range fj.Objs(oo, "issue") {
			severities = append(severities, fj.Str(is, "severity"))
		}
		switch {
		case !strict && (actions != 9 || !strings.Contains(errb.String(), warning) || !slices.Contains(severities, "warning")):
			t.Errorf("lenient: %d actions (want 9), issues %v, stderr %s", actions, severities, errb.String())
		case strict && (strings.Contains(errb.String(), warning) || !strings.Contains(errb.String(), "expected a JSON number for FHIR.decimal")):
			t.Errorf("strict: %d actions, stderr %s", actions, errb.String())
		}
	}
}

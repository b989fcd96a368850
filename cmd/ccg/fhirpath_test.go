package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const miniFHIRPathSuite = `<tests name="mini">
  <group name="basics">
    <test name="given" inputfile="p.json"><expression>name.given</expression><output type="string">Ann</output><output type="string">Bo</output></test>
    <test name="count" inputfile="p.json"><expression>name.given.count() = 2</expression><output type="boolean">true</output></test>
    <test name="noInput"><expression>1 + 1</expression><output type="integer">2</output></test>
  </group>
  <group name="errors">
    <test name="bad" inputfile="p.json"><expression invalid="semantic">name.given1</expression></test>
    <test name="wrong" inputfile="p.json"><expression>gender</expression><output type="code">male</output></test>
    <test name="skipped" inputfile="p.json"><expression>gender</expression><output type="code">x</output></test>
  </group>
</tests>`

const miniPatient = `{"resourceType":"Patient","id":"p","gender":"female","birthDate":"1990-05-01","name":[{"given":["Ann","Bo"]}]}`

func TestFHIRPathSpecTests(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"tests.xml": miniFHIRPathSuite, "input/p.json": miniPatient,
		"skip.txt": "skipped  its expected output is wrong on purpose\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jsonPath := filepath.Join(dir, "out.json")
	code, out, errOut := ccg(t, "fhirpath", "spec-tests", dir, "--skip", filepath.Join(dir, "skip.txt"), "--json", jsonPath, "-v")
	if code != exitFailure {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitFailure, errOut)
	}
	want := "FAIL errors/wrong: gender\n    expected { code male }, got { 'female' }: item 0: got { 'female' }, want code male\n" +
		"basics  3/3 (100.0%)\nerrors  1/2 (50.0%)\n4 passed, 1 failed, 1 skipped\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Tests []map[string]any `json:"tests"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Tests) != 6 {
		t.Fatalf("JSON report: %v, %d tests", err, len(rep.Tests))
	}
	if code, out, _ := ccg(t, "fhirpath", "spec-tests", dir, "--run", "^count$"); code != exitOK || !strings.HasSuffix(out, "1 passed, 0 failed, 0 skipped\n") {
		t.Errorf("--run: exit %d\n%s", code, out)
	}
}

func TestFHIRPathEval(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "p.json")
	if err := os.WriteFile(res, []byte(miniPatient), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		code      int
		out, errs string
	}{
		{[]string{"name.given", "--resource", res}, exitOK, "'Ann'\n'Bo'\n", ""},
		{[]string{"birthDate <= today() - 18 years", "--resource", res, "--now", "2026-01-01T00:00:00Z"}, exitOK, "true\n", ""},
		{[]string{"name", "--resource", res}, exitOK, `{"given":["Ann","Bo"]}` + "\n", ""},
		{[]string{"1 'cm' = 10 'mm'"}, exitOK, "true\n", ""},
		{[]string{"name.", "--resource", res}, exitFailure, "", "ccg: fhirpath 1:6: unexpected end of input\n"},
		{[]string{"name.given1", "--resource", res}, exitFailure, "", "no element \"given1\""},
		{[]string{"name", "--resource", filepath.Join(dir, "nosuch.json")}, exitFailure, "", "no such file"},
		{[]string{}, exitUsage, "", "fhirpath eval takes one expression"},
		{[]string{"x", "--now", "yesterday"}, exitUsage, "", "bad --now"},
	} {
		code, out, errOut := ccg(t, append([]string{"fhirpath", "eval"}, tc.args...)...)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ccg runs the command line args and returns the exit code and outputs.
func ccg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return ccgCtx(context.Background(), t, args...)
}

func ccgCtx(ctx context.Context, t *testing.T, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, &env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}, args)
	return code, out.String(), errOut.String()
}

func TestDispatch(t *testing.T) {
	var got []string
	register(&command{Name: "test  echo", Summary: "test command", Run: func(ctx context.Context, e *env, args []string) int {
		got = args
		return 7
	}})
	defer delete(commands, "test echo")

	if code, _, _ := ccg(t, "test", "echo", "a", "--b"); code != 7 {
		t.Errorf("exit code = %d, want the command's 7", code)
	}
	if diff := cmp.Diff([]string{"a", "--b"}, got); diff != "" {
		t.Errorf("arguments (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{nil, exitUsage, "usage: ccg"},
		{[]string{"nonsense"}, exitUsage, `unknown command "nonsense"`},
		{[]string{"cql"}, exitUsage, "cql eval"},
		{[]string{"help"}, exitOK, "serve"},
		{[]string{"help", "cql", "eval"}, exitOK, "usage: ccg cql eval FILE.cql"},
		{[]string{"help", "serve"}, exitOK, "-packages GLOB"},
		{[]string{"cql", "eval"}, exitUsage, "cql eval takes one CQL file"},
		{[]string{"cql", "eval", "-h"}, exitOK, "-expr"},
		{[]string{"cql", "eval", "--nope", "x.cql"}, exitUsage, "flag provided but not defined"},
		{[]string{"serve", "extra"}, exitUsage, "serve takes no arguments"},
		{[]string{"cql", "eval", "does-not-exist.cql"}, exitFailure, "does-not-exist.cql"},
	} {
		code, out, errOut := ccg(t, tc.args...)
		if code != tc.code {
			t.Errorf("ccg %v: exit code %d, want %d", tc.args, code, tc.code)
		}
		if !strings.Contains(out+errOut, tc.out) {
			t.Errorf("ccg %v: output does not contain %q:\n%s%s", tc.args, tc.out, out, errOut)
		}
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	e := &env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	fs := newFlagSet(e, "x", "")
	j := fs.Bool("json", false, "")
	n := fs.String("expr", "", "")
	pos, _, ok := parseFlags(fs, []string{"a.cql", "--json", "b", "--expr", "X", "--", "--c"})
	if !ok {
		t.Fatal("parseFlags failed")
	}
	if !*j || *n != "X" {
		t.Errorf("flags: json=%v expr=%q, want true and X", *j, *n)
	}
	if diff := cmp.Diff([]string{"a.cql", "b", "--c"}, pos); diff != "" {
		t.Errorf("positional (-want +got):\n%s", diff)
	}
}

func TestCaretAt(t *testing.T) {
	src := "line one\n\tx + 'a'\n"
	if got, want := caretAt(src, 2, 4), "    \tx + 'a'\n    \t  ^"; got != want {
		t.Errorf("caretAt = %q, want %q", got, want)
	}
	if got := caretAt(src, 9, 1); got != "" {
		t.Errorf("caretAt past the end = %q, want empty", got)
	}
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}

func TestCQLEval(t *testing.T) {
	code, out, errOut := ccg(t, "cql", "eval", testdata("cql", "hello.cql"))
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	want := "Greeting: 'Hello, world'\nAnswer: 42\nNumbers: {1, 2, 3}\nIs Positive: true\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	code, out, _ = ccg(t, "cql", "eval", testdata("cql", "hello.cql"), "--expr", "Answer")
	if code != exitOK || out != "42\n" {
		t.Errorf("--expr Answer: exit %d, output %q; want 0 and \"42\\n\"", code, out)
	}

	code, out, errOut = ccg(t, "cql", "eval", "--json", testdata("cql", "hello.cql"))
	if code != exitOK {
		t.Fatalf("--json: exit code %d, stderr:\n%s", code, errOut)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(out))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("--json output is not an object: %s", out)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"Greeting", "Answer", "Numbers", "Is Positive"}, keys); diff != "" {
		t.Errorf("--json keys in order (-want +got):\n%s", diff)
	}

	code, _, errOut = ccg(t, "cql", "eval", testdata("cql", "hello.cql"), "--expr", "Missing")
	if code != exitFailure || !strings.Contains(errOut, `no definition named "Missing"`) {
		t.Errorf("--expr Missing: exit %d, stderr %q", code, errOut)
	}
}

func TestCQLEvalRuntimeError(t *testing.T) {
	path := testdata("cql", "runtime-error.cql")
	code, out, errOut := ccg(t, "cql", "eval", path)
	if code != exitFailure {
		t.Errorf("exit code %d, want %d", code, exitFailure)
	}
	if out != "Ok: 4\n" {
		t.Errorf("stdout = %q, want the definition that worked", out)
	}
	if !strings.Contains(errOut, ":5:") || !strings.Contains(errOut, "^") {
		t.Errorf("stderr should point at line 5 with a caret:\n%s", errOut)
	}
}

func TestCQLCheck(t *testing.T) {
	code, out, errOut := ccg(t, "cql", "check", testdata("cql", "check"))
	if code != exitOK {
		t.Errorf("check dir: exit %d, stderr:\n%s", code, errOut)
	}
	if out != "3 files ok\n" {
		t.Errorf("check dir: stdout = %q", out)
	}

	path := testdata("cql", "broken.cql")
	code, _, errOut = ccg(t, "cql", "check", path)
	if code != exitFailure {
		t.Errorf("check broken: exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{path + ":5:", path + ":7:", "^", "1 of 1 files have errors"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check broken: stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestCQLSpecTests(t *testing.T) {
	dir := t.TempDir()
	mini, err := os.ReadFile(filepath.Join("..", "..", "cql", "conformance", "testdata", "mini.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Mini.xml"), mini, 0o644); err != nil {
		t.Fatal(err)
	}
	skip := filepath.Join(dir, "skip.txt")
	if err := os.WriteFile(skip, []byte("WrongOutput  the expected output is wrong on purpose\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(dir, "out.json")
	code, out, errOut := ccg(t, "cql", "spec-tests", dir, "--json", jsonPath, "--skip", skip)
	if code != exitFailure { // MissingError fails on purpose
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitFailure, errOut)
	}
	if want := "Mini.xml  5/6 (83.3%)\n5 passed, 1 failed, 3 skipped\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Tests []map[string]any `json:"tests"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Tests) != 9 {
		t.Fatalf("JSON has %d tests, want 9", len(rep.Tests))
	}
	for _, key := range []string{"name", "group", "file", "outcome", "expected"} {
		if _, ok := rep.Tests[0][key]; !ok {
			t.Errorf("JSON test entries lack %q: %v", key, rep.Tests[0])
		}
	}
}

func TestCQLIncludes(t *testing.T) {
	code, out, errOut := ccg(t, "cql", "eval", testdata("cql", "check", "Uses.cql"), "--expr", "Twice The Limit")
	if code != exitOK || out != "20\n" {
		t.Errorf("eval with include: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}

	dir := t.TempDir()
	src := "library Lonely version '1'\ninclude Missing version '2' called M\ndefine \"X\": 1\n"
	if err := os.WriteFile(filepath.Join(dir, "Lonely.cql"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = ccg(t, "cql", "check", dir)
	if code != exitFailure || !strings.Contains(errOut, "Missing") || !strings.Contains(errOut, "Lonely.cql:2:") {
		t.Errorf("check with a missing include: exit %d, stderr:\n%s", code, errOut)
	}

	// An error of an included library is printed once, in its own file,
	// however many libraries include it.
	dup := t.TempDir()
	for name, src := range map[string]string{
		"H.cql": "library H version '1'\ndefine X: 'a' + 1\n",
		"A.cql": "library A version '1'\ninclude H version '1'\ndefine Y: 1\n",
		"B.cql": "library B version '1'\ninclude H version '1'\ndefine Z: 1\n",
	} {
		if err := os.WriteFile(filepath.Join(dup, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut = ccg(t, "cql", "check", dup)
	if n := strings.Count(errOut, "operator Add"); code != exitFailure || n != 1 ||
		!strings.Contains(errOut, filepath.Join(dup, "H.cql")+":2:11:") || !strings.Contains(errOut, "3 of 3 files have errors (3 errors)") {
		t.Errorf("check with a broken shared include: exit %d, the error printed %d times, stderr:\n%s", code, n, errOut)
	}

	// cql check of one file resolves its includes from the file's folder.
	code, out, errOut = ccg(t, "cql", "check", testdata("cql", "check", "Uses.cql"))
	if code != exitOK || out != "1 files ok\n" {
		t.Errorf("check one file with an include: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
}

func TestCQLEvalWithData(t *testing.T) {
	code, out, errOut := ccg(t, "cql", "eval", testdata("cql", "fhir", "Adult.cql"),
		"--data", testdata("fhir", "patient-bundle.json"), "--now", "2024-06-01T12:00:00Z")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		"Age: 44\n", "Is Adult: true\n",
		"Systolic Readings: {142 'mm[Hg]', 128 'mm[Hg]'}\n", "Highest Systolic: 142 'mm[Hg]'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = ccg(t, "cql", "eval", testdata("cql", "fhir", "Adult.cql"),
		"--data", testdata("fhir", "patient-bundle.json"), "--expr", "Patient", "--json")
	var patient map[string]any
	if err := json.Unmarshal([]byte(out), &patient); code != exitOK || err != nil || patient["resourceType"] != "Patient" {
		t.Errorf("--expr Patient --json: exit %d, want the Patient resource as JSON, got:\n%s%s", code, out, errOut)
	}
	// Without data there is no patient: everything about it is null.
	code, out, _ = ccg(t, "cql", "eval", testdata("cql", "fhir", "Adult.cql"), "--expr", "Is Adult")
	if code != exitOK || out != "null\n" {
		t.Errorf("without --data: exit %d, output %q; want null", code, out)
	}
	for _, bad := range [][]string{
		{"--now", "yesterday"},
		{"--subject", "Patient/p1"},
	} {
		args := append([]string{"cql", "eval", testdata("cql", "fhir", "Adult.cql")}, bad...)
		if code, _, _ := ccg(t, args...); code != exitUsage {
			t.Errorf("ccg %v: exit %d, want %d", bad, code, exitUsage)
		}
	}
	code, _, errOut = ccg(t, "cql", "eval", testdata("cql", "fhir", "Adult.cql"), "--data", testdata("cql", "hello.cql"))
	if code != exitFailure {
		t.Errorf("--data with a file that is not a Bundle: exit %d, want %d; stderr:\n%s", code, exitFailure, errOut)
	}
}

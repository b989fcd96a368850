package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBulkGenerate(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := ccg(t, "bulk", "generate", "--patients", "5", "--seed", "2", "--bad-lines", "1", "--gzip", "--out", dir)
	if code != exitOK || !strings.Contains(out, "5 patients,") || !strings.Contains(out, "1 bad lines") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "Patient.ndjson.gz")); err != nil {
		t.Error(err)
	}
	if code, _, errOut := ccg(t, "bulk", "generate", "--out", dir); code != exitUsage || !strings.Contains(errOut, "--patients") {
		t.Errorf("without --patients: exit %d, %s", code, errOut)
	}
}

// TestBulkApplyRunsCCGBulk: ccg bulk apply hands its arguments to the
// ccg-bulk program on PATH and passes its exit code on, and says how to
// get the program when there is none.
func TestBulkApplyRunsCCGBulk(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, _, errOut := ccg(t, "bulk", "apply", "--plan", "x")
	if code != exitFailure || !strings.Contains(errOut, "go build -o bin/ccg-bulk ./cmd/ccg-bulk") {
		t.Errorf("without ccg-bulk: exit %d, %s", code, errOut)
	}
	bin := t.TempDir()
	script := "#!/bin/sh\necho \"ccg-bulk $*\"\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "ccg-bulk"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	code, out, errOut := ccg(t, "bulk", "apply", "--plan", "x", "--runner", "prism")
	if code != 3 || out != "ccg-bulk apply --plan x --runner prism\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

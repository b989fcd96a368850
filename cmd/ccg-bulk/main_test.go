package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/engine/bulk"
)

// TestReadmeBulkApply runs the README's `go run ./cmd/ccg-bulk apply` line
// over the population of its `ccg bulk generate` line (both with their
// /tmp folders replaced by the test's) and compares the summary printed
// with the one the README quotes.
func TestReadmeBulkApply(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "go run ./cmd/ccg-bulk apply ") {
			line = l
		}
	}
	if line == "" {
		t.Fatal("README.md has no `go run ./cmd/ccg-bulk apply` line")
	}
	want := regexp.MustCompile("prints `([^`]*)`").FindStringSubmatch(string(readme))
	if want == nil {
		t.Fatal("README.md does not quote what the line prints")
	}
	in, out := t.TempDir(), t.TempDir()
	if _, err := bulk.Generate(in, bulk.GenerateOptions{Patients: 200, Seed: 7, BadLines: 4}); err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(strings.TrimPrefix(line, "go run ./cmd/ccg-bulk "))
	for i, a := range args {
		switch a {
		case "/tmp/ccg-population":
			args[i] = in
		case "/tmp/ccg-care-gaps":
			args[i] = out
		default:
			if strings.HasPrefix(a, "testdata/") {
				args[i] = filepath.Join("..", "..", a)
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if got := strings.ReplaceAll(strings.TrimSpace(stdout.String()), out, "/tmp/ccg-care-gaps"); got != want[1] {
		t.Errorf("ccg-bulk printed %q, the README says %q (stderr: %s)", got, want[1], stderr.String())
	}
	for _, f := range []string{"results.ndjson", "dead-letters.ndjson", "aggregate.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

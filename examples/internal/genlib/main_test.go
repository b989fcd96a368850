package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeExample(t *testing.T, dir, data string) (libFile string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "demo", "package"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "demo", "cql"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "demo", "cql", "Demo.cql"), []byte("library Demo version '1.0.0'\ndefine X: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	libFile = filepath.Join(dir, "demo", "package", "Library-Demo.json")
	lib := "{\n  \"resourceType\": \"Library\",\n  \"id\": \"Demo\",\n  \"name\": \"Demo\",\n  \"content\": [\n    {\n      \"contentType\": \"text/cql\",\n      \"data\": \"" + data + "\"\n    }\n  ]\n}\n"
	if err := os.WriteFile(libFile, []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	return libFile
}

func TestRewritesStaleLibrary(t *testing.T) {
	dir := t.TempDir()
	lib := writeExample(t, dir, base64.StdEncoding.EncodeToString([]byte("library Old")))
	before, _ := os.ReadFile(lib)

	stale, err := run(dir, false)
	if err != nil || len(stale) != 1 {
		t.Fatalf("check: stale %v, err %v; want one stale file", stale, err)
	}
	if after, _ := os.ReadFile(lib); string(after) != string(before) {
		t.Fatal("check mode wrote the file")
	}
	if stale, err = run(dir, true); err != nil || len(stale) != 1 {
		t.Fatalf("write: stale %v, err %v", stale, err)
	}
	after, _ := os.ReadFile(lib)
	want := base64.StdEncoding.EncodeToString([]byte("library Demo version '1.0.0'\ndefine X: 1\n"))
	if !strings.Contains(string(after), `"data": "`+want+`"`) {
		t.Errorf("data not rewritten:\n%s", after)
	}
	// Only the data changed: same text around it.
	if strings.Replace(string(after), want, "X", 1) != strings.Replace(string(before), base64.StdEncoding.EncodeToString([]byte("library Old")), "X", 1) {
		t.Errorf("more than the data changed:\n%s", after)
	}
	if stale, err = run(dir, false); err != nil || len(stale) != 0 {
		t.Errorf("after rewrite: stale %v, err %v", stale, err)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(dir, false); err == nil {
		t.Error("no Library files: want an error")
	}
	lib := writeExample(t, dir, "")
	if err := os.Remove(filepath.Join(dir, "demo", "cql", "Demo.cql")); err != nil {
		t.Fatal(err)
	}
	if _, err := run(dir, true); err == nil {
		t.Error("missing .cql: want an error")
	}
	if err := os.WriteFile(lib, []byte(`{"resourceType":"Library","name":"Demo","content":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	writeCQL := os.WriteFile(filepath.Join(dir, "demo", "cql", "Demo.cql"), []byte("library Demo"), 0o644)
	if writeCQL != nil {
		t.Fatal(writeCQL)
	}
	if _, err := run(dir, true); err == nil {
		t.Error("no text/cql attachment: want an error")
	}
	if err := os.WriteFile(lib, []byte(`not json`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(dir, true); err == nil {
		t.Error("bad JSON: want an error")
	}
}

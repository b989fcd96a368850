package fhir

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/fhir/internal/gen"
)

// TestModelGenCurrent regenerates model_gen.go in memory from the samply
// module named in go.mod and fails when the committed file differs (run
// `go generate ./cql/fhir` after changing the generator). The module comes
// from the module cache; when it is missing the test downloads it (go mod
// download), and skips only outside CI when that fails too.
func TestModelGenCurrent(t *testing.T) {
	src, err := gen.SourceDir("")
	if err != nil {
		out, derr := exec.Command("go", "mod", "download", gen.Module).CombinedOutput()
		if derr == nil {
			src, err = gen.SourceDir("")
		} else {
			err = fmt.Errorf("%v; go mod download: %v: %s", err, derr, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	want, err := gen.Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("model_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("model_gen.go is stale (run go generate ./cql/fhir): line %d\ncommitted:   %.300s\ngenerated:   %.300s", i+1, g, w)
		}
	}
	t.Fatalf("model_gen.go is stale (run go generate ./cql/fhir)")
}

package fhir_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// corpusDir returns a folder of ../shared/corpus.
func corpusDir(t testing.TB, parts ...string) string {
	t.Helper()
	return sharedtest.Dir(t, append([]string{"corpus"}, parts...)...)
}

// newEnv builds an engine environment for the libraries of a folder.
func newEnv(t testing.TB, cqlDir string) (*cql.Env, *fhir.LibraryResolver) {
	t.Helper()
	res := fhir.NewLibraryResolver()
	if err := res.AddDir(cqlDir); err != nil {
		t.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res))
	return env, res
}

// compileFolder compiles every library of a corpus folder. Every failure is
// reported in the log; the test fails when fewer than minOK libraries
// compile (a ratchet: raise it as the engine covers more of CQL, up to all).
func compileFolder(t *testing.T, minOK int, parts ...string) {
	dir := corpusDir(t, parts...)
	env, _ := newEnv(t, dir)
	compileAll(t, env, dir, minOK)
}

// compileAll compiles every library of dir with env, as compileFolder.
func compileAll(t *testing.T, env *cql.Env, dir string, minOK int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.cql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .cql files in %s: %v", dir, err)
	}
	sort.Strings(files)
	failed := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, errs := env.Compile(filepath.Base(f), string(src))
		if len(errs) > 0 {
			failed++
			var b strings.Builder
			for i, e := range errs {
				if i == 5 {
					b.WriteString("\n  ...")
					break
				}
				b.WriteString("\n  " + e.Error())
			}
			t.Logf("%s: %d errors%s", filepath.Base(f), len(errs), b.String())
		}
	}
	ok := len(files) - failed
	t.Logf("%d of %d libraries compiled", ok, len(files))
	if ok < minOK {
		t.Errorf("only %d of %d libraries compiled; at least %d did before", ok, len(files), minOK)
	}
}

func TestCompileANC(t *testing.T) { compileFolder(t, minCompiledANC, "who-smart-anc", "input", "cql") }

func TestCompileCPG(t *testing.T) {
	compileFolder(t, minCompiledCPG, "hl7-cpg-recommendations", "input", "cql")
}

func TestCompileECQM(t *testing.T) {
	compileFolder(t, minCompiledECQM, "ecqm-content-r4-2021", "input", "cql")
}

// Libraries known to compile (all of each folder); see compileFolder.
const (
	minCompiledANC  = 63
	minCompiledCPG  = 20
	minCompiledECQM = 38
)

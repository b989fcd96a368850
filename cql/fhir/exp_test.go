package fhir_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
)

func TestExpBuiltinHelpers(t *testing.T) {
	dir := "/work/shared/corpus/who-smart-anc/input/cql"
	res := fhir.NewLibraryResolver()
	files, _ := filepath.Glob(filepath.Join(dir, "*.cql"))
	sort.Strings(files)
	for _, f := range files {
		if strings.HasSuffix(f, "FHIRHelpers.cql") {
			continue
		}
		b, _ := os.ReadFile(f)
		res.AddSource(string(b), f)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		_, errs := env.Compile(filepath.Base(f), string(b))
		for _, e := range errs {
			t.Log(e.Error())
		}
	}
}

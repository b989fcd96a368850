package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// TestANCEvaluateAll evaluates every definition of every WHO ANC library
// for patients of testdata/fhir (data-layer robustness: run-time errors
// from navigation, conversions, retrieves or terminology show up here).
func TestANCEvaluateAll(t *testing.T) {
	ancDir := corpusDir(t, "who-smart-anc", "input", "cql")
	term := ancTerminology(t)
	env, _ := newEnv(t, ancDir)
	files, _ := filepath.Glob(filepath.Join(ancDir, "*.cql"))
	sort.Strings(files)
	bundles := []struct{ file, patient string }{
		{filepath.Join("..", "..", "testdata", "fhir", "anc-patient-amina.json"), "amina"},
		{filepath.Join("..", "..", "testdata", "fhir", "anc", "ANCDT04-high-systolic.json"), "dt04-high-systolic"},
	}
	evaluated, failed := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lib, errs := env.Compile(filepath.Base(f), string(src))
		if errs != nil {
			continue // TestCompileANC reports these
		}
		for _, b := range bundles {
			data, err := os.ReadFile(b.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: b.patient, Terminology: term})
			if err != nil {
				t.Fatal(err)
			}
			enc := value.String("Encounter/contact-today")
			opts := cql.EvalOptions{Retriever: r, Terminology: term, Parameters: map[string]value.Value{
				"encounter": enc}}
			for _, res := range lib.EvalAll(context.Background(), opts) {
				evaluated++
				if res.Err != nil {
					failed++
					t.Errorf("%s %s (%s): %v", filepath.Base(f), res.Name, b.patient, res.Err)
				}
			}
		}
	}
	t.Logf("%d evaluations, %d errors", evaluated, failed)
}

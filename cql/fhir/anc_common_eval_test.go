package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// TestANCCommonChecks evaluates functions of the WHO ANC common libraries
// (FHIRCommon, ANCCommon, ANCConfig and the ANC FHIRHelpers) through
// testdata/fhir/cql/CCGANCCommonChecks.cql.
func TestANCCommonChecks(t *testing.T) {
	ancDir := corpusDir(t, "who-smart-anc", "input", "cql")
	dir := filepath.Join("..", "..", "testdata", "fhir")
	res := fhir.NewLibraryResolver()
	for _, d := range []string{ancDir, filepath.Join(dir, "cql")} {
		if err := res.AddDir(d); err != nil {
			t.Fatal(err)
		}
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res))
	src, err := os.ReadFile(filepath.Join(dir, "cql", "CCGANCCommonChecks.cql"))
	if err != nil {
		t.Fatal(err)
	}
	lib, errs := env.Compile("CCGANCCommonChecks.cql", string(src))
	if errs != nil {
		t.Fatal(errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "anc-patient-amina.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: "amina"})
	if err != nil {
		t.Fatal(err)
	}
	opts := cql.EvalOptions{Retriever: r}
	// Expected values in CQL literal form (FHIR values through FHIRHelpers).
	cases := []struct{ name, want string }{
		{"Contact numbers", "{1, 2}"},
		{"Latest contact number", "2"},
		{"Haemoglobin source", "'point-of-care'"},
		{"Missing extension", "null"},
		{"Haemoglobin effective interval", "Interval[@2024-03-20T09:30:00.000Z, @2024-03-20T09:30:00.000Z]"},
		// onsetAge 12 a from birthDate 1998-07-20, as a DateTime interval of a year.
		{"Asthma onset interval", "Interval[@2010-07-20T, @2011-07-20T)"},
		// Active and never abated: open-ended.
		{"Asthma prevalence", "Interval[@2010-07-20T, null]"},
		{"Malaria abatement", "Interval[@2023-06-20T00:00:00.000Z, @2023-06-30T00:00:00.000Z]"},
		// Resolved: up to (excluding) the end of the abatement.
		{"Malaria prevalence", "Interval[@2023-06-01T00:00:00.000Z, @2023-06-30T00:00:00.000Z)"},
		{"Anaemia prevalence setting", "41 '%'"},
		{"Haemoglobin concept", "Concept { codes: {Code { code: 'ANC.B9.DE175', system: 'http://fhir.org/guides/who/anc-cds/CodeSystem/anc-custom-codes' }} }"},
		{"Weight quantity", "64 'kg'"},
	}
	for _, c := range cases {
		got, err := lib.Eval(context.Background(), c.name, opts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got, err = fhir.ToSystem(got); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s := value.Format(got); s != c.want {
			t.Errorf("%s = %s, want %s", c.name, s, c.want)
		}
	}
}

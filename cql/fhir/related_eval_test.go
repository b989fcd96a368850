package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

// Related-context retrieves and code comparators through the engine.
func TestRelatedContextEval(t *testing.T) {
	const src = `library Related version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
codesystem "SNOMED": 'http://snomed.info/sct'
code "Anaemia": '271737000' from "SNOMED"
codesystem "SNOMED 2024": 'http://snomed.info/sct' version 'http://snomed.info/sct/900000000000207008/version/20240101'
code "Anaemia 2024": '271737000' from "SNOMED 2024"
context Patient
define "First Encounter": First([Encounter] E where E.id = 'enc1')
define "Encounter Conditions": ["First Encounter" -> Condition]
define "Encounter Anaemia": ["First Encounter" -> Condition: "Anaemia"]
define "Mother": singleton from ([Patient] P return P.link[0].other)
define "Mother Observations": ["Mother" -> Observation]
define "Anaemia Equivalent": [Condition: code ~ "Anaemia"]
define "Anaemia Equal": [Condition: code = "Anaemia 2024"]
define "Null Encounter": null as Encounter
define "No Encounter": ["Null Encounter" -> Condition]`
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fhir", "related-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("Related.cql", src)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: "baby"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Encounter Conditions": {"cond-enc1"},
		"Encounter Anaemia":    {"cond-enc1"},
		"Mother Observations":  {"obs-mother"},
		"Anaemia Equivalent":   {"cond-enc1", "cond-enc2"},
		"Anaemia Equal":        {"cond-enc1"},
		"No Encounter":         {},
	}
	for name, w := range want {
		v, err := lib.Eval(context.Background(), name, cql.EvalOptions{Retriever: r})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		l, ok := v.(value.List)
		if !ok {
			t.Errorf("%s: %v is not a list", name, v)
			continue
		}
		got := []string{}
		for _, e := range l.Elems {
			got = append(got, e.(*fhir.Node).ID())
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s: %s", name, diff)
		}
	}
}

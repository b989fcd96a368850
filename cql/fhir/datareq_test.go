package fhir_test

import (
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

// TestDataRequirements: the retrieves of a library and of the libraries it
// includes, with their value set or code filters, each once.
func TestDataRequirements(t *testing.T) {
	res := fhir.NewLibraryResolver()
	if err := res.AddSource(`library Common version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
valueset "BP": 'http://example.org/ValueSet/bp'
context Patient
define "Readings": [Observation: "BP"]
define function "Active"(c Condition): c.clinicalStatus is not null
`, "Common.cql"); err != nil {
		t.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res))
	lib, errs := env.Compile("Main", `library Main version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
include Common version '1'
codesystem "SCT": 'http://snomed.info/sct'
code "Pregnant": '77386006' from "SCT"
context Patient
define "Is Pregnant": exists [Condition: "Pregnant"] C where Common."Active"(C)
define "Again": [Condition: "Pregnant"]
define "Meds": [MedicationRequest]
define "Readings": Common."Readings"
`)
	if errs != nil {
		t.Fatal(errs)
	}
	got := lib.DataRequirements()
	want := []cql.DataRequirement{
		{Model: "FHIR", Type: "Condition", CodePath: "code", Codes: []value.Code{{Code: "77386006", System: "http://snomed.info/sct"}}},
		{Model: "FHIR", Type: "MedicationRequest"},
		{Model: "FHIR", Type: "Patient"},
		{Model: "FHIR", Type: "Observation", CodePath: "code", ValueSet: "http://example.org/ValueSet/bp"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DataRequirements (-want +got):\n%s", d)
	}
}

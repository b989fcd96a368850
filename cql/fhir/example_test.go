package fhir_test

import (
	"context"
	"fmt"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// Evaluating CQL over a data-in Bundle: the FHIR model, the built-in
// FHIRHelpers, a Bundle retriever for the patient and a value set store.
func Example() {
	const src = `library Example version '1.0.0'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
valueset "Haemoglobin": 'http://example.org/fhir/ValueSet/haemoglobin'
context Patient
define "Latest Hb": Last([Observation: "Haemoglobin"] O sort by effective).value as FHIR.Quantity
define "Anaemic": "Latest Hb" < 11 'g/dL'`
	const data = `{"resourceType": "Bundle", "type": "collection", "entry": [
	  {"resource": {"resourceType": "Patient", "id": "p1"}},
	  {"resource": {"resourceType": "Observation", "id": "hb", "status": "final", "subject": {"reference": "Patient/p1"},
	    "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]}, "effectiveDateTime": "2024-05-01",
	    "valueQuantity": {"value": 10.4, "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "g/dL"}}}]}`
	terms := fhir.NewValueSetStore()
	terms.AddJSON([]byte(`{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/haemoglobin",
	  "compose": {"include": [{"system": "http://loinc.org", "concept": [{"code": "718-7"}]}]}}`))

	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("Example.cql", src)
	if errs != nil {
		fmt.Println(errs)
		return
	}
	r, err := fhir.NewBundleRetriever([]byte(data), fhir.BundleOptions{Terminology: terms})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"Latest Hb", "Anaemic"} {
		v, err := lib.Eval(context.Background(), name, cql.EvalOptions{Retriever: r, Terminology: terms})
		if err != nil {
			fmt.Println(err)
			return
		}
		v, _ = fhir.ToSystem(v) // a FHIR.Quantity as a System Quantity
		fmt.Printf("%s: %s\n", name, value.Format(v))
	}
	// Output:
	// Latest Hb: 10.4 'g/dL'
	// Anaemic: true
}

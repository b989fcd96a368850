package fhir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// Primitives that break their JSON type rule harmlessly are read with a
// warning by default, and refused with StrictData.
func TestLenientData(t *testing.T) {
	const data = `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p1","gender":"female","active":"true"}},
{"resource":{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},
 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":310490}]},
 "valueQuantity":{"value":"95.5","unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}},
{"resource":{"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"Patient/p1"},
 "code":{"text":"x"},"valueQuantity":{"value":"ninety","unit":"mg"}}}
]}`
	const src = `library Lenient version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
context Patient
define "Code": First([Observation] O where O.id = 'o1').code.coding[0].code.value
define "Value": (First([Observation] O where O.id = 'o1').value as FHIR.Quantity).value.value
define "Active": Patient.active.value
define "Bad Value": (First([Observation] O where O.id = 'o2').value as FHIR.Quantity).value.value`
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("Lenient.cql", src)
	if errs != nil {
		t.Fatal(errs)
	}
	for _, strict := range []bool{false, true} {
		r, err := fhir.NewBundleRetriever([]byte(data), fhir.BundleOptions{StrictData: strict})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"Code": "'310490'", "Value": "95.5", "Active": "true"}
		for _, res := range lib.EvalAll(context.Background(), cql.EvalOptions{Retriever: r}) {
			w, ok := want[res.Name]
			switch {
			case res.Name == "Bad Value":
				// A string that is no number is an error either way.
				if res.Err == nil || !strings.Contains(res.Err.Error(), "Observation/o2 at Observation.valueQuantity.value") {
					t.Errorf("strict=%v: Bad Value: %v, %v", strict, value.Format(res.Value), res.Err)
				}
			case !ok:
			case strict:
				if res.Err == nil || !strings.Contains(res.Err.Error(), "expected a JSON") {
					t.Errorf("strict: %s = %v, want an error", res.Name, value.Format(res.Value))
				}
			case res.Err != nil:
				t.Errorf("%s: %v", res.Name, res.Err)
			case value.Format(res.Value) != w:
				t.Errorf("%s = %s, want %s", res.Name, value.Format(res.Value), w)
			}
		}
		var got []string
		for _, w := range r.Warnings() {
			got = append(got, w.Error())
		}
		if strict {
			if len(got) != 0 {
				t.Errorf("strict data has warnings: %q", got)
			}
			continue
		}
		for _, w := range []string{
			"Observation/o1 at Observation.code.coding[0].code: FHIR.code expects a JSON string, found a number",
			"Observation/o1 at Observation.valueQuantity.value: FHIR.decimal expects a JSON number, found a string",
			"Patient/p1 at Patient.active: FHIR.boolean expects a JSON boolean, found a string",
		} {
			found := false
			for _, g := range got {
				found = found || strings.Contains(g, w)
			}
			if !found {
				t.Errorf("no warning %q in %q", w, got)
			}
		}
		if len(got) != 3 {
			t.Errorf("%d warnings, want 3 (one per resource and path): %q", len(got), got)
		}
	}
}

func TestPrimitiveIssues(t *testing.T) {
	n, err := fhir.R4().ParseResource([]byte(`{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p1","gender":"female","active":"true","contained":[{"resourceType":"Practitioner","id":"d","active":"false"}]}},
{"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"code":310490}]},"valueQuantity":{"value":"95.5"}}},
{"resource":{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"ok"},"valueQuantity":{"value":95.5}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range fhir.PrimitiveIssues(n) {
		got = append(got, e.Resource+" "+e.Path)
	}
	want := []string{
		"Patient/p1 Patient.active",
		"Practitioner/d Practitioner.active",
		"Observation/o1 Observation.code.coding[0].code",
		"Observation/o1 Observation.valueQuantity.value",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

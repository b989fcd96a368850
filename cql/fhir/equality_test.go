package fhir_test

import (
	"context"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

const equalityBundle = `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1980-05-01"}},
{"resource":{"resourceType":"Encounter","id":"e1","status":"finished","subject":{"reference":"Patient/p1"},"period":{"start":"2022-01-01"}}},
{"resource":{"resourceType":"Encounter","id":"e2","status":"finished","subject":{"reference":"Patient/p1"}}},
{"resource":{"resourceType":"Encounter","id":"e3","status":"finished","subject":{"reference":"Patient/p1"},"length":{"value":1.0,"unit":"h"}}},
{"resource":{"resourceType":"Encounter","id":"e4","status":"finished","subject":{"reference":"Patient/p1"},"length":{"value":1.00,"unit":"h"}}},
{"resource":{"resourceType":"Procedure","id":"pr1","status":"completed","subject":{"reference":"Patient/p1"},"performedDateTime":"2022-02-01"}},
{"resource":{"resourceType":"MedicationAdministration","id":"ma1","status":"completed","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2022-03-01","medicationCodeableConcept":{"text":"x"}}}
]}`

// FHIR resources and elements compare as CQL structured values: `=` and
// `~` element by element, so the list operators find them.
func TestFHIREqualityEval(t *testing.T) {
	const src = `library Eq version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
context Patient
define "Gender Equal": Patient.gender = Patient.gender
define "Gender Equivalent": Patient.gender ~ Patient.gender
define "Patient Equal": Patient = Patient
define "Patient Equivalent": Patient ~ Patient
define "Intersect": Count([Encounter] intersect [Encounter])
define "Except": Count([Encounter] except [Encounter])
define "Union": Count([Encounter] union [Encounter])
define "In": First([Encounter]) in [Encounter]
define "Not In": First([Encounter] E where E.id = 'e1') in ([Encounter] E where E.id != 'e1')
define "Different Encounters": First([Encounter] E where E.id = 'e1') = First([Encounter] E where E.id = 'e2')
define "Same Length": (First([Encounter] E where E.id = 'e3')).length = (First([Encounter] E where E.id = 'e4')).length
define "Distinct": Count(distinct ([Encounter] union [Encounter]))
define "Union Performed": ([MedicationAdministration] union [Procedure]) X return X.performed
define "Union Effective": ([MedicationAdministration] union [Procedure]) X return X.effective`
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("Eq.cql", src)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := fhir.NewBundleRetriever([]byte(equalityBundle), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Gender Equal":         "true",
		"Gender Equivalent":    "true",
		"Patient Equal":        "true",
		"Patient Equivalent":   "true",
		"Intersect":            "4",
		"Except":               "0",
		"Union":                "4",
		"In":                   "true",
		"Not In":               "false",
		"Different Encounters": "false",
		"Same Length":          "true",
		"Distinct":             "4",
	}
	for name, w := range want {
		v, err := lib.Eval(context.Background(), name, cql.EvalOptions{Retriever: r})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := value.Format(v); got != w {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	// An element that one member type of the union lacks reads as null.
	for name, nonNull := range map[string]int{"Union Performed": 1, "Union Effective": 1} {
		v, err := lib.Eval(context.Background(), name, cql.EvalOptions{Retriever: r})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		n := 0
		for _, e := range v.(value.List).Elems {
			if e != nil {
				n++
			}
		}
		if n != nonNull {
			t.Errorf("%s = %s, want %d non-null elements", name, value.Format(v), nonNull)
		}
	}
}

func TestFHIRPrimitiveEquality(t *testing.T) {
	m := fhir.R4()
	a, err := m.ParseResource([]byte(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"a"},"valueQuantity":{"value":2.50,"unit":"mg"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.ParseResource([]byte(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"a"},"valueQuantity":{"value":2.5,"unit":"mg"}}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.ParseResource([]byte(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"A"},"valueQuantity":{"value":2.5,"unit":"mg"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.Equal(a, b); got != value.Boolean(true) {
		t.Errorf("a = b is %v", got)
	}
	if got := value.Equal(a, c); got != value.Boolean(false) {
		t.Errorf("a = c is %v", got)
	}
	if !value.Equivalent(b, a) || value.Equivalent(a, c) {
		t.Error("equivalence of observations")
	}
	p, err := m.ParseResource([]byte(`{"resourceType":"Procedure","id":"o","status":"final","code":{"text":"a"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.Equal(a, p); got != value.Boolean(false) {
		t.Errorf("Observation = Procedure is %v", got)
	}
	st, err := a.Property("status")
	if err != nil {
		t.Fatal(err)
	}
	// A FHIR primitive against its System value, from either side.
	if got := value.Equal(st, value.String("final")); got != value.Boolean(true) {
		t.Errorf("status = 'final' is %v", got)
	}
	if got := value.Equal(value.String("final"), st); got != value.Boolean(true) {
		t.Errorf("'final' = status is %v", got)
	}
	if !value.Equivalent(value.String("FINAL"), st) {
		t.Error("'FINAL' ~ status is false")
	}
	if got := value.Equal(st, value.String("amended")); got != value.Boolean(false) {
		t.Errorf("status = 'amended' is %v", got)
	}
}

// A retrieve filtering a code-valued element by a list of strings keeps
// the resources whose code is one of them.
func TestRetrieveStatusInStrings(t *testing.T) {
	const data = `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p1"}},
{"resource":{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"x"}}},
{"resource":{"resourceType":"MedicationRequest","id":"m2","status":"stopped","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"x"}}},
{"resource":{"resourceType":"MedicationRequest","id":"m3","status":"on-hold","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"x"}}}]}`
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("S.cql", `library S version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
context Patient
define A: [MedicationRequest: status in {'active', 'on-hold'}] M return M.id.value`)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := fhir.NewBundleRetriever([]byte(data), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := lib.Eval(context.Background(), "A", cql.EvalOptions{Retriever: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := value.Format(v); got != "{'m1', 'm3'}" {
		t.Errorf("A = %s", got)
	}
}

// Hash keys of FHIR values are equal exactly when the values are.
func TestFHIRHashKeys(t *testing.T) {
	m := fhir.R4()
	parse := func(s string) *fhir.Node {
		n, err := m.ParseResource([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := parse(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"a"},"valueQuantity":{"value":2.50,"unit":"mg"}}`)
	b := parse(`{"valueQuantity":{"unit":"mg","value":2.5},"code":{"text":"a"},"status":"final","id":"o","resourceType":"Observation"}`)
	c := parse(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"a"},"valueQuantity":{"value":2.51,"unit":"mg"}}`)
	ka, ok1 := a.HashKey()
	kb, ok2 := b.HashKey()
	kc, ok3 := c.HashKey()
	if !ok1 || !ok2 || !ok3 {
		t.Fatal("a resource has no hash key")
	}
	if ka != kb || value.Equal(a, b) != value.Boolean(true) {
		t.Errorf("equal resources: keys %v / %v", ka, kb)
	}
	if ka == kc || value.Equal(a, c) != value.Boolean(false) {
		t.Errorf("different resources share key %v", ka)
	}
	st, err := a.Property("status")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*fhir.Node).HashKey(); ok {
		t.Error("a primitive has a hash key")
	}
}

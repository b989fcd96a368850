package fhir_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// Engine regressions found with FHIR data: each case compiles a small
// library over regressBundle and checks the formatted result of one define.

const regressBundle = `{"resourceType": "Bundle", "type": "collection", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1990-04-02"}},
  {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
    "category": [
      {"coding": [{"system": "http://example.org/cs", "code": "other"}]},
      {"coding": [{"system": "http://example.org/cs", "code": "danger"}]}],
    "code": {"coding": [{"system": "http://example.org/cs", "code": "x"}]}}},
  {"resource": {"resourceType": "Observation", "id": "w2", "status": "final", "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2024-05-03T10:00:00Z",
    "valueQuantity": {"value": 71.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}},
  {"resource": {"resourceType": "Observation", "id": "w1", "status": "final", "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2024-05-01T10:00:00Z",
    "valueQuantity": {"value": 70, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}},
  {"resource": {"resourceType": "Observation", "id": "w3", "status": "final", "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2024-05-02T10:00:00Z",
    "valueQuantity": {"value": 72, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}}]}`

func regressTerms(t *testing.T) *fhir.ValueSetStore {
	t.Helper()
	terms := fhir.NewValueSetStore()
	for _, vs := range []string{
		`{"resourceType": "ValueSet", "url": "http://example.org/ValueSet/danger",
		  "compose": {"include": [{"system": "http://example.org/cs", "concept": [{"code": "danger"}]}]}}`,
		`{"resourceType": "ValueSet", "url": "http://example.org/ValueSet/none",
		  "compose": {"include": [{"system": "http://example.org/cs", "concept": [{"code": "nothing"}]}]}}`,
		`{"resourceType": "CodeSystem", "url": "http://example.org/cs", "content": "complete",
		  "concept": [{"code": "danger"}, {"code": "other"}, {"code": "nothing"}]}`,
	} {
		if err := terms.AddJSON([]byte(vs)); err != nil {
			t.Fatal(err)
		}
	}
	return terms
}

func TestEngineRegressions(t *testing.T) {
	const head = `library R version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
valueset "Danger": 'http://example.org/ValueSet/danger'
valueset "None": 'http://example.org/ValueSet/none'
codesystem "LOINC": 'http://loinc.org'
codesystem "CS": 'http://example.org/cs'
context Patient
define "Cats": First([Condition]).category
define "Weights": [Observation] O where O.code ~ Code '29463-7' from "LOINC"
define "W1": singleton from ("Weights" O where O.id = 'w1')
define "W2": singleton from ("Weights" O where O.id = 'w2')
define "W3": singleton from ("Weights" O where O.id = 'w3')
`
	tests := []struct {
		name, define, want string
	}{
		// 1. A list of Concepts (or Codes) is in a value set when any element is.
		{"list of CodeableConcept in VS", `"Cats" in "Danger"`, "true"},
		{"list of CodeableConcept not in VS", `"Cats" in "None"`, "false"},
		{"list of Code in VS", `("Cats" C return FHIRHelpers.ToCode(C.coding[0])) in "Danger"`, "true"},
		{"list of Coding in VS", `("Cats" C return C.coding[0]) in "Danger"`, "true"},
		{"list of Coding not in VS", `("Cats" C return C.coding[0]) in "None"`, "false"},
		{"empty list in VS", `(List<FHIR.CodeableConcept>{}) in "Danger"`, "false"},
		{"list of Concept via Any", `(("Cats" C return C as Any)) in "Danger"`, "true"},
		{"list of System Code in VS", `{Code 'x' from "LOINC", Code 'danger' from "CS"} in "Danger"`, "true"},
		// Code system membership: a loaded code system is searched for the
		// concept; one the package does not ship (LOINC) is matched by URL.
		{"code in a loaded code system", `Code 'danger' from "CS" in "CS"`, "true"},
		{"unknown code in a loaded code system", `Code 'no-such-code' from "CS" in "CS"`, "false"},
		{"code in a code system not shipped", `Code '8480-6' from "LOINC" in "LOINC"`, "true"},
		{"code of another system", `Code 'danger' from "CS" in "LOINC"`, "false"},
		// 3. Operators on choice-typed values (Observation.value) are chosen
		// on the run-time types, with the model's conversions.
		{"choice minus choice", `"W2".value - "W1".value`, "1.5 'kg'"},
		{"choice plus choice", `"W1".value + "W3".value`, "142 'kg'"},
		{"choice times integer", `"W1".value * 2`, "140 'kg'"},
		{"integer times choice", `2 * "W1".value`, "140 'kg'"},
		{"choice divided by integer", `"W3".value / 2`, "36.0 'kg'"},
		{"choice less than choice", `"W1".value < "W3".value`, "true"},
		{"choice greater than quantity", `"W1".value > 71 'kg'`, "false"},
		{"negate choice", `-("W1".value)`, "-70 'kg'"},
		{"abs of choice", `Abs("W1".value - "W3".value)`, "2 'kg'"},
		{"chained arithmetic", `("W2".value - "W1".value) * 2 + 1 'kg'`, "4.0 'kg'"},
		{"null choice", `"W1".value - (null as Choice<FHIR.Quantity, FHIR.string>)`, "null"},
		// + with a String is concatenation: the choice is cast to its
		// FHIR.string option, which W1 (a Quantity) does not hold.
		{"choice and incompatible operand", `"W1".value + 'text'`, "null"},
		{"Any operand", `("W1".value as Any) - ("W3".value as Any)`, "-2 'kg'"},
		// A value set where a list of codes is expected is its expansion.
		{"value set count", `Count("Danger")`, "1"},
		{"value set as list", `("Danger" C return C.code)`, "{'danger'}"},
		{"union of value sets", `Count("Danger" union "None")`, "2"},
		// FHIRPath-style functions with $this (and implicit $this properties).
		{"where with implicit property", `Count("Weights".where(status = 'final'))`, "3"},
		{"where with $this", `Count("Weights".where($this.id = 'w1'))`, "1"},
		{"select", `Sum("Weights".select(FHIRHelpers.ToQuantity(value as FHIR.Quantity)))`, "213.5 'kg'"},
		{"all", `"Weights".all((value as FHIR.Quantity).value > 60)`, "true"},
		{"exists with criteria", `"Weights".exists($this.id = 'w3')`, "true"},
		{"select flattens lists", `Count(First([Condition]).category.select(coding))`, "2"},
		// Age functions of the Patient context (birthDate 1990-04-02).
		{"AgeInYearsAt", `AgeInYearsAt(@2024-04-01)`, "33"},
		{"AgeInYearsAt birthday", `AgeInYearsAt(@2024-04-02T10:00:00Z)`, "34"},
		{"CalculateAgeInYearsAt", `CalculateAgeInYearsAt(Patient.birthDate, @2024-04-02)`, "34"},
		{"instance selector of a FHIR type", `FHIR.Reference { reference: string { value: 'Patient/p1' } }.reference.value`, "'Patient/p1'"},
		{"start of a Period", `start of FHIR.Period { start: dateTime { value: @2024-01-01T00:00:00Z } }`, "@2024-01-01T00:00:00Z"},
		{"Interval instance with using FHIR", `Interval { low: 1, high: 5, highClosed: false }`, "Interval[1, 5)"},
		// 4. Sort keys of FHIR primitive types compare as their System values.
		{"sort by FHIR.dateTime asc", `Combine(("Weights" O sort by (effective as FHIR.dateTime)) S return S.id, ',')`, "'w1,w3,w2'"},
		{"sort by FHIR.dateTime desc", `Combine(("Weights" O sort by (effective as FHIR.dateTime) desc) S return S.id, ',')`, "'w2,w3,w1'"},
		{"sort by choice", `Combine(("Weights" O sort by effective desc) S return S.id, ',')`, "'w2,w3,w1'"},
		{"sort by FHIR.Quantity", `Combine(("Weights" O sort by (value as FHIR.Quantity)) S return S.id, ',')`, "'w1,w2,w3'"},
		{"sort by two keys", `Combine(("Weights" O sort by status, (effective as FHIR.dateTime) desc) S return S.id, ',')`, "'w2,w3,w1'"},
		{"sort returned FHIR values", `First("Weights" O return O.effective as FHIR.dateTime sort desc)`, "@2024-05-03T10:00:00Z"},
		{"sort returned FHIR values asc", `First("Weights" O return O.effective as FHIR.dateTime sort asc)`, "@2024-05-01T10:00:00Z"},
	}
	terms := regressTerms(t)
	r, err := fhir.NewBundleRetriever([]byte(regressBundle), fhir.BundleOptions{Terminology: terms})
	if err != nil {
		t.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := head + "define \"Test\": " + tc.define + "\n"
			lib, errs := env.Compile("R.cql", src)
			if errs != nil {
				t.Fatal(errs)
			}
			v, err := lib.Eval(context.Background(), "Test", cql.EvalOptions{Retriever: r, Terminology: terms})
			if tc.want == "error" {
				if err == nil {
					t.Errorf("%s = %s, want an error", tc.define, value.Format(v))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v2, err := fhir.ToSystem(v); err == nil {
				v = v2
			}
			if got := value.Format(v); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.define, got, tc.want)
			}
		})
	}
}

// Calls resolved at run time share their resolution cache between
// concurrent evaluations (run with -race).
func TestDispatchConcurrent(t *testing.T) {
	src := `library R version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
context Patient
define "Obs": [Observation] O sort by (effective as FHIR.dateTime)
define "Change": Last("Obs").value - First("Obs").value
define "Total": Sum("Obs".select(FHIRHelpers.ToQuantity(value as FHIR.Quantity)))
`
	r, err := fhir.NewBundleRetriever([]byte(regressBundle), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("R.cql", src)
	if errs != nil {
		t.Fatal(errs)
	}
	want := map[string]string{"Change": "1.5 'kg'", "Total": "213.5 'kg'"}
	errc := make(chan error, 16)
	for range 16 {
		go func() {
			for name, w := range want {
				v, err := lib.Eval(context.Background(), name, cql.EvalOptions{Retriever: r})
				if err == nil {
					if v2, err2 := fhir.ToSystem(v); err2 == nil {
						v = v2
					}
					if got := value.Format(v); got != w {
						err = fmt.Errorf("%s = %s, want %s", name, got, w)
					}
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 16 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

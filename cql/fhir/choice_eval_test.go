package fhir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// choiceBundle holds resources whose choice elements take each of their
// kinds of value, and encounters inside and outside the measurement period.
const choiceBundle = `{"resourceType": "Bundle", "type": "collection", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01"}},
  {"resource": {"resourceType": "Encounter", "id": "e-in", "status": "finished", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"},
    "period": {"start": "2022-03-01T10:00:00Z", "end": "2022-03-01T11:00:00Z"}}},
  {"resource": {"resourceType": "Encounter", "id": "e-before", "status": "finished", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"},
    "period": {"start": "2021-03-01T10:00:00Z", "end": "2021-03-01T11:00:00Z"}}},
  {"resource": {"resourceType": "Encounter", "id": "e-across", "status": "finished", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"},
    "period": {"start": "2022-12-31T10:00:00Z", "end": "2023-01-02T11:00:00Z"}}},
  {"resource": {"resourceType": "Encounter", "id": "e-open", "status": "in-progress", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"},
    "period": {"start": "2022-06-01T10:00:00Z"}}},
  {"resource": {"resourceType": "Observation", "id": "o-qty", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"},
    "valueQuantity": {"value": 10, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}},
  {"resource": {"resourceType": "Observation", "id": "o-small", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"},
    "valueQuantity": {"value": 2, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}},
  {"resource": {"resourceType": "Observation", "id": "o-str", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"},
    "valueString": "hello"}},
  {"resource": {"resourceType": "Observation", "id": "o-cc", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"},
    "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "1234"}]}}},
  {"resource": {"resourceType": "Condition", "id": "c-dt", "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2022-05-01T00:00:00Z"}},
  {"resource": {"resourceType": "Condition", "id": "c-period", "subject": {"reference": "Patient/p1"},
    "onsetPeriod": {"start": "2022-05-01T00:00:00Z", "end": "2022-05-03T00:00:00Z"}}},
  {"resource": {"resourceType": "Condition", "id": "c-period-late", "subject": {"reference": "Patient/p1"},
    "onsetPeriod": {"start": "2023-05-01T00:00:00Z", "end": "2023-05-03T00:00:00Z"}}},
  {"resource": {"resourceType": "Condition", "id": "c-age", "subject": {"reference": "Patient/p1"},
    "onsetAge": {"value": 40, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}},
  {"resource": {"resourceType": "Condition", "id": "c-range", "subject": {"reference": "Patient/p1"},
    "onsetRange": {"low": {"value": 30, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
                   "high": {"value": 35, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}}},
  {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
    "medicationCodeableConcept": {"text": "x"},
    "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}},
  {"resource": {"resourceType": "MedicationRequest", "id": "m2", "status": "stopped", "intent": "order", "subject": {"reference": "Patient/p1"},
    "medicationCodeableConcept": {"text": "x"},
    "dosageInstruction": [{"doseAndRate": [{"doseRange": {"low": {"value": 1, "unit": "mg"}, "high": {"value": 2, "unit": "mg"}}}]}]}}]}`

func evalChoice(t *testing.T, defines string, names ...string) map[string]string {
	t.Helper()
	src := `library C version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1' called FHIRHelpers
codesystem "LOINC": 'http://loinc.org'
code "Some Code": '1234' from "LOINC"
parameter "Measurement Period" Interval<DateTime> default Interval[@2022-01-01T00:00:00.0Z, @2023-01-01T00:00:00.0Z)
context Patient
` + defines
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("C.cql", src)
	if errs != nil {
		t.Fatal(errs)
	}
	r, err := fhir.NewBundleRetriever([]byte(choiceBundle), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		v, err := lib.Eval(context.Background(), n, cql.EvalOptions{Retriever: r})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if v2, err := fhir.ToSystem(v); err == nil {
			v = v2
		}
		out[n] = value.Format(v)
	}
	return out
}

func TestChoiceImplicitCasts(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		// ~ and = between a choice and a Code, a Concept and a Quantity:
		// the choice is cast to the option that fits; other options give
		// null (so the where clause drops them).
		{"EquivCode", `[Observation] O where O.value ~ "Some Code" return O.id`, `{"o-cc"}`},
		{"EqualCode", `[Observation] O where O.value = "Some Code" return O.id`, `{"o-cc"}`},
		{"EquivConcept", `[Observation] O where O.value ~ Concept { Code '1234' from "LOINC" } return O.id`, `{"o-cc"}`},
		{"EqualConcept", `[Observation] O where O.value = Concept { Code '1234' from "LOINC" } return O.id`, `{"o-cc"}`},
		{"EquivQuantity", `[Observation] O where O.value ~ 10 'mg' return O.id`, `{"o-qty"}`},
		{"EqualQuantity", `[Observation] O where O.value = 10 'mg' return O.id`, `{"o-qty"}`},
		{"EqualOtherOption", `[Observation] O where O.id = 'o-str' return O.value = 10 'mg'`, `{null}`},
		// Comparisons, with and without an explicit cast.
		{"GreaterCast", `[Observation] O where (O.value as Quantity) > 5 'mg' return O.id`, `{"o-qty"}`},
		{"GreaterImplicit", `[Observation] O where O.value > 5 'mg' return O.id`, `{"o-qty"}`},
		// in / during / before on a choice of dateTime | Period | Age | Range.
		{"During", `[Condition] C where C.onset during "Measurement Period" return C.id`, `{"c-dt", "c-period"}`},
		{"In", `[Condition] C where C.onset in "Measurement Period" return C.id`, `{"c-dt", "c-period"}`},
		{"IncludedIn", `[Condition] C where C.onset included in "Measurement Period" return C.id`, `{"c-dt", "c-period"}`},
		{"Before", `[Condition] C where C.onset before @2023-01-01T00:00:00Z return C.id`, `{"c-dt", "c-period"}`},
		{"BeforeEnd", `[Condition] C where C.onset before end of "Measurement Period" return C.id`, `{"c-dt", "c-period"}`},
		{"AgeAndRangeAreNull", `[Condition] C where (C.onset during "Measurement Period") is null return C.id`, `{"c-age", "c-range"}`},
		// A function called with a choice argument (dose is
		// Choice<FHIR.Range, FHIR.SimpleQuantity>).
		{"FunctionOfChoice", `[MedicationRequest] M return DoseValue(M.dosageInstruction[0].doseAndRate[0].dose)`, `{5.0, null}`},
	}
	defs := "define function DoseValue(q FHIR.SimpleQuantity): q.value.value\n"
	var names []string
	for _, c := range cases {
		defs += "define \"" + c.name + "\": " + c.expr + "\n"
		names = append(names, c.name)
	}
	got := evalChoice(t, defs, names...)
	for _, c := range cases {
		if got[c.name] != c.want {
			t.Errorf("%s: %s = %s, want %s", c.name, c.expr, got[c.name], c.want)
		}
	}
}

// A FHIR.Period operand of an interval operator is converted to an
// interval, never taken as a point: each form agrees with the same
// expression written with FHIRHelpers.ToInterval.
func TestPeriodOperandsAreIntervals(t *testing.T) {
	forms := []struct{ name, implicit, explicit string }{
		{"during", `E.period during "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) during "Measurement Period"`},
		{"includes", `"Measurement Period" includes E.period`, `"Measurement Period" includes FHIRHelpers.ToInterval(E.period)`},
		{"included in", `E.period included in "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) included in "Measurement Period"`},
		{"in", `E.period in "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) in "Measurement Period"`},
		{"contains", `"Measurement Period" contains E.period`, `"Measurement Period" contains FHIRHelpers.ToInterval(E.period)`},
		{"starts before end", `E.period starts before end of "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) starts before end of "Measurement Period"`},
		{"overlaps", `E.period overlaps "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) overlaps "Measurement Period"`},
		{"ends during", `E.period ends during "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) ends during "Measurement Period"`},
		{"properly included in", `E.period properly included in "Measurement Period"`, `FHIRHelpers.ToInterval(E.period) properly included in "Measurement Period"`},
	}
	defs := ""
	var names []string
	for i, f := range forms {
		a, b := "A"+string(rune('0'+i)), "B"+string(rune('0'+i))
		defs += "define " + a + ": [Encounter] E where " + f.implicit + " return E.id\n"
		defs += "define " + b + ": [Encounter] E where " + f.explicit + " return E.id\n"
		names = append(names, a, b)
	}
	got := evalChoice(t, defs, names...)
	for i, f := range forms {
		a, b := got["A"+string(rune('0'+i))], got["B"+string(rune('0'+i))]
		if a != b {
			t.Errorf("%s: %s gives %s, with ToInterval %s", f.name, f.implicit, a, b)
		}
	}
	if got["A0"] != `{"e-in"}` {
		t.Errorf("during: %s, want {\"e-in\"}", got["A0"])
	}
	if got["A5"] != `{"e-in", "e-before", "e-across", "e-open"}` {
		t.Errorf("starts before end: %s", got["A5"])
	}
}

// A retrieve filtered by strings compares them with the code path.
func TestRetrieveByStrings(t *testing.T) {
	got := evalChoice(t, `define A: [MedicationRequest: status in {'active'}] M return M.id
define B: [MedicationRequest: status = 'stopped'] M return M.id
`, "A", "B")
	if got["A"] != `{"m1"}` || got["B"] != `{"m2"}` {
		t.Errorf("got %v", got)
	}
}

// A terminology filter on a type without a primary code path (in the
// ModelInfo) is an error at check time, naming the type.
func TestRetrieveWithoutPrimaryCodePath(t *testing.T) {
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	_, errs := env.Compile("C.cql", `library C version '1'
using FHIR version '4.0.1'
codesystem "LOINC": 'http://loinc.org'
code "Some Code": '1234' from "LOINC"
context Patient
define A: [FamilyMemberHistory: "Some Code"]
define B: [FamilyMemberHistory: relationship ~ "Some Code"]
`)
	if len(errs) != 1 || errs[0].Line != 6 || !strings.Contains(errs[0].Message, "FHIR.FamilyMemberHistory has no primary code path") {
		t.Errorf("errors = %v", errs)
	}
}

package fhir

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

// TestModelBuild: the model holds the R4 types. Its build time is measured
// by BenchmarkBuildModel, not here: machines are noisy.
func TestModelBuild(t *testing.T) {
	if m := build(); len(m.infos) < 600 {
		t.Errorf("only %d types", len(m.infos))
	}
}

func TestModelTypes(t *testing.T) {
	m := R4()
	cases := []struct {
		typ, prop, want string
	}{
		{"Observation", "value", "Choice<FHIR.CodeableConcept, FHIR.Period, FHIR.Quantity, FHIR.Range, FHIR.Ratio, FHIR.SampledData, FHIR.boolean, FHIR.dateTime, FHIR.integer, FHIR.string, FHIR.time>"},
		{"Observation", "status", "FHIR.ObservationStatus"},
		{"Observation", "code", "FHIR.CodeableConcept"},
		{"Observation", "category", "List<FHIR.CodeableConcept>"},
		{"Observation", "component", "List<FHIR.Observation.Component>"},
		{"Observation", "id", "FHIR.id"},
		{"Observation", "extension", "List<FHIR.Extension>"},
		{"Observation", "contained", "List<FHIR.Resource>"},
		{"Observation.Component", "value", "Choice<FHIR.CodeableConcept, FHIR.Period, FHIR.Quantity, FHIR.Range, FHIR.Ratio, FHIR.SampledData, FHIR.boolean, FHIR.dateTime, FHIR.integer, FHIR.string, FHIR.time>"},
		{"Patient", "birthDate", "FHIR.date"},
		{"Patient", "gender", "FHIR.AdministrativeGender"},
		{"Patient", "name", "List<FHIR.HumanName>"},
		{"Period", "start", "FHIR.dateTime"},
		{"Quantity", "value", "FHIR.decimal"},
		{"Quantity", "code", "FHIR.code"},
		{"Coding", "system", "FHIR.uri"},
		{"dateTime", "value", "System.DateTime"},
		{"date", "value", "System.Date"},
		{"code", "value", "System.String"},
		{"string", "id", "System.String"},
		{"ObservationStatus", "value", "System.String"},
		{"Age", "value", "FHIR.decimal"},
		{"Extension", "url", "FHIR.uri"},
		{"AllergyIntolerance", "lastOccurrence", "FHIR.dateTime"},
		{"AdverseEvent", "detected", "FHIR.dateTime"},
		{"MedicationRequest", "medication", "Choice<FHIR.CodeableConcept, FHIR.Reference>"},
		{"Condition", "onset", "Choice<FHIR.Age, FHIR.Period, FHIR.Range, FHIR.dateTime, FHIR.string>"},
		{"Bundle.Entry", "resource", "FHIR.Resource"},
		{"Encounter", "period", "FHIR.Period"},
	}
	for _, c := range cases {
		ti, ok := m.ResolveType(c.typ)
		if !ok {
			t.Errorf("type %s missing", c.typ)
			continue
		}
		got, ok := m.PropertyType(ti, c.prop)
		if !ok {
			t.Errorf("%s.%s missing", c.typ, c.prop)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%s.%s = %s, want %s", c.typ, c.prop, got, c.want)
		}
	}
}

func TestModelBases(t *testing.T) {
	m := R4()
	cases := []struct{ sub, sup string }{
		{"Observation", "DomainResource"},
		{"Observation", "Resource"},
		{"Bundle", "Resource"},
		{"Age", "Quantity"},
		{"code", "string"},
		{"url", "uri"},
		{"ObservationStatus", "Element"},
		{"Observation.Component", "BackboneElement"},
		{"Coding", "Element"},
	}
	for _, c := range cases {
		a, _ := m.ResolveType(c.sub)
		b, _ := m.ResolveType(c.sup)
		if a == nil || b == nil || !types.SubtypeOf(a, b) {
			t.Errorf("%s should be a subtype of %s", c.sub, c.sup)
		}
	}
	if b, _ := m.ResolveType("Bundle"); types.SubtypeOf(b, mustType(t, m, "DomainResource")) {
		t.Errorf("Bundle is not a DomainResource")
	}
	if m.PrimaryCodePath("Observation") != "code" || m.PrimaryCodePath("MedicationRequest") != "medication" || m.PrimaryCodePath("Encounter") != "type" {
		t.Errorf("primary code paths wrong")
	}
	if ti, _ := m.Info("Observation"); len(ti.PatientPaths) != 1 || ti.PatientPaths[0] != "subject" {
		t.Errorf("Observation patient paths = %v", ti.PatientPaths)
	}
	if !m.Retrievable("Condition") || m.Retrievable("Quantity") {
		t.Errorf("Retrievable wrong")
	}
	c, ok := m.ConversionTo(mustType(t, m, "Age"))
	if !ok || c.Function != "ToQuantity" {
		t.Errorf("Age conversion = %+v", c)
	}
	c, ok = m.ConversionTo(mustType(t, m, "ObservationStatus"))
	if !ok || c.Function != "ToString" || !types.Equal(c.To, types.String) {
		t.Errorf("ObservationStatus conversion = %+v", c)
	}
}

func mustType(t *testing.T, m *Model, n string) *types.Named {
	t.Helper()
	x, ok := m.ResolveType(n)
	if !ok {
		t.Fatalf("no type %s", n)
	}
	return x
}

func TestModelExtras(t *testing.T) {
	m := R4()
	for _, c := range []struct{ typ, prop, want string }{
		{"SimpleQuantity", "value", "FHIR.decimal"},
		{"Encounter", "reasonCode", "List<FHIR.CodeableConcept>"},
		{"Encounter", "reasonReference", "List<FHIR.Reference>"},
		{"ServiceRequest", "locationReference", "List<FHIR.Reference>"},
		{"Dosage.DoseAndRate", "dose", "Choice<FHIR.Range, FHIR.SimpleQuantity>"},
		{"Timing.Repeat", "when", "List<FHIR.EventTiming>"},
		{"MedicationRequest", "status", "FHIR.MedicationRequestStatus"},
	} {
		ti, ok := m.ResolveType(c.typ)
		if !ok {
			t.Errorf("no type %s", c.typ)
			continue
		}
		got, ok := m.PropertyType(ti, c.prop)
		if !ok || got.String() != c.want {
			t.Errorf("%s.%s = %v, want %s", c.typ, c.prop, got, c.want)
		}
	}
	if !types.SubtypeOf(mustType(t, m, "SimpleQuantity"), mustType(t, m, "Quantity")) {
		t.Errorf("SimpleQuantity is a Quantity")
	}
}

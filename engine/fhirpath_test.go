package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// TestFHIRPathConditions applies a CARD whose applicability condition is
// text/fhirpath, evaluated by cql/fhirpath over the data-in Bundle: date
// arithmetic with calendar durations, UCUM quantity comparisons, is/as,
// extension(), memberOf against the package's value sets, string and
// conversion functions, and paths over other resources of the subject.
func TestFHIRPathConditions(t *testing.T) {
	e := testEngine(t)
	p := e.Packages()[0]
	vs := map[string]any{"resourceType": "ValueSet", "id": "genders", "url": "http://example.org/ccg-test/ValueSet/genders",
		"status": "active", "compose": map[string]any{"include": []any{map[string]any{
			"system": "http://hl7.org/fhir/administrative-gender", "concept": []any{map[string]any{"code": "female"}}}}}}
	cases := []struct {
		expr    string
		want    bool
		wantErr string
	}{
		{expr: "%subject.birthDate <= today() - 18 years", want: true},
		{expr: "%subject.birthDate > today() - 18 years", want: false},
		{expr: "Observation.where(code.coding.code = '8480-6').value > 140 'mm[Hg]'", want: true},
		{expr: "Observation.value > 16 'cm[Hg]'", want: false},
		{expr: "Observation.value is Quantity and (Observation.value as Quantity).code = 'mm[Hg]'", want: true},
		{expr: "Observation.value.ofType(Quantity).value >= 150", want: true},
		{expr: "%subject.extension('http://example.org/ccg-test/StructureDefinition/smoker').value = true", want: true},
		{expr: "%subject.gender.memberOf('http://example.org/ccg-test/ValueSet/genders')", want: true},
		{expr: "%subject.name.family.substring(0, 3) = 'Tes' and '42'.toInteger() + 1 = 43", want: true},
		{expr: "Immunization.exists()", want: false},
		{expr: "%subject.gender.exists()", want: true},
		{expr: "%subject.nosuch.exists()", wantErr: `no element "nosuch"`},
		{expr: "%subject.name.given | %subject.name.family", wantErr: "not a Boolean"},
		{expr: "%subject.name.given.where(", wantErr: "fhirpath 1:"},
	}
	for _, tc := range cases {
		card := fj.CloneObj(p.Resource("PlanDefinition", "card-collect"))
		card["id"], card["url"] = "card-fp", "http://example.org/ccg-test/PlanDefinition/card-fp"
		fj.Objs(card, "action")[0]["condition"] = []any{map[string]any{"kind": "applicability",
			"expression": map[string]any{"language": "text/fhirpath", "expression": tc.expr}}}
		pkg, err := content.FromResources("fp", "1", append(append([]map[string]any{}, p.Resources...), card, vs), content.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e2 := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
		e2.Load(pkg)
		res, err := e2.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "card-fp", Subject: "Patient/p1",
			Encounter: "Encounter/e1", Data: fhirPathData(t)})
		if err != nil {
			t.Fatal(err)
		}
		if tc.wantErr != "" {
			if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, tc.wantErr) {
				t.Errorf("%s: errors %+v, want one containing %q", tc.expr, res.Errors, tc.wantErr)
			}
			continue
		}
		if len(res.Errors) > 0 {
			t.Errorf("%s: %+v", tc.expr, res.Errors)
		}
		if got := len(res.Fired) == 1; got != tc.want {
			t.Errorf("%s: fired %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// fhirPathData is the fixture's data-in with a systolic blood pressure
// Observation and an extension on the Patient.
func fhirPathData(t *testing.T) map[string]any {
	data := dataIn(t)
	var walk func(b map[string]any)
	walk = func(b map[string]any) {
		for _, en := range fj.Objs(b, "entry") {
			r := fj.Obj(en, "resource")
			switch fj.Type(r) {
			case "Bundle":
				walk(r)
			case "Patient":
				r["extension"] = []any{map[string]any{"url": "http://example.org/ccg-test/StructureDefinition/smoker", "valueBoolean": true}}
			}
		}
	}
	walk(data)
	obs := map[string]any{"resourceType": "Observation", "id": "bp1", "status": "final",
		"code":          map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}},
		"subject":       map[string]any{"reference": "Patient/p1"},
		"valueQuantity": map[string]any{"value": json.Number("150"), "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
	data["entry"] = append(fj.List(data, "entry"), map[string]any{"fullUrl": "http://example.org/fhir/Observation/bp1", "resource": obs})
	return data
}

// TestPackageFHIRPathOnce: a package parses each FHIRPath expression once
// and keeps a syntax error.
func TestPackageFHIRPathOnce(t *testing.T) {
	p := testEngine(t).Packages()[0]
	a, err := p.FHIRPath("gender = 'female'")
	b, _ := p.FHIRPath("gender = 'female'")
	if err != nil || a == nil || a != b {
		t.Errorf("FHIRPath twice: %p %p %v", a, b, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := p.FHIRPath("gender ="); err == nil {
			t.Error("no syntax error")
		}
	}
}

// TestFHIRPathDynamicValue: a text/fhirpath dynamicValue of an
// ActivityDefinition sets an element of the request it builds, with
// %resource the request and %subject the Patient.
func TestFHIRPathDynamicValue(t *testing.T) {
	e := testEngine(t)
	p := e.Packages()[0]
	ad := fj.CloneObj(p.Resource("ActivityDefinition", "ad-provide"))
	ad["dynamicValue"] = []any{
		map[string]any{"path": "priority", "expression": map[string]any{"language": "text/fhirpath",
			"expression": "iif(%subject.birthDate <= today() - 65 years, 'urgent', 'routine')"}},
		map[string]any{"path": "doNotPerform", "expression": map[string]any{"language": "text/fhirpath",
			"expression": "%resource.resourceType = 'CommunicationRequest' and %subject.gender = 'male'"}},
	}
	resources := []map[string]any{ad}
	for _, r := range p.Resources {
		if fj.Ref(r) != "ActivityDefinition/ad-provide" {
			resources = append(resources, r)
		}
	}
	pkg, err := content.FromResources("fp", "1", resources, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2 := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
	e2.Load(pkg)
	res, err := e2.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "card-provide", Subject: "Patient/p1",
		Encounter: "Encounter/e1", Data: dataIn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("%+v", res.Errors)
	}
	var req map[string]any
	for _, en := range fj.Objs(res.Bundle, "entry") {
		if r := fj.Obj(en, "resource"); fj.Type(r) == "CommunicationRequest" {
			req = r
		}
	}
	if req == nil {
		t.Fatalf("no CommunicationRequest in %v", res.Bundle)
	}
	// born 1961-03-04: 64 on 2026-02-01
	if req["priority"] != "routine" || req["doNotPerform"] != false {
		t.Errorf("priority %v, doNotPerform %v", req["priority"], req["doNotPerform"])
	}
}

package modelinfo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/modelinfo"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

func load(t *testing.T, file string) *modelinfo.ModelInfo {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedtest.Dir(t, "models"), file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mi, err := modelinfo.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return mi
}

func element(t *testing.T, mi *modelinfo.ModelInfo, typ, name string) modelinfo.Element {
	t.Helper()
	ti := mi.Type(typ)
	if ti == nil {
		t.Fatalf("%s: no type %s", mi.Name, typ)
	}
	for _, e := range ti.Elements {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("%s: %s has no element %s", mi.Name, typ, name)
	return modelinfo.Element{}
}

// Every published ModelInfo of ../shared/models loads, with each class
// and element typed.
func TestPublishedModels(t *testing.T) {
	for _, c := range []struct {
		file, name, version, birthDate string
		types                          int
	}{
		{"fhir-modelinfo-4.0.1.xml", "FHIR", "4.0.1", "birthDate.value", 931},
		{"qicore-modelinfo-4.1.1.xml", "QICore", "4.1.1", "birthDate", 298},
		{"qicore-modelinfo-6.0.0.xml", "QICore", "6.0.0", "birthDate", 315},
		{"uscore-modelinfo-3.1.1.xml", "USCore", "3.1.1", "birthDate", 164},
		{"uscore-modelinfo-6.1.0.xml", "USCore", "6.1.0", "birthDate", 206},
	} {
		t.Run(c.file, func(t *testing.T) {
			mi := load(t, c.file)
			if mi.Name != c.name || mi.Version != c.version || mi.PatientBirthDatePropertyName != c.birthDate {
				t.Errorf("got %s %s birth date %q", mi.Name, mi.Version, mi.PatientBirthDatePropertyName)
			}
			if len(mi.Types) != c.types {
				t.Errorf("%d types, want %d", len(mi.Types), c.types)
			}
			patient := false
			for _, cx := range mi.Contexts {
				if cx.Name == "Patient" {
					patient = cx.Type == c.name+".Patient" || cx.Type == c.name+".PatientProfile"
				}
			}
			if !patient {
				t.Errorf("no Patient context of the model's own type: %+v", mi.Contexts)
			}
			for _, ti := range mi.Types {
				if ti.Namespace != c.name || ti.BaseType == "" {
					t.Errorf("%s: namespace %q base %q", ti.Name, ti.Namespace, ti.BaseType)
				}
				for _, e := range ti.Elements {
					if e.Type == "" || !strings.Contains(e.Type, ".") {
						t.Errorf("%s.%s: unqualified type %q", ti.Name, e.Name, e.Type)
					}
				}
			}
		})
	}
}

func TestFHIRModelInfo(t *testing.T) {
	mi := load(t, "fhir-modelinfo-4.0.1.xml")
	for _, c := range []struct{ typ, elem, want string }{
		{"AllergyIntolerance", "lastOccurrence", "FHIR.dateTime"},
		{"AdverseEvent", "detected", "FHIR.dateTime"},
		{"Account", "identifier", "List<FHIR.Identifier>"},
		{"Condition", "onset", "Choice<FHIR.dateTime, FHIR.Age, FHIR.Period, FHIR.Range, FHIR.string>"},
		{"Observation.Component", "code", "FHIR.CodeableConcept"},
		{"Element", "id", "System.String"},
	} {
		if got := element(t, mi, c.typ, c.elem).Type; got != c.want {
			t.Errorf("%s.%s = %s, want %s", c.typ, c.elem, got, c.want)
		}
	}
	obs := mi.Type("Observation")
	if obs.BaseType != "FHIR.DomainResource" || !obs.Retrievable || obs.PrimaryCodePath != "code" ||
		obs.Identifier != "http://hl7.org/fhir/StructureDefinition/Observation" {
		t.Errorf("Observation = %+v", obs)
	}
	found := false
	for _, c := range mi.Conversions {
		if c.From == "FHIR.Period" && c.To == "Interval<System.DateTime>" && c.Function == "FHIRHelpers.ToInterval" {
			found = true
		}
	}
	if !found || len(mi.Conversions) != 264 {
		t.Errorf("%d conversions; Period to Interval<DateTime> found: %v", len(mi.Conversions), found)
	}
}

// Profile models map elements to FHIR with targets, and type elements with
// System types, intervals and choices that hold intervals.
func TestQICoreModelInfo(t *testing.T) {
	mi := load(t, "qicore-modelinfo-4.1.1.xml")
	p := element(t, mi, "Encounter", "period")
	if p.Type != "Interval<System.DateTime>" || p.Target != "FHIRHelpers.ToInterval(%value)" {
		t.Errorf("Encounter.period = %+v", p)
	}
	v := element(t, mi, "Observation", "value")
	if !strings.Contains(v.Type, "Interval<System.Quantity>") || !strings.HasPrefix(v.Type, "Choice<System.Quantity, ") {
		t.Errorf("Observation.value = %+v", v)
	}
	enc := mi.Type("Encounter")
	if enc.BaseType != "QICore.DomainResource" || enc.Label != "Encounter" || enc.PrimaryCodePath != "type" ||
		enc.Identifier != "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-encounter" {
		t.Errorf("Encounter = %+v", enc)
	}
	if mi.TargetURL != "http://hl7.org/fhir" || mi.TargetQualifier != "qicore" || mi.PatientClassName != "Patient" {
		t.Errorf("model = %s %s %s", mi.TargetURL, mi.TargetQualifier, mi.PatientClassName)
	}
	if at := mi.Type("AddressType"); at == nil || at.BaseType != "System.String" {
		t.Errorf("AddressType = %+v", at)
	}
}

// Names are qualified against the model, its required models and System;
// included models are listed.
func TestParseQualifiesAndIncludes(t *testing.T) {
	src := `<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  name="Local" version="1.0" url="urn:local" patientClassName="Person" patientBirthDatePropertyName="born">
  <requiredModelInfo name="System" version="1.0.0"/>
  <requiredModelInfo name="FHIR" version="4.0.1"/>
  <typeInfo xsi:type="ClassInfo" name="Person" baseType="FHIR.Patient" retrievable="true" primaryCodePath="kind">
    <element name="kind" elementType="Kind"/>
    <element name="born" elementType="System.Date"/>
    <element name="visits">
      <elementTypeSpecifier xsi:type="ListTypeSpecifier">
        <elementTypeSpecifier xsi:type="IntervalTypeSpecifier" pointType="System.DateTime"/>
      </elementTypeSpecifier>
    </element>
    <element name="part" elementType="Person.Part"/>
  </typeInfo>
  <typeInfo xsi:type="ClassInfo" name="Person.Part" baseType="FHIR.BackboneElement"/>
  <typeInfo xsi:type="ClassInfo" name="Kind" baseType="System.String"/>
  <contextInfo name="Patient" keyElement="id" birthDateElement="born"><contextType name="Person"/></contextInfo>
</modelInfo>`
	mi, err := modelinfo.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(mi.Required) != 1 || mi.Required[0] != (modelinfo.ModelRef{Name: "FHIR", Version: "4.0.1"}) {
		t.Errorf("required = %+v", mi.Required)
	}
	for _, c := range []struct{ elem, want string }{
		{"kind", "Local.Kind"}, {"born", "System.Date"}, {"visits", "List<Interval<System.DateTime>>"}, {"part", "Local.Person.Part"},
	} {
		if got := element(t, mi, "Person", c.elem).Type; got != c.want {
			t.Errorf("Person.%s = %s, want %s", c.elem, got, c.want)
		}
	}
	if p := mi.Type("Person"); p.BaseType != "FHIR.Patient" || p.Namespace != "Local" {
		t.Errorf("Person = %+v", p)
	}
	if len(mi.Contexts) != 1 || mi.Contexts[0].Type != "Local.Person" || mi.Contexts[0].BirthDateElement != "born" {
		t.Errorf("contexts = %+v", mi.Contexts)
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		`not xml`,
		`<library xmlns="urn:hl7-org:elm:r1"/>`,
		`<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1"/>`,
		`<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" name="M"><typeInfo baseType="System.Any"/></modelInfo>`,
		`<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="M"><typeInfo name="T" baseType="System.Any"><element name="e"><elementTypeSpecifier xsi:type="TupleTypeSpecifier"/></element></typeInfo></modelInfo>`,
	} {
		if mi, err := modelinfo.Parse(strings.NewReader(src)); err == nil {
			t.Errorf("%s: parsed as %+v", src, mi)
		}
	}
}

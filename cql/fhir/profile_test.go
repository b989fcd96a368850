package fhir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
)

// tinyModelInfo is a profile model of one resource profile, as a package
// could ship beside its CQL.
const tinyModelInfo = `<?xml version="1.0" encoding="UTF-8"?>
<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  name="Tiny" version="1.0.0" url="http://example.org/tiny" targetUrl="http://hl7.org/fhir" patientClassName="Tiny.Patient" patientBirthDatePropertyName="birthDate">
  <typeInfo xsi:type="ClassInfo" namespace="Tiny" name="Patient" baseType="System.Any" label="Patient" retrievable="true">
    <element name="birthDate" elementType="System.Date" target="%value.value"/>
    <element name="gender" elementType="System.String" target="%value.value"/>
  </typeInfo>
  <contextInfo name="Patient" keyElement="id"><contextType namespace="Tiny" name="Patient"/></contextInfo>
</modelInfo>`

func TestLoadModelDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tiny.xml", tinyModelInfo)
	write("patient.xml", `<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>`)
	models, err := fhir.LoadModelDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 1 || models[0].Name() != "Tiny" || models[0].Version() != "1.0.0" {
		t.Fatalf("models %v, want Tiny 1.0.0 only", models)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithModel(models[0]))
	if _, errs := env.Compile("T.cql", "library T using Tiny version '1.0.0' context Patient define G: Patient.gender = 'female'"); errs != nil {
		t.Fatal(errs)
	}

	write("fhir3.xml", `<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" name="FHIR" version="3.0.0"/>`)
	if _, err := fhir.LoadModelDir(dir); err == nil || !strings.Contains(err.Error(), "only FHIR 4.0.1") {
		t.Errorf("FHIR 3.0.0 ModelInfo: error %v", err)
	}
	write("fhir3.xml", `<modelInfo xmlns="urn:hl7-org:elm-modelinfo:r1" name="Bad" version="1"><typeInfo namespace="Bad" name="X" baseType="Bad.Missing"/></modelInfo>`)
	if _, err := fhir.LoadModelDir(dir); err == nil || !strings.Contains(err.Error(), "unknown base type") {
		t.Errorf("broken ModelInfo: error %v", err)
	}
}

package testpkg

import (
	"encoding/json"

	"github.com/ccg-project/ccg/cards/fhirpkg"
)

// CoreTarball returns a small, real FHIR package standing in for a core
// package such as hl7.fhir.r4.core: a package.json of type "Core", the
// StructureDefinitions of Patient and Observation (base resources,
// snapshot-free), a CodeSystem and a ValueSet, with a .index.json. It
// holds no CCG content.
func CoreTarball(name, version string) []byte {
	const base = "http://hl7.org/fhir"
	sd := func(typ, desc string) map[string]any {
		return map[string]any{
			"resourceType": "StructureDefinition", "id": typ, "url": base + "/StructureDefinition/" + typ,
			"version": "4.0.1", "name": typ, "status": "active", "kind": "resource", "abstract": false,
			"type": typ, "fhirVersion": "4.0.1", "description": desc,
			"baseDefinition": base + "/StructureDefinition/DomainResource", "derivation": "specialization",
			"differential": map[string]any{"element": []any{map[string]any{"id": typ, "path": typ, "short": desc}}},
		}
	}
	cs := map[string]any{
		"resourceType": "CodeSystem", "id": "administrative-gender", "url": base + "/administrative-gender",
		"version": "4.0.1", "name": "AdministrativeGender", "status": "active", "content": "complete",
		"concept": []any{
			map[string]any{"code": "male", "display": "Male"}, map[string]any{"code": "female", "display": "Female"},
			map[string]any{"code": "other", "display": "Other"}, map[string]any{"code": "unknown", "display": "Unknown"},
		},
	}
	vs := map[string]any{
		"resourceType": "ValueSet", "id": "administrative-gender", "url": base + "/ValueSet/administrative-gender",
		"version": "4.0.1", "name": "AdministrativeGender", "status": "active",
		"compose": map[string]any{"include": []any{map[string]any{"system": base + "/administrative-gender"}}},
	}
	manifest := map[string]any{
		"name": name, "version": version, "type": "Core", "description": "Stand-in for the FHIR core package (test)",
		"fhirVersions": []any{"4.0.1"}, "license": "CC0-1.0", "url": base, "dependencies": map[string]any{},
	}
	files := map[string][]byte{}
	put := func(f string, v any) {
		b, _ := json.MarshalIndent(v, "", "  ")
		files[f] = b
	}
	put("package.json", manifest)
	put("StructureDefinition-Patient.json", sd("Patient", "Information about an individual receiving health care services"))
	put("StructureDefinition-Observation.json", sd("Observation", "Measurements and simple assertions"))
	put("CodeSystem-administrative-gender.json", cs)
	put("ValueSet-administrative-gender.json", vs)
	out, err := fhirpkg.WithIndex(files)
	if err != nil {
		panic("testpkg: " + err.Error()) // generated content always parses
	}
	b, err := fhirpkg.WriteTarball(out)
	if err != nil {
		panic("testpkg: " + err.Error())
	}
	return b
}

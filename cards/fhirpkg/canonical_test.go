package fhirpkg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://ccg.example.org/fhir/PlanDefinition/htn-folder":       "https://ccg.example.org/fhir",
		"https://ccg.example.org/fhir/PlanDefinition/htn-folder|1.0.0": "https://ccg.example.org/fhir",
		"HTTPS://CCG.Example.org/fhir/Library/X#frag":                  "https://ccg.example.org/fhir",
		"http://example.org/guidelines/bp":                             "http://example.org/guidelines",
		"http://example.org/PlanDefinition/x":                          "http://example.org",
		"http://example.org":                                           "http://example.org",
		"urn:uuid:0b0d1f0c-0000-4000-8000-000000000000":                "",
		"PlanDefinition/x":                                             "",
		"https://user@example.org/fhir/Library/x":                      "",
	} {
		if got := CanonicalBase(in); got != want {
			t.Errorf("CanonicalBase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalBases(t *testing.T) {
	p := &Package{Files: map[string][]byte{
		"package.json":            []byte(`{"name":"x","version":"1.0.0","canonical":"https://a.example/fhir/"}`),
		"PlanDefinition-p.json":   []byte(`{"resourceType":"PlanDefinition","id":"p","url":"https://b.example/fhir/PlanDefinition/p"}`),
		"Library-l.json":          []byte(`{"resourceType":"Library","id":"l","url":"https://a.example/fhir/Library/l"}`),
		"ValueSet-v.json":         []byte(`{"resourceType":"ValueSet","id":"v","url":"http://cts.example/fhir/ValueSet/v"}`),
		"ActivityDefinition.json": []byte(`{"resourceType":"ActivityDefinition","id":"a"}`),
	}}
	p.Manifest.Raw = map[string]any{"canonical": "https://a.example/fhir/"}
	want := map[string]string{"https://a.example/fhir": "package.json canonical", "https://b.example/fhir": "PlanDefinition/p"}
	if diff := cmp.Diff(want, p.CanonicalBases()); diff != "" {
		t.Error(diff)
	}
}

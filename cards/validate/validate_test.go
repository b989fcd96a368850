package validate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/cards/validate"
)

func resources(t *testing.T, files map[string][]byte) []validate.Resource {
	t.Helper()
	p := &fhirpkg.Package{Files: files}
	res, errs := p.Resources()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out []validate.Resource
	for _, r := range res {
		out = append(out, r.Data)
	}
	return out
}

func TestValidPackage(t *testing.T) {
	if v := validate.Package(resources(t, testpkg.Files(testpkg.Options{})), true); len(v) != 0 {
		t.Fatalf("generated package has violations: %v", v)
	}
}

// mutate edits the resource with the given id in a fresh test package.
func mutate(t *testing.T, id string, f func(r map[string]any)) []validate.Resource {
	res := resources(t, testpkg.Files(testpkg.Options{}))
	for _, r := range res {
		if r["id"] == id || (id == "IG" && r["resourceType"] == "ImplementationGuide") {
			f(r)
			return res
		}
	}
	t.Fatalf("no resource %s", id)
	return nil
}

func TestViolations(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		edit func(r map[string]any)
		want []string // substrings of violations, each must appear
	}{
		{"folder without actions", "test-folder", func(r map[string]any) { delete(r, "action") },
			[]string{"PlanDefinition/test-folder action: a CCG Folder needs at least one action"}},
		{"folder missing fields", "test-folder", func(r map[string]any) { delete(r, "title"); delete(r, "publisher"); delete(r, "text") },
			[]string{"test-folder title: is required", "test-folder publisher: is required", "test-folder text: a human-friendly"}},
		{"folder url/id mismatch", "test-folder", func(r map[string]any) { r["url"] = "http://example.org/PlanDefinition/other" },
			[]string{"test-folder url: must be the canonical"}},
		{"folder points at a missing CARD", "test-folder", func(r map[string]any) {
			r["action"].([]any)[0].(map[string]any)["definitionCanonical"] = "http://example.org/x"
		}, []string{`action[0].definitionCanonical: CARD "http://example.org/x" is not in the package`}},
		{"CARD with trigger and wrong kind", "test-card", func(r map[string]any) {
			a := r["action"].([]any)[0].(map[string]any)
			a["trigger"] = []any{map[string]any{"type": "named-event"}}
			a["condition"].([]any)[0].(map[string]any)["kind"] = "start"
		}, []string{"action[0].trigger: must be omitted", `action[0].condition[0].kind: must be applicability, got "start"`}},
		{"CARD without evidence and conditions", "test-card", func(r map[string]any) {
			delete(r, "relatedArtifact")
			delete(r["action"].([]any)[0].(map[string]any), "condition")
		}, []string{"relatedArtifact: at least one", "action[0].condition: at least one"}},
		{"CARD library missing", "test-card", func(r map[string]any) { r["library"] = []any{"http://example.org/Library/none"} },
			[]string{`library[0]: Library "http://example.org/Library/none" is not in the package`}},
		{"library without CQL", "test-logic", func(r map[string]any) { r["content"] = []any{} },
			[]string{"Library/test-logic content: a CQL Library needs a text/cql attachment"}},
		{"library bad base64", "test-logic", func(r map[string]any) { r["content"].([]any)[0].(map[string]any)["data"] = "!!" },
			[]string{"content[0].data: is not base64"}},
		{"activity bad topic", "test-provide-ad", func(r map[string]any) {
			r["topic"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] = "dance"
		}, []string{`topic[0].coding[0].code: "dance" is not a CCG CARD type`}},
		{"deployment id not uuid", "IG", func(r map[string]any) { r["id"] = "abc" },
			[]string{"id: must be an un-prefixed UUID"}},
		{"deployment publisher", "IG", func(r map[string]any) { r["publisher"] = "Someone else"; r["version"] = "1.0" },
			[]string{"publisher: must match the CCG Folder publisher", `version: "1.0" is not a semantic version`}},
		// the R4 structure
		{"unknown element", "test-card", func(r map[string]any) { r["action"].([]any)[0].(map[string]any)["colour"] = "red" },
			[]string{"PlanDefinition/test-card PlanDefinition.action[0].colour: unknown element"}},
		{"wrong type", "test-provide-ad", func(r map[string]any) { r["date"] = 2024 },
			[]string{"ActivityDefinition/test-provide-ad ActivityDefinition.date: expected datetime"}},
		{"invalid code", "test-folder", func(r map[string]any) { r["status"] = "published" },
			[]string{`PlanDefinition/test-folder PlanDefinition.status: code type mismatch: "published" is not a PublicationStatusCode`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range validate.Package(mutate(t, tc.id, tc.edit), true) {
				got = append(got, v.String())
			}
			all := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing violation %q in:\n%s", w, all)
				}
			}
		})
	}
}

func TestPackageLevel(t *testing.T) {
	v := validate.Package(nil, true)
	if len(v) != 2 {
		t.Errorf("empty package: %v", v)
	}
}

func TestSignatureProfile(t *testing.T) {
	var prov map[string]any
	json.Unmarshal([]byte(`{"resourceType":"Provenance","id":"p","target":[{"reference":"PlanDefinition/x"}],
	"recorded":"2025-01-01T00:00:00Z","agent":[{"who":{"reference":"Practitioner/1"}}],
	"signature":[{"type":[{"system":"urn:other","code":"1"}],"when":"2025-01-02T00:00:00Z","who":{"reference":"Organization/o"},
	"targetFormat":"text/plain","sigFormat":"application/pdf"}]}`), &prov)
	var got []string
	for _, v := range validate.Check(prov) {
		got = append(got, v.Path)
	}
	want := "agent[0].who signature[0].type signature[0].when signature[0].who signature[0].targetFormat signature[0].sigFormat signature[0].data"
	if strings.Join(got, " ") != want {
		t.Errorf("paths = %q\nwant    %q", strings.Join(got, " "), want)
	}
}

// TestR4 checks the R4 structural check beyond packages: a reference to a
// type the element does not allow, a missing required element, and the
// resources of a Parameters, checked on their own.
func TestR4(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string // violations as strings; none for a valid resource
	}{
		{"valid", `{"resourceType":"Patient","id":"p","gender":"female","birthDate":"1980-03-15"}`, nil},
		{"reference type", `{"resourceType":"MedicationRequest","status":"draft","intent":"proposal","subject":{"reference":"Patient/p"},
			"medicationCodeableConcept":{"text":"x"},"basedOn":[{"reference":"RequestGroup/rg"}]}`,
			[]string{"MedicationRequest/(no id) MedicationRequest.basedOn[0]: invalid reference to a RequestGroup resource, want CarePlan, MedicationRequest, ServiceRequest, ImmunizationRecommendation"}},
		{"required", `{"resourceType":"CommunicationRequest","id":"c"}`,
			[]string{`CommunicationRequest/c CommunicationRequest: missing required field "status"`}},
		{"parameters", `{"resourceType":"Parameters","parameter":[{"name":"ok","resource":{"resourceType":"Patient","id":"p"}},
			{"name":"bad","part":[{"name":"r","resource":{"resourceType":"Patient","gender":"x"}}]}]}`,
			[]string{`Parameters/(no id) parameter[1].part[0].resource.Patient.gender: code type mismatch: "x" is not a AdministrativeGenderCode`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r map[string]any
			if err := json.Unmarshal([]byte(tc.json), &r); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range validate.R4(r) {
				got = append(got, v.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestR4OnlyForR4Packages: a package whose ImplementationGuide declares
// only another FHIR version is not held to the R4 structure.
func TestR4OnlyForR4Packages(t *testing.T) {
	res := mutate(t, "test-card", func(r map[string]any) { r["colour"] = "red" })
	count := func() int {
		n := 0
		for _, v := range validate.Package(res, true) {
			if strings.Contains(v.Path, "colour") {
				n++
			}
		}
		return n
	}
	if count() != 1 {
		t.Fatalf("R4 package: the unknown element is not reported")
	}
	for _, r := range res {
		if r["resourceType"] == "ImplementationGuide" {
			r["fhirVersion"] = []any{"5.0.0"}
		}
	}
	if count() != 0 {
		t.Errorf("R5 package: held to R4")
	}
}

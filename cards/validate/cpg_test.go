package validate

import (
	"strings"
	"testing"
)

func TestClaimsCCG(t *testing.T) {
	cpg := Resource{"resourceType": "PlanDefinition", "meta": map[string]any{"profile": []any{"http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition"}}}
	if ClaimsCCG([]Resource{cpg}) {
		t.Error("a CPG PlanDefinition claims CCG")
	}
	folder := Resource{"resourceType": "PlanDefinition", "meta": map[string]any{"profile": []any{ProfileBase + "ccg-card-folder"}}}
	card := Resource{"resourceType": "ActivityDefinition", "topic": []any{map[string]any{"coding": []any{map[string]any{"system": CardTypeSystem, "code": "provide"}}}}}
	if !ClaimsCCG([]Resource{cpg, folder}) || !ClaimsCCG([]Resource{card}) {
		t.Error("a CCG Folder profile or a CARD type does not claim CCG")
	}
}

// TestCPGRules: content that does not claim CCG gets CPG's rules, nested
// actions included, and no CCG rule (a trigger is fine).
func TestCPGRules(t *testing.T) {
	pd := Resource{"resourceType": "PlanDefinition", "id": "p", "action": []any{map[string]any{
		"trigger": []any{map[string]any{"type": "named-event", "name": "x"}},
		"action": []any{map[string]any{"definitionCanonical": "#ad",
			"condition": []any{map[string]any{"expression": map[string]any{"expression": "X"}}}}},
	}}}
	errs, warnings := Content([]Resource{pd}, false, false)
	var got []string
	for _, v := range errs {
		got = append(got, v.String())
	}
	want := []string{
		"PlanDefinition/p status: is required",
		"PlanDefinition/p action[0].action[0].condition[0].kind: is required",
		"PlanDefinition/p action[0].action[0].condition[0].expression.language: is required",
		`PlanDefinition/p action[0].action[0].definitionCanonical: names the contained resource "#ad", which is not there`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(warnings) != 6 {
		t.Errorf("warnings %v, want the six shareable elements", warnings)
	}
}

func TestGrouped(t *testing.T) {
	var vs []Violation
	for _, r := range []string{"Library/e", "Library/d", "Library/c", "Library/b", "Library/a"} {
		vs = append(vs, Violation{Resource: r, Path: "status", Message: "is required"})
	}
	vs = append(vs, Violation{Resource: "PlanDefinition/p", Path: "action[0]", Message: "must be an object"})
	var got []string
	for _, g := range Grouped(vs) {
		got = append(got, g.String())
	}
	want := []string{
		"status: is required (5 resources: Library/a, Library/b, Library/c and 2 more)",
		"PlanDefinition/p action[0]: must be an object",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("grouped:\n%s", strings.Join(got, "\n"))
	}
}

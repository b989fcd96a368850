package content

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/validate"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func TestLoadFixture(t *testing.T) {
	p, err := LoadPath(filepath.Join("..", "..", "testdata", "apply", "package"), Options{RequireIG: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) > 0 {
		t.Errorf("problems: %v", p.Problems)
	}
	if p.Key() != "http://example.org/ccg-test/ImplementationGuide/6f1c1e0a-2b7e-4a44-9a53-0c7d1f0b1a01|1.0.0" {
		t.Errorf("key = %s", p.Key())
	}
	if n := len(p.PlanDefinitions("eca-rule")); n != 13 {
		t.Errorf("%d CARDs, want 13", n)
	}
	if l := p.Library("http://example.org/ccg-test/Library/ccgtest-library|1.0.0"); l == nil || l.CQL == nil {
		t.Errorf("library not compiled: %+v", l)
	}
	if r := p.ByCanonical("http://example.org/ccg-test/PlanDefinition/card-reqvx|1.0.0"); fj.ID(r) != "card-reqvx" {
		t.Errorf("ByCanonical = %v", r)
	}
}

// TestProblems checks that every violation is reported with its resource
// and path, and CQL errors with the Library.
func TestProblems(t *testing.T) {
	card := map[string]any{"resourceType": "PlanDefinition", "id": "c1", "url": "http://x/PlanDefinition/c1",
		"meta":   map[string]any{"profile": []any{validate.ProfileBase + "ccg-card-provide"}},
		"type":   fj.Concept("http://terminology.hl7.org/CodeSystem/plan-definition-type", "eca-rule", ""),
		"action": []any{map[string]any{"trigger": []any{}, "definitionCanonical": "http://x/ActivityDefinition/missing"}}}
	lib := map[string]any{"resourceType": "Library", "id": "l1", "url": "http://x/Library/l1",
		"content": []any{map[string]any{"contentType": "text/cql", "data": "bGlicmFyeSBMMSB2ZXJzaW9uICcxJwpkZWZpbmUgWDogMSArICdhJwo="}}}
	p, err := FromResources("t", "1", []map[string]any{card, lib}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"PlanDefinition/c1 action[0].trigger: must be omitted in a CARD",
		"PlanDefinition/c1 action[0].condition: at least one applicability condition is required",
		"PlanDefinition/c1 action[0].definitionCanonical: ActivityDefinition \"http://x/ActivityDefinition/missing\" is not in the package",
		"Library/l1 content: CQL 2:",
	}
	var got []string
	for _, pr := range p.Problems {
		got = append(got, pr.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing problem %q in:\n%s", w, all)
		}
	}
}

// TestCPGContent checks that content claiming no CCG profile is held to
// CPG's rules, not CCG's, and that every expression it names must resolve.
func TestCPGContent(t *testing.T) {
	cql := "library L1 version '1'\nusing FHIR version '4.0.1'\ncontext Patient\ndefine \"Is Adult\": true\n"
	lib := map[string]any{"resourceType": "Library", "id": "l1", "url": "http://x/Library/l1", "status": "active",
		"type":    fj.Concept("http://terminology.hl7.org/CodeSystem/library-type", "logic-library", ""),
		"content": []any{map[string]any{"contentType": "text/cql", "data": base64.StdEncoding.EncodeToString([]byte(cql))}}}
	cond := func(lang, expr string) any {
		return map[string]any{"kind": "applicability", "expression": map[string]any{"language": lang, "expression": expr}}
	}
	pd := map[string]any{"resourceType": "PlanDefinition", "id": "p1", "url": "http://x/PlanDefinition/p1", "status": "active",
		"library": []any{"http://x/Library/l1"},
		"action": []any{
			map[string]any{"trigger": []any{map[string]any{"type": "named-event", "name": "x"}}, "condition": []any{cond("text/cql-identifier", "Is Adult")}},
			map[string]any{"condition": []any{cond("text/cql-identifier", "Is Adlt")}},
			map[string]any{"action": []any{map[string]any{"condition": []any{cond("text/cql", "L1.\"Is Adult\" and AgeInYears() > 3")}}}},
			map[string]any{"dynamicValue": []any{map[string]any{"path": "title", "expression": map[string]any{"language": "text/cql", "expression": "Nope + 1"}}}},
		}}
	other := map[string]any{"resourceType": "PlanDefinition", "id": "p2", "status": "active", "library": []any{"http://x/Library/none"},
		"action": []any{map[string]any{"condition": []any{cond("text/cql-identifier", "Is Adult")}}}}
	p, err := FromResources("t", "1", []map[string]any{pd, lib, other}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range p.Problems {
		got = append(got, pr.String())
	}
	want := []string{
		`PlanDefinition/p1 action[1].condition[0].expression: no define "Is Adlt" in library L1 (did you mean "Is Adult"?)`,
		`PlanDefinition/p1 action[3].dynamicValue[0].expression: no define "Nope + 1" in library L1; as a CQL expression: inline CQL "Nope + 1" does not compile`,
		`PlanDefinition/p2 library[0]: Library http://x/Library/none is not in the content`,
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing problem %q in:\n%s", w, all)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d (no CCG rule, no problem for the trigger or the inline CQL that compiles):\n%s", len(got), len(want), all)
	}
	if len(p.Warnings) == 0 || !strings.Contains(p.Warnings[0].String(), "shareable artifact (CPG)") {
		t.Errorf("warnings = %v, want the CPG shareable metadata", p.Warnings)
	}
}

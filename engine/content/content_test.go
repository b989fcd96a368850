package content

import (
	"path/filepath"
	"strings"
	"testing"

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

package perform

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAnswer(t *testing.T) {
	unit := []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
		"valueCoding": map[string]any{"system": "http://unitsofmeasure.org", "code": "kg", "display": "kg"}}}
	cases := []struct {
		name string
		item map[string]any
		key  string
		want any
	}{
		{"initial quantity", map[string]any{"type": "quantity", "initial": []any{map[string]any{"valueQuantity": map[string]any{"value": json.Number("150")}}}},
			"valueQuantity", map[string]any{"value": json.Number("150")}},
		{"initial decimal with unit", map[string]any{"type": "decimal", "extension": unit, "initial": []any{map[string]any{"valueDecimal": json.Number("70.5")}}},
			"valueQuantity", map[string]any{"value": json.Number("70.5"), "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}},
		{"boolean default", map[string]any{"type": "boolean"}, "valueBoolean", false},
		{"integer default", map[string]any{"type": "integer"}, "valueInteger", json.Number("0")},
		{"quantity default in unit", map[string]any{"type": "quantity", "extension": unit}, "valueQuantity",
			map[string]any{"value": json.Number("0"), "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}},
		{"choice: first option", map[string]any{"type": "choice", "answerOption": []any{map[string]any{"valueCoding": map[string]any{"code": "a"}}, map[string]any{"valueCoding": map[string]any{"code": "b"}}}},
			"valueCodeableConcept", map[string]any{"coding": []any{map[string]any{"code": "a"}}}},
		{"string default", map[string]any{"type": "string"}, "valueString", ""},
	}
	for _, tc := range cases {
		k, v := answer(tc.item)
		if k != tc.key {
			t.Errorf("%s: key %s, want %s", tc.name, k, tc.key)
		}
		if d := cmp.Diff(tc.want, v); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestActionsNeedsRequestGroup(t *testing.T) {
	if _, _, err := Actions(map[string]any{"resourceType": "Bundle", "entry": []any{map[string]any{"resource": map[string]any{"resourceType": "Task"}}}}); err == nil {
		t.Error("a Bundle without a leading RequestGroup was accepted")
	}
}

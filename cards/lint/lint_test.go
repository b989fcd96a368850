package lint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/validate"
)

// readPackage reads the JSON resources of a package folder.
func readPackage(t *testing.T, dir string) []validate.Resource {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []validate.Resource
	for _, f := range files {
		if filepath.Base(f) == "package.json" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r validate.Resource
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestNotAlreadyDone(t *testing.T) {
	// Every CARD of the test package and of the examples has its
	// "not already done" condition.
	for _, dir := range []string{"../../testdata/apply/package", "../../examples/hypertension/package", "../../examples/diabetes/package"} {
		if w := NotAlreadyDone(readPackage(t, dir)); len(w) != 0 {
			t.Errorf("%s: %v", dir, w)
		}
	}
	// The reqproc CARD on "High BP" alone (no `not exists [ServiceRequest:
	// "ECG"]`) would fire on every round.
	res := readPackage(t, "../../testdata/apply/package")
	setCondition := func(card, lang, expr string) {
		for _, r := range res {
			if r["id"] == card {
				a := r["action"].([]any)[0].(map[string]any)
				a["condition"] = []any{map[string]any{"kind": "applicability",
					"expression": map[string]any{"language": lang, "expression": expr}}}
			}
		}
	}
	setCondition("card-reqproc", "text/cql-identifier", "High BP")
	w := NotAlreadyDone(res)
	if len(w) != 1 || w[0].Resource != "PlanDefinition/card-reqproc" || !strings.Contains(w[0].Message, "no condition reads ServiceRequest") ||
		!strings.Contains(w[0].Message, "not already done") {
		t.Errorf("warnings: %v", w)
	}
	// An inline CQL condition that reads the request is enough.
	setCondition("card-reqproc", "text/cql", `"High BP" and not exists [ServiceRequest]`)
	if w := NotAlreadyDone(res); len(w) != 0 {
		t.Errorf("inline condition: %v", w)
	}
	// A FHIRPath condition is not judged.
	setCondition("card-reqproc", "text/fhirpath", "true")
	if w := NotAlreadyDone(res); len(w) != 0 {
		t.Errorf("FHIRPath condition: %v", w)
	}
	// A propdx CARD is turned off by its Resulting Data, a Condition.
	setCondition("card-propdx", "text/cql-identifier", "High BP")
	if w := NotAlreadyDone(res); len(w) != 1 || !strings.Contains(w[0].Message, "Condition or Task") || !strings.Contains(w[0].Message, "[Condition: ") {
		t.Errorf("propdx: %v", w)
	}
}

package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// TestCPGRecommendationsCorpus loads the HL7 CPG recommendation examples
// straight from their IG source folder: the folder holds CQL and an
// ImplementationGuide (its PlanDefinitions are FSH, which ccg does not
// read), so the loader makes a Library of every CQL file, with its
// canonical under the IG's base. Each scenario of SCENARIO_EXPECTATIONS.json
// (data in testdata/fhir/cpg, written for this project from the scenario
// texts; scenarios without data are counted, not run) is applied through a one-action PlanDefinition sent with the data
// whose condition is the library's "Is Recommendation Applicable", and
// what fires must be what the scenario expects.
func TestCPGRecommendationsCorpus(t *testing.T) {
	root := sharedtest.Dir(t, "corpus", "hl7-cpg-recommendations")
	pkg, err := content.LoadPath(root, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range pkg.Problems {
		t.Errorf("problem: %s", pr)
	}
	var expectations []struct {
		Library  string
		Scenario int
		Expected string
	}
	b, err := os.ReadFile(filepath.Join(root, "SCENARIO_EXPECTATIONS.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &expectations); err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
	e.Load(pkg)
	fired, total, notRun := 0, 0, 0
	byLib := map[string][2]int{}
	for _, x := range expectations {
		name := x.Library + "-" + strconv.Itoa(x.Scenario)
		file := filepath.Join("..", "testdata", "fhir", "cpg", name+".json")
		if _, err := os.Stat(file); err != nil {
			// the corpus gives only the scenario's text; data exist for
			// the six libraries cql/fhir's TestCPGScenarios covers
			notRun++
			continue
		}
		data, _ := readJSON(t, file)
		lib := "http://hl7.org/fhir/uv/cpg/Library/" + x.Library
		if pkg.Library(lib) == nil {
			t.Errorf("%s: library %s was not made from input/cql", name, lib)
			continue
		}
		pd := map[string]any{"resourceType": "PlanDefinition", "id": "recommend", "status": "active", "library": []any{lib},
			"action": []any{map[string]any{"title": x.Library, "condition": []any{map[string]any{"kind": "applicability",
				"expression": map[string]any{"language": "text/cql-identifier", "expression": "Is Recommendation Applicable"}}}}}}
		data["entry"] = append(fj.List(data, "entry"), map[string]any{"resource": pd})
		req := &engine.ApplyRequest{PlanDefinitionID: "recommend", Subject: "Patient/anna", Data: data, Lenient: true}
		if x.Library == "GenerateReport" {
			req.CQLParameters = map[string]value.Value{"reportWith": value.String("http://example.org/fhir/Measure/anc-ind-01")}
		}
		res, err := e.Apply(context.Background(), req)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, ce := range res.Errors {
			t.Errorf("%s: %s", name, ce.Message)
		}
		got := len(fj.Objs(res.RequestGroup, "action")) > 0
		total++
		n := byLib[x.Library]
		if got {
			fired++
			n[0]++
		}
		n[1]++
		byLib[x.Library] = n
		if want := x.Expected == "propose"; got != want {
			t.Errorf("%s (%s): fired %v, want %v", name, x.Expected, got, want)
		}
	}
	var libs []string
	for l, n := range byLib {
		libs = append(libs, l+" "+strconv.Itoa(n[0])+"/"+strconv.Itoa(n[1]))
	}
	sort.Strings(libs)
	t.Logf("%d of %d scenarios run fired (library fired/scenarios): %s; %d scenarios without data not run", fired, total, strings.Join(libs, ", "), notRun)
	if total < 42 {
		t.Errorf("only %d scenarios run", total)
	}
}

package fhir_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

const reportMeasure = "http://example.org/fhir/Measure/anc-ind-01"

// TestCPGScenarios evaluates "Is Recommendation Applicable" of the CPG
// recommendation libraries against the scenario Bundles in
// testdata/fhir/cpg (written for this project from the scenario texts);
// numbered scenarios are checked against the corpus's
// SCENARIO_EXPECTATIONS.json, the x- ones against their meta tag.
func TestCPGScenarios(t *testing.T) {
	root := corpusDir(t, "hl7-cpg-recommendations")
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
	want := map[string]bool{}
	for _, e := range expectations {
		want[e.Library+"-"+itoa(e.Scenario)] = e.Expected == "propose"
	}
	env, _ := newEnv(t, filepath.Join(root, "input", "cql"))
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fhir", "cpg", "*.json"))
	sort.Strings(files)
	if len(files) < 40 {
		t.Fatalf("only %d scenario bundles", len(files))
	}
	libs := map[string]*cql.Library{}
	cases := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		libName, scenario, _ := strings.Cut(name, "-")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		expected, ok := want[name]
		if strings.HasPrefix(scenario, "x-") {
			var meta struct {
				Meta struct{ Tag []struct{ Code string } }
			}
			json.Unmarshal(data, &meta)
			if len(meta.Meta.Tag) != 1 {
				t.Fatalf("%s: no expected tag", name)
			}
			expected, ok = meta.Meta.Tag[0].Code == "propose", true
		}
		if !ok {
			t.Fatalf("%s: no expectation", name)
		}
		lib, ok := libs[libName]
		if !ok {
			src, err := os.ReadFile(filepath.Join(root, "input", "cql", libName+".cql"))
			if err != nil {
				t.Fatal(err)
			}
			var errs cql.Errors
			lib, errs = env.Compile(libName+".cql", string(src))
			if errs != nil {
				t.Errorf("%s: %v", libName, errs)
				continue
			}
			libs[libName] = lib
		}
		if lib == nil {
			continue
		}
		r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: "anna"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		opts := cql.EvalOptions{Retriever: r, Parameters: map[string]value.Value{}}
		if libName == "GenerateReport" {
			opts.Parameters["reportWith"] = value.String(reportMeasure)
		}
		got, err := lib.Eval(context.Background(), "Is Recommendation Applicable", opts)
		cases++
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != value.Boolean(expected) {
			t.Errorf("%s: Is Recommendation Applicable = %v, want %v", name, got, expected)
		}
	}
	t.Logf("%d scenario evaluations over %d libraries", cases, len(libs))
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

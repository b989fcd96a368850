package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards/load"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// project keeps what the structural comparison of an $apply Bundle looks
// at: the RequestGroup's actions (title, description, priority, type,
// timing, condition kinds, the type of what the resource reference points
// at, nested actions alike) and, for the other entries, their resource
// type, code, status, intent, description and (Goals) category and start.
func project(b map[string]any) []any {
	var out []any
	types := map[string]string{} // fullUrl -> resourceType
	for _, e := range fj.Objs(b, "entry") {
		types[fj.Str(e, "fullUrl")] = fj.Type(fj.Obj(e, "resource"))
	}
	for i, e := range fj.Objs(b, "entry") {
		r := fj.Obj(e, "resource")
		if i == 0 {
			out = append(out, map[string]any{"resourceType": fj.Type(r), "status": r["status"], "intent": r["intent"],
				"instantiatesCanonical": r["instantiatesCanonical"], "subject": r["subject"], "actions": projectActions(r, types),
				"goals": len(fj.List(r, "extension"))})
			continue
		}
		if fj.Type(r) == "OperationOutcome" {
			continue // the CARD errors: compared on their own, an error fails the test
		}
		out = append(out, map[string]any{"resourceType": fj.Type(r), "code": r["code"], "status": r["status"], "intent": r["intent"],
			"description": r["description"], "lifecycleStatus": r["lifecycleStatus"], "category": r["category"], "start": r["startCodeableConcept"]})
	}
	b2, _ := fj.MarshalCompact(out)
	v, _ := fj.Decode(b2)
	return v.([]any)
}

func projectActions(r map[string]any, types map[string]string) []any {
	var acts []any
	for _, a := range fj.Objs(r, "action") {
		ref := fj.Str(fj.Obj(a, "resource"), "reference")
		if t, _, ok := fj.SplitRef(ref); ok && len(ref) < 60 && ref[0] != 'h' {
			ref = t
		} else if t, ok := types[ref]; ok && ref != "" {
			ref = t
		}
		var kinds []any
		for _, c := range fj.Objs(a, "condition") {
			kinds = append(kinds, fj.Str(c, "kind"))
		}
		acts = append(acts, map[string]any{"title": a["title"], "description": a["description"], "priority": a["priority"],
			"type": a["type"], "resource": ref, "conditions": kinds, "timing": a["timingTiming"], "actions": projectActions(a, types)})
	}
	return acts
}

// TestClinicalReasoningCorpus runs the three $apply cases of
// cqf-clinical-reasoning with `ccg apply` straight from the corpus's
// folders and files (an IG source folder, Bundles of content), and
// compares the Bundles with the expected ones structurally.
func TestClinicalReasoningCorpus(t *testing.T) {
	root := sharedtest.Dir(t, "corpus", "cqf-clinical-reasoning-r4")
	cases := []struct {
		name     string
		args     []string // after apply; paths relative to root
		expected string
	}{
		{"hello-world", []string{"--package", ".", "--plan", "hello-world-patient-view", "--data", "input/tests/Patient-helloworld-patient-1.json"},
			"input/tests/Bundle-hello-world-patient-view.json"},
		{"anc-visit", []string{"--package", "anc-visit/anc_visit_plan_definition.json", "--plan", "AncVisit-PlanDefinition",
			"--data", "anc-visit/anc_visit_patient.json"}, "anc-visit/anc_visit_bundle.json"},
		{"child-routine-visit", []string{"--package", "child-routine-visit/child_routine_visit_plan_definition.json",
			"--plan", "ChildRoutineVisit-PlanDefinition-1.0.0", "--data", "child-routine-visit/child_routine_visit_patient.json"},
			"child-routine-visit/child_routine_visit_bundle.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"apply", "--lenient"}
			for i, a := range tc.args {
				if i > 0 && (tc.args[i-1] == "--package" || tc.args[i-1] == "--data") {
					a = filepath.Join(root, a)
				}
				args = append(args, a)
			}
			code, out, errOut := ccg(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			got, err := fj.DecodeObj([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			want := readJSONFile(t, filepath.Join(root, tc.expected))
			if d := cmp.Diff(project(want), project(got)); d != "" {
				t.Errorf("structure (-want +got):\n%s", d)
			}
		})
	}
}

func readJSONFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// ancTestCase is the WHO ANC corpus's PlanDefinition test: its data
// folder (the library test of ANCDT01, which holds the Encounter the CQL
// reads through its "encounter" parameter) and its expected CarePlan.
const (
	ancData     = "input/tests/library/ANCDT01/charity-with-danger-signs"
	ancExpected = "input/tests/plandefinition/ANCDT01/charity-with-danger-signs/careplan-charity-with-danger-signs-plan.xml"
	ancEncParam = "encounter='encounter-charity-with-danger-signs'"
)

// TestWHOANCCorpus applies the WHO SMART ANC IG source folder with `ccg
// apply`, straight from the folder: XML and JSON resources, Libraries made
// from input/cql, the test data folder as the data.
func TestWHOANCCorpus(t *testing.T) {
	root := sharedtest.Dir(t, "corpus", "who-smart-anc")
	code, out, errOut := ccg(t, "apply", "--package", root, "--plan", "ANCDT01", "--data", filepath.Join(root, ancData),
		"--param", ancEncParam, "--lenient")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := fj.DecodeObj([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	rg := fj.Obj(fj.Objs(got, "entry")[0], "resource")
	var fired []string
	for _, a := range fj.Objs(rg, "action") {
		for _, sub := range fj.Objs(a, "action") {
			fired = append(fired, fj.Str(a, "title")+" / "+fj.Str(sub, "title")+" / "+fj.Str(sub, "textEquivalent"))
		}
	}
	wantFired := []string{"ANC.DT.01 Danger signs / Proceed with ANC contact OR Referral for Central cyanosis / " +
		"Bluish discolouration around the mucous membranes in the mouth, lips and tongue."}
	if !slices.Equal(fired, wantFired) {
		t.Errorf("fired %q, want %q (the data record Central cyanosis)", fired, wantFired)
	}
	// The expected CarePlan, as far as today's $apply can be compared with
	// it: the PlanDefinition instantiated and the activities proposed.
	b, err := os.ReadFile(filepath.Join(root, ancExpected))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := load.Decode(ancExpected, b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"instantiates": fj.List(cp, "instantiatesCanonical"), "activities": []any{}}
	for _, a := range fj.Objs(cp, "activity") {
		want["activities"] = append(want["activities"].([]any), fj.Str(a, "description"))
	}
	gotShape := map[string]any{"instantiates": fj.List(rg, "instantiatesCanonical"), "activities": []any{}}
	for _, a := range fj.Objs(rg, "action") {
		for _, sub := range fj.Objs(a, "action") {
			gotShape["activities"] = append(gotShape["activities"].([]any), fj.Str(sub, "textEquivalent"))
		}
	}
	d := cmp.Diff(want, gotShape)
	switch reason, listed := expectedDifferences["who-smart-anc/ANCDT01/charity-with-danger-signs"]; {
	case d == "" && listed:
		t.Errorf("the output now matches the expected CarePlan: drop its entry from expectedDifferences")
	case d != "" && !listed:
		t.Errorf("structure (-want +got):\n%s", d)
	case d != "":
		t.Logf("expected difference (%s):\n%s", reason, d)
	}
	// The loader found the define names that do not resolve in the IG's
	// PlanDefinitions (each once, with the resource and action path).
	for _, w := range []string{
		"who-smart-anc (" + root + "): 16 problems of 8 kinds",
		`PlanDefinition/ANCDT12 action[0].action[0].condition[0].expression: no define "Should Conduct urine test" in library ANCDT12 (did you mean "Should Conduct urine test 2"?)`,
		`PlanDefinition/ANCDT35 action[0].action[0].condition[0].expression: no define "Should Conduct COUNSELLING ON postpartum family planning " in library ANCDT35`,
	} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// expectedDifferences are the corpus cases whose expected output today's
// $apply does not reproduce, each with the reason.
var expectedDifferences = map[string]string{
	"who-smart-anc/ANCDT01/charity-with-danger-signs": "the expected CarePlan does not agree with its own test data: " +
		"its activity names the 'no danger signs' text of ANCDT01 action 1 while the observation records Central cyanosis, " +
		"for which ANCDT01 proposes the referral (action 2), and puts it in activity.description, which R4 CarePlan.activity " +
		"does not have (read as an empty activity); it instantiates PlanDefinition/DT01, which the IG does not hold; " +
		"a CarePlan output is issue 11 item 3",
}

// TestServeLoadsIGSource: `ccg serve --packages` takes an IG source folder
// as it is: its definitions, the Library made from a CQL file among them,
// are served. ($apply over HTTP still wants CCG data-in, an IPS document
// and an Encounter; a plain CPG data Bundle there is issue 11 item 2.)
func TestServeLoadsIGSource(t *testing.T) {
	out := startServe(t, "--packages", "../../testdata/igsource", "--auth", "off")
	m := regexp.MustCompile(`ccg serve: ready at (http://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, `guideline packages: 1 loaded from "../../testdata/igsource"`) {
		t.Fatalf("ready message:\n%s", out)
	}
	for path, want := range map[string]string{
		"/PlanDefinition/bp-check":       `"library"`,
		"/ActivityDefinition/bp-measure": `"kind":"ServiceRequest"`,
		"/Library/BPHelpers":             `"url":"http://example.org/fhir/bp/Library/BPHelpers"`,
	} {
		resp, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
}

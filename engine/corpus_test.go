package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// corpus returns a folder of ../shared/corpus/cqf-clinical-reasoning-r4.
func corpus(t *testing.T, parts ...string) string {
	t.Helper()
	return sharedtest.Dir(t, append([]string{"corpus", "cqf-clinical-reasoning-r4"}, parts...)...)
}

func readObj(t *testing.T, path string) map[string]any {
	t.Helper()
	m, _ := readJSON(t, path)
	return m
}

// project keeps what the structural comparison looks at: the RequestGroup
// actions (title, description, priority, type, condition kinds, what the
// resource reference points at) and, for the other entries, their
// resource type, code, status, intent and description.
func project(b map[string]any) []any {
	var out []any
	types := map[string]string{} // fullUrl -> resourceType
	for _, e := range fj.Objs(b, "entry") {
		types[fj.Str(e, "fullUrl")] = fj.Type(fj.Obj(e, "resource"))
	}
	for i, e := range fj.Objs(b, "entry") {
		r := fj.Obj(e, "resource")
		if i == 0 {
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
					"type": a["type"], "resource": ref, "conditions": kinds, "timing": a["timingTiming"]})
			}
			out = append(out, map[string]any{"resourceType": fj.Type(r), "status": r["status"], "intent": r["intent"],
				"instantiatesCanonical": r["instantiatesCanonical"], "subject": r["subject"], "actions": acts, "goals": len(fj.List(r, "extension"))})
			continue
		}
		out = append(out, map[string]any{"resourceType": fj.Type(r), "code": r["code"], "status": r["status"], "intent": r["intent"],
			"description": r["description"], "lifecycleStatus": r["lifecycleStatus"], "category": r["category"], "start": r["startCodeableConcept"]})
	}
	b2, _ := fj.MarshalCompact(out)
	v, _ := fj.Decode(b2)
	return v.([]any)
}

func TestClinicalReasoningCorpus(t *testing.T) {
	cases := []struct {
		name               string
		defs               []string // files of definitions (resources or Bundles), relative to the corpus
		cqlDir             string
		data               []string // data files (resources or Bundles)
		plan               string
		subject, encounter string
		expected           string
	}{
		{"child-routine-visit", []string{"child-routine-visit/child_routine_visit_plan_definition.json"}, "",
			[]string{"child-routine-visit/child_routine_visit_patient.json"}, "ChildRoutineVisit-PlanDefinition-1.0.0",
			"Patient/ChildRoutine-Reportable", "", "child-routine-visit/child_routine_visit_bundle.json"},
		{"anc-visit", []string{"anc-visit/anc_visit_plan_definition.json"}, "",
			[]string{"anc-visit/anc_visit_patient.json"}, "AncVisit-PlanDefinition",
			"Patient/TEST_PATIENT", "", "anc-visit/anc_visit_bundle.json"},
		{"hello-world", []string{"input/resources/PlanDefinition-hello-world-patient-view.json", "input/resources/Library-HelloWorld.json"}, "input/cql",
			[]string{"input/tests/Patient-helloworld-patient-1.json", "input/tests/Encounter-helloworld-patient-1-encounter-1.json"}, "hello-world-patient-view",
			"Patient/helloworld-patient-1", "Encounter/helloworld-patient-1-encounter-1", "input/tests/Bundle-hello-world-patient-view.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := corpus(t)
			var defs []map[string]any
			for _, f := range tc.defs {
				defs = append(defs, readObj(t, filepath.Join(root, f)))
			}
			opts := content.Options{}
			if tc.cqlDir != "" {
				opts.CQLDirs = []string{filepath.Join(root, tc.cqlDir)}
			}
			pkg, err := content.FromResources(tc.name, "0", defs, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, pr := range pkg.Problems {
				if pr.Path == "content" {
					t.Errorf("compile: %s", pr)
				}
			}
			e := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
			e.Load(pkg)
			data := map[string]any{"resourceType": "Bundle", "type": "collection"}
			var entries []any
			for _, f := range tc.data {
				r := readObj(t, filepath.Join(root, f))
				if fj.Type(r) == "Bundle" {
					entries = append(entries, fj.List(r, "entry")...)
				} else {
					entries = append(entries, map[string]any{"resource": r})
				}
			}
			data["entry"] = entries
			res, err := e.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: tc.plan, Subject: tc.subject, Encounter: tc.encounter, Data: data, Lenient: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, ce := range res.Errors {
				t.Errorf("error: %+v", ce)
			}
			want := project(readObj(t, filepath.Join(root, tc.expected)))
			got := project(res.Bundle)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("structure (-want +got):\n%s", d)
			}
		})
	}
}

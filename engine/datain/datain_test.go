package datain

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func load(t *testing.T) map[string]any {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "apply", "data-in", "patient-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckValid(t *testing.T) {
	d, issues := Check(load(t), "Patient/p1", "Encounter/e1", Options{})
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	if fj.ID(d.Patient) != "p1" || fj.ID(d.Encounter) != "e1" || d.IPS == nil || fj.ID(d.Practitioner) != "dr1" {
		t.Errorf("parts not found: %v %v %v %v", d.Patient != nil, d.Encounter != nil, d.IPS != nil, d.Practitioner)
	}
	if diff := cmp.Diff([]string{"http://example.org/ccg-test/PlanDefinition/plans-p1"}, d.PatientPlans); diff != "" {
		t.Errorf("Patient Plans: %s", diff)
	}
}

func TestCheckIssues(t *testing.T) {
	cases := []struct {
		name               string
		edit               func(b map[string]any)
		subject, encounter string
		want               []string // expression: code
	}{
		{"missing encounter parameter", nil, "Patient/p1", "", []string{"Parameters.parameter('encounter') required"}},
		{"subject of the wrong type", nil, "Practitioner/dr1", "Encounter/e1", []string{"Parameters.parameter('subject') value"}},
		{"encounter ended", func(b map[string]any) {
			enc := fj.Obj(fj.Objs(b, "entry")[0], "resource")
			fj.Obj(enc, "period")["end"] = "2026-02-01T10:00:00Z"
		}, "Patient/p1", "Encounter/e1", []string{"Bundle.entry[0].resource.period.end value"}},
		{"encounter of another patient", func(b map[string]any) {
			enc := fj.Obj(fj.Objs(b, "entry")[0], "resource")
			enc["subject"] = fj.Reference("Patient/other")
		}, "Patient/p1", "Encounter/e1", []string{"Bundle.entry[0].resource.subject value"}},
		{"IPS without Composition first", func(b map[string]any) {
			ips := fj.Obj(fj.Objs(b, "entry")[2], "resource")
			e := fj.List(ips, "entry")
			e[0], e[1] = e[1], e[0]
		}, "Patient/p1", "Encounter/e1", []string{"Bundle.entry[2].resource.entry[0].resource invariant"}},
		{"entry with request", func(b map[string]any) {
			fj.Objs(b, "entry")[1]["request"] = map[string]any{"method": "POST"}
		}, "Patient/p1", "Encounter/e1", []string{"Bundle.entry[1].request structure"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := load(t)
			if tc.edit != nil {
				tc.edit(b)
			}
			_, issues := Check(b, tc.subject, tc.encounter, Options{})
			var got []string
			for _, is := range issues {
				got = append(got, is.Expression+" "+is.Code)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	s, e, err := Defaults(load(t))
	if err != nil || s != "Patient/p1" || e != "Encounter/e1" {
		t.Errorf("Defaults = %q %q %v", s, e, err)
	}
	b := load(t)
	b["entry"] = append(fj.List(b, "entry"), map[string]any{"resource": map[string]any{"resourceType": "Encounter", "id": "e2", "status": "in-progress", "subject": fj.Reference("Patient/p1")}})
	if _, _, err := Defaults(b); err == nil {
		t.Error("two in-progress encounters: no error")
	}
}

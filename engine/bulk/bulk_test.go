package bulk

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir string
		n   int
	}{{a, 30}, {b, 30}, {c, 40}} {
		if _, err := Generate(run.dir, GenerateOptions{Patients: run.n, Seed: 3}); err != nil {
			t.Fatal(err)
		}
	}
	pa, _ := os.ReadFile(filepath.Join(a, "Patient.ndjson"))
	pb, _ := os.ReadFile(filepath.Join(b, "Patient.ndjson"))
	pc, _ := os.ReadFile(filepath.Join(c, "Patient.ndjson"))
	if !bytes.Equal(pa, pb) {
		t.Error("the same seed wrote different patients")
	}
	if !bytes.HasPrefix(pc, pa) {
		t.Error("patient i depends on the population size")
	}
	if d := t.TempDir(); true {
		Generate(d, GenerateOptions{Patients: 30, Seed: 4})
		pd, _ := os.ReadFile(filepath.Join(d, "Patient.ndjson"))
		if bytes.Equal(pa, pd) {
			t.Error("another seed wrote the same patients")
		}
	}
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		kind int
		key  string
		dead string
	}{
		{`{"resourceType":"Patient","id":"p1"}`, OfPatient, "Patient/p1", ""},
		{`{"resourceType":"Observation","id":"o","subject":{"reference":"Patient/p1"}}`, OfPatient, "Patient/p1", ""},
		{`{"resourceType":"Observation","id":"o","subject":{"reference":"https://x.org/fhir/Patient/p2/_history/3"}}`, OfPatient, "Patient/p2", ""},
		{`{"resourceType":"Immunization","id":"i","patient":{"reference":"Patient/p1"}}`, OfPatient, "Patient/p1", ""},
		{`{"resourceType":"Task","id":"t","for":{"reference":"Patient/p1"}}`, OfPatient, "Patient/p1", ""},
		{`{"resourceType":"Observation","id":"o","subject":{"reference":"Group/g"},"encounter":{"reference":"Encounter/e"}}`, OfEncounter, "Encounter/e", ""},
		{`{"resourceType":"MedicationAdministration","id":"m","context":{"reference":"Encounter/e"}}`, OfEncounter, "Encounter/e", ""},
		{`{"resourceType":"Practitioner","id":"d"}`, Shared, "Practitioner/d", ""},
		{`{"resourceType":"Observation","id":"o"}`, 0, "", "names no Patient"},
		{`{"resourceType":"Observation"}`, 0, "", "without an id"},
		{`{"id":"x"}`, 0, "", "no resourceType"},
		{`[1,2]`, 0, "", "not a JSON object"},
		{`{"resourceType":`, 0, "", "malformed JSON"},
	} {
		l, dl := ParseLine("f.ndjson", 3, []byte(tc.line))
		switch {
		case tc.dead != "":
			if dl == nil || !strings.Contains(dl.Error, tc.dead) || dl.File != "f.ndjson" || dl.Line != 3 {
				t.Errorf("%s: dead letter %+v, want one saying %q at f.ndjson:3", tc.line, dl, tc.dead)
			}
		case dl != nil:
			t.Errorf("%s: dead letter %s", tc.line, dl.Error)
		case l.Kind != tc.kind || l.Key != tc.key:
			t.Errorf("%s: kind %d key %s, want %d %s", tc.line, l.Kind, l.Key, tc.kind, tc.key)
		}
	}
}

// TestPatientDataOfBundle reads one data-in Bundle per patient back into
// lines and rebuilds a data-in Bundle holding the same resources.
func TestPatientDataOfBundle(t *testing.T) {
	in := DataIn(5, 2, 0)
	raw, err := fj.MarshalCompact(in)
	if err != nil {
		t.Fatal(err)
	}
	lines, dead := Lines("b.ndjson", 1, raw)
	if len(dead) > 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	var own []*Line
	shared := map[string][]byte{}
	for _, l := range lines {
		if l.Kind == Shared {
			shared[l.Ref()] = l.JSON
		} else {
			own = append(own, l)
		}
	}
	out, subject, encounter, err := PatientData("Patient/pat-000002", own, func(r string) []byte { return shared[r] })
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Patient/pat-000002" || encounter != "Encounter/enc-pat-000002" {
		t.Errorf("subject %s encounter %s", subject, encounter)
	}
	refs := func(b map[string]any) map[string]bool {
		m := map[string]bool{}
		for _, e := range fj.Entries(b) {
			m[fj.Ref(e.Resource)] = true
		}
		return m
	}
	if a, b := refs(in), refs(out); len(a) != len(b) {
		t.Errorf("resources %v, rebuilt %v", a, b)
	}
	if _, _, _, err := PatientData("Patient/nobody", own, func(string) []byte { return nil }); err == nil || !strings.Contains(err.Error(), "no Patient resource") {
		t.Errorf("missing patient: %v", err)
	}
}

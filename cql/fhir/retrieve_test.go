package fhir

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fhir", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testTerminology(t testing.TB) *ValueSetStore {
	s := NewValueSetStore()
	if err := s.AddJSON(testdata(t, "valuesets.json")); err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(vs []value.Value) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.(*Node).ID())
	}
	return out
}

func typ(t testing.TB, name string) *types.Named {
	n, ok := R4().ResolveType(name)
	if !ok {
		t.Fatalf("no type %s", name)
	}
	return n
}

func TestBundleRetrieve(t *testing.T) {
	r, err := NewBundleRetriever(testdata(t, "retrieve-bundle.json"), BundleOptions{PatientID: "p1", Terminology: testTerminology(t)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Patient() == nil || r.Patient().ID() != "p1" {
		t.Fatalf("patient = %v", r.Patient())
	}
	loinc := func(c string) value.Code { return value.Code{System: "http://loinc.org", Code: c} }
	cases := []struct {
		name  string
		typ   string
		path  string
		codes value.Value
		want  []string
	}{
		{"all patients in context", "Patient", "", nil, []string{"p1"}},
		{"observations of p1 incl. the IPS", "Observation", "", nil, []string{"w1", "hb1", "bp1"}},
		{"by code", "Observation", "", loinc("29463-7"), []string{"w1"}},
		{"by code list", "Observation", "code", value.List{Elems: []value.Value{loinc("718-7"), loinc("85354-9")}}, []string{"hb1", "bp1"}},
		{"by concept", "Observation", "code", value.Concept{Codes: []value.Code{loinc("nope"), {System: "http://example.org/local", Code: "HB"}}}, []string{"hb1"}},
		{"wrong system", "Observation", "", value.Code{System: "http://snomed.info/sct", Code: "718-7"}, []string{}},
		{"value set with expansion", "Observation", "", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/body-weight"}, []string{"w1"}},
		{"value set by compose", "Observation", "", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/labs|1.0.0"}, []string{"hb1"}},
		{"nested value sets", "Observation", "", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/observations"}, []string{"w1", "hb1"}},
		{"component code path", "Observation", "component.code", loinc("8480-6"), []string{"bp1"}},
		{"medication by reference", "MedicationRequest", "", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/iron"}, []string{"mr1"}},
		{"medication by concept", "MedicationRequest", "medication", value.Code{System: "http://www.nlm.nih.gov/research/umls/rxnorm", Code: "1191"}, []string{"mr2"}},
		{"encounter type", "Encounter", "", value.Code{System: "http://example.org/enc", Code: "anc-contact"}, []string{"e1"}},
		{"code without system", "Encounter", "class", value.Code{Code: "AMB"}, []string{"e1"}},
		{"status code path", "Observation", "status", value.Code{Code: "final"}, []string{"w1", "hb1", "bp1"}},
		{"patient ref via patient element", "AllergyIntolerance", "", nil, []string{"al1"}},
		{"shared resources kept", "Medication", "", nil, []string{"m1"}},
		{"document contents", "Composition", "", nil, []string{"comp"}},
		{"no resources", "Procedure", "", value.Code{Code: "x"}, []string{}},
	}
	for _, c := range cases {
		got, err := r.Retrieve(context.Background(), typ(t, c.typ), c.path, c.codes)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, ids(got)); diff != "" {
			t.Errorf("%s: %s", c.name, diff)
		}
	}
	// Errors.
	_, err = r.Retrieve(context.Background(), typ(t, "Observation"), "", value.ValueSetRef{ID: "http://example.org/missing"})
	if err == nil || !strings.Contains(err.Error(), "http://example.org/missing") {
		t.Errorf("missing value set: %v", err)
	}
	_, err = r.Retrieve(context.Background(), typ(t, "Observation"), "", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/broken"})
	if err == nil || !strings.Contains(err.Error(), "http://unknown.example.org/cs") {
		t.Errorf("unexpandable value set: %v", err)
	}
	_, err = r.Retrieve(context.Background(), typ(t, "Observation"), "nosuch", value.Code{Code: "x"})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("bad code path: %v", err)
	}
	if n, ok := r.Resolve("Medication/m1"); !ok || n.ID() != "m1" {
		t.Errorf("resolve")
	}
}

func TestBundleRetrieveOtherPatient(t *testing.T) {
	r, err := NewBundleRetriever(testdata(t, "retrieve-bundle.json"), BundleOptions{PatientID: "p2"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Retrieve(context.Background(), typ(t, "Observation"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"w2"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	if _, err := NewBundleRetriever(testdata(t, "retrieve-bundle.json"), BundleOptions{PatientID: "zz"}); err == nil {
		t.Errorf("unknown patient accepted")
	}
	if _, err := NewBundleRetriever([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bogus"}}]}`), BundleOptions{}); err == nil || !strings.Contains(err.Error(), "Bogus") {
		t.Errorf("bad entry: %v", err)
	}
}

func TestValueSetStore(t *testing.T) {
	s := testTerminology(t)
	ctx := context.Background()
	cases := []struct {
		url  string
		want []string
	}{
		{"http://example.org/fhir/ValueSet/body-weight", []string{"29463-7", "3141-9", "8335-2"}},
		{"http://example.org/fhir/ValueSet/observations", []string{"29463-7", "3141-9", "718-7", "8335-2"}},
		{"http://example.org/fhir/ValueSet/anaemia", []string{"anaemia", "iron-deficiency", "severe-anaemia", "transfusion-dependent"}},
		{"http://example.org/fhir/ValueSet/severe", []string{"pre-eclampsia", "severe-anaemia"}},
	}
	for _, c := range cases {
		codes, err := s.Expand(ctx, value.ValueSetRef{ID: c.url})
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		var got []string
		for _, x := range codes {
			got = append(got, x.Code)
		}
		sort.Strings(got)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: %s", c.url, diff)
		}
	}
	in, err := s.InValueSet(ctx, value.Code{System: "http://example.org/fhir/CodeSystem/conditions", Code: "transfusion-dependent"}, value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/anaemia"})
	if err != nil || !in {
		t.Errorf("transfusion-dependent in anaemia: %v %v", in, err)
	}
	in, err = s.InValueSet(ctx, value.Code{System: "http://example.org/other", Code: "anaemia"}, value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/anaemia"})
	if err != nil || in {
		t.Errorf("other system: %v %v", in, err)
	}
	if _, err := s.InValueSet(ctx, value.Code{Code: "x"}, value.ValueSetRef{ID: "http://nope"}); err == nil || !strings.Contains(err.Error(), "value set http://nope not found") {
		t.Errorf("missing: %v", err)
	}
}

func TestBundleNoPatientChoice(t *testing.T) {
	r, err := NewBundleRetriever(testdata(t, "retrieve-bundle.json"), BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Patient() != nil {
		t.Errorf("two patients: no subject expected")
	}
	got, _ := r.Retrieve(context.Background(), typ(t, "Patient"), "", nil)
	if diff := cmp.Diff([]string{"p1", "p2"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	one, err := NewBundleRetriever([]byte(`{"resourceType":"Patient","id":"solo"}`), BundleOptions{})
	if err != nil || one.Patient() == nil || one.Patient().ID() != "solo" {
		t.Errorf("single resource: %v", err)
	}
}

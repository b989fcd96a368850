package fhir

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func relatedRetriever(t *testing.T) *BundleRetriever {
	t.Helper()
	r, err := NewBundleRetriever(testdata(t, "related-bundle.json"), BundleOptions{PatientID: "baby", Terminology: testTerminology(t)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func resource(t *testing.T, r *BundleRetriever, ref string) *Node {
	t.Helper()
	n, ok := r.rel.byURL[ref]
	if !ok || n == nil {
		t.Fatalf("no %s", ref)
	}
	return n
}

func TestBundleRelatedContext(t *testing.T) {
	r := relatedRetriever(t)
	enc1, enc2 := resource(t, r, "Encounter/enc1"), resource(t, r, "Encounter/enc2")
	mother := resource(t, r, "Patient/mother")
	anaemia := value.Code{System: "http://snomed.info/sct", Code: "271737000"}
	cases := []struct {
		name    string
		typ     string
		context value.Value
		codes   value.Value
		want    []string
	}{
		{"conditions of an encounter (fullUrl reference)", "Condition", enc1, nil, []string{"cond-enc1"}},
		{"conditions of another encounter", "Condition", enc2, nil, []string{"cond-enc2"}},
		{"observation by absolute versioned URL", "Observation", enc1, nil, []string{"obs-enc1"}},
		{"MedicationAdministration.context", "MedicationAdministration", enc1, nil, []string{"ma-enc1"}},
		{"DocumentReference.context.encounter", "DocumentReference", enc2, nil, []string{"doc-enc2"}},
		{"nothing in the encounter", "DocumentReference", enc1, nil, []string{}},
		{"with a code filter", "Condition", enc1, anaemia, []string{"cond-enc1"}},
		{"code filter excludes", "Condition", enc1, value.Code{System: "http://snomed.info/sct", Code: "38341003"}, []string{}},
		{"value set filter", "Observation", enc1, value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/labs"}, []string{"obs-enc1"}},
		{"the encounter itself", "Encounter", enc2, nil, []string{"enc2"}},
		{"a Reference as context", "Condition", mustReference(t, "Encounter/enc2"), nil, []string{"cond-enc2"}},
		{"Type/id string as context", "Condition", value.String("Encounter/enc1"), nil, []string{"cond-enc1"}},
		{"related patient outside the subject's data", "Observation", mother, nil, []string{"obs-mother"}},
		{"bare id is a patient", "Observation", value.String("mother"), nil, []string{"obs-mother"}},
		{"the related patient", "Patient", mother, nil, []string{"mother"}},
		{"practitioner participation", "Procedure", value.String("Practitioner/dr1"), nil, []string{"proc-dr1"}},
	}
	for _, c := range cases {
		got, err := r.RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, c.typ), Codes: c.codes,
			HasContext: true, Context: c.context})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, ids(got)); diff != "" {
			t.Errorf("%s: %s", c.name, diff)
		}
	}
	// The subject's own data is unchanged by the unfiltered related store.
	got, err := r.Retrieve(context.Background(), typ(t, "Observation"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"obs-enc1"}, ids(got)); diff != "" {
		t.Errorf("patient context: %s", diff)
	}
	errCases := []struct {
		name, typ string
		context   value.Value
		want      string
	}{
		{"no relating element", "Medication", enc1, "FHIR.Medication has no element referring to the Encounter"},
		{"unsupported context value", "Condition", value.Integer(3), "cannot be the context"},
		{"not a resource reference", "Condition", value.String("Nope/x"), "not an id or Type/id"},
		{"resource without id", "Condition", mustNode(t, `{"resourceType": "Encounter"}`), "has no id"},
	}
	for _, c := range errCases {
		_, err := r.RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, c.typ), HasContext: true, Context: c.context})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func mustNode(t *testing.T, js string) *Node {
	t.Helper()
	n, err := R4().ParseResource([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustReference returns a FHIR.Reference node (an element of a resource).
func mustReference(t *testing.T, ref string) *Node {
	t.Helper()
	n := mustNode(t, `{"resourceType": "Condition", "encounter": {"reference": "`+ref+`"}}`)
	v, err := n.Property("encounter")
	if err != nil {
		t.Fatal(err)
	}
	return v.(*Node)
}

func TestBundleCodeComparators(t *testing.T) {
	r := relatedRetriever(t)
	const sct = "http://snomed.info/sct"
	const sctVersion = "http://snomed.info/sct/900000000000207008/version/20240101"
	cases := []struct {
		name       string
		typ        string
		comparator string
		codes      value.Value
		want       []string
	}{
		{"in: system and code", "Condition", "in", value.Code{System: sct, Code: "271737000"}, []string{"cond-enc1", "cond-enc2"}},
		{"unwritten is in", "Condition", "", value.Code{System: sct, Code: "271737000"}, []string{"cond-enc1", "cond-enc2"}},
		{"in: a code without a system matches any system", "Condition", "in", value.Code{Code: "271737000"}, []string{"cond-enc1", "cond-enc2"}},
		{"~: code and system, versions ignored", "Condition", "~", value.Code{System: sct, Code: "271737000", Version: "other", Display: "x"}, []string{"cond-enc1", "cond-enc2"}},
		{"~: a code without a system needs a code without one", "Condition", "~", value.Code{Code: "271737000"}, []string{}},
		{"=: code and system without a version", "Condition", "=", value.Code{System: sct, Code: "271737000"}, []string{"cond-enc2"}},
		{"=: with the version", "Condition", "=", value.Code{System: sct, Code: "271737000", Version: sctVersion}, []string{"cond-enc1"}},
		{"=: display does not count", "Condition", "=", value.Code{System: sct, Code: "271737000", Version: sctVersion, Display: "Other"}, []string{"cond-enc1"}},
		{"~: a concept matches by any code", "Observation", "~", value.Concept{Codes: []value.Code{{System: "http://example.org/local", Code: "HB"}, {System: sct, Code: "0"}}}, []string{"obs-enc1"}},
		{"~: a list of codes", "Condition", "~", value.List{Elems: []value.Value{value.Code{System: sct, Code: "38341003"}, value.Code{System: sct, Code: "1"}}}, []string{"cond-none"}},
		{"in: value set", "Observation", "in", value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/labs"}, []string{"obs-enc1"}},
	}
	for _, c := range cases {
		got, err := r.RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, c.typ), Codes: c.codes, CodeComparator: c.comparator})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, ids(got)); diff != "" {
			t.Errorf("%s: %s", c.name, diff)
		}
	}
	for _, cmpr := range []string{"=", "~"} {
		_, err := r.RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, "Observation"), CodeComparator: cmpr,
			Codes: value.ValueSetRef{ID: "http://example.org/fhir/ValueSet/labs"}})
		if err == nil || !strings.Contains(err.Error(), "use in with value set") {
			t.Errorf("%s with a value set: %v", cmpr, err)
		}
	}
	if _, err := r.RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, "Condition"), CodeComparator: "<",
		Codes: value.Code{Code: "x"}}); err == nil || !strings.Contains(err.Error(), "unknown code comparator") {
		t.Errorf("bad comparator: %v", err)
	}
}

package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

var (
	ancTermOnce sync.Once
	ancTerm     *fhir.ValueSetStore
	ancTermErr  error
)

// ancTerminology loads the WHO ANC value sets and code systems once.
func ancTerminology(t testing.TB) *fhir.ValueSetStore {
	dir := corpusDir(t, "who-smart-anc", "input", "vocabulary")
	ancTermOnce.Do(func() {
		ancTerm = fhir.NewValueSetStore()
		ancTermErr = ancTerm.LoadDir(dir)
	})
	if ancTermErr != nil {
		t.Fatal(ancTermErr)
	}
	return ancTerm
}

func TestANCValueSetsLoad(t *testing.T) {
	s := ancTerminology(t)
	if s.Len() < 600 {
		t.Errorf("only %d ANC value sets", s.Len())
	}
	// Every value set expands (expansions, compose concept lists, nested value sets).
	// Every value set expands (expansions, compose concept lists, nested
	// value sets, whole code systems read from XML).
	for _, u := range s.URLs() {
		if _, err := s.Expand(context.Background(), value.ValueSetRef{ID: u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	codes, err := s.Expand(context.Background(), value.ValueSetRef{ID: "http://fhir.org/guides/who/anc-cds/ValueSet/anc-care-codes"})
	if err != nil || len(codes) < 5 {
		t.Errorf("anc-care-codes from the XML code system: %d codes, %v", len(codes), err)
	}
	in, err := s.InValueSet(context.Background(),
		value.Code{System: "http://fhir.org/guides/who/anc-cds/CodeSystem/anc-care-codes", Code: "ANC.Contact"},
		value.ValueSetRef{ID: "http://fhir.org/guides/who/anc-cds/ValueSet/antenatal-care-contact"})
	if err != nil || !in {
		t.Errorf("ANC.Contact in antenatal-care-contact: %v %v", in, err)
	}
}

func dec(t *testing.T, s string) value.Decimal {
	d, err := value.NewDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFHIRChecks evaluates testdata/fhir/cql/CCGFHIRChecks.cql (written for
// this project) with the ANC value sets against a patient Bundle.
func TestFHIRChecks(t *testing.T) {
	term := ancTerminology(t)
	dir := filepath.Join("..", "..", "testdata", "fhir")
	env, _ := newEnv(t, filepath.Join(dir, "cql"))
	src, err := os.ReadFile(filepath.Join(dir, "cql", "CCGFHIRChecks.cql"))
	if err != nil {
		t.Fatal(err)
	}
	lib, errs := env.Compile("CCGFHIRChecks.cql", string(src))
	if errs != nil {
		t.Fatal(errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "anc-patient-amina.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: "amina", Terminology: term})
	if err != nil {
		t.Fatal(err)
	}
	opts := cql.EvalOptions{Retriever: r, Terminology: term}
	utc := func(y, mo, d, h int) value.DateTime {
		return value.DateTime{Year: y, Month: mo, Day: d, Hour: h, HasOffset: true, Precision: value.Millisecond}
	}
	cases := []struct {
		name string
		want value.Value
	}{
		{"Age on 2024-06-01", value.Integer(25)},
		{"Is female", value.Boolean(true)},
		{"Pregnancy start", utc(2024, 1, 15, 0)},
		{"Contact count", value.Integer(2)},
		{"Contacts in February", value.Integer(1)},
		{"Last contact start", nil}, // a FHIR.dateTime: checked below
		{"Weeks pregnant at last contact", value.Integer(9)},
		{"Latest haemoglobin", value.Quantity{Value: dec(t, "10.2"), Unit: "g/dL"}},
		{"Anaemic", value.Boolean(true)},
		{"Latest haemoglobin in g/L", value.Quantity{Value: dec(t, "102"), Unit: "g/L"}},
		{"Haemoglobin tests in March", value.Integer(1)},
		{"Heaviest weight", value.Quantity{Value: dec(t, "64"), Unit: "kg"}},
		{"Weight gain", value.Quantity{Value: dec(t, "2.5"), Unit: "kg"}},
		{"On iron", value.Boolean(true)},
		{"On folic acid", value.Boolean(false)},
		{"Contact type is a contact", value.Boolean(true)},
	}
	for _, c := range cases {
		got, err := lib.Eval(context.Background(), c.name, opts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.name == "Last contact start" {
			n, ok := got.(*fhir.Node)
			if !ok || n.TypeName() != "dateTime" {
				t.Errorf("%s = %v, want a FHIR.dateTime", c.name, got)
			}
			continue
		}
		// FHIR values compare through their System form.
		if got, err = fhir.ToSystem(got); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if eq := value.Equal(got, c.want); eq != value.Boolean(true) {
			t.Errorf("%s = %v, want %v", c.name, value.Format(got), value.Format(c.want))
		}
	}
}

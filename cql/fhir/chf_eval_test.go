package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// TestCHF evaluates the CPG congestive heart failure library: daily body
// weights over the encounter's days, weight changes, and Observations it
// builds with FHIR instance selectors.
func TestCHF(t *testing.T) {
	root := corpusDir(t, "hl7-cpg-recommendations", "input", "cql")
	env, _ := newEnv(t, root)
	src, err := os.ReadFile(filepath.Join(root, "CHF.cql"))
	if err != nil {
		t.Fatal(err)
	}
	lib, errs := env.Compile("CHF.cql", string(src))
	if errs != nil {
		t.Fatal(errs)
	}
	dir := filepath.Join("..", "..", "testdata", "fhir")
	data, err := os.ReadFile(filepath.Join(dir, "chf-patient.json"))
	if err != nil {
		t.Fatal(err)
	}
	encJSON, err := os.ReadFile(filepath.Join(dir, "chf-encounter.json"))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := fhir.R4().ParseResource(encJSON)
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := cql.EvalOptions{Retriever: r, Now: time.Date(2024, 3, 3, 18, 0, 0, 0, time.UTC),
		Parameters: map[string]value.Value{"Encounter": enc}}
	eval := func(name string) value.Value {
		t.Helper()
		v, err := lib.Eval(context.Background(), name, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	format := func(v value.Value) string {
		s, err := fhir.ToSystem(v)
		if err != nil {
			t.Fatal(err)
		}
		return value.Format(s)
	}
	if got := len(eval("Eligibility Criteria").(value.List).Elems); got != 1 {
		t.Errorf("Eligibility Criteria: %d conditions, want 1 (the refuted one is out)", got)
	}
	if got := len(eval("Body Weight").(value.List).Elems); got != 4 {
		t.Errorf("Body Weight: %d observations, want 4 (final, this encounter)", got)
	}
	var changes []string
	for _, row := range eval("Daily Body Weight Change").(value.List).Elems {
		c, _ := row.(value.Tuple).Get("change")
		changes = append(changes, format(c))
	}
	if got, want := changes, []string{"null", "-1.6 'kg'", "-0.5 'kg'"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("daily changes = %v, want %v", got, want)
	}
	t.Run("Current Body Weight Change", func(t *testing.T) {
		// Observation.value is a choice: the operator is chosen on the
		// run-time types (FHIR.Quantity, converted to System.Quantity).
		v, err := lib.Eval(context.Background(), "Current Body Weight Change", opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := format(v); got != "-0.5 'kg'" {
			t.Errorf("Current Body Weight Change = %s", got)
		}
	})
	uo, _ := eval("Current Urine Output").(*fhir.Node)
	if uo == nil || uo.ID() != "uo2" {
		t.Errorf("Current Urine Output = %v, want uo2 (latest issued today)", uo)
	}
	built := eval("Body Weight Change").(value.List).Elems
	if len(built) != 3 {
		t.Fatalf("Body Weight Change: %d observations, want 3", len(built))
	}
	o := built[1].(*fhir.Node)
	checks := []struct{ path, want string }{
		{"status.value", "'final'"},
		{"code.coding.code.value", "{'body-weight-change'}"},
		{"value.value.value", "-1.6"},
		{"value.unit.value", "'kg'"},
		{"extension.url.value", "{'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-instantiatesCaseFeature', 'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-caseFeatureType'}"},
		{"subject.reference.value", "'Patient/chf'"},
		{"encounter.reference.value", "'Encounter/enc-chf'"},
	}
	for _, c := range checks {
		v, err := o.Get(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got := value.Format(v); got != c.want {
			t.Errorf("built Observation %s = %s, want %s", c.path, got, c.want)
		}
	}
	if o.TypeName() != "Observation" {
		t.Errorf("built a %s", o.TypeName())
	}
}

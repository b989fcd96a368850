package fhir

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	samply "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/ccg-project/ccg/cql/fhir/internal/gen"
	"github.com/ccg-project/ccg/cql/modelinfo"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// TestModelGenCurrent regenerates model_gen.go in memory from the ModelInfo
// of the npm package gen.Package and fails when the committed file differs
// (run `make generate`). npm answers from its cache when it holds the
// package; without npm or the network the test skips, except under CI.
func TestModelGenCurrent(t *testing.T) {
	src, err := gen.Fetch()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	want, err := gen.Generate(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("model_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("model_gen.go is stale (run make generate): line %d\ncommitted:   %.300s\ngenerated:   %.300s", i+1, g, w)
		}
	}
	t.Fatalf("model_gen.go is stale (run make generate)")
}

// knownModelInfoGaps are the elements of the cqframework ModelInfo
// (../shared/models) that the copy in cql-exec-fhir 2.2.0, which the model
// is generated from, lacks.
var knownModelInfoGaps = map[string]string{
	"ElementDefinition.Type.profile":     "dropped from the cql-exec-fhir 2.2.0 copy of the ModelInfo",
	"ElementDefinition.Type.aggregation": "dropped from the cql-exec-fhir 2.2.0 copy of the ModelInfo",
}

// TestModelMatchesModelInfo checks every element of every type of the
// FHIR 4.0.1 ModelInfo in ../shared/models against the model: the type
// exists with the same base type, and each element (declared on it or
// inherited) has the same type.
func TestModelMatchesModelInfo(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedtest.Dir(t, "models"), "fhir-modelinfo-4.0.1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mi, err := modelinfo.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	m := R4()
	checked, mismatches := 0, 0
	for _, ti := range mi.Types {
		info, ok := m.Info(ti.Name)
		if !ok {
			t.Errorf("type %s missing", ti.Name)
			mismatches++
			continue
		}
		base := "System.Any"
		if info.Type.Base != nil {
			base = info.Type.Base.String()
		}
		if base != ti.BaseType {
			t.Errorf("%s: base %s, ModelInfo says %s", ti.Name, base, ti.BaseType)
			mismatches++
		}
		for _, e := range ti.Elements {
			checked++
			if why, ok := knownModelInfoGaps[ti.Name+"."+e.Name]; ok {
				t.Logf("%s.%s skipped: %s", ti.Name, e.Name, why)
				continue
			}
			want, err := m.parseType(e.Type)
			if err != nil {
				t.Errorf("%s.%s: %v", ti.Name, e.Name, err)
				mismatches++
				continue
			}
			got, ok := m.PropertyType(info.Type, e.Name)
			if !ok || !types.Equal(got, want) {
				t.Errorf("%s.%s = %v, ModelInfo says %s", ti.Name, e.Name, got, e.Type)
				mismatches++
			}
		}
	}
	if checked < 4000 {
		t.Errorf("only %d elements checked", checked)
	}
	t.Logf("%d types, %d elements checked, %d mismatches", len(mi.Types), checked, mismatches)
}

// TestModelAgreesWithSamply cross-checks the model against a second
// rendering of the R4 StructureDefinitions, the Go structs of the samply
// fhir-models module: every JSON property of the resources below (and of
// the backbone elements they hold) is an element of the model, a choice
// element's property being its name followed by an option's suffix.
func TestModelAgreesWithSamply(t *testing.T) {
	m := R4()
	resources := []any{samply.Observation{}, samply.Patient{}, samply.Encounter{}, samply.Condition{},
		samply.Procedure{}, samply.MedicationRequest{}, samply.MedicationAdministration{},
		samply.AllergyIntolerance{}, samply.AdverseEvent{}, samply.Immunization{}, samply.ServiceRequest{},
		samply.PlanDefinition{}, samply.ActivityDefinition{}, samply.Questionnaire{}, samply.CarePlan{},
		samply.Bundle{}, samply.Library{}, samply.Measure{}, samply.DiagnosticReport{}, samply.Goal{}}
	seen := map[reflect.Type]bool{}
	var walk func(rt reflect.Type, ti *TypeInfo)
	walk = func(rt reflect.Type, ti *TypeInfo) {
		if seen[rt] {
			return
		}
		seen[rt] = true
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || name == "resourceType" {
				continue
			}
			el := elementForJSON(m, ti, name)
			if el == nil {
				t.Errorf("%s: samply has %s, the model does not", ti.Type.Name, name)
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			one, ok := el.One.(*types.Named)
			if ft.Kind() != reflect.Struct || !ok || ft.PkgPath() != rt.PkgPath() {
				continue
			}
			if sub, ok := m.Info(one.Name); ok && strings.Contains(one.Name, ".") {
				walk(ft, sub)
			}
		}
	}
	for _, r := range resources {
		rt := reflect.TypeOf(r)
		ti, ok := m.Info(rt.Name())
		if !ok {
			t.Errorf("resource %s missing", rt.Name())
			continue
		}
		walk(rt, ti)
	}
}

func elementForJSON(m *Model, ti *TypeInfo, name string) *Element {
	if e, ok := ti.Element(name); ok {
		return e
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] < 'A' || name[i] > 'Z' {
			continue
		}
		if e, ok := ti.Element(name[:i]); ok {
			for _, o := range e.Choice {
				if o.Suffix == name[i:] {
					return e
				}
			}
		}
	}
	return nil
}

package fhir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// TestANCCorpusCases runs the test cases the ANC corpus ships
// (input/tests/library/<Library>/<case>: resources in JSON and XML and a
// GuidanceResponse whose contained Parameters hold the expected results).
func TestANCCorpusCases(t *testing.T) {
	root := corpusDir(t, "who-smart-anc", "input")
	term := ancTerminology(t)
	env, _ := newEnv(t, filepath.Join(root, "cql"))
	libDirs, _ := filepath.Glob(filepath.Join(root, "tests", "library", "*"))
	for _, libDir := range libDirs {
		libName := filepath.Base(libDir)
		src, err := os.ReadFile(filepath.Join(root, "cql", libName+".cql"))
		if err != nil {
			t.Fatal(err)
		}
		lib, errs := env.Compile(libName+".cql", string(src))
		caseDirs, _ := filepath.Glob(filepath.Join(libDir, "*"))
		for _, caseDir := range caseDirs {
			t.Run(libName+"/"+filepath.Base(caseDir), func(t *testing.T) {
				nodes, err := fhir.R4().LoadResources(caseDir)
				if err != nil {
					t.Fatal(err)
				}
				var data []*fhir.Node
				var expected []value.Value
				var encounter, patient string
				for _, n := range nodes {
					switch n.TypeName() {
					case "GuidanceResponse":
						params, err := n.Get("contained.parameter")
						if err != nil {
							t.Fatal(err)
						}
						expected = params.(value.List).Elems
						continue
					case "Encounter":
						encounter = "Encounter/" + n.ID()
					case "Patient":
						patient = n.ID()
					}
					data = append(data, n)
				}
				if len(expected) == 0 {
					t.Fatal("no expected results")
				}
				if errs != nil {
					t.Skipf("%s does not compile yet (%d errors; first: %v)", libName, len(errs), errs[0])
				}
				r, err := fhir.NewBundleRetrieverFromNodes(data, fhir.BundleOptions{PatientID: patient, Terminology: term})
				if err != nil {
					t.Fatal(err)
				}
				opts := cql.EvalOptions{Retriever: r, Terminology: term,
					Parameters: map[string]value.Value{"encounter": value.String(encounter)}}
				ck := &checker{t: t, lib: libName}
				defer ck.done()
				for _, p := range expected {
					pn := p.(*fhir.Node)
					name, _ := pn.Get("name.value")
					want, err := pn.Get("value")
					if err != nil {
						t.Fatal(err)
					}
					want, err = fhir.ToSystem(want)
					if err != nil {
						t.Fatal(err)
					}
					got, err := lib.Eval(context.Background(), string(name.(value.String)), opts)
					if err != nil {
						ck.errorf("%s: %v", name, err)
						continue
					}
					if got, err = fhir.ToSystem(got); err != nil {
						ck.errorf("%s: %v", name, err)
						continue
					}
					if value.Format(got) != value.Format(want) {
						ck.errorf("%s = %s, want %s", name, value.Format(got), value.Format(want))
					}
				}
			})
		}
	}
}

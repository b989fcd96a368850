package fhir_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// Retrievers, value set stores and nodes are shared between concurrent
// evaluations.
func TestConcurrentRetrieve(t *testing.T) {
	data := bigBundle(200)
	terms := fhir.NewValueSetStore()
	if err := terms.AddJSON([]byte(`{"resourceType":"ValueSet","url":"http://x/vs","compose":{"include":[{"system":"http://loinc.org","concept":[{"code":"1000-3"},{"code":"1000-4"}]}]}}`)); err != nil {
		t.Fatal(err)
	}
	r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{Terminology: terms})
	if err != nil {
		t.Fatal(err)
	}
	obs, _ := fhir.R4().ResolveType("Observation")
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				vs, err := r.Retrieve(context.Background(), obs, "", value.ValueSetRef{ID: "http://x/vs"})
				if err != nil {
					t.Error(err)
					return
				}
				for _, v := range vs {
					if _, err := v.(*fhir.Node).Get("value.value"); err != nil {
						t.Error(err)
					}
				}
				counts[g] = len(vs)
			}
		}(g)
	}
	wg.Wait()
	for _, c := range counts {
		if c != counts[0] || c == 0 {
			t.Fatalf("inconsistent counts %v", counts)
		}
	}
}

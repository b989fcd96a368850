package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

// TestNoDuplicateSignatures guards against two families registering the
// same operator signature, which would make overload resolution ambiguous.
func TestNoDuplicateSignatures(t *testing.T) {
	for _, name := range Names() {
		ovs := Lookup(name)
		for x := 0; x < len(ovs); x++ {
			for y := x + 1; y < len(ovs); y++ {
				a, b := ovs[x], ovs[y]
				if a.Variadic != b.Variadic || len(a.Params) != len(b.Params) {
					continue
				}
				same := true
				for k := range a.Params {
					if !types.Equal(a.Params[k], b.Params[k]) {
						same = false
						break
					}
				}
				if same {
					t.Errorf("%s%v is registered twice", name, a.Params)
				}
			}
		}
	}
}

// TestCollectionOverloadsComeFirst pins the registration order that
// collections.go relies on: Go runs a package's init functions in file
// name order, and the checker takes the first of equally good overloads,
// so renaming a file could otherwise change how calls with untyped null
// arguments resolve.
func TestCollectionOverloadsComeFirst(t *testing.T) {
	for _, name := range []string{"Before", "After", "SameAs", "SameOrBefore", "SameOrAfter", "Indexer", "Length", "ProperIncludes"} {
		ovs := Lookup(name)
		if len(ovs) == 0 {
			t.Fatalf("no overloads of %s", name)
		}
		switch ovs[0].Params[0].(type) {
		case *types.List, *types.Interval:
		default:
			t.Errorf("the first overload of %s takes %v, want a list or interval first", name, ovs[0].Params)
		}
	}
}

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

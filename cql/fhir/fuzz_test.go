package fhir

import (
	"testing"

	"github.com/ccg-project/ccg/cql/value"
)

// walk navigates every element of a value and converts what it finds,
// which must never panic whatever the data.
func walk(v value.Value, depth int) {
	if depth > 6 {
		return
	}
	switch x := v.(type) {
	case value.List:
		for _, e := range x.Elems {
			walk(e, depth+1)
		}
	case *Node:
		ToSystem(x)
		ToInterval(x)
		ToQuantity(x)
		ToConcept(x)
		ToCode(x)
		ToRatio(x)
		if x.obj == nil {
			x.Property("value")
			x.Property("id")
			ext, _ := x.Property("extension")
			walk(ext, depth+1)
			return
		}
		m := R4()
		for t := x.info.Type; t != nil; t = t.Base {
			ti, ok := m.infoOf(t)
			if !ok {
				break
			}
			for _, e := range ti.Elements {
				c, _ := x.Property(e.Name)
				walk(c, depth+1)
			}
		}
	}
}

func FuzzResource(f *testing.F) {
	f.Add([]byte(obsJSON))
	f.Add([]byte(`{"resourceType":"Patient","id":"p","birthDate":"2020-02-30","_birthDate":{"extension":[{"url":"x","valueInteger":"no"}]}}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","valuePeriod":{"start":7}}}]}`))
	f.Add([]byte(`{"resourceType":"Observation","component":[null,{"valueRatio":{"numerator":{"value":1e400}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := R4().ParseResource(data)
		if err != nil {
			return
		}
		walk(n, 0)
		if r, err := NewBundleRetrieverFromNodes([]*Node{n}, BundleOptions{}); err == nil {
			for _, typ := range []string{"Observation", "Patient", "Condition"} {
				tt, _ := R4().ResolveType(typ)
				r.Retrieve(t.Context(), tt, "", value.Code{Code: "x"})
			}
		}
	})
}

package value

import (
	"encoding/json"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

// resource stands for a model value (a FHIR resource) with its own JSON.
type resource struct{ raw string }

func (resource) Type() types.Type               { return &types.Named{Model: "FHIR", Name: "Patient"} }
func (r resource) MarshalJSON() ([]byte, error) { return []byte(r.raw), nil }

func TestToJSONModelValues(t *testing.T) {
	l := List{Elems: []Value{resource{`{"resourceType":"Patient","id":"p1"}`}, Integer(3)}, ElemType: types.Any}
	b, err := json.Marshal(ToJSON(l))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[{"resourceType":"Patient","id":"p1"},3]`; got != want {
		t.Errorf("ToJSON = %s, want %s", got, want)
	}
}

package fhirpath

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEval(t *testing.T) {
	var pat, obs map[string]any
	json.Unmarshal([]byte(`{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1961-03-04","name":[{"given":["Tala","T"],"family":"Tester"}]}`), &pat)
	json.Unmarshal([]byte(`{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":150,"unit":"mm[Hg]"}}`), &obs)
	env := &Env{Vars: map[string]any{"subject": pat}, Now: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Resources: func(typ string) []map[string]any {
			if typ == "Observation" {
				return []map[string]any{obs}
			}
			return nil
		}}
	cases := []struct {
		expr string
		want []any
	}{
		{"Patient.gender = 'female'", []any{true}},
		{"gender", []any{"female"}},
		{"name.given", []any{"Tala", "T"}},
		{"name.given.count()", []any{json.Number("2")}},
		{"name.given.first()", []any{"Tala"}},
		{"%subject.gender.exists()", []any{true}},
		{"Observation.where(code.coding.code = '8480-6').exists()", []any{true}},
		{"Observation.value.value > 140", []any{true}},
		{"Observation.value.value >= 151", []any{false}},
		{"Immunization.exists().not()", []any{true}},
		{"birthDate < today()", []any{true}},
		{"birthDate < @1960-01-01", []any{false}},
		{"gender = 'male' or gender = 'female'", []any{true}},
		{"deceased and true", []any{}},
		{"deceased or true", []any{true}},
		{"'a' | 'b' | 'a'", []any{"a", "b"}},
		{"iif(gender = 'female', 'F', 'M')", []any{"F"}},
		{"name.given.where($this.startsWith('Ta'))", []any{"Tala"}},
		{"'female' in gender", []any{true}},
		{"(1 + 2) * 3", []any{float64(9)}},
		{"name[0].family & '!'", []any{"Tester!"}},
	}
	for _, tc := range cases {
		x, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		got, err := x.Eval(pat, env)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got == nil {
			got = []any{}
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.expr, d)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, src := range []string{"name.", "'open", "foo(", "a ! b", "name.given.nosuch()"} {
		x, err := Parse(src)
		if err == nil {
			_, err = x.Eval(map[string]any{"name": []any{map[string]any{"given": []any{"x"}}}}, nil)
		}
		if err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

package fhirpath

import (
	"strings"
	"testing"
	"time"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// FuzzEval parses arbitrary expressions and evaluates the ones that parse
// against an arbitrary JSON resource (also offered as the only resource of
// its type and as %subject). Neither step may panic: Eval turns a panic
// into an "internal error", which counts as a crash here. Run with:
//
//	go test -run '^$' -fuzz=FuzzEval -fuzztime=3m ./engine/fhirpath
func FuzzEval(f *testing.F) {
	pat := `{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1961-03-04","name":[{"given":["Tala","T"],"family":"Tester"}],"deceasedBoolean":false}`
	obs := `{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":150,"unit":"mm[Hg]"},"effectiveDateTime":"2026-01-01T10:00:00Z"}`
	for _, seed := range []struct{ expr, res string }{
		{"Patient.gender = 'female'", pat},
		{"name.given.first() & ' ' & name.family", pat},
		{"name.where(given.count() > 1).exists()", pat},
		{"name.given.all($this.length() > 0)", pat},
		{"iif(gender = 'male', 1, 2) + 3 * 4 - 5 / 0", pat},
		{"birthDate < today() and birthDate > @1900-01-01", pat},
		{"birthDate <= now() or deceased", pat},
		{"%subject.gender.exists().not()", pat},
		{"Observation.where(code.coding.code = '8480-6').value.value > 140", obs},
		{"value.ofType(Quantity).value >= 1e3", obs},
		{"effective is dateTime", obs},
		{"status in ('final' | 'amended')", obs},
		{"code.coding.code.startsWith('84').not() xor true implies false", obs},
		{"code.coding[0].system.matches('^http[s]?://')", obs},
		{"code.coding[99999999999999999999].code", obs},
		{"code.coding.distinct().tail().last().hasValue()", obs},
		{"value.value.toString().upper().lower().contains('1')", obs},
		{"((((((((((1))))))))))", `{}`},
		{"'a\\'b' ~ 'A\\'B' != `x` !~ %`a b`", `[]`},
		{"@2026-13-45T25:61 = @", `null`},
		{"-(-(1.5)) | {}", `7`},
		{"matches('(')", `"x"`},
		{"$this.$index.$total", `{"a":[1,2,[3]]}`},
		{"1.", `{}`}, {"", `{}`}, {"f(", `{}`}, {"a.b(c.d(e.f()", `{}`},
	} {
		f.Add(seed.expr, seed.res)
	}
	now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr, res string) {
		e, err := Parse(expr)
		if err != nil {
			return
		}
		v, _ := fj.Decode([]byte(res))
		r, _ := v.(map[string]any)
		env := &Env{Now: now, Vars: map[string]any{"subject": r, "context": v},
			Resources: func(typ string) []map[string]any {
				if r != nil && fj.Type(r) == typ {
					return []map[string]any{r}
				}
				return nil
			}}
		for _, focus := range []any{v, nil} {
			if _, err := e.Eval(focus, env); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q on %s: %v", expr, res, err)
			}
			if _, _, err := e.EvalBool(focus, env); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q on %s: %v", expr, res, err)
			}
		}
	})
}

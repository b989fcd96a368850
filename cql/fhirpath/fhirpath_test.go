package fhirpath

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

var now = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)

func node(t testing.TB, js string) *fhir.Node {
	t.Helper()
	n, err := fhir.R4().ParseResource([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const patient = `{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1961-03-04",
	"extension":[{"url":"http://example.org/smoker","valueBoolean":true}],
	"name":[{"given":["Tala","T"],"family":"Tester"}],
	"contained":[{"resourceType":"Practitioner","id":"dr","name":[{"family":"Who"}]}],
	"generalPractitioner":[{"reference":"#dr"}]}`

const observation = `{"resourceType":"Observation","id":"o1","status":"final",
	"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
	"valueQuantity":{"value":150,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}`

func TestEval(t *testing.T) {
	pat, obs := node(t, patient), node(t, observation)
	env := &Env{Now: now, Vars: map[string]value.Value{"subject": pat, "limit": value.Integer(2)},
		Resources: func(typ string) []value.Value {
			if typ == "Observation" {
				return []value.Value{obs}
			}
			return nil
		}}
	cases := []struct{ expr, want string }{
		{"Patient.gender = 'female'", "{ true }"},
		{"gender", "{ 'female' }"},
		{"name.given", "{ 'Tala', 'T' }"},
		{"name.given.count() = %limit", "{ true }"},
		{"name.given = 'Tala' | 'T'", "{ true }"},
		{"(name.given = 'Tala' | 'T').not()", "{ false }"},
		{"{name.given = 'T' | 'Tala'}", "{ false }"},
		{"(name.given = 'Tala') | 'T'", "{ false, 'T' }"},
		{"name.given | 'x' ~ 'tala' | 't' | 'X'", "{ true }"},
		{"birthDate <= today() - 18 years", "{ true }"},
		{"birthDate + 64 years > today()", "{ false }"},
		{"Observation.value > 140 'mm[Hg]'", "{ true }"},
		{"Observation.value < 15.1 'cm[Hg]'", "{ true }"},
		{"Observation.value is Quantity", "{ true }"},
		{"(Observation.value as Quantity).value", "{ 150.0 }"},
		{"Observation.value.as(Period)", "{ }"},
		{"extension('http://example.org/smoker').value", "{ true }"},
		{"generalPractitioner.resolve().name.family", "{ 'Who' }"},
		{"name.family.substring(1, 3).upper()", "{ 'EST' }"},
		{"'12'.toInteger() + 1", "{ 13 }"},
		{"deceased and true", "{ }"},
		{"deceased or true", "{ true }"},
		{"name.given.where($this.startsWith('Ta')).select($index)", "{ 0 }"},
		{"(1 | 2 | 3).aggregate($this + $total, 0)", "{ 6 }"},
		{"%ucum & ' ' & %`vs-x`", "{ 'http://unitsofmeasure.org http://hl7.org/fhir/ValueSet/x' }"},
		{"iif(gender = 'female', 'F', 'M')", "{ 'F' }"},
		{"{}.exists()", "{ false }"},
	}
	for _, tc := range cases {
		x, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		got, err := x.Eval(context.Background(), []value.Value{pat}, env)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if s := Format(got); s != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, s, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	pat := node(t, patient)
	for _, tc := range []struct{ expr, want string }{
		{"name.", "fhirpath 1:"},
		{"'open", "fhirpath 1:"},
		{"name.given1", `no element "given1"`},
		{"name.given.nosuch()", "unknown function nosuch()"},
		{"name.given + 1", "expected one item on each side"},
		{"Encounter.status", "the expression is about Encounter"},
		{"%nosuch", "unknown environment variable"},
		{"gender.memberOf('http://x')", "no terminology"},
	} {
		x, err := Parse(tc.expr)
		if err == nil {
			_, err = x.Eval(context.Background(), []value.Value{pat}, nil)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.expr, err, tc.want)
		}
	}
}

func TestEvalBool(t *testing.T) {
	pat := node(t, patient)
	for _, tc := range []struct {
		expr    string
		b, ok   bool
		wantErr bool
	}{
		{"gender = 'female'", true, true, false},
		{"gender = 'male'", false, true, false},
		{"deceased", false, false, false},
		{"name.given", false, false, true},
	} {
		x, err := Parse(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		b, ok, err := x.EvalBool(context.Background(), []value.Value{pat}, nil)
		if b != tc.b || ok != tc.ok || (err != nil) != tc.wantErr {
			t.Errorf("%s: %v %v %v", tc.expr, b, ok, err)
		}
	}
}

// FuzzEval parses arbitrary expressions and evaluates the ones that parse
// against a Patient; neither step may panic (Eval turns a panic into an
// "internal error", which counts as a crash here). Run with:
//
//	go test -run '^$' -fuzz=FuzzEval -fuzztime=3m ./cql/fhirpath
func FuzzEval(f *testing.F) {
	for _, seed := range []string{
		"Patient.gender = 'female'", "name.given.first() & ' ' & name.family", "name.where(given.count() > 1).exists()",
		"iif(gender = 'male', 1, 2) + 3 * 4 - 5 / 0", "birthDate < today() - 18 years", "%subject.gender.exists().not()",
		"descendants().ofType(string).distinct().count()", "(1 | 2).aggregate($this + $total, 0)", "children().repeat(children())",
		"@2026-13-45T25:61 = @", "-(-(1.5)) | {}", "'x'.matches('(')", "$this.$index.$total", "1.", "f(", "a.b(c.d(e.f()",
		"name.sort(-family).first()", "1.587.lowBoundary(3)", "'abc'.encode('hex').decode('hex')",
	} {
		f.Add(seed)
	}
	pat := node(f, patient)
	env := &Env{Now: now, Vars: map[string]value.Value{"subject": pat}}
	f.Fuzz(func(t *testing.T, expr string) {
		x, err := Parse(expr)
		if err != nil {
			return
		}
		for _, in := range [][]value.Value{{pat}, nil} {
			if _, err := x.Eval(context.Background(), in, env); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q: %v", expr, err)
			}
		}
	})
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"1.repeat($this + 1)", "list size"},
		{"(1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12).aggregate($total & $total, 'abcdefgh')", "string length"},
	} {
		x, err := Parse(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.Eval(context.Background(), nil, &Env{MaxItems: 1000, MaxStringLen: 10000})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.expr, err, tc.want)
		}
	}
}

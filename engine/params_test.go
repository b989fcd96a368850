package engine

import (
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/value"
)

// CQL parameter values survive the trip through a Parameters resource
// (ccg perform sends --param values to $apply this way).
func TestParametersResourceRoundTrip(t *testing.T) {
	in := map[string]value.Value{}
	for _, s := range []string{
		"Measurement Period=Interval[@2022-01-01T00:00:00.0, @2023-01-01T00:00:00.0)",
		"Threshold=140 'mm[Hg]'",
		"Flag=true",
		"N=3",
		"D=2.5",
		"Name='x'",
		"Day=@2022-03-04",
	} {
		n, v, err := cql.ParseParameter(s)
		if err != nil {
			t.Fatal(err)
		}
		in[n] = v
	}
	in["C"] = value.Code{System: "http://loinc.org", Code: "8480-6"}
	p, err := ParametersResource(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cqlParameters(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Measurement Period": "Interval[@2022-01-01T00:00:00.000, @2022-12-31T23:59:59.999]",
		"Threshold":          "140.0 'mm[Hg]'",
		"Flag":               "true",
		"N":                  "3",
		"D":                  "2.5",
		"Name":               "'x'",
		"Day":                "@2022-03-04",
		"C":                  "Code { code: '8480-6', system: 'http://loinc.org' }",
	}
	for n, w := range want {
		if got := value.Format(out[n]); got != w {
			t.Errorf("%s = %s, want %s", n, got, w)
		}
	}
	if _, err := ParametersResource(map[string]value.Value{"L": value.List{}}); err == nil {
		t.Error("a List parameter: no error")
	}
}

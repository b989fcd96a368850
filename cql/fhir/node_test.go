package fhir

import (
	"errors"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

const obsJSON = `{
  "resourceType": "Observation", "id": "o1", "status": "final",
  "_status": {"id": "s1", "extension": [{"url": "http://x", "valueString": "why"}]},
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}], "text": "Weight"},
  "subject": {"reference": "Patient/p1"},
  "effectiveDateTime": "2024-03-05T10:30:00.25+02:00",
  "valueQuantity": {"value": 72.50, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
  "category": [{"text": "vital"}, {"text": "other"}],
  "component": [{"code": {"text": "a"}, "valueInteger": 5}, {"code": {"text": "b"}, "valuePeriod": {"start": "2024-01"}}]
}`

func mustParse(t *testing.T, s string) *Node {
	t.Helper()
	n, err := R4().ParseResource([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func get(t *testing.T, n *Node, path string) value.Value {
	t.Helper()
	v, err := n.Get(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func dec(t *testing.T, s string) value.Decimal {
	d, err := parseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNodeNavigation(t *testing.T) {
	o := mustParse(t, obsJSON)
	if o.TypeName() != "Observation" || o.ID() != "o1" {
		t.Fatalf("got %s/%s", o.TypeName(), o.ID())
	}
	st := get(t, o, "status").(*Node)
	if st.TypeName() != "ObservationStatus" {
		t.Errorf("status type %s", st.TypeName())
	}
	if got := get(t, o, "status.value"); got != value.String("final") {
		t.Errorf("status.value = %v", got)
	}
	if got := get(t, o, "status.id"); got != value.String("s1") {
		t.Errorf("status.id = %v", got)
	}
	if got := get(t, o, "status.extension.url.value").(value.List); len(got.Elems) != 1 || got.Elems[0] != value.String("http://x") {
		t.Errorf("status.extension.url = %v", got)
	}
	v := get(t, o, "value").(*Node)
	if v.TypeName() != "Quantity" {
		t.Errorf("value is %s", v.TypeName())
	}
	q, err := ToQuantity(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.(value.Quantity).Unit != "kg" || q.(value.Quantity).Value.D.String() != "72.50" {
		t.Errorf("quantity %+v", q)
	}
	eff, err := ToSystem(get(t, o, "effective"))
	if err != nil {
		t.Fatal(err)
	}
	want := value.DateTime{Year: 2024, Month: 3, Day: 5, Hour: 10, Minute: 30, Millisecond: 250, OffsetMinutes: 120, HasOffset: true, Precision: value.Millisecond}
	if diff := cmp.Diff(want, eff); diff != "" {
		t.Errorf("effective: %s", diff)
	}
	cats := get(t, o, "category").(value.List)
	if len(cats.Elems) != 2 || !types.Equal(cats.ElemType, R4().infos["CodeableConcept"].Type) {
		t.Errorf("category = %v", cats)
	}
	comps := get(t, o, "component.value").(value.List)
	if len(comps.Elems) != 2 || comps.Elems[0].(*Node).TypeName() != "integer" || comps.Elems[1].(*Node).TypeName() != "Period" {
		t.Errorf("component.value = %v", comps)
	}
	iv, err := ToInterval(comps.Elems[1])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(value.Interval{Low: value.DateTime{Year: 2024, Month: 1, Precision: value.Month}, LowClosed: true, HighClosed: true, PointType: types.DateTime}, iv); diff != "" {
		t.Errorf("period: %s", diff)
	}
	c, err := ToConcept(get(t, o, "code"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(value.Concept{Codes: []value.Code{{Code: "29463-7", System: "http://loinc.org", Display: "Body weight"}}, Display: "Weight"}, c); diff != "" {
		t.Errorf("concept: %s", diff)
	}
	if got := get(t, o, "interpretation").(value.List); len(got.Elems) != 0 {
		t.Errorf("absent list should be empty, got %v", got)
	}
	if got := get(t, o, "issued"); got != nil {
		t.Errorf("absent element should be null, got %v", got)
	}
	if _, err := o.Property("nosuch"); err == nil {
		t.Errorf("unknown element should fail")
	}
}

func TestNodeBadData(t *testing.T) {
	cases := []struct {
		json, path, wantErr string
	}{
		{`{"resourceType":"Observation","id":"x","effectiveDateTime":"2024-13-01"}`, "effective.value", "Observation/x at Observation.effectiveDateTime: invalid dateTime"},
		{`{"resourceType":"Observation","id":"x","valueQuantity":{"value":"12"}}`, "value.value.value", "Observation/x at Observation.valueQuantity.value: expected a JSON number"},
		{`{"resourceType":"Observation","id":"x","category":{"text":"a"}}`, "category", "Observation/x at Observation.category: expected a JSON array"},
		{`{"resourceType":"Patient","id":"p","birthDate":"2020-01-01T10:00:00Z"}`, "birthDate.value", "Patient/p at Patient.birthDate: invalid date"},
		{`{"resourceType":"Patient","id":"p","active":"yes"}`, "active.value", "expected a JSON boolean"},
		{`{"resourceType":"Observation","id":"x","code":"abc"}`, "code", "expected a JSON object for FHIR.CodeableConcept"},
		{`{"resourceType":"Observation","id":"x","valueInteger":1.5}`, "value.value", "invalid FHIR.integer 1.5"},
	}
	for _, c := range cases {
		n := mustParse(t, c.json)
		_, err := n.Get(c.path)
		var de *DataError
		if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s %s: err = %v, want %q", c.json, c.path, err, c.wantErr)
		}
	}
	for _, bad := range []string{`[1]`, `{"resourceType":"Nope"}`, `{"id":"x"}`, `{`} {
		if _, err := R4().ParseResource([]byte(bad)); err == nil {
			t.Errorf("%s: expected an error", bad)
		}
	}
}

func TestQuantityConversion(t *testing.T) {
	cases := []struct {
		json    string
		want    value.Value
		wantErr string
	}{
		{`{"value": 3, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}`, value.Quantity{Value: dec(t, "3"), Unit: "day"}, ""},
		{`{"value": 3, "unit": "mg"}`, value.Quantity{Value: dec(t, "3"), Unit: "mg"}, ""},
		{`{"value": 3}`, value.Quantity{Value: dec(t, "3"), Unit: "1"}, ""},
		{`{"unit": "mg"}`, nil, ""},
		{`{"value": 3, "comparator": "<", "code": "mg", "system": "http://unitsofmeasure.org"}`, nil, "comparator"},
		{`{"value": 3, "code": "tab", "system": "http://snomed.info/sct"}`, nil, "only UCUM"},
	}
	for _, c := range cases {
		n := mustParse(t, `{"resourceType":"Observation","id":"q","valueQuantity":`+c.json+`}`)
		got, err := ToQuantity(get(t, n, "value"))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: err %v", c.json, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.json, err)
			continue
		}
		if diff := cmp.Diff(c.want, got, cmp.Comparer(func(a, b value.Decimal) bool { return a.D.Cmp(b.D) == 0 })); diff != "" {
			t.Errorf("%s: %s", c.json, diff)
		}
	}
}

func TestTemporalParsing(t *testing.T) {
	good := map[string]value.DateTime{
		"2020":                      {Year: 2020, Precision: value.Year},
		"2020-02":                   {Year: 2020, Month: 2, Precision: value.Month},
		"2020-02-29":                {Year: 2020, Month: 2, Day: 29, Precision: value.Day},
		"2020-02-29T23:59:58Z":      {Year: 2020, Month: 2, Day: 29, Hour: 23, Minute: 59, Second: 58, HasOffset: true, Precision: value.Second},
		"2020-02-29T01:02:03-05:30": {Year: 2020, Month: 2, Day: 29, Hour: 1, Minute: 2, Second: 3, OffsetMinutes: -330, HasOffset: true, Precision: value.Second},
		"2020-02-29T01:02:03.1":     {Year: 2020, Month: 2, Day: 29, Hour: 1, Minute: 2, Second: 3, Millisecond: 100, Precision: value.Millisecond},
	}
	for s, want := range good {
		got, err := ParseDateTime(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if got != want {
			t.Errorf("%s: %+v want %+v", s, got, want)
		}
		if back := FormatDateTime(got); s != "2020-02-29T01:02:03.1" && back != s {
			t.Errorf("format %s -> %s", s, back)
		}
	}
	for _, s := range []string{"2021-02-29", "20", "2020-1-01", "2020-01-01T", "2020-01-01T25:00:00Z", "2020-01-01T10:00:00+2", "2020-01-01T10:00:00Zx", "abcd"} {
		if _, err := ParseDateTime(s); err == nil {
			t.Errorf("%s: expected an error", s)
		}
	}
	if _, err := ParseTime("10:61:00"); err == nil {
		t.Errorf("bad time accepted")
	}
	if tm, err := ParseTime("10:15:00"); err != nil || tm != (value.Time{Hour: 10, Minute: 15, Precision: value.Second}) {
		t.Errorf("time: %v %v", tm, err)
	}
}

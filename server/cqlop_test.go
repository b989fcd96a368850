package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func cqlType(s string) []Extension { return []Extension{{URL: extCQLType, ValueString: ptr(s)}} }

func dec(t *testing.T, s string) value.Decimal {
	t.Helper()
	d, err := value.NewDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func flag(url string) *Element {
	ext := Extension{URL: url, ValueBoolean: ptr(true)}
	if url == extDataAbsentReason {
		ext = Extension{URL: url, ValueCode: ptr("unknown")}
	}
	return &Element{Extension: []Extension{ext}}
}

func TestValueParameters(t *testing.T) {
	ints := &types.List{Elem: types.Integer}
	for _, tc := range []struct {
		name string
		v    value.Value
		typ  types.Type
		want []Parameter
	}{
		{"null", nil, types.Integer, []Parameter{{Name: "return", Extension: cqlType("System.Integer"), ValueBooleanElement: flag(extDataAbsentReason)}}},
		{"boolean", value.Boolean(true), nil, []Parameter{{Name: "return", Extension: cqlType("System.Boolean"), ValueBoolean: ptr(true)}}},
		{"integer", value.Integer(-7), nil, []Parameter{{Name: "return", Extension: cqlType("System.Integer"), ValueInteger: ptr(int32(-7))}}},
		{"long", value.Long(9007199254740995), nil, []Parameter{{Name: "return", Extension: cqlType("System.Long"), ValueString: ptr("9007199254740995")}}},
		{"string", value.String("héllo"), nil, []Parameter{{Name: "return", Extension: cqlType("System.String"), ValueString: ptr("héllo")}}},
		{"date", value.Date{Year: 2024, Month: 2, Precision: value.Month}, nil, []Parameter{{Name: "return", Extension: cqlType("System.Date"), ValueDate: ptr("2024-02")}}},
		{"datetime day", value.DateTime{Year: 2024, Month: 2, Day: 29, Precision: value.Day}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.DateTime"), ValueDateTime: ptr("2024-02-29")}}},
		{"datetime ms", value.DateTime{Year: 2024, Month: 2, Day: 29, Hour: 13, Minute: 5, Second: 9, Millisecond: 7, OffsetMinutes: -330, HasOffset: true, Precision: value.Millisecond}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.DateTime"), ValueDateTime: ptr("2024-02-29T13:05:09.007-05:30")}}},
		{"datetime utc", value.DateTime{Year: 2024, Month: 1, Day: 1, HasOffset: true, Precision: value.Second}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.DateTime"), ValueDateTime: ptr("2024-01-01T00:00:00Z")}}},
		{"datetime without offset", value.DateTime{Year: 2024, Month: 1, Day: 1, Hour: 10, Precision: value.Hour}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.DateTime"), ValueString: ptr("@2024-01-01T10")}}},
		{"time", value.Time{Hour: 23, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.Time"), ValueTime: ptr("23:59:59.999")}}},
		{"quantity", value.Quantity{Value: dec(t, "5.0"), Unit: "mg"}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.Quantity"), ValueQuantity: &Quantity{Value: "5.0", Unit: "mg", System: ucumSystem, Code: "mg"}}}},
		{"ratio", value.Ratio{Numerator: value.Quantity{Value: dec(t, "1"), Unit: "mg"}, Denominator: value.Quantity{Value: dec(t, "2"), Unit: "mL"}}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.Ratio"), ValueRatio: &Ratio{
				Numerator: &Quantity{Value: "1.0", Unit: "mg", System: ucumSystem, Code: "mg"}, Denominator: &Quantity{Value: "2.0", Unit: "mL", System: ucumSystem, Code: "mL"}}}}},
		{"code", value.Code{Code: "8480-6", System: "http://loinc.org", Display: "Systolic"}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.Code"), ValueCoding: &Coding{System: "http://loinc.org", Code: "8480-6", Display: "Systolic"}}}},
		{"concept", value.Concept{Codes: []value.Code{{Code: "a", System: "s"}}, Display: "A"}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("System.Concept"), ValueCodeableConcept: &CodeableConcept{Coding: []Coding{{System: "s", Code: "a"}}, Text: "A"}}}},
		{"list", value.List{Elems: []value.Value{value.Integer(1), nil}, ElemType: types.Integer}, ints, []Parameter{
			{Name: "return", Extension: cqlType("System.Integer"), ValueInteger: ptr(int32(1))},
			{Name: "return", Extension: cqlType("System.Integer"), ValueBooleanElement: flag(extDataAbsentReason)}}},
		{"empty list", value.List{ElemType: types.Integer}, ints,
			[]Parameter{{Name: "return", Extension: cqlType("List<System.Integer>"), ValueBooleanElement: flag(extIsEmptyList)}}},
		{"nested list", value.List{Elems: []value.Value{value.List{Elems: []value.Value{value.Integer(1), value.Integer(2)}, ElemType: types.Integer}}, ElemType: ints},
			&types.List{Elem: ints}, []Parameter{{Name: "return", Extension: cqlType("List<System.Integer>"), Part: []Parameter{
				{Name: "element", Extension: cqlType("System.Integer"), ValueInteger: ptr(int32(1))},
				{Name: "element", Extension: cqlType("System.Integer"), ValueInteger: ptr(int32(2))}}}}},
		{"tuple", value.Tuple{Names: []string{"a", "b"}, Values: []value.Value{value.Integer(1), value.List{ElemType: types.String}}}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("Tuple { a System.Integer, b List<System.String> }"), Part: []Parameter{
				{Name: "a", Extension: cqlType("System.Integer"), ValueInteger: ptr(int32(1))},
				{Name: "b", Extension: cqlType("List<System.String>"), ValueBooleanElement: flag(extIsEmptyList)}}}}},
		{"empty tuple", value.Tuple{}, nil, []Parameter{{Name: "return", Extension: cqlType("Tuple { }"), ValueBooleanElement: flag(extIsEmptyTuple)}}},
		{"date interval", value.Interval{Low: value.Date{Year: 2024, Month: 1, Day: 1, Precision: value.Day}, High: value.Date{Year: 2024, Month: 12, Day: 31, Precision: value.Day},
			LowClosed: true, HighClosed: true, PointType: types.Date}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("Interval<System.Date>"), ValuePeriod: &Period{Start: "2024-01-01", End: "2024-12-31"}}}},
		{"integer interval", value.Interval{Low: value.Integer(1), High: value.Integer(5), LowClosed: true, HighClosed: true, PointType: types.Integer}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("Interval<System.Integer>"), ValueRange: &Range{
				Low: &Quantity{Value: "1", System: ucumSystem, Code: "1"}, High: &Quantity{Value: "5", System: ucumSystem, Code: "1"}}}}},
		{"uncertainty where an Integer is expected", value.Interval{Low: value.Integer(16), High: value.Integer(44), LowClosed: true, HighClosed: true}, types.Integer,
			[]Parameter{{Name: "return", Extension: cqlType("Interval<System.Integer>"), ValueRange: &Range{
				Low: &Quantity{Value: "16", System: ucumSystem, Code: "1"}, High: &Quantity{Value: "44", System: ucumSystem, Code: "1"}}}}},
		{"open interval", value.Interval{Low: value.Integer(1), LowClosed: true, PointType: types.Integer}, nil,
			[]Parameter{{Name: "return", Extension: cqlType("Interval<System.Integer>"), Part: []Parameter{
				{Name: "low", ValueInteger: ptr(int32(1))},
				{Name: "lowClosed", ValueBoolean: ptr(true)},
				{Name: "high", ValueBooleanElement: flag(extDataAbsentReason)},
				{Name: "highClosed", ValueBoolean: ptr(false)}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, valueParameters("return", tc.v, tc.typ)); diff != "" {
				t.Errorf("valueParameters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParameterMarshalsValueRaw(t *testing.T) {
	b, err := json.Marshal(Parameter{Name: "x", ValueKey: "valueIdentifier", ValueRaw: json.RawMessage(`{"value":"1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"x","valueIdentifier":{"value":"1"}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// postCQL evaluates expr through POST /$cql, with optional parameters
// given as raw FHIR JSON parameter objects.
func postCQL(t *testing.T, s http.Handler, expr string, params ...string) (int, []byte) {
	t.Helper()
	parts := []string{expressionParam(expr)}
	if len(params) > 0 {
		parts = append(parts, `{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[`+strings.Join(params, ",")+`]}}`)
	}
	return postParameters(t, s, parts...)
}

// expressionParam is the "expression" parameter of $cql as JSON.
func expressionParam(expr string) string {
	e, _ := json.Marshal(expr)
	return `{"name":"expression","valueString":` + string(e) + `}`
}

// postParameters posts a Parameters resource with the given parameters
// (JSON objects) to /$cql.
func postParameters(t *testing.T, s http.Handler, params ...string) (int, []byte) {
	t.Helper()
	body := `{"resourceType":"Parameters","parameter":[` + strings.Join(params, ",") + `]}`
	status, _, resp := do(t, s, http.MethodPost, "/$cql", FHIRMediaType, body)
	return status, resp
}

// returnOf decodes a Parameters answer and returns its only parameter.
func returnOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var p struct {
		ResourceType string           `json:"resourceType"`
		Parameter    []map[string]any `json:"parameter"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	if p.ResourceType != "Parameters" || len(p.Parameter) != 1 || p.Parameter[0]["name"] != "return" {
		t.Fatalf("want Parameters with one return parameter, got\n%s", body)
	}
	delete(p.Parameter[0], "name")
	delete(p.Parameter[0], "extension")
	return p.Parameter[0]
}

func TestCQLEvaluate(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct {
		name   string
		expr   string
		params []string
		want   map[string]any
	}{
		{"integer", "1 + 1", nil, map[string]any{"valueInteger": 2.0}},
		{"string", "'ab' + 'c'", nil, map[string]any{"valueString": "abc"}},
		{"boolean", "3 > 2", nil, map[string]any{"valueBoolean": true}},
		{"multi-line", "1 +\n  2", nil, map[string]any{"valueInteger": 3.0}},
		{"parameter", "N * 2", []string{`{"name":"N","valueInteger":21}`}, map[string]any{"valueInteger": 42.0}},
		{"list parameter", "Count(X)", []string{`{"name":"X","valueString":"a"}`, `{"name":"X","valueString":"b"}`}, map[string]any{"valueInteger": 2.0}},
		{"decimal parameter", "X * 2", []string{`{"name":"X","valueDecimal":1.25}`}, map[string]any{"valueDecimal": 2.5}},
		{"date parameter", "D + 1 day", []string{`{"name":"D","valueDate":"2024-02-28"}`}, map[string]any{"valueDate": "2024-02-29"}},
		{"quantity parameter", "Q + 2 'mg'", []string{`{"name":"Q","valueQuantity":{"value":3,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}`},
			map[string]any{"valueQuantity": map[string]any{"value": 5.0, "unit": "mg", "system": ucumSystem, "code": "mg"}}},
		{"coding parameter", "C.code", []string{`{"name":"C","valueCoding":{"system":"http://loinc.org","code":"8480-6"}}`}, map[string]any{"valueString": "8480-6"}},
		{"time", "@T10:00:00 + 1 hour", nil, map[string]any{"valueTime": "11:00:00"}},
		{"tuple parameter", "T.name + ' ' + ToString(Count(T.visits))", []string{`{"name":"T","part":[{"name":"name","valueString":"Ann"},{"name":"visits","valueInteger":1},{"name":"visits","valueInteger":2}]}`},
			map[string]any{"valueString": "Ann 2"}},
		{"period parameter", "@2024-02-01T00:00:00Z during P", []string{`{"name":"P","valuePeriod":{"start":"2024-01-01T00:00:00Z","end":"2024-03-01T00:00:00Z"}}`},
			map[string]any{"valueBoolean": true}},
		{"open period parameter", "start of P", []string{`{"name":"P","valuePeriod":{"start":"2024-01-01"}}`},
			map[string]any{"valueDateTime": "2024-01-01"}},
		{"range parameter", "5 'mg' in R", []string{`{"name":"R","valueRange":{"low":{"value":1,"code":"mg"},"high":{"value":10,"code":"mg"}}}`},
			map[string]any{"valueBoolean": true}},
		{"ratio parameter", "R.denominator", []string{`{"name":"R","valueRatio":{"numerator":{"value":1,"code":"mg"},"denominator":{"value":2,"code":"mL"}}}`},
			map[string]any{"valueQuantity": map[string]any{"value": 2.0, "unit": "mL", "system": ucumSystem, "code": "mL"}}},
		{"null", "null as Integer", nil, map[string]any{"_valueBoolean": map[string]any{"extension": []any{
			map[string]any{"url": extDataAbsentReason, "valueCode": "unknown"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postCQL(t, s, tc.expr, tc.params...)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", status, body)
			}
			if diff := cmp.Diff(tc.want, returnOf(t, body)); diff != "" {
				t.Errorf("return (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCQLGet(t *testing.T) {
	s, _ := newTestServer(t)
	status, _, body := do(t, s, http.MethodGet, "/$cql?expression="+url.QueryEscape("2 * 3"), "", "")
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string]any{"valueInteger": 6.0}, returnOf(t, body)); diff != "" {
		t.Errorf("return (-want +got):\n%s", diff)
	}
}

func TestCQLCompileError(t *testing.T) {
	s, _ := newTestServer(t)
	status, body := postCQL(t, s, "1 +\n  'a' +")
	if status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400\n%s", status, body)
	}
	var oo struct {
		Issue []Issue `json:"issue"`
	}
	if err := json.Unmarshal(body, &oo); err != nil {
		t.Fatal(err)
	}
	if len(oo.Issue) == 0 {
		t.Fatalf("no issues:\n%s", body)
	}
	for _, is := range oo.Issue {
		if is.Severity != "error" || is.Code != "invalid" || !strings.HasPrefix(is.Diagnostics, "expression:") {
			t.Errorf("issue = %+v, want an error/invalid issue with diagnostics expression:line:col: ...", is)
		}
		if len(is.Location) != 1 || !(strings.HasPrefix(is.Location[0], "line 1,") || strings.HasPrefix(is.Location[0], "line 2,")) {
			t.Errorf("location = %v, want a line of the expression (1 or 2)", is.Location)
		}
		if diff := cmp.Diff([]string{"Parameters.parameter[0].valueString"}, is.Expression); diff != "" {
			t.Errorf("expression (-want +got):\n%s", diff)
		}
	}
}

func TestCQLEvalError(t *testing.T) {
	s, _ := newTestServer(t)
	status, body := postCQL(t, s, "Message(1, true, 'E1', 'Error', 'stop here')")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422\n%s", status, body)
	}
	m := decodeOutcome(t, body)
	if diff := cmp.Diff([]string{"processing"}, issueCodes(m)); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
}

func TestNoHTMLEscaping(t *testing.T) {
	s, _ := newTestServer(t)
	status, body := postCQL(t, s, "Interval[1, 2)")
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if !strings.Contains(string(body), `"Interval<System.Integer>"`) {
		t.Errorf("the CQL type is escaped or missing:\n%s", body)
	}
}

func TestListSizeLimit(t *testing.T) {
	s := New(Config{MaxListSize: 100})
	status, body := postCQL(t, s, "Count(expand { Interval[1, 1000] })")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422\n%s", status, body)
	}
	if diff := cmp.Diff([]string{"too-costly"}, issueCodes(decodeOutcome(t, body))); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
}

func TestEvalTimeout(t *testing.T) {
	s := New(Config{EvalTimeout: time.Millisecond})
	status, body := postCQL(t, s, "Count(expand { Interval[1, 1000000] })")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503\n%s", status, body)
	}
	if diff := cmp.Diff([]string{"timeout"}, issueCodes(decodeOutcome(t, body))); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
}

func TestLibraryCache(t *testing.T) {
	c := newLibraryCache(2, 0)
	c.put("a", &compiled{errs: cql.Errors{{Message: "a"}}})
	c.put("b", &compiled{})
	if comp, ok := c.get("a"); !ok || len(comp.errs) != 1 {
		t.Fatalf("get(a) = %v, %v; want the cached errors", comp, ok)
	}
	c.put("c", &compiled{}) // evicts b, the least recently used
	if _, ok := c.get("b"); ok {
		t.Errorf("b is still cached after eviction")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if n := c.len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}

	// The server answers repeated expressions from the cache, with new
	// parameter values each time.
	s := New(Config{})
	for i, want := range []float64{2, 4, 6} {
		status, body := postCQL(t, s, "N * 2", fmt.Sprintf(`{"name":"N","valueInteger":%d}`, i+1))
		if status != http.StatusOK {
			t.Fatalf("status %d\n%s", status, body)
		}
		if diff := cmp.Diff(map[string]any{"valueInteger": want}, returnOf(t, body)); diff != "" {
			t.Errorf("call %d (-want +got):\n%s", i, diff)
		}
	}
	if n := s.cache.len(); n != 1 {
		t.Errorf("cache holds %d entries after three calls of one expression, want 1", n)
	}
}

func TestCQLParameterNamedExpression(t *testing.T) {
	s, _ := newTestServer(t)
	status, body := postCQL(t, s, "expression + 1", `{"name":"expression","valueInteger":1}`)
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string]any{"valueInteger": 2.0}, returnOf(t, body)); diff != "" {
		t.Errorf("return (-want +got):\n%s", diff)
	}
}

// postCQLData evaluates expr with the data Bundle of testdata and an
// optional subject.
func postCQLData(t *testing.T, s http.Handler, expr, subject string) (int, []byte) {
	t.Helper()
	bundle, err := os.ReadFile(filepath.Join("..", "testdata", "fhir", "patient-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	parts := []string{expressionParam(expr), `{"name":"data","resource":` + string(bundle) + `}`}
	if subject != "" {
		parts = append(parts, `{"name":"subject","valueString":"`+subject+`"}`)
	}
	return postParameters(t, s, parts...)
}

func TestCQLWithData(t *testing.T) {
	s, _ := newTestServer(t) // now is 2024-03-01
	for _, tc := range []struct {
		name, expr, subject string
		want                map[string]any
	}{
		{"patient context", "years between Patient.birthDate and Today()", "Patient/p1", map[string]any{"valueInteger": 43.0}},
		{"retrieve", "Count([Observation] O where O.code.coding.code contains '8480-6')", "Patient/p1", map[string]any{"valueInteger": 2.0}},
		{"unfiltered", "Count([Observation])", "", map[string]any{"valueInteger": 2.0}},
		{"FHIR primitive", "Patient.birthDate", "Patient/p1", map[string]any{"valueDate": "1980-03-15"}},
		{"FHIR element", "First([Observation]).code", "Patient/p1", map[string]any{"valueCodeableConcept": map[string]any{
			"coding": []any{map[string]any{"code": "8480-6", "display": "Systolic blood pressure", "system": "http://loinc.org"}}}}},
		{"resource result", "Patient", "Patient/p1", map[string]any{"resource": map[string]any{
			"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-03-15"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postCQLData(t, s, tc.expr, tc.subject)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", status, body)
			}
			if diff := cmp.Diff(tc.want, returnOf(t, body)); diff != "" {
				t.Errorf("return (-want +got):\n%s", diff)
			}
		})
	}
	// FHIR types are unknown without data: plain expressions do not get
	// the FHIR model.
	status, body := postCQL(t, s, "Count([Observation])")
	if status != http.StatusBadRequest {
		t.Errorf("retrieve without data: status %d, want 400\n%s", status, body)
	}
}

package server

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// FuzzCQLOperation sends arbitrary bodies and expressions to POST /$cql.
// Whatever arrives, the answer must be FHIR JSON (Parameters or
// OperationOutcome) and never a 500: bad input is the client's error, and
// a 500 here means a panic or an unexpected error in the server or the
// engine. Run with: go test -fuzz=FuzzCQLOperation ./server
func FuzzCQLOperation(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1 + 1"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"X"},{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"X","valueDecimal":1e400}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"D"},{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"D","valueDate":"2024-13-45"}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"Interval[5, 1]"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"'\u0000' + \"x"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"","valueString":""}]}`,
		`{"resourceType":"Parameters","parameter":[null]}`,
		`{"resourceType":"Parameters","parameter":{}}`,
		`[]`, `null`, ``, `{"resourceType":"Parameters"}{}`,
	} {
		f.Add(seed)
	}
	s := New(Config{EvalTimeout: time.Second, MaxListSize: 10000})
	f.Fuzz(func(t *testing.T, body string) {
		status, _, resp := do(t, s, http.MethodPost, "/$cql", FHIRMediaType, body)
		if status == http.StatusInternalServerError {
			t.Fatalf("500 for body %q:\n%s", body, resp)
		}
		var res struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(resp, &res); err != nil ||
			(res.ResourceType != "Parameters" && res.ResourceType != "OperationOutcome") {
			t.Fatalf("status %d, answer is not a FHIR resource (%v):\n%s", status, err, resp)
		}
	})
}

// FuzzCQLExpression sends arbitrary CQL expressions to POST /$cql with the
// same expectations as FuzzCQLOperation: any expression is answered with
// Parameters or a 4xx/503 OperationOutcome, never a 500.
func FuzzCQLExpression(f *testing.F) {
	for _, seed := range []string{
		"1 + 1", "'a' + 1", "Interval[1, 5] overlaps Interval[4, 8]", "(4) l return 'x'",
		"ToDateTime('2014-01-01T12:05')", "Message(1, true, 'E', 'Error', 'm')",
		"{1, 2, 3} except {2}", "expand { Interval[1, 10] } per 2", "1 / 0", "Power(2, 100)",
		"@2012-02-30", "convert 5 'mg' to 'g'", "Tuple { a: 1 }.a", "if true then 1 else 'a'",
	} {
		f.Add(seed)
	}
	s := New(Config{EvalTimeout: time.Second, MaxListSize: 10000})
	f.Fuzz(func(t *testing.T, expr string) {
		if status, resp := postCQL(t, s, expr); status == http.StatusInternalServerError {
			t.Fatalf("500 for expression %q:\n%s", expr, resp)
		}
	})
}

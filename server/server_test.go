package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var fixedNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T) (*Server, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	s := New(Config{Logger: zap.New(core), Now: func() time.Time { return fixedNow }, EvalTimeout: 30 * time.Second})
	return s, logs
}

// do sends a request to s and returns the status, content type and body.
func do(t *testing.T, s http.Handler, method, target, contentType, body string) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
}

func decodeOutcome(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	if m["resourceType"] != "OperationOutcome" {
		t.Fatalf("resourceType = %v, want OperationOutcome\n%s", m["resourceType"], body)
	}
	return m
}

func issueCodes(m map[string]any) []string {
	var codes []string
	issues, _ := m["issue"].([]any)
	for _, is := range issues {
		codes = append(codes, is.(map[string]any)["code"].(string))
	}
	return codes
}

func TestMetadata(t *testing.T) {
	s, _ := newTestServer(t)
	s.AddOperation(Operation{Name: "apply", Definition: "http://example.org/OperationDefinition/apply", Resource: "PlanDefinition"})
	status, ct, body := do(t, s, http.MethodGet, "/metadata", "", "")
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200\n%s", status, body)
	}
	if !strings.HasPrefix(ct, FHIRMediaType) {
		t.Errorf("content type = %q, want %s", ct, FHIRMediaType)
	}
	var cs struct {
		ResourceType string `json:"resourceType"`
		FHIRVersion  string `json:"fhirVersion"`
		Kind         string `json:"kind"`
		Date         string `json:"date"`
		Rest         []struct {
			Mode      string        `json:"mode"`
			Operation []csOperation `json:"operation"`
			Resource  []csResource  `json:"resource"`
		} `json:"rest"`
	}
	if err := json.Unmarshal(body, &cs); err != nil {
		t.Fatal(err)
	}
	if cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != "4.0.1" || cs.Kind != "instance" || cs.Date != "2024-03-01" {
		t.Errorf("unexpected header fields: %+v", cs)
	}
	if len(cs.Rest) != 1 || cs.Rest[0].Mode != "server" {
		t.Fatalf("rest = %+v, want one server entry", cs.Rest)
	}
	wantOps := []csOperation{{Name: "cql", Definition: cqlOperationURL}}
	if diff := cmp.Diff(wantOps, cs.Rest[0].Operation); diff != "" {
		t.Errorf("system operations (-want +got):\n%s", diff)
	}
	wantRes := []csResource{{Type: "Library", Operation: []csOperation{{Name: "evaluate", Definition: libraryEvaluateURL}}}, {Type: "PlanDefinition", Operation: []csOperation{{Name: "apply", Definition: "http://example.org/OperationDefinition/apply"}}}}
	if diff := cmp.Diff(wantRes, cs.Rest[0].Resource); diff != "" {
		t.Errorf("resource operations (-want +got):\n%s", diff)
	}
}

func TestNotFoundIsOperationOutcome(t *testing.T) {
	s, _ := newTestServer(t)
	status, ct, body := do(t, s, http.MethodGet, "/no/such/thing", "", "")
	if status != http.StatusNotFound {
		t.Errorf("status = %d, want 404", status)
	}
	if !strings.HasPrefix(ct, FHIRMediaType) {
		t.Errorf("content type = %q", ct)
	}
	if diff := cmp.Diff([]string{"not-found"}, issueCodes(decodeOutcome(t, body))); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
}

func TestPanicBecomes500(t *testing.T) {
	s, logs := newTestServer(t)
	s.Echo().GET("/boom", func(c echo.Context) error { panic("secret detail") })
	status, _, body := do(t, s, http.MethodGet, "/boom", "", "")
	if status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", status)
	}
	m := decodeOutcome(t, body)
	if diff := cmp.Diff([]string{"exception"}, issueCodes(m)); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
	if strings.Contains(string(body), "secret detail") {
		t.Errorf("the panic value reached the client: %s", body)
	}
	if logs.FilterMessage("panic while handling request").Len() != 1 {
		t.Errorf("the panic was not logged")
	}
	reqLogs := logs.FilterMessage("request").All()
	if len(reqLogs) != 1 || reqLogs[0].ContextMap()["status"] != int64(500) {
		t.Errorf("request log = %+v, want one entry with status 500", reqLogs)
	}
}

func TestGuard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	err := guard(ctx, func() error { <-block; return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("guard on a hung function = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("guard took %v to give up", d)
	}
	err = guard(context.Background(), func() error { panic("boom") })
	var ie *internalError
	if !errors.As(err, &ie) {
		t.Errorf("guard on a panicking function = %v, want an internal error", err)
	}
	if status, _ := ErrorOutcome(err); status != http.StatusInternalServerError {
		t.Errorf("status of a recovered panic = %d, want 500", status)
	}
}

func TestErrorOutcome(t *testing.T) {
	compile := cql.Errors{
		{Library: "expression", Line: 1, Col: 3, Code: "syntax", Message: "unexpected end of input"},
		{Library: "expression", Line: 2, Col: 1, Code: "type", Message: "cannot add String and Integer"},
	}
	evalErr := &cql.EvalError{Library: "expression", Line: 1, Col: 5, Message: "division failed"}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		want   []Issue
	}{
		{"request", badRequest("required", "Parameters", "the expression parameter is required"), 400,
			[]Issue{{Severity: "error", Code: "required", Diagnostics: "the expression parameter is required", Expression: []string{"Parameters"}}}},
		{"compile", &CompileError{Errors: compile, Expression: "Parameters.parameter[0].valueString"}, 400, []Issue{
			{Severity: "error", Code: "invalid", Diagnostics: "expression:1:3: unexpected end of input", Location: []string{"line 1, column 3"}, Expression: []string{"Parameters.parameter[0].valueString"}},
			{Severity: "error", Code: "invalid", Diagnostics: "expression:2:1: cannot add String and Integer", Location: []string{"line 2, column 1"}, Expression: []string{"Parameters.parameter[0].valueString"}},
		}},
		{"bare compile errors", compile[:1], 400, []Issue{
			{Severity: "error", Code: "invalid", Diagnostics: "expression:1:3: unexpected end of input", Location: []string{"line 1, column 3"}},
		}},
		{"eval", evalErr, 422, []Issue{
			{Severity: "error", Code: "processing", Diagnostics: "expression:1:5: division failed", Location: []string{"line 1, column 5"}},
		}},
		{"limit", &cql.EvalError{Line: 2, Col: 1, Message: "too big", Err: &builtins.LimitError{Limit: "list size", Max: 10}}, 422, []Issue{
			{Severity: "error", Code: "too-costly", Diagnostics: "expression:2:1: too big", Location: []string{"line 2, column 1"}},
		}},
		{"timeout", fmt.Errorf("eval: %w", context.DeadlineExceeded), 503, []Issue{
			{Severity: "error", Code: "timeout", Diagnostics: "evaluation did not finish in time"},
		}},
		{"http", echo.NewHTTPError(http.StatusMethodNotAllowed, "method not allowed"), 405, []Issue{
			{Severity: "error", Code: "not-supported", Diagnostics: "method not allowed"},
		}},
		{"internal", errors.New("database password is hunter2"), 500, []Issue{
			{Severity: "error", Code: "exception", Diagnostics: "internal server error"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, oo := ErrorOutcome(tc.err)
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			if diff := cmp.Diff(tc.want, oo.Issue); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCQLRequestErrors(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct {
		name, method, target, ct, body string
		status                         int
		codes                          []string
	}{
		{"not json", "POST", "/$cql", FHIRMediaType, "{", 400, []string{"structure"}},
		{"wrong resource", "POST", "/$cql", FHIRMediaType, `{"resourceType":"Patient"}`, 400, []string{"structure"}},
		{"no expression", "POST", "/$cql", FHIRMediaType, `{"resourceType":"Parameters","parameter":[]}`, 400, []string{"required"}},
		{"expression not a string", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueInteger":1}]}`, 400, []string{"invalid"}},
		{"two expressions", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"expression","valueString":"2"}]}`, 400, []string{"invalid"}},
		{"unknown parameter", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"colour","valueString":"red"}]}`, 400, []string{"invalid"}},
		{"subject without data", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"subject","valueString":"Patient/1"}]}`, 400, []string{"required"}},
		{"subject not a patient", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"subject","valueString":"Practitioner/1"}]}`, 400, []string{"not-supported"}},
		{"data not a resource", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"data","valueString":"x"}]}`, 400, []string{"invalid"}},
		{"subject not in data", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"subject","valueString":"Patient/9"},{"name":"data","resource":{"resourceType":"Bundle","type":"collection","entry":[]}}]}`, 400, []string{"value"}},
		{"get with data", "GET", "/$cql?expression=1&data=x", "", "", 400, []string{"not-supported"}},
		{"library", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1"},{"name":"library","part":[]}]}`, 400, []string{"required"}},
		{"bad parameter value", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"X"},{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"X","valueInteger":"seven"}]}}]}`, 400, []string{"value"}},
		{"unsupported parameter type", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"X"},{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"X","valueAddress":{"city":"Bern"}}]}}]}`, 400, []string{"not-supported"}},
		{"mixed list types", "POST", "/$cql", FHIRMediaType,
			`{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"X"},{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"X","valueInteger":1},{"name":"X","valueString":"a"}]}}]}`, 400, []string{"invalid"}},
		{"xml", "POST", "/$cql", "application/fhir+xml", `<Parameters/>`, 415, []string{"not-supported"}},
		{"get without expression", "GET", "/$cql", "", "", 400, []string{"required"}},
		{"get with parameters", "GET", "/$cql?expression=1&parameters=x", "", "", 400, []string{"not-supported"}},
		{"wrong method", "DELETE", "/$cql", "", "", 405, []string{"not-supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ct, body := do(t, s, tc.method, tc.target, tc.ct, tc.body)
			if status != tc.status {
				t.Errorf("status = %d, want %d\n%s", status, tc.status, body)
			}
			if !strings.HasPrefix(ct, FHIRMediaType) {
				t.Errorf("content type = %q", ct)
			}
			if diff := cmp.Diff(tc.codes, issueCodes(decodeOutcome(t, body))); diff != "" {
				t.Errorf("issue codes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	core, _ := observer.New(zap.InfoLevel)
	s := New(Config{Logger: zap.New(core), MaxBodyBytes: 64})
	body := `{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"` + strings.Repeat("1 + ", 50) + `1"}]}`
	status, _, resp := do(t, s, "POST", "/$cql", FHIRMediaType, body)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413\n%s", status, resp)
	}
	decodeOutcome(t, resp)
}

func TestCQLParams(t *testing.T) {
	raw, err := parseParameters([]byte(`{"resourceType":"Parameters","parameter":[
		{"name":"Flag","valueBoolean":true},
		{"name":"N","valueInteger":3},
		{"name":"Name","valueString":"Ann"},
		{"name":"Codes","valueCode":"a"},
		{"name":"Codes","valueCode":"b"}]}`), "P")
	if err != nil {
		t.Fatal(err)
	}
	got, err := cqlParams(raw)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, p := range got {
		types = append(types, p.name+" "+p.typ)
	}
	want := []string{"Flag Boolean", "N Integer", "Name String", "Codes List<String>"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("declared parameters (-want +got):\n%s", diff)
	}
	src, offset := wrapExpression("N + 1", got, nil, false, false)
	wantSrc := "parameter \"Flag\" Boolean\nparameter \"N\" Integer\nparameter \"Name\" String\nparameter \"Codes\" List<String>\ndefine \"ccg $cql expression\":\nN + 1\n"
	if src != wantSrc || offset != 5 {
		t.Errorf("wrapExpression = %q, %d; want %q, 5", src, offset, wantSrc)
	}
}

func TestQuoteIdent(t *testing.T) {
	if got, want := quoteIdent(`a "b" \c`), `"a \"b\" \\c"`; got != want {
		t.Errorf("quoteIdent = %s, want %s", got, want)
	}
}

func TestShiftErrors(t *testing.T) {
	got := shiftErrors(cql.Errors{
		{Library: "expression", Line: 3, Col: 4, Message: "m"},
		{Line: 1, Col: 1, Message: "header"},
		{Library: "expression", Line: 5, Col: 1, Message: "end of input"},
		{Library: "FHIRHelpers", Line: 40, Col: 2, Message: "in an included library"},
	}, 2, exprSpan("1 +\n  2 +"))
	want := cql.Errors{
		{Library: "expression", Line: 1, Col: 4, Message: "m"},
		{Library: "expression", Message: "header"},
		{Library: "expression", Line: 2, Col: 6, Message: "end of input"},
		{Library: "FHIRHelpers", Line: 40, Col: 2, Message: "in an included library"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shiftErrors (-want +got):\n%s", diff)
	}
}

func TestRunGracefulShutdown(t *testing.T) {
	s, _ := newTestServer(t)
	started := make(chan struct{})
	release := make(chan struct{})
	s.Echo().GET("/slow", func(c echo.Context) error {
		close(started)
		<-release
		return c.String(http.StatusOK, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel() // shutdown begins while /slow is in flight
	time.Sleep(50 * time.Millisecond)
	close(release)
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q, want it to finish with \"done\"", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil after a graceful shutdown", err)
	}
}

func TestEncodedDollar(t *testing.T) {
	s, _ := newTestServer(t)
	status, _, body := do(t, s, http.MethodGet, "/%24cql?expression=1", "", "")
	if status != http.StatusOK {
		t.Errorf("GET /%%24cql: status %d, want 200\n%s", status, body)
	}
}

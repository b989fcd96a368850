package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeLibraries is a LibrarySource over CQL texts keyed by url|version.
type fakeLibraries map[string]LibraryInfo

func (f fakeLibraries) LibraryByRef(ref string) (LibraryInfo, bool) {
	if l, ok := f[ref]; ok {
		return l, true
	}
	for _, l := range f {
		if l.URL == ref || "Library/"+l.Name == ref {
			return l, true
		}
	}
	return LibraryInfo{}, false
}

func (f fakeLibraries) ResolveLibrary(name, version string) (string, error) {
	for _, l := range f {
		if l.Name == name && (version == "" || l.Version == version) {
			return l.CQL, nil
		}
	}
	return "", fmt.Errorf("no library %s", name)
}

const mathCQL = `library Math version '1.0'

parameter Factor Integer default 2

define Twice: 21 * Factor
define Small: ({1, 2, 3}) X where X < 3
define private Hidden: 'secret'
define Broken: 1 + 'a'
define UsesBroken: Broken
define Warns: Message(5, true, 'W1', 'Warning', 'five')
`

func newLibraryServer(t *testing.T) *Server {
	t.Helper()
	s, _ := newTestServer(t)
	s.SetLibrarySource(fakeLibraries{
		"http://example.org/Library/Math|1.0": {URL: "http://example.org/Library/Math", Version: "1.0", Name: "Math", CQL: mathCQL},
		"http://example.org/Library/Clean|2": {URL: "http://example.org/Library/Clean", Version: "2", Name: "Clean",
			CQL: "library Clean version '2'\ndefine Answer: 42\n"},
	})
	return s
}

// outputs decodes a Parameters answer into name -> parameters.
func outputs(t *testing.T, body []byte) map[string][]map[string]any {
	t.Helper()
	var p struct {
		ResourceType string           `json:"resourceType"`
		Parameter    []map[string]any `json:"parameter"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ResourceType != "Parameters" {
		t.Fatalf("not a Parameters resource: %v\n%s", err, body)
	}
	out := map[string][]map[string]any{}
	for _, x := range p.Parameter {
		n := x["name"].(string)
		delete(x, "name")
		delete(x, "extension")
		out[n] = append(out[n], x)
	}
	return out
}

func evaluateBody(params ...string) string {
	return `{"resourceType":"Parameters","parameter":[` + strings.Join(params, ",") + `]}`
}

func TestLibraryEvaluate(t *testing.T) {
	s := newLibraryServer(t)
	url := `{"name":"url","valueCanonical":"http://example.org/Library/Math|1.0"}`
	for _, tc := range []struct {
		name   string
		target string
		body   string
		want   map[string][]map[string]any
	}{
		{"named expressions", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Twice"}`, `{"name":"expression","valueString":"Small"}`),
			map[string][]map[string]any{"Twice": {{"valueInteger": 42.0}}, "Small": {{"valueInteger": 1.0}, {"valueInteger": 2.0}}}},
		{"parameter", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Twice"}`,
			`{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"Factor","valueInteger":3}]}}`),
			map[string][]map[string]any{"Twice": {{"valueInteger": 63.0}}}},
		{"private by name", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Hidden"}`),
			map[string][]map[string]any{"Hidden": {{"valueString": "secret"}}}},
		{"instance level", "/Library/Math/$evaluate", evaluateBody(`{"name":"expression","valueString":"Twice"}`),
			map[string][]map[string]any{"Twice": {{"valueInteger": 42.0}}}},
		{"messages", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Warns"}`),
			map[string][]map[string]any{"Warns": {{"valueInteger": 5.0}}, messagesParameterName: {{"resource": map[string]any{
				"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "warning", "code": "informational",
					"diagnostics": "Math:10:15: Warning: W1: five"}}}}}}},
		{"public definitions", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library P\ndefine A: 1\ndefine private B: 2")),
			map[string][]map[string]any{"A": {{"valueInteger": 1.0}}}},
		{"include private", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library P\ndefine A: 1\ndefine private B: 2"), `{"name":"includePrivate","valueBoolean":true}`),
			map[string][]map[string]any{"A": {{"valueInteger": 1.0}}, "B": {{"valueInteger": 2.0}}}},
		{"timestamp", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library T\ndefine D: Today()"), `{"name":"timestamp","valueDateTime":"2020-05-06T10:00:00Z"}`),
			map[string][]map[string]any{"D": {{"valueDate": "2020-05-06"}}}},
		{"inline library", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library Inline\ndefine A: 'a' + 'b'\ndefine B: A + 'c'")),
			map[string][]map[string]any{"A": {{"valueString": "ab"}}, "B": {{"valueString": "abc"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, s, http.MethodPost, tc.target, FHIRMediaType, tc.body)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", status, body)
			}
			if diff := cmp.Diff(tc.want, outputs(t, body)); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}

	// GET at type level with url and expression.
	status, _, body := do(t, s, http.MethodGet, "/Library/$evaluate?url=http://example.org/Library/Math%7C1.0&expression=Twice", "", "")
	if status != http.StatusOK {
		t.Fatalf("GET: status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string][]map[string]any{"Twice": {{"valueInteger": 42.0}}}, outputs(t, body)); diff != "" {
		t.Errorf("GET outputs (-want +got):\n%s", diff)
	}
}

func inlineLibraryParam(src string) string {
	return `{"name":"library","resource":{"resourceType":"Library","status":"active","content":[{"contentType":"text/cql","data":"` +
		base64.StdEncoding.EncodeToString([]byte(src)) + `"}]}}`
}

func TestLibraryEvaluateErrors(t *testing.T) {
	s := newLibraryServer(t)
	url := `{"name":"url","valueCanonical":"http://example.org/Library/Math|1.0"}`
	for _, tc := range []struct {
		name, target, body string
		status             int
		codes              []string
		diagnostics        string // a prefix of the first issue's diagnostics
	}{
		{"unknown library", "/Library/$evaluate", evaluateBody(`{"name":"url","valueCanonical":"http://example.org/Library/Nope"}`), 400, []string{"not-found"}, "library http://example.org/Library/Nope is not known"},
		{"unknown instance", "/Library/Nope/$evaluate", evaluateBody(), 404, []string{"not-found"}, "Library/Nope"},
		{"no library", "/Library/$evaluate", evaluateBody(), 400, []string{"required"}, "give the library"},
		{"url and library", "/Library/$evaluate", evaluateBody(url, inlineLibraryParam("library X define A: 1")), 400, []string{"invalid"}, "url and library are exclusive"},
		{"unknown expression", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Nope"}`), 400, []string{"not-found"}, "library Math has no expression definition"},
		{"definition that does not compile", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"Broken"}`), 400, []string{"invalid"}, "Math:8:16: "},
		{"definition using one that does not compile", "/Library/$evaluate", evaluateBody(url, `{"name":"expression","valueString":"UsesBroken"}`), 400, []string{"invalid"}, "Math:9:"},
		{"all definitions of a library with errors", "/Library/$evaluate", evaluateBody(url), 400, []string{"invalid"}, "Math:8:16: "},
		{"inline library that does not compile", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library Bad\nusing Nope\ndefine A: 1")), 400, []string{"invalid"}, "Bad:2:"},
		{"inline library without CQL", "/Library/$evaluate", evaluateBody(`{"name":"library","resource":{"resourceType":"Library","status":"active"}}`), 400, []string{"required"}, "the Library has no content"},
		{"malformed parameter", "/Library/$evaluate", evaluateBody(url, `{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"Factor","valueInteger":"x"}]}}`), 400, []string{"value"}, `parameter "Factor"`},
		{"unsupported input", "/Library/$evaluate", evaluateBody(url, `{"name":"contentEndpoint","resource":{"resourceType":"Endpoint"}}`), 400, []string{"not-supported"}, ""},
		{"endpoint without address", "/Library/$evaluate", evaluateBody(url, `{"name":"dataEndpoint","resource":{"resourceType":"Endpoint","address":"ftp://x"}}`), 400, []string{"value"}, "dataEndpoint address"},
		{"evaluation error", "/Library/$evaluate", evaluateBody(inlineLibraryParam("library E\ndefine A: Message(1, true, 'E', 'Error', 'stop')")), 422, []string{"processing"}, "E:2:11: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ct, body := do(t, s, http.MethodPost, tc.target, FHIRMediaType, tc.body)
			if status != tc.status {
				t.Errorf("status = %d, want %d\n%s", status, tc.status, body)
			}
			if !strings.HasPrefix(ct, FHIRMediaType) {
				t.Errorf("content type = %q", ct)
			}
			m := decodeOutcome(t, body)
			if diff := cmp.Diff(tc.codes, issueCodes(m)); diff != "" {
				t.Errorf("issue codes (-want +got):\n%s", diff)
			}
			issues, _ := m["issue"].([]any)
			if len(issues) > 0 {
				d, _ := issues[0].(map[string]any)["diagnostics"].(string)
				if !strings.Contains(d, tc.diagnostics) {
					t.Errorf("diagnostics %q do not contain %q", d, tc.diagnostics)
				}
			}
		})
	}
}

func TestCQLLibraryInput(t *testing.T) {
	s := newLibraryServer(t)
	status, body := postParameters(t, s, expressionParam("C.Answer + 1"),
		`{"name":"library","part":[{"name":"url","valueCanonical":"http://example.org/Library/Clean|2"},{"name":"name","valueString":"C"}]}`)
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string]any{"valueInteger": 43.0}, returnOf(t, body)); diff != "" {
		t.Errorf("return (-want +got):\n%s", diff)
	}
	status, body = postParameters(t, s, expressionParam("1"),
		`{"name":"library","part":[{"name":"url","valueCanonical":"http://example.org/Library/Nope"}]}`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "is not known to this server") {
		t.Errorf("unknown library: status %d\n%s", status, body)
	}
	// A library that does not compile: its errors, with their positions.
	status, body = postParameters(t, s, expressionParam("Math.Twice"),
		`{"name":"library","part":[{"name":"url","valueCanonical":"http://example.org/Library/Math|1.0"}]}`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"Math:8:16: `) {
		t.Errorf("library with errors: status %d, want 400 naming Math:8:16\n%s", status, body)
	}
}

// fhirStub is a FHIR server holding one patient and one observation; it
// records the Authorization headers it receives.
type fhirStub struct {
	mu    sync.Mutex
	auths []string
}

func (f *fhirStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", FHIRMediaType)
	var entries []string
	switch {
	case strings.HasPrefix(r.URL.Path, "/Patient"):
		entries = []string{`{"resource":{"resourceType":"Patient","id":"p1","birthDate":"1980-03-15"}}`}
	case strings.HasPrefix(r.URL.Path, "/Observation"):
		entries = []string{`{"resource":{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}}}`}
	}
	fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","entry":[%s]}`, strings.Join(entries, ","))
}

func TestCQLDataEndpoint(t *testing.T) {
	stub := &fhirStub{}
	ts := httptest.NewServer(stub)
	defer ts.Close()
	s, _ := newTestServer(t)
	ep := `{"name":"dataEndpoint","resource":{"resourceType":"Endpoint","status":"active","address":"` + ts.URL + `","header":["Authorization: Bearer t0k"]}}`
	status, body := postParameters(t, s, expressionParam("Count([Observation])"), `{"name":"subject","valueString":"Patient/p1"}`, ep)
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string]any{"valueInteger": 1.0}, returnOf(t, body)); diff != "" {
		t.Errorf("return (-want +got):\n%s", diff)
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	if len(stub.auths) == 0 {
		t.Fatal("the endpoint was not called")
	}
	for _, a := range stub.auths {
		if a != "Bearer t0k" {
			t.Errorf("Authorization = %q, want the Endpoint's header", a)
		}
	}
}

func TestCQLUnreachableDataEndpoint(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	addr := ts.URL
	ts.Close() // nothing listens there any more
	s, _ := newTestServer(t)
	ep := `{"name":"dataEndpoint","resource":{"resourceType":"Endpoint","status":"active","address":"` + addr + `"}}`
	status, body := postParameters(t, s, expressionParam("Count([Observation])"), `{"name":"subject","valueString":"Patient/p1"}`, ep)
	if status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400\n%s", status, body)
	}
	m := decodeOutcome(t, body)
	if diff := cmp.Diff([]string{"not-found"}, issueCodes(m)); diff != "" {
		t.Errorf("issue codes (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(body), "dataEndpoint") {
		t.Errorf("the outcome does not name the dataEndpoint:\n%s", body)
	}
}

func TestCQLPrefetchData(t *testing.T) {
	s, _ := newTestServer(t)
	pf := func(b string) string {
		return `{"name":"prefetchData","part":[{"name":"key","valueString":"k"},{"name":"data","resource":` + b + `}]}`
	}
	status, body := postParameters(t, s, expressionParam("Count([Observation])"),
		pf(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","id":"a","status":"final","code":{"text":"x"}}}]}`),
		pf(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"y"}}}]}`))
	if status != http.StatusOK {
		t.Fatalf("status = %d\n%s", status, body)
	}
	if diff := cmp.Diff(map[string]any{"valueInteger": 2.0}, returnOf(t, body)); diff != "" {
		t.Errorf("return (-want +got):\n%s", diff)
	}
}

func TestOperationDefinitions(t *testing.T) {
	s, _ := newTestServer(t)
	for id, url := range map[string]string{"cql-cql": cqlOperationURL, "cql-library-evaluate": libraryEvaluateURL} {
		status, _, body := do(t, s, http.MethodGet, "/OperationDefinition/"+id, "", "")
		if status != http.StatusOK {
			t.Fatalf("%s: status = %d\n%s", id, status, body)
		}
		var od struct {
			ResourceType, ID, URL, Kind, Status string
			Parameter                           []struct{ Name, Use string }
		}
		if err := json.Unmarshal(body, &od); err != nil {
			t.Fatal(err)
		}
		if od.ResourceType != "OperationDefinition" || od.ID != id || od.URL != url || od.Kind != "operation" || len(od.Parameter) == 0 {
			t.Errorf("%s: %+v", id, od)
		}
	}
	status, _, _ := do(t, s, http.MethodGet, "/OperationDefinition/nope", "", "")
	if status != http.StatusNotFound {
		t.Errorf("unknown OperationDefinition: status %d, want 404", status)
	}
}

func TestStatementChunks(t *testing.T) {
	src := "library L\n\ndefine \"A.B\": 1 +\n  2\n/* note\n define X: 1\n*/\npublic define function F(x Integer): x\ndefine C: 3"
	got := statementChunks(src)
	want := []chunk{{1, 2, ""}, {3, 4, "A.B"}, {5, 6, ""}, {7, 7, ""}, {8, 8, "F"}, {9, 9, "C"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(chunk{})); diff != "" {
		t.Errorf("statementChunks (-want +got):\n%s", diff)
	}
}

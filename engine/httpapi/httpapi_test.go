package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
	"github.com/ccg-project/ccg/internal/uuidtest"
	"github.com/ccg-project/ccg/server/auth"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var fixedNow = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)

func fixture(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata", "apply"}, parts...)...)
}

// brokenCARD is a CARD whose condition raises a run-time error, in a
// Folder with the fixture's provide CARD.
func brokenResources(t testing.TB) []map[string]any {
	src := "library Broken version '1.0.0'\nusing FHIR version '4.0.1'\ncontext Patient\ndefine \"Boom\": (singleton from {1, 2}) > 0\n"
	lib := map[string]any{"resourceType": "Library", "id": "broken-lib", "url": "http://example.org/ccg-test/Library/broken-lib", "version": "1.0.0",
		"name": "Broken", "content": []any{map[string]any{"contentType": "text/cql", "data": base64.StdEncoding.EncodeToString([]byte(src))}}}
	card := map[string]any{"resourceType": "PlanDefinition", "id": "card-broken", "url": "http://example.org/ccg-test/PlanDefinition/card-broken",
		"type": fj.Concept("http://terminology.hl7.org/CodeSystem/plan-definition-type", "eca-rule", ""), "title": "Broken CARD",
		"library": []any{lib["url"]}, "action": []any{map[string]any{"condition": []any{map[string]any{"kind": "applicability",
			"expression": map[string]any{"language": "text/cql-identifier", "expression": "Boom"}}},
			"definitionCanonical": "http://example.org/ccg-test/ActivityDefinition/ad-provide"}}}
	folder := map[string]any{"resourceType": "PlanDefinition", "id": "broken-folder", "url": "http://example.org/ccg-test/PlanDefinition/broken-folder",
		"type":   fj.Concept("http://terminology.hl7.org/CodeSystem/plan-definition-type", "clinical-protocol", ""),
		"action": []any{map[string]any{"definitionCanonical": card["url"]}, map[string]any{"definitionCanonical": "http://example.org/ccg-test/PlanDefinition/card-provide"}}}
	return []map[string]any{lib, card, folder}
}

type testServer struct {
	srv   *httptest.Server
	audit audit.Store
}

func newServer(t *testing.T) *testServer { return newServerB(t) }

func newServerB(t testing.TB, hooks ...func(*echo.Echo)) *testServer {
	t.Helper()
	eng := engine.New(engine.Options{Now: func() time.Time { return fixedNow }, NewID: seqIDs()})
	p, err := content.LoadPath(fixture("package"), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	extra, err := content.FromResources("broken", "1.0.0", append(append([]map[string]any{}, p.Resources...), brokenResources(t)...), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng.Replace([]*content.Package{p, extra})
	return serve(t, eng, hooks...)
}

// seqIDs gives a test engine reproducible ids (name-based UUIDs of a
// counter), so that rewritten goldens differ only where the output does.
func seqIDs() func() string {
	var n atomic.Int64
	return func() string {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprint("ccg-test:", n.Add(1)))).String()
	}
}

// serve mounts the routes for eng on an httptest server, with a SQLite
// audit store in a temporary directory.
func serve(t testing.TB, eng *engine.Engine, hooks ...func(*echo.Echo)) *testServer {
	t.Helper()
	st, err := audit.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := echo.New()
	cfg := httpapi.Config{Engine: eng, Audit: st, Software: "ccg-test-engine/1", Caller: auth.CallerOf}
	if os.Getenv("CCG_BENCH_NO_AUDIT") != "" {
		cfg.Audit = nil
	}
	for _, h := range hooks {
		h(e)
	}
	httpapi.Mount(e, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &testServer{srv: srv, audit: st}
}

func dataIn(t *testing.T) map[string]any { return dataInB(t) }

func dataInB(t testing.TB) map[string]any {
	b, err := os.ReadFile(fixture("data-in", "patient-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func params(subject, encounter string, data map[string]any, extra ...map[string]any) map[string]any {
	var ps []any
	if subject != "" {
		ps = append(ps, map[string]any{"name": "subject", "valueString": subject})
	}
	if encounter != "" {
		ps = append(ps, map[string]any{"name": "encounter", "valueString": encounter})
	}
	if data != nil {
		ps = append(ps, map[string]any{"name": "data", "resource": data})
	}
	for _, x := range extra {
		ps = append(ps, x)
	}
	return map[string]any{"resourceType": "Parameters", "parameter": ps}
}

func (s *testServer) post(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	b, err := fj.MarshalCompact(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.srv.URL+path, httpapi.MediaType, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	m, err := fj.DecodeObj(buf.Bytes())
	if err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, buf.String())
	}
	return resp.StatusCode, m
}

// normalise drops the values that change between runs (none are random
// in $apply responses today, but timestamps depend on the clock).
func normalise(m map[string]any) map[string]any {
	m = fj.CloneObj(m)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "authoredOn" {
					x[k] = "<time>"
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(m)
	return m
}

func golden(t *testing.T, name string, got map[string]any) {
	t.Helper()
	path := fixture("golden", name)
	got = normalise(got)
	if *update {
		b, _ := fj.Marshal(got)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	want, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := jsonDiff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

// jsonDiff compares two resources as generic JSON (numbers as text) after
// normalising both; "" when they are equal. UUIDs (the ids an answer
// makes, unique per answer) are compared by where they first appear:
// each becomes "<uuid-N>", N counting distinct UUIDs in document order.
func jsonDiff(want, got map[string]any) string {
	generic := func(m map[string]any) map[string]any {
		b, _ := fj.MarshalCompact(normalise(m))
		out, _ := fj.DecodeObj([]byte(uuidtest.Number(string(b))))
		return out
	}
	return cmp.Diff(generic(want), generic(got))
}

func TestApplyGolden(t *testing.T) {
	s := newServer(t)
	status, b := s.post(t, "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
	if status != 200 {
		t.Fatalf("status %d: %v", status, b)
	}
	golden(t, "folder-round1.json", b)
	// explain, via the query and via the header
	status, b = s.post(t, "/PlanDefinition/ccgtest-folder/$apply?_explain=true", params("Patient/p1", "Encounter/e1", dataIn(t)))
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	golden(t, "folder-round1-explain.json", b)
	// type level with the patient's Patient Plans
	status, b = s.post(t, "/PlanDefinition/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
	if status != 200 {
		t.Fatalf("status %d: %v", status, b)
	}
	if got := len(fj.Objs(fj.Obj(fj.Objs(b, "entry")[0], "resource"), "action")); got != 5 {
		t.Errorf("Patient Plans: %d actions, want 5", got)
	}
	// type level by url, with a parameter that changes the outcome
	data := dataIn(t)
	data["entry"] = append(fj.List(data, "entry"), map[string]any{"resource": map[string]any{"resourceType": "Observation", "id": "o1", "status": "final",
		"code": fj.Concept("http://loinc.org", "8480-6", ""), "subject": fj.Reference("Patient/p1"),
		"valueQuantity": map[string]any{"value": 135, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}})
	url := map[string]any{"name": "url", "valueUri": "http://example.org/ccg-test/PlanDefinition/ccgtest-folder"}
	threshold := map[string]any{"name": "parameters", "resource": map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "Systolic Threshold", "valueQuantity": map[string]any{"value": 130, "code": "mm[Hg]"}}}}}
	count := func(b map[string]any) int { return len(fj.Objs(fj.Obj(fj.Objs(b, "entry")[0], "resource"), "action")) }
	_, b1 := s.post(t, "/PlanDefinition/$apply", params("Patient/p1", "Encounter/e1", data, url))
	_, b2 := s.post(t, "/PlanDefinition/$apply", params("Patient/p1", "Encounter/e1", data, url, threshold))
	if count(b1) != 4 || count(b2) != 9 {
		t.Errorf("threshold parameter: %d actions with the default, %d with 130 mm[Hg]; want 4 and 9", count(b1), count(b2))
	}
}

func TestApplyErrors(t *testing.T) {
	s := newServer(t)
	noEncounter := dataIn(t)
	noEncounter["entry"] = fj.List(noEncounter, "entry")[1:]
	finished := dataIn(t)
	enc := fj.Obj(fj.Objs(finished, "entry")[0], "resource")
	enc["status"] = "finished"
	notCollection := dataIn(t)
	notCollection["type"] = "transaction"
	noIPS := dataIn(t)
	noIPS["entry"] = fj.List(noIPS, "entry")[:2]
	cases := []struct {
		name       string
		path       string
		body       any
		status     int
		code, expr string
	}{
		{"missing subject", "/PlanDefinition/ccgtest-folder/$apply", params("", "Encounter/e1", dataIn(t)), 400, "required", "Parameters.parameter('subject')"},
		{"subject not in Bundle", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/nobody", "Encounter/e1", dataIn(t)), 400, "not-found", "Parameters.parameter('subject')"},
		{"encounter not in Bundle", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", noEncounter), 400, "not-found", "Parameters.parameter('encounter')"},
		{"encounter not in progress", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", finished), 400, "value", "Bundle.entry[0].resource.status"},
		{"missing data", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", nil), 400, "required", "Parameters.parameter('data')"},
		{"not a collection", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", notCollection), 400, "value", "Bundle.type"},
		{"no IPS", "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", noIPS), 400, "required", "Bundle.entry"},
		{"not Parameters", "/PlanDefinition/ccgtest-folder/$apply", map[string]any{"resourceType": "Bundle"}, 400, "structure", "Parameters"},
		{"unknown PlanDefinition", "/PlanDefinition/nope/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)), 404, "not-found", "PlanDefinition/nope"},
		{"unknown url", "/PlanDefinition/$apply", params("Patient/p1", "Encounter/e1", dataIn(t), map[string]any{"name": "url", "valueUri": "http://nowhere/PlanDefinition/x"}), 404, "not-found", "Parameters.parameter('url')"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, b := s.post(t, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, b)
			}
			if fj.Type(b) != "OperationOutcome" {
				t.Fatalf("got a %s", fj.Type(b))
			}
			found := false
			for _, is := range fj.Objs(b, "issue") {
				ex := fj.List(is, "expression")
				if fj.Str(is, "code") == tc.code && len(ex) > 0 && ex[0] == tc.expr {
					found = true
				}
			}
			if !found {
				t.Errorf("no issue %s at %s in %v", tc.code, tc.expr, b)
			}
		})
	}
}

func TestCQLRuntimeErrorInOneCARD(t *testing.T) {
	s := newServer(t)
	status, b := s.post(t, "/PlanDefinition/broken-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
	if status != 200 {
		t.Fatalf("status %d: %v", status, b)
	}
	entries := fj.Objs(b, "entry")
	rg := fj.Obj(entries[0], "resource")
	types := map[string]string{} // fullUrl -> resourceType
	for _, e := range entries {
		types[fj.Str(e, "fullUrl")] = fj.Type(fj.Obj(e, "resource"))
	}
	var refs []string
	for _, a := range fj.Objs(rg, "action") {
		refs = append(refs, types[fj.Str(fj.Obj(a, "resource"), "reference")])
	}
	if d := cmp.Diff([]string{"CommunicationRequest"}, refs); d != "" {
		t.Errorf("fired (-want +got):\n%s", d)
	}
	last := fj.Obj(entries[len(entries)-1], "resource")
	if fj.Type(last) != "OperationOutcome" {
		t.Fatalf("last entry is %s/%s, want the CARD errors OperationOutcome", fj.Type(last), fj.ID(last))
	}
	is := fj.Objs(last, "issue")
	if len(is) != 1 || !strings.Contains(fj.Str(is[0], "diagnostics"), "card-broken") || fj.List(is[0], "expression")[0] != "PlanDefinition/card-broken.action[0].condition[0]" {
		t.Errorf("issue = %v", is)
	}
}

func TestAuditTrail(t *testing.T) {
	s := newServer(t)
	s.post(t, "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t),
		map[string]any{"name": "parameters", "resource": map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "x", "valueString": "y"}}}}))
	s.post(t, "/PlanDefinition/nope/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
	get := func(q string) []map[string]any {
		resp, err := http.Get(s.srv.URL + "/AuditEvent?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		m, err := fj.DecodeObj(buf.Bytes())
		if err != nil || resp.StatusCode != 200 || fj.Str(m, "type") != "searchset" {
			t.Fatalf("GET /AuditEvent?%s: %d %v %s", q, resp.StatusCode, err, buf.String())
		}
		var out []map[string]any
		for _, e := range fj.Objs(m, "entry") {
			out = append(out, fj.Obj(e, "resource"))
		}
		return out
	}
	all := get("patient=Patient/p1&date=ge2000-01-01")
	if len(all) != 4 {
		t.Fatalf("%d events, want 4 (2 submissions, 2 responses)", len(all))
	}
	var descs []string
	for i := len(all) - 1; i >= 0; i-- {
		descs = append(descs, fj.Str(all[i], "outcome")+" "+fj.Str(all[i], "outcomeDesc"))
	}
	want := []string{
		`0 CPGPlanDefinitionApply submission|ccgtest-folder|e1|{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"y"}]}`,
		"0 http://example.org/ccg-test/PlanDefinition/card-provide|1.0.0|http://example.org/ccg-test/PlanDefinition/card-collect|1.0.0|http://example.org/ccg-test/PlanDefinition/card-reqvx|1.0.0|http://example.org/ccg-test/PlanDefinition/card-stoprx|1.0.0|http://example.org/ccg-test/PlanDefinition/card-stopsrv|1.0.0",
		"0 CPGPlanDefinitionApply submission|nope|e1|",
		"4 PlanDefinition nope is not loaded",
	}
	want[1] = strings.ReplaceAll(want[1], "|1.0.0", "")
	if d := cmp.Diff(want, descs); d != "" {
		t.Errorf("outcomeDesc (-want +got):\n%s", d)
	}
	if n := len(get("outcome=4")); n != 1 {
		t.Errorf("outcome=4: %d events, want 1", n)
	}
	if n := len(get("_count=1")); n != 1 {
		t.Errorf("_count=1: %d events", n)
	}
	if n := len(get("date=lt2000-01-01")); n != 0 {
		t.Errorf("date=lt2000: %d events", n)
	}
}

// failingStore fails the Append calls whose kind is failKind.
type failingStore struct {
	audit.Store
	failKind string
}

func (f failingStore) Append(ctx context.Context, r map[string]any, kind, patient string) (audit.Record, error) {
	if kind == f.failKind {
		return audit.Record{}, context.DeadlineExceeded
	}
	return f.Store.Append(ctx, r, kind, patient)
}

// TestAuditBeforeEvaluation: the submission is durable before the engine
// runs (a failure after it keeps it), and a submission that cannot be
// audited is not evaluated.
func TestAuditBeforeEvaluation(t *testing.T) {
	for _, kind := range []string{audit.KindResponse, audit.KindSubmission} {
		t.Run("failing "+kind, func(t *testing.T) {
			eng := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
			if _, err := eng.LoadPath(fixture("package"), content.Options{}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			st, err := audit.OpenSQLite(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			httpapi.Mount(e, httpapi.Config{Engine: eng, Audit: failingStore{st, kind}})
			srv := httptest.NewServer(e)
			defer srv.Close()
			s := &testServer{srv: srv}
			status, _ := s.post(t, "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
			if status != 500 {
				t.Errorf("status %d, want 500", status)
			}
			st.Close()
			// reopen: what is on disk survives the process
			st2, err := audit.OpenSQLite(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			recs, err := st2.Search(context.Background(), audit.Query{})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, r := range recs {
				kinds = append(kinds, r.Kind)
			}
			want := []string{audit.KindSubmission}
			if kind == audit.KindSubmission {
				want = nil
			}
			if d := cmp.Diff(want, kinds); d != "" {
				t.Errorf("stored events (-want +got):\n%s", d)
			}
		})
	}
}

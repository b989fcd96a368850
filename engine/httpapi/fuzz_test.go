package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
)

// applyStatuses are the answers $apply may give to a client: anything
// else (a 500 above all) means the server failed on the client's input.
var applyStatuses = map[int]bool{200: true, 400: true, 404: true, 413: true, 415: true, 422: true}

// fuzzMutations returns variants of a data-in Bundle that break it in the
// ways a careless client would: wrong JSON types where FHIR expects
// objects or arrays, missing ids, malformed dates, nested Bundles, huge
// numbers and deep nesting.
func fuzzMutations(bundle map[string]any) []map[string]any {
	var out []map[string]any
	mut := func(f func(b map[string]any)) {
		b := fj.CloneObj(bundle)
		f(b)
		out = append(out, b)
	}
	each := func(b map[string]any, f func(r map[string]any)) {
		for _, e := range fj.Objs(b, "entry") {
			if r := fj.Obj(e, "resource"); r != nil {
				f(r)
			}
		}
	}
	mut(func(b map[string]any) { b["entry"] = "not a list" })
	mut(func(b map[string]any) { b["entry"] = []any{1, "x", nil, true, []any{}} })
	mut(func(b map[string]any) {
		for _, e := range fj.Objs(b, "entry") {
			e["resource"] = []any{"wrong"}
		}
	})
	mut(func(b map[string]any) { each(b, func(r map[string]any) { delete(r, "id") }) })
	mut(func(b map[string]any) { each(b, func(r map[string]any) { r["id"] = 42 }) })
	mut(func(b map[string]any) { each(b, func(r map[string]any) { r["resourceType"] = 7 }) })
	mut(func(b map[string]any) {
		each(b, func(r map[string]any) {
			for _, k := range []string{"birthDate", "effectiveDateTime", "authoredOn", "onsetDateTime", "recordedDate", "date", "issued"} {
				if _, ok := r[k]; ok {
					r[k] = "2024-13-45T25:61:61+99:00"
				}
			}
			r["period"] = map[string]any{"start": "yesterday", "end": 20240101}
		})
	})
	mut(func(b map[string]any) {
		each(b, func(r map[string]any) {
			r["valueQuantity"] = map[string]any{"value": json.Number("1e999999"), "unit": "mg"}
			r["valueInteger"] = json.Number("-99999999999999999999999999999999")
		})
	})
	mut(func(b map[string]any) {
		each(b, func(r map[string]any) {
			r["code"] = "not a CodeableConcept"
			r["subject"] = []any{map[string]any{"reference": 5}}
			r["status"] = map[string]any{}
		})
	})
	mut(func(b map[string]any) {
		inner := fj.CloneObj(bundle)
		b["entry"] = append(fj.List(b, "entry"), map[string]any{"resource": inner},
			map[string]any{"resource": map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{map[string]any{"resource": fj.CloneObj(bundle)}}}})
	})
	mut(func(b map[string]any) {
		var deep any = map[string]any{"resourceType": "Basic"}
		for range 200 {
			deep = map[string]any{"extension": []any{map[string]any{"url": "x", "valueReference": deep}}}
		}
		each(b, func(r map[string]any) { r["extension"] = []any{deep} })
	})
	mut(func(b map[string]any) { b["resourceType"] = "Parameters" })
	mut(func(b map[string]any) { delete(b, "type"); delete(b, "meta") })
	return out
}

func applySeeds(t testing.TB) []string {
	files := append([]string{fixture("data-in", "patient-1.json")}, exampleDataIn(2)...)
	var seeds []string
	add := func(v any) {
		b, err := fj.MarshalCompact(v)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fj.DecodeObj(b)
		if err != nil {
			t.Fatal(err)
		}
		subject, encounter, err := datain.Defaults(data)
		if err != nil {
			t.Fatal(err)
		}
		add(params(subject, encounter, data))
		if i == 0 {
			for _, m := range fuzzMutations(data) {
				add(params(subject, encounter, m))
			}
			add(params(subject, encounter, data, map[string]any{"name": "parameters", "resource": map[string]any{"resourceType": "Parameters",
				"parameter": []any{map[string]any{"name": "X", "valueDecimal": json.Number("1e400")}, map[string]any{"name": "D", "valueDate": "2024-02-30"}}}}))
			add(params(subject, encounter, data, map[string]any{"name": "url", "valueUri": "http://example.org/ccg-test/PlanDefinition/ccgtest-folder"}))
			add(params("", "", data))
			add(params("Patient/nobody", "Encounter/", data))
		}
	}
	seeds = append(seeds,
		`{"resourceType":"Parameters","parameter":[{"name":"data","resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p"}}]}}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"subject","valueReference":{"reference":"Patient/p"}},{"name":"data","resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p","birthDate":"1e9"}}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"data","valueString":"x"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"data","resource":[]}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Bundle"}}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://example.org/nope|9"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":1}]}`,
		`{"resourceType":"Parameters","parameter":[null,{}]}`,
		`{"resourceType":"Parameters","parameter":{}}`,
		`{"resourceType":"Bundle"}`, `[]`, `null`, ``, `{`, `{"resourceType":"Parameters"}{}`,
		`{"resourceType":"Parameters","parameter":[{"name":"data","resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p","extension":[{"valueDecimal":1e400}]}}]}}]}`,
	)
	return seeds
}

// FuzzApply posts arbitrary bodies to POST /PlanDefinition/{id}/$apply
// (id non-empty) and POST /PlanDefinition/$apply (id empty), against the
// apply fixture package and the example packages, with an in-memory audit
// store. Every body must be answered with a FHIR Bundle or
// OperationOutcome and a client status (200, 400, 404, 413, 415, 422):
// never a 500 or a panic. Run with:
//
//	go test -run '^$' -fuzz=FuzzApply -fuzztime=3m ./engine/httpapi
func FuzzApply(f *testing.F) {
	for _, s := range applySeeds(f) {
		f.Add("ccgtest-folder", s)
		f.Add("", s)
	}
	f.Add("t2d-folder", `{"resourceType":"Parameters"}`)
	f.Add("htn-folder", `{"resourceType":"Parameters"}`)
	f.Add("card-provide", `{"resourceType":"Parameters"}`)
	f.Add("no-such-plan", `{"resourceType":"Parameters"}`)
	f.Add("../Library/ccgtest-library", `{"resourceType":"Parameters"}`)

	post := fuzzServer(f)
	f.Fuzz(func(t *testing.T, id, body string) {
		path := "/PlanDefinition/$apply"
		if id != "" {
			path = "/PlanDefinition/" + url.PathEscape(id) + "/$apply"
		}
		post(t, path, body)
	})
}

// FuzzApplyData lets the fuzzer work on the data-in Bundle itself (and the
// subject and encounter references): the harness wraps them in the
// Parameters of POST /PlanDefinition/{id}/$apply for the fixture Folder
// and for the Folders of the example packages (the high bit of folder asks
// for ?_explain=true), so mutations reach the validator, the retrievers and
// the CQL instead of breaking the envelope. Same expectations as FuzzApply. Run with:
//
//	go test -run '^$' -fuzz=FuzzApplyData -fuzztime=3m ./engine/httpapi
func FuzzApplyData(f *testing.F) {
	for _, file := range append([]string{fixture("data-in", "patient-1.json")}, exampleDataIn(2)...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		data, err := fj.DecodeObj(b)
		if err != nil {
			f.Fatal(err)
		}
		subject, encounter, _ := datain.Defaults(data)
		compact, _ := fj.MarshalCompact(data)
		f.Add(uint8(0), string(compact), subject, encounter)
		if file == fixture("data-in", "patient-1.json") {
			for _, m := range fuzzMutations(data) {
				b, _ := fj.MarshalCompact(m)
				f.Add(uint8(0), string(b), subject, encounter)
			}
			continue
		}
		folder := uint8(1)
		if strings.Contains(file, "hypertension") {
			folder = 2
		}
		f.Add(folder, string(compact), subject, encounter)
		f.Add(folder|0x80, string(compact), subject, encounter) // with the explain Parameters
	}
	post := fuzzServer(f)
	folders := []string{"ccgtest-folder", "t2d-folder", "htn-folder"}
	f.Fuzz(func(t *testing.T, folder uint8, data, subject, encounter string) {
		s, _ := json.Marshal(subject)
		e, _ := json.Marshal(encounter)
		body := `{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":` + string(s) +
			`},{"name":"encounter","valueString":` + string(e) + `},{"name":"data","resource":` + data + `}]}`
		path := "/PlanDefinition/" + folders[int(folder&0x7f)%len(folders)] + "/$apply"
		if folder&0x80 != 0 {
			path += "?_explain=true"
		}
		post(t, path, body)
	})
}

func exampleDataIn(perExample int) []string {
	var files []string
	for _, ex := range []string{"diabetes", "hypertension"} {
		fs, _ := filepath.Glob(filepath.Join("..", "..", "examples", ex, "data-in", "*.json"))
		if len(fs) > perExample {
			fs = fs[:perExample]
		}
		files = append(files, fs...)
	}
	return files
}

// memAudit is the fuzzers' audit store: every AuditEvent is built and
// serialised as the SQLite store does, but nothing is written, so the
// fuzzers spend their time on the input instead of on fsync (the stores
// have their own tests, crash tests included).
type memAudit struct{ audit.Store }

func (memAudit) Append(_ context.Context, res map[string]any, kind, patient string) (audit.Record, error) {
	if _, err := fj.MarshalCompact(res); err != nil {
		return audit.Record{}, err
	}
	return audit.Record{ID: fj.ID(res), Kind: kind, Patient: patient, Resource: res}, nil
}

// fuzzServer mounts the routes for an engine holding the apply fixture
// package and the example packages, with an in-memory audit store (memAudit), and
// returns a function that POSTs a body and checks the answer: a client
// status (applyStatuses), FHIR JSON (a Bundle for 200, an
// OperationOutcome otherwise) and no formatting failures in messages.
func fuzzServer(f *testing.F) func(t *testing.T, path, body string) {
	eng := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
	if _, err := eng.LoadPath(fixture("package"), content.Options{}); err != nil {
		f.Fatal(err)
	}
	for _, ex := range []string{"diabetes", "hypertension"} {
		if _, err := eng.LoadPath(filepath.Join("..", "..", "examples", ex, "package"), content.Options{}); err != nil {
			f.Fatal(err)
		}
	}
	e := echo.New()
	httpapi.Mount(e, httpapi.Config{Engine: eng, Audit: memAudit{}, MaxBodyBytes: 1 << 20, Timeout: time.Minute})

	return func(t *testing.T, path, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://ccg.test"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", httpapi.MediaType)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if !applyStatuses[rec.Code] {
			t.Fatalf("POST %s: status %d for body %q:\n%s", path, rec.Code, body, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "%!") {
			t.Fatalf("POST %s: a message went wrong in formatting (a panic in an Error method?):\n%s", path, rec.Body)
		}
		res, err := fj.DecodeObj(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("POST %s: status %d, answer is not JSON (%v):\n%s", path, rec.Code, err, rec.Body)
		}
		switch rt := fj.Type(res); {
		case rec.Code == 200 && rt != "Bundle":
			t.Fatalf("POST %s: 200 with a %q, want a Bundle:\n%s", path, rt, rec.Body)
		case rec.Code != 200 && rt != "OperationOutcome":
			t.Fatalf("POST %s: %d with a %q, want an OperationOutcome:\n%s", path, rec.Code, rt, rec.Body)
		}
	}
}

// TestApplyNonObjectResource: a data or parameters parameter whose
// resource is not a JSON object is a 400 that says so (the message used to
// carry a formatting panic from fhirjson's error).
func TestApplyNonObjectResource(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct{ name, resource, want string }{
		{"data", `[]`, "parameter data: expected a JSON object, got an array"},
		{"data", `"x"`, "parameter data: expected a JSON object, got a string"},
		{"data", `null`, "parameter data: expected a JSON object, got null"},
		{"parameters", `7`, "parameter parameters: expected a JSON object, got a number"},
		{"parameters", `true`, "parameter parameters: expected a JSON object, got a boolean"},
	} {
		body := json.RawMessage(`{"resourceType":"Parameters","parameter":[{"name":"` + tc.name + `","resource":` + tc.resource + `}]}`)
		status, got := s.post(t, "/PlanDefinition/ccgtest-folder/$apply", body)
		if status != http.StatusBadRequest {
			t.Errorf("%s=%s: status %d, want 400", tc.name, tc.resource, status)
		}
		if d := diagnostics(got); d != tc.want {
			t.Errorf("%s=%s: diagnostics %q, want %q", tc.name, tc.resource, d, tc.want)
		}
	}
}

func diagnostics(oo map[string]any) string {
	var parts []string
	for _, is := range fj.Objs(oo, "issue") {
		parts = append(parts, fj.Str(is, "diagnostics"))
	}
	return strings.Join(parts, "; ")
}

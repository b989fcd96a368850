package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func fhirServer(t *testing.T) (*httptest.Server, *int32) {
	var calls int32
	obs := func(id, code, patient string) map[string]any {
		return map[string]any{"resourceType": "Observation", "id": id, "status": "final",
			"code":    map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": code}}},
			"subject": map[string]any{"reference": "Patient/" + patient}}
	}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	var srv *httptest.Server
	mux.HandleFunc("/fhir/Observation", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		if r.URL.Query().Get("patient") != "Patient/p1" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("missing header")
		}
		if code := r.URL.Query().Get("code"); code != "" {
			if code != "http://loinc.org|8302-2,http://loinc.org|nope" {
				t.Errorf("code search %q", code)
			}
			write(w, 200, map[string]any{"resourceType": "Bundle", "type": "searchset",
				"entry": []any{map[string]any{"resource": obs("o2", "8302-2", "p1")}}})
			return
		}
		if r.URL.Query().Get("page") == "2" {
			write(w, 200, map[string]any{"resourceType": "Bundle", "type": "searchset",
				"entry": []any{map[string]any{"resource": obs("o3", "718-7", "p1")}}})
			return
		}
		write(w, 200, map[string]any{"resourceType": "Bundle", "type": "searchset",
			"link": []any{map[string]any{"relation": "next", "url": srv.URL + "/fhir/Observation?patient=Patient/p1&page=2"}},
			"entry": []any{
				map[string]any{"resource": obs("o1", "29463-7", "p1")},
				map[string]any{"resource": obs("o2", "8302-2", "p1")},
				map[string]any{"resource": map[string]any{"resourceType": "Patient", "id": "p1"}, "search": map[string]any{"mode": "include"}},
			}})
	})
	mux.HandleFunc("/fhir/Condition", func(w http.ResponseWriter, r *http.Request) {
		write(w, 500, map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "diagnostics": "database down"}}})
	})
	mux.HandleFunc("/fhir/ValueSet/$expand", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		u := r.URL.Query().Get("url")
		if u != "http://example.org/vs/weight" {
			write(w, 404, map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"diagnostics": "unknown value set " + u}}})
			return
		}
		off := r.URL.Query().Get("offset")
		var contains []any
		if off == "0" {
			contains = []any{map[string]any{"system": "http://loinc.org", "code": "29463-7"}}
		} else {
			contains = []any{map[string]any{"system": "http://loinc.org", "code": "3141-9"}}
		}
		write(w, 200, map[string]any{"resourceType": "ValueSet", "expansion": map[string]any{"total": 2, "offset": off, "contains": contains}})
	})
	mux.HandleFunc("/fhir/ValueSet/$validate-code", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		ok := r.URL.Query().Get("code") == "718-7" && r.URL.Query().Get("system") == "http://loinc.org"
		write(w, 200, map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "result", "valueBoolean": ok}}})
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestRESTRetrieverAndTerminology(t *testing.T) {
	srv, calls := fhirServer(t)
	ctx := context.Background()
	term := NewRemoteTerminology(srv.URL+"/fhir/", srv.Client())
	r := NewRESTRetriever(RESTOptions{BaseURL: srv.URL + "/fhir", Client: srv.Client(), PatientID: "p1",
		Header: http.Header{"Authorization": {"Bearer tok"}}, Terminology: term})
	// Explicit codes before the type is fetched: a server-side code search.
	got, err := r.Retrieve(ctx, typ(t, "Observation"), "", value.List{Elems: []value.Value{
		value.Code{System: "http://loinc.org", Code: "8302-2"}, value.Code{System: "http://loinc.org", Code: "nope"}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"o2"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	got, err = r.Retrieve(ctx, typ(t, "Observation"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"o1", "o2", "o3"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	got, err = r.Retrieve(ctx, typ(t, "Observation"), "", value.ValueSetRef{ID: "http://example.org/vs/weight"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"o1"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	got, err = r.Retrieve(ctx, typ(t, "Observation"), "code", value.Code{System: "http://loinc.org", Code: "718-7"})
	if err != nil || len(got) != 1 {
		t.Errorf("by code: %v %v", ids(got), err)
	}
	// A code search, two pages of search, two pages of expansion; nothing refetched.
	if n := atomic.LoadInt32(calls); n != 5 {
		t.Errorf("%d server calls, want 5", n)
	}
	_, err = r.Retrieve(ctx, typ(t, "Condition"), "", nil)
	if err == nil || !strings.Contains(err.Error(), "database down") {
		t.Errorf("server error: %v", err)
	}
	_, err = r.Retrieve(ctx, typ(t, "Observation"), "", value.ValueSetRef{ID: "http://example.org/vs/missing"})
	var nf *ValueSetNotFoundError
	if err == nil || !strings.Contains(err.Error(), "http://example.org/vs/missing") || !asErr(err, &nf) {
		t.Errorf("missing value set: %v", err)
	}
	for _, c := range []struct {
		code value.Code
		want bool
	}{{value.Code{System: "http://loinc.org", Code: "718-7"}, true}, {value.Code{System: "http://loinc.org", Code: "1-1"}, false}} {
		in, err := term.InValueSet(ctx, c.code, value.ValueSetRef{ID: "http://example.org/vs/labs"})
		if err != nil || in != c.want {
			t.Errorf("validate %v: %v %v", c.code, in, err)
		}
	}
	before := atomic.LoadInt32(calls)
	term.InValueSet(ctx, value.Code{System: "http://loinc.org", Code: "718-7"}, value.ValueSetRef{ID: "http://example.org/vs/labs"})
	in, _ := term.InValueSet(ctx, value.Code{System: "http://loinc.org", Code: "3141-9"}, value.ValueSetRef{ID: "http://example.org/vs/weight"})
	if !in || atomic.LoadInt32(calls) != before {
		t.Errorf("cached answers expected (in=%v, calls %d -> %d)", in, before, atomic.LoadInt32(calls))
	}
	_ = fmt.Sprint
}

func asErr(err error, target **ValueSetNotFoundError) bool {
	for e := err; e != nil; {
		if x, ok := e.(*ValueSetNotFoundError); ok {
			*target = x
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ccg-project/ccg/cql/value"
)

func TestValueSetStoreInCodeSystem(t *testing.T) {
	s := testTerminology(t)
	for _, cs := range []string{
		`{"resourceType": "CodeSystem", "url": "http://example.org/cs/folded", "version": "2", "content": "complete", "caseSensitive": false,
		  "concept": [{"code": "Alpha", "concept": [{"code": "Beta"}]}]}`,
		`{"resourceType": "CodeSystem", "url": "http://example.org/cs/fragment", "content": "fragment", "concept": [{"code": "a"}]}`,
		`{"resourceType": "CodeSystem", "url": "http://example.org/cs/absent", "content": "not-present"}`,
	} {
		if err := s.AddJSON([]byte(cs)); err != nil {
			t.Fatal(err)
		}
	}
	const conditions = "http://example.org/fhir/CodeSystem/conditions"
	cases := []struct {
		name    string
		code    value.Code
		cs      value.CodeSystemRef
		want    bool
		wantErr string
	}{
		{"top-level concept", value.Code{System: conditions, Code: "anaemia"}, value.CodeSystemRef{ID: conditions}, true, ""},
		{"nested concept", value.Code{System: conditions, Code: "transfusion-dependent"}, value.CodeSystemRef{ID: conditions}, true, ""},
		{"not a concept", value.Code{System: conditions, Code: "nope"}, value.CodeSystemRef{ID: conditions}, false, ""},
		{"case sensitive by default", value.Code{System: conditions, Code: "Anaemia"}, value.CodeSystemRef{ID: conditions}, false, ""},
		{"another system", value.Code{System: "http://example.org/other", Code: "anaemia"}, value.CodeSystemRef{ID: conditions}, false, ""},
		{"code without a system", value.Code{Code: "pre-eclampsia"}, value.CodeSystemRef{ID: conditions}, true, ""},
		{"not case sensitive", value.Code{System: "http://example.org/cs/folded", Code: "beta"}, value.CodeSystemRef{ID: "http://example.org/cs/folded"}, true, ""},
		{"matching version", value.Code{Code: "Alpha"}, value.CodeSystemRef{ID: "http://example.org/cs/folded", Version: "2"}, true, ""},
		{"version in the canonical", value.Code{Code: "Alpha"}, value.CodeSystemRef{ID: "http://example.org/cs/folded|2"}, true, ""},
		{"other version of the code", value.Code{Code: "Alpha", Version: "1"}, value.CodeSystemRef{ID: "http://example.org/cs/folded"}, false, ""},
		{"version not loaded", value.Code{Code: "Alpha"}, value.CodeSystemRef{ID: "http://example.org/cs/folded", Version: "3"}, false, "code system http://example.org/cs/folded version 3 not found"},
		{"unknown code system", value.Code{Code: "x"}, value.CodeSystemRef{ID: "http://example.org/cs/unknown"}, false, "code system http://example.org/cs/unknown not found"},
		{"in a fragment", value.Code{Code: "a"}, value.CodeSystemRef{ID: "http://example.org/cs/fragment"}, true, ""},
		{"not in a fragment", value.Code{Code: "b"}, value.CodeSystemRef{ID: "http://example.org/cs/fragment"}, false, "holds only a fragment"},
		{"content not present", value.Code{Code: "a"}, value.CodeSystemRef{ID: "http://example.org/cs/absent"}, false, "not-present"},
	}
	for _, c := range cases {
		got, err := s.InCodeSystem(context.Background(), c.code, c.cs)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: got %v, %v; want error %q", c.name, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	var nf *CodeSystemNotFoundError
	if _, err := s.InCodeSystem(context.Background(), value.Code{Code: "x"}, value.CodeSystemRef{ID: "http://x"}); !errors.As(err, &nf) || nf.URL != "http://x" {
		t.Errorf("not found error: %v", err)
	}
	var _ CodeSystemMember = s
	var _ CodeSystemMember = (*RemoteTerminology)(nil)
}

func TestRemoteInCodeSystem(t *testing.T) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		w.Header().Set("Content-Type", "application/fhir+json")
		q := r.URL.Query()
		if r.URL.Path != "/fhir/CodeSystem/$validate-code" {
			w.WriteHeader(404)
			return
		}
		if q.Get("url") != "http://loinc.org" {
			w.WriteHeader(404)
			json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"diagnostics": "unknown code system"}}})
			return
		}
		if q.Get("version") != "" && q.Get("version") != "2.77" {
			t.Errorf("version %q", q.Get("version"))
		}
		json.NewEncoder(w).Encode(map[string]any{"resourceType": "Parameters", "parameter": []any{
			map[string]any{"name": "result", "valueBoolean": q.Get("code") == "718-7"}}})
	}))
	defer srv.Close()
	term := NewRemoteTerminology(srv.URL+"/fhir", srv.Client())
	ctx := context.Background()
	loinc := value.CodeSystemRef{ID: "http://loinc.org", Version: "2.77"}
	cases := []struct {
		code value.Code
		want bool
	}{
		{value.Code{System: "http://loinc.org", Code: "718-7"}, true},
		{value.Code{Code: "718-7"}, true},
		{value.Code{System: "http://loinc.org", Code: "0000-0"}, false},
		{value.Code{System: "http://snomed.info/sct", Code: "718-7"}, false}, // answered without the server
	}
	for _, c := range cases {
		got, err := term.InCodeSystem(ctx, c.code, loinc)
		if err != nil || got != c.want {
			t.Errorf("%v: %v %v, want %v", c.code, got, err, c.want)
		}
	}
	if n := atomic.LoadInt32(&calls); n != 2 {
		t.Errorf("%d calls, want 2 (cached by code, other systems not asked)", n)
	}
	var nf *CodeSystemNotFoundError
	if _, err := term.InCodeSystem(ctx, value.Code{Code: "x"}, value.CodeSystemRef{ID: "http://example.org/cs"}); !errors.As(err, &nf) {
		t.Errorf("unknown code system: %v", err)
	}
}

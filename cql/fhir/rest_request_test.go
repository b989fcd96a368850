package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

// requestServer is a FHIR server over a fixed set of resources that
// answers searches by patient, encounter, _id, code tokens and code:in (for
// one value set), and records the queries it got.
type requestServer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	queries  []string
	noCodeIn bool // reject code:in with 400
	// ignoreCodeIn makes the server ignore code:in, as lenient servers do
	// with parameters they do not know (the self link leaves it out).
	ignoreCodeIn bool
	block        chan struct{} // when set, searches wait for it (or the request's cancellation)
}

func (s *requestServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func newRequestServer(t *testing.T) *requestServer {
	res := []map[string]any{
		{"resourceType": "Condition", "id": "c1", "subject": map[string]any{"reference": "Patient/p1"},
			"encounter": map[string]any{"reference": "Encounter/e1"},
			"code":      map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "271737000"}}}},
		{"resourceType": "Condition", "id": "c2", "subject": map[string]any{"reference": "Patient/p1"},
			"encounter": map[string]any{"reference": "Encounter/e2"},
			"code":      map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "38341003"}}}},
		{"resourceType": "Observation", "id": "o1", "status": "final", "subject": map[string]any{"reference": "Patient/p1"},
			"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "718-7"}}}},
		{"resourceType": "Observation", "id": "o2", "status": "final", "subject": map[string]any{"reference": "Patient/p1"},
			"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "29463-7"}}}},
		{"resourceType": "Observation", "id": "o-mother", "status": "final", "subject": map[string]any{"reference": "Patient/mother"},
			"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "29463-7"}}}},
		{"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": map[string]any{"reference": "Patient/p1"}},
	}
	labs := map[string]bool{"http://loinc.org|718-7": true}
	s := &requestServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ := strings.TrimPrefix(r.URL.Path, "/fhir/")
		q := r.URL.Query()
		s.mu.Lock()
		s.queries = append(s.queries, typ+"?"+r.URL.RawQuery)
		block := s.block
		s.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				return
			}
		}
		write := func(status int, v any) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(v)
		}
		if q.Has("code:in") && s.noCodeIn {
			write(400, map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"diagnostics": "unknown modifier :in"}}})
			return
		}
		self := *r.URL
		if s.ignoreCodeIn {
			q.Del("code:in")
			self.RawQuery = q.Encode()
		}
		self.Scheme, self.Host = "http", r.Host
		var entries []any
		for _, rm := range res {
			if rm["resourceType"] != typ {
				continue
			}
			ref := func(name string) string { m, _ := rm[name].(map[string]any); s, _ := m["reference"].(string); return s }
			if v := q.Get("patient"); v != "" && ref("subject") != v {
				continue
			}
			if v := q.Get("encounter"); v != "" && ref("encounter") != v {
				continue
			}
			if v := q.Get("_id"); v != "" && rm["id"] != v {
				continue
			}
			token := ""
			if cc, ok := rm["code"].(map[string]any); ok {
				coding := cc["coding"].([]any)[0].(map[string]any)
				token = coding["system"].(string) + "|" + coding["code"].(string)
			}
			if v := q.Get("code"); v != "" && !strings.Contains(","+v+",", ","+token+",") {
				continue
			}
			if v := q.Get("code:in"); v != "" && !(v == "http://example.org/vs/labs" && labs[token]) {
				continue
			}
			entries = append(entries, map[string]any{"resource": rm})
		}
		write(200, map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries,
			"link": []any{map[string]any{"relation": "self", "url": self.String()}}})
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *requestServer) retriever(term Terminology) *RESTRetriever {
	return NewRESTRetriever(RESTOptions{BaseURL: s.srv.URL + "/fhir", Client: s.srv.Client(), PatientID: "p1", Terminology: term})
}

func decodedQueries(t *testing.T, qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		u, err := url.QueryUnescape(q)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = u
	}
	return out
}

func TestRESTRetrieveRequest(t *testing.T) {
	ctx := context.Background()
	labsVS := value.ValueSetRef{ID: "http://example.org/vs/labs"}
	enc1 := mustNode(t, `{"resourceType": "Encounter", "id": "e1"}`)
	cases := []struct {
		name         string
		noCodeIn     bool
		ignoreCodeIn bool
		term         Terminology
		req          eval.RetrieveRequest
		want         []string
		wantQueries  []string
	}{
		{name: "value set as code:in, checked locally with the terminology",
			term: vsTerminology(t, "http://example.org/vs/labs", "http://loinc.org", "718-7"),
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), Codes: labsVS, CodeComparator: "in"},
			want: []string{"o1"}, wantQueries: []string{"Observation?code:in=http://example.org/vs/labs&patient=Patient/p1"}},
		{name: "value set as code:in without a terminology",
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), Codes: labsVS},
			want: []string{"o1"}, wantQueries: []string{"Observation?code:in=http://example.org/vs/labs&patient=Patient/p1"}},
		{name: "code:in rejected: the type is fetched whole and filtered locally", noCodeIn: true,
			term: vsTerminology(t, "http://example.org/vs/labs", "http://loinc.org", "718-7"),
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), Codes: labsVS},
			want: []string{"o1"}, wantQueries: []string{"Observation?code:in=http://example.org/vs/labs&patient=Patient/p1", "Observation?patient=Patient/p1"}},
		{name: "code:in ignored by the server: fetched whole, filtered with the terminology", ignoreCodeIn: true,
			term: vsTerminology(t, "http://example.org/vs/labs", "http://loinc.org", "718-7"),
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), Codes: labsVS},
			want: []string{"o1"}, wantQueries: []string{"Observation?code:in=http://example.org/vs/labs&patient=Patient/p1"}},
		{name: "encounter context",
			req:  eval.RetrieveRequest{DataType: typ(t, "Condition"), HasContext: true, Context: enc1},
			want: []string{"c1"}, wantQueries: []string{"Condition?encounter=Encounter/e1"}},
		{name: "encounter context with codes, ~ and a system",
			req: eval.RetrieveRequest{DataType: typ(t, "Condition"), HasContext: true, Context: enc1, CodeComparator: "~",
				Codes: value.Code{System: "http://snomed.info/sct", Code: "271737000"}},
			want: []string{"c1"}, wantQueries: []string{"Condition?code=http://snomed.info/sct|271737000&encounter=Encounter/e1"}},
		{name: "related patient",
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), HasContext: true, Context: value.String("mother")},
			want: []string{"o-mother"}, wantQueries: []string{"Observation?patient=Patient/mother"}},
		{name: "the context resource itself",
			req:  eval.RetrieveRequest{DataType: typ(t, "Encounter"), HasContext: true, Context: value.String("Encounter/e1")},
			want: []string{"e1"}, wantQueries: []string{"Encounter?_id=e1"}},
		{name: "= with a code without a system searches |code",
			req:  eval.RetrieveRequest{DataType: typ(t, "Observation"), CodeComparator: "=", Codes: value.Code{Code: "718-7"}},
			want: []string{}, wantQueries: []string{"Observation?code=|718-7&patient=Patient/p1"}},
	}
	for _, c := range cases {
		s := newRequestServer(t)
		s.noCodeIn, s.ignoreCodeIn = c.noCodeIn, c.ignoreCodeIn
		got, err := s.retriever(c.term).RetrieveRequest(ctx, c.req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, ids(got)); diff != "" {
			t.Errorf("%s: results %s", c.name, diff)
		}
		if diff := cmp.Diff(c.wantQueries, decodedQueries(t, s.log())); diff != "" {
			t.Errorf("%s: queries %s", c.name, diff)
		}
	}
}

// vsTerminology is a store with one value set of one code.
func vsTerminology(t *testing.T, url, system, code string) *ValueSetStore {
	s := NewValueSetStore()
	if err := s.AddJSON([]byte(`{"resourceType": "ValueSet", "url": "` + url + `", "compose": {"include": [{"system": "` + system +
		`", "concept": [{"code": "` + code + `"}]}]}}`)); err != nil {
		t.Fatal(err)
	}
	return s
}

// A search cancelled by its context is not cached: the next retrieve, with
// a live context, searches again and succeeds; a completed search is cached.
func TestRESTCancelledFetchNotCached(t *testing.T) {
	s := newRequestServer(t)
	s.block = make(chan struct{})
	r := s.retriever(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Retrieve(ctx, typ(t, "Observation"), "", nil)
		done <- err
	}()
	// Wait for the request to reach the server, then cancel it.
	for len(s.log()) == 0 {
		select {
		case err := <-done:
			t.Fatalf("retrieve returned before the server answered: %v", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retrieve: %v", err)
	}
	s.mu.Lock()
	s.block = nil
	s.mu.Unlock()
	got, err := r.Retrieve(context.Background(), typ(t, "Observation"), "", nil)
	if err != nil {
		t.Fatalf("retrieve after a cancelled one: %v", err)
	}
	if diff := cmp.Diff([]string{"o1", "o2"}, ids(got)); diff != "" {
		t.Error(diff)
	}
	if _, err := r.Retrieve(context.Background(), typ(t, "Observation"), "", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(s.log()); n != 2 {
		t.Errorf("%d searches, want 2 (the cancelled one and one cached)", n)
	}
}

// Waiters on a search that gets cancelled run it again with their own context.
func TestRESTWaiterRetriesCancelledFetch(t *testing.T) {
	s := newRequestServer(t)
	release := make(chan struct{})
	s.block = release
	r := s.retriever(nil)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := r.Retrieve(ctx, typ(t, "Observation"), "", nil)
		first <- err
	}()
	for len(s.log()) == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan []value.Value, 1)
	secondErr := make(chan error, 1)
	go func() {
		vs, err := r.Retrieve(context.Background(), typ(t, "Observation"), "", nil)
		second <- vs
		secondErr <- err
	}()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retrieve: %v", err)
	}
	close(release)
	got := <-second
	if err := <-secondErr; err != nil {
		t.Fatalf("waiting retrieve: %v", err)
	}
	if diff := cmp.Diff([]string{"o1", "o2"}, ids(got)); diff != "" {
		t.Error(diff)
	}
}

// Without a terminology, a server that ignored code:in cannot be trusted:
// the retrieve fails rather than return every resource of the type.
func TestRESTIgnoredCodeInWithoutTerminology(t *testing.T) {
	s := newRequestServer(t)
	s.ignoreCodeIn = true
	_, err := s.retriever(nil).RetrieveRequest(context.Background(), eval.RetrieveRequest{DataType: typ(t, "Observation"),
		Codes: value.ValueSetRef{ID: "http://example.org/vs/labs"}})
	if err == nil || !strings.Contains(err.Error(), "no terminology service is configured") {
		t.Errorf("got %v", err)
	}
}

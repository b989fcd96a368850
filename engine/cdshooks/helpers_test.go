package cdshooks_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/cdshooks"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// now is the evaluation time of the examples' expected outputs.
var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// newEngine loads the hypertension example package (a CCG Folder) and the
// test content of testdata (generic PlanDefinitions with named-event
// triggers for order-select, order-sign, encounter-start, patient-view).
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	eng := engine.New(engine.Options{Now: func() time.Time { return now }})
	if _, err := eng.LoadPath("../../examples/hypertension/package", content.Options{}); err != nil {
		t.Fatal(err)
	}
	b := readJSON(t, "testdata/hooks-content.json")
	p, err := content.FromResources("cds-hooks-test", "1.0.0", []map[string]any{b}, content.Options{CQLDirs: []string{"testdata"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.OfType("Library") {
		if lib := p.Library(fj.Str(l, "url")); lib == nil || lib.CQL == nil {
			t.Fatalf("test library %s did not compile: %v", fj.Str(l, "url"), lib)
		}
	}
	eng.Load(p)
	return eng
}

func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// newServer serves the CDS Hooks routes of eng.
func newServer(t testing.TB, eng *engine.Engine, cfg cdshooks.Config) *httptest.Server {
	t.Helper()
	e := echo.New()
	cfg.Engine = eng
	cdshooks.Mount(e, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and decodes the JSON answer (nil for an empty body).
func do(t testing.TB, method, u string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := fj.MarshalCompact(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if buf.Len() == 0 {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, u, ct)
	}
	m, err := fj.DecodeObj(buf.Bytes())
	if err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, u, resp.StatusCode, buf.String(), err)
	}
	return resp.StatusCode, m
}

// patientData is a store of FHIR resources answering reads and the
// searches prefetch templates make (Type?patient=ID[&code=a|b,...]), as
// an EHR's FHIR server does.
type patientData struct {
	resources []map[string]any
}

// exampleData reads the resources of an example's data-in Bundle (nested
// Bundles flattened).
func exampleData(t testing.TB, path string) *patientData {
	t.Helper()
	d := &patientData{}
	var walk func(b map[string]any)
	walk = func(b map[string]any) {
		for _, e := range fj.Objs(b, "entry") {
			r := fj.Obj(e, "resource")
			if fj.Type(r) == "Bundle" {
				walk(r)
				continue
			}
			d.resources = append(d.resources, r)
		}
	}
	walk(readJSON(t, path))
	return d
}

func (d *patientData) first(typ string) map[string]any {
	for _, r := range d.resources {
		if fj.Type(r) == typ {
			return r
		}
	}
	return nil
}

// answer answers a relative FHIR URL: a resource, a searchset Bundle, or
// nil (not found).
func (d *patientData) answer(rel string) map[string]any {
	u, err := url.Parse(rel)
	if err != nil {
		return nil
	}
	path := strings.Trim(u.Path, "/")
	if typ, id, ok := fj.SplitRef(path); ok {
		for _, r := range d.resources {
			if fj.Type(r) == typ && fj.ID(r) == id {
				return r
			}
		}
		return nil
	}
	q := u.Query()
	var codes []string
	if c := q.Get("code"); c != "" {
		codes = strings.Split(c, ",")
	}
	entries := []any{}
	seen := map[string]bool{}
	for _, r := range d.resources {
		if fj.Type(r) != path || seen[fj.Ref(r)] || !aboutPatient(r, q.Get("patient")) || !hasCode(r, codes) {
			continue
		}
		seen[fj.Ref(r)] = true
		entries = append(entries, map[string]any{"resource": r, "search": map[string]any{"mode": "match"}})
	}
	return map[string]any{"resourceType": "Bundle", "type": "searchset", "total": json.Number(itoa(len(entries))), "entry": entries}
}

func itoa(n int) string { return strconv.Itoa(n) }

func aboutPatient(r map[string]any, id string) bool {
	for _, k := range []string{"subject", "patient", "for"} {
		if ref := fj.Str(fj.Obj(r, k), "reference"); ref != "" {
			return ref == "Patient/"+id
		}
	}
	return false
}

func hasCode(r map[string]any, codes []string) bool {
	if len(codes) == 0 {
		return true
	}
	for _, c := range fj.Objs(fj.Obj(r, "code"), "coding") {
		for _, want := range codes {
			if want == fj.Str(c, "system")+"|"+fj.Str(c, "code") {
				return true
			}
		}
	}
	return false
}

// prefetch fills a service's prefetch templates from d, as a CDS client
// does; keys whose tokens have no value in ctx are left out.
func (d *patientData) prefetch(templates map[string]any, ctx map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range templates {
		rel, ok := resolve(v.(string), ctx)
		if !ok {
			continue
		}
		if r := d.answer(rel); r != nil {
			out[k] = r
		} else {
			out[k] = nil
		}
	}
	return out
}

var tokenRE = regexp.MustCompile(`\{\{context\.(\w+)\}\}`)

func resolve(tmpl string, ctx map[string]any) (string, bool) {
	ok := true
	s := tokenRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		v, _ := ctx[tokenRE.FindStringSubmatch(m)[1]].(string)
		if v == "" {
			ok = false
		}
		return v
	})
	return s, ok
}

// fhirServer is a second, local FHIR server serving d; it records the
// requests it got and their Authorization headers.
type fhirServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	auth     []string
}

func newFHIRServer(t testing.TB, d *patientData) *fhirServer {
	f := &fhirServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.RequestURI())
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		res := d.answer(strings.TrimPrefix(r.URL.RequestURI(), "/fhir"))
		if res == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		b, _ := fj.MarshalCompact(res)
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write(b)
	}))
	t.Cleanup(f.Close)
	return f
}

// services reads the discovery document into services by id.
func services(t testing.TB, base string) map[string]map[string]any {
	t.Helper()
	status, disc := do(t, http.MethodGet, base+"/cds-services", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /cds-services: %d %v", status, disc)
	}
	checkDiscovery(t, disc)
	out := map[string]map[string]any{}
	for _, s := range fj.Objs(disc, "services") {
		out[fj.Str(s, "id")] = s
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkDiscovery holds a discovery response to the CDS Hooks 2.0 rules:
// services REQUIRED; each service's hook, description and id REQUIRED
// non-empty strings; title a string; prefetch an object of string
// templates; usageRequirements a string; no nulls, no empty optional
// values.
func checkDiscovery(t testing.TB, disc map[string]any) {
	t.Helper()
	noNulls(t, "discovery", disc)
	list, ok := disc["services"].([]any)
	if !ok {
		t.Fatalf("discovery: services must be an array: %v", disc)
	}
	allowed := map[string]bool{"hook": true, "title": true, "description": true, "id": true, "prefetch": true, "usageRequirements": true, "extension": true}
	for i, v := range list {
		s, ok := v.(map[string]any)
		if !ok {
			t.Errorf("services[%d] is not an object", i)
			continue
		}
		for k := range s {
			if !allowed[k] {
				t.Errorf("services[%d]: unknown field %q", i, k)
			}
		}
		for _, k := range []string{"hook", "description", "id"} {
			if str, _ := s[k].(string); strings.TrimSpace(str) == "" {
				t.Errorf("services[%d].%s is required: %v", i, k, s[k])
			}
		}
		if id := fj.Str(s, "id"); strings.ContainsAny(id, "/?#") {
			t.Errorf("services[%d].id %q cannot be a path segment", i, id)
		}
		if p, ok := s["prefetch"]; ok {
			pm, ok := p.(map[string]any)
			if !ok {
				t.Errorf("services[%d].prefetch must be an object", i)
			}
			for k, tmpl := range pm {
				if _, ok := tmpl.(string); !ok {
					t.Errorf("services[%d].prefetch.%s must be a string", i, k)
				}
			}
		}
	}
}

// checkResponse holds a service response to the CDS Hooks 2.0 field rules
// (Card, Source, Suggestion, Action, Link, System Action).
func checkResponse(t testing.TB, resp map[string]any) {
	t.Helper()
	noNulls(t, "response", resp)
	for k := range resp {
		if k != "cards" && k != "systemActions" && k != "extension" {
			t.Errorf("response: unknown field %q", k)
		}
	}
	cards, ok := resp["cards"].([]any)
	if !ok {
		t.Fatalf("response: cards is required (an array): %v", resp)
	}
	for i, v := range cards {
		c, ok := v.(map[string]any)
		if !ok {
			t.Errorf("cards[%d] is not an object", i)
			continue
		}
		where := "cards[" + itoa(i) + "]"
		allowed := map[string]bool{"uuid": true, "summary": true, "detail": true, "indicator": true, "source": true, "suggestions": true,
			"selectionBehavior": true, "overrideReasons": true, "links": true, "extension": true}
		for k := range c {
			if !allowed[k] {
				t.Errorf("%s: unknown field %q", where, k)
			}
		}
		if u, ok := c["uuid"]; ok && !uuidRE.MatchString(asString(u)) {
			t.Errorf("%s.uuid %v is not a UUID", where, u)
		}
		summary := asString(c["summary"])
		if strings.TrimSpace(summary) == "" || utf8.RuneCountInString(summary) >= 140 {
			t.Errorf("%s.summary must be a non-empty string of fewer than 140 characters: %q", where, summary)
		}
		if d, ok := c["detail"]; ok && asString(d) == "" {
			t.Errorf("%s.detail must be a non-empty string", where)
		}
		switch asString(c["indicator"]) {
		case "info", "warning", "critical":
		default:
			t.Errorf("%s.indicator %v is not info, warning or critical", where, c["indicator"])
		}
		src, ok := c["source"].(map[string]any)
		if !ok || strings.TrimSpace(asString(src["label"])) == "" {
			t.Errorf("%s.source with a label is required: %v", where, c["source"])
		}
		if u, ok := src["url"]; ok && !absoluteURL(asString(u)) {
			t.Errorf("%s.source.url %v is not an absolute URL", where, u)
		}
		suggestions, hasSuggestions := c["suggestions"].([]any)
		if _, present := c["suggestions"]; present && !hasSuggestions {
			t.Errorf("%s.suggestions must be an array", where)
		}
		sb, hasSB := c["selectionBehavior"]
		if hasSuggestions && !hasSB {
			t.Errorf("%s: selectionBehavior is required with suggestions", where)
		}
		if hasSB && sb != "at-most-one" && sb != "any" {
			t.Errorf("%s.selectionBehavior %v is not at-most-one or any", where, sb)
		}
		recommended := 0
		for j, sv := range suggestions {
			s, ok := sv.(map[string]any)
			sw := where + ".suggestions[" + itoa(j) + "]"
			if !ok {
				t.Errorf("%s is not an object", sw)
				continue
			}
			if strings.TrimSpace(asString(s["label"])) == "" {
				t.Errorf("%s.label is required", sw)
			}
			if u, ok := s["uuid"]; ok && !uuidRE.MatchString(asString(u)) {
				t.Errorf("%s.uuid %v is not a UUID", sw, u)
			}
			if r, ok := s["isRecommended"]; ok {
				b, isBool := r.(bool)
				if !isBool {
					t.Errorf("%s.isRecommended must be a boolean", sw)
				}
				if b {
					recommended++
				}
			}
			acts, _ := s["actions"].([]any)
			for k, av := range acts {
				checkAction(t, sw+".actions["+itoa(k)+"]", av)
			}
		}
		if sb == "at-most-one" && recommended > 1 {
			t.Errorf("%s: %d suggestions recommended with selectionBehavior at-most-one", where, recommended)
		}
		links, _ := c["links"].([]any)
		for j, lv := range links {
			l, _ := lv.(map[string]any)
			lw := where + ".links[" + itoa(j) + "]"
			if strings.TrimSpace(asString(l["label"])) == "" || asString(l["url"]) == "" {
				t.Errorf("%s: label and url are required: %v", lw, l)
			}
			switch asString(l["type"]) {
			case "absolute":
				if !absoluteURL(asString(l["url"])) {
					t.Errorf("%s.url %v is not absolute", lw, l["url"])
				}
				if _, ok := l["appContext"]; ok {
					t.Errorf("%s: appContext is only for smart links", lw)
				}
			case "smart":
			default:
				t.Errorf("%s.type %v is not absolute or smart", lw, l["type"])
			}
		}
	}
	if sa, ok := resp["systemActions"]; ok {
		list, ok := sa.([]any)
		if !ok {
			t.Errorf("systemActions must be an array")
		}
		for i, av := range list {
			checkAction(t, "systemActions["+itoa(i)+"]", av)
		}
	}
}

// checkAction: type create, update or delete; a description; create and
// update carry a resource, delete a relative resourceId.
func checkAction(t testing.TB, where string, v any) {
	t.Helper()
	a, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s is not an object", where)
		return
	}
	if strings.TrimSpace(asString(a["description"])) == "" {
		t.Errorf("%s.description is required", where)
	}
	switch asString(a["type"]) {
	case "create", "update":
		if fj.Type(fj.Obj(a, "resource")) == "" {
			t.Errorf("%s: a %s action carries a FHIR resource", where, a["type"])
		}
	case "delete":
		if _, _, ok := fj.SplitRef(asString(a["resourceId"])); !ok || strings.Contains(asString(a["resourceId"]), "://") {
			t.Errorf("%s: a delete action names a relative resourceId, got %v", where, a["resourceId"])
		}
	default:
		t.Errorf("%s.type %v is not create, update or delete", where, a["type"])
	}
}

// noNulls: CDS Hooks attributes SHALL NOT be null, and optional strings,
// arrays and objects are omitted rather than empty (cards excepted).
func noNulls(t testing.TB, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", where)
	case map[string]any:
		if len(v) == 0 {
			t.Errorf("%s is an empty object", where)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "resource" || k == "prefetch" {
				continue // FHIR content, checked as FHIR
			}
			if l, ok := v[k].([]any); ok && len(l) == 0 && k != "cards" && k != "services" {
				t.Errorf("%s.%s is an empty array", where, k)
			}
			noNulls(t, where+"."+k, v[k])
		}
	case []any:
		for i, x := range v {
			noNulls(t, where+"["+itoa(i)+"]", x)
		}
	case string:
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is an empty string", where)
		}
	}
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// examples lists the hypertension example's data-in files.
func examples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/hypertension/data-in/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	return files
}

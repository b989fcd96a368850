package npm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/internal/storetest"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// fakeUpstream serves hl7.fhir.r4.core@4.0.1 the way a registry does, with
// a fault chosen per test.
type fakeUpstream struct {
	srv   *httptest.Server
	tgz   []byte
	fault atomic.Value // "", "slow", "slow-tarball", "block", "500", "truncated", "integrity", "down"
	hits  atomic.Int32
	// release ends the requests held by the "block" fault.
	release chan struct{}
}

// onBackends runs test on a fresh store of each back end (SQLite, and
// PostgreSQL when CCG_TEST_POSTGRES names one).
func onBackends(t *testing.T, test func(t *testing.T, st store.Store)) {
	for backend, open := range storetest.Backends(t) {
		t.Run(backend, func(t *testing.T) { test(t, open(t)) })
	}
}

func newFakeUpstream(t testing.TB) *fakeUpstream {
	u := &fakeUpstream{tgz: testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1"), release: make(chan struct{})}
	u.fault.Store("")
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		fault := u.fault.Load().(string)
		switch fault {
		case "slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
				return
			}
		case "block":
			select {
			case <-u.release:
			case <-r.Context().Done():
				return
			}
		case "500", "down":
			http.Error(w, "internal error", 500)
			return
		}
		switch r.URL.Path {
		case "/hl7.fhir.r4.core":
			integ, shasum := registry.Integrity(u.tgz)
			if fault == "integrity" {
				integ = "sha512-" + strings.Repeat("A", 86) + "=="
			}
			json.NewEncoder(w).Encode(map[string]any{
				"name": "hl7.fhir.r4.core", "description": "core", "dist-tags": map[string]any{"latest": "4.0.1"},
				"versions": map[string]any{"4.0.1": map[string]any{
					"name": "hl7.fhir.r4.core", "version": "4.0.1", "fhirVersions": []any{"4.0.1"},
					"dist": map[string]any{"tarball": u.srv.URL + "/hl7.fhir.r4.core/4.0.1", "integrity": integ, "shasum": shasum},
				}},
				"time": map[string]any{"4.0.1": "2019-11-01T00:00:00Z", "modified": "2019-11-01T00:00:00Z"},
			})
		case "/hl7.fhir.r4.core/4.0.1":
			if fault == "slow-tarball" {
				select {
				case <-time.After(2 * time.Second):
				case <-r.Context().Done():
					return
				}
			}
			b := u.tgz
			if fault == "truncated" {
				// Claims the whole length, sends half and hangs up.
				w.Header().Set("Content-Length", "99999")
				w.Write(b[:len(b)/2])
				return
			}
			w.Write(b)
		case "/catalog": // as packages.fhir.org writes it
			w.Write([]byte(`[{"Name":"hl7.fhir.r4.core","Description":"core","FHIRVersion":"4.0.1"},{"Name":"hl7.fhir.uv.cpg","Description":"CPG","FHIRVersion":"4.0.1"},{"Name":"other.pkg"}]`))
		case "/-/v1/search":
			obj := func(name string) map[string]any {
				return map[string]any{"package": map[string]any{"name": name, "version": "1.0.0", "links": map[string]any{"npm": "elsewhere"}}}
			}
			json.NewEncoder(w).Encode(map[string]any{"objects": []any{obj("hl7.fhir.r4.core"), obj("hl7.fhir.uv.cpg"), obj("other.pkg")}, "total": 3})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (f *fixture) getStatus(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := http.Get(f.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func upstreamFixture(t *testing.T, spec string) (*fixture, *fakeUpstream) {
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return upstreamFixtureOn(t, st, spec)
}

// upstreamFixtureOn serves st with a fake upstream (spec: its options).
func upstreamFixtureOn(t *testing.T, st store.Store, spec string) (*fixture, *fakeUpstream) {
	fu := newFakeUpstream(t)
	f := newFixtureOn(t, st, nil)
	up, err := upstream.Parse("b=" + fu.srv.URL + spec)
	if err != nil {
		t.Fatal(err)
	}
	f.h.SetUpstreams(upstream.Set{up})
	return f, fu
}

func TestUpstreamFetchCacheAndServeWhenDown(t *testing.T) {
	onBackends(t, testUpstreamFetchCacheAndServeWhenDown)
}

func testUpstreamFetchCacheAndServeWhenDown(t *testing.T, st store.Store) {
	f, fu := upstreamFixtureOn(t, st, ";names=hl7.*;timeout=5s")
	code, body := f.getStatus(t, "hl7.fhir.r4.core")
	if code != 200 {
		t.Fatalf("document: %d %s", code, body)
	}
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Dist struct{ Tarball, Integrity string }
		}
	}
	json.Unmarshal([]byte(body), &doc)
	v := doc.Versions["4.0.1"]
	wantInteg, _ := registry.Integrity(fu.tgz)
	if doc.DistTags["latest"] != "4.0.1" || v.Dist.Tarball != f.url+"hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz" || v.Dist.Integrity != wantInteg {
		t.Fatalf("document does not point at this registry: %s", body)
	}
	if code, body := f.getStatus(t, "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"); code != 200 || body != string(fu.tgz) {
		t.Fatalf("tarball: %d (%d bytes)", code, len(body))
	}
	sv, err := f.st.Version(context.Background(), "hl7.fhir.r4.core", "4.0.1")
	if err != nil || !registry.IsMirror(sv.Publisher) || sv.Integrity != wantInteg {
		t.Fatalf("not cached as a mirror: %+v %v", sv, err)
	}
	if _, err := f.st.CanonicalOwner(context.Background(), "http://hl7.org/fhir"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a mirror claimed the core canonical base: %v", err)
	}
	// Names the upstream does not serve are not asked for.
	before := fu.hits.Load()
	if code, _ := f.getStatus(t, "ccg.other"); code != 404 || fu.hits.Load() != before {
		t.Errorf("ccg.other: %d, upstream asked %d times", code, fu.hits.Load()-before)
	}
	// Every upstream down: what was cached is still served.
	fu.fault.Store("down")
	code, body = f.getStatus(t, "hl7.fhir.r4.core")
	if code != 200 || !strings.Contains(body, `"ccgMirror"`) || !strings.Contains(body, "hl7.fhir.r4.core-4.0.1.tgz") {
		t.Fatalf("cached document with the upstream down: %d %s", code, body)
	}
	if code, body := f.getStatus(t, "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"); code != 200 || body != string(fu.tgz) {
		t.Fatalf("cached tarball with the upstream down: %d", code)
	}
	if code, body := f.getStatus(t, "hl7.fhir.r4.core/4.0.1"); code != 200 {
		t.Fatalf("cached version with the upstream down: %d %s", code, body)
	}
	fu.srv.Close()
	if code, _ := f.getStatus(t, "hl7.fhir.r4.core"); code != 200 {
		t.Fatalf("cached document with the upstream unreachable: %d", code)
	}
}

func TestUpstreamFaults(t *testing.T) {
	for _, tc := range []struct {
		fault, path string
		status      int
		msg         string
	}{
		{"slow", "hl7.fhir.r4.core", 504, "did not answer within 200ms"},
		{"500", "hl7.fhir.r4.core", 502, "answered 500"},
		{"500", "hl7.fhir.r4.core/4.0.1", 502, "answered 500"},
		{"truncated", "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz", 502, "failed for the tarball"},
		{"integrity", "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz", 502, "not the published sha512-AAAA"},
		{"slow-tarball", "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz", 504, "did not answer within 200ms for the tarball of hl7.fhir.r4.core@4.0.1"},
		// The FHIR package API reports the same faults.
		{"slow", "/fhir-packages/hl7.fhir.r4.core", 504, "did not answer within 200ms"},
		{"500", "/fhir-packages/hl7.fhir.r4.core/4.0.1", 502, "answered 500"},
		{"truncated", "/fhir-packages/hl7.fhir.r4.core/4.0.1", 502, "failed for the tarball"},
		{"integrity", "/fhir-packages/hl7.fhir.r4.core/4.0.1", 502, "not the published sha512-AAAA"},
	} {
		t.Run(tc.fault+" "+tc.path, func(t *testing.T) {
			onBackends(t, func(t *testing.T, st store.Store) {
				f, fu := upstreamFixtureOn(t, st, ";timeout=200ms")
				if strings.HasPrefix(tc.path, FHIRPackagesPrefix) {
					api := httptest.NewServer(f.h.FHIRPackages(FHIRPackagesPrefix))
					t.Cleanup(api.Close)
					f.url = api.URL
				}
				fu.fault.Store(tc.fault)
				code, body := f.getStatus(t, tc.path)
				var e struct{ Error string }
				json.Unmarshal([]byte(body), &e)
				if code != tc.status || !strings.Contains(e.Error, tc.msg) || !strings.Contains(e.Error, "upstream b") {
					t.Fatalf("got %d %s, want %d with %q", code, body, tc.status, tc.msg)
				}
				if _, err := f.st.Package(context.Background(), "hl7.fhir.r4.core"); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("something was stored after a fault: %v", err)
				}
				// Once the upstream recovers, the same request works.
				fu.fault.Store("")
				if code, body := f.getStatus(t, tc.path); code != 200 {
					t.Fatalf("after recovery: %d %s", code, body)
				}
			})
		})
	}
}

func TestUpstreamNotAFHIRPackage(t *testing.T) {
	f, fu := upstreamFixture(t, "")
	fu.tgz = []byte("\x1f\x8bnot really gzip")
	code, body := f.getStatus(t, "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz")
	if code != 502 || !strings.Contains(body, "not a valid FHIR package") {
		t.Fatalf("got %d %s", code, body)
	}
	if _, err := f.st.Package(context.Background(), "hl7.fhir.r4.core"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stored: %v", err)
	}
}

func TestUpstreamSearch(t *testing.T) {
	f, fu := upstreamFixture(t, ";names=hl7.*")
	if code, body := f.getStatus(t, "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"); code != 200 {
		t.Fatalf("tarball: %d %s", code, body)
	}
	search := func() (names []string, total int) {
		_, body := f.getStatus(t, "-/v1/search?text=hl7")
		var res struct {
			Objects []struct {
				Package struct {
					Name        string
					CCGUpstream string `json:"ccgUpstream"`
					CCGMirror   bool   `json:"ccgMirror"`
				}
			}
			Total int
		}
		json.Unmarshal([]byte(body), &res)
		for _, o := range res.Objects {
			names = append(names, o.Package.Name+"/"+o.Package.CCGUpstream+"/"+map[bool]string{true: "mirror"}[o.Package.CCGMirror])
		}
		return names, res.Total
	}
	if names, total := search(); strings.Join(names, " ") != "hl7.fhir.r4.core//mirror" || total != 1 {
		t.Errorf("without --upstream-search: %v (total %d)", names, total)
	}
	f.h.SearchUpstreams(true)
	if names, total := search(); strings.Join(names, " ") != "hl7.fhir.r4.core//mirror hl7.fhir.uv.cpg/b/" || total != 2 {
		t.Errorf("with upstream search: %v (total %d)", names, total)
	}
	var cat []CatalogEntry
	_, body := f.getStatus(t, "-/catalog?name=hl7")
	json.Unmarshal([]byte(body), &cat)
	if len(cat) != 2 || cat[0].Name != "hl7.fhir.r4.core" || !cat[0].Mirror || cat[1].Name != "hl7.fhir.uv.cpg" || cat[1].Upstream != "b" || cat[1].FHIRVersion != "4.0.1" {
		t.Errorf("catalog with upstream search: %s", body)
	}
	if _, body := f.getStatus(t, "-/catalog"); strings.Contains(body, "hl7.fhir.uv.cpg") {
		t.Errorf("the whole catalog lists upstream packages: %s", body)
	}
	// Listing the repository (empty text, as engine sync does) lists what it holds.
	if code, body := f.getStatus(t, "-/v1/search?text="); code != 200 || strings.Contains(body, "hl7.fhir.uv.cpg") {
		t.Errorf("empty search: %d %s", code, body)
	}
	fu.fault.Store("down")
	if names, _ := search(); strings.Join(names, " ") != "hl7.fhir.r4.core//mirror" {
		t.Errorf("upstream down: %v", names)
	}
}

// mirrorBody is what `npm publish --tag mirror` sends.
func mirrorBody(t *testing.T, name, version string, tgz []byte) []byte {
	var body map[string]any
	json.Unmarshal(PublishBody(name, version, tgz), &body)
	body["dist-tags"] = map[string]any{MirrorTag: version}
	b, _ := json.Marshal(body)
	return b
}

func TestPublishMirror(t *testing.T) { onBackends(t, testPublishMirror) }

func testPublishMirror(t *testing.T, st store.Store) {
	f := newFixtureOn(t, st, nil)
	root := f.user(t, "root", store.Token{Admin: true, Publish: true})
	core := testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1")
	// Not CCG content: refused as a CCG publish, and as a mirror for
	// anyone but an admin.
	if code, _ := f.publish(t, "hl7.fhir.r4.core", "4.0.1", core); code != 500 {
		t.Errorf("CCG publish of the core: %d", code)
	}
	if code, m, _ := f.do(t, "PUT", "hl7.fhir.r4.core", f.token, mirrorBody(t, "hl7.fhir.r4.core", "4.0.1", core)); code != 403 || !strings.Contains(m["error"].(string), "admin") {
		t.Errorf("mirror publish without admin: %d %v", code, m)
	}
	if code, m, _ := f.do(t, "PUT", "hl7.fhir.r4.core", root, mirrorBody(t, "hl7.fhir.r4.core", "4.0.1", core)); code != 200 {
		t.Fatalf("admin mirror publish: %d %v", code, m)
	}
	code, body := f.getStatus(t, "hl7.fhir.r4.core")
	var doc struct {
		DistTags  map[string]string `json:"dist-tags"`
		CCGMirror map[string]any    `json:"ccgMirror"`
	}
	json.Unmarshal([]byte(body), &doc)
	if code != 200 || doc.DistTags["latest"] != "4.0.1" || doc.DistTags[MirrorTag] != "" || doc.CCGMirror["source"] != "publish" {
		t.Errorf("mirror document: %d %s", code, body)
	}
	_, cat := f.getStatus(t, "-/catalog?name=hl7")
	if !strings.Contains(cat, `"mirror":true`) {
		t.Errorf("catalog: %s", cat)
	}
	// A tarball holding another package is refused, saying which.
	bad := testpkg.CoreTarball("hl7.terminology.r4", "6.0.0")
	if code, m, _ := f.do(t, "PUT", "hl7.fhir.r4.core", root, mirrorBody(t, "hl7.fhir.r4.core", "4.0.2", bad)); code != 422 || !strings.Contains(m["error"].(string), "holds hl7.terminology.r4@6.0.0") {
		t.Errorf("mismatched mirror publish: %d %v", code, m)
	}
	// Nobody but an admin adds versions to a mirror; the core base stays free.
	next := testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.2")
	if code, m, _ := f.do(t, "PUT", "hl7.fhir.r4.core", f.token, PublishBody("hl7.fhir.r4.core", "4.0.2", next)); code == 200 {
		t.Errorf("alice added a version to a mirror: %v", m)
	}
	if _, err := f.st.CanonicalOwner(context.Background(), "http://hl7.org/fhir"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the mirror claimed the core base: %v", err)
	}
}

// A package published here is never extended from an upstream, whatever
// the upstream lists under its name.
func TestUpstreamDoesNotExtendOwnPackages(t *testing.T) {
	onBackends(t, testUpstreamDoesNotExtendOwnPackages)
}

func testUpstreamDoesNotExtendOwnPackages(t *testing.T, st store.Store) {
	f, fu := upstreamFixtureOn(t, st, "")
	own := testpkg.Tarball(testpkg.Options{Name: "hl7.fhir.r4.core", Version: "1.0.0"})
	if code, m := f.publish(t, "hl7.fhir.r4.core", "1.0.0", own); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	code, body := f.getStatus(t, "hl7.fhir.r4.core")
	if code != 200 || strings.Contains(body, `"4.0.1":{`) {
		t.Errorf("own package document: %d %s", code, body)
	}
	for _, p := range []string{"hl7.fhir.r4.core/4.0.1", "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"} {
		if code, body := f.getStatus(t, p); code != 404 {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	if n := fu.hits.Load(); n != 0 {
		t.Errorf("the upstream was asked %d times", n)
	}
}

// TestUpstreamDocumentKept: an upstream's package document is kept in the
// store for its TTL (not read again, not held in memory); a package held
// as a mirror is served while the upstream hangs, its stale document
// refreshed in the background; a package not held is served from a stale
// kept document when the upstream fails.
func TestUpstreamDocumentKept(t *testing.T) { onBackends(t, testUpstreamDocumentKept) }

func testUpstreamDocumentKept(t *testing.T, st store.Store) {
	ctx := context.Background()
	f, fu := upstreamFixtureOn(t, st, ";ttl=1h;timeout=1h")
	if code, body := f.getStatus(t, "hl7.fhir.r4.core"); code != 200 {
		t.Fatalf("document: %d %s", code, body)
	}
	kept, err := st.CachedUpstreamDoc(ctx, "hl7.fhir.r4.core")
	if err != nil || kept.Upstream != "b" || !strings.Contains(string(kept.Doc), `"4.0.1"`) {
		t.Fatalf("document not kept in the store: %+v %v", kept, err)
	}
	hits := fu.hits.Load()
	if code, _ := f.getStatus(t, "hl7.fhir.r4.core"); code != 200 || fu.hits.Load() != hits {
		t.Errorf("a fresh kept document was read again: %d, %d upstream requests", code, fu.hits.Load()-hits)
	}

	// Not held, the kept document stale, the upstream failing: the kept
	// document is served.
	later := time.Now().Add(2 * time.Hour)
	f.h.now = func() time.Time { return later }
	fu.fault.Store("500")
	if code, body := f.getStatus(t, "hl7.fhir.r4.core"); code != 200 || !strings.Contains(body, "hl7.fhir.r4.core-4.0.1.tgz") {
		t.Errorf("stale kept document with the upstream failing: %d %s", code, body)
	}

	// Held as a mirror: the upstream hangs (until released below, with a
	// timeout of an hour), yet the document is served.
	fu.fault.Store("")
	if code, _ := f.getStatus(t, "hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"); code != 200 {
		t.Fatalf("tarball: %d", code)
	}
	f.h.now = func() time.Time { return later.Add(2 * time.Hour) }
	fu.fault.Store("block")
	client := &http.Client{Timeout: time.Minute} // a guard: without it a wait would hang the test
	res, err := client.Get(f.url + "hl7.fhir.r4.core")
	if err != nil {
		t.Fatalf("a held mirror waited on a hanging upstream: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("held mirror: %d", res.StatusCode)
	}
	if code, _ := f.getStatus(t, "hl7.fhir.r4.core/4.0.1"); code != 200 {
		t.Errorf("held version: %d", code)
	}
	fu.fault.Store("")
	close(fu.release)
	f.h.Close() // the background refresh ends
	if kept2, err := st.CachedUpstreamDoc(ctx, "hl7.fhir.r4.core"); err != nil || !kept2.Fetched.After(kept.Fetched.Add(3*time.Hour)) {
		t.Errorf("the stale document was not refreshed in the background: %+v %v", kept2, err)
	}
}

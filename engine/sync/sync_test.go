package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
)

// repo is an in-process Guideline Repository (registry/npm over a SQLite
// store) behind a middleware that can take it down, corrupt answers and
// count requests.
type repo struct {
	t      *testing.T
	srv    *httptest.Server
	url    string // registry URL
	token  string // publish token
	signer *sign.Key
	h      *npm.Handler

	mu       gosync.Mutex
	down     bool
	noSearch bool
	etags    bool
	rewrite  map[string]func([]byte) []byte // path suffix -> body rewrite
	delay    time.Duration                  // before each tarball
	hits     map[string]int                 // "doc:NAME", "tgz:NAME", "search", "keys", "catalog", "304"
	inFlight int
	maxTgz   int
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := sign.GenerateKey()
	signer, _ := sign.GenerateKey()
	kr := sign.Keyring{}
	kr.Add(signer.Public)
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key, TrustedKeys: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	tok, hash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true}); err != nil {
		t.Fatal(err)
	}
	r := &repo{t: t, token: tok, signer: signer, rewrite: map[string]func([]byte) []byte{}, hits: map[string]int{}}
	h := npm.New(reg, "/npm/", nil)
	r.h = h
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.serve(h, w, req) }))
	t.Cleanup(r.srv.Close)
	r.url = r.srv.URL + "/npm/"
	return r
}

func (r *repo) set(f func(r *repo)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

func (r *repo) count(k string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[k]
}

func (r *repo) serve(h http.Handler, w http.ResponseWriter, req *http.Request) {
	p := req.URL.EscapedPath()
	kind := ""
	switch {
	case req.Method != http.MethodGet:
	case strings.HasSuffix(p, "/-/v1/search"):
		kind = "search"
	case strings.HasSuffix(p, "/-/npm/v1/keys"):
		kind = "keys"
	case strings.HasSuffix(p, "/-/catalog"):
		kind = "catalog"
	case strings.HasSuffix(p, ".tgz"):
		kind = "tgz:" + strings.TrimPrefix(p[:strings.Index(p, "/-/")], "/npm/")
	default:
		kind = "doc:" + strings.TrimPrefix(p, "/npm/")
	}
	r.mu.Lock()
	r.hits[kind]++
	down, noSearch, etags, delay := r.down, r.noSearch, r.etags, r.delay
	var rewrite func([]byte) []byte
	for suffix, f := range r.rewrite {
		if strings.HasSuffix(p, suffix) {
			rewrite = f
		}
	}
	if strings.HasPrefix(kind, "tgz:") {
		r.inFlight++
		r.maxTgz = max(r.maxTgz, r.inFlight)
	}
	r.mu.Unlock()
	if strings.HasPrefix(kind, "tgz:") {
		defer r.set(func(r *repo) { r.inFlight-- })
		time.Sleep(delay)
	}
	if down {
		http.Error(w, `{"error":"down for maintenance"}`, http.StatusServiceUnavailable)
		return
	}
	if noSearch && kind == "search" {
		http.NotFound(w, req)
		return
	}
	if rewrite == nil && !(etags && strings.HasPrefix(kind, "doc:")) {
		h.ServeHTTP(w, req)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rewrite != nil {
		body = rewrite(body)
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	if etags && strings.HasPrefix(kind, "doc:") && rec.Code == 200 {
		sum := sha256.Sum256(body)
		tag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", tag)
		if req.Header.Get("If-None-Match") == tag {
			r.set(func(r *repo) { r.hits["304"]++ })
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func (r *repo) publishTarball(name, version string, tgz []byte) {
	r.t.Helper()
	req, _ := http.NewRequest("PUT", r.url+strings.Replace(name, "/", "%2f", 1), bytes.NewReader(testpkg.PublishBody(name, version, tgz)))
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		r.t.Fatalf("publish %s@%s: %d %s", name, version, resp.StatusCode, b)
	}
}

func (r *repo) publish(o testpkg.Options) {
	r.t.Helper()
	r.publishTarball(o.Name, o.Version, testpkg.Tarball(o))
}

// publishSigned publishes the package signed by the repository's trusted
// publisher key.
func (r *repo) publishSigned(o testpkg.Options) {
	r.t.Helper()
	files, err := sign.SignPackage(testpkg.Files(o), r.signer, "", time.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		r.t.Fatal(err)
	}
	r.publishTarball(o.Name, o.Version, tgz)
}

type logs struct{ *observer.ObservedLogs }

func (l logs) has(msg, substr string) bool {
	for _, e := range l.FilterMessage(msg).All() {
		b, _ := json.Marshal(e.ContextMap())
		if strings.Contains(string(b), substr) {
			return true
		}
	}
	return false
}

func newSyncer(t *testing.T, r *repo, eng *engine.Engine, mod func(*Options)) (*Syncer, logs) {
	t.Helper()
	core, obs := observer.New(zapcore.DebugLevel)
	o := Options{Repository: r.url, Content: content.Options{RequireIG: true}, Logger: zap.New(core),
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, Interval: 20 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	s, err := New(eng, o)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs{obs}
}

func loaded(eng *engine.Engine) map[string]string {
	out := map[string]string{}
	for _, p := range eng.Packages() {
		out[p.Name] = p.Version
	}
	return out
}

func once(t *testing.T, s *Syncer) *Report {
	t.Helper()
	rep, err := s.Once(context.Background())
	if err != nil {
		t.Fatalf("sync round: %v", err)
	}
	return rep
}

func TestNewPackagesAppear(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, func(o *Options) { o.Concurrency = 2 })
	if rep := once(t, s); rep.Listed != 0 || len(rep.Installed) != 0 {
		t.Fatalf("empty repository: %+v", rep)
	}
	names := []string{"@ccg/a", "@ccg/b", "ccg.c", "ccg.d", "ccg.e"}
	for _, n := range names {
		r.publish(testpkg.Options{Name: n, Version: "1.0.0"})
	}
	r.set(func(r *repo) { r.delay = 30 * time.Millisecond })
	rep := once(t, s)
	if len(rep.Installed) != len(names) || rep.Listed != len(names) {
		t.Fatalf("report %+v", rep)
	}
	want := map[string]string{}
	for _, n := range names {
		want[n] = "1.0.0"
	}
	if diff := cmp.Diff(want, loaded(eng)); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	r.mu.Lock()
	maxTgz := r.maxTgz
	r.mu.Unlock()
	if maxTgz > 2 || maxTgz < 1 {
		t.Errorf("%d tarballs downloaded at once, want at most Concurrency=2", maxTgz)
	}
	if r.count("keys") == 0 {
		t.Error("the repository's signing keys were never fetched")
	}
	if !log.has("guideline package installed", `"version":"1.0.0"`) {
		t.Error("no install log line")
	}
	// An unchanged repository: no package document or tarball is read again.
	before := r.count("doc:@ccg%2fa") + r.count("tgz:@ccg%2fa")
	if rep := once(t, s); rep.Unchanged != len(names) || len(rep.Installed) != 0 {
		t.Errorf("second round %+v", rep)
	}
	if after := r.count("doc:@ccg%2fa") + r.count("tgz:@ccg%2fa"); after != before {
		t.Errorf("unchanged package fetched again (%d -> %d requests)", before, after)
	}
	// A new version is picked up.
	r.publish(testpkg.Options{Name: "ccg.c", Version: "1.1.0"})
	if rep := once(t, s); !cmp.Equal(rep.Installed, []string{"ccg.c@1.1.0"}) {
		t.Errorf("third round installed %v", rep.Installed)
	}
	if v := loaded(eng)["ccg.c"]; v != "1.1.0" {
		t.Errorf("ccg.c is %s", v)
	}
}

// lenientApply applies the test package's Folder for a bare patient.
func lenientApply(ctx context.Context, eng *engine.Engine) (*engine.ApplyResult, error) {
	data := map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{
		map[string]any{"fullUrl": "Patient/p1", "resource": map[string]any{"resourceType": "Patient", "id": "p1"}},
	}}
	return eng.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: "test-folder", Subject: "Patient/p1", Data: data, Lenient: true})
}

func TestNewVersionSwappedUnderLoad(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, _ := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.swap", Version: "1.0.0"})
	once(t, s)
	res, err := lenientApply(context.Background(), eng)
	if err != nil || len(res.Fired) != 1 {
		t.Fatalf("version 1.0.0: fired %v, err %v", res, err)
	}
	// 1.1.0's CARD does not apply any more.
	r.publish(testpkg.Options{Name: "ccg.swap", Version: "1.1.0", CQL: "library TestLogic version '1.0.0'\n\ndefine \"Applies\": false\n"})

	ctx, cancel := context.WithCancel(context.Background())
	var wg gosync.WaitGroup
	var calls, fired, quiet atomic.Int64
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				res, err := lenientApply(context.Background(), eng)
				if err != nil {
					errs <- err
					return
				}
				if len(res.Errors) > 0 {
					errs <- errors.New(res.Errors[0].Message)
					return
				}
				calls.Add(1)
				if len(res.Fired) == 1 {
					fired.Add(1)
				} else {
					quiet.Add(1)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	rep := once(t, s)
	deadline := time.Now().Add(2 * time.Second)
	for quiet.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("$apply during the swap failed: %v", err)
	}
	if !cmp.Equal(rep.Installed, []string{"ccg.swap@1.1.0"}) {
		t.Errorf("installed %v", rep.Installed)
	}
	if fired.Load() == 0 || quiet.Load() == 0 {
		t.Errorf("%d calls: %d on 1.0.0, %d on 1.1.0; want both", calls.Load(), fired.Load(), quiet.Load())
	}
	if res, err := lenientApply(context.Background(), eng); err != nil || len(res.Fired) != 0 {
		t.Errorf("after the swap: fired %v, err %v", res.Fired, err)
	}
}

// corrupt flips a byte in the middle of a body.
func corrupt(b []byte) []byte {
	out := append([]byte(nil), b...)
	if len(out) > 0 {
		out[len(out)/2] ^= 0xff
	}
	return out
}

func TestTamperedTarballRefused(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.tamper", Version: "1.0.0"})
	once(t, s)
	r.publish(testpkg.Options{Name: "ccg.tamper", Version: "1.1.0"})
	r.set(func(r *repo) { r.rewrite["tamper-1.1.0.tgz"] = corrupt })
	rep := once(t, s)
	if len(rep.Installed) != 0 || len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Err.Error(), "integrity mismatch") {
		t.Fatalf("report %+v", rep)
	}
	if v := loaded(eng)["ccg.tamper"]; v != "1.0.0" {
		t.Errorf("loaded %s, want 1.0.0 kept", v)
	}
	if !log.has("guideline package refused", "integrity mismatch") {
		t.Error("the refusal was not logged")
	}
	// A download problem is retried: once the tarball is intact again it
	// is installed.
	r.set(func(r *repo) { delete(r.rewrite, "tamper-1.1.0.tgz") })
	if rep := once(t, s); !cmp.Equal(rep.Installed, []string{"ccg.tamper@1.1.0"}) {
		t.Errorf("after repair: %+v", rep)
	}
}

// TestForgedDocumentRefused: an attacker between engine and repository
// who replaces the tarball and the document's integrity still fails the
// repository's signature.
func TestForgedDocumentRefused(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.forged", Version: "1.0.0"})
	once(t, s)
	evil := testpkg.Tarball(testpkg.Options{Name: "ccg.forged", Version: "1.1.0", Description: "evil"})
	integ, shasum := registry.Integrity(evil)
	r.publish(testpkg.Options{Name: "ccg.forged", Version: "1.1.0"})
	r.set(func(r *repo) {
		r.rewrite["forged-1.1.0.tgz"] = func([]byte) []byte { return evil }
		r.rewrite["/npm/ccg.forged"] = func(b []byte) []byte {
			var doc map[string]any
			json.Unmarshal(b, &doc)
			dist := doc["versions"].(map[string]any)["1.1.0"].(map[string]any)["dist"].(map[string]any)
			dist["integrity"], dist["shasum"] = integ, shasum
			out, _ := json.Marshal(doc)
			return out
		}
	})
	rep := once(t, s)
	if len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Err.Error(), "registry signature") {
		t.Fatalf("report %+v", rep)
	}
	if v := loaded(eng)["ccg.forged"]; v != "1.0.0" {
		t.Errorf("loaded %s, want 1.0.0 kept", v)
	}
	if !log.has("guideline package refused", "does not match") {
		t.Error("the refusal was not logged")
	}
}

func TestInvalidPackageSkipped(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, nil)
	r.set(func(r *repo) { r.etags = true })
	r.publish(testpkg.Options{Name: "ccg.bad", Version: "1.0.0"})
	once(t, s)
	// The repository has no CQL check here, so a library that does not
	// compile gets through to the engine.
	r.publish(testpkg.Options{Name: "ccg.bad", Version: "1.1.0", CQL: "library TestLogic version '1.0.0'\n\ndefine \"Applies\": 1 + 'a'\n"})
	rep := once(t, s)
	if len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Err.Error(), "compile problems") {
		t.Fatalf("report %+v", rep)
	}
	if v := loaded(eng)["ccg.bad"]; v != "1.0.0" {
		t.Errorf("loaded %s, want 1.0.0 kept", v)
	}
	if !log.has("guideline package problem", "Library/test-logic") || !log.has("guideline package refused", "1.1.0") {
		t.Errorf("problems not logged: %v", log.All())
	}
	// The refused version is not downloaded again; the document comes back
	// as 304 Not Modified.
	tgz := r.count("tgz:ccg.bad")
	rep = once(t, s)
	if len(rep.Refused) != 1 || r.count("tgz:ccg.bad") != tgz {
		t.Errorf("second round %+v, tarball requests %d -> %d", rep, tgz, r.count("tgz:ccg.bad"))
	}
	if r.count("304") == 0 {
		t.Error("the package document was not revalidated with If-None-Match")
	}
	// A fixed version goes in.
	r.publish(testpkg.Options{Name: "ccg.bad", Version: "1.2.0"})
	if rep := once(t, s); !cmp.Equal(rep.Installed, []string{"ccg.bad@1.2.0"}) {
		t.Errorf("fixed version: %+v", rep)
	}
}

// TestUnresolvedExpressionRefused: a new version whose CARD condition
// names a define its Library lacks is refused, with the location, and the
// working version stays.
func TestUnresolvedExpressionRefused(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.expr", Version: "1.0.0"})
	once(t, s)
	r.publish(testpkg.Options{Name: "ccg.expr", Version: "1.1.0", CQL: "library TestLogic version '1.0.0'\n\ndefine \"Applies Not\": true\n"})
	rep := once(t, s)
	if len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Err.Error(), `action[0].condition[0].expression: no define "Applies" in library TestLogic`) {
		t.Fatalf("report %+v", rep)
	}
	if v := loaded(eng)["ccg.expr"]; v != "1.0.0" {
		t.Errorf("loaded %s, want 1.0.0 kept", v)
	}
	if !log.has("guideline package refused", "1.1.0") {
		t.Errorf("refusal not logged: %v", log.All())
	}
}

func TestRepositoryDownBacksOff(t *testing.T) {
	r := newRepo(t)
	r.publish(testpkg.Options{Name: "ccg.later", Version: "1.0.0"})
	r.set(func(r *repo) { r.down = true })
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, func(o *Options) { o.Interval = time.Millisecond })
	if _, err := s.Once(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("round against a down repository: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(400 * time.Millisecond)
	// Backoff 10, 20, 40, 80, 80 ms... (each between half and all of it):
	// at most ~20 rounds in 400 ms, where a 1 ms interval would give hundreds.
	n := r.count("search")
	if n < 3 || n > 25 {
		t.Errorf("%d searches in 400 ms while the repository was down", n)
	}
	if st := s.Status(); st.ConsecutiveFailures < 3 || !strings.Contains(st.LastError, "503") {
		t.Errorf("status %+v", st)
	}
	if !log.has("guideline repository sync failed", "retryIn") {
		t.Error("failures not logged")
	}
	if got := s.Backoff(1); got != 10*time.Millisecond {
		t.Errorf("Backoff(1) = %v", got)
	}
	if got := s.Backoff(30); got != 80*time.Millisecond {
		t.Errorf("Backoff(30) = %v", got)
	}
	// The repository comes back: the package is installed.
	r.set(func(r *repo) { r.down = false })
	deadline := time.Now().Add(5 * time.Second)
	for loaded(eng)["ccg.later"] == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if loaded(eng)["ccg.later"] != "1.0.0" {
		t.Errorf("not installed after the repository came back; status %+v", s.Status())
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop after its context was cancelled")
	}
	if st := s.Status(); st.ConsecutiveFailures != 0 || st.LastSuccess.IsZero() {
		t.Errorf("status after recovery %+v", st)
	}
	// A cancelled round stops at once.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := s.Once(cctx); err == nil {
		t.Error("a round with a cancelled context succeeded")
	}
}

func TestUnreachableRepository(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/npm/"
	srv.Close()
	s, err := New(engine.New(engine.Options{}), Options{Repository: u})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Once(context.Background()); err == nil {
		t.Error("a closed repository gave no error")
	}
	for _, bad := range []string{"", "ftp://x/", "not a url", "http://"} {
		if _, err := New(engine.New(engine.Options{}), Options{Repository: bad}); err == nil {
			t.Errorf("repository %q accepted", bad)
		}
	}
	if _, err := New(engine.New(engine.Options{}), Options{Repository: "http://x/", Packages: []string{"["}}); err == nil {
		t.Error("bad package pattern accepted")
	}
}

func TestCatalogFallbackAndFilter(t *testing.T) {
	r := newRepo(t)
	r.set(func(r *repo) { r.noSearch = true })
	r.publish(testpkg.Options{Name: "@acme/one", Version: "1.0.0"})
	r.publish(testpkg.Options{Name: "@other/two", Version: "1.0.0"})
	eng := engine.New(engine.Options{})
	s, _ := newSyncer(t, r, eng, func(o *Options) { o.Packages = []string{"@acme/*"} })
	rep := once(t, s)
	if !cmp.Equal(rep.Installed, []string{"@acme/one@1.0.0"}) || r.count("catalog") == 0 {
		t.Errorf("report %+v, catalog requests %d", rep, r.count("catalog"))
	}
}

func TestReadAuthToken(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, _ := registry.New(registry.Options{Store: st, SigningKey: key, ReadNeedsAuth: true})
	st.CreateUser(ctx, store.User{Name: "eng"})
	tok, hash, _ := registry.NewToken()
	st.CreateToken(ctx, store.Token{Hash: hash, User: "eng", Publish: true})
	srv := httptest.NewServer(npm.New(reg, "/npm/", nil))
	defer srv.Close()
	r := &repo{t: t, url: srv.URL + "/npm/", token: tok}
	r.publish(testpkg.Options{Name: "ccg.private", Version: "1.0.0"})
	eng := engine.New(engine.Options{})
	without, _ := New(eng, Options{Repository: r.url})
	if _, err := without.Once(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("without a token: %v", err)
	}
	with, _ := New(eng, Options{Repository: r.url, Token: tok, Content: content.Options{RequireIG: true}})
	if rep, err := with.Once(ctx); err != nil || len(rep.Installed) != 1 {
		t.Errorf("with a token: %+v %v", rep, err)
	}
}

func TestTrustedCCG(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	kr := sign.Keyring{}
	kr.Add(r.signer.Public)
	s, log := newSyncer(t, r, eng, func(o *Options) {
		o.Content.TrustedCCG, o.Content.TrustedKeys = true, kr
	})
	r.publishSigned(testpkg.Options{Name: "ccg.trusted", Version: "1.0.0"})
	r.publish(testpkg.Options{Name: "ccg.unsigned", Version: "1.0.0"})
	rep := once(t, s)
	if len(rep.Installed) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, p := range eng.Packages() {
		switch p.Name {
		case "ccg.trusted":
			if len(p.Inactive) != 0 {
				t.Errorf("signed package inactive: %v", p.Inactive)
			}
		case "ccg.unsigned":
			if p.Inactive["PlanDefinition/test-folder"] == "" {
				t.Errorf("unsigned package's Folder is active: %v", p.Inactive)
			}
		}
	}
	if !log.has("guideline package not applicable (Trusted CCG)", "no CCG_Signature") {
		t.Error("inactive Folders not logged")
	}
	// An unsigned new version of the trusted package is refused.
	r.publish(testpkg.Options{Name: "ccg.trusted", Version: "1.1.0"})
	rep = once(t, s)
	if len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Err.Error(), "Trusted CCG") {
		t.Errorf("report %+v", rep)
	}
	if v := loaded(eng)["ccg.trusted"]; v != "1.0.0" {
		t.Errorf("ccg.trusted is %s, want 1.0.0 kept", v)
	}
}

// readExample packs examples/NAME/package as the repository would get it.
func readExample(t *testing.T, dir string) ([]byte, string, string) {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err = fhirpkg.WithIndex(files)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Name, Version string }
	json.Unmarshal(files["package.json"], &m)
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	return tgz, m.Name, m.Version
}

func TestExamplePackages(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "package"))
	if len(dirs) == 0 {
		t.Skip("no examples/*/package")
	}
	r := newRepo(t)
	want := map[string]string{}
	for _, d := range dirs {
		tgz, name, version := readExample(t, d)
		r.publishTarball(name, version, tgz)
		want[name] = version
	}
	eng := engine.New(engine.Options{})
	s, _ := newSyncer(t, r, eng, nil)
	rep := once(t, s)
	if len(rep.Refused) > 0 {
		t.Errorf("refused: %v", rep.Refused)
	}
	if diff := cmp.Diff(want, loaded(eng)); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
}

func TestCheckIntegrity(t *testing.T) {
	data := []byte("tarball bytes")
	integ, shasum := registry.Integrity(data)
	tests := []struct {
		name, integrity, shasum string
		ok                      bool
	}{
		{"both", integ, shasum, true},
		{"sha512 only", integ, "", true},
		{"shasum only", "", shasum, true},
		{"several hashes", "sha512-AAAA " + integ + "?opt", "", true},
		{"wrong sha512", "sha512-" + strings.Repeat("A", 86) + "==", shasum, false},
		{"wrong shasum", integ, strings.Repeat("0", 40), false},
		{"neither", "", "", false},
		{"unknown algorithm", "md5-abc", "", false},
	}
	for _, tc := range tests {
		if err := checkIntegrity(data, tc.integrity, tc.shasum); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestListSkipsMirrors: mirrored FHIR packages (ccgMirror in npm search,
// mirror in the catalog) are not guideline content and are not fetched.
func TestListSkipsMirrors(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"search": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/npm/-/v1/search" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, `{"total":2,"objects":[
				{"package":{"name":"hl7.fhir.r4.core","version":"4.0.1","ccgMirror":true}},
				{"package":{"name":"acme.bp","version":"1.0.0"}}]}`)
		},
		"catalog": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/npm/-/catalog" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, `[{"name":"hl7.fhir.r4.core","version":"4.0.1","mirror":true},{"name":"acme.bp","version":"1.0.0"}]`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(handler)
			defer srv.Close()
			s, err := New(engine.New(engine.Options{}), Options{Repository: srv.URL + "/npm/"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.list(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].name != "acme.bp" {
				t.Errorf("listed %+v, want only acme.bp", got)
			}
		})
	}
}

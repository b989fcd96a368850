package npm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

type fixture struct {
	srv      *httptest.Server
	reg      *registry.Registry
	h        *Handler
	st       store.Store
	token    string // publish rights
	readOnly string
	pubKey   *sign.Key // trusted package signer
	url      string    // registry URL (with prefix)
}

func newFixture(t *testing.T, mod func(*registry.Options)) *fixture {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newFixtureOn(t, st, mod)
}

// newFixtureOn serves st (any back end) with user alice holding a publish
// token and a read-only one.
func newFixtureOn(t *testing.T, st store.Store, mod func(*registry.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	key, _ := sign.GenerateKey()
	signer, _ := sign.GenerateKey()
	kr := sign.Keyring{}
	kr.Add(signer.Public)
	o := registry.Options{Store: st, SigningKey: key, TrustedKeys: kr}
	if mod != nil {
		mod(&o)
	}
	reg, err := registry.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h := New(reg, "/npm/", nil)
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, reg: reg, st: st, h: h, pubKey: signer, url: srv.URL + "/npm/"}
	if err := st.CreateUser(ctx, store.User{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	var hash string
	f.token, hash, _ = registry.NewToken()
	st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true})
	f.readOnly, hash, _ = registry.NewToken()
	st.CreateToken(ctx, store.Token{Hash: hash, User: "alice"})
	return f
}

// PublishBody builds the JSON `npm publish` sends for a tarball.
func PublishBody(name, version string, tgz []byte) []byte {
	return testpkg.PublishBody(name, version, tgz)
}

// user adds a user (with an email) and returns a token for it.
func (f *fixture) user(t *testing.T, name string, tok store.Token) string {
	t.Helper()
	ctx := context.Background()
	if err := f.st.CreateUser(ctx, store.User{Name: name, Email: name + "@example.org"}); err != nil && err != store.ErrUserExists {
		t.Fatal(err)
	}
	token, hash, _ := registry.NewToken()
	tok.Hash, tok.User = hash, name
	if err := f.st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return token
}

func (f *fixture) do(t *testing.T, method, path, token string, body []byte) (int, map[string]any, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.url+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

func (f *fixture) publish(t *testing.T, name, version string, tgz []byte) (int, map[string]any) {
	code, m, _ := f.do(t, "PUT", escapeName(name), f.token, PublishBody(name, version, tgz))
	return code, m
}

func TestPublishAndRead(t *testing.T) {
	f := newFixture(t, nil)
	tgz := testpkg.Tarball(testpkg.Options{Name: "@ccg/htn", Version: "1.0.0"})
	if code, m := f.publish(t, "@ccg/htn", "1.0.0", tgz); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	tgz2 := testpkg.Tarball(testpkg.Options{Name: "@ccg/htn", Version: "1.1.0", Description: "second"})
	if code, m := f.publish(t, "@ccg/htn", "1.1.0", tgz2); code != 200 {
		t.Fatalf("publish 1.1.0: %d %v", code, m)
	}
	for _, path := range []string{"@ccg/htn", "@ccg%2fhtn", "@ccg%2Fhtn"} {
		code, m, _ := f.do(t, "GET", path, "", nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %v", path, code, m)
		}
		if diff := cmp.Diff(map[string]any{"latest": "1.1.0"}, m["dist-tags"]); diff != "" {
			t.Errorf("dist-tags: %s", diff)
		}
		vs := m["versions"].(map[string]any)
		if len(vs) != 2 {
			t.Errorf("versions: %v", vs)
		}
		tm := m["time"].(map[string]any)
		if tm["1.0.0"] == nil || tm["created"] == nil {
			t.Errorf("time: %v", tm)
		}
	}
	code, v, _ := f.do(t, "GET", "@ccg/htn/1.0.0", "", nil)
	if code != 200 {
		t.Fatalf("version doc: %d", code)
	}
	dist := v["dist"].(map[string]any)
	wantTarball := f.url + "@ccg/htn/-/htn-1.0.0.tgz"
	if dist["tarball"] != wantTarball {
		t.Errorf("tarball URL %v, want %s", dist["tarball"], wantTarball)
	}
	integ, shasum := registry.Integrity(tgz)
	if dist["integrity"] != integ || dist["shasum"] != shasum {
		t.Errorf("dist %v", dist)
	}
	// Registry signature verifies with the served key.
	sigs := dist["signatures"].([]any)
	s0 := sigs[0].(map[string]any)
	if !sign.VerifyVersion(f.reg.SigningKey().Public, "@ccg/htn", "1.0.0", integ, s0["sig"].(string)) {
		t.Error("registry signature does not verify")
	}
	_, keys, _ := f.do(t, "GET", "-/npm/v1/keys", "", nil)
	k0 := keys["keys"].([]any)[0].(map[string]any)
	if k0["keyid"] != s0["keyid"] || k0["keytype"] != "ecdsa-sha2-nistp256" {
		t.Errorf("keys %v vs signature %v", k0, s0)
	}
	// Tag lookups.
	if code, v, _ := f.do(t, "GET", "@ccg%2fhtn/latest", "", nil); code != 200 || v["version"] != "1.1.0" {
		t.Errorf("latest: %d %v", code, v["version"])
	}
	// Tarball bytes.
	resp, err := http.Get(wantTarball)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, tgz) {
		t.Error("downloaded tarball differs")
	}
	for _, p := range []string{"@ccg/htn/-/htn-9.0.0.tgz", "@ccg/htn/-/other-1.0.0.tgz", "@ccg/htn/9.9.9", "nothere", "@ccg/htn/nosuchtag", "-/nothing", "UPPER"} {
		if code, _, _ := f.do(t, "GET", p, "", nil); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
}

func TestPublishRefusals(t *testing.T) {
	f := newFixture(t, nil)
	tgz := testpkg.Tarball(testpkg.Options{Name: "pkg", Version: "1.0.0"})
	body := PublishBody("pkg", "1.0.0", tgz)
	if code, _, _ := f.do(t, "PUT", "pkg", "", body); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _, _ := f.do(t, "PUT", "pkg", "bogus", body); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	if code, _, _ := f.do(t, "PUT", "pkg", f.readOnly, body); code != 403 {
		t.Errorf("read-only token: %d", code)
	}
	if code, m := f.publish(t, "pkg", "1.0.0", tgz); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	other := testpkg.Tarball(testpkg.Options{Name: "pkg", Version: "1.0.0", Description: "different"})
	code, m := f.publish(t, "pkg", "1.0.0", other)
	if code != 403 || !strings.Contains(m["error"].(string), "previously published") {
		t.Errorf("republish: %d %v", code, m)
	}
	if got, _ := f.st.Tarball(context.Background(), "pkg", "1.0.0"); !bytes.Equal(got, tgz) {
		t.Error("republish changed the stored tarball")
	}
	// Integrity mismatch between dist and attachment.
	b := PublishBody("pkg", "2.0.0", testpkg.Tarball(testpkg.Options{Name: "pkg", Version: "2.0.0"}))
	var pb map[string]any
	json.Unmarshal(b, &pb)
	pb["versions"].(map[string]any)["2.0.0"].(map[string]any)["dist"].(map[string]any)["integrity"] = "sha512-AAAA"
	b, _ = json.Marshal(pb)
	if code, m, _ := f.do(t, "PUT", "pkg", f.token, b); code != 500 || !strings.Contains(m["error"].(string), "integrity") {
		t.Errorf("integrity mismatch: %d %v", code, m)
	}
	// Name in the tarball differs from the URL.
	if code, m := f.publish(t, "pkg", "3.0.0", testpkg.Tarball(testpkg.Options{Name: "other", Version: "3.0.0"})); code != 500 {
		t.Errorf("name mismatch: %d %v", code, m)
	}
	// Malformed bodies never crash the server.
	for _, bad := range []string{"", "{", "[]", `{"name":"pkg","versions":{},"_attachments":{}}`,
		`{"name":"pkg","versions":{"1.0.1":{"name":"pkg","version":"1.0.1"}},"_attachments":{"x":{"data":"!!"}}}`,
		`{"name":"pkg","versions":{"1.0.1":{"name":"pkg","version":"1.0.1"}},"_attachments":{"x":{"data":"aGVsbG8="}}}`} {
		// Only a well-formed publish whose tarball fails validation is a
		// 500 (QRPH-63); a body that is not a publish document is a 400.
		want := 400
		if strings.Contains(bad, "aGVsbG8=") {
			want = 500 // base64 of "hello": not a package tarball
		}
		if code, m, _ := f.do(t, "PUT", "pkg", f.token, []byte(bad)); code != want || m["error"] == nil {
			t.Errorf("body %q: %d %v, want %d", bad, code, m, want)
		}
	}
	p, _ := f.st.Package(context.Background(), "pkg")
	if len(p.Versions) != 1 {
		t.Errorf("refused publishes stored versions: %d", len(p.Versions))
	}
}

func TestInvalidPackage500(t *testing.T) {
	f := newFixture(t, nil)
	files := testpkg.Files(testpkg.Options{Name: "bad", Version: "1.0.0"})
	var card map[string]any
	json.Unmarshal(files["PlanDefinition-test-card.json"], &card)
	delete(card, "relatedArtifact")
	card["action"].([]any)[0].(map[string]any)["trigger"] = []any{map[string]any{"type": "named-event"}}
	files["PlanDefinition-test-card.json"], _ = json.Marshal(card)
	delete(files, ".index.json")
	tgz, _ := fhirpkg.WriteTarball(files)
	code, m := f.publish(t, "bad", "1.0.0", tgz)
	if code != 500 {
		t.Fatalf("invalid package: %d %v", code, m)
	}
	vs, _ := m["violations"].([]any)
	var paths []string
	for _, v := range vs {
		vm := v.(map[string]any)
		paths = append(paths, vm["resource"].(string)+" "+vm["path"].(string))
	}
	for _, want := range []string{"package ", "PlanDefinition/test-card relatedArtifact", "PlanDefinition/test-card action[0].trigger"} {
		if !strings.Contains(strings.Join(paths, "\n"), want) {
			t.Errorf("violations %v lack %q", paths, want)
		}
	}
	if _, err := f.st.Package(context.Background(), "bad"); err != store.ErrNotFound {
		t.Errorf("invalid package stored: %v", err)
	}
}

func TestSignatures417(t *testing.T) {
	f := newFixture(t, nil)
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	signedFiles := func(k *sign.Key, ver string) map[string][]byte {
		files, err := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "signed", Version: ver}), k, "", now)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	// Trusted and intact: stored.
	tgz, _ := fhirpkg.WriteTarball(signedFiles(f.pubKey, "1.0.0"))
	if code, m := f.publish(t, "signed", "1.0.0", tgz); code != 200 {
		t.Fatalf("signed publish: %d %v", code, m)
	}
	_, v, _ := f.do(t, "GET", "signed/1.0.0", "", nil)
	if cs, _ := v["ccgSignatures"].(map[string]any); cs["resources"] != float64(4) || cs["package"] != true {
		t.Errorf("ccgSignatures %v", v["ccgSignatures"])
	}
	// Tampered CARD after signing: 417, nothing stored.
	files := signedFiles(f.pubKey, "1.1.0")
	files["PlanDefinition-test-card.json"] = bytes.Replace(files["PlanDefinition-test-card.json"], []byte("Test CARD"), []byte("Evil CARD"), 1)
	tgz, _ = fhirpkg.WriteTarball(files)
	if code, m := f.publish(t, "signed", "1.1.0", tgz); code != 417 {
		t.Errorf("tampered: %d %v", code, m)
	}
	// Untrusted signer: 417.
	stranger, _ := sign.GenerateKey()
	tgz, _ = fhirpkg.WriteTarball(signedFiles(stranger, "1.2.0"))
	if code, m := f.publish(t, "signed", "1.2.0", tgz); code != 417 || !strings.Contains(m["error"].(string), "not trusted") {
		t.Errorf("untrusted: %d %v", code, m)
	}
	p, _ := f.st.Package(context.Background(), "signed")
	if len(p.Versions) != 1 {
		t.Errorf("417 publishes stored versions: %d", len(p.Versions))
	}
}

func TestSearchCatalogTags(t *testing.T) {
	f := newFixture(t, nil)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, spec := range []struct{ name, desc, fhir string }{
		{"@ccg/hypertension", "Hypertension guideline", "4.0.1"},
		{"@ccg/diabetes", "Diabetes guideline", "4.0.1"},
		{"anc", "Antenatal care", "5.0.0"},
	} {
		h := f.srv.Config.Handler.(*Handler)
		h.now = func() time.Time { return base.Add(time.Duration(i) * 24 * time.Hour) }
		if code, m := f.publish(t, spec.name, "1.0.0", testpkg.Tarball(testpkg.Options{Name: spec.name, Description: spec.desc, FHIRVersion: spec.fhir})); code != 200 {
			t.Fatalf("publish %s: %d %v", spec.name, code, m)
		}
	}
	_, m, _ := f.do(t, "GET", "-/v1/search?text=guideline&size=10", "", nil)
	if m["total"] != float64(3) {
		t.Errorf("search total %v", m["total"])
	}
	_, m, _ = f.do(t, "GET", "-/v1/search?text=betes+GUIDE&size=10", "", nil)
	if m["total"] != float64(1) {
		t.Errorf("search total %v", m["total"])
	}
	obj := m["objects"].([]any)[0].(map[string]any)["package"].(map[string]any)
	if obj["name"] != "@ccg/diabetes" || obj["scope"] != "ccg" || obj["version"] != "1.0.0" {
		t.Errorf("first hit %v", obj)
	}
	// Catalog.
	req, _ := http.NewRequest("GET", f.url+"-/catalog?fhirversion=4.0&since=2025-01-02", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var cat []CatalogEntry
	json.NewDecoder(resp.Body).Decode(&cat)
	resp.Body.Close()
	if len(cat) != 1 || cat[0].Name != "@ccg/diabetes" || cat[0].FHIRVersion != "4.0.1" || cat[0].LastUpdated != "2025-01-02T00:00:00Z" {
		t.Errorf("catalog %+v", cat)
	}
	if code, _, _ := f.do(t, "GET", "-/catalog?since=yesterday", "", nil); code != 400 {
		t.Errorf("bad since: %d", code)
	}
	// dist-tags.
	f.publish(t, "anc", "2.0.0-beta.1", testpkg.Tarball(testpkg.Options{Name: "anc", Version: "2.0.0-beta.1"}))
	if code, _, _ := f.do(t, "PUT", "-/package/anc/dist-tags/beta", f.token, []byte(`"2.0.0-beta.1"`)); code != 201 {
		t.Errorf("set tag: %d", code)
	}
	if code, _, _ := f.do(t, "PUT", "-/package/anc/dist-tags/beta", f.readOnly, []byte(`"2.0.0-beta.1"`)); code != 403 {
		t.Errorf("set tag read-only: %d", code)
	}
	_, tags, _ := f.do(t, "GET", "-/package/anc/dist-tags", "", nil)
	if diff := cmp.Diff(map[string]any{"latest": "2.0.0-beta.1", "beta": "2.0.0-beta.1"}, tags); diff != "" {
		t.Errorf("tags: %s", diff)
	}
	if code, _, _ := f.do(t, "PUT", "-/package/anc/dist-tags/latest", f.token, []byte(`"1.0.0"`)); code != 201 {
		t.Errorf("move latest: %d", code)
	}
	if code, _, _ := f.do(t, "DELETE", "-/package/anc/dist-tags/beta", f.token, nil); code != 200 {
		t.Errorf("delete tag: %d", code)
	}
	_, tags, _ = f.do(t, "GET", "-/package/anc/dist-tags", "", nil)
	if diff := cmp.Diff(map[string]any{"latest": "1.0.0"}, tags); diff != "" {
		t.Errorf("tags after delete: %s", diff)
	}
}

func TestAuthEndpoints(t *testing.T) {
	f := newFixture(t, func(o *registry.Options) { o.AllowSignup = true; o.ReadNeedsAuth = true })
	if code, _, _ := f.do(t, "GET", "-/ping", "", nil); code != 200 {
		t.Errorf("ping %d", code)
	}
	if code, m, _ := f.do(t, "GET", "-/whoami", f.token, nil); code != 200 || m["username"] != "alice" {
		t.Errorf("whoami %d %v", code, m)
	}
	if code, _, _ := f.do(t, "GET", "-/whoami", "", nil); code != 401 {
		t.Errorf("whoami anonymous %d", code)
	}
	// Reads need a token in this configuration.
	if code, _, _ := f.do(t, "GET", "-/v1/search?text=x", "", nil); code != 401 {
		t.Errorf("anonymous search %d", code)
	}
	if code, _, _ := f.do(t, "GET", "-/v1/search?text=x", f.readOnly, nil); code != 200 {
		t.Errorf("search with token %d", code)
	}
	// Legacy login creates bob, then logs him in again.
	body := []byte(`{"_id":"org.couchdb.user:bob","name":"bob","password":"s3cret","type":"user","roles":[]}`)
	code, m, _ := f.do(t, "PUT", "-/user/org.couchdb.user:bob", "", body)
	if code != 201 || m["token"] == nil {
		t.Fatalf("adduser %d %v", code, m)
	}
	if code, w, _ := f.do(t, "GET", "-/whoami", m["token"].(string), nil); code != 200 || w["username"] != "bob" {
		t.Errorf("whoami bob %d %v", code, w)
	}
	if code, _, _ := f.do(t, "PUT", "-/user/org.couchdb.user:bob", "", []byte(`{"name":"bob","password":"wrong"}`)); code != 401 {
		t.Errorf("wrong password %d", code)
	}
	if code, _, _ := f.do(t, "PUT", "-/user/org.couchdb.user:bob", "", body); code != 201 {
		t.Errorf("login again %d", code)
	}
	// Logout revokes the token.
	bobTok := m["token"].(string)
	if code, _, _ := f.do(t, "DELETE", "-/user/token/"+bobTok, f.token, nil); code != 403 {
		t.Errorf("revoking another's token: %d", code)
	}
	if code, _, _ := f.do(t, "DELETE", "-/user/token/"+bobTok, bobTok, nil); code != 200 {
		t.Errorf("logout %d", code)
	}
	if code, _, _ := f.do(t, "GET", "-/whoami", bobTok, nil); code != 401 {
		t.Errorf("whoami after logout %d", code)
	}
}

func TestSizeLimits(t *testing.T) {
	f := newFixture(t, func(o *registry.Options) {
		o.Limits = fhirpkg.Limits{MaxCompressed: 4 << 10, MaxUnpacked: 64 << 10, MaxFile: 32 << 10, MaxFiles: 100}
	})
	noise := make([]byte, 8<<10)
	rand.Read(noise)
	bigFiles := testpkg.Files(testpkg.Options{Name: "big"})
	bigFiles["other/noise.bin"] = noise // does not compress: over the 4 KiB compressed limit
	big, _ := fhirpkg.WriteTarball(bigFiles)
	files := testpkg.Files(testpkg.Options{Name: "bomb"})
	files["other/zeros.bin"] = make([]byte, 200<<10) // compresses to almost nothing
	bomb, _ := fhirpkg.WriteTarball(files)
	for name, tgz := range map[string][]byte{"big": big, "bomb": bomb} {
		code, m := f.publish(t, name, "1.0.0", tgz)
		if code != 500 || !strings.Contains(m["error"].(string), "size limits") {
			t.Errorf("%s (%d bytes): %d %v", name, len(tgz), code, m)
		}
	}
	// A body far over the limit is cut off before it is parsed.
	huge := bytes.Repeat([]byte("x"), 9<<20)
	if code, _, _ := f.do(t, "PUT", "big", f.token, huge); code != 413 {
		t.Errorf("huge body: %d", code)
	}
}

func TestFirstPublishWithTag(t *testing.T) {
	f := newFixture(t, nil)
	body := PublishBody("tagged", "1.0.0-rc.1", testpkg.Tarball(testpkg.Options{Name: "tagged", Version: "1.0.0-rc.1"}))
	var pb map[string]any
	json.Unmarshal(body, &pb)
	pb["dist-tags"] = map[string]any{"next": "1.0.0-rc.1"}
	body, _ = json.Marshal(pb)
	if code, m, _ := f.do(t, "PUT", "tagged", f.token, body); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	_, tags, _ := f.do(t, "GET", "-/package/tagged/dist-tags", "", nil)
	if diff := cmp.Diff(map[string]any{"latest": "1.0.0-rc.1", "next": "1.0.0-rc.1"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	// A later publish under another tag leaves latest alone.
	body = PublishBody("tagged", "1.0.0-rc.2", testpkg.Tarball(testpkg.Options{Name: "tagged", Version: "1.0.0-rc.2"}))
	json.Unmarshal(body, &pb)
	pb["dist-tags"] = map[string]any{"next": "1.0.0-rc.2"}
	body, _ = json.Marshal(pb)
	if code, m, _ := f.do(t, "PUT", "tagged", f.token, body); code != 200 {
		t.Fatalf("publish 2: %d %v", code, m)
	}
	_, tags, _ = f.do(t, "GET", "-/package/tagged/dist-tags", "", nil)
	if diff := cmp.Diff(map[string]any{"latest": "1.0.0-rc.1", "next": "1.0.0-rc.2"}, tags); diff != "" {
		t.Errorf("tags after second publish (-want +got):\n%s", diff)
	}
}

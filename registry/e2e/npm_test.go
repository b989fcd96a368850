// Package e2e drives the Guideline Repository with the real npm CLI and
// with a real `ccg serve` process (crash test).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/internal/sharedtest"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
)

// need skips (or, under CI=true, fails) when a tool is missing.
func need(t *testing.T, tool, how string) string {
	t.Helper()
	if tool == "npm" {
		if err := sharedtest.EnsureNPM(); err != nil {
			t.Fatal(err)
		}
	}
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not installed: %s", tool, how)
		}
		t.Skipf("%s not found (%s); skipping", tool, how)
	}
	return p
}

// tufShim stands in, offline, for the Sigstore TUF lookup `npm audit
// signatures` makes first: for any registry other than the public one the
// lookup finds no target and npm falls back to the registry's own
// /-/npm/v1/keys, which is what this test exercises. With no network the
// real lookup cannot even start.
const tufShim = `const Module = require('module');
const load = Module._load;
Module._load = function (request) {
  const real = load.apply(this, arguments);
  if (request === '@sigstore/tuf') {
    return Object.assign({}, real, {
      initTUF: async () => ({
        getTarget: async (name) => {
          throw Object.assign(new Error('no TUF target ' + name), { code: 'TUF_FIND_TARGET_ERROR' });
        },
      }),
    });
  }
  return real;
};
`

type npmEnv struct {
	t    *testing.T
	home string
	env  []string
}

func (n *npmEnv) run(dir string, extraEnv []string, args ...string) (string, error) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, n.env...), extraEnv...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	n.t.Logf("npm %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return string(out), err
}

func (n *npmEnv) must(dir string, args ...string) string {
	n.t.Helper()
	out, err := n.run(dir, nil, args...)
	if err != nil {
		n.t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestNPMEndToEnd(t *testing.T) {
	need(t, "npm", "install Node.js 20+ and npm (apt-get install nodejs npm)")
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	repoKey, _ := sign.GenerateKey()
	publisherKey, _ := sign.GenerateKey()
	trusted := sign.Keyring{}
	trusted.Add(publisherKey.Public)
	reg, err := registry.New(registry.Options{Store: st, SigningKey: repoKey, TrustedKeys: trusted})
	if err != nil {
		t.Fatal(err)
	}
	h := npm.New(reg, "/npm/", nil)
	var notModified atomic.Int32 // 304s: npm revalidating its cache with our ETags
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == http.StatusNotModified {
			notModified.Add(1)
		}
	})) // loopback listener
	defer srv.Close()
	regURL := srv.URL + "/npm/"

	st.CreateUser(ctx, store.User{Name: "alice", Email: "alice@example.org"})
	token, hash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true}); err != nil {
		t.Fatal(err)
	}
	st.CreateUser(ctx, store.User{Name: "bob", Email: "bob@example.org"})
	bobToken, bobHash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: bobHash, User: "bob", Publish: true}); err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	hostPath := strings.TrimPrefix(regURL, "http:")
	npmrc := "registry=" + regURL + "\n" + hostPath + ":_authToken=" + token + "\n" +
		"audit=false\nfund=false\nupdate-notifier=false\nloglevel=warn\n" +
		"fetch-retries=0\n" // QRPH-63 answers 500 for invalid packages; npm would retry those for a minute
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o600); err != nil {
		t.Fatal(err)
	}
	shim := filepath.Join(home, "tuf-offline.js")
	os.WriteFile(shim, []byte(tufShim), 0o644)
	n := &npmEnv{t: t, home: home, env: []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"npm_config_cache=" + filepath.Join(home, ".npm"),
		"npm_config_userconfig=" + filepath.Join(home, ".npmrc"),
		"NO_COLOR=1",
	}}
	work := t.TempDir()

	// 1. Publish a tarball built by the project (ccg package build's code).
	tgz := testpkg.Tarball(testpkg.Options{Name: "@ccg/hypertension", Version: "1.0.0", Description: "Hypertension CCG"})
	tgzPath := filepath.Join(work, "htn-1.0.0.tgz")
	os.WriteFile(tgzPath, tgz, 0o644)
	n.must(work, "publish", tgzPath)

	// 2. Publish a signed guideline directory with npm's own packing.
	signedDir := filepath.Join(work, "signed")
	files, err := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "@ccg/diabetes", Version: "2.0.0", Description: "Diabetes CCG"}), publisherKey, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range files {
		os.MkdirAll(filepath.Join(signedDir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(signedDir, f), b, 0o644)
	}
	n.must(work, "publish", signedDir)
	v, err := st.Version(ctx, "@ccg/diabetes", "2.0.0")
	if err != nil || !bytes.Contains(v.Doc, []byte(`"ccgSignatures"`)) {
		t.Fatalf("signed publish not stored with its signature report: %v", err)
	}

	// 3. npm view, search, whoami, ping, dist-tag.
	if out := n.must(work, "view", "@ccg/hypertension", "version"); strings.TrimSpace(out) != "1.0.0" {
		t.Errorf("npm view version = %q", out)
	}
	out := n.must(work, "search", "--json", "ccg")
	var hits []map[string]any
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatalf("npm search --json: %v\n%s", err, out)
	}
	if len(hits) != 2 {
		t.Errorf("npm search found %d packages: %s", len(hits), out)
	}
	if out := n.must(work, "search", "diabetes"); !strings.Contains(out, "@ccg/diabetes") || strings.Contains(out, "@ccg/hypertension") {
		t.Errorf("npm search diabetes:\n%s", out)
	}
	if out := n.must(work, "whoami"); strings.TrimSpace(out) != "alice" {
		t.Errorf("npm whoami = %q", out)
	}
	n.must(work, "ping")
	n.must(work, "dist-tag", "add", "@ccg/hypertension@1.0.0", "stable")
	if out := n.must(work, "dist-tag", "ls", "@ccg/hypertension"); !strings.Contains(out, "stable: 1.0.0") {
		t.Errorf("dist-tag ls:\n%s", out)
	}

	// 4. Install into a fresh project; npm checks the integrity itself.
	app := filepath.Join(work, "app")
	os.MkdirAll(app, 0o755)
	os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644)
	n.must(app, "install", "@ccg/hypertension@1.0.0", "@ccg/diabetes@2.0.0")
	var lock struct {
		Packages map[string]struct{ Version, Resolved, Integrity string } `json:"packages"`
	}
	lb, _ := os.ReadFile(filepath.Join(app, "package-lock.json"))
	json.Unmarshal(lb, &lock)
	wantInteg, _ := registry.Integrity(tgz)
	if got := lock.Packages["node_modules/@ccg/hypertension"]; got.Integrity != wantInteg || got.Version != "1.0.0" ||
		got.Resolved != regURL+"@ccg/hypertension/-/hypertension-1.0.0.tgz" {
		t.Errorf("lock entry %+v, want integrity %s", got, wantInteg)
	}
	installed, err := os.ReadFile(filepath.Join(app, "node_modules/@ccg/hypertension/PlanDefinition-test-folder.json"))
	if err != nil || !bytes.Contains(installed, []byte("clinical-protocol")) {
		t.Errorf("installed package content: %v", err)
	}

	// 5. npm audit signatures verifies the repository's signatures.
	out, err = n.run(app, []string{"NODE_OPTIONS=--require " + shim}, "audit", "signatures")
	if err != nil || !strings.Contains(out, "2 packages have verified registry signatures") {
		t.Errorf("npm audit signatures: %v\n%s", err, out)
	}

	// 6. Republishing a version is refused with 403.
	out, err = n.run(work, nil, "publish", tgzPath)
	if err == nil || !strings.Contains(out, "previously published") {
		t.Errorf("republish: err=%v\n%s", err, out)
	}

	// 7. A signed package tampered after signing: 417 and nothing stored.
	bad, _ := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "@ccg/diabetes", Version: "2.1.0"}), publisherKey, "", time.Now())
	bad["PlanDefinition-test-card.json"] = bytes.Replace(bad["PlanDefinition-test-card.json"], []byte(`"Test CARD"`), []byte(`"Tampered CARD"`), 1)
	badTgz, _ := fhirpkg.WriteTarball(bad)
	badPath := filepath.Join(work, "bad.tgz")
	os.WriteFile(badPath, badTgz, 0o644)
	before, _ := st.Package(ctx, "@ccg/diabetes")
	out, err = n.run(work, nil, "publish", badPath)
	if err == nil || !strings.Contains(out, "417") {
		t.Errorf("tampered publish: err=%v\n%s", err, out)
	}
	after, _ := st.Package(ctx, "@ccg/diabetes")
	if len(after.Versions) != len(before.Versions) || after.Latest != before.Latest {
		t.Errorf("417 changed the store: %d -> %d versions", len(before.Versions), len(after.Versions))
	}
	if _, err := st.Version(ctx, "@ccg/diabetes", "2.1.0"); err != store.ErrNotFound {
		t.Errorf("tampered version stored: %v", err)
	}

	// 8. An invalid CCG package: 500 naming the problem.
	inv := testpkg.Files(testpkg.Options{Name: "@ccg/invalid", Version: "1.0.0"})
	delete(inv, "PlanDefinition-test-folder.json")
	inv, _ = fhirpkg.WithIndex(inv)
	invTgz, _ := fhirpkg.WriteTarball(inv)
	invPath := filepath.Join(work, "invalid.tgz")
	os.WriteFile(invPath, invTgz, 0o644)
	out, err = n.run(work, nil, "publish", invPath)
	if err == nil || !strings.Contains(out, "500") || !strings.Contains(out, "CCG Folder") {
		t.Errorf("invalid publish: err=%v\n%s", err, out)
	}

	// 9. Ownership: alice published @ccg/hypertension first, so bob's
	// publish of a new version is refused until alice adds him.
	asBob := "--" + hostPath + ":_authToken=" + bobToken
	v11 := testpkg.Tarball(testpkg.Options{Name: "@ccg/hypertension", Version: "1.1.0", Description: "Hypertension CCG"})
	v11Path := filepath.Join(work, "htn-1.1.0.tgz")
	os.WriteFile(v11Path, v11, 0o644)
	out, err = n.run(work, nil, "publish", v11Path, asBob)
	if err == nil || !strings.Contains(out, "403") || !strings.Contains(out, "bob is not a maintainer of @ccg/hypertension") {
		t.Errorf("bob's publish of alice's package: err=%v\n%s", err, out)
	}
	if _, err := st.Version(ctx, "@ccg/hypertension", "1.1.0"); err != store.ErrNotFound {
		t.Errorf("refused version stored: %v", err)
	}
	if out := n.must(work, "owner", "ls", "@ccg/hypertension"); strings.TrimSpace(out) != "alice <alice@example.org>" {
		t.Errorf("npm owner ls = %q", out)
	}
	if out, err := n.run(work, nil, "owner", "add", "bob", "@ccg/hypertension", asBob); err == nil {
		t.Errorf("bob added himself:\n%s", out)
	}
	if out := n.must(work, "owner", "add", "bob", "@ccg/hypertension"); !strings.Contains(out, "+ bob (@ccg/hypertension)") {
		t.Errorf("npm owner add:\n%s", out)
	}
	if out := n.must(work, "owner", "ls", "@ccg/hypertension"); strings.TrimSpace(out) != "alice <alice@example.org>\nbob <bob@example.org>" {
		t.Errorf("npm owner ls after add = %q", out)
	}
	n.must(work, "publish", v11Path, asBob)
	if out := n.must(work, "owner", "rm", "alice", "@ccg/hypertension", asBob); !strings.Contains(out, "- alice (@ccg/hypertension)") {
		t.Errorf("npm owner rm:\n%s", out)
	}
	if out := n.must(work, "owner", "ls", "@ccg/hypertension"); strings.TrimSpace(out) != "bob <bob@example.org>" {
		t.Errorf("npm owner ls after rm = %q", out)
	}
	// 10. npm deprecate sets and clears a version's message.
	n.must(work, "deprecate", "@ccg/diabetes@2.0.0", "use 3")
	if out := n.must(work, "view", "@ccg/diabetes@2.0.0", "deprecated", "--prefer-online"); strings.TrimSpace(out) != "use 3" {
		t.Errorf("deprecated = %q", out)
	}
	n.must(work, "deprecate", "@ccg/diabetes@2.0.0", "")
	if out := n.must(work, "view", "@ccg/diabetes@2.0.0", "deprecated", "--prefer-online"); strings.TrimSpace(out) != "" {
		t.Errorf("deprecated after clearing = %q", out)
	}
	// 11. npm unpublish within 72 hours: one version (bob, now the only
	// maintainer), then a whole package.
	n.must(work, "unpublish", "@ccg/hypertension@1.1.0", asBob)
	if out := n.must(work, "view", "@ccg/hypertension", "version", "--prefer-online"); strings.TrimSpace(out) != "1.0.0" {
		t.Errorf("latest after unpublishing 1.1.0 = %q", out)
	}
	if _, err := st.Version(ctx, "@ccg/hypertension", "1.1.0"); err != store.ErrNotFound {
		t.Errorf("unpublished version still stored: %v", err)
	}
	n.must(work, "unpublish", "@ccg/diabetes", "--force")
	if _, err := st.Package(ctx, "@ccg/diabetes"); err != store.ErrNotFound {
		t.Errorf("unpublished package still stored: %v", err)
	}
	out, err = n.run(work, nil, "publish", signedDir)
	if err == nil || !strings.Contains(out, "previously published") {
		t.Errorf("republishing an unpublished version: err=%v\n%s", err, out)
	}
	// 12. Publisher trust: bob's package reusing alice's canonical URLs
	// (testpkg's http://example.org/fhir) is refused with 409 naming her;
	// a look-alike name with 403.
	evil := testpkg.Tarball(testpkg.Options{Name: "@a/evil", Version: "1.0.0"})
	evilPath := filepath.Join(work, "evil.tgz")
	os.WriteFile(evilPath, evil, 0o644)
	out, err = n.run(work, nil, "publish", evilPath, asBob)
	if err == nil || !strings.Contains(out, "409") || !strings.Contains(out, "http://example.org/fhir belongs to alice") {
		t.Errorf("canonical takeover: err=%v\n%s", err, out)
	}
	look := testpkg.Tarball(testpkg.Options{Name: "@ccg/hyper-tension", Version: "1.0.0", Canonical: "https://bob.example/fhir"})
	lookPath := filepath.Join(work, "look.tgz")
	os.WriteFile(lookPath, look, 0o644)
	out, err = n.run(work, nil, "publish", lookPath, asBob)
	if err == nil || !strings.Contains(out, "403") || !strings.Contains(out, "too similar to the existing package @ccg/hypertension") {
		t.Errorf("look-alike: err=%v\n%s", err, out)
	}

	// npm revalidated cached documents with If-None-Match and got 304s.
	n.must(work, "view", "@ccg/hypertension", "version")
	n.must(work, "view", "@ccg/hypertension", "version", "--prefer-online")
	t.Logf("304 Not Modified answers: %d", notModified.Load())
	if notModified.Load() == 0 {
		t.Errorf("npm never got a 304 Not Modified")
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// testRegistry is one Guideline Repository served over HTTP.
type testRegistry struct {
	st  store.Store
	reg *registry.Registry
	h   *npm.Handler
	srv *httptest.Server
	url string
	// fhirURL is the FHIR package registry API's.
	fhirURL string
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := sign.GenerateKey()
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	h := npm.New(reg, "/npm/", nil)
	t.Cleanup(func() { h.Close() })
	mux := http.NewServeMux()
	mux.Handle("/npm/", h)
	mux.Handle(npm.FHIRPackagesPrefix, h.FHIRPackages(npm.FHIRPackagesPrefix))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testRegistry{st: st, reg: reg, h: h, srv: srv, url: srv.URL + "/npm/", fhirURL: srv.URL + npm.FHIRPackagesPrefix}
}

// newNPM is an npm whose whole configuration (registry, token, cache)
// lives in a folder of the test.
func newNPM(t *testing.T, regURL, token string) *npmEnv {
	home := t.TempDir()
	npmrc := "registry=" + regURL + "\naudit=false\nfund=false\nupdate-notifier=false\nloglevel=warn\nfetch-retries=0\n"
	if token != "" {
		npmrc += strings.TrimPrefix(regURL, "http:") + ":_authToken=" + token + "\n"
	}
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o600); err != nil {
		t.Fatal(err)
	}
	return &npmEnv{t: t, home: home, env: []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"npm_config_cache=" + filepath.Join(home, ".npm"),
		"npm_config_userconfig=" + filepath.Join(home, ".npmrc"),
		"NO_COLOR=1",
	}}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

type lockEntry struct{ Version, Resolved, Integrity string }

func readLock(t *testing.T, app string) map[string]lockEntry {
	t.Helper()
	var lock struct {
		Packages map[string]lockEntry `json:"packages"`
	}
	b, err := os.ReadFile(filepath.Join(app, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	return lock.Packages
}

func newApp(t *testing.T) string {
	app := t.TempDir()
	os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644)
	return app
}

// upstreamPair starts ccg B, holding a stand-in hl7.fhir.r4.core@4.0.1
// (imported as a mirror) and the example hypertension package, which
// depends on it (published by npm), and ccg A, empty, with B as its
// upstream. It returns them and the stand-in core's integrity.
func upstreamPair(t *testing.T) (a, b *testRegistry, coreInteg string) {
	t.Helper()
	return upstreamPairWith(t, testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1"))
}

// upstreamPairWith is upstreamPair with core as B's stand-in core package.
func upstreamPairWith(t *testing.T, core []byte) (a, b *testRegistry, coreInteg string) {
	t.Helper()
	need(t, "npm", "install Node.js 20+ and npm (apt-get install nodejs npm)")
	ctx := context.Background()
	b = newTestRegistry(t)
	if _, err := b.reg.StoreMirror(ctx, core, "import", "", nil); err != nil {
		t.Fatal(err)
	}
	b.st.CreateUser(ctx, store.User{Name: "alice"})
	token, hash, _ := registry.NewToken()
	b.st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true})
	work := t.TempDir()
	example := filepath.Join(work, "hypertension")
	copyDir(t, filepath.Join("..", "..", "examples", "hypertension", "package"), example)
	newNPM(t, b.url, token).must(work, "publish", example)

	a = newTestRegistry(t)
	up, err := upstream.Parse("b=" + b.url + ";timeout=20s")
	if err != nil {
		t.Fatal(err)
	}
	a.h.SetUpstreams(upstream.Set{up})
	coreInteg, _ = registry.Integrity(core)
	return a, b, coreInteg
}

// TestUpstreamEndToEnd: npm installs the example package through A (see
// upstreamPair) with its dependency, lockfile integrity checked by npm;
// then B is stopped and a fresh install (fresh npm cache) through A works
// from what A cached.
func TestUpstreamEndToEnd(t *testing.T) {
	ctx := context.Background()
	a, b, coreInteg := upstreamPair(t)
	app := newApp(t)
	newNPM(t, a.url, "").must(app, "install", "ccg.example.hypertension@1.0.0")
	lock := readLock(t, app)
	if got := lock["node_modules/hl7.fhir.r4.core"]; got.Version != "4.0.1" || got.Integrity != coreInteg ||
		got.Resolved != a.url+"hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz" {
		t.Errorf("core lock entry %+v, want integrity %s from A", got, coreInteg)
	}
	bv, err := b.st.Version(ctx, "ccg.example.hypertension", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := lock["node_modules/ccg.example.hypertension"]; got.Integrity != bv.Integrity || !strings.HasPrefix(got.Resolved, a.url) {
		t.Errorf("example lock entry %+v, want integrity %s from A", got, bv.Integrity)
	}
	if _, err := os.Stat(filepath.Join(app, "node_modules", "hl7.fhir.r4.core", "StructureDefinition-Patient.json")); err != nil {
		t.Errorf("core not installed: %v", err)
	}
	for name, ver := range map[string]string{"hl7.fhir.r4.core": "4.0.1", "ccg.example.hypertension": "1.0.0"} {
		v, err := a.st.Version(ctx, name, ver)
		if err != nil || !registry.IsMirror(v.Publisher) {
			t.Errorf("A did not cache %s as a mirror: %v", name, err)
		}
	}

	// B stops: a fresh install through A (fresh npm cache, no lockfile)
	// is served from A's store.
	b.srv.Close()
	app2 := newApp(t)
	newNPM(t, a.url, "").must(app2, "install", "ccg.example.hypertension@1.0.0")
	if got := readLock(t, app2)["node_modules/hl7.fhir.r4.core"]; got.Integrity != coreInteg {
		t.Errorf("install with B stopped: core lock entry %+v", got)
	}
	// And `npm ci` from the first lockfile, too.
	app3 := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json"} {
		data, _ := os.ReadFile(filepath.Join(app, f))
		os.WriteFile(filepath.Join(app3, f), data, 0o644)
	}
	newNPM(t, a.url, "").must(app3, "ci")
}

// clientsDir holds the package.json and package-lock.json of the package
// managers besides npm (pnpm 9, yarn 1, yarn 4) that the tests install.
var clientsDir = filepath.Join("testdata", "clients")

// packageManager is the command that runs a package manager: the binary
// the environment variable env names, else the script (below the
// node_modules of clientsDir, installed by npmTools) run by node through a
// small wrapper, since yarn 1 and yarn 4 both claim node_modules/.bin/yarn.
func packageManager(t *testing.T, env, script string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	js := filepath.Join(npmTools(t, clientsDir), filepath.FromSlash(script))
	wrapper := filepath.Join(t.TempDir(), filepath.Base(filepath.Dir(filepath.Dir(js))))
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec node '"+js+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper
}

// TestUpstreamEndToEndPNPM is TestUpstreamEndToEnd with pnpm 9 (installed
// from testdata/clients, or the binary CCG_TEST_PNPM names).
func TestUpstreamEndToEndPNPM(t *testing.T) {
	pnpm := packageManager(t, "CCG_TEST_PNPM", "pnpm/bin/pnpm.cjs")
	a, b, coreInteg := upstreamPair(t)
	install := func() string {
		return clientInstall(t, 90*time.Second, nil, "pnpm-lock.yaml", "ccg.example.hypertension/package.json", func(home string) ([]string, []string) {
			return []string{pnpm, "install", "--registry", a.url, "--store-dir", filepath.Join(home, "store"),
					"--config.cache-dir=" + filepath.Join(home, "cache"), "--reporter=append-only"},
				[]string{"XDG_CONFIG_HOME=" + home, "npm_config_userconfig=" + filepath.Join(home, ".npmrc")}
		})
	}
	if lock := install(); !strings.Contains(lock, "hl7.fhir.r4.core@4.0.1") || !strings.Contains(lock, coreInteg) {
		t.Errorf("pnpm-lock.yaml lacks the core with integrity %s:\n%s", coreInteg, lock)
	}
	b.srv.Close()
	if lock := install(); !strings.Contains(lock, coreInteg) {
		t.Errorf("with B stopped, pnpm-lock.yaml:\n%s", lock)
	}
}

// TestUpstreamEndToEndYarn1 is TestUpstreamEndToEnd with yarn 1
// (installed from testdata/clients, or the binary CCG_TEST_YARN1 names;
// not `yarn` on PATH: under corepack that may be any version).
func TestUpstreamEndToEndYarn1(t *testing.T) {
	yarn := packageManager(t, "CCG_TEST_YARN1", "yarn/bin/yarn.js")
	a, b, coreInteg := upstreamPair(t)
	install := func() string {
		return clientInstall(t, 90*time.Second, nil, "yarn.lock", "hl7.fhir.r4.core/package.json", func(home string) ([]string, []string) {
			return []string{yarn, "install", "--registry", a.url, "--cache-folder", filepath.Join(home, "cache"),
					"--no-default-rc", "--non-interactive", "--network-timeout", "60000"},
				[]string{"YARN_ENABLE_TELEMETRY=0"}
		})
	}
	want := "integrity " + coreInteg
	if lock := install(); !strings.Contains(lock, want) || !strings.Contains(lock, a.url+"hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz") {
		t.Errorf("yarn.lock lacks the core from A with %s:\n%s", want, lock)
	}
	b.srv.Close()
	if lock := install(); !strings.Contains(lock, want) {
		t.Errorf("with B stopped, yarn.lock:\n%s", lock)
	}
}

// TestUpstreamEndToEndYarn4 is TestUpstreamEndToEnd with yarn 4 (its age
// gate set to 0, node_modules linker, cache in the test folder; installed
// from testdata/clients, or the binary CCG_TEST_YARN4 names).
func TestUpstreamEndToEndYarn4(t *testing.T) {
	yarn := packageManager(t, "CCG_TEST_YARN4", "@yarnpkg/cli-dist/bin/yarn.js")
	a, b, _ := upstreamPair(t)
	rc := "npmRegistryServer: \"" + strings.TrimSuffix(a.url, "/") + "\"\nunsafeHttpWhitelist:\n  - \"127.0.0.1\"\n" +
		"nodeLinker: node-modules\nenableGlobalCache: false\ncacheFolder: ./.yarn-cache\nenableTelemetry: false\nnpmMinimalAgeGate: 0\n"
	install := func() string {
		return clientInstall(t, 120*time.Second, map[string]string{".yarnrc.yml": rc, "yarn.lock": ""}, "yarn.lock",
			"hl7.fhir.r4.core/StructureDefinition-Patient.json", func(home string) ([]string, []string) {
				return []string{yarn, "install"}, []string{"YARN_ENABLE_TELEMETRY=0", "YARN_GLOBAL_FOLDER=" + filepath.Join(home, "yarn")}
			})
	}
	if lock := install(); !strings.Contains(lock, `"hl7.fhir.r4.core@npm:4.0.1"`) || !strings.Contains(lock, "checksum:") {
		t.Errorf("yarn.lock lacks the core with its checksum:\n%s", lock)
	}
	b.srv.Close()
	if lock := install(); !strings.Contains(lock, `"hl7.fhir.r4.core@npm:4.0.1"`) {
		t.Errorf("with B stopped, yarn.lock:\n%s", lock)
	}
}

// exampleApp is the package.json of an app that depends on the example.
const exampleApp = `{"name":"app","version":"1.0.0","private":true,"dependencies":{"ccg.example.hypertension":"1.0.0"}}`

// clientInstall runs a package manager's install in a new app folder that
// holds exampleApp's package.json and the files of extra, with a new home
// folder (command gives the arguments and environment for it), and returns
// the lockfile. It reports an error when installed (a path below
// node_modules) is missing afterwards.
func clientInstall(t *testing.T, timeout time.Duration, extra map[string]string, lockfile, installed string,
	command func(home string) (args, env []string)) string {
	t.Helper()
	app := t.TempDir()
	os.WriteFile(filepath.Join(app, "package.json"), []byte(exampleApp), 0o644)
	for f, data := range extra {
		os.WriteFile(filepath.Join(app, f), []byte(data), 0o644)
	}
	home := t.TempDir()
	args, env := command(home)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = app
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s install: %v\n%s", filepath.Base(args[0]), err, out)
	}
	lock, err := os.ReadFile(filepath.Join(app, lockfile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(app, "node_modules", installed)); err != nil {
		t.Errorf("not installed: %v", err)
	}
	return string(lock)
}

// TestUpstreamFaultsWithNPM: npm installs the example package through A,
// whose upstream is B behind a proxy that breaks the stand-in core in one
// way at a time (slow, 500, truncated tarball, wrong integrity). npm fails
// and prints A's message naming the upstream and the fault; A stores
// nothing of the core; once the proxy stops breaking it, the same install
// works.
func TestUpstreamFaultsWithNPM(t *testing.T) {
	_, b, _ := upstreamPair(t)
	target, _ := url.Parse(b.srv.URL)
	var fault atomic.Value
	fault.Store("")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		if fault.Load() != "integrity" || res.Request.URL.Path != "/npm/hl7.fhir.r4.core" {
			return nil
		}
		var doc map[string]any
		if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
			return err
		}
		res.Body.Close()
		dist := doc["versions"].(map[string]any)["4.0.1"].(map[string]any)["dist"].(map[string]any)
		dist["integrity"] = "sha512-" + strings.Repeat("A", 86) + "=="
		body, _ := json.Marshal(doc)
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		res.Header.Del("ETag")
		return nil
	}
	faulty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/npm/hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz" {
			switch fault.Load() {
			case "slow":
				select {
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
				}
				return
			case "500":
				http.Error(w, "internal error", 500)
				return
			case "truncated":
				w.Header().Set("Content-Length", "99999")
				w.Write([]byte("\x1f\x8b\x08\x00 half a tarball"))
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(faulty.Close)

	for _, tc := range []struct{ fault, msg string }{
		{"slow", "did not answer within 1s for the tarball of hl7.fhir.r4.core@4.0.1"},
		{"500", "answered 500 for the tarball of hl7.fhir.r4.core@4.0.1"},
		{"truncated", "failed for the tarball of hl7.fhir.r4.core@4.0.1"},
		{"integrity", "not the published sha512-AAAA"},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			a := newTestRegistry(t)
			up, err := upstream.Parse("b=" + faulty.URL + "/npm/;timeout=1s")
			if err != nil {
				t.Fatal(err)
			}
			a.h.SetUpstreams(upstream.Set{up})
			fault.Store(tc.fault)
			app := newApp(t)
			out, err := newNPM(t, a.url, "").run(app, nil, "install", "ccg.example.hypertension@1.0.0")
			if err == nil || !strings.Contains(out, tc.msg) || !strings.Contains(out, "upstream b") {
				t.Errorf("npm install with a %s upstream: %v, want %q from A:\n%s", tc.fault, err, tc.msg, out)
			}
			if _, err := a.st.Version(context.Background(), "hl7.fhir.r4.core", "4.0.1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("A stored the core after a %s fault: %v", tc.fault, err)
			}
			fault.Store("")
			newNPM(t, a.url, "").must(newApp(t), "install", "ccg.example.hypertension@1.0.0")
		})
	}
}

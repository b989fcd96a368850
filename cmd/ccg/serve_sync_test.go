package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server"
)

// parseServeHooks parses args with only the flags the hooks add.
func parseServeHooks(t *testing.T, args ...string) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, h := range serveFlagHooks {
		h(fs)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syncFlags = syncFlagValues{}
		registryFlags = registryFlagValues{}
	})
}

func TestRegistryFlagsOverrideEnvironment(t *testing.T) {
	t.Setenv(envTrustedKeys, "/from/env")
	t.Setenv(envReadAuth, "true")
	t.Setenv(envRegistryPrefix, "/env/")
	parseServeHooks(t)
	if got := trustedKeysDir(t.TempDir()); got != "/from/env" {
		t.Errorf("without flags trusted keys = %q, want the environment's", got)
	}
	if !registryFlags.readAuth.or(func() bool { return envTrue(envReadAuth) }) {
		t.Error("without the flag read auth should come from the environment")
	}
	parseServeHooks(t, "--trusted-keys", "/from/flag", "--registry-read-auth=false", "--registry-allow-signup", "--registry-prefix", "/reg/")
	if got := trustedKeysDir(t.TempDir()); got != "/from/flag" {
		t.Errorf("trusted keys = %q", got)
	}
	if registryFlags.readAuth.or(func() bool { return true }) {
		t.Error("--registry-read-auth=false did not override the environment")
	}
	if !registryFlags.allowSignup.or(func() bool { return false }) || registryFlags.prefix != "/reg/" {
		t.Errorf("flags %+v", registryFlags)
	}
	// The prefix flag reaches the mounted registry.
	parseServeHooks(t, "--trusted-keys", t.TempDir(), "--registry-prefix", "/reg/")
	srv := server.New(server.Config{Logger: zap.NewNop()})
	closer, err := mountRegistry(srv.Echo(), serveConfig{DataDir: t.TempDir(), Server: srv}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	resp, err := http.Get(hs.URL + "/reg/-/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /reg/-/ping: %d", resp.StatusCode)
	}
}

// TestServeSync mounts the engine sync as `ccg serve --repository URL`
// does and waits for a package published to the repository to appear in
// the engine.
func TestServeSync(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, _ := registry.New(registry.Options{Store: st, SigningKey: key, ReadNeedsAuth: true})
	st.CreateUser(ctx, store.User{Name: "pub"})
	tok, hash, _ := registry.NewToken()
	st.CreateToken(ctx, store.Token{Hash: hash, User: "pub", Publish: true})
	repo := httptest.NewServer(npm.New(reg, "/npm/", nil))
	defer repo.Close()
	publishPackage(t, repo.URL+"/npm/ccg.served", tok, "ccg.served", "1.0.0")

	t.Setenv(envSyncToken, tok)
	parseServeHooks(t, "--repository", repo.URL+"/npm/", "--sync-interval", "50ms")
	eng := engine.New(engine.Options{})
	prev := engineForServe
	engineForServe = eng
	defer func() { engineForServe = prev }()
	closer, err := mountSync(nil, serveConfig{DataDir: t.TempDir()}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(eng.Packages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := closer.Close(); err != nil {
		t.Error(err)
	}
	if ps := eng.Packages(); len(ps) != 1 || ps[0].Name != "ccg.served" {
		t.Errorf("engine packages after sync: %v", ps)
	}
}

func TestServeSyncBadSettings(t *testing.T) {
	prev := engineForServe
	engineForServe = engine.New(engine.Options{})
	defer func() { engineForServe = prev }()
	for _, args := range [][]string{
		{"--repository", "ftp://nowhere/"},
		{"--repository", "http://127.0.0.1:1/npm/", "--sync-interval", "0s"},
		{"--trusted-ccg", "--trusted-keys", filepath.Join(t.TempDir(), "missing")},
	} {
		parseServeHooks(t, args...)
		if c, err := mountSync(nil, serveConfig{DataDir: t.TempDir()}, zap.NewNop()); err == nil {
			if c != nil {
				c.Close()
			}
			t.Errorf("%v: mounted", args)
		}
	}
}

// TestServeTrustedCCGLocal: --trusted-ccg also judges the packages serve
// loaded from disk.
func TestServeTrustedCCGLocal(t *testing.T) {
	dir := t.TempDir()
	signedDir, unsignedDir := filepath.Join(dir, "signed"), filepath.Join(dir, "unsigned")
	key, _ := sign.GenerateKey()
	files, err := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "ccg.local.signed"}), key, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(signedDir, name)), 0o755)
		os.WriteFile(filepath.Join(signedDir, name), b, 0o644)
	}
	if err := testpkg.WriteDir(unsignedDir, testpkg.Options{Name: "ccg.local.unsigned"}); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys")
	os.MkdirAll(keys, 0o755)
	pub, _ := key.PublicPEM()
	os.WriteFile(filepath.Join(keys, "publisher.pem"), pub, 0o644)

	eng := engine.New(engine.Options{})
	for _, d := range []string{signedDir, unsignedDir} {
		if _, err := eng.LoadPath(d, content.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	prev := engineForServe
	engineForServe = eng
	defer func() { engineForServe = prev }()
	parseServeHooks(t, "--trusted-ccg", "--trusted-keys", keys)
	if _, err := mountSync(nil, serveConfig{DataDir: dir}, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	for _, p := range eng.Packages() {
		inactive := p.Inactive["PlanDefinition/test-folder"]
		switch {
		case p.Inactive == nil:
			t.Errorf("%s was not checked", p.Name)
		case p.Name == "ccg.local.signed" && inactive != "":
			t.Errorf("signed package inactive: %s", inactive)
		case p.Name == "ccg.local.unsigned" && !strings.Contains(inactive, "no CCG_Signature"):
			t.Errorf("unsigned package's Folder: %q", inactive)
		}
	}
}

package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/httpapi"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/auth"
)

// fixture is a server with the workbench, the engine holding the
// repository's example packages, an audit store and a repository
// holding one published package (uiPublished).
type fixture struct {
	srv   *httptest.Server
	eng   *engine.Engine
	reg   *registry.Registry
	audit audit.Store
	ui    *Handler
}

const (
	uiPublished = "ccg.test.ui"
	uiReadme    = "# ccg.test.ui\n\nA package for the <workbench> tests."
)

// examplesDir is the repository's examples/ folder.
var examplesDir = filepath.Join("..", "..", "examples")

// newFixture starts the fixture; authOn puts the authentication guard in
// front (else pages are open, as with --auth off).
func newFixture(t testing.TB, authOn bool) *fixture {
	t.Helper()
	ctx := context.Background()
	eng := engine.New(engine.Options{})
	pkgs, _ := filepath.Glob(filepath.Join(examplesDir, "*", "package"))
	if len(pkgs) == 0 {
		t.Fatal("no example package found in " + examplesDir)
	}
	for _, p := range pkgs {
		if _, err := eng.LoadPath(p, content.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	au, err := audit.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { au.Close() })
	key, err := sign.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{})
	e := srv.Echo()
	api := httpapi.Mount(e, httpapi.Config{Engine: eng, Audit: au, Caller: auth.CallerOf})
	h := npm.New(reg, "/npm/", nil)
	e.Any("/npm/*", echo.WrapHandler(h))
	u := New(Config{Engine: eng, Apply: api, Server: srv, Audit: au, Registry: reg, RegistryURL: "/npm/", Version: "test",
		Examples: func(p *content.Package) []Example { return dirExamples(t, p) }})
	u.Mount(e)
	g := auth.New(auth.Config{Off: !authOn, Registry: reg, Audit: au})
	g.Install(e)
	u.SetGuard(g)
	f := &fixture{srv: httptest.NewServer(srv), eng: eng, reg: reg, audit: au, ui: u}
	t.Cleanup(f.srv.Close)
	// One package in the repository, published as npm publishes.
	admin := f.token(t, "admin", store.Token{Admin: true, Publish: true})
	tgz := testpkg.Tarball(testpkg.Options{Name: uiPublished, Version: "1.0.0", Description: "Workbench test package"})
	var body map[string]any
	if err := json.Unmarshal(testpkg.PublishBody(uiPublished, "1.0.0", tgz), &body); err != nil {
		t.Fatal(err)
	}
	// npm publish sends the package's README.md in the version document.
	body["versions"].(map[string]any)["1.0.0"].(map[string]any)["readme"] = uiReadme
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, f.srv.URL+"/npm/"+uiPublished, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("publishing %s: %s", uiPublished, resp.Status)
	}
	return f
}

// dirExamples are the Bundles of the data-in folder beside an example
// package.
func dirExamples(t testing.TB, p *content.Package) []Example {
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(p.Source), "data-in", "*.json"))
	var out []Example
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		out = append(out, Example{Name: filepath.Base(f), Bundle: b})
	}
	return out
}

// token makes a ccg token for user (created, with password "secret").
func (f *fixture) token(t testing.TB, user string, tok store.Token) string {
	t.Helper()
	ctx := context.Background()
	hash, err := registry.HashPassword("secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.reg.Store().CreateUser(ctx, store.User{Name: user, PasswordHash: hash, Scopes: tok.Scopes}); err != nil && err != store.ErrUserExists {
		t.Fatal(err)
	}
	secret, th, _ := registry.NewToken()
	tok.Hash, tok.User = th, user
	if err := f.reg.Store().CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

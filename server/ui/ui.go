// Package ui is ccg's web workbench: server-rendered pages under /ui/ for
// guideline authors and testers. The start page shows the server's health
// (loaded packages, readiness, sync, recent failures); /ui/packages the
// repository's catalog and each package (versions, dist-tags, README,
// signatures, install command) with its Folders drawn as CARD trees;
// /ui/playground evaluates CQL; /ui/apply runs $apply on a data-in Bundle
// and explains each CARD's conditions; /ui/audit searches the audit
// trail. Pages call the engine, the CQL evaluator, the repository and the
// audit store in-process. They use the API's ccg tokens, held in a
// cookie set by /ui/login (see server/auth's WebPrefix).
package ui

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/httpapi"
	enginesync "github.com/ccg-project/ccg/engine/sync"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the pages read. Only Engine is required; a page whose
// source is nil says so.
type Config struct {
	// Engine holds the loaded packages (Folders, CARDs, libraries).
	Engine *engine.Engine
	// Apply runs $apply with the audit trail of the HTTP operation.
	Apply *httpapi.API
	// Server evaluates playground CQL and runs the readiness checks.
	Server *server.Server
	// Audit is the audit store searched by /ui/audit.
	Audit audit.Store
	// Registry is the Guideline Repository (the catalog, package pages
	// and logins); RegistryURL its npm path ("/npm/").
	Registry    *registry.Registry
	RegistryURL string
	// Sync reports the engine sync's state; nil without sync.
	Sync func() enginesync.Status
	// Examples lists a package's example data-in Bundles.
	Examples func(p *content.Package) []Example
	// Version is the server's version, shown in the footer.
	Version string
	Logger  *zap.Logger
}

// Example is an example data-in Bundle of a package.
type Example struct {
	// Name identifies it within its package ("03-untreated").
	Name string
	// Bundle is its JSON.
	Bundle []byte
}

// Handler serves the pages.
type Handler struct {
	cfg   Config
	log   *zap.Logger
	pages map[string]*template.Template
	guard atomic.Pointer[auth.Guard]
}

// New builds the pages' handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.RegistryURL == "" {
		cfg.RegistryURL = "/npm/"
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, pages: map[string]*template.Template{}}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		h.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return h
}

// SetGuard gives the pages the authentication guard (installed after the
// mounts): it checks pasted tokens and tells whether authentication is
// off. Without one, pages are open, as with --auth off.
func (h *Handler) SetGuard(g *auth.Guard) { h.guard.Store(g) }

// Mount adds the pages' routes to e.
func (h *Handler) Mount(e *echo.Echo) {
	static, _ := fs.Sub(staticFS, "static")
	e.GET(auth.WebStaticPrefix+"*", echo.WrapHandler(http.StripPrefix(auth.WebStaticPrefix, http.FileServer(http.FS(static)))))
	e.GET("/ui", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, auth.WebPrefix) })
	e.GET(auth.WebPrefix, h.home)
	e.GET(auth.WebLoginPath, h.loginPage)
	e.POST(auth.WebLoginPath, h.login)
	e.POST("/ui/logout", h.logout)
	e.GET("/ui/packages", h.packages)
	e.GET("/ui/package", h.packagePage)
	e.GET("/ui/folder", h.folder)
	e.GET("/ui/library", h.library)
	e.GET("/ui/playground", h.playground)
	e.POST("/ui/playground", h.playground)
	e.GET("/ui/apply", h.apply)
	e.POST("/ui/apply", h.apply)
	e.GET("/ui/audit", h.audit)
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string // the current section, for aria-current
	User    string // the signed-in user; "" with authentication off
	AuthOff bool
	Version string
	Data    any
}

// render writes a page; status is the HTTP status.
func (h *Handler) render(c echo.Context, status int, name, title string, data any) error {
	t, ok := h.pages[name]
	if !ok {
		return echo.NewHTTPError(http.StatusInternalServerError, "no template "+name)
	}
	p := page{Title: title, Nav: name, Version: h.cfg.Version, Data: data}
	if pr := auth.PrincipalOf(c); pr != nil {
		p.User = pr.Subject
	}
	p.AuthOff = h.authOff()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("ui: rendering", zap.String("page", name), zap.Error(err))
		return err
	}
	hd := c.Response().Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	// Forms carry their Origin (SameOrigin checks it); no-referrer would
	// make it "null".
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (h *Handler) authOff() bool {
	g := h.guard.Load()
	return g == nil || g.Off()
}

// allowed reports whether the caller's token grants need (always, with
// authentication off).
func (h *Handler) allowed(c echo.Context, need auth.Need) bool {
	if h.authOff() {
		return true
	}
	p := auth.PrincipalOf(c)
	return p != nil && p.Scopes.Allows(need)
}

var (
	needEvaluate  = auth.Need{Scope: auth.ScopeEvaluate}
	needAuditRead = auth.Need{Resource: "AuditEvent", Perm: 's'}
)

// packageByName returns the loaded package of that name.
func (h *Handler) packageByName(name string) *content.Package {
	for _, p := range h.cfg.Engine.Packages() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// sortedPackages are the loaded packages by name.
func (h *Handler) sortedPackages() []*content.Package {
	ps := h.cfg.Engine.Packages()
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// ctx is the request's context.
func ctx(c echo.Context) context.Context { return c.Request().Context() }

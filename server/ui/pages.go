package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	enginesync "github.com/ccg-project/ccg/engine/sync"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth"
)

var funcs = template.FuncMap{
	"cql": highlightCQL,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"query": url.QueryEscape,
	"inc":   func(i int) int { return i + 1 },
	"outcome": func(code string) string {
		switch code {
		case audit.OutcomeSuccess:
			return "success"
		case audit.OutcomeMinor:
			return "minor failure"
		case audit.OutcomeSerious:
			return "serious failure"
		case audit.OutcomeMajor:
			return "major failure"
		}
		return code
	},
}

func (h *Handler) notFound(c echo.Context, msg string) error {
	return h.render(c, http.StatusNotFound, "message", "Not found", msg)
}

// --- start page

type homeView struct {
	Packages     []pkgSummary
	Ready        bool
	Checks       [][2]string
	Sync         *enginesync.Status
	Failures     []auditRow
	CanAudit     bool
	Applies      map[string]float64
	ServerErrors float64
}

type pkgSummary struct {
	Name, Version, Source string
	Folders               []folderLink
	Cards, Libraries      int
	Problems              []string
	Inactive              int
}

type folderLink struct{ ID, Title string }

func summarize(p *content.Package) pkgSummary {
	s := pkgSummary{Name: p.Name, Version: p.Version, Source: p.Source, Cards: len(p.PlanDefinitions("eca-rule")),
		Libraries: len(p.OfType("Library")), Inactive: len(p.Inactive)}
	for _, f := range p.PlanDefinitions("clinical-protocol") {
		s.Folders = append(s.Folders, folderLink{ID: fj.ID(f), Title: title(f)})
	}
	for _, pr := range p.Problems {
		s.Problems = append(s.Problems, pr.String())
	}
	return s
}

// recentFailures is how many failed audit records the start page lists.
const recentFailures = 10

func (h *Handler) home(c echo.Context) error {
	v := homeView{CanAudit: h.cfg.Audit != nil && h.allowed(c, needAuditRead)}
	for _, p := range h.sortedPackages() {
		v.Packages = append(v.Packages, summarize(p))
	}
	v.Ready = true
	if h.cfg.Server != nil {
		checks, ok := h.cfg.Server.Ready(ctx(c))
		v.Ready = ok
		for name, err := range checks {
			v.Checks = append(v.Checks, [2]string{name, err})
		}
		sort.Slice(v.Checks, func(i, j int) bool { return v.Checks[i][0] < v.Checks[j][0] })
	}
	if h.cfg.Sync != nil {
		st := h.cfg.Sync()
		v.Sync = &st
	}
	if v.CanAudit {
		recs, err := h.cfg.Audit.Search(ctx(c), audit.Query{Count: 500})
		if err != nil {
			h.log.Warn("ui: audit search", zap.Error(err))
		}
		for _, r := range recs {
			if r.Outcome != audit.OutcomeSuccess && len(v.Failures) < recentFailures {
				v.Failures = append(v.Failures, row(r))
			}
		}
	}
	v.Applies, v.ServerErrors = metrics()
	return h.render(c, http.StatusOK, "home", "Start", v)
}

// metrics reads $apply outcomes and 5xx answers from the server's
// Prometheus registry.
func metrics() (map[string]float64, float64) {
	applies := map[string]float64{}
	var server5xx float64
	mfs, err := obs.Registry.Gather()
	if err != nil {
		return applies, 0
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "ccg_apply_total":
				applies[labels["outcome"]] += m.GetCounter().GetValue()
			case "ccg_http_requests_total":
				if strings.HasPrefix(labels["status"], "5") {
					server5xx += m.GetCounter().GetValue()
				}
			}
		}
	}
	return applies, server5xx
}

// --- packages

type packagesView struct {
	Query     string
	Loaded    []pkgSummary
	Catalog   []catalogRow
	NoCatalog bool
	Error     string
}

type catalogRow struct {
	Name, Version, Description, FHIRVersion, Modified string
	Mirror                                            bool
}

func (h *Handler) packages(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	v := packagesView{Query: q, NoCatalog: h.cfg.Registry == nil}
	for _, p := range h.sortedPackages() {
		if q == "" || matches(q, p.Name+" "+p.Canonical) {
			v.Loaded = append(v.Loaded, summarize(p))
		}
	}
	if h.cfg.Registry != nil {
		hits, _, err := h.cfg.Registry.Store().Search(ctx(c), store.SearchQuery{Text: q, Size: 200})
		if err != nil {
			h.log.Warn("ui: catalog search", zap.Error(err))
			v.Error = "The repository could not be searched: " + err.Error()
		}
		for _, hit := range hits {
			v.Catalog = append(v.Catalog, catalogRow{Name: hit.Name, Version: hit.Version, Description: hit.Description,
				FHIRVersion: hit.FHIRVersion, Modified: hit.Modified.UTC().Format("2006-01-02"), Mirror: registry.IsMirror(hit.Publisher)})
		}
	}
	return h.render(c, http.StatusOK, "packages", "Packages", v)
}

// matches reports whether every term of q is in s (ignoring case).
func matches(q, s string) bool {
	s = strings.ToLower(s)
	for _, t := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

type packageView struct {
	Name        string
	Loaded      *pkgSummary
	Stored      bool
	Description string
	Latest      string
	Mirror      bool
	DistTags    [][2]string
	Versions    []versionRow
	Maintainers []string
	Readme      string
	Signatures  string
	Registry    string // the npm registry's URL for --registry
	Examples    []string
}

type versionRow struct {
	Version, Published, Integrity, Deprecated string
	Signed                                    bool
}

func (h *Handler) packagePage(c echo.Context) error {
	name := c.QueryParam("name")
	v := packageView{Name: name, Registry: c.Scheme() + "://" + c.Request().Host + h.cfg.RegistryURL}
	if p := h.packageByName(name); p != nil {
		s := summarize(p)
		v.Loaded = &s
		if h.cfg.Examples != nil {
			for _, ex := range h.cfg.Examples(p) {
				v.Examples = append(v.Examples, ex.Name)
			}
		}
	}
	if h.cfg.Registry != nil {
		sp, err := h.cfg.Registry.Store().Package(ctx(c), name)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			h.storedPackage(&v, sp)
		}
	}
	if v.Loaded == nil && !v.Stored {
		return h.notFound(c, "No package is named "+name+".")
	}
	return h.render(c, http.StatusOK, "package", "Package "+name, v)
}

// storedPackage fills v from the repository's record of the package.
func (h *Handler) storedPackage(v *packageView, sp *store.Package) {
	v.Stored, v.Description, v.Latest = true, sp.Description, sp.Latest
	for tag, ver := range sp.DistTags {
		v.DistTags = append(v.DistTags, [2]string{tag, ver})
	}
	sort.Slice(v.DistTags, func(i, j int) bool { return v.DistTags[i][0] < v.DistTags[j][0] })
	for _, m := range sp.Maintainers {
		v.Maintainers = append(v.Maintainers, m.Name)
	}
	for i := len(sp.Versions) - 1; i >= 0; i-- {
		ver := sp.Versions[i]
		var doc struct {
			Readme     string `json:"readme"`
			Deprecated string `json:"deprecated"`
			Mirror     bool   `json:"ccgMirror"`
			Signatures *struct {
				Resources int      `json:"resources"`
				Package   bool     `json:"package"`
				Signers   []string `json:"signers"`
			} `json:"ccgSignatures"`
		}
		_ = json.Unmarshal(ver.Doc, &doc) // a stored document is JSON; an odd one just shows less
		row := versionRow{Version: ver.Version, Published: ver.Published.UTC().Format("2006-01-02 15:04"), Integrity: ver.Integrity,
			Deprecated: doc.Deprecated, Signed: doc.Signatures != nil}
		v.Versions = append(v.Versions, row)
		if ver.Version != sp.Latest {
			continue
		}
		v.Readme = doc.Readme
		v.Mirror = registry.IsMirror(ver.Publisher) || doc.Mirror
		switch s := doc.Signatures; {
		case s == nil:
			v.Signatures = "not signed by its publisher (the repository's own registry signature vouches only for the tarball's integrity)"
		default:
			what := fmt.Sprintf("%d resource signatures", s.Resources)
			if s.Package {
				what += " and the package signature"
			}
			v.Signatures = what + " verified against the repository's trusted keys (" + strings.Join(s.Signers, ", ") + ")"
		}
	}
}

// --- library

type libraryView struct {
	Package, URL, Name, Version string
	Lines                       []template.HTML
	Errors                      []string
}

func (h *Handler) library(c echo.Context) error {
	pkg := h.packageByName(c.QueryParam("package"))
	if pkg == nil {
		return h.notFound(c, "No loaded package is named "+c.QueryParam("package")+".")
	}
	lib := pkg.Library(c.QueryParam("url"))
	if lib == nil {
		return h.notFound(c, "Package "+pkg.Name+" has no library "+c.QueryParam("url")+".")
	}
	v := libraryView{Package: pkg.Name, URL: lib.URL, Version: lib.Version, Name: lib.URL}
	if lib.CQL != nil {
		v.Name = lib.CQL.Name
	}
	for _, e := range lib.Errors {
		v.Errors = append(v.Errors, e.Error())
	}
	for _, l := range strings.Split(lib.Source, "\n") {
		v.Lines = append(v.Lines, highlightCQL(l))
	}
	return h.render(c, http.StatusOK, "library", "Library "+v.Name, v)
}

// --- audit

type auditView struct {
	Patient, Date, Outcome string
	Rows                   []auditRow
	Total                  int
	Allowed, Enabled       bool
	Error                  string
}

type auditRow struct {
	ID, Recorded, Kind, Patient, Outcome, Description string
}

func row(r audit.Record) auditRow {
	return auditRow{ID: r.ID, Recorded: r.Recorded.UTC().Format("2006-01-02 15:04:05"), Kind: r.Kind, Patient: r.Patient,
		Outcome: r.Outcome, Description: fj.Str(r.Resource, "outcomeDesc")}
}

// auditPage is how many records the audit page lists.
const auditPage = 100

func (h *Handler) audit(c echo.Context) error {
	status, err := h.auditSearch(c)
	if g := h.guard.Load(); g != nil && h.cfg.Audit != nil {
		g.RecordAuditSearch(c, status)
	}
	return err
}

// auditSearch serves the audit page and returns its status.
func (h *Handler) auditSearch(c echo.Context) (int, error) {
	v := auditView{Patient: c.QueryParam("patient"), Date: c.QueryParam("date"), Outcome: c.QueryParam("outcome"),
		Allowed: h.allowed(c, needAuditRead), Enabled: h.cfg.Audit != nil}
	status := http.StatusOK
	if !v.Allowed {
		status = http.StatusForbidden
	}
	if !v.Allowed || !v.Enabled {
		return status, h.render(c, status, "audit", "Audit", v)
	}
	q := audit.Query{Outcome: v.Outcome, Count: auditPage}
	if p := strings.TrimSpace(v.Patient); p != "" {
		if !strings.Contains(p, "/") {
			p = "Patient/" + p
		}
		q.Patient = p
	}
	if d := strings.TrimSpace(v.Date); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			v.Error = "The date must be a day such as 2026-12-04."
			return http.StatusBadRequest, h.render(c, http.StatusBadRequest, "audit", "Audit", v)
		}
		q.From, q.To = t, t.AddDate(0, 0, 1)
	}
	recs, err := h.cfg.Audit.Search(ctx(c), q)
	if err != nil {
		return http.StatusInternalServerError, err
	}
	if v.Total, err = h.cfg.Audit.Total(ctx(c), q); err != nil {
		return http.StatusInternalServerError, err
	}
	for _, r := range recs {
		v.Rows = append(v.Rows, row(r))
	}
	return http.StatusOK, h.render(c, http.StatusOK, "audit", "Audit", v)
}

// --- login

type loginView struct {
	User, Error, Next string
	Signup            bool
	Passwords         bool
}

// sessionTTL is how long a workbench login lasts.
const sessionTTL = 12 * time.Hour

// safeNext keeps a post-login redirect on the workbench.
func safeNext(next string) string {
	if !strings.HasPrefix(next, auth.WebPrefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return auth.WebPrefix
	}
	return next
}

func (h *Handler) loginPage(c echo.Context) error {
	if h.authOff() {
		return c.Redirect(http.StatusSeeOther, auth.WebPrefix)
	}
	v := loginView{Next: safeNext(c.QueryParam("next")), Passwords: h.cfg.Registry != nil}
	if v.Passwords {
		v.Signup = h.cfg.Registry.AllowSignup()
	}
	return h.render(c, http.StatusOK, "login", "Sign in", v)
}

func (h *Handler) login(c echo.Context) error {
	g := h.guard.Load()
	if g == nil || g.Off() {
		return c.Redirect(http.StatusSeeOther, auth.WebPrefix)
	}
	if !auth.SameOrigin(c) {
		return echo.NewHTTPError(http.StatusForbidden, "this form was not sent from a page of this server")
	}
	v := loginView{User: c.FormValue("username"), Next: safeNext(c.FormValue("next")), Passwords: h.cfg.Registry != nil}
	if v.Passwords {
		v.Signup = h.cfg.Registry.AllowSignup()
	}
	token := strings.TrimSpace(c.FormValue("token"))
	if token == "" && v.Passwords {
		err := h.cfg.Registry.VerifyUser(ctx(c), v.User, c.FormValue("password"), "")
		var re *registry.Error
		switch {
		case errors.As(err, &re):
			v.Error = re.Message
			return h.render(c, re.Status, "login", "Sign in", v)
		case err != nil:
			return err
		}
		if token, err = h.cfg.Registry.IssueExpiringToken(ctx(c), v.User, sessionTTL); err != nil {
			return err
		}
	} else if _, err := g.Authenticate(ctx(c), token); err != nil {
		v.Error = "This token is not accepted: " + err.Error()
		return h.render(c, http.StatusUnauthorized, "login", "Sign in", v)
	}
	auth.SetSessionCookie(c, token, int(sessionTTL/time.Second))
	return c.Redirect(http.StatusSeeOther, v.Next)
}

func (h *Handler) logout(c echo.Context) error {
	auth.ClearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, auth.WebLoginPath)
}

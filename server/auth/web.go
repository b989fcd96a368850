package auth

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine/audit"
)

// The web workbench's pages (under WebPrefix) use the same ccg tokens as
// the API, held by the browser in the SessionCookie cookie instead of an
// Authorization header (which still works). A page asked for without a
// valid token redirects to WebLoginPath, where the workbench sets the
// cookie. The cookie is HttpOnly and SameSite=Strict; a form sent with it
// must also come from the server's own origin (Origin or Referer), so
// another site cannot make a browser post on its user's behalf.
const (
	WebPrefix       = "/ui/"
	WebLoginPath    = "/ui/login"
	WebStaticPrefix = "/ui/static/"
	SessionCookie   = "ccg_session"
)

// WebEvaluation reports whether a POST to path runs an evaluation of the
// workbench (its CQL playground or $apply): the server admits these in
// bounded number, and the guard holds them to the evaluation rate limit
// as it does $cql and $apply.
func WebEvaluation(path string) bool {
	return path == "/ui/playground" || path == "/ui/apply"
}

// webNeed is what a workbench page needs: its evaluations (the
// playground, $apply) ScopeEvaluate as $cql and $apply do, its audit
// search the AuditEvent search permission as GET /AuditEvent does, any
// other page a valid token.
func webNeed(method, path string) Need {
	switch {
	case method == http.MethodPost && WebEvaluation(path):
		return Need{Scope: ScopeEvaluate}
	case path == "/ui/audit":
		return Need{Resource: "AuditEvent", Perm: 's'}
	}
	return Need{}
}

// isWeb reports whether path is a workbench page.
func isWeb(path string) bool { return path == "/ui" || strings.HasPrefix(path, WebPrefix) }

// webPublic reports whether a workbench path needs no token: the login
// page and the style sheet and script it uses.
func webPublic(path string) bool {
	return path == WebLoginPath || strings.HasPrefix(path, WebStaticPrefix)
}

// webToken is the token of a workbench request's session cookie.
func webToken(r *http.Request) (string, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// SameOrigin reports whether a request that changes something comes
// from a page of this server: its Origin (else Referer) names the
// request's own scheme and host. Safe methods always pass.
func SameOrigin(c echo.Context) bool {
	r := c.Request()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return false
	}
	u, err := url.Parse(from)
	return err == nil && u.Host == r.Host && u.Scheme == c.Scheme()
}

// toLogin answers a workbench request without a valid token: the
// browser goes to the login page (which comes back to the page asked
// for), and a stale cookie is dropped.
func (g *Guard) toLogin(c echo.Context, hadCookie bool, outcome, why string) error {
	g.record(c, nil, "read", outcome, "401 "+why, "")
	if hadCookie {
		ClearSessionCookie(c)
	}
	r := c.Request()
	next := r.URL.Path
	if r.Method != http.MethodGet || next == "/ui" {
		next = WebPrefix
	} else if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	return c.Redirect(http.StatusSeeOther, WebLoginPath+"?next="+url.QueryEscape(next))
}

// SetSessionCookie gives the browser its session token.
func SetSessionCookie(c echo.Context, token string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: WebPrefix, MaxAge: maxAge,
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteStrictMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: WebPrefix, MaxAge: -1,
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteStrictMode})
}

// Off reports whether authentication is off (every request allowed).
func (g *Guard) Off() bool { return g.cfg.Off }

// RecordAuditSearch records a search of the audit trail made through the
// workbench, as a GET /AuditEvent is recorded: the caller, the query and
// the answer's status.
func (g *Guard) RecordAuditSearch(c echo.Context, status int) {
	outcome := audit.OutcomeSuccess
	switch {
	case status >= 500:
		outcome = audit.OutcomeSerious
	case status >= 400:
		outcome = audit.OutcomeMinor
	}
	g.record(c, PrincipalOf(c), "search-type", outcome, strconv.Itoa(status), "")
}

var refusedPage = template.Must(template.New("refused").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not allowed · ccg workbench</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/static/style.css"></head>
<body><main id="main"><h1>Not allowed</h1><p class="bad" role="alert">{{.}}</p>
<p><a href="/ui/">Back to the start page</a> · <a href="/ui/login">Sign in with another account or token</a></p></main></body></html>
`))

// webRefusal answers a workbench request whose token lacks the page's
// scope with a page that says which scope it needs.
func webRefusal(c echo.Context, status int, msg string) error {
	var b strings.Builder
	if err := refusedPage.Execute(&b, msg); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, []byte(b.String()))
}

package npm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ccg-project/ccg/internal/lockout"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// Limits bound what one client can try against the repository's
// credentials.
type Limits struct {
	// Failures locks a client out after repeated login, adduser and token
	// failures (lockout.Defaults: 5 free, then 1s doubling up to 15 min).
	Failures lockout.Config
	// WebLogins bounds the `npm login` web sessions open at once (default
	// 1000); WebLoginsPerClient is how many one client may start before
	// each further one is slowed down like a failure (default 10).
	WebLogins, WebLoginsPerClient int
}

// DefaultLimits are the limits of New.
var DefaultLimits = Limits{Failures: lockout.Defaults, WebLogins: 1000, WebLoginsPerClient: 10}

// SetLimits replaces the limits (a test gives them a clock).
func (h *Handler) SetLimits(l Limits) {
	if l.WebLogins <= 0 {
		l.WebLogins = DefaultLimits.WebLogins
	}
	if l.WebLoginsPerClient <= 0 {
		l.WebLoginsPerClient = DefaultLimits.WebLoginsPerClient
	}
	h.limits = l
	h.failures = lockout.New(l.Failures)
	sessions := l.Failures
	sessions.Free, sessions.Forget = l.WebLoginsPerClient, webLoginTTL
	h.sessions = lockout.New(sessions)
}

// clientKey identifies the client of r for the limits: its address as
// the connection shows it (forwarding headers are not believed here).
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooMany is the 429 of a locked-out client.
func tooMany(d time.Duration, what string) *apiError {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	e := errf(429, "too many failed %s from this address: try again in %d s", what, secs)
	e.retryAfter = secs
	return e
}

// checkLocked answers 429 while r's client is locked out.
func (h *Handler) checkLocked(r *http.Request, what string) error {
	if d := h.failures.Locked(clientKey(r)); d > 0 {
		return tooMany(d, what)
	}
	return nil
}

// countFailure records err (when it is a 401, 403 or 409 of a credential
// check) against r's client and returns err.
func (h *Handler) countFailure(r *http.Request, err error) error {
	var re *registry.Error
	var ae *apiError
	status := 0
	switch {
	case errors.As(err, &re):
		status = re.Status
	case errors.As(err, &ae):
		status = ae.status
	}
	switch status {
	case 0:
		return err
	case 401, 403, 409:
		h.failures.Fail(clientKey(r))
	}
	return err
}

// userDoc serves GET /-/user/org.couchdb.user:NAME: the whole document
// (name and email) only to its owner (or an admin); a token with publish
// rights learns only that the user exists, which `npm owner add` needs.
func (h *Handler) userDoc(w http.ResponseWriter, r *http.Request, name string) error {
	ctx := r.Context()
	tok, err := h.token(ctx, r)
	if err != nil {
		return err
	}
	self := tok.User == name || tok.Admin
	if !self && !tok.Publish {
		return errf(403, "a user's document is only shown to that user")
	}
	u, err := h.reg.Store().User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "user %s not found", name)
	}
	if err != nil {
		return err
	}
	doc := map[string]any{"_id": "org.couchdb.user:" + u.Name, "name": u.Name, "type": "user"}
	if self {
		doc["email"] = u.Email
	}
	writeJSON(w, 200, doc)
	return nil
}

// tokenObject is one token in npm's token list.
func tokenObject(t store.Token) map[string]any {
	o := map[string]any{
		"key":            t.Hash,
		"name":           "",
		"token":          t.Hash[:min(6, len(t.Hash))],
		"readonly":       !t.Publish && !t.Admin,
		"automation":     false,
		"cidr_whitelist": nil,
		"created":        t.Created.UTC().Format(time.RFC3339),
		"updated":        t.Created.UTC().Format(time.RFC3339),
		"scopes":         registry.TokenScopes(&t),
	}
	if !t.Expires.IsZero() {
		o["expires"] = t.Expires.UTC().Format(time.RFC3339)
	}
	return o
}

// serveTokens serves npm's token API below /-/npm/v1/tokens (`npm token
// list|create|revoke`) for the user of the request's token.
func (h *Handler) serveTokens(w http.ResponseWriter, r *http.Request, rest []string) error {
	ctx := r.Context()
	tok, err := h.token(ctx, r)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		ts, err := h.reg.Store().ListTokens(ctx, tok.User)
		if err != nil {
			return err
		}
		objs := []any{}
		now := h.now()
		for _, t := range ts {
			if t.Expires.IsZero() || now.Before(t.Expires) {
				objs = append(objs, tokenObject(t))
			}
		}
		writeJSON(w, 200, map[string]any{"objects": objs, "total": len(objs), "urls": map[string]any{}})
		return nil
	case len(rest) == 0 && r.Method == http.MethodPost:
		return h.createToken(ctx, w, r, tok)
	case len(rest) == 2 && rest[0] == "token" && r.Method == http.MethodDelete:
		ts, err := h.reg.Store().ListTokens(ctx, tok.User)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Hash == rest[1] || t.Hash == registry.HashToken(rest[1]) {
				if err := h.reg.Store().DeleteToken(ctx, t.Hash); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
		}
		return errf(404, "no token %s among the tokens of %s", rest[1], tok.User)
	}
	return errf(405, "method not allowed")
}

// createToken serves POST /-/npm/v1/tokens: a new token for the caller's
// user, after checking the password, with at most the rights of the token
// that asks (none beyond reading when readonly, or npm 11's
// packages_and_scopes_permission "read-only"), expiring after expires days
// (npm 11) or when the asking token does. Restrictions to packages, scopes,
// organisations or addresses are refused rather than ignored.
func (h *Handler) createToken(ctx context.Context, w http.ResponseWriter, r *http.Request, tok *store.Token) error {
	if err := h.checkLocked(r, "password checks"); err != nil {
		return err
	}
	var body struct {
		Password      string   `json:"password"`
		Readonly      bool     `json:"readonly"`
		Permission    string   `json:"packages_and_scopes_permission"`
		Expires       int      `json:"expires"`
		CIDRWhitelist []string `json:"cidr_whitelist"`
		Packages      []string `json:"packages"`
		Scopes        []string `json:"scopes"`
		Orgs          []string `json:"orgs"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return errf(400, "reading the request: %v", err)
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return errf(400, "body is not JSON")
	}
	if len(body.CIDRWhitelist) > 0 || len(body.Packages) > 0 || len(body.Scopes) > 0 || len(body.Orgs) > 0 {
		return errf(400, "tokens restricted to addresses, packages, scopes or organisations are not supported: create a read-only token or one with your rights")
	}
	if body.Expires < 0 {
		return errf(400, "expires must be a positive number of days")
	}
	u, err := h.reg.Store().User(ctx, tok.User)
	if err != nil {
		return err
	}
	if body.Password == "" || !registry.CheckPassword(u.PasswordHash, body.Password) {
		return h.countFailure(r, errf(401, "wrong password"))
	}
	h.failures.Succeed(clientKey(r))
	nt := store.Token{User: tok.User, Scopes: tok.Scopes, Expires: tok.Expires}
	if !body.Readonly && body.Permission != "read-only" {
		nt.Publish, nt.Admin = tok.Publish, tok.Admin
	}
	if body.Expires > 0 {
		if exp := h.now().AddDate(0, 0, body.Expires); nt.Expires.IsZero() || exp.Before(nt.Expires) {
			nt.Expires = exp
		}
	}
	secret, hash, err := registry.NewToken()
	if err != nil {
		return err
	}
	nt.Hash, nt.Created = hash, h.now()
	if err := h.reg.Store().CreateToken(ctx, nt); err != nil {
		return err
	}
	o := tokenObject(nt)
	o["token"] = secret
	writeJSON(w, 200, o)
	return nil
}

// checkWebLoginRoom refuses a new web login session when too many are
// open, or when this client has started too many.
func (h *Handler) checkWebLoginRoom(ctx context.Context, r *http.Request) error {
	if d := h.sessions.Locked(clientKey(r)); d > 0 {
		return tooMany(d, "login sessions")
	}
	n, err := h.reg.Store().CountWebLogins(ctx, h.webLoginSince())
	if err != nil {
		return err
	}
	if n >= h.limits.WebLogins {
		e := errf(429, "too many login sessions are open (%d): try again in a few minutes", n)
		e.retryAfter = 60
		return e
	}
	h.sessions.Fail(clientKey(r))
	return nil
}

func retryAfterHeader(w http.ResponseWriter, e *apiError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
}

// tokenError is the 401 of a token that is missing, unknown or expired;
// an unknown one counts as a failure of the client.
func (h *Handler) tokenError(r *http.Request, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.failures.Fail(clientKey(r))
		return errf(401, "invalid token")
	case errors.Is(err, registry.ErrTokenExpired):
		return errf(401, "token expired: log in again or create a new token")
	}
	return err
}

// notUserName rejects names no login may use.
func validUserName(name string) bool {
	return name != "" && len(name) <= 214 && !strings.ContainsAny(name, ":/\x00")
}

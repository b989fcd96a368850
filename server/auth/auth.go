// Package auth guards ccg's FHIR and CDS Hooks routes: it authenticates
// bearer tokens from two sources, usable together — ccg's own tokens
// (stored hashed in the Guideline Repository's store, with scopes and an
// expiry) and JWTs of an external OpenID Connect / SMART issuer verified
// against its JWKS — and authorizes each request by SMART v2 scopes (see
// Classify). It answers 401 with WWW-Authenticate when the token is
// missing or invalid and 403 with an OperationOutcome naming the missing
// scope, records every refusal as a BALP AuditEvent, audits reads of the
// audit trail, locks out clients that keep presenting bad tokens, and
// rate-limits the evaluating operations per client. It also serves the
// SMART Backend Services token endpoint and
// /.well-known/smart-configuration.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/internal/lockout"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	// Subject is the user (ccg tokens), the OAuth client ("client:ID"
	// for tokens of the token endpoint) or the JWT's sub.
	Subject string
	// Issuer is "ccg" for the server's own tokens, else the JWT's iss.
	Issuer string
	// ClientID is the OAuth client of a JWT (azp or client_id).
	ClientID string
	Scopes   Scopes
}

// OwnIssuer is the Issuer of the server's own tokens.
const OwnIssuer = "ccg"

// Config configures the guard. Only Registry is needed for ccg's own
// tokens; the rest is optional.
type Config struct {
	// Off turns authentication and authorization off (local development
	// only): every request is let through. Rate limits and audit of the
	// audit trail stay on.
	Off bool
	// Registry holds ccg's own tokens (and stores those the token
	// endpoint issues); nil: none are accepted.
	Registry *registry.Registry
	// OIDC verifies JWTs of an external issuer; nil: JWTs are not accepted.
	OIDC *OIDC
	// Clients are the SMART Backend Services clients of the token
	// endpoint; nil: it refuses every client.
	Clients *Clients
	// Audit stores the AuditEvents of refusals and of reads of the audit
	// trail; nil: none are recorded.
	Audit audit.Store
	// Public tells which other requests need no token, from the route
	// they matched (c.Path()): the npm registry's, which keep npm's own
	// authentication.
	Public func(c echo.Context) bool
	// EvaluateRate bounds, per client, the evaluating operations ($apply,
	// $evaluate, $cql, CDS Hooks) in requests per second; EvaluateBurst is
	// how many may come at once. Zero rate: no limit.
	EvaluateRate  rate.Limit
	EvaluateBurst int
	// Failures locks out a client after repeated invalid or missing
	// tokens (and failed client assertions); zero fields from
	// lockout.Defaults.
	Failures lockout.Config
	// TokenTTL is the lifetime of tokens the token endpoint issues (0: 5 min).
	TokenTTL time.Duration
	// Software names the server in AuditEvents.
	Software string
	Logger   *zap.Logger
	// Now is the clock (token expiry, assertions, rate limits); nil: time.Now.
	Now func() time.Time
}

// Guard is the authentication and authorization middleware.
type Guard struct {
	cfg      Config
	log      *zap.Logger
	failures *lockout.Limiter
	rates    *rateLimits
	replay   *replayCache
	tokens   *tokenCache
}

// New returns a Guard for cfg.
func New(cfg Config) *Guard {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 5 * time.Minute
	}
	if cfg.Software == "" {
		cfg.Software = "ccg"
	}
	if cfg.Failures.Now == nil {
		cfg.Failures.Now = cfg.Now
	}
	g := &Guard{cfg: cfg, log: cfg.Logger, failures: lockout.New(cfg.Failures), replay: newReplayCache(), tokens: newTokenCache()}
	if cfg.EvaluateRate > 0 {
		burst := cfg.EvaluateBurst
		if burst <= 0 {
			burst = max(1, int(2*cfg.EvaluateRate))
		}
		g.rates = newRateLimits(cfg.EvaluateRate, burst, cfg.Now)
	}
	return g
}

// Install adds the middleware to every route of e (present and future)
// and the public SMART routes.
func (g *Guard) Install(e *echo.Echo) {
	e.Use(g.Middleware)
	e.GET(SmartConfigPath, g.handleSmartConfig)
	e.POST(TokenPath, g.handleToken)
}

// principalKey is the echo context key of the Principal.
const principalKey = "ccg.auth.principal"

// PrincipalOf returns the caller of a request the guard let through (nil
// with --auth off or on a public path).
func PrincipalOf(c echo.Context) *Principal {
	p, _ := c.Get(principalKey).(*Principal)
	return p
}

// CallerOf is the authenticated caller of a request as AuditEvents name
// it (empty with --auth off or on a public path).
func CallerOf(c echo.Context) audit.Caller {
	p := PrincipalOf(c)
	if p == nil {
		return audit.Caller{}
	}
	return audit.Caller{Subject: p.Subject, Issuer: p.Issuer, ClientID: p.ClientID}
}

// clientAddress is the client's address: the echo IP extractor's answer
// when the server configured one (trusted proxies), else the connection's.
func clientAddress(c echo.Context) string {
	if c.Echo().IPExtractor != nil {
		return c.RealIP()
	}
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

func bearer(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	if a == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(a, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// errInvalid is a token that is not accepted; its text is the
// error_description.
type errInvalid struct{ msg string }

func (e *errInvalid) Error() string { return e.msg }

// Authenticate resolves a bearer token: a JWT (three dot-separated parts)
// is verified by the OIDC issuer, anything else looked up among ccg's
// own tokens. The error of a token that is not accepted is an *errInvalid.
func (g *Guard) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if strings.Count(token, ".") == 2 {
		if g.cfg.OIDC == nil {
			return nil, &errInvalid{"JWTs are not accepted: no OpenID Connect issuer is configured"}
		}
		return g.cfg.OIDC.Verify(ctx, token)
	}
	if g.cfg.Registry == nil {
		return nil, &errInvalid{"unknown token"}
	}
	now := g.cfg.Now()
	if p, ok := g.tokens.get(token, now); ok {
		return p, nil
	}
	t, err := g.cfg.Registry.Authenticate(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, &errInvalid{"unknown or revoked token"}
	case errors.Is(err, registry.ErrTokenExpired):
		return nil, &errInvalid{"the token has expired"}
	case err != nil:
		return nil, err
	}
	p := &Principal{Subject: t.User, Issuer: OwnIssuer, Scopes: ParseScopes(registry.TokenScopes(t)...)}
	g.tokens.put(token, p, now, t.Expires)
	return p, nil
}

// Middleware authenticates and authorizes every request that is not
// public (see Classify and Config.Public).
func (g *Guard) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		path := r.URL.Path
		need := Classify(r.Method, path)
		if need.Public {
			return next(c)
		}
		if g.cfg.Public != nil && g.cfg.Public(c) {
			return g.auditRefusals(c, next)
		}
		var p *Principal
		if !g.cfg.Off {
			addr := clientAddress(c)
			if d := g.failures.Locked(addr); d > 0 {
				return tooMany(c, d, "too many requests with missing or invalid tokens from this address")
			}
			tok, present := bearer(r)
			web, fromCookie := isWeb(path), false
			if web && !present {
				tok, fromCookie = webToken(r)
				present = fromCookie
				if fromCookie && !SameOrigin(c) {
					return g.deny(c, need, nil, http.StatusForbidden, `Bearer realm="ccg"`,
						"this form was not sent from a page of this server", audit.OutcomeSerious)
				}
			}
			if tok == "" && web {
				return g.toLogin(c, false, audit.OutcomeMinor, "no session")
			}
			if tok == "" {
				g.failures.Fail(addr)
				msg := "this request needs a bearer token (Authorization: Bearer ...)"
				if present {
					msg = "the Authorization header is not a bearer token"
				}
				return g.deny(c, need, nil, http.StatusUnauthorized, `Bearer realm="ccg"`, msg, audit.OutcomeMinor)
			}
			var err error
			p, err = g.Authenticate(r.Context(), tok)
			if err != nil {
				var inv *errInvalid
				if !errors.As(err, &inv) {
					return err
				}
				g.failures.Fail(addr)
				if web {
					return g.toLogin(c, fromCookie, audit.OutcomeSerious, "invalid token: "+inv.msg)
				}
				return g.deny(c, need, nil, http.StatusUnauthorized,
					fmt.Sprintf(`Bearer realm="ccg", error="invalid_token", error_description=%q`, inv.msg), "invalid token: "+inv.msg, audit.OutcomeSerious)
			}
			if !p.Scopes.Allows(need) {
				return g.deny(c, need, p, http.StatusForbidden,
					fmt.Sprintf(`Bearer realm="ccg", error="insufficient_scope", scope=%q`, need.String()),
					"this request needs the scope "+need.String()+" (granted: "+strings.Join(p.Scopes.List(), " ")+")", audit.OutcomeMinor)
			}
			g.failures.Succeed(addr)
			c.Set(principalKey, p)
		}
		if g.rates != nil && (need.Scope == ScopeEvaluate || r.Method == http.MethodPost && WebEvaluation(path)) {
			key := "addr:" + clientAddress(c)
			if p != nil {
				key = p.Issuer + "|" + p.Subject
			}
			if d, ok := g.rates.allow(key); !ok {
				return tooMany(c, d, "too many evaluations from this client: the limit is "+g.rates.describe())
			}
		}
		if r.Method == http.MethodGet && (path == "/AuditEvent" || strings.HasPrefix(path, "/AuditEvent/")) {
			return g.auditRead(c, p, next)
		}
		return next(c)
	}
}

// deny answers a refused request and records it.
func (g *Guard) deny(c echo.Context, need Need, p *Principal, status int, challenge, msg, outcome string) error {
	code := "login"
	if status == http.StatusForbidden {
		code = "forbidden"
	}
	c.Response().Header().Set("WWW-Authenticate", challenge)
	g.record(c, p, interaction(need), outcome, fmt.Sprintf("%d %s", status, msg), "")
	if isWeb(c.Request().URL.Path) {
		return webRefusal(c, status, msg)
	}
	return writeOutcome(c, status, code, msg)
}

// interaction is the restful-interaction code of a request.
func interaction(need Need) string {
	switch {
	case need.Scope != "":
		return "operation"
	case need.Perm == 's':
		return "search-type"
	case need.Perm == 'c':
		return "create"
	case need.Perm == 'u':
		return "update"
	case need.Perm == 'd':
		return "delete"
	}
	return "read"
}

func actionOf(inter string) string {
	switch inter {
	case "operation":
		return "E"
	case "create":
		return "C"
	case "update":
		return "U"
	case "delete":
		return "D"
	}
	return "R"
}

// record stores an access AuditEvent; a failure is logged, not answered.
func (g *Guard) record(c echo.Context, p *Principal, inter, outcome, desc, resource string) {
	if g.cfg.Audit == nil {
		return
	}
	r := c.Request()
	a := &audit.Access{Recorded: g.cfg.Now(), Interaction: inter, Action: actionOf(inter), Outcome: outcome, OutcomeDesc: desc,
		Address: clientAddress(c), Observer: g.cfg.Software, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Resource: resource}
	if p != nil {
		a.Subject, a.Issuer, a.ClientID = p.Subject, p.Issuer, p.ClientID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	if _, err := g.cfg.Audit.Append(ctx, a.AuditEvent(), audit.KindAccess, ""); err != nil {
		g.log.Error("audit: cannot record an access", zap.String("path", r.URL.Path), zap.Error(err))
	}
}

// auditRead serves a read or search of the audit trail and records it,
// with its outcome.
func (g *Guard) auditRead(c echo.Context, p *Principal, next echo.HandlerFunc) error {
	err := next(c)
	status := c.Response().Status
	if err != nil {
		status = http.StatusInternalServerError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
		}
	}
	outcome := audit.OutcomeSuccess
	switch {
	case status >= 500:
		outcome = audit.OutcomeSerious
	case status >= 400:
		outcome = audit.OutcomeMinor
	}
	path := c.Request().URL.Path
	inter, resource := "search-type", ""
	if id, ok := strings.CutPrefix(path, "/AuditEvent/"); ok {
		inter, resource = "read", "AuditEvent/"+id
	}
	g.record(c, p, inter, outcome, strconv.Itoa(status), resource)
	return err
}

// auditRefusals serves a route that keeps its own authentication (the npm
// registry) and records its refusals (401, 403) like the guard's own:
// outcome 8 when a credential was presented, else 4.
func (g *Guard) auditRefusals(c echo.Context, next echo.HandlerFunc) error {
	err := next(c)
	if st := c.Response().Status; st == http.StatusUnauthorized || st == http.StatusForbidden {
		outcome := audit.OutcomeMinor
		if c.Request().Header.Get("Authorization") != "" {
			outcome = audit.OutcomeSerious
		}
		inter := "read"
		switch c.Request().Method {
		case http.MethodPut:
			inter = "update"
		case http.MethodPost:
			inter = "create"
		case http.MethodDelete:
			inter = "delete"
		}
		g.record(c, nil, inter, outcome, fmt.Sprintf("%d refused by the npm registry", st), "")
	}
	return err
}

// tooMany answers 429 with Retry-After.
func tooMany(c echo.Context, d time.Duration, msg string) error {
	secs := int((d + time.Second - 1) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return writeOutcome(c, http.StatusTooManyRequests, "throttled", msg)
}

// writeOutcome answers an OperationOutcome with one error issue.
func writeOutcome(c echo.Context, status int, code, msg string) error {
	oo := map[string]any{"resourceType": "OperationOutcome", "issue": []any{
		map[string]any{"severity": "error", "code": code, "diagnostics": msg}}}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	b, err := json.Marshal(oo)
	if err != nil {
		return err
	}
	return c.Blob(status, "application/fhir+json; charset=utf-8", b)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/auth"
)

// Authentication flags of `ccg serve`:
//
//	--auth on|off          bearer tokens on every FHIR and CDS Hooks route
//	                       (default on; off is for local development only)
//	--oidc-issuer URL      also accept JWTs of this OpenID Connect issuer
//	--oidc-audience AUD    ... whose aud must include AUD
//	--oidc-jwks-url URL    ... signed by the keys at URL (default: discovery)
//	--smart-clients FILE   SMART Backend Services clients of /auth/token
//	--evaluate-rate N      evaluations ($apply, $evaluate, $cql) per second
//	                       and client (0: no limit)
//	--evaluate-burst N     ... of which this many at once
var authFlags authFlagValues

type authFlagValues struct {
	mode                           string
	issuer, audience, jwks, client string
	rate                           float64
	burst                          int
}

// Default evaluation rate limit per client.
const (
	defaultEvaluateRate  = 20
	defaultEvaluateBurst = 40
)

func init() {
	serveFlagHooks = append(serveFlagHooks, func(fs *flag.FlagSet) {
		authFlags = authFlagValues{}
		fs.StringVar(&authFlags.mode, "auth", "on", "`on|off`: bearer tokens on every FHIR and CDS Hooks route; off is for local development only")
		fs.StringVar(&authFlags.issuer, "oidc-issuer", "", "also accept JWTs of this OpenID Connect `URL` (issuer)")
		fs.StringVar(&authFlags.audience, "oidc-audience", "", "the `AUD`ience the issuer's tokens must name (required with --oidc-issuer)")
		fs.StringVar(&authFlags.jwks, "oidc-jwks-url", "", "`URL` of the issuer's signing keys (default: from its discovery document)")
		fs.StringVar(&authFlags.client, "smart-clients", "", "`FILE` of SMART Backend Services clients for the token endpoint /auth/token")
		fs.Float64Var(&authFlags.rate, "evaluate-rate", defaultEvaluateRate, "`N` evaluations ($apply, $evaluate, $cql) per second per client; 0: no limit")
		fs.IntVar(&authFlags.burst, "evaluate-burst", defaultEvaluateBurst, "`N` evaluations a client may send at once")
	})
}

// offWarning is printed when authentication is off.
const offWarning = `
************************************************************************
*  WARNING: --auth off: ANYONE who can reach this server can read the  *
*  audit trail and every guideline and call $apply and $cql, with no   *
*  credential. Use it for local development only, never in production. *
************************************************************************
`

// installAuth puts the authentication guard in front of every route of
// srv, once the mounts have added theirs. It returns what adds the auth
// mode to serve's ready message once the address is known.
func installAuth(stderr io.Writer, srv *server.Server, log *zap.Logger) (func(st *serveStatus, addr string), error) {
	cfg := auth.Config{
		Registry: repositoryForAuth, Audit: auditForServe, Logger: log.Named("auth"),
		Software:     "ccg/" + version,
		EvaluateRate: rate.Limit(authFlags.rate), EvaluateBurst: authFlags.burst,
	}
	switch authFlags.mode {
	case "on", "":
	case "off":
		cfg.Off = true
	default:
		return nil, fmt.Errorf("--auth must be on or off, not %q", authFlags.mode)
	}
	if registryForServe != nil {
		prefix := registryForServe.Prefix()
		// By the route matched, not the path: with --registry-prefix / the
		// FHIR routes still need their tokens.
		bare := strings.TrimSuffix(prefix, "/")
		cfg.Public = func(c echo.Context) bool {
			p := c.Path()
			return p == prefix+"*" || (bare != "" && p == bare) || p == "/catalog"
		}
	}
	if authFlags.issuer != "" || authFlags.audience != "" || authFlags.jwks != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, err := auth.NewOIDC(ctx, auth.OIDCConfig{Issuer: authFlags.issuer, Audience: authFlags.audience, JWKSURL: authFlags.jwks})
		if err != nil {
			return nil, fmt.Errorf("--oidc-issuer: %w", err)
		}
		cfg.OIDC = o
	}
	if authFlags.client != "" {
		cs, err := auth.LoadClients(context.Background(), authFlags.client)
		if err != nil {
			return nil, fmt.Errorf("--smart-clients: %w", err)
		}
		cfg.Clients = cs
	}
	g := auth.New(cfg)
	g.Install(srv.Echo())
	if uiForServe != nil {
		uiForServe.SetGuard(g)
	}
	srv.SetSecurity(func(base string) any { return g.Security(base) })
	if cfg.Off {
		fmt.Fprint(stderr, offWarning)
		log.Warn("authentication is OFF: every request is allowed (--auth off, for local development only)")
		return func(st *serveStatus, addr string) {
			st.add("auth: off (--auth off: the FHIR endpoints answer anyone who can reach %s; publishing needs a token from ccg token create)", addr)
			st.warn("authentication is off: for local development only, never expose this server")
		}, nil
	}
	log.Info("authentication on", zap.Bool("oidc", cfg.OIDC != nil), zap.Int("smartClients", cfg.Clients.Len()),
		zap.Float64("evaluateRate", authFlags.rate))
	sources := "tokens from ccg token create --scope"
	if cfg.OIDC != nil {
		sources += ", JWTs of " + cfg.OIDC.Issuer()
	}
	if n := cfg.Clients.Len(); n > 0 {
		sources += fmt.Sprintf(", %d SMART clients at %s", n, auth.TokenPath)
	}
	return func(st *serveStatus, _ string) {
		st.add("auth: on (bearer %s; /metadata and %s are public)", sources, auth.SmartConfigPath)
	}, nil
}

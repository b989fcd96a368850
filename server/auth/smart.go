package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// Client is a SMART Backend Services client registered with the server:
// it authenticates at the token endpoint with a JWT signed by one of its
// keys (private_key_jwt), given inline (jwks) or at a URL (jwks_url), and
// may be granted the scopes in scope.
type Client struct {
	ID      string          `json:"client_id"`
	JWKSURL string          `json:"jwks_url,omitempty"`
	JWKS    json.RawMessage `json:"jwks,omitempty"`
	Scope   string          `json:"scope"`

	keys oidc.KeySet
}

// Clients are the registered clients, by id.
type Clients struct{ byID map[string]*Client }

// LoadClients reads a clients file: {"clients": [Client, ...]}.
func LoadClients(ctx context.Context, file string) (*Clients, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Clients []*Client `json:"clients"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return NewClients(ctx, doc.Clients...)
}

// NewClients checks and indexes clients. Remote key sets are fetched (and
// fetched again on an unknown key id) with ctx.
func NewClients(ctx context.Context, list ...*Client) (*Clients, error) {
	cs := &Clients{byID: map[string]*Client{}}
	for _, c := range list {
		switch {
		case c.ID == "":
			return nil, errors.New("a client without client_id")
		case cs.byID[c.ID] != nil:
			return nil, fmt.Errorf("client %s is registered twice", c.ID)
		case (c.JWKSURL == "") == (len(c.JWKS) == 0):
			return nil, fmt.Errorf("client %s needs exactly one of jwks_url and jwks", c.ID)
		}
		if c.JWKSURL != "" {
			c.keys = oidc.NewRemoteKeySet(context.WithoutCancel(ctx), c.JWKSURL)
		} else {
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(c.JWKS, &set); err != nil {
				return nil, fmt.Errorf("client %s: jwks: %w", c.ID, err)
			}
			var pub []crypto.PublicKey
			for _, k := range set.Keys {
				if !k.IsPublic() {
					return nil, fmt.Errorf("client %s: jwks must hold public keys only", c.ID)
				}
				pub = append(pub, k.Key)
			}
			if len(pub) == 0 {
				return nil, fmt.Errorf("client %s: jwks has no keys", c.ID)
			}
			c.keys = &oidc.StaticKeySet{PublicKeys: pub}
		}
		cs.byID[c.ID] = c
	}
	return cs, nil
}

// Len is the number of clients.
func (cs *Clients) Len() int {
	if cs == nil {
		return 0
	}
	return len(cs.byID)
}

// ClientUserPrefix starts the user name under which a client's tokens are
// stored ("client:ID"); npm user names cannot contain ':'.
const ClientUserPrefix = "client:"

// Longest lifetime of a client assertion (SMART: at most five minutes).
const maxAssertionLife = 5 * time.Minute

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenURL is the token endpoint's URL as the client reached it: the
// audience its assertion must name.
func tokenURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + TokenPath
}

// oauthError answers an RFC 6749 error.
func oauthError(c echo.Context, status int, code, desc string) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, map[string]string{"error": code, "error_description": desc})
}

// handleToken serves POST /auth/token: SMART Backend Services
// (client_credentials with a private_key_jwt client assertion). It issues
// a ccg token for the granted scopes, valid for Config.TokenTTL.
func (g *Guard) handleToken(c echo.Context) error {
	r := c.Request()
	addr := clientAddress(c)
	if d := g.failures.Locked(addr); d > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(d/time.Second)+1))
		return oauthError(c, http.StatusTooManyRequests, "slow_down", "too many failed token requests from this address")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return oauthError(c, http.StatusBadRequest, "invalid_request", "the body must be a form (application/x-www-form-urlencoded) of at most 64 KiB")
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		return oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
	case f.Get("client_assertion_type") != assertionType:
		return oauthError(c, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+assertionType)
	case f.Get("client_assertion") == "":
		return oauthError(c, http.StatusBadRequest, "invalid_request", "client_assertion is required")
	}
	client, granted, err := g.checkAssertion(c, f.Get("client_assertion"), strings.Fields(f.Get("scope")))
	if err != nil {
		var oe *oauthErr
		if !errors.As(err, &oe) {
			return err
		}
		if oe.code == "invalid_client" {
			g.failures.Fail(addr)
		}
		g.record(c, nil, "operation", audit.OutcomeSerious, "token request refused: "+oe.desc, "")
		return oauthError(c, oe.status, oe.code, oe.desc)
	}
	g.failures.Succeed(addr)
	if g.cfg.Registry == nil {
		return oauthError(c, http.StatusServiceUnavailable, "temporarily_unavailable", "this server stores no tokens")
	}
	tok, err := g.issue(r.Context(), client, granted)
	if err != nil {
		return err
	}
	g.log.Info("token issued", zap.String("client", client.ID), zap.Strings("scopes", granted))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int(g.cfg.TokenTTL / time.Second), "scope": strings.Join(granted, " "),
	})
}

type oauthErr struct {
	status     int
	code, desc string
}

func (e *oauthErr) Error() string { return e.code + ": " + e.desc }

func badClient(format string, a ...any) error {
	return &oauthErr{http.StatusUnauthorized, "invalid_client", fmt.Sprintf(format, a...)}
}

// checkAssertion verifies a client assertion (iss = sub = a registered
// client, aud = the token endpoint, signed by the client's key, expiring
// within five minutes, jti not seen before) and grants the requested
// scopes the client may have (all of them when none is requested).
func (g *Guard) checkAssertion(c echo.Context, assertion string, requested []string) (*Client, []string, error) {
	parsed, err := jwt.ParseSigned(assertion, sigAlgs())
	if err != nil {
		return nil, nil, badClient("client_assertion is not a signed JWT: %v", err)
	}
	var unverified jwt.Claims
	if err := parsed.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, nil, badClient("client_assertion's claims cannot be read")
	}
	client := g.cfg.Clients.lookup(unverified.Issuer)
	if client == nil {
		return nil, nil, badClient("unknown client %q", unverified.Issuer)
	}
	v := oidc.NewVerifier(client.ID, client.keys, &oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: signingAlgs, Now: g.cfg.Now})
	t, err := v.Verify(c.Request().Context(), assertion)
	if err != nil {
		return nil, nil, badClient("client_assertion of %s is not valid: %v", client.ID, err)
	}
	var claims struct {
		Sub string `json:"sub"`
		JTI string `json:"jti"`
	}
	if err := t.Claims(&claims); err != nil {
		return nil, nil, badClient("client_assertion's claims cannot be read")
	}
	now := g.cfg.Now()
	switch {
	case claims.Sub != client.ID:
		return nil, nil, badClient("client_assertion's sub must be the client id %s", client.ID)
	case !slices.Contains(t.Audience, tokenURL(c)):
		return nil, nil, badClient("client_assertion's aud must be the token endpoint %s", tokenURL(c))
	case t.Expiry.After(now.Add(maxAssertionLife + time.Minute)):
		return nil, nil, badClient("client_assertion must expire within five minutes")
	case claims.JTI == "":
		return nil, nil, badClient("client_assertion needs a jti")
	case !g.replay.first(client.ID+"\x00"+claims.JTI, t.Expiry, now):
		return nil, nil, badClient("client_assertion was used before (jti %s)", claims.JTI)
	}
	allowed := strings.Fields(client.Scope)
	if len(requested) == 0 {
		return client, allowed, nil
	}
	var granted []string
	for _, s := range requested {
		if slices.Contains(allowed, s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		return nil, nil, &oauthErr{http.StatusBadRequest, "invalid_scope", fmt.Sprintf("client %s may have none of the requested scopes (it may have: %s)", client.ID, client.Scope)}
	}
	return client, granted, nil
}

func (cs *Clients) lookup(id string) *Client {
	if cs == nil {
		return nil
	}
	return cs.byID[id]
}

func sigAlgs() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(signingAlgs))
	for i, a := range signingAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}

// issue stores a new ccg token for client with scopes.
func (g *Guard) issue(ctx context.Context, client *Client, scopes []string) (string, error) {
	st := g.cfg.Registry.Store()
	user := ClientUserPrefix + client.ID
	if _, err := st.User(ctx, user); errors.Is(err, store.ErrNotFound) {
		if err := st.CreateUser(ctx, store.User{Name: user}); err != nil && !errors.Is(err, store.ErrUserExists) {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	tok, hash, err := registry.NewToken()
	if err != nil {
		return "", err
	}
	pub, adm, other := registry.TokenRights(scopes)
	now := g.cfg.Now()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: user, Publish: pub, Admin: adm, Scopes: other, Created: now, Expires: now.Add(g.cfg.TokenTTL)}); err != nil {
		return "", err
	}
	return tok, nil
}

// ScopesSupported are the scopes the server understands.
var ScopesSupported = []string{
	"system/PlanDefinition.rs", "system/ActivityDefinition.rs", "system/Library.rs", "system/Questionnaire.rs",
	"system/ValueSet.rs", "system/CodeSystem.rs", "system/AuditEvent.rs", ScopeEvaluate, registry.ScopePublish, registry.ScopeAdmin,
}

// handleSmartConfig serves /.well-known/smart-configuration.
func (g *Guard) handleSmartConfig(c echo.Context) error {
	doc := map[string]any{
		"token_endpoint":                                   tokenURL(c),
		"token_endpoint_auth_methods_supported":            []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": signingAlgs,
		"grant_types_supported":                            []string{"client_credentials"},
		"scopes_supported":                                 ScopesSupported,
		"capabilities":                                     []string{"client-confidential-asymmetric", "permission-v2", "permission-v1"},
	}
	if g.cfg.OIDC != nil {
		// Tokens of this issuer are accepted too (its own endpoints are in
		// its discovery document).
		doc["issuer"] = g.cfg.OIDC.Issuer()
	}
	return c.JSON(http.StatusOK, doc)
}

// Security is the CapabilityStatement.rest.security the guard implies:
// the SMART-on-FHIR service with the token endpoint (oauth-uris).
func (g *Guard) Security(base string) map[string]any {
	desc := "Bearer tokens on every FHIR and CDS Hooks route (not /metadata nor /.well-known/smart-configuration): " +
		"ccg's own tokens (ccg token create, or SMART Backend Services at " + TokenPath + ")"
	if g.cfg.OIDC != nil {
		desc += " and JWTs of " + g.cfg.OIDC.Issuer()
	}
	desc += ". Scopes: system/<Type>.rs for reads and searches, system/AuditEvent.rs for the audit trail, " + ScopeEvaluate + " for $apply, $evaluate, $cql and CDS Hooks."
	if g.cfg.Off {
		desc = "Authentication is OFF (ccg serve --auth off): every request is allowed. For local development only."
	}
	return map[string]any{
		"extension": []any{map[string]any{
			"url":       "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
			"extension": []any{map[string]any{"url": "token", "valueUri": base + TokenPath}},
		}},
		"service": []any{map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}}}},
		"description": desc,
	}
}

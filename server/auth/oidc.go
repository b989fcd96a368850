package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig names an external OpenID Connect / SMART issuer whose JWT
// access tokens the server accepts.
type OIDCConfig struct {
	// Issuer is the iss of its tokens (and where its discovery document
	// is, unless JWKSURL is given).
	Issuer string
	// Audience must be among the token's aud (the server's identifier at
	// the issuer). Required.
	Audience string
	// JWKSURL is where the signing keys are; empty: from discovery.
	JWKSURL string
	// HTTPClient fetches the discovery document and the keys (nil:
	// http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock for exp and nbf; nil: time.Now.
	Now func() time.Time
}

// OIDC verifies JWTs of one issuer: signature (keys fetched from its JWKS
// and fetched again when a token names a key the server has not seen, so
// key rotation needs no restart), issuer, audience and expiry.
type OIDC struct {
	issuer   string
	verifier *oidc.IDTokenVerifier
	now      func() time.Time

	// verified remembers the tokens already verified (by their SHA-256)
	// until they expire, so a client that sends the same token again is
	// not checked again: signature checks cost more than the rest of the
	// guard.
	mu       sync.Mutex
	verified map[[32]byte]verifiedJWT
}

type verifiedJWT struct {
	p   *Principal
	exp time.Time
}

// maxVerified bounds the verified tokens remembered.
const maxVerified = 10_000

// Algorithms accepted in tokens and client assertions.
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// NewOIDC prepares the verifier; without JWKSURL it reads the issuer's
// discovery document (/.well-known/openid-configuration) now.
func NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	if c.Issuer == "" || c.Audience == "" {
		return nil, errors.New("an OpenID Connect issuer needs its URL and the audience of this server's tokens")
	}
	if c.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, c.HTTPClient)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	cfg := &oidc.Config{ClientID: c.Audience, SupportedSigningAlgs: signingAlgs, Now: c.Now}
	o := &OIDC{issuer: c.Issuer, now: c.Now, verified: map[[32]byte]verifiedJWT{}}
	if c.JWKSURL != "" {
		// The key set fetches with this context for its whole life.
		ks := oidc.NewRemoteKeySet(context.WithoutCancel(ctx), c.JWKSURL)
		o.verifier = oidc.NewVerifier(c.Issuer, ks, cfg)
		return o, nil
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect discovery of %s: %w", c.Issuer, err)
	}
	o.verifier = p.VerifierContext(context.WithoutCancel(ctx), cfg)
	return o, nil
}

// Issuer returns the issuer URL.
func (o *OIDC) Issuer() string { return o.issuer }

// Verify checks a JWT and returns its principal: sub, iss, the client
// (azp or client_id) and the scopes (scope, a space-separated string, or
// scp, a list or string).
func (o *OIDC) Verify(ctx context.Context, token string) (*Principal, error) {
	key := sha256.Sum256([]byte(token))
	now := o.now()
	o.mu.Lock()
	v, ok := o.verified[key]
	o.mu.Unlock()
	if ok && now.Before(v.exp) {
		return v.p, nil
	}
	p, exp, err := o.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	if len(o.verified) >= maxVerified {
		for k, v := range o.verified {
			if !now.Before(v.exp) {
				delete(o.verified, k)
			}
		}
		if len(o.verified) >= maxVerified {
			clear(o.verified)
		}
	}
	o.verified[key] = verifiedJWT{p: p, exp: exp}
	o.mu.Unlock()
	return p, nil
}

func (o *OIDC) verify(ctx context.Context, token string) (*Principal, time.Time, error) {
	t, err := o.verifier.Verify(ctx, token)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, time.Time{}, &errInvalid{"the token has expired"}
		}
		return nil, time.Time{}, &errInvalid{"the JWT is not valid: " + err.Error()}
	}
	var claims struct {
		Scope    json.RawMessage `json:"scope"`
		Scp      json.RawMessage `json:"scp"`
		Azp      string          `json:"azp"`
		ClientID string          `json:"client_id"`
	}
	if err := t.Claims(&claims); err != nil {
		return nil, time.Time{}, &errInvalid{"the JWT's claims cannot be read"}
	}
	p := &Principal{Subject: t.Subject, Issuer: t.Issuer, ClientID: claims.Azp}
	if p.ClientID == "" {
		p.ClientID = claims.ClientID
	}
	if p.Subject == "" {
		p.Subject = p.ClientID
	}
	p.Scopes = ParseScopes(append(scopeClaim(claims.Scope), scopeClaim(claims.Scp)...)...)
	return p, t.Expiry, nil
}

// scopeClaim reads a scope claim: a space-separated string or a list.
func scopeClaim(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Fields(s)
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l
	}
	return nil
}

// Package authtest is a test OpenID Connect issuer: an httptest server
// with a discovery document and a JWKS whose keys can be rotated, and the
// signing of access tokens and SMART client assertions.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a running test issuer.
type Issuer struct {
	Server *httptest.Server
	mu     sync.Mutex
	keys   []*jose.JSONWebKey // private; the first one signs
	next   int
	// JWKSFetches counts the requests for the JWKS.
	JWKSFetches atomic.Int64
}

// NewIssuer starts an issuer with one key; it is closed with the test.
func NewIssuer(t testing.TB) *Issuer {
	iss := &Issuer{}
	iss.Rotate(false)
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.URL(), "jwks_uri": iss.JWKSURL(), "authorization_endpoint": iss.URL() + "/authorize",
			"token_endpoint": iss.URL() + "/token", "id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		iss.JWKSFetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(iss.PublicJWKS())
	})
	iss.Server = httptest.NewServer(mux)
	t.Cleanup(iss.Server.Close)
	return iss
}

// URL is the issuer identifier.
func (i *Issuer) URL() string { return i.Server.URL }

// JWKSURL is where its keys are published.
func (i *Issuer) JWKSURL() string { return i.Server.URL + "/jwks" }

// NewKey returns a fresh ES256 key with key id kid.
func NewKey(kid string) *jose.JSONWebKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return &jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// Rotate makes a new signing key; keepOld keeps publishing the old ones.
func (i *Issuer) Rotate(keepOld bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next++
	k := NewKey("key-" + strconv.Itoa(i.next))
	if keepOld {
		i.keys = append([]*jose.JSONWebKey{k}, i.keys...)
	} else {
		i.keys = []*jose.JSONWebKey{k}
	}
}

// SigningKey is the current signing key.
func (i *Issuer) SigningKey() *jose.JSONWebKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keys[0]
}

// PublicJWKS is the published key set.
func (i *Issuer) PublicJWKS() jose.JSONWebKeySet {
	i.mu.Lock()
	defer i.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, k := range i.keys {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// Token signs an access token of this issuer for audience with scope,
// valid from now for life (negative: already expired).
func (i *Issuer) Token(t testing.TB, subject, audience, scope string, now time.Time, life time.Duration) string {
	return Sign(t, i.SigningKey(), map[string]any{
		"iss": i.URL(), "sub": subject, "aud": audience, "scope": scope, "azp": "test-client",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(life).Unix(),
	})
}

// Sign signs claims with key (ES256, its key id in the header).
func Sign(t testing.TB, key *jose.JSONWebKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Assertion is a SMART Backend Services client assertion of client for
// the token endpoint tokenURL, signed with key.
func Assertion(t testing.TB, key *jose.JSONWebKey, client, tokenURL, jti string, now time.Time) string {
	return Sign(t, key, map[string]any{
		"iss": client, "sub": client, "aud": tokenURL, "jti": jti, "exp": now.Add(4 * time.Minute).Unix(),
	})
}

// PublicJWKSJSON is the JSON of key's public half as a key set.
func PublicJWKSJSON(key *jose.JSONWebKey) json.RawMessage {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}})
	if err != nil {
		panic(err)
	}
	return b
}

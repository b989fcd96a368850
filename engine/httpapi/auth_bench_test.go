package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth"
	"github.com/ccg-project/ccg/server/auth/authtest"
)

// guarded returns a hook that puts the authentication guard in front of
// the routes, with ccg's own tokens from a SQLite store and, when
// oidc is set, JWTs of that issuer; and a ccg token with ccg/evaluate.
func guarded(b testing.TB, oidc *auth.OIDC) (func(*echo.Echo), string) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key, _ := sign.GenerateKey()
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
	if err != nil {
		b.Fatal(err)
	}
	st.CreateUser(ctx, store.User{Name: "bench"})
	tok, hash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: "bench", Scopes: []string{auth.ScopeEvaluate}}); err != nil {
		b.Fatal(err)
	}
	g := auth.New(auth.Config{Registry: reg, OIDC: oidc})
	return g.Install, tok
}

// BenchmarkHTTPApplyLoadAuth is BenchmarkHTTPApplyLoad with every request
// authenticated by a ccg token (looked up in the store) and authorized by
// its scope; compare its p50-ms with BenchmarkHTTPApplyLoad's.
func BenchmarkHTTPApplyLoadAuth(b *testing.B) {
	hook, tok := guarded(b, nil)
	applyLoad(b, newServerB(b, hook), tok)
}

// BenchmarkHTTPApplyLoadJWT is the same with a JWT of an OpenID Connect
// issuer (signature checked on every request).
func BenchmarkHTTPApplyLoadJWT(b *testing.B) {
	iss := authtest.NewIssuer(b)
	o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: iss.URL(), Audience: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	hook, _ := guarded(b, o)
	applyLoad(b, newServerB(b, hook), iss.Token(b, "bench", "bench", auth.ScopeEvaluate, time.Now(), time.Hour))
}

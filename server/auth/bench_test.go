package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth/authtest"
)

// benchGuard measures what the guard adds to one request: the handler
// does nothing, so ns/op is the cost of authenticating and authorizing
// (compare with the $apply latency of engine/httpapi's load benchmarks).
func benchGuard(b *testing.B, mod func(*Config), token func(f *fixture) string) {
	f := newGuarded(b, mod)
	e := echo.New()
	f.g.Install(e)
	e.POST("/PlanDefinition/:id/$apply", func(c echo.Context) error { return c.NoContent(200) })
	tok := token(f)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/PlanDefinition/x/$apply", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkGuardOff(b *testing.B) {
	benchGuard(b, func(c *Config) { c.Off = true }, func(*fixture) string { return "" })
}

func BenchmarkGuardCCGToken(b *testing.B) {
	benchGuard(b, nil, func(f *fixture) string {
		return f.token(b, "svc", store.Token{Scopes: []string{ScopeEvaluate}})
	})
}

func BenchmarkGuardJWT(b *testing.B) {
	iss := authtest.NewIssuer(b)
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: iss.URL(), Audience: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	benchGuard(b, func(c *Config) { c.OIDC = o }, func(*fixture) string {
		return iss.Token(b, "svc", "bench", ScopeEvaluate, time.Now(), time.Hour)
	})
}

package npm

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// BenchmarkUpstreamInstall measures what npm install asks of a repository
// for a dependency it does not publish (the package document, then the
// tarball): cold, fetched from the upstream, verified and cached; cached,
// served from the store while the upstream still answers the document.
func BenchmarkUpstreamInstall(b *testing.B) {
	fu := newFakeUpstream(b)
	up, err := upstream.Parse("b=" + fu.srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	key, _ := sign.GenerateKey()
	newHandler := func(b *testing.B) *Handler {
		st, err := store.OpenSQLite(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
		if err != nil {
			b.Fatal(err)
		}
		h := New(reg, "/npm/", nil)
		h.SetUpstreams(upstream.Set{up})
		return h
	}
	install := func(b *testing.B, h *Handler) {
		for _, p := range []string{"/npm/hl7.fhir.r4.core", "/npm/hl7.fhir.r4.core/-/hl7.fhir.r4.core-4.0.1.tgz"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
			if w.Code != 200 {
				b.Fatalf("%s: %d %s", p, w.Code, w.Body)
			}
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h := newHandler(b)
			b.StartTimer()
			install(b, h)
		}
	})
	b.Run("cached", func(b *testing.B) {
		h := newHandler(b)
		install(b, h)
		for b.Loop() {
			install(b, h)
		}
	})
}

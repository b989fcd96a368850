package npm

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/internal/storetest"
)

type cached struct {
	code                        int
	etag, lastMod, cache, ctype string
	body                        string
}

func (f *fixture) get(t *testing.T, method, path string, hdr map[string]string) cached {
	t.Helper()
	req, _ := http.NewRequest(method, f.url+path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return cached{resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"),
		resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"), string(b)}
}

func TestConditionalRequests(t *testing.T) {
	for backend, open := range storetest.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			f := newFixtureOn(t, open(t), nil)
			tgz := testpkg.Tarball(testpkg.Options{Name: "@ccg/cache", Version: "1.0.0"})
			if code, m := f.publish(t, "@ccg/cache", "1.0.0", tgz); code != 200 {
				t.Fatalf("publish: %d %v", code, m)
			}
			integrity, _ := registry.Integrity(tgz)
			paths := map[string]string{ // path -> Cache-Control
				"@ccg%2fcache":                   "public, max-age=0, must-revalidate",
				"@ccg/cache/1.0.0":               "public, max-age=300",
				"@ccg/cache/latest":              "public, max-age=0, must-revalidate",
				"@ccg/cache/-/cache-1.0.0.tgz":   "public, max-age=31536000, immutable",
				"@ccg%2fcache/-/cache-1.0.0.tgz": "public, max-age=31536000, immutable",
			}
			first := map[string]cached{}
			for p, cc := range paths {
				c := f.get(t, "GET", p, nil)
				first[p] = c
				if c.code != 200 || c.etag == "" || c.cache != cc {
					t.Errorf("GET %s: %d etag %q cache %q, want %q", p, c.code, c.etag, c.cache, cc)
				}
				if lm, err := http.ParseTime(c.lastMod); err != nil || time.Since(lm) > time.Minute {
					t.Errorf("GET %s: Last-Modified %q", p, c.lastMod)
				}
				for _, inm := range []string{c.etag, "W/" + c.etag, `"other", ` + c.etag, "*"} {
					nm := f.get(t, "GET", p, map[string]string{"If-None-Match": inm})
					if nm.code != 304 || nm.body != "" || nm.etag != c.etag || nm.cache != cc {
						t.Errorf("GET %s If-None-Match %s: %d %q etag %q", p, inm, nm.code, nm.body, nm.etag)
					}
				}
				if c := f.get(t, "HEAD", p, map[string]string{"If-None-Match": c.etag}); c.code != 304 {
					t.Errorf("HEAD %s conditional: %d", p, c.code)
				}
				if c := f.get(t, "GET", p, map[string]string{"If-None-Match": `"stale"`}); c.code != 200 || c.body == "" {
					t.Errorf("GET %s with a stale tag: %d", p, c.code)
				}
				if c := f.get(t, "GET", p, map[string]string{"If-Modified-Since": c.lastMod}); c.code != 304 {
					t.Errorf("GET %s If-Modified-Since: %d", p, c.code)
				}
				old := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
				if c := f.get(t, "GET", p, map[string]string{"If-Modified-Since": old}); c.code != 200 {
					t.Errorf("GET %s If-Modified-Since an hour ago: %d", p, c.code)
				}
			}
			if got := first["@ccg/cache/-/cache-1.0.0.tgz"].etag; got != `"`+integrity+`"` {
				t.Errorf("tarball ETag %s, want the integrity %s", got, integrity)
			}
			// A change of the package changes the package document's tag
			// (and a tag's document), not the version document's.
			time.Sleep(1100 * time.Millisecond) // Last-Modified has second resolution
			if code, m, _ := f.do(t, "PUT", "-/package/@ccg%2fcache/dist-tags/stable", f.token, []byte(`"1.0.0"`)); code != 201 {
				t.Fatalf("dist-tag: %d %v", code, m)
			}
			for p, changed := range map[string]bool{"@ccg%2fcache": true, "@ccg/cache/1.0.0": false, "@ccg/cache/-/cache-1.0.0.tgz": false} {
				c := f.get(t, "GET", p, map[string]string{"If-None-Match": first[p].etag})
				if want := map[bool]int{true: 200, false: 304}[changed]; c.code != want {
					t.Errorf("GET %s after a dist-tag change: %d, want %d", p, c.code, want)
				}
				c = f.get(t, "GET", p, map[string]string{"If-Modified-Since": first[p].lastMod})
				if want := map[bool]int{true: 200, false: 304}[changed]; c.code != want {
					t.Errorf("GET %s If-Modified-Since after a dist-tag change: %d, want %d", p, c.code, want)
				}
			}
			// Errors carry no validators and are not cached.
			c := f.get(t, "GET", "@ccg/cache/-/cache-9.9.9.tgz", nil)
			if c.code != 404 || c.etag != "" || c.cache != "no-store" || !strings.Contains(c.body, `"error"`) {
				t.Errorf("missing tarball: %+v", c)
			}
		})
	}
}

func TestCacheControlPrivateWhenReadsNeedAuth(t *testing.T) {
	f := newFixture(t, func(o *registry.Options) { o.ReadNeedsAuth = true })
	tgz := testpkg.Tarball(testpkg.Options{Name: "priv", Version: "1.0.0"})
	if code, m := f.publish(t, "priv", "1.0.0", tgz); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	for p, want := range map[string]string{"priv": "private, max-age=0, must-revalidate", "priv/-/priv-1.0.0.tgz": "private, max-age=31536000, immutable"} {
		c := f.get(t, "GET", p, map[string]string{"Authorization": "Bearer " + f.readOnly})
		if c.code != 200 || c.cache != want {
			t.Errorf("GET %s: %d %q, want %q", p, c.code, c.cache, want)
		}
	}
}

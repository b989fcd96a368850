package npm

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// benchStores are the back ends benchmarked: SQLite always, PostgreSQL
// when CCG_TEST_POSTGRES is set (in a fresh schema).
func benchStores(b *testing.B) map[string]func(b *testing.B) store.Store {
	m := map[string]func(b *testing.B) store.Store{
		"sqlite": func(b *testing.B) store.Store {
			s, err := store.OpenSQLite(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	if dsn := os.Getenv("CCG_TEST_POSTGRES"); dsn != "" {
		m["postgres"] = func(b *testing.B) store.Store {
			var rb [6]byte
			rand.Read(rb[:])
			schema := "b_" + hex.EncodeToString(rb[:])
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
				b.Fatal(err)
			}
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			s, err := store.OpenPostgres(context.Background(), dsn+sep+"search_path="+schema)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close(); db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() })
			return s
		}
	}
	return m
}

type benchEnv struct {
	url   string
	token string
	st    store.Store
}

func newBenchEnv(b *testing.B, st store.Store) *benchEnv {
	key, _ := sign.GenerateKey()
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(New(reg, "/npm/", nil))
	b.Cleanup(srv.Close)
	ctx := context.Background()
	st.CreateUser(ctx, store.User{Name: "bench"})
	tok, hash, _ := registry.NewToken()
	st.CreateToken(ctx, store.Token{Hash: hash, User: "bench", Publish: true})
	return &benchEnv{url: srv.URL + "/npm/", token: tok, st: st}
}

func (e *benchEnv) publish(b *testing.B, name, ver string, tgz []byte) {
	req, _ := http.NewRequest("PUT", e.url+escapeName(name), bytes.NewReader(testpkg.PublishBody(name, ver, tgz)))
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("publish %s@%s: %d", name, ver, resp.StatusCode)
	}
}

func get(b *testing.B, url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return body
}

func reportMedian(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkPublish measures a full publish through HTTP: JSON decode,
// tarball checks, CCG validation, signing and the store transaction.
func BenchmarkPublish(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			e := newBenchEnv(b, open(b))
			tgzs := make([][]byte, b.N)
			for i := range b.N {
				tgzs[i] = testpkg.Tarball(testpkg.Options{Name: "@bench/pub", Version: fmt.Sprintf("1.0.%d", i)})
			}
			d := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				e.publish(b, "@bench/pub", fmt.Sprintf("1.0.%d", i), tgzs[i])
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			reportMedian(b, d)
		})
	}
}

// BenchmarkInstall measures what `npm install name@version` asks of the
// registry: the package document and the tarball.
func BenchmarkInstall(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			e := newBenchEnv(b, open(b))
			for i := range 10 {
				e.publish(b, "@bench/inst", fmt.Sprintf("1.0.%d", i), testpkg.Tarball(testpkg.Options{Name: "@bench/inst", Version: fmt.Sprintf("1.0.%d", i)}))
			}
			d := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				get(b, e.url+"@bench%2finst")
				get(b, e.url+fmt.Sprintf("@bench/inst/-/inst-1.0.%d.tgz", i%10))
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			reportMedian(b, d)
		})
	}
}

// BenchmarkSearch1000 measures /-/v1/search and the catalog over 1,000
// packages of which half are mirrors (as imported or cached from an
// upstream): search, a catalog query by FHIR release, and one by
// canonical URL.
func BenchmarkSearch1000(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			e := newBenchEnv(b, open(b))
			ctx := context.Background()
			topics := []string{"hypertension", "diabetes", "antenatal", "asthma", "immunization"}
			for i := range 1000 {
				tgz := []byte(fmt.Sprintf("tarball %d", i))
				integ, shasum := registry.Integrity(tgz)
				pkg, publisher := fmt.Sprintf("ccg.bench.guideline-%04d", i), "bench"
				if i%2 == 1 {
					pkg, publisher = fmt.Sprintf("org.mirrored.ig-%04d", i), registry.MirrorPublisher("import")
				}
				doc := fmt.Sprintf(`{"name":%q,"version":"1.0.0","canonical":"https://bench.example/%s"}`, pkg, topics[i%5])
				err := e.st.Publish(ctx, store.PublishRequest{
					Version: store.Version{Name: pkg, Version: "1.0.0", Doc: []byte(doc),
						Integrity: integ, Shasum: shasum, Description: topics[i%5] + " care guideline " + fmt.Sprint(i),
						FHIRVersion: "4.0.1", Keywords: []string{"ccg", topics[i%5]}, Publisher: publisher,
						Canonical: "https://bench.example/" + topics[i%5]},
					Tarball: tgz, DistTags: map[string]string{"latest": "1.0.0"}, Admin: true,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			for _, q := range []struct{ name, path string }{
				{"search", "-/v1/search?size=20&text="},
				{"catalog-fhirversion", "-/catalog?fhirversion=R4&name="},
				{"catalog-canonical", "-/catalog?canonical=https://bench.example/"},
			} {
				b.Run(q.name, func(b *testing.B) {
					args := []string{"diabetes", "care+guideline", "guideline-0999", "asthma", "nomatch"}
					if q.name != "search" {
						args = []string{"diabetes", "guideline", "ig-0999", "asthma", "nomatch"}
					}
					d := make([]time.Duration, 0, b.N)
					for i := 0; b.Loop(); i++ {
						t0 := time.Now()
						get(b, e.url+q.path+args[i%len(args)])
						d = append(d, time.Since(t0))
					}
					reportMedian(b, d)
				})
			}
		})
	}
}

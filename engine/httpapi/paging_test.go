package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
)

// pagingStores are the audit back ends to page through: SQLite always,
// PostgreSQL (in a schema of its own) when CCG_TEST_POSTGRES is set.
func pagingStores(t *testing.T) map[string]audit.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]audit.Store{}
	st, err := audit.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = st
	if dsn := os.Getenv("CCG_TEST_POSTGRES"); dsn != "" {
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Close() })
		schema := fmt.Sprintf("ccg_httpapi_paging_%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		p, err := audit.OpenPostgres(ctx, dsn+sep+"search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		out["postgres"] = p
	}
	for _, s := range out {
		t.Cleanup(func() { s.Close() })
	}
	return out
}

type page struct {
	Total      int
	IDs        []string
	Self, Next string
}

func getPage(t *testing.T, u string) page {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, buf.String())
	}
	m, err := fj.DecodeObj(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var p page
	if _, err := fmt.Sscan(fmt.Sprint(m["total"]), &p.Total); err != nil {
		t.Fatalf("total = %v", m["total"])
	}
	for _, e := range fj.Objs(m, "entry") {
		p.IDs = append(p.IDs, fj.ID(fj.Obj(e, "resource")))
	}
	for _, l := range fj.Objs(m, "link") {
		switch fj.Str(l, "relation") {
		case "self":
			p.Self = fj.Str(l, "url")
		case "next":
			p.Next = fj.Str(l, "url")
		}
	}
	return p
}

func TestAuditPaging(t *testing.T) {
	for name, st := range pagingStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := echo.New()
			httpapi.Mount(e, httpapi.Config{Engine: engine.New(engine.Options{}), Audit: st, Software: "ccg-test-engine/1"})
			srv := httptest.NewServer(e)
			defer srv.Close()
			base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			add := func(at time.Time, patient string) string {
				ev := &audit.Event{Kind: audit.KindSubmission, Recorded: at, Patient: patient, Outcome: audit.OutcomeSuccess, PlanDefinitionID: "f"}
				rec, err := st.Append(ctx, ev.Resource(), ev.Kind, patient)
				if err != nil {
					t.Fatal(err)
				}
				return rec.ID
			}
			// Seven events of p1, three of them at the same instant, and
			// one of p2 that the patient filter leaves out.
			for i := range 7 {
				add(base.Add(time.Duration(min(i, 4))*time.Second), "Patient/p1")
			}
			add(base, "Patient/p2")

			all := getPage(t, srv.URL+"/AuditEvent?patient=Patient/p1&_count=100")
			if all.Total != 7 || len(all.IDs) != 7 || all.Next != "" {
				t.Fatalf("one page: total %d, %d entries, next %q", all.Total, len(all.IDs), all.Next)
			}
			if def := getPage(t, srv.URL+"/AuditEvent"); def.Total != 8 || len(def.IDs) != 8 {
				t.Errorf("default count: total %d, %d entries", def.Total, len(def.IDs))
			}

			first := srv.URL + "/AuditEvent?patient=Patient/p1&_count=3"
			var got []string
			var pages int
			for u := first; u != ""; pages++ {
				if pages > 10 {
					t.Fatal("next links do not end")
				}
				p := getPage(t, u)
				// total counts all matches now, not the page: the event
				// added after the first page counts from then on.
				if want := min(pages, 1) + 7; p.Total != want {
					t.Errorf("page %d: total %d, want %d", pages, p.Total, want)
				}
				if p.Self != u {
					t.Errorf("page %d: self %q, want %q", pages, p.Self, u)
				}
				if len(p.IDs) > 3 {
					t.Errorf("page %d has %d entries, _count=3", pages, len(p.IDs))
				}
				if p.Next != "" && !strings.HasPrefix(p.Next, srv.URL+"/AuditEvent?") {
					t.Errorf("next %q is not an absolute URL of this server", p.Next)
				}
				if p.Next != "" {
					nu, err := url.Parse(p.Next)
					if err != nil || nu.Query().Get("patient") != "Patient/p1" || nu.Query().Get("_count") != "3" {
						t.Errorf("next %q lost the search parameters", p.Next)
					}
				}
				got = append(got, p.IDs...)
				if pages == 0 {
					// A newer event arriving between pages does not shift
					// the pages that follow.
					add(base.Add(time.Hour), "Patient/p1")
				}
				u = p.Next
			}
			if pages != 3 {
				t.Errorf("%d pages, want 3 (3+3+1)", pages)
			}
			if d := cmp.Diff(all.IDs, got); d != "" {
				t.Errorf("paged ids (-one page +pages):\n%s", d)
			}

			for _, q := range []string{"_page=!!", "_page=bm9kb3Q", "_count=-1"} {
				resp, err := http.Get(srv.URL + "/AuditEvent?" + q)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
				}
			}
			if p := getPage(t, srv.URL+"/AuditEvent?_count=0"); p.Total != 9 || len(p.IDs) != 0 || p.Next != "" {
				t.Errorf("_count=0: total %d, %d entries, next %q; want 9, 0, none", p.Total, len(p.IDs), p.Next)
			}
			if p := getPage(t, srv.URL+"/AuditEvent?_count=5000"); len(p.IDs) != 9 {
				t.Errorf("_count=5000: %d entries", len(p.IDs))
			}
		})
	}
}

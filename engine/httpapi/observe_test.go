package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
	"github.com/ccg-project/ccg/internal/obs/obstest"
	"github.com/ccg-project/ccg/internal/storagefault/storagefaulttest"
)

// fullStore fails every Append with SQLite's real "disk is full" error.
type fullStore struct {
	audit.Store
	err error
}

func (f fullStore) Append(context.Context, map[string]any, string, string) (audit.Record, error) {
	return audit.Record{}, f.err
}

// TestApplyOnFullDisk: with the audit storage full, $apply answers 507
// with Retry-After and a neutral OperationOutcome (no database text),
// and reads keep working.
func TestApplyOnFullDisk(t *testing.T) {
	eng := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
	if _, err := eng.LoadPath(fixture("package"), content.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := audit.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := echo.New()
	httpapi.Mount(e, httpapi.Config{Engine: eng, Audit: fullStore{st, storagefaulttest.FullError(t)}})
	srv := httptest.NewServer(e)
	defer srv.Close()

	b, _ := fj.MarshalCompact(params("Patient/p1", "Encounter/e1", dataIn(t)))
	resp, err := http.Post(srv.URL+"/PlanDefinition/ccgtest-folder/$apply", httpapi.MediaType, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, rerr := resp.Body.Read(buf)
		body.Write(buf[:n])
		if rerr != nil {
			break
		}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInsufficientStorage || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 507 with Retry-After\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body.String())
	}
	oo, err := fj.DecodeObj([]byte(body.String()))
	if err != nil || fj.Type(oo) != "OperationOutcome" {
		t.Fatalf("body is not an OperationOutcome: %v\n%s", err, body.String())
	}
	if s := body.String(); strings.Contains(s, "(13)") || strings.Contains(s, "database") || !strings.Contains(s, `"no-store"`) {
		t.Errorf("the OperationOutcome is not neutral or lacks the no-store code:\n%s", s)
	}
	r, err := http.Get(srv.URL + "/PlanDefinition/ccgtest-folder")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("a read during the fault answered %d", r.StatusCode)
	}
}

// TestApplyMetrics: an $apply moves the engine's and the audit's series.
func TestApplyMetrics(t *testing.T) {
	s := newServer(t)
	h := obstest.Handler()
	before := obstest.Scrape(t, h)
	status, _ := s.post(t, "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t)))
	if status != 200 {
		t.Fatalf("$apply: %d", status)
	}
	after := obstest.Scrape(t, h)
	moved := func(name string, labels map[string]string) {
		t.Helper()
		b, _ := obstest.Value(before, name, labels)
		a, ok := obstest.Value(after, name, labels)
		if !ok || a <= b {
			t.Errorf("%s did not move: %v -> %v (present %v)", obstest.Series(name, labels), b, a, ok)
		}
	}
	moved("ccg_apply_total", map[string]string{"plan_definition": "ccgtest-folder", "outcome": "ok"})
	moved("ccg_apply_duration_seconds_count", map[string]string{"plan_definition": "ccgtest-folder"})
	moved("ccg_apply_request_bytes_count", nil)
	moved("ccg_apply_data_in_resources_count", nil)
	moved("ccg_audit_write_duration_seconds_count", map[string]string{"kind": audit.KindSubmission, "result": "ok"})
	moved("ccg_audit_write_duration_seconds_count", map[string]string{"kind": audit.KindResponse, "result": "ok"})
	moved("ccg_audit_batch_size_count", nil)
	if !obstest.Has(after, "ccg_cards_fired_total") || !obstest.Has(after, "ccg_cql_evaluation_duration_seconds_bucket") {
		t.Errorf("no CARD or CQL series after an $apply")
	}
	if _, ok := obstest.Value(after, "ccg_audit_writes_in_flight", nil); !ok {
		t.Error("no audit queue depth gauge")
	}
}

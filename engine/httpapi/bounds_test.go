package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
)

// TestAuditKeepsDigestsNotPayloads: a submission's AuditEvent holds the
// SHA-256 and size of the body, never a large payload, also when the body
// is not a Parameters resource.
func TestAuditKeepsDigestsNotPayloads(t *testing.T) {
	st, err := audit.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := echo.New()
	httpapi.Mount(e, httpapi.Config{Engine: engine.New(engine.Options{}), Audit: st, Software: "ccg-test-engine/1"})
	srv := httptest.NewServer(e)
	defer srv.Close()

	marker := strings.Repeat("PAYLOAD", 300_000) // 2.1 MB
	bodies := []string{
		`{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/p1"},` +
			`{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"` + marker + `"}]}}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/p1"},{"name":"x","valueString":"` + marker + `"`, // malformed
		marker,
	}
	for _, b := range bodies {
		resp, err := http.Post(srv.URL+"/PlanDefinition/x/$apply", "application/fhir+json", strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	recs, err := st.Search(context.Background(), audit.Query{Kind: audit.KindSubmission, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(bodies) {
		t.Fatalf("%d submissions audited, want %d", len(recs), len(bodies))
	}
	want := map[string]bool{}
	for _, b := range bodies {
		sum := sha256.Sum256([]byte(b))
		want[base64.StdEncoding.EncodeToString(sum[:])+"|"+strconv.Itoa(len(b))] = true
	}
	for _, r := range recs {
		raw, err := fj.MarshalCompact(r.Resource)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) > 8<<10 || strings.Contains(string(raw), "PAYLOADPAYLOAD") {
			t.Errorf("AuditEvent of %d bytes keeps the payload: %.300s", len(raw), raw)
		}
		found := false
		for _, en := range fj.Objs(r.Resource, "entity") {
			var sum, size string
			for _, d := range fj.Objs(en, "detail") {
				switch fj.Str(d, "type") {
				case "sha256":
					sum = fj.Str(d, "valueBase64Binary")
				case "size":
					size = fj.Str(d, "valueString")
				}
			}
			if want[sum+"|"+size] {
				found = true
			}
		}
		if !found {
			t.Errorf("AuditEvent without the body's digest and size: %.500s", raw)
		}
	}
}

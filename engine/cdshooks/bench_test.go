package cdshooks_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/cdshooks"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// The pair below measures what CDS Hooks adds to $apply: the same
// Folder applied to the same patient (the hypertension example 03, three
// CARDs firing), once as engine.Apply on the data-in Bundle and once as a
// patient-view call with its prefetch, served in process (request
// decoding, data-in assembly, $apply, cards, response encoding; no
// network). Compare their p50-µs; BenchmarkApplyInProcessFromJSON adds
// the decoding of the data-in JSON to the first.

// BenchmarkApplyInProcess applies the Folder to the example's data-in
// Bundle.
func BenchmarkApplyInProcess(b *testing.B) {
	eng := newEngine(b)
	data := readJSON(b, "../../examples/hypertension/data-in/03-untreated.json")
	ctx := context.Background()
	run := func() error {
		_, err := eng.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: "htn-folder", Subject: "Patient/htn-03-untreated",
			Encounter: "Encounter/enc-htn-03-untreated", Data: data})
		return err
	}
	median(b, run)
}

// BenchmarkApplyInProcessFromJSON is BenchmarkApplyInProcess with the
// data-in Bundle decoded from its JSON on every run, as a call over HTTP
// must (the CDS Hooks call decodes its prefetch the same way).
func BenchmarkApplyInProcessFromJSON(b *testing.B) {
	eng := newEngine(b)
	raw, err := os.ReadFile("../../examples/hypertension/data-in/03-untreated.json")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := func() error {
		data, err := fj.DecodeObj(raw)
		if err != nil {
			return err
		}
		_, err = eng.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: "htn-folder", Subject: "Patient/htn-03-untreated",
			Encounter: "Encounter/enc-htn-03-untreated", Data: data})
		return err
	}
	median(b, run)
}

// BenchmarkCDSHooksCall makes the patient-view call of the README
// (testdata/cdshooks/patient-view.json) to the Folder's service.
func BenchmarkCDSHooksCall(b *testing.B) {
	eng := newEngine(b)
	e := echo.New()
	cdshooks.Mount(e, cdshooks.Config{Engine: eng})
	body, err := os.ReadFile("../../testdata/cdshooks/patient-view.json")
	if err != nil {
		b.Fatal(err)
	}
	run := func() error {
		req := httptest.NewRequest(http.MethodPost, "/cds-services/htn-folder", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"suggestions"`)) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return nil
	}
	median(b, run)
}

// median runs fn b.N times (after one warm-up) and reports the median.
func median(b *testing.B, fn func() error) {
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
}

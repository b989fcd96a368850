package engine_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// bigDataIn is the fixture's data-in Bundle grown to about n resources with
// Observations of the patient (none of them a systolic blood pressure).
func bigDataIn(t testing.TB, n int) (map[string]any, []byte) {
	d := dataIn(t)
	entries := fj.List(d, "entry")
	for i := len(fj.Entries(d)); i < n; i++ {
		entries = append(entries, map[string]any{"fullUrl": fmt.Sprintf("urn:uuid:obs-%d", i), "resource": map[string]any{
			"resourceType": "Observation", "id": fmt.Sprintf("obs-%d", i), "status": "final",
			"code":              fj.Concept("http://loinc.org", "29463-7", "Body weight"),
			"subject":           fj.Reference("Patient/p1"),
			"effectiveDateTime": "2025-06-01",
			"valueQuantity":     map[string]any{"value": 70 + i%10, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}})
	}
	d["entry"] = entries
	b, err := fj.MarshalCompact(d)
	if err != nil {
		t.Fatal(err)
	}
	return d, b
}

// BenchmarkApply13Cards applies the 13-CARD Folder to a 200-resource
// data-in Bundle in process (the package is compiled outside the loop).
func BenchmarkApply13Cards(b *testing.B) {
	e := testEngine(b)
	data, _ := bigDataIn(b, 200)
	req := func() *engine.ApplyRequest {
		return &engine.ApplyRequest{PlanDefinitionID: "ccgtest-folder", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: data}
	}
	ctx := context.Background()
	if res, err := e.Apply(ctx, req()); err != nil || len(res.Errors) > 0 {
		b.Fatalf("apply: %v %v", err, res.Errors)
	}
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := e.Apply(ctx, req()); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
}

// BenchmarkApplyGrowth applies the 13-CARD Folder to data-in Bundles of
// growing size: the time per resource (ns/resource) stays flat when the
// cost is linear in the data.
func BenchmarkApplyGrowth(b *testing.B) {
	for _, n := range []int{200, 1000, 5000} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			e := testEngine(b)
			data, _ := bigDataIn(b, n)
			ctx := context.Background()
			req := &engine.ApplyRequest{PlanDefinitionID: "ccgtest-folder", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: data}
			if res, err := e.Apply(ctx, req); err != nil || len(res.Errors) > 0 {
				b.Fatalf("apply: %v %v", err, res.Errors)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: "ccgtest-folder", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: data}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/resource")
		})
	}
}

package httpapi_test

import (
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestApplySpans: with a tracer provider installed, one $apply records
// the spans of reading the data-in, the engine, each CARD's conditions,
// the CQL retrieves under them, and both audit writes.
func TestApplySpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	s := newServer(t)
	if status, _ := s.post(t, "/PlanDefinition/ccgtest-folder/$apply", params("Patient/p1", "Encounter/e1", dataIn(t))); status != 200 {
		t.Fatalf("$apply: %d", status)
	}
	spans := rec.Ended()
	byID := map[string]sdktrace.ReadOnlySpan{}
	count := map[string]int{}
	for _, sp := range spans {
		byID[sp.SpanContext().SpanID().String()] = sp
		count[sp.Name()]++
	}
	for name, min := range map[string]int{"apply.decode": 1, "engine.apply": 1, "datain.check": 1, "card.conditions": 2, "cql.retrieve": 1, "audit.write": 2} {
		if count[name] < min {
			t.Errorf("%d %q spans, want at least %d (all: %v)", count[name], name, min, count)
		}
	}
	// ancestors lists the names of the spans above sp.
	ancestors := func(sp sdktrace.ReadOnlySpan) []string {
		var out []string
		for p, ok := byID[sp.Parent().SpanID().String()]; ok; p, ok = byID[p.Parent().SpanID().String()] {
			out = append(out, p.Name())
		}
		return out
	}
	underCard := 0
	for _, sp := range spans {
		up := ancestors(sp)
		switch sp.Name() {
		case "cql.retrieve":
			// conditions retrieve under their CARD's span, dynamic values
			// under the engine's
			if len(up) == 0 || up[len(up)-1] != "engine.apply" {
				t.Errorf("cql.retrieve under %v, want engine.apply", up)
			}
			if len(up) > 0 && up[0] == "card.conditions" {
				underCard++
			}
		case "card.conditions", "datain.check":
			if len(up) == 0 || up[0] != "engine.apply" {
				t.Errorf("%s under %v, want engine.apply", sp.Name(), up)
			}
		}
	}
	if underCard == 0 {
		t.Error("no cql.retrieve under a card.conditions span")
	}
}

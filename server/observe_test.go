package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ccg-project/ccg/internal/obs/obstest"
)

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t)
	code, _, body := do(t, s, http.MethodGet, "/healthz", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /healthz: %d %s", code, body)
	}
}

func TestReadyz(t *testing.T) {
	s, _ := newTestServer(t)
	code, _, body := do(t, s, http.MethodGet, "/readyz", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /readyz without checks: %d %s", code, body)
	}
	broken := errors.New("audit store: disk full")
	var failing bool
	s.AddReadinessCheck("audit", func(context.Context) error {
		if failing {
			return broken
		}
		return nil
	})
	s.AddReadinessCheck("packages", func(context.Context) error { return nil })
	if code, _, body = do(t, s, http.MethodGet, "/readyz", "", ""); code != http.StatusOK {
		t.Fatalf("GET /readyz with passing checks: %d %s", code, body)
	}
	failing = true
	code, _, body = do(t, s, http.MethodGet, "/readyz", "", "")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz with a failing check: %d %s", code, body)
	}
	var got struct {
		Status string
		Checks map[string]string
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "not ready" || got.Checks["audit"] != broken.Error() || got.Checks["packages"] != "ok" {
		t.Errorf("GET /readyz body = %s", body)
	}
}

func TestMetricsMove(t *testing.T) {
	s, _ := newTestServer(t)
	series := map[string]string{"method": "GET", "route": "/metadata", "status": "200"}
	before, _ := obstest.Value(obstest.Scrape(t, s), "ccg_http_requests_total", series)
	do(t, s, http.MethodGet, "/metadata", "", "")
	do(t, s, http.MethodGet, "/metadata", "", "")
	do(t, s, http.MethodGet, "/no/such/route/42", "", "")
	text := obstest.Scrape(t, s)
	if after, ok := obstest.Value(text, "ccg_http_requests_total", series); !ok || after != before+2 {
		t.Errorf("ccg_http_requests_total{route=/metadata} went from %v to %v (present %v), want +2", before, after, ok)
	}
	if _, ok := obstest.Value(text, "ccg_http_request_duration_seconds_count", series); !ok {
		t.Error("no latency histogram for GET /metadata")
	}
	if _, ok := obstest.Value(text, "ccg_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}); !ok {
		t.Error("an unknown path is not counted under route=\"unmatched\"")
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "ccg_build_info"} {
		if !obstest.Has(text, name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for _, raw := range []string{"/no/such/route/42"} {
		if obstest.Has(text, `ccg_http_requests_total{method="GET",route="`+raw) {
			t.Errorf("a raw path %s became a route label", raw)
		}
	}
}

func TestTracingSpansAndLogTraceID(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	core, logs := observer.New(zap.InfoLevel)
	s := New(Config{Logger: zap.New(core), Tracing: true})
	if code, _, body := do(t, s, http.MethodGet, "/metadata", "", ""); code != http.StatusOK {
		t.Fatalf("GET /metadata: %d %s", code, body)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "GET /metadata" {
		names := []string{}
		for _, sp := range spans {
			names = append(names, sp.Name())
		}
		t.Fatalf("spans = %q, want one named \"GET /metadata\"", names)
	}
	entries := logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("%d request log lines", len(entries))
	}
	if got := entries[0].ContextMap()["trace_id"]; got != spans[0].SpanContext().TraceID().String() {
		t.Errorf("request log trace_id = %v, want %s", got, spans[0].SpanContext().TraceID())
	}
}

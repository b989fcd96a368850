package obs

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// collector receives OTLP trace exports (over gRPC or HTTP) and keeps the
// span names and the service.name of their resources.
type collector struct {
	coltracepb.UnimplementedTraceServiceServer
	mu       sync.Mutex
	spans    []string
	services []string
}

func (c *collector) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				c.services = append(c.services, a.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				c.spans = append(c.spans, sp.GetName())
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// TestOTLPExport sends a span with each OTLP protocol to a collector
// started by the test and checks that it arrived with ccg's service name.
func TestOTLPExport(t *testing.T) {
	for _, protocol := range []string{"grpc", "http/protobuf"} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{}
			var endpoint string
			if protocol == "grpc" {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv := grpc.NewServer()
				coltracepb.RegisterTraceServiceServer(srv, c)
				go srv.Serve(ln)
				t.Cleanup(srv.Stop)
				endpoint = "http://" + ln.Addr().String()
			} else {
				hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					var req coltracepb.ExportTraceServiceRequest
					if r.URL.Path != "/v1/traces" || proto.Unmarshal(b, &req) != nil {
						http.Error(w, "bad export", http.StatusBadRequest)
						return
					}
					c.Export(r.Context(), &req)
					w.Header().Set("Content-Type", "application/x-protobuf")
					w.Write(nil)
				}))
				t.Cleanup(hs.Close)
				endpoint = hs.URL
			}
			// The exporters read their settings from the process
			// environment.
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
			prev := otel.GetTracerProvider()
			t.Cleanup(func() { otel.SetTracerProvider(prev) })
			tr, err := SetupTracing(context.Background(), os.Getenv, "test", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Exporter != "otlp" {
				t.Fatalf("exporter %q, want otlp", tr.Exporter)
			}
			_, span := Start(context.Background(), "otlp.test")
			End(span, nil)
			if err := tr.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.spans) != 1 || c.spans[0] != "otlp.test" || len(c.services) == 0 || c.services[0] != "ccg" {
				t.Errorf("collector got spans %v from services %v, want [otlp.test] from ccg", c.spans, c.services)
			}
		})
	}
}

// TestOTLPProtocolRefused: an unknown protocol is an error, not a silent
// fallback.
func TestOTLPProtocolRefused(t *testing.T) {
	env := map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
	if _, err := SetupTracing(context.Background(), func(k string) string { return env[k] }, "test", io.Discard); err == nil {
		t.Error("http/json accepted")
	}
}

package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation is the name of ccg's tracer.
const instrumentation = "github.com/ccg-project/ccg"

// Start starts a span named name under ctx's span, with the global tracer
// provider (a no-op one unless SetupTracing installed an exporter).
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, recording err (when non-nil) as the span's error.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Tracing is the tracing configuration SetupTracing found.
type Tracing struct {
	// Exporter is "otlp", "console" or "" (tracing off).
	Exporter string
	// Shutdown flushes and stops the exporter.
	Shutdown func(context.Context) error
}

// Enabled reports whether spans are exported.
func (t Tracing) Enabled() bool { return t.Exporter != "" }

// SetupTracing configures OpenTelemetry tracing from the standard OTEL_*
// environment, read through getenv. Tracing is off unless
// OTEL_TRACES_EXPORTER is "otlp" or "console", or an OTLP endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set; OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off.
// OTLP is sent over HTTP (protobuf) unless OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL
// is grpc; the exporter reads the rest of its
// OTEL_EXPORTER_OTLP_* settings itself, the SDK reads
// OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
// console writes spans as JSON to console. When tracing is on, the global
// tracer provider and the W3C trace-context propagator are installed.
func SetupTracing(ctx context.Context, getenv func(string) string, version string, console io.Writer) (Tracing, error) {
	off := Tracing{Shutdown: func(context.Context) error { return nil }}
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return off, nil
	}
	kind := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	if kind == "" && (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		kind = "otlp"
	}
	var exp sdktrace.SpanExporter
	var err error
	switch kind {
	case "", "none":
		return off, nil
	case "otlp":
		proto := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
		if proto == "" {
			proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
		}
		switch proto {
		case "", "http/protobuf":
			exp, err = otlptracehttp.New(ctx)
		case "grpc":
			exp, err = otlptracegrpc.New(ctx)
		default:
			return off, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported (http/protobuf or grpc)", proto)
		}
	case "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(console))
	default:
		return off, fmt.Errorf("OTEL_TRACES_EXPORTER %q is not supported (otlp, console or none)", kind)
	}
	if err != nil {
		return off, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "ccg"), attribute.String("service.version", version)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return off, fmt.Errorf("tracing resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return Tracing{Exporter: kind, Shutdown: tp.Shutdown}, nil
}

// Package obs holds ccg's observability: the Prometheus metrics every
// package records into (served by `ccg serve` at GET /metrics) and the
// OpenTelemetry tracer its spans come from.
//
// Label values are bounded: HTTP routes are route templates, and names
// that come from loaded content (PlanDefinitions, CARDs, libraries) go
// through a Bounded set that folds everything past its size into
// "other", so a client cannot grow the series without limit.
package obs

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Registry holds every ccg metric, the Go runtime and process collectors.
var Registry = prometheus.NewRegistry()

func init() {
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

var factory = promauto.With(Registry)

// Latency buckets, in seconds: 0.5 ms to 10 s.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// HTTP server.
var (
	HTTPRequests = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_http_requests_total", Help: "HTTP requests answered, by method, route template and status code.",
	}, []string{"method", "route", "status"})
	HTTPDuration = factory.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ccg_http_request_duration_seconds", Help: "HTTP request latency, by method, route template and status code.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "status"})
	HTTPInFlight = factory.NewGauge(prometheus.GaugeOpts{
		Name: "ccg_http_requests_in_flight", Help: "HTTP requests being served.",
	})
)

// Guideline Engine.
var (
	Applies = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_apply_total",
		Help: "$apply calls by PlanDefinition id and outcome (ok, card_errors, rejected, failed); ids of PlanDefinitions that are not loaded count as \"other\".",
	}, []string{"plan_definition", "outcome"})
	ApplyDuration = factory.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ccg_apply_duration_seconds", Help: "Time of the engine's part of $apply (data-in check and evaluation), by PlanDefinition id.",
		Buckets: latencyBuckets,
	}, []string{"plan_definition"})
	DataInBytes = factory.NewHistogram(prometheus.HistogramOpts{
		Name: "ccg_apply_request_bytes", Help: "Size of $apply request bodies (the data-in Bundle and parameters).",
		Buckets: prometheus.ExponentialBuckets(1024, 4, 9), // 1 KiB .. 64 MiB
	})
	DataInResources = factory.NewHistogram(prometheus.HistogramOpts{
		Name: "ccg_apply_data_in_resources", Help: "Resources in the data-in Bundle of $apply calls.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9), // 1 .. 65536
	})
	CardsFired = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_cards_fired_total", Help: "CARDs that fired (produced a request resource), by the CARD's canonical URL.",
	}, []string{"card"})
	CQLEvalDuration = factory.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ccg_cql_evaluation_duration_seconds", Help: "Time of one CQL define evaluation by the engine, by library URL.",
		Buckets: latencyBuckets,
	}, []string{"library"})
	PackagesLoaded = factory.NewGauge(prometheus.GaugeOpts{
		Name: "ccg_packages_loaded", Help: "CCG packages loaded in the Guideline Engine.",
	})
	PackageLoads = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_package_loads_total", Help: "Package loads into the Guideline Engine, by source (local, sync) and result (ok, error, refused).",
	}, []string{"source", "result"})
	SyncRounds = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_sync_rounds_total", Help: "Rounds of the Guideline Repository sync, by result (ok, error).",
	}, []string{"result"})
)

// Audit.
var (
	AuditWriteDuration = factory.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ccg_audit_write_duration_seconds", Help: "Time until one AuditEvent is durable, by kind (submission, response) and result (ok, error).",
		Buckets: latencyBuckets,
	}, []string{"kind", "result"})
	// AuditBatchSize is the number of AuditEvents per transaction of the
	// group-commit writer: it grows with the load.
	AuditBatchSize = factory.NewHistogram(prometheus.HistogramOpts{
		Name: "ccg_audit_batch_size", Help: "AuditEvents written per transaction (one disk flush) by the group-commit audit writer.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	// AuditWritesInFlight counts audit writes waiting for the store (the
	// group-commit writer's queue and its transaction in progress).
	AuditWritesInFlight = factory.NewGauge(prometheus.GaugeOpts{
		Name: "ccg_audit_writes_in_flight", Help: "AuditEvent writes started and not yet durable (the audit queue depth).",
	})
)

// Guideline Repository.
var (
	Publishes = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_registry_publishes_total", Help: "Package publishes, by result (ok, refused, storage_full, error).",
	}, []string{"result"})
	TarballDownloads = factory.NewCounterVec(prometheus.CounterOpts{
		Name: "ccg_registry_tarball_downloads_total", Help: "Tarballs served (package installs), by result (ok, not_modified, error).",
	}, []string{"result"})
)

// Storage faults.
var StorageFaults = factory.NewCounterVec(prometheus.CounterOpts{
	Name: "ccg_storage_faults_total", Help: "Writes refused because the storage is full or read-only, by store (audit, registry).",
}, []string{"store"})

// BuildInfo is 1, labelled with the program version.
var BuildInfo = factory.NewGaugeVec(prometheus.GaugeOpts{
	Name: "ccg_build_info", Help: "Always 1; the version label is the ccg version.",
}, []string{"version", "goversion"})

// Other is the label value of names past a Bounded set's size.
const Other = "other"

// Bounded keeps the label values of one dimension to a fixed number:
// the first Max distinct values are kept, later ones become "other".
type Bounded struct {
	Max  int
	mu   sync.Mutex
	seen map[string]struct{}
}

// Value returns v when it is one of the first Max distinct values, else Other.
func (b *Bounded) Value(v string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.Max {
		return Other
	}
	if b.seen == nil {
		b.seen = map[string]struct{}{}
	}
	b.seen[v] = struct{}{}
	return v
}

// Bounded sets of content names (a deployment loads at most a few
// hundred PlanDefinitions, CARDs and libraries).
var (
	PlanDefinitionLabels = &Bounded{Max: 500}
	CardLabels           = &Bounded{Max: 2000}
	LibraryLabels        = &Bounded{Max: 1000}
)

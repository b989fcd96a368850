package audit

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/internal/storagefault"
)

// Write stores ev durably in st under a span, timed in the audit
// metrics; ev.Recorded is set to now.
func Write(ctx context.Context, st Store, ev *Event) error {
	ctx, span := obs.Start(ctx, "audit.write", attribute.String("ccg.kind", ev.Kind))
	obs.AuditWritesInFlight.Inc()
	start := time.Now()
	ev.Recorded = start
	_, err := st.Append(ctx, ev.Resource(), ev.Kind, ev.Patient)
	obs.AuditWritesInFlight.Dec()
	result := "ok"
	if err != nil {
		result = "error"
		if storagefault.Is(err) {
			obs.StorageFaults.WithLabelValues("audit").Inc()
		}
	}
	obs.AuditWriteDuration.WithLabelValues(ev.Kind, result).Observe(time.Since(start).Seconds())
	obs.End(span, err)
	return err
}

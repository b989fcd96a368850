package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"

	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/internal/storagefault"
)

// decode parses a $apply body under a span and records its size and the
// number of data-in resources.
func decode(ctx context.Context, body []byte) (*request, error) {
	_, span := obs.Start(ctx, "apply.decode", attribute.Int("ccg.bytes", len(body)))
	obs.DataInBytes.Observe(float64(len(body)))
	req, err := parseBody(body)
	if req != nil && req.data != nil {
		n := len(fj.List(req.data, "entry"))
		obs.DataInResources.Observe(float64(n))
		span.SetAttributes(attribute.Int("ccg.resources", n))
	}
	obs.End(span, err)
	return req, err
}

// record stores ev (durably) under a span, timed in the audit metrics.
func (h *handler) record(ctx context.Context, ev *audit.Event) error {
	if h.cfg.Audit == nil {
		return nil
	}
	return audit.Write(ctx, h.cfg.Audit, ev)
}

// auditFailed answers a $apply whose audit record could not be written:
// 507 with Retry-After when the storage is full or read-only, else 500.
func auditFailed(c echo.Context, err error, what string) error {
	if storagefault.Is(err) {
		c.Response().Header().Set("Retry-After", storagefault.RetryAfter)
		return Fail(c, storagefault.Status, storagefault.IssueCode, "", storagefault.Message)
	}
	return Fail(c, http.StatusInternalServerError, "exception", "", what+" could not be audited")
}

package cdshooks

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/storagefault"
)

// submission is the audit event of a call, from what could be read of it:
// the PlanDefinition, the patient and encounter of the context, the hook
// and hookInstance as its parameters, the body's digest.
func (h *Handler) submission(c echo.Context, svc *service, raw []byte, body map[string]any) *audit.Event {
	ctx := fj.Obj(body, "context")
	params, _ := fj.MarshalCompact(map[string]any{"hook": fj.Str(body, "hook"), "hookInstance": fj.Str(body, "hookInstance")})
	ev := &audit.Event{Kind: audit.KindSubmission, PlanDefinitionID: svc.plan, EncounterID: fj.Str(ctx, "encounterId"),
		Parameters: string(params), Body: audit.DigestOf(raw), Recipient: h.cfg.Software,
		Source: firstNonEmpty(c.Request().Header.Get("X-CCG-Performer"), c.Request().UserAgent(), "CDS Hooks client")}
	if p := fj.Str(ctx, "patientId"); p != "" {
		ev.Patient = datain.NormalizeRef("Patient", p)
	}
	if h.cfg.Caller != nil {
		ev.Caller = h.cfg.Caller(c)
	}
	return ev
}

// response is the audit event of a call's answer.
func response(sub *audit.Event, res *engine.ApplyResult, err error) *audit.Event {
	ev := *sub
	ev.Kind, ev.Parameters, ev.Body = audit.KindResponse, "", nil
	status := http.StatusOK
	if err != nil {
		status, ev.Detail = errorStatus(err)
	}
	switch {
	case status >= 500:
		ev.Outcome = audit.OutcomeSerious
	case status >= 400:
		ev.Outcome = audit.OutcomeMinor
	case len(res.Errors) > 0:
		ev.Outcome = audit.OutcomeMinor
	default:
		ev.Outcome = audit.OutcomeSuccess
	}
	if res != nil {
		for _, cr := range res.Cards {
			if cr.Fired && cr.Resource != "" {
				ev.Cards = append(ev.Cards, cr.Card)
				ev.Requests = append(ev.Requests, cr.Resource)
			}
		}
	}
	return &ev
}

func (h *Handler) record(ctx context.Context, ev *audit.Event) error {
	if h.cfg.Audit == nil {
		return nil
	}
	return audit.Write(ctx, h.cfg.Audit, ev)
}

// auditFailed answers a call that could not be audited: 507 with
// Retry-After when the storage is full or read-only, else 500.
func auditFailed(c echo.Context, err error) error {
	if storagefault.Is(err) {
		c.Response().Header().Set("Retry-After", storagefault.RetryAfter)
		return writeError(c, errorf(storagefault.Status, "%s", storagefault.Message))
	}
	return writeError(c, errorf(http.StatusInternalServerError, "the call could not be audited"))
}

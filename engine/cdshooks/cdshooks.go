// Package cdshooks serves the loaded guidelines as CDS Hooks 2.0
// services:
//
//	GET  /cds-services                discovery: one service per
//	                                  PlanDefinition with a named-event
//	                                  trigger, and per CCG Folder
//	POST /cds-services/{id}           a hook call, answered with cards
//	POST /cds-services/{id}/feedback  the user's outcome of a card (logged)
//
// A call's data come from its prefetch and, for what the prefetch lacks,
// from the CDS client's FHIR server (fhirServer, with fhirAuthorization's
// access token); the PlanDefinition is applied in process
// (engine.Engine.Apply) and each action of the resulting RequestGroup
// becomes a card. Errors are plain JSON objects ({"error": "..."}) with
// the HTTP status: 400 for a malformed request, 404 for an unknown
// service, 412 when the data the service needs cannot be had.
package cdshooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// Config configures the routes.
type Config struct {
	Engine *engine.Engine
	Logger *zap.Logger
	// Client reads from CDS clients' FHIR servers; nil: a client that
	// follows no redirects.
	Client *http.Client
	// MaxBodyBytes bounds a hook request (0: 16 MiB); Timeout a whole call
	// (0: 30s); FetchTimeout one read from a FHIR server (0: 10s);
	// MaxFetchBytes one answer of a FHIR server (0: 8 MiB).
	MaxBodyBytes  int64
	Timeout       time.Duration
	FetchTimeout  time.Duration
	MaxFetchBytes int64
	// Audit stores a BALP submission and response AuditEvent for every
	// call, as for $apply; nil: none (tests). Software names the engine
	// (the recipient agent); Caller the authenticated caller (see
	// httpapi.Config.Caller).
	Audit    audit.Store
	Software string
	Caller   func(echo.Context) audit.Caller
}

// Handler serves the CDS Hooks routes.
type Handler struct {
	cfg     Config
	catalog catalog
}

// Mount adds the routes to e and returns their handler.
func Mount(e *echo.Echo, cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 10 * time.Second
	}
	if cfg.MaxFetchBytes <= 0 {
		cfg.MaxFetchBytes = 8 << 20
	}
	if cfg.Software == "" {
		cfg.Software = "ccg-guideline-engine"
	}
	h := &Handler{cfg: cfg}
	e.GET("/cds-services", h.discover)
	e.POST("/cds-services/:id", h.call)
	e.POST("/cds-services/:id/feedback", h.feedback)
	return h
}

// callError is a call answered with an HTTP error and no card.
type callError struct {
	status int
	msg    string
}

func (e *callError) Error() string { return e.msg }

func errorf(status int, format string, a ...any) error {
	return &callError{status: status, msg: fmt.Sprintf(format, a...)}
}

func writeJSON(c echo.Context, status int, v any) error {
	b, err := fj.MarshalCompact(v)
	if err != nil {
		return err
	}
	return c.Blob(status, echo.MIMEApplicationJSONCharsetUTF8, b)
}

func writeError(c echo.Context, err error) error {
	status, msg := errorStatus(err)
	return writeJSON(c, status, map[string]any{"error": msg})
}

func errorStatus(err error) (int, string) {
	var ce *callError
	if !errors.As(err, &ce) {
		return http.StatusInternalServerError, "internal error"
	}
	return ce.status, ce.msg
}

func (h *Handler) discover(c echo.Context) error {
	list, _ := h.catalog.services(h.cfg.Engine)
	out := make([]any, 0, len(list))
	for _, s := range list {
		out = append(out, s.discovery())
	}
	return writeJSON(c, http.StatusOK, map[string]any{"services": out})
}

// readBody reads a body within the size limit.
func (h *Handler) readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", mb.Limit)
		}
		return nil, errorf(http.StatusBadRequest, "reading the request: %v", err)
	}
	return body, nil
}

// decodeBody decodes a JSON object body.
func decodeBody(body []byte) (map[string]any, error) {
	m, err := fj.DecodeObj(bytes.TrimSpace(body))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "the body is not a JSON object: %v", err)
	}
	return m, nil
}

func (h *Handler) call(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.cfg.Timeout)
	defer cancel()
	_, byID := h.catalog.services(h.cfg.Engine)
	svc := byID[c.Param("id")]
	if svc == nil {
		return writeError(c, errorf(http.StatusNotFound, "no CDS service %q (GET /cds-services lists them)", c.Param("id")))
	}
	raw, err := h.readBody(c)
	if err != nil {
		return writeError(c, err)
	}
	body, err := decodeBody(raw)
	var req *hookRequest
	if err == nil {
		req, err = parseRequest(body, svc)
	}
	// The submission is durable before anything is evaluated, as for
	// $apply; a malformed one is audited too.
	ev := h.submission(c, svc, raw, body)
	if err := h.record(ctx, ev); err != nil {
		h.cfg.Logger.Error("audit: cannot record the CDS Hooks call", zap.Error(err))
		return auditFailed(c, err)
	}
	var resp map[string]any
	var res *engine.ApplyResult
	if err == nil {
		resp, res, err = h.answer(ctx, svc, req)
	}
	if err != nil {
		if ce := (*callError)(nil); !errors.As(err, &ce) {
			h.cfg.Logger.Error("CDS Hooks call failed", zap.String("service", svc.ID), zap.Error(err))
		}
	}
	if aerr := h.record(context.WithoutCancel(ctx), response(ev, res, err)); aerr != nil {
		h.cfg.Logger.Error("audit: cannot record the CDS Hooks answer", zap.Error(aerr))
		return auditFailed(c, aerr)
	}
	if err != nil {
		return writeError(c, err)
	}
	return writeJSON(c, http.StatusOK, resp)
}

// answer gathers the data, applies the PlanDefinition and turns the
// RequestGroup into cards.
func (h *Handler) answer(ctx context.Context, svc *service, req *hookRequest) (map[string]any, *engine.ApplyResult, error) {
	data, err := h.gather(ctx, svc, req)
	if err != nil {
		return nil, nil, err
	}
	ar := &engine.ApplyRequest{PlanDefinitionID: svc.plan, Subject: "Patient/" + req.patientID, Data: data.bundle, Lenient: !svc.folder}
	if req.encounterID != "" {
		ar.Encounter = "Encounter/" + req.encounterID
	}
	res, err := h.cfg.Engine.Apply(ctx, ar)
	if err != nil {
		var re *engine.RequestError
		switch {
		case errors.As(err, &re) && re.Status == http.StatusNotFound:
			return nil, nil, errorf(http.StatusNotFound, "%s", re.Error())
		case errors.As(err, &re):
			// the data the client gave or its server holds do not make a
			// data-in Bundle the guideline accepts
			return nil, nil, errorf(http.StatusPreconditionFailed, "the patient's data do not meet the guideline's data-in rules: %s", re.Error())
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			return nil, nil, errorf(http.StatusServiceUnavailable, "the guideline did not finish in time")
		case eval.IsLimit(err):
			return nil, nil, errorf(http.StatusUnprocessableEntity, "%v", err)
		}
		return nil, nil, err
	}
	for _, ce := range res.Errors {
		h.cfg.Logger.Warn("CDS Hooks: a CARD could not be evaluated", zap.String("service", svc.ID), zap.String("card", ce.Card),
			zap.String("expression", ce.Expression), zap.String("error", ce.Message))
	}
	return h.respond(data, res), res, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// hookRequest is a checked hook call.
type hookRequest struct {
	hook, hookInstance     string
	fhirServer, token      string
	context                map[string]any
	prefetch               map[string]any
	patientID, encounterID string
	userID                 string
	draftOrders            []map[string]any
}

// parseRequest checks a hook call against CDS Hooks 2.0 and the hook's
// context fields.
func parseRequest(body map[string]any, svc *service) (*hookRequest, error) {
	bad := func(format string, a ...any) error { return errorf(http.StatusBadRequest, format, a...) }
	r := &hookRequest{}
	str := func(k string) (string, error) {
		v, ok := body[k]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", bad("%s must be a string", k)
		}
		return s, nil
	}
	var err error
	if r.hook, err = str("hook"); err != nil {
		return nil, err
	}
	switch {
	case r.hook == "":
		return nil, bad("hook is required")
	case r.hook != svc.Hook:
		return nil, bad("service %s answers the %s hook, not %s", svc.ID, svc.Hook, r.hook)
	}
	if r.hookInstance, err = str("hookInstance"); err != nil {
		return nil, err
	}
	if !uuidRE.MatchString(r.hookInstance) {
		return nil, bad("hookInstance must be a UUID, got %q", r.hookInstance)
	}
	if r.fhirServer, err = str("fhirServer"); err != nil {
		return nil, err
	}
	if v, ok := body["fhirAuthorization"]; ok && v != nil {
		auth, ok := v.(map[string]any)
		if !ok {
			return nil, bad("fhirAuthorization must be an object")
		}
		r.token = fj.Str(auth, "access_token")
		switch {
		case r.fhirServer == "":
			return nil, bad("fhirAuthorization needs fhirServer")
		case r.token == "":
			return nil, bad("fhirAuthorization.access_token is required")
		case !strings.EqualFold(fj.Str(auth, "token_type"), "Bearer"):
			return nil, bad("fhirAuthorization.token_type must be Bearer")
		}
	}
	ctx, ok := body["context"].(map[string]any)
	if !ok {
		return nil, bad("context is required (an object)")
	}
	r.context = ctx
	spec := hooks[svc.Hook]
	for _, k := range spec.required {
		if v, ok := ctx[k]; !ok || v == nil || v == "" {
			return nil, bad("context.%s is required by the %s hook", k, svc.Hook)
		}
	}
	for _, k := range []string{"userId", "patientId", "encounterId"} {
		if v, ok := ctx[k]; ok {
			if _, isStr := v.(string); !isStr {
				return nil, bad("context.%s must be a string", k)
			}
		}
	}
	r.patientID, r.encounterID, r.userID = fj.Str(ctx, "patientId"), fj.Str(ctx, "encounterId"), fj.Str(ctx, "userId")
	if _, id, ok := fj.SplitRef(r.patientID); ok { // tolerate "Patient/x"
		r.patientID = id
	}
	if svc.folder && r.encounterID == "" {
		return nil, bad("service %s is a CCG Folder: its data-in Bundle needs the in-progress encounter, so context.encounterId is required", svc.ID)
	}
	if v, ok := ctx["draftOrders"]; ok {
		b, ok := v.(map[string]any)
		if !ok || fj.Type(b) != "Bundle" {
			return nil, bad("context.draftOrders must be a FHIR Bundle")
		}
		for _, e := range fj.Objs(b, "entry") {
			if res := fj.Obj(e, "resource"); fj.Type(res) != "" {
				r.draftOrders = append(r.draftOrders, res)
			}
		}
	}
	if v, ok := ctx["selections"]; ok {
		sel, ok := v.([]any)
		if !ok {
			return nil, bad("context.selections must be an array of references")
		}
		for _, s := range sel {
			if str, ok := s.(string); !ok || !selected(str, r.draftOrders) {
				return nil, bad("context.selections: %v is not a draft order of context.draftOrders", s)
			}
		}
	}
	if v, ok := body["prefetch"]; ok && v != nil {
		p, ok := v.(map[string]any)
		if !ok {
			return nil, bad("prefetch must be an object")
		}
		r.prefetch = p
	}
	return r, nil
}

func selected(ref string, drafts []map[string]any) bool {
	for _, d := range drafts {
		if fj.Ref(d) == ref {
			return true
		}
	}
	return false
}

// feedbackOutcomes are the outcomes of a Feedback entry.
var feedbackOutcomes = map[string]bool{"accepted": true, "overridden": true}

func (h *Handler) feedback(c echo.Context) error {
	_, byID := h.catalog.services(h.cfg.Engine)
	svc := byID[c.Param("id")]
	if svc == nil {
		return writeError(c, errorf(http.StatusNotFound, "no CDS service %q", c.Param("id")))
	}
	raw, err := h.readBody(c)
	if err != nil {
		return writeError(c, err)
	}
	body, err := decodeBody(raw)
	if err != nil {
		return writeError(c, err)
	}
	list, ok := body["feedback"].([]any)
	if !ok {
		return writeError(c, errorf(http.StatusBadRequest, "feedback is required (an array of Feedback)"))
	}
	for i, v := range list {
		fb, ok := v.(map[string]any)
		if !ok {
			return writeError(c, errorf(http.StatusBadRequest, "feedback[%d] must be an object", i))
		}
		outcome := fj.Str(fb, "outcome")
		switch {
		case fj.Str(fb, "card") == "":
			return writeError(c, errorf(http.StatusBadRequest, "feedback[%d].card is required", i))
		case !feedbackOutcomes[outcome]:
			return writeError(c, errorf(http.StatusBadRequest, "feedback[%d].outcome must be accepted or overridden, got %q", i, outcome))
		case fj.Str(fb, "outcomeTimestamp") == "":
			return writeError(c, errorf(http.StatusBadRequest, "feedback[%d].outcomeTimestamp is required", i))
		case outcome == "accepted" && len(fj.Objs(fb, "acceptedSuggestions")) == 0:
			return writeError(c, errorf(http.StatusBadRequest, "feedback[%d].acceptedSuggestions is required for an accepted outcome", i))
		}
	}
	for _, v := range list {
		fb := v.(map[string]any)
		var accepted []string
		for _, s := range fj.Objs(fb, "acceptedSuggestions") {
			accepted = append(accepted, fj.Str(s, "id"))
		}
		reason := fj.Obj(fb, "overrideReason")
		h.cfg.Logger.Info("CDS Hooks feedback", zap.String("service", svc.ID), zap.String("card", fj.Str(fb, "card")),
			zap.String("outcome", fj.Str(fb, "outcome")), zap.Strings("acceptedSuggestions", accepted),
			zap.String("overrideReason", fj.Str(fj.Obj(reason, "reason"), "code")), zap.String("outcomeTimestamp", fj.Str(fb, "outcomeTimestamp")))
	}
	return c.NoContent(http.StatusOK)
}

// Package httpapi serves the Guideline Engine over FHIR REST:
//
//	POST /PlanDefinition/{id}/$apply   Apply Guideline [QRPH-64] (instance level)
//	POST /PlanDefinition/$apply        type level, with url (or canonical);
//	                                   without one, the patient's Patient Plans
//	GET  /AuditEvent?patient=&date=&outcome=&_count=&_page=   searchset Bundle,
//	                                   paged (Bundle.link next)
//	GET  /AuditEvent/{id}
//	GET  /{PlanDefinition|ActivityDefinition|Library|Questionnaire|ValueSet}/{id}
//	GET  /{type}?url=                  the loaded definitional resources
//
// Every $apply submission is audited (BALP) before it is evaluated, and
// every response after; a submission that cannot be audited is refused
// (500; 507 with Retry-After when the audit storage is full). ?_explain=true or the header X-CCG-Explain: true adds the explain
// Parameters resource to the response Bundle.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// MediaType is FHIR JSON.
const MediaType = "application/fhir+json"

// Config configures the routes.
type Config struct {
	Engine *engine.Engine
	// Audit stores the AuditEvents; nil disables auditing (tests only).
	Audit audit.Store
	// Software is the engine's name and version (the recipient agent).
	Software string
	// MaxBodyBytes bounds a $apply body (0: 16 MiB).
	MaxBodyBytes int64
	// Timeout bounds one $apply (0: 30s).
	Timeout time.Duration
	// Caller returns the authenticated caller of a request, the agent
	// AuditEvents name; nil (or an empty Subject): none, and the
	// AuditEvents name the performer the request claims to be.
	Caller func(echo.Context) audit.Caller
	Logger *zap.Logger
}

type handler struct{ cfg Config }

// API is the mounted engine API; its Apply runs $apply for other front
// ends (the web workbench) as the HTTP operation does.
type API struct{ h *handler }

// Mount adds the routes to e.
func Mount(e *echo.Echo, cfg Config) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Software == "" {
		cfg.Software = "ccg-guideline-engine"
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	h := &handler{cfg: cfg}
	e.POST("/PlanDefinition/:id/$apply", h.apply)
	e.POST("/PlanDefinition/$apply", h.apply)
	e.GET("/AuditEvent", h.searchAudit)
	e.GET("/AuditEvent/:id", h.readAudit)
	for _, t := range []string{"PlanDefinition", "ActivityDefinition", "Library", "Questionnaire", "ValueSet", "CodeSystem"} {
		typ := t
		e.GET("/"+typ+"/:id", func(c echo.Context) error { return h.read(c, typ) })
		e.GET("/"+typ, func(c echo.Context) error { return h.search(c, typ) })
	}
	return &API{h: h}
}

// Write sends v as FHIR JSON, indented when _pretty=true.
func Write(c echo.Context, status int, v any) error {
	marshal := fj.MarshalCompact
	if p, _ := strconv.ParseBool(c.QueryParam("_pretty")); p {
		marshal = fj.Marshal
	}
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, MediaType+"; charset=utf-8", b)
}

func issue(code, expr, msg string) map[string]any {
	is := map[string]any{"severity": "error", "code": code, "diagnostics": msg}
	if expr != "" {
		is["expression"] = []any{expr}
	}
	return is
}

func outcome(issues ...any) map[string]any {
	return map[string]any{"resourceType": "OperationOutcome", "issue": issues}
}

// Fail answers an OperationOutcome with one error issue (code, the
// FHIRPath expression of the element at fault when expr is set, msg).
func Fail(c echo.Context, status int, code, expr, msg string) error {
	return Write(c, status, outcome(issue(code, expr, msg)))
}

// request is a parsed $apply Parameters body.
type request struct {
	subject, encounter, url string
	data                    map[string]any
	params                  map[string]any
	paramsText              string
}

type rawParam struct {
	Name           string          `json:"name"`
	Resource       json.RawMessage `json:"resource"`
	ValueString    *string         `json:"valueString"`
	ValueURI       *string         `json:"valueUri"`
	ValueCanonical *string         `json:"valueCanonical"`
	ValueReference *struct {
		Reference string `json:"reference"`
	} `json:"valueReference"`
}

func (p rawParam) text() string {
	switch {
	case p.ValueString != nil:
		return *p.ValueString
	case p.ValueURI != nil:
		return *p.ValueURI
	case p.ValueCanonical != nil:
		return *p.ValueCanonical
	case p.ValueReference != nil:
		return p.ValueReference.Reference
	}
	return ""
}

func parseBody(body []byte) (*request, error) {
	var doc struct {
		ResourceType string     `json:"resourceType"`
		Parameter    []rawParam `json:"parameter"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the body is not a JSON Parameters resource: %v", err)
	}
	if doc.ResourceType != "Parameters" {
		return nil, fmt.Errorf("the body must be a Parameters resource, got %q", doc.ResourceType)
	}
	r := &request{}
	for _, p := range doc.Parameter {
		switch p.Name {
		case "subject":
			r.subject = p.text()
		case "encounter":
			r.encounter = p.text()
		case "url", "canonical", "planDefinition":
			if p.Name != "planDefinition" || p.text() != "" {
				r.url = p.text()
			}
		case "data":
			if len(p.Resource) == 0 {
				return nil, errors.New("parameter data must carry a resource (the data-in Bundle)")
			}
			m, err := fj.DecodeObj(p.Resource)
			if err != nil {
				return nil, fmt.Errorf("parameter data: %v", err)
			}
			r.data = m
		case "parameters":
			if len(p.Resource) == 0 {
				return nil, errors.New("parameter parameters must carry a Parameters resource")
			}
			m, err := fj.DecodeObj(p.Resource)
			if err != nil {
				return nil, fmt.Errorf("parameter parameters: %v", err)
			}
			r.params, r.paramsText = m, compact(p.Resource)
		}
	}
	return r, nil
}

// compact is the parameters as they appeared, without insignificant
// whitespace.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func explainAsked(c echo.Context) bool {
	v := c.QueryParam("_explain")
	if v == "" {
		v = c.Request().Header.Get("X-CCG-Explain")
	}
	b, _ := strconv.ParseBool(v)
	return b
}

func identifier(r map[string]any) map[string]any {
	for _, id := range fj.Objs(r, "identifier") {
		return map[string]any{"system": fj.Str(id, "system"), "value": fj.Str(id, "value")}
	}
	return nil
}

func (h *handler) apply(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.cfg.Timeout)
	defer cancel()
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return Fail(c, http.StatusRequestEntityTooLarge, "too-costly", "", fmt.Sprintf("request body larger than %d bytes", mb.Limit))
		}
		return Fail(c, http.StatusBadRequest, "structure", "", err.Error())
	}
	status, resp, _, err := h.audited(ctx, c, c.Param("id"), body, explainAsked(c))
	if err != nil {
		return auditFailed(c, err, what(err))
	}
	return Write(c, status, resp)
}

// auditError is an audit record of a $apply that could not be written.
type auditError struct {
	what string
	err  error
}

func (e *auditError) Error() string { return "audit: cannot record " + e.what + ": " + e.err.Error() }
func (e *auditError) Unwrap() error { return e.err }

func what(err error) string {
	var ae *auditError
	if errors.As(err, &ae) {
		return ae.what
	}
	return "the submission"
}

// Apply runs $apply with body (a $apply Parameters resource) for
// PlanDefinition id ("" for the type level) on behalf of c's caller, with
// the audit trail of the HTTP operation: the submission is durable before
// anything is evaluated. status and resp are the HTTP answer (the Bundle,
// or an OperationOutcome); res is nil unless the engine ran. err is an
// audit failure: nothing was evaluated, or the response went unrecorded.
func (a *API) Apply(ctx context.Context, c echo.Context, id string, body []byte, explain bool) (status int, resp map[string]any, res *engine.ApplyResult, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.h.cfg.Timeout)
	defer cancel()
	return a.h.audited(ctx, c, id, body, explain)
}

func (h *handler) audited(ctx context.Context, c echo.Context, id string, body []byte, explain bool) (int, map[string]any, *engine.ApplyResult, error) {
	req, perr := decode(ctx, body)
	if req == nil {
		req = &request{}
	}
	subject := datain.NormalizeRef("Patient", req.subject)
	encounter := datain.NormalizeRef("Encounter", req.encounter)
	ev := &audit.Event{Kind: audit.KindSubmission, PlanDefinitionID: id, Parameters: req.paramsText, Body: audit.DigestOf(body),
		Source:    firstNonEmpty(c.Request().Header.Get("X-CCG-Performer"), c.Request().UserAgent(), "unknown performer"),
		Recipient: h.cfg.Software, Patient: subject}
	if h.cfg.Caller != nil {
		ev.Caller = h.cfg.Caller(c)
	}
	if id == "" {
		ev.PlanDefinitionID = req.url
	}
	if _, eid, ok := fj.SplitRef(encounter); ok {
		ev.EncounterID = eid
	}
	if req.data != nil {
		d := datain.Index(req.data)
		if p := d.Resolve(subject); p != nil {
			ev.PatientIdentifier = identifier(p)
		}
		if d.Practitioner != nil {
			ev.PractitionerIdentifier = identifier(d.Practitioner)
		}
	}
	// The submission is durable before anything is evaluated.
	if err := h.record(ctx, ev); err != nil {
		h.cfg.Logger.Error("audit: cannot record the submission", zap.Error(err))
		return 0, nil, nil, &auditError{"the submission", err}
	}
	status, resp, res := h.run(ctx, id, req, perr, explain)
	rev := *ev
	rev.Kind, rev.Parameters, rev.Body = audit.KindResponse, "", nil
	switch {
	case status >= 500:
		rev.Outcome = audit.OutcomeSerious
	case status >= 400:
		rev.Outcome = audit.OutcomeMinor
		rev.Detail = diagnostics(resp)
	case res != nil && len(res.Errors) > 0:
		rev.Outcome = audit.OutcomeMinor
	default:
		rev.Outcome = audit.OutcomeSuccess
	}
	if res != nil {
		for _, cr := range res.Cards {
			if cr.Fired && cr.Resource != "" {
				rev.Cards = append(rev.Cards, cr.Card)
				rev.Requests = append(rev.Requests, cr.Resource)
			}
		}
	}
	if err := h.record(context.WithoutCancel(ctx), &rev); err != nil {
		h.cfg.Logger.Error("audit: cannot record the response", zap.Error(err))
		return 0, nil, nil, &auditError{"the response", err}
	}
	return status, resp, res, nil
}

func diagnostics(oo map[string]any) string {
	var parts []string
	for _, is := range fj.Objs(oo, "issue") {
		parts = append(parts, fj.Str(is, "diagnostics"))
	}
	return strings.Join(parts, "; ")
}

func (h *handler) run(ctx context.Context, id string, req *request, perr error, explain bool) (int, map[string]any, *engine.ApplyResult) {
	if perr != nil {
		return http.StatusBadRequest, outcome(issue("structure", "Parameters", perr.Error())), nil
	}
	res, err := h.cfg.Engine.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: id, URL: req.url, Subject: req.subject, Encounter: req.encounter,
		Data: req.data, Parameters: req.params, Explain: explain})
	if err != nil {
		var re *engine.RequestError
		switch {
		case errors.As(err, &re):
			var issues []any
			for _, is := range re.Issues {
				issues = append(issues, issue(is.Code, is.Expression, is.Message))
			}
			return re.Status, outcome(issues...), nil
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			return http.StatusServiceUnavailable, outcome(issue("timeout", "", "the $apply did not finish in time")), nil
		case eval.IsLimit(err):
			return http.StatusUnprocessableEntity, outcome(issue("too-costly", "", err.Error())), nil
		}
		h.cfg.Logger.Error("$apply failed", zap.Error(err))
		return http.StatusInternalServerError, outcome(issue("exception", "", "internal error")), nil
	}
	return http.StatusOK, res.Bundle, res
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// parseDate reads a FHIR search date with an optional prefix into the
// range [from, to) it selects.
func parseDate(s string) (from, to time.Time, err error) {
	prefix := "eq"
	if len(s) > 2 && s[0] >= 'a' && s[0] <= 'z' {
		prefix, s = s[:2], s[2:]
	}
	layouts := []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Nanosecond) }},
	}
	for _, l := range layouts {
		t, e := time.Parse(l.layout, s)
		if e != nil {
			continue
		}
		lo, hi := t, l.next(t)
		switch prefix {
		case "eq":
			return lo, hi, nil
		case "ge", "sa":
			return lo, time.Time{}, nil
		case "gt":
			return hi, time.Time{}, nil
		case "le":
			return time.Time{}, hi, nil
		case "lt", "eb":
			return time.Time{}, lo, nil
		}
		return from, to, fmt.Errorf("unsupported date prefix %q", prefix)
	}
	return from, to, fmt.Errorf("%q is not a FHIR date", s)
}

func (h *handler) searchAudit(c echo.Context) error {
	if h.cfg.Audit == nil {
		return Fail(c, http.StatusNotFound, "not-supported", "", "auditing is not enabled")
	}
	q := audit.Query{}
	for key, vals := range c.QueryParams() {
		for _, v := range vals {
			switch key {
			case "patient", "subject", "entity":
				q.Patient = datain.NormalizeRef("Patient", v)
			case "date":
				from, to, err := parseDate(v)
				if err != nil {
					return Fail(c, http.StatusBadRequest, "value", "date", err.Error())
				}
				if !from.IsZero() && from.After(q.From) {
					q.From = from
				}
				if !to.IsZero() && (q.To.IsZero() || to.Before(q.To)) {
					q.To = to
				}
			case "outcome":
				q.Outcome = v
			case "subtype", "_kind":
				q.Kind = v
			case "_count":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return Fail(c, http.StatusBadRequest, "value", "_count", "_count must be a non-negative integer")
				}
				q.Count = min(n, maxAuditCount)
			case "_page":
				cur, err := decodeCursor(v)
				if err != nil {
					return Fail(c, http.StatusBadRequest, "value", "_page", err.Error())
				}
				q.After = cur
			default:
				return Fail(c, http.StatusBadRequest, "not-supported", key, "unsupported search parameter "+key)
			}
		}
	}
	if c.QueryParam("_count") == "" {
		q.Count = defaultAuditCount
	}
	ctx := c.Request().Context()
	total, err := h.cfg.Audit.Total(ctx, q)
	if err != nil {
		h.cfg.Logger.Error("audit count", zap.Error(err))
		return Fail(c, http.StatusInternalServerError, "exception", "", "audit search failed")
	}
	return streamBundle(c, total, q, func(page audit.Query, fn func(audit.Record, []byte) error) error {
		return h.cfg.Audit.Each(ctx, page, fn)
	}, h.cfg.Logger)
}

// streamBundle writes the searchset Bundle of an AuditEvent search entry
// by entry as the store reads them, so that no page is held in memory;
// the links follow the entries, since the next link is known only after
// the page's last entry. A store error after the first bytes were sent
// aborts the response (the client sees a broken body, not a short page).
func streamBundle(c echo.Context, total int, q audit.Query, each func(audit.Query, func(audit.Record, []byte) error) error, log *zap.Logger) error {
	pretty, _ := strconv.ParseBool(c.QueryParam("_pretty"))
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, MediaType+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","total":%d,"entry":[`, total)
	n := 0
	var last *audit.Record
	more := false
	var err error
	if q.Count > 0 {
		page := q
		page.Count++ // one more tells whether there is a next page
		err = each(page, func(r audit.Record, body []byte) error {
			if n == q.Count {
				more = true
				return nil
			}
			if n > 0 {
				w.Write([]byte{','})
			}
			n++
			last = &r
			id, _ := json.Marshal("AuditEvent/" + r.ID)
			fmt.Fprintf(w, `{"fullUrl":%s,"resource":`, id)
			if pretty {
				var b bytes.Buffer
				if json.Indent(&b, body, "", "  ") == nil {
					body = b.Bytes()
				}
			}
			w.Write(body)
			_, err := w.Write([]byte(`,"search":{"mode":"match"}}`))
			return err
		})
	}
	if err != nil {
		log.Error("audit search", zap.Error(err))
		panic(http.ErrAbortHandler)
	}
	links := []any{map[string]any{"relation": "self", "url": requestURL(c, nil)}}
	if more {
		next := requestURL(c, map[string]string{"_page": encodeCursor(audit.CursorOf(*last)), "_count": strconv.Itoa(q.Count)})
		links = append(links, map[string]any{"relation": "next", "url": next})
	}
	lb, _ := json.Marshal(links)
	fmt.Fprintf(w, `],"link":%s}`, lb)
	return nil
}

// Page sizes of GET /AuditEvent.
const (
	defaultAuditCount = 50
	maxAuditCount     = 1000
)

// encodeCursor makes the opaque _page token of a cursor: the recorded
// time in Unix nanoseconds and the id, base64url-encoded.
func encodeCursor(cur *audit.Cursor) string {
	raw := strconv.FormatInt(cur.Recorded.UnixNano(), 10) + "." + cur.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(tok string) (*audit.Cursor, error) {
	bad := errors.New("_page is not a page token of this server")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, bad
	}
	ns, id, ok := strings.Cut(string(raw), ".")
	if !ok || id == "" {
		return nil, bad
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return nil, bad
	}
	return &audit.Cursor{Recorded: time.Unix(0, n).UTC(), ID: id}, nil
}

// requestURL is the absolute URL of the request, as it was sent when set
// is empty, else with the query parameters in set replaced.
func requestURL(c echo.Context, set map[string]string) string {
	r := c.Request()
	u := url.URL{Scheme: c.Scheme(), Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	if len(set) > 0 {
		q := r.URL.Query()
		for k, v := range set {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func (h *handler) readAudit(c echo.Context) error {
	if h.cfg.Audit == nil {
		return Fail(c, http.StatusNotFound, "not-supported", "", "auditing is not enabled")
	}
	r, err := h.cfg.Audit.Get(c.Request().Context(), c.Param("id"))
	if errors.Is(err, audit.ErrNotFound) {
		return Fail(c, http.StatusNotFound, "not-found", "", "AuditEvent/"+c.Param("id")+" is not known")
	}
	if err != nil {
		return Fail(c, http.StatusInternalServerError, "exception", "", "audit read failed")
	}
	return Write(c, http.StatusOK, r.Resource)
}

func (h *handler) read(c echo.Context, typ string) error {
	r, ok := h.cfg.Engine.Resource(typ, c.Param("id"))
	if !ok {
		return Fail(c, http.StatusNotFound, "not-found", "", typ+"/"+c.Param("id")+" is not loaded")
	}
	return Write(c, http.StatusOK, r)
}

func (h *handler) search(c echo.Context, typ string) error {
	entries := []any{}
	if u := c.QueryParam("url"); u != "" {
		if r, ok := h.cfg.Engine.ByCanonical(u); ok && fj.Type(r) == typ {
			entries = append(entries, map[string]any{"fullUrl": typ + "/" + fj.ID(r), "resource": r, "search": map[string]any{"mode": "match"}})
		}
	} else {
		for _, p := range h.cfg.Engine.Packages() {
			for _, r := range p.OfType(typ) {
				entries = append(entries, map[string]any{"fullUrl": typ + "/" + fj.ID(r), "resource": r, "search": map[string]any{"mode": "match"}})
			}
		}
	}
	return Write(c, http.StatusOK, map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})
}

package measure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/httpapi"
)

// OperationURL is the canonical of the R4 OperationDefinition of
// Measure/$evaluate-measure.
const OperationURL = "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure"

// HTTPConfig configures the $evaluate-measure routes.
type HTTPConfig struct {
	// Packages returns the loaded packages, where Measures are looked up.
	Packages func() []*content.Package
	// MaxBodyBytes bounds a POST body (0: 16 MiB).
	MaxBodyBytes int64
	// Timeout bounds one evaluation (0: 60s).
	Timeout time.Duration
	// MaxBytes and MaxStringLen bound each CQL evaluation (0: defaults).
	MaxBytes, MaxStringLen int
	Logger                 *zap.Logger
}

// Mount adds the routes of Measure/$evaluate-measure to e:
//
//	GET|POST /Measure/{id}/$evaluate-measure
//	GET|POST /Measure/$evaluate-measure      (measure = id or canonical)
//
// with the parameters periodStart, periodEnd, subject (Patient/x or
// Group/x, a Group of the data), reportType (subject | subject-list |
// population), measure and, in a POST Parameters body, data (a Bundle).
// The server keeps no patient data: the subjects are the Patients of
// data. Errors are OperationOutcomes: an unknown Measure 404, a bad
// period, report type or subject 400, an unsupported parameter 400
// not-supported, a Measure or data the evaluation fails on 422.
func Mount(e *echo.Echo, cfg HTTPConfig) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	h := &handler{cfg: cfg}
	for _, path := range []string{"/Measure/:id/$evaluate-measure", "/Measure/$evaluate-measure"} {
		e.GET(path, h.evaluate)
		e.POST(path, h.evaluate)
	}
}

type handler struct{ cfg HTTPConfig }

// request holds the operation's parameters.
type request struct {
	params map[string]string
	data   []byte
}

// supported are the operation's parameters this server reads.
var supported = map[string]bool{"periodStart": true, "periodEnd": true, "subject": true, "reportType": true, "measure": true, "data": true}

func (h *handler) evaluate(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.cfg.Timeout)
	defer cancel()
	req := &request{params: map[string]string{}}
	for k, v := range c.QueryParams() {
		if strings.HasPrefix(k, "_") {
			continue // _format, _pretty
		}
		if k == "data" {
			return fail(c, errorf(http.StatusBadRequest, "not-supported", "data is a Bundle: give it in a POST Parameters body"))
		}
		if len(v) > 0 {
			req.params[k] = v[0]
		}
	}
	if c.Request().Method == http.MethodPost {
		if err := h.readBody(c, req); err != nil {
			return fail(c, err)
		}
	}
	for k := range req.params {
		if !supported[k] {
			return fail(c, errorf(http.StatusBadRequest, "not-supported", "parameter %s is not supported (supported: measure, periodStart, periodEnd, subject, reportType, data)", k))
		}
	}
	report, err := h.run(ctx, c.Param("id"), req)
	if err != nil {
		if ctx.Err() != nil {
			return fail(c, errorf(http.StatusServiceUnavailable, "timeout", "the evaluation did not finish in %s", h.cfg.Timeout))
		}
		if _, ok := IsError(err); !ok {
			h.cfg.Logger.Error("$evaluate-measure failed", zap.Error(err))
		}
		return fail(c, err)
	}
	return httpapi.Write(c, http.StatusOK, report)
}

// readBody reads a POST body: a Parameters resource (an empty body is no
// parameters).
func (h *handler) readBody(c echo.Context, req *request) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return errorf(http.StatusRequestEntityTooLarge, "too-costly", "request body larger than %d bytes", mb.Limit)
		}
		return errorf(http.StatusBadRequest, "structure", "%v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	p, err := fj.DecodeObj(body)
	if err != nil {
		return errorf(http.StatusBadRequest, "structure", "body: %v", err)
	}
	if fj.Type(p) != "Parameters" {
		return errorf(http.StatusBadRequest, "structure", "body: expected a Parameters resource, got %q", fj.Type(p))
	}
	for i, par := range fj.Objs(p, "parameter") {
		name := fj.Str(par, "name")
		if name == "data" {
			r := fj.Obj(par, "resource")
			if r == nil {
				return errorf(http.StatusBadRequest, "required", "Parameters.parameter[%d] (data): a Bundle resource is required", i)
			}
			if req.data, err = fj.MarshalCompact(r); err != nil {
				return errorf(http.StatusBadRequest, "structure", "data: %v", err)
			}
			continue
		}
		val := fj.Str(fj.Obj(par, "valueReference"), "reference")
		for k, v := range par {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "value") {
				val = s
			}
		}
		if val == "" && supported[name] {
			return errorf(http.StatusBadRequest, "required", "Parameters.parameter[%d] (%s): a value is required", i, name)
		}
		req.params[name] = val
	}
	return nil
}

func (h *handler) run(ctx context.Context, id string, req *request) (map[string]any, error) {
	ref := id
	if ref == "" {
		ref = req.params["measure"]
		if ref == "" {
			return nil, errorf(http.StatusBadRequest, "required", "the type-level $evaluate-measure needs measure (an id or canonical url)")
		}
	}
	m, err := Find(h.cfg.Packages(), ref)
	if err != nil {
		return nil, err
	}
	opts := Options{MaxBytes: h.cfg.MaxBytes, MaxStringLen: h.cfg.MaxStringLen}
	start, end := req.params["periodStart"], req.params["periodEnd"]
	switch {
	case start != "" && end != "":
		if opts.Period, err = ParsePeriod(start, end); err != nil {
			return nil, err
		}
	case start != "" || end != "":
		return nil, errorf(http.StatusBadRequest, "required", "give both periodStart and periodEnd, or neither (the measure's default period)")
	default:
		p, ok, err := m.DefaultPeriod(ctx)
		if err != nil {
			return nil, errorf(http.StatusUnprocessableEntity, "processing", "the measure's default period: %v", err)
		}
		if !ok {
			return nil, errorf(http.StatusBadRequest, "required", "periodStart and periodEnd are required: %s has no default Measurement Period or effectivePeriod", fj.Ref(m.Resource))
		}
		opts.Period = p
	}
	data := &Data{groups: map[string][]string{}}
	if req.data != nil {
		if data, err = ParseData(req.data); err != nil {
			return nil, err
		}
	}
	if err := Subjects(data, req.params["subject"], req.params["reportType"], &opts); err != nil {
		return nil, err
	}
	return m.Evaluate(ctx, data, opts)
}

// Subjects sets the subjects and report type of opts from the subject
// ("Patient/x", "x", "Group/g" or "") and reportType ("" for the
// default: individual for a Patient, else summary) of a request.
func Subjects(data *Data, subject, reportType string, opts *Options) error {
	opts.Type = Summary
	switch t, id, _ := fj.SplitRef(subject); {
	case subject == "":
	case t == "Group":
		ids, ok := data.GroupMembers(id)
		if !ok {
			return errorf(http.StatusBadRequest, "not-found", "subject %s is not a Group of the data", subject)
		}
		opts.Subjects, opts.Subject = ids, subject
		if opts.Subjects == nil {
			opts.Subjects = []string{}
		}
	case t == "Patient" || !strings.Contains(subject, "/"):
		if t == "" {
			id = subject
		}
		found := false
		for _, p := range data.Patients() {
			found = found || p == id
		}
		if !found {
			return errorf(http.StatusBadRequest, "not-found", "subject Patient/%s is not in the data", id)
		}
		opts.Subjects, opts.Subject, opts.Type = []string{id}, "Patient/"+id, Individual
	default:
		return errorf(http.StatusBadRequest, "value", "subject %q is not Patient/ID or Group/ID", subject)
	}
	if reportType != "" {
		t, err := ReportType(reportType)
		if err != nil {
			return err
		}
		opts.Type = t
	}
	if opts.Type == Individual && opts.Subjects == nil && len(data.Patients()) == 1 {
		opts.Subjects = data.Patients()
	}
	return nil
}

// fail answers err as an OperationOutcome.
func fail(c echo.Context, err error) error {
	status, code := http.StatusInternalServerError, "exception"
	if e, ok := IsError(err); ok {
		status, code = e.Status, e.Code
	}
	return httpapi.Fail(c, status, code, "", fmt.Sprint(err))
}

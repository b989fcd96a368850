package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/labstack/echo/v4"
)

// The inputs $cql and Library/$evaluate share (Using CQL with FHIR,
// OperationDefinitions cql-cql and cql-library-evaluate):
//
//	subject             0..1  string      "Patient/ID": evaluate in Patient context
//	parameters          0..1  Parameters  values for CQL parameters (a name given
//	                                      several times is a List)
//	useServerData       0..1  boolean     accepted; this server holds no patient data
//	data                0..1  Bundle      resources the retrieves read
//	prefetchData        0..*  parts key, descriptor, data (a Bundle)
//	dataEndpoint        0..1  Endpoint    a FHIR server the retrieves search
//	terminologyEndpoint 0..1  Endpoint    a FHIR terminology server
//	timestamp           0..1  dateTime    the evaluation's Now()
//
// $cql adds expression (1..1) and library (0..*, parts url and name: a
// library the expression may refer to by name). Library/$evaluate adds
// url or library (the Library resource) at type level, expression (0..*,
// names of definitions) and includePrivate.

// cqlRequest is a parsed $cql or Library/$evaluate request.
type cqlRequest struct {
	expression     string
	expressionPath string
	// expressions are the definition names of Library/$evaluate.
	expressions []string
	// libraries are the $cql library inputs.
	libraries []libraryInput
	// url and libraryRes are Library/$evaluate's library.
	url, urlPath           string
	libraryRes, libResPath string
	includePrivate         bool

	params []cqlParam
	// bundles are the data Bundle and the prefetchData bundles (JSON),
	// bundlePaths their FHIRPaths.
	bundles     []json.RawMessage
	bundlePaths []string
	// patientID is the subject's id ("" without subject).
	patientID   string
	subjectPath string
	dataEP      *endpoint
	termEP      *endpoint
	timestamp   time.Time
}

// libraryInput is one $cql library parameter.
type libraryInput struct {
	url, name, path string
}

// endpoint is a FHIR Endpoint input: its address and headers.
type endpoint struct {
	address string
	header  http.Header
	path    string
}

// usesFHIR reports whether the request needs the FHIR model.
func (r *cqlRequest) usesFHIR() bool {
	return len(r.bundles) > 0 || r.subjectPath != "" || r.dataEP != nil || r.termEP != nil || len(r.libraries) > 0
}

type opKind int

const (
	opCQL opKind = iota
	opEvaluate
)

// parseSubject checks a subject reference and returns the patient id.
func parseSubject(ref, path string) (string, error) {
	id, ok := strings.CutPrefix(ref, "Patient/")
	if !ok {
		return "", &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: path,
			Message: fmt.Sprintf("subject %q: only Patient subjects (Patient/ID) are supported", ref)}
	}
	if id == "" || strings.ContainsAny(id, "/ \t\n") {
		return "", badRequest("value", path, "subject %q is not a Patient/ID reference", ref)
	}
	return id, nil
}

// parseCQLQuery reads the query parameters of a GET request: the string
// inputs only (expression, subject, url; parameters and data need POST).
func parseCQLQuery(c echo.Context, op opKind) (*cqlRequest, error) {
	req := &cqlRequest{}
	for name, vals := range c.QueryParams() {
		switch {
		case name == "expression" && op == opCQL:
			if len(vals) != 1 {
				return nil, badRequest("invalid", "expression", "expression must be given exactly once")
			}
			req.expression, req.expressionPath = vals[0], "expression"
		case name == "expression":
			req.expressions = append(req.expressions, vals...)
		case name == "url" && op == opEvaluate:
			if len(vals) != 1 {
				return nil, badRequest("invalid", "url", "url must be given at most once")
			}
			req.url, req.urlPath = vals[0], "url"
		case strings.HasPrefix(name, "_"), name == "useServerData", name == "includePrivate" && op == opEvaluate:
			// _format, _pretty: FHIR general parameters
			if name == "includePrivate" {
				req.includePrivate = len(vals) > 0 && vals[0] == "true"
			}
		case name == "subject":
			if len(vals) != 1 {
				return nil, badRequest("invalid", "subject", "subject must be given at most once")
			}
			id, err := parseSubject(vals[0], "subject")
			if err != nil {
				return nil, err
			}
			req.patientID, req.subjectPath = id, "subject"
		case name == "parameters", name == "data", name == "library", name == "prefetchData", name == "dataEndpoint", name == "terminologyEndpoint":
			return nil, badRequest("not-supported", name, "%s can only be given in a POST body", name)
		default:
			return nil, unknownParam(name, name, op)
		}
	}
	return req, req.check(op, "expression")
}

func unknownParam(name, path string, op opKind) error {
	switch name {
	case "contentEndpoint", "artifactEndpointConfiguration":
		return &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: path,
			Message: fmt.Sprintf("parameter %q is not supported by this server: libraries come from the server's packages or the request", name)}
	}
	opName := "$cql"
	if op == opEvaluate {
		opName = "Library/$evaluate"
	}
	return badRequest("invalid", path, "unknown parameter %q for %s", name, opName)
}

// check validates the inputs that belong together.
func (r *cqlRequest) check(op opKind, missingPath string) error {
	if op == opCQL && (r.expressionPath == "" || strings.TrimSpace(r.expression) == "") {
		return badRequest("required", missingPath, "the expression parameter is required")
	}
	if r.subjectPath != "" && len(r.bundles) == 0 && r.dataEP == nil {
		return badRequest("required", r.subjectPath,
			"subject needs data: this server stores no patient data, so send the patient's resources as a Bundle in the data parameter, or a dataEndpoint")
	}
	if r.urlPath != "" && r.libResPath != "" {
		return badRequest("invalid", r.libResPath, "url and library are exclusive: give one")
	}
	return nil
}

// readParametersBody reads a POST body holding a Parameters resource.
func readParametersBody(c echo.Context) ([]rawParam, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || mt == FHIRMediaType || strings.HasSuffix(mt, "+json")) {
			return nil, &RequestError{Status: http.StatusUnsupportedMediaType, Code: "not-supported",
				Message: fmt.Sprintf("unsupported content type %q: send a FHIR Parameters resource as %s", ct, FHIRMediaType)}
		}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	return parseParameters(body, "Parameters")
}

// parseCQLBody reads the Parameters resource of a POST request.
func parseCQLBody(c echo.Context, op opKind) (*cqlRequest, error) {
	params, err := readParametersBody(c)
	if err != nil {
		return nil, err
	}
	req := &cqlRequest{}
	once := map[string]bool{}
	for _, p := range params {
		switch p.name {
		case "expression", "subject", "parameters", "data", "dataEndpoint", "terminologyEndpoint", "timestamp", "url", "useServerData", "includePrivate":
			if (p.name != "expression" || op == opCQL) && once[p.name] {
				return nil, badRequest("invalid", p.path, "%s must be given at most once", p.name)
			}
			once[p.name] = true
		case "library":
			if op == opEvaluate {
				if once[p.name] {
					return nil, badRequest("invalid", p.path, "library must be given at most once")
				}
				once[p.name] = true
			}
		}
		switch {
		case p.name == "expression":
			s, err := valueString(p, "expression must be a valueString")
			if err != nil {
				return nil, err
			}
			if op == opCQL {
				req.expression, req.expressionPath = s, p.path+".valueString"
			} else {
				req.expressions = append(req.expressions, s)
			}
		case p.name == "parameters":
			if p.resource == nil {
				return nil, badRequest("invalid", p.path, "parameters must hold a Parameters resource in 'resource'")
			}
			inner, err := parseParameters(p.resource, p.path+".resource")
			if err != nil {
				return nil, err
			}
			if req.params, err = cqlParams(inner); err != nil {
				return nil, err
			}
		case p.name == "data":
			if p.resource == nil {
				return nil, badRequest("invalid", p.path, "data must hold a Bundle in 'resource'")
			}
			req.bundles = append(req.bundles, p.resource)
			req.bundlePaths = append(req.bundlePaths, p.path+".resource")
		case p.name == "prefetchData":
			for _, part := range p.parts {
				switch part.name {
				case "key", "descriptor":
				case "data":
					if part.resource == nil {
						return nil, badRequest("invalid", part.path, "prefetchData.data must hold a Bundle in 'resource'")
					}
					req.bundles = append(req.bundles, part.resource)
					req.bundlePaths = append(req.bundlePaths, part.path+".resource")
				default:
					return nil, badRequest("invalid", part.path, "unknown part %q of prefetchData (key, descriptor, data)", part.name)
				}
			}
		case p.name == "subject":
			ref, err := valueString(p, "subject must be a valueString (Patient/ID)")
			if err != nil {
				return nil, err
			}
			id, err := parseSubject(ref, p.path+".valueString")
			if err != nil {
				return nil, err
			}
			req.patientID, req.subjectPath = id, p.path+".valueString"
		case p.name == "useServerData", p.name == "includePrivate" && op == opEvaluate:
			var b bool
			if p.valueKey != "valueBoolean" || json.Unmarshal(p.value, &b) != nil {
				return nil, badRequest("invalid", p.path, "%s must be a valueBoolean", p.name)
			}
			if p.name == "includePrivate" {
				req.includePrivate = b
			}
		case p.name == "timestamp":
			s, err := stringValue(p, "valueDateTime", "valueInstant")
			if err != nil {
				return nil, err
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, badRequest("value", p.path, "timestamp %q is not a dateTime with a time and an offset", s)
			}
			req.timestamp = t
		case p.name == "dataEndpoint", p.name == "terminologyEndpoint":
			ep, err := parseEndpoint(p)
			if err != nil {
				return nil, err
			}
			if p.name == "dataEndpoint" {
				req.dataEP = ep
			} else {
				req.termEP = ep
			}
		case p.name == "library" && op == opCQL:
			li := libraryInput{path: p.path}
			for _, part := range p.parts {
				switch part.name {
				case "url":
					s, err := stringValue(part, "valueCanonical", "valueUri", "valueUrl", "valueString")
					if err != nil {
						return nil, err
					}
					li.url = s
				case "name":
					s, err := valueString(part, "library.name must be a valueString")
					if err != nil {
						return nil, err
					}
					li.name = s
				default:
					return nil, badRequest("invalid", part.path, "unknown part %q of library (url, name)", part.name)
				}
			}
			if li.url == "" {
				return nil, badRequest("required", p.path, "library needs a url part (the library's canonical url, optionally with |version)")
			}
			req.libraries = append(req.libraries, li)
		case p.name == "library":
			if p.resource == nil {
				return nil, badRequest("invalid", p.path, "library must hold a Library resource in 'resource'")
			}
			req.libraryRes, req.libResPath = string(p.resource), p.path+".resource"
		case p.name == "url" && op == opEvaluate:
			s, err := stringValue(p, "valueCanonical", "valueUri", "valueUrl", "valueString")
			if err != nil {
				return nil, err
			}
			req.url, req.urlPath = s, p.path
		default:
			return nil, unknownParam(p.name, p.path, op)
		}
	}
	return req, req.check(op, "Parameters")
}

// stringValue returns a string-typed value[x] of one of the given kinds.
func stringValue(p rawParam, kinds ...string) (string, error) {
	for _, k := range kinds {
		if p.valueKey == k {
			var s string
			if err := json.Unmarshal(p.value, &s); err != nil {
				return "", badRequest("invalid", p.path, "%s: %v", p.name, err)
			}
			return s, nil
		}
	}
	return "", badRequest("invalid", p.path, "%s must be one of %s", p.name, strings.Join(kinds, ", "))
}

// parseEndpoint reads an Endpoint input: resource.address (an http(s)
// URL) and resource.header ("Name: value" strings, sent with every
// request, e.g. "Authorization: Bearer ...").
func parseEndpoint(p rawParam) (*endpoint, error) {
	path := p.path + ".resource"
	if p.resource == nil {
		return nil, badRequest("invalid", p.path, "%s must hold an Endpoint resource in 'resource'", p.name)
	}
	var ep struct {
		ResourceType string   `json:"resourceType"`
		Address      string   `json:"address"`
		Header       []string `json:"header"`
	}
	if err := json.Unmarshal(p.resource, &ep); err != nil || ep.ResourceType != "Endpoint" {
		return nil, badRequest("structure", path, "%s must be an Endpoint resource", p.name)
	}
	u, err := url.Parse(ep.Address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, badRequest("value", path+".address", "%s address %q is not an http(s) URL", p.name, ep.Address)
	}
	out := &endpoint{address: ep.Address, header: http.Header{}, path: path}
	for i, h := range ep.Header {
		name, val, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(h, "\r\n") {
			return nil, badRequest("value", fmt.Sprintf("%s.header[%d]", path, i), "header %q is not \"Name: value\"", h)
		}
		out.header.Add(strings.TrimSpace(name), strings.TrimSpace(val))
	}
	return out, nil
}

// endpointClient is the HTTP client for data and terminology endpoints.
var endpointClient = &http.Client{Timeout: 30 * time.Second}

// evalSetup turns a request's data inputs into evaluation options.
func (s *Server) evalSetup(req *cqlRequest) (cql.EvalOptions, error) {
	opts := cql.EvalOptions{Now: s.cfg.Now()}
	s.evalLimits(&opts)
	if !req.timestamp.IsZero() {
		opts.Now = req.timestamp
	}
	var terms fhir.Terminology
	if req.termEP != nil {
		rt := fhir.NewRemoteTerminology(req.termEP.address, endpointClient)
		rt.Header = req.termEP.header
		terms = rt
		opts.Terminology = rt
	}
	var retrievers []cql.Retriever
	if len(req.bundles) > 0 {
		m := fhir.R4()
		var roots []*fhir.Node
		for i, b := range req.bundles {
			n, err := m.ParseResource(b)
			if err != nil {
				return opts, badRequest("value", req.bundlePaths[i], "data: %v", err)
			}
			roots = append(roots, n)
		}
		r, err := fhir.NewBundleRetrieverFromNodes(roots, fhir.BundleOptions{PatientID: req.patientID, Terminology: terms})
		if err != nil {
			return opts, badRequest("value", req.bundlePaths[0], "data: %v", err)
		}
		retrievers = append(retrievers, r)
	}
	if req.dataEP != nil {
		retrievers = append(retrievers, &endpointRetriever{path: req.dataEP.path, address: req.dataEP.address,
			r: fhir.NewRESTRetriever(fhir.RESTOptions{BaseURL: req.dataEP.address, Client: endpointClient,
				Header: req.dataEP.header, PatientID: req.patientID, Terminology: terms})})
	}
	switch len(retrievers) {
	case 0:
	case 1:
		opts.Retriever = retrievers[0]
	default:
		opts.Retriever = chainRetriever(retrievers)
	}
	return opts, nil
}

// endpointRetriever is the dataEndpoint's retriever: a failure to reach
// the endpoint is the client's input error (400), not an evaluation error.
type endpointRetriever struct {
	path, address string
	r             *fhir.RESTRetriever
}

func (e *endpointRetriever) Retrieve(ctx context.Context, dt *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	return e.RetrieveRequest(ctx, cql.RetrieveRequest{DataType: dt, CodePath: codePath, Codes: codes})
}

func (e *endpointRetriever) RetrieveRequest(ctx context.Context, req cql.RetrieveRequest) ([]value.Value, error) {
	vs, err := e.r.RetrieveRequest(ctx, req)
	if err != nil && ctx.Err() == nil {
		return nil, &RequestError{Status: http.StatusBadRequest, Code: "not-found", Expression: e.path,
			Message: fmt.Sprintf("dataEndpoint %s: %v", e.address, err)}
	}
	return vs, err
}

// chainRetriever answers a retrieve with the results of every retriever,
// in order (the data bundles, then the dataEndpoint).
type chainRetriever []cql.Retriever

func (c chainRetriever) Retrieve(ctx context.Context, dt *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	return c.RetrieveRequest(ctx, cql.RetrieveRequest{DataType: dt, CodePath: codePath, Codes: codes})
}

func (c chainRetriever) RetrieveRequest(ctx context.Context, req cql.RetrieveRequest) ([]value.Value, error) {
	var out []value.Value
	for _, r := range c {
		var vs []value.Value
		var err error
		if rr, ok := r.(cql.RequestRetriever); ok {
			vs, err = rr.RetrieveRequest(ctx, req)
		} else {
			vs, err = r.Retrieve(ctx, req.DataType, req.CodePath, req.Codes)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func (s *Server) handleCQL(c echo.Context) error {
	var req *cqlRequest
	var err error
	if c.Request().Method == http.MethodGet {
		req, err = parseCQLQuery(c, opCQL)
	} else {
		req, err = parseCQLBody(c, opCQL)
	}
	if err != nil {
		return err
	}
	env := s.env
	if req.usesFHIR() {
		env = s.fhirEnv
	}
	includes, terms, err := s.resolveIncludes(req.libraries)
	if err != nil {
		return err
	}
	opts, err := s.evalSetup(req)
	if err != nil {
		return err
	}
	if opts.Terminology == nil && terms != nil {
		opts.Terminology = terms
	}
	if err := s.checkSource(req.expression); err != nil {
		return err
	}
	src, offset := wrapExpression(req.expression, req.params, includes, req.usesFHIR(), req.subjectPath != "")
	span := exprSpan(req.expression)
	opts.Parameters = make(map[string]value.Value, len(req.params))
	for _, p := range req.params {
		opts.Parameters[p.name] = p.val
	}

	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.EvalTimeout)
	defer cancel()
	var result value.Value
	var resultType types.Type
	var msgs []cql.Message
	err = guard(ctx, func() error {
		key := src
		for _, in := range includes {
			key += "\x00" + in.src
		}
		comp, err := s.compileCached(ctx, key, func(ctx context.Context) *compiled {
			lib, errs := env.CompileContext(ctx, cqlLibraryName, src)
			return &compiled{lib: lib, errs: errs}
		})
		if err != nil {
			return err
		}
		if len(comp.errs) > 0 {
			return &CompileError{Errors: shiftErrors(comp.errs, offset, span), Expression: req.expressionPath}
		}
		if comp.lib == nil {
			return fmt.Errorf("compile returned no library and no errors")
		}
		col := newMessageCollector(func(m *cql.Message) {
			if m.Library == "" || m.Library == cqlLibraryName {
				m.Library = cqlLibraryName
				m.Line, m.Col = shiftPos(m.Line, m.Col, offset, span)
			}
		})
		opts.OnMessage = col.add
		v, err := comp.lib.Eval(ctx, cqlDefineName, opts)
		if err != nil {
			return shiftEvalError(err, offset, span)
		}
		result = v
		resultType, _ = comp.lib.ResultType(cqlDefineName)
		msgs = col.done()
		return nil
	})
	if err != nil {
		return err
	}
	out := Parameters{Parameter: valueParameters("return", result, resultType)}
	if p, ok := messagesParameter(msgs, req.expressionPath); ok {
		out.Parameter = append(out.Parameter, p)
	}
	return writeFHIR(c, http.StatusOK, out)
}

// messageCollector gathers the messages of one evaluation, at most
// maxCQLMessages of them.
type messageCollector struct {
	fix     func(*cql.Message)
	got     []cql.Message
	dropped int
}

func newMessageCollector(fix func(*cql.Message)) *messageCollector {
	return &messageCollector{fix: fix}
}

func (m *messageCollector) add(msg cql.Message) {
	if len(m.got) >= maxCQLMessages {
		m.dropped++
		return
	}
	if m.fix != nil {
		m.fix(&msg)
	}
	m.got = append(m.got, msg)
}

func (m *messageCollector) done() []cql.Message {
	if m.dropped > 0 {
		m.got = append(m.got, cql.Message{Severity: "Message", Code: "ccg-messages-dropped",
			Text: fmt.Sprintf("%d more messages were not returned (at most %d are)", m.dropped, maxCQLMessages)})
	}
	return m.got
}

// maxCQLMessages bounds the Message operator messages one answer returns.
const maxCQLMessages = 100

// messagesParameterName is the output parameter of Message operator
// messages (the OperationDefinitions' _messages).
const messagesParameterName = "_messages"

// messagesParameter renders the messages of Message calls (severities
// Trace, Message and Warning) as the "_messages" parameter: an
// OperationOutcome with one issue per message, severity warning for
// Warning and information otherwise, code informational, diagnostics
// "lib:line:col: Severity: code: message" and the position as location.
// ok is false when there are no messages.
func messagesParameter(msgs []cql.Message, expression string) (Parameter, bool) {
	if len(msgs) == 0 {
		return Parameter{}, false
	}
	var oo OperationOutcome
	for _, m := range msgs {
		sev := "information"
		if strings.EqualFold(strings.TrimSpace(m.Severity), "warning") {
			sev = "warning"
		}
		diag := fmt.Sprintf("%s: %s: %s", m.Severity, m.Code, m.Text)
		if m.Line > 0 {
			diag = fmt.Sprintf("%s:%d:%d: %s", libName(m.Library), m.Line, m.Col, diag)
		}
		is := Issue{Severity: sev, Code: "informational", Diagnostics: diag}
		if m.Library == cqlLibraryName {
			is.Location = location(m.Line, m.Col)
			if expression != "" && m.Line > 0 {
				is.Expression = []string{expression}
			}
		}
		oo.Issue = append(oo.Issue, is)
	}
	b, err := json.Marshal(oo)
	if err != nil {
		return Parameter{}, false
	}
	return Parameter{Name: messagesParameterName, Resource: b}, true
}

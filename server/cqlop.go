package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/labstack/echo/v4"
)

// The $cql operation (Using CQL with FHIR, OperationDefinition cql-cql):
// evaluates one CQL expression and answers a Parameters resource with a
// single "return" parameter.
//
// Inputs (a Parameters body on POST, query parameters on GET):
//
//	expression  1..1  string      the CQL expression (not a library)
//	parameters  0..1  Parameters  values for the expression's parameters;
//	                              each is declared in CQL with the type of
//	                              its FHIR value; a name given several times
//	                              is a List (POST only)
//	data        0..1  Bundle      FHIR R4 resources the expression's
//	                              retrieves read (POST only)
//	subject     0..1  string      "Patient/ID": evaluate in Patient context
//	                              for that patient of data
//	useServerData 0..1 boolean    accepted and ignored (there is no server data)
//
// With data or subject the expression is compiled with the FHIR R4 model
// and FHIRHelpers 4.0.1. library, prefetchData and the endpoints are
// answered with 400 not-supported.

// cqlLibraryName is the name the expression's wrapper library compiles
// under; compile errors are reported as "expression:line:col: message".
const cqlLibraryName = "expression"

// cqlDefineName is the definition holding the expression; a name no
// client parameter is likely to take.
const cqlDefineName = "ccg $cql expression"

// cqlParam is one CQL parameter for the expression.
type cqlParam struct {
	name string
	typ  string // CQL type specifier
	val  value.Value
}

// cqlRequest is a parsed $cql request.
type cqlRequest struct {
	expression     string
	expressionPath string
	params         []cqlParam
	paramsPath     string
	// data is the data Bundle (JSON) and dataPath its FHIRPath.
	data     json.RawMessage
	dataPath string
	// patientID is the subject's id ("" without subject).
	patientID   string
	subjectPath string
}

// usesFHIR reports whether the expression is compiled with the FHIR model.
func (r *cqlRequest) usesFHIR() bool { return r.data != nil || r.subjectPath != "" }

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

func (s *Server) handleCQL(c echo.Context) error {
	var req *cqlRequest
	var err error
	if c.Request().Method == http.MethodGet {
		req, err = parseCQLQuery(c)
	} else {
		req, err = parseCQLBody(c)
	}
	if err != nil {
		return err
	}
	if req.subjectPath != "" && req.data == nil {
		return badRequest("required", req.subjectPath,
			"subject needs data: this server has no stored patient data, so send the patient's resources as a Bundle in the data parameter")
	}
	env := s.env
	var opts cql.EvalOptions
	if req.usesFHIR() {
		env = s.fhirEnv
		if req.data != nil {
			r, err := fhir.NewBundleRetriever(req.data, fhir.BundleOptions{PatientID: req.patientID})
			if err != nil {
				return badRequest("value", req.dataPath, "data: %v", err)
			}
			opts.Retriever = r
		}
	}
	src, offset := wrapExpression(req.expression, req.params, req.usesFHIR(), req.subjectPath != "")
	if err := s.checkSource(req.expression); err != nil {
		return err
	}
	span := exprSpan(req.expression)
	vals := make(map[string]value.Value, len(req.params))
	for _, p := range req.params {
		vals[p.name] = p.val
	}

	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.EvalTimeout)
	defer cancel()
	var result value.Value
	var msgs []cql.Message
	err = guard(ctx, func() error {
		lib, errs, err := s.compileCached(ctx, env, src)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return &CompileError{Errors: shiftErrors(errs, offset, span), Expression: req.expressionPath}
		}
		if lib == nil {
			return fmt.Errorf("compile returned no library and no errors")
		}
		opts.Now = s.cfg.Now()
		opts.Parameters = vals
		s.evalLimits(&opts)
		var got []cql.Message
		dropped := 0
		opts.OnMessage = func(m cql.Message) {
			if len(got) >= maxCQLMessages {
				dropped++
				return
			}
			if m.Library == "" || m.Library == cqlLibraryName {
				m.Library = cqlLibraryName
				m.Line, m.Col = shiftPos(m.Line, m.Col, offset, span)
			}
			got = append(got, m)
		}
		v, err := lib.Eval(ctx, cqlDefineName, opts)
		if err != nil {
			return shiftEvalError(err, offset, span)
		}
		result = v
		if dropped > 0 {
			got = append(got, cql.Message{Severity: "Message", Code: "ccg-messages-dropped",
				Text: fmt.Sprintf("%d more messages were not returned (at most %d are)", dropped, maxCQLMessages)})
		}
		msgs = got
		return nil
	})
	if err != nil {
		return err
	}
	out := Parameters{Parameter: []Parameter{returnParameter(result)}}
	if p, ok := messagesParameter(msgs, req.expressionPath); ok {
		out.Parameter = append(out.Parameter, p)
	}
	return writeFHIR(c, http.StatusOK, out)
}

// maxCQLMessages bounds the Message operator messages one $cql answer
// returns.
const maxCQLMessages = 100

// messagesParameter renders the messages of Message calls (severities
// Trace, Message and Warning) as the "messages" parameter: an
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
	return Parameter{Name: "messages", Resource: b}, true
}

// parseCQLQuery reads GET /$cql?expression=...
func parseCQLQuery(c echo.Context) (*cqlRequest, error) {
	req := &cqlRequest{expressionPath: "expression"}
	q := c.QueryParams()
	for name, vals := range q {
		switch {
		case name == "expression":
			if len(vals) != 1 {
				return nil, badRequest("invalid", "expression", "expression must be given exactly once")
			}
			req.expression = vals[0]
		case strings.HasPrefix(name, "_"), name == "useServerData": // _format, _pretty: FHIR general parameters
		case name == "subject":
			if len(vals) != 1 {
				return nil, badRequest("invalid", "subject", "subject must be given at most once")
			}
			id, err := parseSubject(vals[0], "subject")
			if err != nil {
				return nil, err
			}
			req.patientID, req.subjectPath = id, "subject"
		case name == "parameters", name == "data":
			return nil, badRequest("not-supported", name, "%s can only be given in a POST body", name)
		case isUnsupportedCQLParam(name):
			return nil, unsupportedParam(name, name)
		default:
			return nil, badRequest("invalid", name, "unknown parameter %q for $cql", name)
		}
	}
	if strings.TrimSpace(req.expression) == "" {
		return nil, badRequest("required", "expression", "the expression parameter is required")
	}
	return req, nil
}

// parseCQLBody reads a Parameters resource from the POST body.
func parseCQLBody(c echo.Context) (*cqlRequest, error) {
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
	params, err := parseParameters(body, "Parameters")
	if err != nil {
		return nil, err
	}
	req := &cqlRequest{}
	for _, p := range params {
		switch p.name {
		case "expression":
			if req.expressionPath != "" {
				return nil, badRequest("invalid", p.path, "expression must be given exactly once")
			}
			s, err := valueString(p, "expression must be a valueString")
			if err != nil {
				return nil, err
			}
			req.expression = s
			req.expressionPath = p.path + ".valueString"
		case "parameters":
			if req.paramsPath != "" {
				return nil, badRequest("invalid", p.path, "parameters must be given at most once")
			}
			if p.resource == nil {
				return nil, badRequest("invalid", p.path, "parameters must hold a Parameters resource in 'resource'")
			}
			req.paramsPath = p.path + ".resource"
			inner, err := parseParameters(p.resource, req.paramsPath)
			if err != nil {
				return nil, err
			}
			if req.params, err = cqlParams(inner); err != nil {
				return nil, err
			}
		case "data":
			if req.dataPath != "" {
				return nil, badRequest("invalid", p.path, "data must be given at most once")
			}
			if p.resource == nil {
				return nil, badRequest("invalid", p.path, "data must hold a Bundle in 'resource'")
			}
			req.data, req.dataPath = p.resource, p.path+".resource"
		case "subject":
			if req.subjectPath != "" {
				return nil, badRequest("invalid", p.path, "subject must be given at most once")
			}
			ref, err := valueString(p, "subject must be a valueString (Patient/ID)")
			if err != nil {
				return nil, err
			}
			id, err := parseSubject(ref, p.path+".valueString")
			if err != nil {
				return nil, err
			}
			req.patientID, req.subjectPath = id, p.path+".valueString"
		case "useServerData":
			if p.valueKey != "valueBoolean" {
				return nil, badRequest("invalid", p.path, "useServerData must be a valueBoolean")
			}
		default:
			if isUnsupportedCQLParam(p.name) {
				return nil, unsupportedParam(p.name, p.path)
			}
			return nil, badRequest("invalid", p.path, "unknown parameter %q for $cql", p.name)
		}
	}
	if req.expressionPath == "" || strings.TrimSpace(req.expression) == "" {
		return nil, badRequest("required", "Parameters", "the expression parameter is required")
	}
	return req, nil
}

// valueString returns the valueString of p; notString is the error message
// when p has another kind of value.
func valueString(p rawParam, notString string) (string, error) {
	if p.valueKey != "valueString" {
		return "", badRequest("invalid", p.path, "%s", notString)
	}
	var s string
	if err := json.Unmarshal(p.value, &s); err != nil {
		return "", badRequest("invalid", p.path, "%s: %v", p.name, err)
	}
	return s, nil
}

func isUnsupportedCQLParam(name string) bool {
	switch name {
	case "library", "prefetchData", "dataEndpoint", "contentEndpoint", "terminologyEndpoint":
		return true
	}
	return false
}

func unsupportedParam(name, path string) error {
	return &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: path,
		Message: fmt.Sprintf("$cql parameter %q is not supported by this server (send data as a Bundle in the data parameter; libraries cannot be referenced yet)", name)}
}

// rawParam is one Parameters.parameter before interpretation.
type rawParam struct {
	path     string // FHIRPath of the parameter, e.g. Parameters.parameter[1]
	name     string
	valueKey string // "valueString", ... or "" when there is no value[x]
	value    json.RawMessage
	resource json.RawMessage
	hasPart  bool
}

// parseParameters decodes a Parameters resource into its parameters.
func parseParameters(body []byte, path string) ([]rawParam, error) {
	var res struct {
		ResourceType string            `json:"resourceType"`
		Parameter    []json.RawMessage `json:"parameter"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&res); err != nil {
		return nil, badRequest("structure", path, "the body is not a JSON Parameters resource: %v", err)
	}
	if dec.More() {
		return nil, badRequest("structure", path, "unexpected data after the Parameters resource")
	}
	if res.ResourceType != "Parameters" {
		return nil, badRequest("structure", path, "expected resourceType Parameters, got %q", res.ResourceType)
	}
	out := make([]rawParam, 0, len(res.Parameter))
	for i, raw := range res.Parameter {
		p := rawParam{path: fmt.Sprintf("%s.parameter[%d]", path, i)}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, badRequest("structure", p.path, "parameter is not a JSON object: %v", err)
		}
		nameRaw, ok := fields["name"]
		if !ok || json.Unmarshal(nameRaw, &p.name) != nil || p.name == "" {
			return nil, badRequest("required", p.path, "parameter without a name")
		}
		for k, v := range fields {
			switch {
			case strings.HasPrefix(k, "value") && len(k) > len("value"):
				if p.valueKey != "" {
					return nil, badRequest("structure", p.path, "parameter %q has more than one value[x]", p.name)
				}
				p.valueKey, p.value = k, v
			case k == "resource":
				p.resource = v
			case k == "part":
				p.hasPart = true
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// cqlParams turns the parameters of the "parameters" input into CQL
// parameters. A name given several times becomes a List.
func cqlParams(raw []rawParam) ([]cqlParam, error) {
	var out []cqlParam
	index := map[string]int{}
	counts := map[string]int{}
	for _, p := range raw {
		counts[p.name]++
	}
	for _, p := range raw {
		if err := checkParamName(p); err != nil {
			return nil, err
		}
		v, typ, err := fhirToCQL(p)
		if err != nil {
			return nil, err
		}
		if counts[p.name] == 1 {
			out = append(out, cqlParam{name: p.name, typ: typ, val: v})
			continue
		}
		i, seen := index[p.name]
		if !seen {
			index[p.name] = len(out)
			out = append(out, cqlParam{name: p.name, typ: "List<" + typ + ">",
				val: value.List{ElemType: v.Type(), Elems: []value.Value{v}}})
			continue
		}
		l := out[i].val.(value.List)
		if out[i].typ != "List<"+typ+">" {
			return nil, badRequest("invalid", p.path, "parameter %q is given with different types", p.name)
		}
		l.Elems = append(l.Elems, v)
		out[i].val = l
	}
	return out, nil
}

func checkParamName(p rawParam) error {
	for _, r := range p.name {
		if unicode.IsControl(r) {
			return badRequest("invalid", p.path, "parameter name %q has a control character", p.name)
		}
	}
	return nil
}

// fhirToCQL converts a parameter's FHIR value to a CQL value and the CQL
// type specifier to declare it with.
func fhirToCQL(p rawParam) (value.Value, string, error) {
	bad := func(format string, args ...any) error {
		return badRequest("value", p.path+"."+p.valueKey, "parameter %q: "+format, append([]any{p.name}, args...)...)
	}
	if p.valueKey == "" {
		if p.resource != nil || p.hasPart {
			return nil, "", &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: p.path,
				Message: fmt.Sprintf("parameter %q: only value[x] parameters are supported", p.name)}
		}
		return nil, "", badRequest("required", p.path, "parameter %q has no value", p.name)
	}
	str := func() (string, error) {
		var s string
		if err := json.Unmarshal(p.value, &s); err != nil {
			return "", bad("expected a JSON string")
		}
		return s, nil
	}
	switch p.valueKey {
	case "valueBoolean":
		var b bool
		if err := json.Unmarshal(p.value, &b); err != nil {
			return nil, "", bad("expected true or false")
		}
		return value.Boolean(b), "Boolean", nil
	case "valueInteger", "valuePositiveInt", "valueUnsignedInt":
		n, err := strconv.ParseInt(string(p.value), 10, 32)
		if err != nil {
			return nil, "", bad("expected a 32-bit integer")
		}
		return value.Integer(n), "Integer", nil
	case "valueDecimal":
		d, err := decimalFromJSON(p.value)
		if err != nil {
			return nil, "", bad("%v", err)
		}
		return d, "Decimal", nil
	case "valueString", "valueCode", "valueId", "valueUri", "valueUrl", "valueCanonical", "valueMarkdown", "valueOid", "valueUuid":
		s, err := str()
		if err != nil {
			return nil, "", err
		}
		return value.String(s), "String", nil
	case "valueDate":
		s, err := str()
		if err != nil {
			return nil, "", err
		}
		d, err := value.ParseDate(s)
		if err != nil {
			return nil, "", bad("invalid date %q: %v", s, err)
		}
		return d, "Date", nil
	case "valueDateTime", "valueInstant":
		s, err := str()
		if err != nil {
			return nil, "", err
		}
		dt, err := value.ParseDateTime(s)
		if err != nil {
			return nil, "", bad("invalid dateTime %q: %v", s, err)
		}
		return dt, "DateTime", nil
	case "valueTime":
		s, err := str()
		if err != nil {
			return nil, "", err
		}
		t, err := value.ParseTime(s)
		if err != nil {
			return nil, "", bad("invalid time %q: %v", s, err)
		}
		return t, "Time", nil
	case "valueQuantity":
		var q struct {
			Value  json.RawMessage `json:"value"`
			Unit   string          `json:"unit"`
			System string          `json:"system"`
			Code   string          `json:"code"`
		}
		if err := json.Unmarshal(p.value, &q); err != nil || q.Value == nil {
			return nil, "", bad("expected a Quantity with a value")
		}
		d, err := decimalFromJSON(q.Value)
		if err != nil {
			return nil, "", bad("%v", err)
		}
		unit := q.Code
		if unit == "" {
			unit = q.Unit
		}
		if unit == "" {
			unit = "1"
		}
		return value.Quantity{Value: d, Unit: unit}, "Quantity", nil
	case "valueCoding":
		var cd Coding
		if err := json.Unmarshal(p.value, &cd); err != nil {
			return nil, "", bad("expected a Coding")
		}
		return value.Code{Code: cd.Code, System: cd.System, Version: cd.Version, Display: cd.Display}, "Code", nil
	case "valueCodeableConcept":
		var cc CodeableConcept
		if err := json.Unmarshal(p.value, &cc); err != nil {
			return nil, "", bad("expected a CodeableConcept")
		}
		con := value.Concept{Display: cc.Text}
		for _, cd := range cc.Coding {
			con.Codes = append(con.Codes, value.Code{Code: cd.Code, System: cd.System, Version: cd.Version, Display: cd.Display})
		}
		return con, "Concept", nil
	}
	return nil, "", &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: p.path + "." + p.valueKey,
		Message: fmt.Sprintf("parameter %q: %s values are not supported", p.name, p.valueKey)}
}

func decimalFromJSON(raw json.RawMessage) (value.Decimal, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) || !json.Valid([]byte(s)) {
		return value.Decimal{}, fmt.Errorf("expected a JSON number")
	}
	return value.NewDecimal(s)
}

// wrapExpression builds the library the expression is compiled in and
// returns it with the number of lines before the expression. With useFHIR
// the library uses the FHIR R4 model and FHIRHelpers; with patient it is
// in Patient context.
func wrapExpression(expr string, params []cqlParam, useFHIR, patient bool) (string, int) {
	var b strings.Builder
	lines := 0
	if useFHIR {
		b.WriteString("using FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\n")
		lines += 2
	}
	for _, p := range params {
		fmt.Fprintf(&b, "parameter %s %s\n", quoteIdent(p.name), p.typ)
		lines++
	}
	if patient {
		b.WriteString("context Patient\n")
		lines++
	}
	fmt.Fprintf(&b, "define %s:\n", quoteIdent(cqlDefineName))
	lines++
	b.WriteString(expr)
	b.WriteString("\n")
	return b.String(), lines
}

var identEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// quoteIdent writes name as a CQL quoted identifier.
func quoteIdent(name string) string { return `"` + identEscaper.Replace(name) + `"` }

// span is the extent of the expression: its number of lines and the
// length (in runes) of its last line.
type span struct{ lines, lastLen int }

func exprSpan(expr string) span {
	lines := strings.Split(expr, "\n")
	return span{lines: len(lines), lastLen: len([]rune(lines[len(lines)-1]))}
}

// shiftPos makes a position in the wrapper library relative to the
// expression: lines before it (parameter declarations) have no position
// in the request, and the end of input is the end of the expression.
func shiftPos(line, col, offset int, sp span) (int, int) {
	if line <= offset {
		return 0, 0
	}
	line -= offset
	if line > sp.lines {
		return sp.lines, sp.lastLen + 1
	}
	return line, col
}

// shiftErrors makes the positions of errors in the expression's wrapper
// library relative to the expression. Errors in included libraries
// (FHIRHelpers) keep theirs.
func shiftErrors(errs cql.Errors, offset int, sp span) cql.Errors {
	out := make(cql.Errors, 0, len(errs))
	for _, e := range errs {
		if e == nil {
			continue
		}
		c := *e
		if c.Library == "" || c.Library == cqlLibraryName {
			c.Library = cqlLibraryName
			c.Line, c.Col = shiftPos(c.Line, c.Col, offset, sp)
		}
		out = append(out, &c)
	}
	return out
}

func shiftEvalError(err error, offset int, sp span) error {
	ee, ok := err.(*cql.EvalError)
	if !ok {
		return err
	}
	if ee.Library != "" && ee.Library != cqlLibraryName {
		return err
	}
	c := *ee
	c.Library = cqlLibraryName
	c.Line, c.Col = shiftPos(c.Line, c.Col, offset, sp)
	return &c
}

// returnParameter renders a CQL result as the "return" parameter: a FHIR
// primitive or Quantity where one fits exactly, otherwise the CQL literal
// as valueString; always with the cqf-cqlType extension naming the CQL
// type. Null is a valueString with only a data-absent-reason extension.
func returnParameter(v value.Value) Parameter {
	p := Parameter{Name: "return"}
	if v == nil {
		unknown := "unknown"
		p.ValueStringElement = &Element{Extension: []Extension{{URL: extDataAbsentReason, ValueCode: &unknown}}}
		return p
	}
	typ := v.Type().String()
	p.Extension = []Extension{{URL: extCQLType, ValueString: &typ}}
	if n, ok := v.(*fhir.Node); ok {
		if _, isResource := n.Raw()["resourceType"]; isResource {
			if b, err := n.MarshalJSON(); err == nil {
				p.Resource = b
				return p
			}
		}
	}
	switch x := v.(type) {
	case value.Boolean:
		b := bool(x)
		p.ValueBoolean = &b
		return p
	case value.Integer:
		i := int32(x)
		p.ValueInteger = &i
		return p
	case value.Decimal:
		if s := x.String(); isJSONNumber(s) {
			p.ValueDecimal = json.Number(s)
			return p
		}
	case value.String:
		s := string(x)
		p.ValueString = &s
		return p
	case value.Date:
		if s, ok := fhirDate(x); ok {
			p.ValueDate = &s
			return p
		}
	case value.DateTime:
		if s, ok := fhirDateTime(x); ok {
			p.ValueDateTime = &s
			return p
		}
	case value.Time:
		if s, ok := fhirTime(x); ok {
			p.ValueTime = &s
			return p
		}
	case value.Quantity:
		if q, ok := fhirQuantity(x); ok {
			p.ValueQuantity = &q
			return p
		}
	}
	s := value.Format(v)
	p.ValueString = &s
	return p
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) && json.Valid([]byte(s))
}

func fhirDate(d value.Date) (string, bool) {
	switch d.Precision {
	case value.Year, value.Month, value.Day:
		return d.String(), true
	}
	return "", false
}

// fhirDateTime renders dt as a FHIR dateTime, which has no hour or minute
// precision and needs an offset whenever it has a time.
func fhirDateTime(dt value.DateTime) (string, bool) {
	switch dt.Precision {
	case value.Year, value.Month, value.Day:
		return dt.Date().String(), true
	case value.Second, value.Millisecond:
		if !dt.HasOffset {
			return "", false
		}
		t, _ := dt.Time()
		return dt.Date().String() + "T" + t.String() + value.FormatOffset(dt.OffsetMinutes), true
	}
	return "", false
}

func fhirTime(t value.Time) (string, bool) {
	switch t.Precision {
	case value.Second, value.Millisecond:
		return t.String(), true
	}
	return "", false
}

func fhirQuantity(q value.Quantity) (Quantity, bool) {
	if q.Value.D == nil {
		return Quantity{}, false
	}
	s := q.Value.String()
	if !isJSONNumber(s) {
		return Quantity{}, false
	}
	code := q.Unit
	if code != "" {
		code = value.UCUMUnit(code)
	}
	return Quantity{Value: json.Number(s), Unit: q.Unit, System: ucumSystem, Code: code}, true
}

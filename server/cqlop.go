package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// The $cql operation (Using CQL with FHIR, OperationDefinition cql-cql)
// evaluates one CQL expression and answers a Parameters resource with the
// "return" parameter(s) (see cqlvalue.go) and, when the expression raised
// messages, "_messages". Its inputs are described in cqlrequest.go.

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

// rawParam is one Parameters.parameter before interpretation.
type rawParam struct {
	path     string // FHIRPath of the parameter, e.g. Parameters.parameter[1]
	name     string
	valueKey string // "valueString", ... or "" when there is no value[x]
	value    json.RawMessage
	resource json.RawMessage
	hasPart  bool
	parts    []rawParam
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
	return parseParamList(res.Parameter, path+".parameter")
}

// parseParamList decodes parameter (or part) objects; path is the
// FHIRPath of the list ("Parameters.parameter").
func parseParamList(raws []json.RawMessage, path string) ([]rawParam, error) {
	out := make([]rawParam, 0, len(raws))
	for i, raw := range raws {
		p := rawParam{path: fmt.Sprintf("%s[%d]", path, i)}
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
				var parts []json.RawMessage
				if err := json.Unmarshal(v, &parts); err != nil {
					return nil, badRequest("structure", p.path+".part", "part is not a JSON array: %v", err)
				}
				sub, err := parseParamList(parts, p.path+".part")
				if err != nil {
					return nil, err
				}
				p.parts = sub
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
	if p.valueKey == "" && p.resource == nil && p.hasPart {
		// A parameter with parts is a Tuple (a part given several times
		// is a List).
		elems, err := cqlParams(p.parts)
		if err != nil {
			return nil, "", err
		}
		var t value.Tuple
		specs := make([]string, 0, len(elems))
		for _, e := range elems {
			t.Names = append(t.Names, e.name)
			t.Values = append(t.Values, e.val)
			specs = append(specs, quoteIdent(e.name)+" "+e.typ)
		}
		return t, "Tuple { " + strings.Join(specs, ", ") + " }", nil
	}
	if p.valueKey == "" {
		if p.resource != nil {
			return nil, "", &RequestError{Status: http.StatusBadRequest, Code: "not-supported", Expression: p.path,
				Message: fmt.Sprintf("parameter %q: resources are not supported as parameter values", p.name)}
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
		q, err := quantityFromJSON(p.value)
		if err != nil {
			return nil, "", bad("%v", err)
		}
		return q, "Quantity", nil
	case "valueRatio":
		var r struct{ Numerator, Denominator json.RawMessage }
		if err := json.Unmarshal(p.value, &r); err != nil || r.Numerator == nil || r.Denominator == nil {
			return nil, "", bad("expected a Ratio with a numerator and a denominator")
		}
		n, err := quantityFromJSON(r.Numerator)
		if err != nil {
			return nil, "", bad("numerator: %v", err)
		}
		d, err := quantityFromJSON(r.Denominator)
		if err != nil {
			return nil, "", bad("denominator: %v", err)
		}
		return value.Ratio{Numerator: n, Denominator: d}, "Ratio", nil
	case "valuePeriod":
		// As FHIRHelpers.ToInterval: closed, a missing boundary is null.
		var per struct{ Start, End string }
		if err := json.Unmarshal(p.value, &per); err != nil || (per.Start == "" && per.End == "") {
			return nil, "", bad("expected a Period with a start or an end")
		}
		iv := value.Interval{LowClosed: true, HighClosed: true, PointType: types.DateTime}
		for _, b := range []struct {
			s   string
			dst *value.Value
		}{{per.Start, &iv.Low}, {per.End, &iv.High}} {
			if b.s == "" {
				continue
			}
			dt, err := value.ParseDateTime(b.s)
			if err != nil {
				return nil, "", bad("invalid dateTime %q: %v", b.s, err)
			}
			*b.dst = dt
		}
		return iv, "Interval<DateTime>", nil
	case "valueRange":
		var rg struct{ Low, High json.RawMessage }
		if err := json.Unmarshal(p.value, &rg); err != nil || (rg.Low == nil && rg.High == nil) {
			return nil, "", bad("expected a Range with a low or a high")
		}
		iv := value.Interval{LowClosed: true, HighClosed: true, PointType: types.Quantity}
		for _, b := range []struct {
			raw json.RawMessage
			dst *value.Value
		}{{rg.Low, &iv.Low}, {rg.High, &iv.High}} {
			if b.raw == nil {
				continue
			}
			q, err := quantityFromJSON(b.raw)
			if err != nil {
				return nil, "", bad("%v", err)
			}
			*b.dst = q
		}
		return iv, "Interval<Quantity>", nil
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

// quantityFromJSON reads a FHIR Quantity: its value and its UCUM code (or
// unit; "1" when it has neither).
func quantityFromJSON(raw json.RawMessage) (value.Quantity, error) {
	var q struct {
		Value json.RawMessage `json:"value"`
		Unit  string          `json:"unit"`
		Code  string          `json:"code"`
	}
	if err := json.Unmarshal(raw, &q); err != nil || q.Value == nil {
		return value.Quantity{}, fmt.Errorf("expected a Quantity with a value")
	}
	d, err := decimalFromJSON(q.Value)
	if err != nil {
		return value.Quantity{}, err
	}
	unit := q.Code
	if unit == "" {
		unit = q.Unit
	}
	if unit == "" {
		unit = "1"
	}
	return value.Quantity{Value: d, Unit: unit}, nil
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
// the library uses the FHIR R4 model and FHIRHelpers; it includes the
// libraries of the request's library inputs; with patient it is in
// Patient context.
func wrapExpression(expr string, params []cqlParam, includes []includeDecl, useFHIR, patient bool) (string, int) {
	var b strings.Builder
	lines := 0
	if useFHIR {
		b.WriteString("using FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\n")
		lines += 2
	}
	for _, in := range includes {
		fmt.Fprintf(&b, "include %s", quoteIdent(in.name))
		if in.version != "" {
			fmt.Fprintf(&b, " version %s", value.QuoteString(in.version))
		}
		fmt.Fprintf(&b, " called %s\n", quoteIdent(in.alias))
		lines++
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

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Evaluate is the in-process evaluation behind the web workbench's CQL
// playground: the same compiler, compile cache, limits, data and
// parameter handling as $cql and Library/$evaluate, with the answer as Go
// values instead of a Parameters resource.

// EvalRequest is one playground evaluation.
type EvalRequest struct {
	// Source is a CQL library (it declares "library Name") or an
	// expression.
	Source string
	// Libraries are the canonical URLs (or "Library/id") of loaded
	// libraries an expression may refer to by name.
	Libraries []string
	// Data is a FHIR Bundle (JSON) the retrieves read; nil for none.
	Data []byte
	// Parameters is a FHIR Parameters resource (JSON) with values for the
	// CQL parameters; nil for none.
	Parameters []byte
	// Subject is "Patient/id" to evaluate in that patient's context.
	Subject string
}

// EvalResult is the answer of Evaluate.
type EvalResult struct {
	// Library is the library's name ("expression" for an expression).
	Library string
	// Defines are the results, one per public definition (one for an
	// expression), in declaration order.
	Defines []DefineResult
	// Errors are the compile errors of the source (positions relative to
	// it); Defines is empty when the source as a whole did not compile.
	Errors cql.Errors
	// Messages are those of the Message operator.
	Messages []cql.Message
}

// DefineResult is the value of one definition.
type DefineResult struct {
	Name string
	// Type is the definition's CQL type ("List<FHIR.Observation>").
	Type string
	// Value is the value in CQL's notation; "" when Error is set.
	Value string
	// Error is the definition's compile or run-time error.
	Error string
	// Line and Col locate Error in the source (0 when unknown).
	Line, Col int
}

// Evaluate compiles and evaluates req. A mistake of the user's (bad JSON,
// an unknown library) is a *RequestError; compile errors are in the
// result, with their positions.
func (s *Server) Evaluate(ctx context.Context, req EvalRequest) (*EvalResult, error) {
	if err := s.checkSource(req.Source); err != nil {
		return nil, err
	}
	creq := &cqlRequest{expression: req.Source, expressionPath: "source"}
	if len(strings.TrimSpace(string(req.Data))) > 0 {
		creq.bundles, creq.bundlePaths = []json.RawMessage{req.Data}, []string{"data"}
	}
	if req.Subject != "" {
		id, err := parseSubject(req.Subject, "subject")
		if err != nil {
			return nil, err
		}
		creq.patientID, creq.subjectPath = id, "subject"
	}
	if len(strings.TrimSpace(string(req.Parameters))) > 0 {
		raw, err := parseParameters(req.Parameters, "parameters")
		if err != nil {
			return nil, err
		}
		if creq.params, err = cqlParams(raw); err != nil {
			return nil, err
		}
	}
	for i, l := range req.Libraries {
		creq.libraries = append(creq.libraries, libraryInput{url: l, path: fmt.Sprintf("libraries[%d]", i)})
	}
	opts, err := s.evalSetup(creq)
	if err != nil {
		return nil, err
	}
	opts.Parameters = make(map[string]value.Value, len(creq.params))
	for _, p := range creq.params {
		opts.Parameters[p.name] = p.val
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.EvalTimeout)
	defer cancel()
	var out *EvalResult
	err = guard(ctx, func() error {
		var err error
		if name := cqlDeclaredName(req.Source); name != "" {
			out, err = s.evalLibrary(ctx, name, req.Source, opts)
		} else {
			out, err = s.evalExpression(ctx, creq, opts)
		}
		return err
	})
	return out, err
}

// evalLibrary evaluates every public definition of a library; a
// definition that does not compile reports its own error.
func (s *Server) evalLibrary(ctx context.Context, name, src string, opts cql.EvalOptions) (*EvalResult, error) {
	comp, err := s.compileCached(ctx, "library\x00"+name+"\x00"+src, func(ctx context.Context) *compiled {
		return compileTolerant(ctx, s.fhirEnv, name, src)
	})
	if err != nil {
		return nil, err
	}
	res := &EvalResult{Library: name, Errors: comp.errs}
	if comp.lib == nil {
		return res, nil
	}
	col := newMessageCollector(nil)
	opts.OnMessage = col.add
	for _, chunk := range statementChunks(src) {
		errs, broken := comp.broken[chunk.name]
		if chunk.name == "" || !broken {
			continue
		}
		d := DefineResult{Name: chunk.name, Error: errs.Error()}
		if len(errs) > 0 {
			d.Line, d.Col = errs[0].Line, errs[0].Col
		}
		res.Defines = append(res.Defines, d)
	}
	for _, n := range comp.lib.Defines() {
		if !comp.lib.IsPublic(n) {
			continue
		}
		t, _ := comp.lib.ResultType(n)
		res.Defines = append(res.Defines, evalDefine(ctx, comp.lib, n, t, opts, name, 0, span{}))
	}
	res.Messages = col.done()
	return res, nil
}

// evalExpression evaluates an expression as $cql does.
func (s *Server) evalExpression(ctx context.Context, req *cqlRequest, opts cql.EvalOptions) (*EvalResult, error) {
	includes, terms, err := s.resolveIncludes(req.libraries)
	if err != nil {
		return nil, err
	}
	if opts.Terminology == nil && terms != nil {
		opts.Terminology = terms
	}
	src, offset := wrapExpression(req.expression, req.params, includes, true, req.subjectPath != "")
	sp := exprSpan(req.expression)
	key := src
	for _, in := range includes {
		key += "\x00" + in.src
	}
	comp, err := s.compileCached(ctx, key, func(ctx context.Context) *compiled {
		lib, errs := s.fhirEnv.CompileContext(ctx, cqlLibraryName, src)
		return &compiled{lib: lib, errs: errs}
	})
	if err != nil {
		return nil, err
	}
	res := &EvalResult{Library: cqlLibraryName}
	if len(comp.errs) > 0 || comp.lib == nil {
		res.Errors = shiftErrors(comp.errs, offset, sp)
		return res, nil
	}
	col := newMessageCollector(func(m *cql.Message) {
		if m.Library == "" || m.Library == cqlLibraryName {
			m.Library = cqlLibraryName
			m.Line, m.Col = shiftPos(m.Line, m.Col, offset, sp)
		}
	})
	opts.OnMessage = col.add
	t, _ := comp.lib.ResultType(cqlDefineName)
	d := evalDefine(ctx, comp.lib, cqlDefineName, t, opts, cqlLibraryName, offset, sp)
	d.Name = "result"
	res.Defines = append(res.Defines, d)
	res.Messages = col.done()
	return res, nil
}

// evalDefine evaluates one definition; a run-time error is its result.
// offset and sp map positions of an expression's wrapper library back to
// the expression (offset 0: none).
func evalDefine(ctx context.Context, lib *cql.Library, name string, t types.Type, opts cql.EvalOptions, libName string, offset int, sp span) DefineResult {
	d := DefineResult{Name: name}
	if t != nil {
		d.Type = t.String()
	}
	v, err := lib.Eval(ctx, name, opts)
	if err != nil {
		if offset > 0 {
			err = shiftEvalError(err, offset, sp)
		}
		var ee *cql.EvalError
		if errors.As(err, &ee) && (ee.Library == "" || ee.Library == libName) {
			d.Line, d.Col = ee.Line, ee.Col
		}
		d.Error = err.Error()
		return d
	}
	d.Value = value.Format(v)
	if vt := orType(t, v); vt != nil {
		d.Type = vt.String()
	}
	return d
}

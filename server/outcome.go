package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/labstack/echo/v4"
)

// RequestError is an error in what the client sent: a malformed body, a
// missing or unknown parameter, an unsupported feature. It is answered
// with Status (400 when zero) and an OperationOutcome issue with Code.
type RequestError struct {
	Status int
	// Code is the issue type: invalid, structure, required, value,
	// not-supported, not-found, ...
	Code string
	// Expression is the FHIRPath of the offending element, if known.
	Expression string
	Message    string
}

func (e *RequestError) Error() string { return e.Message }

// badRequest builds a 400 RequestError.
func badRequest(code, expression, format string, args ...any) error {
	return &RequestError{Status: http.StatusBadRequest, Code: code, Expression: expression, Message: fmt.Sprintf(format, args...)}
}

// CompileError is a set of CQL compile errors in a request input. Errors
// carry positions relative to the input (line 1 is the input's first
// line); Expression is the FHIRPath of the input in the request.
type CompileError struct {
	Errors     cql.Errors
	Expression string
}

func (e *CompileError) Error() string { return e.Errors.Error() }

// internalError marks an error (such as a recovered panic) whose details
// must not reach the client.
type internalError struct{ err error }

func (e *internalError) Error() string { return e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }

// ErrorOutcome maps any error returned by a handler to the HTTP status and
// OperationOutcome the client receives. It is the one place that decides
// statuses:
//
//	request errors (*RequestError)           its status (400 by default)
//	CQL compile errors (*CompileError,
//	  cql.Errors, *cql.Error)                400, code invalid
//	evaluation timeout or cancellation       503, code timeout
//	evaluation limit (*builtins.LimitError)  422, code too-costly
//	other evaluation errors (*cql.EvalError) 422, code processing
//	request body over the size limit         413, code too-costly
//	echo HTTP errors (404, 405, ...)         their status
//	anything else                            500, code exception (details logged, not sent)
func ErrorOutcome(err error) (int, OperationOutcome) {
	var (
		reqErr  *RequestError
		compErr *CompileError
		errs    cql.Errors
		oneErr  *cql.Error
		evalErr *cql.EvalError
		limErr  *builtins.LimitError
		httpErr *echo.HTTPError
		intErr  *internalError
		maxErr  *http.MaxBytesError
	)
	switch {
	case err == nil:
		return http.StatusOK, OperationOutcome{}
	case errors.As(err, &intErr):
		return http.StatusInternalServerError, outcome(issue("exception", "internal server error"))
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, outcome(issue("too-costly",
			fmt.Sprintf("request body larger than %d bytes", maxErr.Limit)))
	case errors.As(err, &reqErr):
		status := reqErr.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		code := reqErr.Code
		if code == "" {
			code = "invalid"
		}
		is := issue(code, reqErr.Message)
		if reqErr.Expression != "" {
			is.Expression = []string{reqErr.Expression}
		}
		return status, outcome(is)
	case errors.As(err, &compErr):
		return http.StatusBadRequest, compileOutcome(compErr.Errors, compErr.Expression)
	case errors.As(err, &errs):
		return http.StatusBadRequest, compileOutcome(errs, "")
	case errors.As(err, &oneErr):
		return http.StatusBadRequest, compileOutcome(cql.Errors{oneErr}, "")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		is := issue("timeout", "evaluation did not finish in time")
		if errors.As(err, &evalErr) {
			is.Diagnostics = evalDiagnostics(evalErr, is.Diagnostics)
			is.Location = location(evalErr.Line, evalErr.Col)
		}
		return http.StatusServiceUnavailable, outcome(is)
	case errors.As(err, &evalErr):
		code := "processing"
		if errors.As(err, &limErr) {
			code = "too-costly"
		}
		is := issue(code, evalDiagnostics(evalErr, evalErr.Message))
		is.Location = location(evalErr.Line, evalErr.Col)
		return http.StatusUnprocessableEntity, outcome(is)
	case errors.As(err, &limErr):
		return http.StatusUnprocessableEntity, outcome(issue("too-costly", limErr.Error()))
	case errors.As(err, &httpErr):
		msg := http.StatusText(httpErr.Code)
		if m, ok := httpErr.Message.(string); ok && m != "" {
			msg = m
		}
		return httpErr.Code, outcome(issue(httpIssueCode(httpErr.Code), msg))
	default:
		return http.StatusInternalServerError, outcome(issue("exception", "internal server error"))
	}
}

func outcome(issues ...Issue) OperationOutcome { return OperationOutcome{Issue: issues} }

func issue(code, diagnostics string) Issue {
	return Issue{Severity: "error", Code: code, Diagnostics: diagnostics}
}

// compileOutcome has one issue per compile error, with diagnostics
// "lib:line:col: message".
func compileOutcome(errs cql.Errors, expression string) OperationOutcome {
	var oo OperationOutcome
	for _, e := range errs {
		if e == nil {
			continue
		}
		diag := fmt.Sprintf("%s:%d:%d: %s", libName(e.Library), e.Line, e.Col, e.Message)
		if e.Line <= 0 {
			diag = libName(e.Library) + ": " + e.Message
		}
		is := issue("invalid", diag)
		is.Location = location(e.Line, e.Col)
		if expression != "" {
			is.Expression = []string{expression}
		}
		oo.Issue = append(oo.Issue, is)
	}
	if len(oo.Issue) == 0 {
		oo.Issue = []Issue{issue("invalid", "the CQL did not compile")}
	}
	return oo
}

func evalDiagnostics(e *cql.EvalError, msg string) string {
	if e.Line == 0 {
		return msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", libName(e.Library), e.Line, e.Col, msg)
}

func libName(s string) string {
	if s == "" {
		return "expression"
	}
	return s
}

// location renders a source position the way OperationOutcome.issue.location
// is read by people: "line 3, column 7".
func location(line, col int) []string {
	if line <= 0 {
		return nil
	}
	return []string{fmt.Sprintf("line %d, column %d", line, col)}
}

func httpIssueCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not-found"
	case http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusNotImplemented:
		return "not-supported"
	case http.StatusRequestEntityTooLarge:
		return "too-costly"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "security"
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "timeout"
	}
	if status >= 500 {
		return "exception"
	}
	return "invalid"
}

// Package eval plans checked CQL libraries into trees of closures and
// evaluates them. A planned Program is immutable and safe for concurrent
// use; all per-evaluation state lives in an activation.
package eval

import (
	"context"
	"errors"
	"fmt"

	"github.com/ccg-project/ccg/cql/builtins"
)

// EvalError is a run-time error with the source position of the expression
// that raised it. It wraps the cause: a *builtins.Error, a
// *builtins.LimitError, or the context's error.
type EvalError struct {
	Library   string
	Line, Col int
	Message   string
	Err       error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Library, e.Line, e.Col, e.Message)
}

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// wrap attaches a position to err unless it already has one.
func wrap(err error, lib string, line, col int) error {
	if err == nil {
		return nil
	}
	var ee *EvalError
	if errors.As(err, &ee) {
		return err
	}
	return &EvalError{Library: lib, Line: line, Col: col, Message: err.Error(), Err: err}
}

// IsLimit reports whether err was caused by an evaluation limit.
func IsLimit(err error) bool {
	var le *builtins.LimitError
	return errors.As(err, &le)
}

// IsCanceled reports whether err was caused by context cancellation or deadline.
func IsCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

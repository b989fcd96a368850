// Package fhirpath evaluates FHIRPath (http://hl7.org/fhirpath, N1) over
// FHIR R4 data with the CQL engine's parts: expressions are parsed by the
// CQL front end (cql/parser, whose grammar contains FHIRPath's expression
// grammar: paths, $this, %constants, functions called on a source),
// resources are the FHIR model's node tree (cql/fhir), values are
// cql/value values, and operators run the CQL builtins (cql/builtins)
// that compiled CQL runs, with UCUM units (cql/ucum) for quantities.
//
// What differs from CQL is evaluation: in FHIRPath every expression gives
// a collection (here a []value.Value, empty for CQL's null), paths flatten,
// operators on an empty operand give empty, an operand that must be one
// value is an error when it holds several (singleton evaluation), and
// functions take their input collection as focus ($this, $index, $total).
// The evaluator therefore walks the syntax tree itself instead of the
// CQL checker's typed plan, and looks operator overloads up by the
// run-time types of their operands.
//
// The front end is parser.ParseFHIRPath: CQL's expression grammar with
// the words CQL reserves and FHIRPath does not (start, end, where ...)
// read as names; the union operator |, which CQL binds loosest, is moved
// to FHIRPath's precedence on the tree (precedence.go).
//
// Environment variables: %context (the evaluation's input), %resource and
// %rootResource (Env.Resource, else the input), %ucum, %sct, %loinc,
// %`vs-name` and %`ext-name`, and the caller's own (Env.Vars).
//
// Functions: those of FHIRPath N1 (existence, filtering and projection
// with $this/$index, subsetting, combining, conversion, string, math,
// tree navigation, utility and aggregate() with $total), FHIR's
// extension(), hasValue(), getValue(), resolve() (contained resources,
// Bundle entries, then Env.Resolve), memberOf() (Env.Terminology),
// conformsTo() (the core profiles only) and htmlChecks(), and of
// FHIRPath 2.1: sort(), lowBoundary(), highBoundary(), precision(),
// comparable(), sum/min/max/avg, the date and time component functions,
// encode/decode/escape/unescape, trim, split, join, matchesFull.
//
// Not done: the static checks of FHIRPath's "strict" mode (an element no
// type of the operand's static type has, ordered functions after
// children()) are made at run time, so a path over an empty collection
// gives empty instead of an error; type() returns tuples of namespace
// and name.
package fhirpath

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/parser"
	"github.com/ccg-project/ccg/cql/value"
)

// Expr is a parsed FHIRPath expression, safe for concurrent use.
type Expr struct {
	src  string
	root ast.Expr
}

// String is the expression's source text.
func (e *Expr) String() string { return e.src }

// Error is a syntax or evaluation error at a 1-based line and column of
// the expression (0 when unknown).
type Error struct {
	Line, Col int
	Msg       string
	// Syntax is true for a parse error.
	Syntax bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("fhirpath %d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return "fhirpath: " + e.Msg
}

// Parse parses a FHIRPath expression with the CQL parser.
func Parse(src string) (*Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Msg: "the expression is empty", Syntax: true}
	}
	root, errs := parser.ParseFHIRPath(src)
	if len(errs) > 0 {
		return nil, &Error{Line: errs[0].Line, Col: errs[0].Col, Msg: errs[0].Message, Syntax: true}
	}
	return &Expr{src: src, root: fixUnions(root, parens(root))}, nil
}

// Env is what an evaluation may read besides its input.
type Env struct {
	// Resource is %resource and %rootResource; nil means the input.
	Resource value.Value
	// Vars are the caller's %variables, by name without '%'. A variable
	// that is a value.List is a collection.
	Vars map[string]value.Value
	// Resources returns the resources of a type for a path that starts
	// with a resource type other than the input's ("Observation.where(..)"
	// evaluated on a Patient). nil makes such a path an error.
	Resources func(typ string) []value.Value
	// Resolve finds the resource a reference string names (resolve());
	// nil resolves only references to contained resources and to Bundle
	// entries of %rootResource.
	Resolve func(ref string) value.Value
	// Terminology answers memberOf(); nil makes memberOf an error.
	Terminology eval.Terminology
	// Now is the evaluation time of now(), today() and timeOfDay(); zero
	// means time.Now.
	Now time.Time
	// Trace receives the trace() calls; nil drops them.
	Trace func(name string, items []value.Value)
	// MaxItems bounds the collections repeat() and descendants() build
	// (0: 1,000,000) and MaxStringLen the strings & and + build (0: no
	// limit); beyond them evaluation stops with an error.
	MaxItems, MaxStringLen int
}

// defaultMaxItems is the bound of Env.MaxItems when it is 0.
const defaultMaxItems = 1_000_000

// Eval evaluates the expression with input as its input collection (nil
// or an empty slice for none).
func (e *Expr) Eval(ctx context.Context, input []value.Value, env *Env) (out []value.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &Error{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if env == nil {
		env = &Env{}
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxItems := env.MaxItems
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	ev := &evaluator{env: env, input: input, b: &builtins.Context{Ctx: ctx, Now: value.DateTimeOf(now),
		MaxListSize: maxItems, MaxStringLen: env.MaxStringLen}}
	ev.resource = input
	if env.Resource != nil {
		ev.resource = []value.Value{env.Resource}
	}
	out, err = ev.eval(e.root, input, nil)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) {
			err = &Error{Msg: err.Error()}
		}
	}
	return out, err
}

// EvalBool evaluates the expression as a condition: true or false, or
// ok=false when the result is empty. A collection of one Boolean is that
// Boolean; any other result is an error.
func (e *Expr) EvalBool(ctx context.Context, input []value.Value, env *Env) (b, ok bool, err error) {
	out, err := e.Eval(ctx, input, env)
	if err != nil {
		return false, false, err
	}
	switch len(out) {
	case 0:
		return false, false, nil
	case 1:
		if v, isB := System(out[0]).(value.Boolean); isB {
			return bool(v), true, nil
		}
	}
	return false, false, &Error{Msg: fmt.Sprintf("the result is %s, not a Boolean", Format(out))}
}

// System is v with a FHIR primitive turned into its System value
// (FHIR.string to String, FHIR.date to Date ...); other values are
// returned as they are.
func System(v value.Value) value.Value {
	if n, ok := v.(*fhir.Node); ok && n.Raw() == nil {
		if s, err := n.PrimitiveValue(); err == nil {
			return s
		}
	}
	return v
}

// Value turns a result collection into one CQL value: null when empty,
// the item when there is one (FHIR primitives as System values), a List
// otherwise.
func Value(out []value.Value) value.Value {
	switch len(out) {
	case 0:
		return nil
	case 1:
		return System(out[0])
	}
	l := value.List{Elems: make([]value.Value, len(out))}
	for i, v := range out {
		l.Elems[i] = System(v)
	}
	return l
}

// Format writes a collection as FHIRPath-like text: { 1, 'a' }.
func Format(out []value.Value) string {
	if len(out) == 0 {
		return "{ }"
	}
	parts := make([]string, len(out))
	for i, v := range out {
		if n, ok := v.(*fhir.Node); ok && n.Raw() != nil {
			parts[i] = n.TypeName()
			continue
		}
		parts[i] = value.Format(System(v))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

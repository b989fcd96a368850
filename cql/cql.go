// Package cql is the public API of the ccg CQL engine: compile a CQL library
// once (parse, check, plan) into an immutable Library, then evaluate its
// definitions many times, concurrently, each evaluation with its own
// options.
//
//	env := cql.NewEnv(cql.WithLibraryResolver(dir))
//	lib, errs := env.Compile("example.cql", src)
//	if errs != nil { ... }          // every error, sorted, with code and caret
//	v, err := lib.Eval(ctx, "Result", cql.EvalOptions{Now: now})
//
// The phases live in their own packages: cql/parser builds the syntax tree
// (cql/ast); cql/checker resolves names, infers a type for every
// expression and picks one builtin overload per operator call, inserting
// the implicit conversions (Integer to Long or Decimal, to Quantity, Date
// to DateTime, Code to Concept, element-wise for lists, intervals and
// tuples, list promotion and demotion, data model conversions such as
// FHIR.string to String, and the optional interval conversions below);
// cql/eval plans the checked tree once into closures. Per-evaluation state
// (the define cache, the fixed Now, limits, the retriever and terminology
// provider) lives in a session that is never shared, so a Library is safe
// for concurrent use.
//
// Interval promotion and demotion (CQL 1.5, "Promotion and Demotion") are
// off by default, as in the reference translator; WithIntervalPromotion
// and WithIntervalDemotion turn them on. Promotion lets a point x stand
// where an Interval<T> is expected, as the unit interval Interval[x, x]
// (`Interval[1, 10] overlaps 5`); demotion lets an interval stand where a
// point is expected, as PointFrom(x), a run-time error unless x is a unit
// interval (`Interval[5, 5] + 1` is 6). They rank below every other
// conversion: the checker tries them only for operator and function calls
// that resolve no other way, so turning them on never changes a call that
// already resolves (`5 in Interval[1, 10]` stays In(T, Interval<T>)).
// Casts (`as`) and the other places that convert implicitly (define
// results, tuple elements, parameter defaults) never use them.
package cql

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/parser"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Error is a compile-time error: a syntax error or a semantic error found by
// the checker.
type Error struct {
	Library   string
	Line, Col int
	// Code is a stable error code: "syntax", "undeclared-identifier",
	// "no-matching-overload", "ambiguous-overload", "type-mismatch",
	// "cycle", "include-not-found", ...
	Code    string
	Message string
	// Source is the offending source line.
	Source string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s [%s]", e.Library, e.Line, e.Col, e.Message, e.Code)
}

// Caret renders the source line with a caret under the error's column.
func (e *Error) Caret() string {
	if e.Source == "" {
		return ""
	}
	col := e.Col - 1
	if col < 0 {
		col = 0
	}
	var pad strings.Builder
	for i, r := range []rune(e.Source) {
		if i >= col {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return e.Source + "\n" + pad.String() + "^"
}

// Errors is a list of compile errors, sorted by position.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// EvalError is a run-time error with the position of the expression that
// raised it. It wraps the cause (a *builtins.LimitError for limits, the
// context's error on cancellation, a *builtins.Error for operator errors).
type EvalError = eval.EvalError

// Retriever supplies data to retrieve expressions.
type Retriever = eval.Retriever

// RetrieveRequest is a retrieve with its code comparator and context.
type RetrieveRequest = eval.RetrieveRequest

// RequestRetriever is a Retriever that also takes the code comparator and
// the context of related-context retrieves ([Mother -> Observation]);
// evaluations use RetrieveRequest when the retriever implements it.
type RequestRetriever = eval.RequestRetriever

// Terminology answers value set membership questions (`code in "VS"`).
type Terminology = eval.Terminology

// Expander is a Terminology that also lists a value set's codes; it is
// needed where a value set stands for its List<Code> (`Count("VS")`).
type Expander = eval.Expander

// WithTerminology sets the default terminology provider of evaluations.
func WithTerminology(t Terminology) Option { return func(e *Env) { e.terms = t } }

// Model is a data model the checker resolves types and properties against.
type Model = checker.Model

// LibraryResolver returns the source of an included library. version is ""
// when the include gives none.
type LibraryResolver interface {
	ResolveLibrary(name, version string) (src string, err error)
}

// LibraryResolverFunc adapts a function to LibraryResolver.
type LibraryResolverFunc func(name, version string) (string, error)

// ResolveLibrary implements LibraryResolver.
func (f LibraryResolverFunc) ResolveLibrary(name, version string) (string, error) {
	return f(name, version)
}

// Option configures an Env.
type Option func(*Env)

// WithIntervalPromotion enables interval promotion (CQL 1.5, "Promotion
// and Demotion"): where an operator or function expects an Interval<T>
// and no overload fits the arguments as they are, a point x of type T (or
// of a type that converts implicitly to T) stands for the unit interval
// Interval[x, x], so `Interval[1, 10] overlaps 5` is
// Overlaps(Interval[1, 10], Interval[5, 5]). Off by default, as in the
// reference translator.
func WithIntervalPromotion(on bool) Option { return func(e *Env) { e.ivlPromotion = on } }

// WithIntervalDemotion enables interval demotion (CQL 1.5, "Promotion and
// Demotion"): where an operator or function expects a point and no
// overload fits the arguments as they are, an interval stands for its
// point, PointFrom(x), which is a run-time error unless x is a unit
// interval (null when x is null). Off by default, as in the reference
// translator.
func WithIntervalDemotion(on bool) Option { return func(e *Env) { e.ivlDemotion = on } }

// WithLibraryResolver sets where included libraries come from.
func WithLibraryResolver(r LibraryResolver) Option { return func(e *Env) { e.resolver = r } }

// WithModel makes a data model available to `using` declarations. A
// model with a version (checker.VersionedModel) answers `using Name
// version 'v'` of its version; the last one given of a name also answers
// `using Name` without a version.
func WithModel(m Model) Option {
	return func(e *Env) {
		e.models[m.Name()] = m
		if vm, ok := m.(checker.VersionedModel); ok {
			e.models[checker.ModelKey(m.Name(), vm.Version())] = m
		}
	}
}

// NativeFunc implements a CQL function in Go.
type NativeFunc = func(args []value.Value) (value.Value, error)

// WithNativeFunction implements function name of library lib (all its
// overloads) in Go: external functions, or library functions such as
// FHIRHelpers.ToString that are faster natively.
func WithNativeFunction(lib, name string, fn NativeFunc) Option {
	return func(e *Env) { e.natives[lib+"."+name] = fn }
}

// WithRetriever sets the default Retriever of evaluations.
func WithRetriever(r Retriever) Option { return func(e *Env) { e.retriever = r } }

// Env compiles libraries. It is safe for concurrent use.
type Env struct {
	resolver  LibraryResolver
	models    map[string]checker.Model
	natives   map[string]NativeFunc
	retriever Retriever
	terms     Terminology

	ivlPromotion, ivlDemotion bool

	// cache holds checked included libraries by name|version; an entry is
	// reused only when the resolver returns the same source again.
	mu    sync.Mutex
	cache map[string]cachedLib
}

type cachedLib struct {
	src string
	lib *checker.Library
	// deps are the libraries it includes, directly or not, with the
	// source each was checked against; all must still resolve to the same
	// source for the entry to be reused.
	deps []libSource
}

type libSource struct{ name, version, src string }

// maxCachedLibs bounds the include cache of an Env.
const maxCachedLibs = 256

// NewEnv returns an Env with the given options.
func NewEnv(opts ...Option) *Env {
	e := &Env{models: map[string]checker.Model{}, natives: map[string]NativeFunc{}, cache: map[string]cachedLib{}}
	for _, o := range opts {
		o(e)
	}
	return e
}

// With returns a new Env with e's settings and opts applied on top. The
// new Env starts with an empty include cache; e is unchanged.
func (e *Env) With(opts ...Option) *Env {
	n := &Env{resolver: e.resolver, models: make(map[string]checker.Model, len(e.models)),
		natives: make(map[string]NativeFunc, len(e.natives)), retriever: e.retriever, terms: e.terms,
		ivlPromotion: e.ivlPromotion, ivlDemotion: e.ivlDemotion, cache: map[string]cachedLib{}}
	for k, m := range e.models {
		n.models[k] = m
	}
	for k, f := range e.natives {
		n.natives[k] = f
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// Library is a compiled library: immutable and safe for concurrent use.
type Library struct {
	Name, Version string
	checked       *checker.Library
	prog          *eval.Program
	retriever     Retriever
	terms         Terminology
}

// compilation is the state of one Compile call (include resolution).
type compilation struct {
	ctx   context.Context
	env   *Env
	done  map[string]*checker.Library
	deps  map[string][]libSource // by include key: transitive dependencies
	srcs  map[string]string      // by include key: the source used
	stack []string
	errs  Errors
	// direct collects the includes resolved while checking the library on
	// top of the stack.
	direct [][]libSource
}

// Compile parses, checks and plans a library. name is used in positions.
// Included libraries are resolved through the Env's LibraryResolver.
func (e *Env) Compile(name, src string) (lib *Library, errs Errors) {
	return e.CompileContext(context.Background(), name, src)
}

// CodeStopped is the code of the one error CompileContext returns when
// its context was done before compilation ended.
const CodeStopped = "stopped"

// CompileContext is Compile that stops soon after ctx is done; it then
// returns a single error with code CodeStopped.
func (e *Env) CompileContext(ctx context.Context, name, src string) (lib *Library, errs Errors) {
	defer func() {
		if r := recover(); r != nil {
			lib, errs = nil, Errors{{Library: name, Line: 1, Col: 1, Code: "internal", Message: fmt.Sprintf("internal compiler error: %v", r)}}
		}
		if err := ctx.Err(); err != nil {
			lib, errs = nil, Errors{{Library: name, Line: 1, Col: 1, Code: CodeStopped, Message: fmt.Sprintf("compilation stopped: %v", err)}}
		}
	}()
	c := &compilation{ctx: ctx, env: e, done: map[string]*checker.Library{}, deps: map[string][]libSource{}, srcs: map[string]string{}}
	checked := c.compile(name, src)
	if len(c.errs) > 0 || checked == nil || ctx.Err() != nil {
		sortErrors(c.errs, name)
		return nil, c.errs
	}
	return &Library{Name: checked.Name, Version: checked.Version, checked: checked, prog: eval.Plan(checked), retriever: e.retriever, terms: e.terms}, nil
}

func sortErrors(es Errors, main string) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if (a.Library == main) != (b.Library == main) {
			return a.Library != main // errors of included libraries first
		}
		if a.Library != b.Library {
			return a.Library < b.Library
		}
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
}

func sourceLine(src string, line int) string {
	if line < 1 {
		return ""
	}
	lines := strings.Split(src, "\n")
	if line > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[line-1], "\r")
}

func (c *compilation) compile(name, src string) *checker.Library {
	tree, perrs, err := parser.ParseContext(c.ctx, name, src)
	if err != nil {
		return nil
	}
	if len(perrs) > 0 {
		for _, pe := range perrs {
			code := pe.Code
			if code == "" {
				code = "syntax"
			}
			c.errs = append(c.errs, &Error{Library: name, Line: pe.Line, Col: pe.Col, Code: code, Message: pe.Message, Source: sourceLine(src, pe.Line)})
		}
		return nil
	}
	return c.check(name, src, tree)
}

func (c *compilation) check(name, src string, tree *ast.Library) *checker.Library {
	if tree.Identifier != nil && len(c.stack) == 0 {
		// The main library: includes of it are cycles.
		c.stack = append(c.stack, tree.Identifier.Name)
		defer func() { c.stack = c.stack[:len(c.stack)-1] }()
	}
	lib, cerrs := checker.Check(tree, checker.Options{Models: c.env.models, Include: c.include, Natives: c.env.natives,
		IntervalPromotion: c.env.ivlPromotion, IntervalDemotion: c.env.ivlDemotion})
	for _, ce := range cerrs {
		c.errs = append(c.errs, &Error{Library: name, Line: ce.Pos.Line, Col: ce.Pos.Col, Code: ce.Code, Message: ce.Message, Source: sourceLine(src, ce.Pos.Line)})
	}
	if len(cerrs) > 0 {
		return nil
	}
	return lib
}

func (c *compilation) include(name, version string) (*checker.Library, string, string) {
	for _, s := range c.stack {
		if s == name {
			return nil, checker.CodeCycle, fmt.Sprintf("library %s includes itself (%s -> %s)", name, strings.Join(c.stack, " -> "), name)
		}
	}
	key := name + "|" + version
	if l, ok := c.done[key]; ok {
		c.noteDep(libSource{name, version, c.srcs[key]}, c.deps[key])
		return l, "", ""
	}
	if c.env.resolver == nil {
		return nil, checker.CodeIncludeNotFound, fmt.Sprintf("library %s cannot be included: no library resolver is configured", name)
	}
	src, err := c.env.resolver.ResolveLibrary(name, version)
	if err != nil {
		return nil, checker.CodeIncludeNotFound, fmt.Sprintf("library %s version '%s' could not be loaded: %v", name, version, err)
	}
	self := libSource{name, version, src}
	e := c.env
	e.mu.Lock()
	ce, hit := e.cache[key]
	e.mu.Unlock()
	if hit && ce.src == src && c.unchanged(ce.deps) {
		c.done[key], c.deps[key], c.srcs[key] = ce.lib, ce.deps, src
		c.noteDep(self, ce.deps)
		return ce.lib, "", ""
	}
	c.stack = append(c.stack, name)
	c.direct = append(c.direct, nil)
	defer func() { c.stack = c.stack[:len(c.stack)-1] }()
	n := len(c.errs)
	tree, perrs, err := parser.ParseContext(c.ctx, name, src)
	if err != nil {
		return nil, CodeStopped, "compilation stopped"
	}
	var lib *checker.Library
	if len(perrs) > 0 {
		for _, pe := range perrs {
			c.errs = append(c.errs, &Error{Library: name, Line: pe.Line, Col: pe.Col, Code: "syntax", Message: pe.Message, Source: sourceLine(src, pe.Line)})
		}
	} else {
		lib = c.check(name, src, tree)
	}
	deps := c.direct[len(c.direct)-1]
	c.direct = c.direct[:len(c.direct)-1]
	if lib == nil || len(c.errs) > n {
		return nil, checker.CodeInvalid, fmt.Sprintf("included library %s has errors", name)
	}
	c.done[key], c.deps[key], c.srcs[key] = lib, deps, src
	c.noteDep(self, deps)
	e.mu.Lock()
	if len(e.cache) >= maxCachedLibs {
		for k := range e.cache {
			delete(e.cache, k)
			break
		}
	}
	e.cache[key] = cachedLib{src: src, lib: lib, deps: deps}
	e.mu.Unlock()
	return lib, "", ""
}

// noteDep records that the library being checked includes self (whose own
// dependencies are deps).
func (c *compilation) noteDep(self libSource, deps []libSource) {
	if len(c.direct) == 0 {
		return
	}
	top := &c.direct[len(c.direct)-1]
	if self.src != "" {
		*top = append(*top, self)
	}
	*top = append(*top, deps...)
}

// unchanged reports whether every dependency still resolves to the source
// it was checked against.
func (c *compilation) unchanged(deps []libSource) bool {
	for _, d := range deps {
		src, err := c.env.resolver.ResolveLibrary(d.name, d.version)
		if err != nil || src != d.src {
			return false
		}
	}
	return true
}

// Defines returns the names of the library's expression definitions in
// source order.
func (l *Library) Defines() []string { return l.prog.Defines() }

// ResultType returns the static type of the named definition.
func (l *Library) ResultType(name string) (types.Type, bool) {
	d, ok := l.checked.Defs[name]
	if !ok {
		return nil, false
	}
	return d.Body.Type(), true
}

// IsPublic reports whether the named expression definition exists and is
// public (not declared private).
func (l *Library) IsPublic(name string) bool {
	d, ok := l.checked.Defs[name]
	return ok && d.Public
}

// Parameter describes a parameter of a library.
type Parameter struct {
	Name       string
	Type       types.Type
	HasDefault bool
	Public     bool
}

// Parameters returns the library's parameters in declaration order (so that
// callers can convert supplied values to the declared types).
func (l *Library) Parameters() []Parameter {
	out := make([]Parameter, 0, len(l.checked.ParamOrder))
	for _, n := range l.checked.ParamOrder {
		p := l.checked.Params[n]
		out = append(out, Parameter{Name: n, Type: p.T, HasDefault: p.Default != nil, Public: p.Public})
	}
	return out
}

// CheckParameters checks parameter values before they are used in
// EvalOptions.Parameters: each name must be declared by the library or
// one it includes ("Lib.Name" by library Lib), and each value must be of
// the declared type or convert to it implicitly (an Integer for a Decimal
// parameter). Every problem is reported, naming the parameter. A parameter
// that has no default and no value is reported when an evaluation reads
// it, as a run-time error naming it.
func (l *Library) CheckParameters(params map[string]value.Value) error {
	return l.prog.CheckParameters(params)
}

// ParseParameter parses a parameter setting written NAME=VALUE, where VALUE
// is a CQL literal or any CQL expression that needs no data model, such as
// `Measurement Period=Interval[@2022-01-01T00:00:00.0, @2023-01-01T00:00:00.0)`
// or `Threshold=5 'mg'`. NAME may be "Lib.Name" to set the parameter of
// library Lib only.
func ParseParameter(setting string) (name string, v value.Value, err error) {
	name, expr, ok := strings.Cut(setting, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", nil, fmt.Errorf("parameter %q: want NAME=VALUE (a CQL literal)", setting)
	}
	if strings.TrimSpace(expr) == "" {
		return "", nil, fmt.Errorf("parameter %q: the value is empty (write null for null)", name)
	}
	// The expression is the body of a define on a line of its own, so that
	// an error's column is the column in VALUE.
	src := "library ParameterValue\ndefine \"Value\":\n" + expr
	lib, errs := NewEnv().Compile("ParameterValue", src)
	if len(errs) > 0 {
		e := errs[0]
		return "", nil, fmt.Errorf("parameter %q: %s at column %d of %q", name, e.Message, e.Col, expr)
	}
	v, err = lib.Eval(context.Background(), "Value", EvalOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("parameter %q: %v", name, err)
	}
	return name, v, nil
}

// EvalOptions are the settings of one evaluation.
type EvalOptions struct {
	// Now is the evaluation's timestamp (Now(), Today(), the default
	// timezone offset); zero means the current time.
	Now time.Time
	// Parameters override parameter defaults. A plain name applies to the
	// main library and to every included library declaring a parameter of
	// that name (when the value fits its type), as the reference engine
	// does for "Measurement Period"; "Lib.Name" applies to library Lib only
	// and takes precedence over a plain name. Reading a parameter that has
	// neither a default nor a value is a run-time error naming it.
	// CheckParameters checks a map before use; ParseParameter reads
	// NAME=CQL-LITERAL settings.
	Parameters map[string]value.Value
	// MaxListSize bounds lists built during evaluation (0: no limit).
	MaxListSize int
	// MaxStringLen bounds strings (bytes; 0: eval.DefaultMaxStringLen),
	// MaxTupleWidth tuples (0: eval.DefaultMaxTupleWidth) and MaxBytes the
	// bytes of all values the evaluation builds (0: no limit); negative
	// means no limit. An evaluation over a limit fails with an *EvalError
	// wrapping a *builtins.LimitError (see eval.IsLimit).
	MaxStringLen  int
	MaxTupleWidth int
	MaxBytes      int
	// MaxDepth bounds function recursion (0: eval.DefaultMaxDepth).
	MaxDepth int
	// Retriever overrides the Env's retriever.
	Retriever Retriever
	// Terminology overrides the Env's terminology provider.
	Terminology Terminology
	// OnMessage receives the messages of Message calls whose condition is
	// true and whose severity is not Error (Trace, Message, Warning; an
	// Error message stops the evaluation with an *EvalError instead). It is
	// never called concurrently within one evaluation, but concurrent
	// evaluations sharing one function call it concurrently. nil drops the
	// messages.
	OnMessage func(Message)
}

// Message is what the CQL Message operator reports: the position of the
// call (Library is the library's name, or the name given to Compile for a
// library without a declaration) and its severity, code and message text
// ("" for null arguments).
type Message = eval.Message

func (l *Library) session(ctx context.Context, o EvalOptions) *eval.Session {
	r := o.Retriever
	if r == nil {
		r = l.retriever
	}
	t := o.Terminology
	if t == nil {
		t = l.terms
	}
	return l.prog.NewSession(ctx, eval.Options{Now: o.Now, Parameters: o.Parameters, MaxListSize: o.MaxListSize,
		MaxStringLen: o.MaxStringLen, MaxTupleWidth: o.MaxTupleWidth, MaxBytes: o.MaxBytes, MaxDepth: o.MaxDepth, Retriever: r, Terminology: t, OnMessage: o.OnMessage})
}

// Eval evaluates one expression definition.
func (l *Library) Eval(ctx context.Context, name string, opts EvalOptions) (value.Value, error) {
	if !l.prog.HasDefine(name) {
		return nil, fmt.Errorf("library %s has no expression definition named %q", l.Name, name)
	}
	s := l.session(ctx, opts)
	defer l.prog.Release(s)
	return s.Eval(name)
}

// Result is the outcome of one definition in EvalAll.
type Result struct {
	Name  string
	Value value.Value
	Err   error
}

// EvalAll evaluates every expression definition, in source order, sharing
// one evaluation (each definition is evaluated once).
func (l *Library) EvalAll(ctx context.Context, opts EvalOptions) []Result {
	s := l.session(ctx, opts)
	defer l.prog.Release(s)
	names := l.prog.Defines()
	out := make([]Result, len(names))
	for i, n := range names {
		v, err := s.Eval(n)
		out[i] = Result{Name: n, Value: v, Err: err}
	}
	return out
}

// AsErrors returns err as compile Errors when it is one.
func AsErrors(err error) (Errors, bool) {
	var es Errors
	ok := errors.As(err, &es)
	return es, ok
}

// DataRequirement is one retrieve of a library or of a library it
// includes: the data an evaluation may read.
type DataRequirement struct {
	// Model and Type name the retrieved type ("FHIR", "Observation"); for
	// a profile retrieve, the type the profile constrains.
	Model, Type string
	// Profile is the profile written in the retrieve, when there is one.
	Profile string
	// CodePath is the code element filtered on ("code"), empty without a
	// code filter.
	CodePath string
	// ValueSet is the canonical of the value set the codes must be in,
	// when the filter is a value set.
	ValueSet string
	// Codes are the codes of a filter by code or concept.
	Codes []value.Code
}

// DataRequirements lists the retrieves of the library and of the libraries
// it includes, each distinct requirement once, in definition order.
func (l *Library) DataRequirements() []DataRequirement {
	var out []DataRequirement
	seen := map[string]bool{}
	for _, r := range checker.Retrieves(l.checked) {
		dr := DataRequirement{CodePath: r.CodePath}
		if r.DataType != nil {
			dr.Model, dr.Type = r.DataType.Model, r.DataType.Name
		}
		if r.Profile != nil {
			dr.Profile = r.Profile.Name
		}
		if r.Codes != nil {
			dr.ValueSet, dr.Codes = retrieveTerms(r.Codes)
		}
		key := fmt.Sprint(dr)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, dr)
	}
	return out
}

// retrieveTerms reads the value set or codes of a retrieve's code filter
// when they are terminology declarations (possibly converted, or a list
// of them); a computed filter gives neither.
func retrieveTerms(n checker.Node) (vs string, codes []value.Code) {
	switch n := n.(type) {
	case *checker.Convert:
		return retrieveTerms(n.Operand)
	case *checker.ListSel:
		for _, e := range n.Elems {
			_, cs := retrieveTerms(e)
			codes = append(codes, cs...)
		}
		return "", codes
	case *checker.TermRef:
		switch v := n.Value.(type) {
		case value.ValueSetRef:
			return v.ID, nil
		case value.Code:
			return "", []value.Code{v}
		case value.Concept:
			return "", v.Codes
		}
	}
	return "", nil
}

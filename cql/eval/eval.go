package eval

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Retriever supplies the data of retrieve expressions ([Condition: code in
// "Diabetes"]). codes is nil when the retrieve has no terminology filter.
type Retriever interface {
	Retrieve(ctx context.Context, dataType *types.Named, codePath string, codes value.Value) ([]value.Value, error)
}

// RetrieveRequest is a retrieve with all its parts.
type RetrieveRequest struct {
	DataType *types.Named
	// CodePath is the path of the codes compared ("" when no codes are
	// given); the model's primary code path when none was written.
	CodePath string
	// Codes is the terminology filter (a Code, Concept, list of them or a
	// value set reference); nil without one.
	Codes value.Value
	// CodeComparator is the comparator as written: "in", "=" or "~", or ""
	// when not written (then: in for value sets, ~ for codes).
	CodeComparator string
	// HasContext is set for a related-context retrieve ([Mother ->
	// Observation]); Context is the value of its context expression (a
	// resource or an id; never null: a null context retrieves nothing).
	HasContext bool
	Context    value.Value
}

// RequestRetriever is a Retriever that also takes the code comparator and
// the context of related-context retrieves. The evaluator calls
// RetrieveRequest instead of Retrieve when a retriever implements it.
type RequestRetriever interface {
	Retriever
	RetrieveRequest(ctx context.Context, req RetrieveRequest) ([]value.Value, error)
}

// Options are the per-evaluation settings.
type Options struct {
	Now        time.Time
	Parameters map[string]value.Value
	// MaxListSize bounds lists (elements), MaxStringLen strings (bytes;
	// 0: DefaultMaxStringLen), MaxTupleWidth tuples (elements; 0:
	// DefaultMaxTupleWidth) and MaxBytes the bytes of all values the
	// evaluation builds; 0 means no limit for MaxListSize and MaxBytes, a
	// negative value no limit for all. Over a limit, evaluation stops with
	// a *builtins.LimitError.
	MaxListSize   int
	MaxStringLen  int
	MaxTupleWidth int
	MaxBytes      int
	MaxDepth      int
	Retriever     Retriever
	Terminology   Terminology
	// OnMessage receives the messages of Message calls whose condition is
	// true and whose severity is not Error (an Error message is a run-time
	// error instead). It is called on the evaluating goroutine, one call
	// at a time; nil drops the messages.
	OnMessage func(Message)
}

// Message is a message reported by the CQL Message operator.
type Message struct {
	// Library, Line and Col locate the Message call.
	Library   string
	Line, Col int
	// Severity is as written in the call (Trace, Message or Warning in
	// CQL 1.5); Code and Text are its code and message arguments ("" when
	// null).
	Severity, Code, Text string
}

// DefaultMaxDepth bounds function recursion when Options.MaxDepth is 0.
const DefaultMaxDepth = 1000

var bg = context.Background()

type fn func(*frame) (value.Value, error)

// frame holds the local slots of one define, parameter default or function
// invocation.
type frame struct {
	a    *activation
	vars []value.Value
}

// defState memoises the value of one definition or parameter in an
// activation.
type defState struct {
	state int8 // notEvaluated, evaluating or evaluated
	v     value.Value
	err   error
}

const (
	notEvaluated int8 = iota
	evaluating
	evaluated
)

type activation struct {
	ctx       context.Context
	b         builtins.Context
	defs      [][]defState
	params    [][]defState
	in        map[string]value.Value
	main      *libPlan
	depth     int
	maxDepth  int
	retriever Retriever
	terms     Terminology
	onMessage func(Message)
	maxTuple  int
	// root is the frame of bodies that need no local slots.
	root frame
}

// tick is called once per iteration of evaluation loops; see
// builtins.Context.Tick.
func (a *activation) tick() error { return a.b.Tick() }

// Program is a planned library with its includes.
type Program struct {
	main *libPlan
	libs []*libPlan
	// needsNow is false when no expression can depend on the evaluation
	// time (no temporal values at all), so sessions skip reading the clock.
	needsNow bool
	pool     sync.Pool
}

type libPlan struct {
	idx    int
	lib    *checker.Library
	defs   map[string]*defPlan
	order  []*defPlan
	params map[string]*defPlan
}

type defPlan struct {
	idx   int
	name  string
	body  fn
	frame int
	pos   checker.Pos
}

type funcPlan struct {
	def  *checker.FuncDef
	body fn
}

type planner struct {
	prog     *Program
	libs     map[*checker.Library]*libPlan
	funcs    map[*checker.FuncDef]*funcPlan
	cur      *libPlan
	foldMemo map[*checker.Call]bool
}

// Plan turns a checked library (and everything it includes) into a Program.
func Plan(lib *checker.Library) *Program {
	p := &planner{prog: &Program{}, libs: map[*checker.Library]*libPlan{}, funcs: map[*checker.FuncDef]*funcPlan{}}
	p.prog.main = p.register(lib)
	for _, lp := range p.prog.libs {
		p.cur = lp
		for _, name := range lp.lib.DefOrder {
			d := lp.lib.Defs[name]
			dp := lp.defs[name]
			dp.body = p.plan(d.Body)
		}
		for _, name := range lp.lib.ParamOrder {
			pd := lp.lib.Params[name]
			if pd.Default != nil {
				lp.params[name].body = p.plan(pd.Default)
			}
		}
	}
	// Functions are planned lazily on first reference; plan any that were
	// referenced but whose bodies were not yet planned.
	for changed := true; changed; {
		changed = false
		for fd, fp := range p.funcs {
			if fp.body == nil && fd.Body != nil {
				p.cur = p.libs[fd.Lib]
				fp.body = p.plan(fd.Body)
				changed = true
			}
		}
	}
	return p.prog
}

func (p *planner) register(lib *checker.Library) *libPlan {
	if lp, ok := p.libs[lib]; ok {
		return lp
	}
	lp := &libPlan{idx: len(p.prog.libs), lib: lib, defs: map[string]*defPlan{}, params: map[string]*defPlan{}}
	p.libs[lib] = lp
	p.prog.libs = append(p.prog.libs, lp)
	for i, name := range lib.DefOrder {
		d := lib.Defs[name]
		dp := &defPlan{idx: i, name: name, frame: d.Frame, pos: d.P}
		lp.defs[name] = dp
		lp.order = append(lp.order, dp)
	}
	for i, name := range lib.ParamOrder {
		pd := lib.Params[name]
		lp.params[name] = &defPlan{idx: i, name: name, frame: pd.Frame, pos: pd.P}
	}
	for _, inc := range lib.Includes {
		p.register(inc)
	}
	return lp
}

// fitsParam reports whether v can be the value of the parameter.
func fitsParam(lp *libPlan, dp *defPlan, v value.Value) bool {
	pd := lp.lib.Params[dp.name]
	if v == nil || pd == nil || pd.T == nil || isType(v, pd.T) {
		return true
	}
	_, ok := checker.ConversionFor(v.Type(), pd.T)
	return ok
}

// paramValue checks a supplied parameter value against the declared type,
// applying implicit conversions (an Integer for a Decimal parameter).
func (a *activation) paramValue(lp *libPlan, dp *defPlan, v value.Value) (value.Value, error) {
	pd := lp.lib.Params[dp.name]
	if v == nil || pd == nil || pd.T == nil || isType(v, pd.T) {
		return v, nil
	}
	conv, ok := checker.ConversionFor(v.Type(), pd.T)
	if !ok {
		return nil, wrap(builtins.Errorf("parameter %s expects a value of type %s, got %s", dp.name, pd.T, v.Type()),
			lp.lib.Name, dp.pos.Line, dp.pos.Col)
	}
	r, err := convert(conv, v)
	if err != nil {
		return nil, wrap(err, lp.lib.Name, dp.pos.Line, dp.pos.Col)
	}
	return r, nil
}

// CheckParameters checks supplied parameter values before an evaluation:
// every name must be declared, as a plain name by the main library or an
// included one, as "Lib.name" by library Lib; a value must have the
// declared type (or convert to it implicitly) of the main library's
// parameter or, for a plain name the main library does not declare, of at
// least one included library's. Every problem is reported, by name.
func (pr *Program) CheckParameters(in map[string]value.Value) error {
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		if err := pr.checkParameter(n, in[n]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (pr *Program) checkParameter(name string, v value.Value) error {
	mismatch := func(lp *libPlan, dp *defPlan) error {
		return fmt.Errorf("parameter %q of library %s is of type %s; the value given is of type %s",
			dp.name, lp.lib.Name, lp.lib.Params[dp.name].T, v.Type())
	}
	if dp, ok := pr.main.params[name]; ok {
		if !fitsParam(pr.main, dp, v) {
			return mismatch(pr.main, dp)
		}
		return nil
	}
	var first error
	declared := false
	for _, lp := range pr.libs {
		dp, ok := lp.params[name]
		if !ok {
			continue
		}
		declared = true
		if fitsParam(lp, dp, v) {
			return nil
		}
		if first == nil {
			first = mismatch(lp, dp)
		}
	}
	if declared {
		return first
	}
	if i := strings.Index(name, "."); i > 0 {
		for _, lp := range pr.libs {
			if lp.lib.Name != name[:i] {
				continue
			}
			dp, ok := lp.params[name[i+1:]]
			if !ok {
				return fmt.Errorf("library %s declares no parameter named %q", lp.lib.Name, name[i+1:])
			}
			if !fitsParam(lp, dp, v) {
				return mismatch(lp, dp)
			}
			return nil
		}
	}
	return fmt.Errorf("no library of the evaluation declares a parameter named %q", name)
}

// Defines returns the expression definitions of the main library in source order.
func (pr *Program) Defines() []string {
	out := make([]string, len(pr.main.order))
	for i, d := range pr.main.order {
		out[i] = d.name
	}
	return out
}

// HasDefine reports whether the main library defines name.
func (pr *Program) HasDefine(name string) bool {
	_, ok := pr.main.defs[name]
	return ok
}

// Session is one evaluation: defines evaluated through the same Session are
// cached (each is evaluated at most once).
type Session struct {
	a   *activation
	act activation
}

// NewSession starts an evaluation.
func (pr *Program) NewSession(ctx context.Context, o Options) *Session {
	if ctx == nil {
		ctx = context.Background()
	}
	s, _ := pr.pool.Get().(*Session)
	if s == nil {
		s = &Session{}
		s.a = &s.act
		both := make([][]defState, 2*len(pr.libs))
		s.act.defs, s.act.params = both[:len(pr.libs)], both[len(pr.libs):]
	}
	a := s.a
	a.ctx, a.in, a.main, a.maxDepth, a.retriever, a.terms = ctx, o.Parameters, pr.main, o.MaxDepth, o.Retriever, o.Terminology
	a.onMessage = o.OnMessage
	if a.maxDepth <= 0 {
		a.maxDepth = DefaultMaxDepth
	}
	a.b = builtins.Context{Ctx: ctx, MaxListSize: max(o.MaxListSize, 0), MaxBytes: max(o.MaxBytes, 0),
		MaxStringLen: limit(o.MaxStringLen, DefaultMaxStringLen)}
	a.maxTuple = limit(o.MaxTupleWidth, DefaultMaxTupleWidth)
	if now := o.Now; !now.IsZero() {
		a.b.Now = value.DateTimeOf(now)
	} else if pr.needsNow {
		a.b.Now = value.DateTimeOf(time.Now())
	}
	a.root.a = a
	return s
}

// Release ends a session and lets the Program reuse its memory. The
// session must not be used afterwards; values it produced stay valid.
func (pr *Program) Release(s *Session) {
	a := s.a
	for i := range a.defs {
		clear(a.defs[i])
		clear(a.params[i])
	}
	a.ctx, a.in, a.retriever, a.terms, a.b, a.onMessage = nil, nil, nil, nil, builtins.Context{}, nil
	a.depth = 0
	pr.pool.Put(s)
}

// Eval evaluates the named define of the main library.
func (s *Session) Eval(name string) (v value.Value, err error) {
	defer func() {
		// An operator or model bug must not take the process down.
		if r := recover(); r != nil {
			v, err = nil, &EvalError{Library: s.a.main.lib.Name, Message: fmt.Sprintf("internal error evaluating %s: %v", name, r),
				Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	dp, ok := s.a.main.defs[name]
	if !ok {
		return nil, fmt.Errorf("no expression definition named %q in library %s", name, s.a.main.lib.Name)
	}
	if err := s.a.ctx.Err(); err != nil {
		return nil, wrap(err, s.a.main.lib.Name, dp.pos.Line, dp.pos.Col)
	}
	return s.a.evalDef(s.a.main, dp)
}

func (a *activation) evalDef(lp *libPlan, dp *defPlan) (value.Value, error) {
	return a.evalOnce(a.defs, len(lp.order), lp, dp, "definition")
}

func (a *activation) evalParam(lp *libPlan, dp *defPlan) (value.Value, error) {
	// A library-qualified name ("Lib.name") sets the parameter of that
	// library only; a plain name sets the parameter of every library that
	// declares one of that name (the main library and its includes), unless
	// a qualified value is given for it. An included library whose
	// parameter cannot hold the plain value keeps its default.
	if v, ok := a.in[lp.lib.Name+"."+dp.name]; ok {
		return a.paramValue(lp, dp, v)
	}
	if v, ok := a.in[dp.name]; ok {
		if lp == a.main || fitsParam(lp, dp, v) {
			return a.paramValue(lp, dp, v)
		}
	}
	return a.evalOnce(a.params, len(lp.params), lp, dp, "parameter")
}

// evalOnce evaluates the body of dp at most once per activation, keeping
// the result in rows (a.defs or a.params, one row of n states per library).
// A definition met again while it is being evaluated is an error, and so
// is a parameter without a body (no default) for which no value was given.
func (a *activation) evalOnce(rows [][]defState, n int, lp *libPlan, dp *defPlan, kind string) (value.Value, error) {
	if rows[lp.idx] == nil {
		rows[lp.idx] = make([]defState, n)
	}
	st := &rows[lp.idx][dp.idx]
	switch st.state {
	case evaluated:
		return st.v, st.err
	case evaluating:
		return nil, wrap(fmt.Errorf("%s %q refers to itself", kind, dp.name), lp.lib.Name, dp.pos.Line, dp.pos.Col)
	}
	if dp.body == nil {
		if kind == "parameter" {
			err := wrap(fmt.Errorf("parameter %q of library %s has no default and no value was given for it", dp.name, lp.lib.Name),
				lp.lib.Name, dp.pos.Line, dp.pos.Col)
			st.state, st.err = evaluated, err
			return nil, err
		}
		return nil, nil
	}
	st.state = evaluating
	f := &a.root
	if dp.frame > 0 {
		f = &frame{a: a, vars: make([]value.Value, dp.frame)}
	}
	v, err := dp.body(f)
	st = &rows[lp.idx][dp.idx]
	st.state, st.v, st.err = evaluated, v, err
	return v, err
}

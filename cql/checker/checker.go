// Package checker resolves names, infers types and resolves operator
// overloads of a parsed CQL library, producing a tree of typed Nodes that
// cql/eval plans into closures.
package checker

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Error is a checking error at a source position with a stable code.
type Error struct {
	Pos     Pos
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d:%d: %s [%s]", e.Pos.Line, e.Pos.Col, e.Message, e.Code)
}

// Error codes.
const (
	CodeUndeclared      = "undeclared-identifier"
	CodeNoOverload      = "no-matching-overload"
	CodeAmbiguous       = "ambiguous-overload"
	CodeTypeMismatch    = "type-mismatch"
	CodeCycle           = "cycle"
	CodeIncludeNotFound = "include-not-found"
	CodeUnknownModel    = "unknown-model"
	CodeUnknownType     = "unknown-type"
	CodeInvalid         = "invalid"
	CodeDuplicate       = "duplicate-definition"
	CodeAccess          = "private-access"
	CodeUnsupported     = "unsupported"
)

// Model is a data model (such as FHIR R4) the checker can resolve types and
// property paths against.
type Model interface {
	// Name is the model name used in `using` and type qualifiers (FHIR).
	Name() string
	// ResolveType returns the named type of the model.
	ResolveType(name string) (*types.Named, bool)
	// PropertyType returns the type of the named property of a model type.
	PropertyType(t types.Type, name string) (types.Type, bool)
}

// VersionedModel is implemented by models with a version: `using QICore
// version '4.1.1'` needs the model of that version.
type VersionedModel interface {
	Version() string
}

// ModelKey is the key of Options.Models under which a model answers
// `using name version 'version'`; the key of the bare name answers usings
// without a version.
func ModelKey(name, version string) string { return name + "@" + version }

// ReaderModel is implemented by models whose elements are read from the
// data of another model through a mapping (QI-Core's elements from FHIR
// resources): PropertyReader returns the reader of element name of t, nil
// when the element is read as it is.
type ReaderModel interface {
	PropertyReader(t *types.Named, name string) (func(value.Value) (value.Value, error), error)
}

// ProfileModel is implemented by models whose retrievable types are
// profiles of another model's resources: RetrieveTarget returns the
// resource type a retrieve of profile t reads, and the rule the resources
// must meet (nil: all of them, the reference engine's "retrieve by base
// type").
type ProfileModel interface {
	RetrieveTarget(t *types.Named) (base *types.Named, keep func(value.Value) (bool, error), ok bool)
	// DataType is the type of the data values of profile type t
	// (QICore.Encounter values are FHIR.Encounter resources), for type
	// tests and casts at run time.
	DataType(t *types.Named) (*types.Named, bool)
}

// ContextModel is implemented by models that define contexts (`context
// Patient`): the context's type, retrieved to define the implicit
// expression named after the context.
type ContextModel interface {
	ContextType(name string) (*types.Named, bool)
}

// RetrieveModel is implemented by models that know the default code path
// of retrieves ([Condition: "Diabetes"] filters on Condition.code).
type RetrieveModel interface {
	PrimaryCodePath(typeName string) string
}

// InstanceModel is implemented by models whose types can be built with
// instance selectors (FHIR.Coding { code: ..., system: ... }).
type InstanceModel interface {
	NewInstance(t *types.Named, names []string, vals []value.Value) (value.Value, error)
}

// IncludeFunc loads and checks an included library. It returns the checked
// library, or an error code (CodeIncludeNotFound, CodeCycle, ...) and message.
type IncludeFunc func(name, version string) (lib *Library, code, msg string)

// Options configure a Check call.
type Options struct {
	Models  map[string]Model
	Include IncludeFunc
	// Natives implement functions in Go, keyed by "Library.Function"
	// (the library's name without version).
	Natives map[string]func(args []value.Value) (value.Value, error)
	// IntervalPromotion and IntervalDemotion enable the interval
	// conversions of CQL's "Promotion and Demotion" (see
	// Matcher.IntervalPromotion); both default to off.
	IntervalPromotion, IntervalDemotion bool
}

type defState int8

const (
	stNew defState = iota
	stChecking
	stDone
)

type checker struct {
	m      *Matcher
	opts   Options
	lib    *Library
	src    *ast.Library
	errs   []*Error
	models map[string]Model // by name and alias

	defASTs  map[string]*ast.ExpressionDef
	defState map[string]defState
	funcASTs map[*FuncDef]*ast.FunctionDef
	funcSt   map[*FuncDef]defState
	paramAST map[string]*ast.ParameterDef
	paramSt  map[string]defState
	incAlias map[string]*Library
	// badInc are aliases of includes that failed; references to them are
	// not reported again.
	badInc  map[string]bool
	private map[string]bool // private declaration names (for this library)

	// per-body state
	scope    *scope
	slots    int
	maxSlots int
}

type scope struct {
	parent *scope
	names  map[string]*Var
	// sortElem is set inside sort items: unresolved identifiers are
	// properties of the element in this slot.
	sortElem *Var
}

// Check checks a parsed library.
func Check(src *ast.Library, opts Options) (*Library, []*Error) {
	c := &checker{opts: opts, src: src, models: map[string]Model{},
		defASTs: map[string]*ast.ExpressionDef{}, defState: map[string]defState{},
		funcASTs: map[*FuncDef]*ast.FunctionDef{}, funcSt: map[*FuncDef]defState{},
		paramAST: map[string]*ast.ParameterDef{}, paramSt: map[string]defState{},
		incAlias: map[string]*Library{}, private: map[string]bool{}, badInc: map[string]bool{}}
	lib := &Library{Includes: map[string]*Library{}, Defs: map[string]*ExprDef{}, Params: map[string]*ParamDef{},
		Funcs: map[string][]*FuncDef{}, Terms: map[string]Node{}}
	c.lib = lib
	c.m = &Matcher{IntervalPromotion: opts.IntervalPromotion, IntervalDemotion: opts.IntervalDemotion}
	if src.Identifier != nil {
		lib.Name, lib.Version = src.Identifier.Name, src.Identifier.Version
	} else {
		lib.Name = src.Name
	}
	for _, u := range src.Usings {
		if u.Model == "System" {
			continue
		}
		m, ok := opts.Models[u.Model]
		if !ok {
			c.errorf(u.Span, CodeUnknownModel, "unknown model %s: no ModelInfo of it is loaded", u.Model)
			continue
		}
		if u.Version != "" {
			if vm, ok := opts.Models[ModelKey(u.Model, u.Version)]; ok {
				m = vm
			} else if v, ok := m.(VersionedModel); ok && v.Version() != u.Version {
				c.errorf(u.Span, CodeUnknownModel, "model %s version %s is not available (version %s is)", u.Model, u.Version, v.Version())
				continue
			}
		}
		c.models[u.Model] = m
		if cv, ok := m.(Converter); ok {
			c.m.Converters = append(c.m.Converters, cv)
		}
		if u.Alias != "" {
			c.models[u.Alias] = m
		}
	}
	for _, inc := range src.Includes {
		if opts.Include == nil {
			c.errorf(inc.Span, CodeIncludeNotFound, "library %s cannot be included: no library resolver is configured", inc.Name)
			continue
		}
		il, code, msg := opts.Include(inc.Name, inc.Version)
		if il == nil {
			c.errorf(inc.Span, code, "%s", msg)
			c.badInc[inc.LocalName()] = true
			continue
		}
		if inc.Version != "" && il.Version != "" && il.Version != inc.Version {
			c.errorf(inc.Span, CodeIncludeNotFound, "library %s version %s was requested but version %s was found", inc.Name, inc.Version, il.Version)
			continue
		}
		lib.Includes[inc.LocalName()] = il
		c.incAlias[inc.LocalName()] = il
	}
	c.declareTerminology()
	for _, p := range src.Parameters {
		if _, dup := c.paramAST[p.Name]; dup {
			c.errorf(p.Span, CodeDuplicate, "parameter %q is already defined", p.Name)
			continue
		}
		c.paramAST[p.Name] = p
		lib.ParamOrder = append(lib.ParamOrder, p.Name)
		if p.Access == ast.Private {
			c.private[p.Name] = true
		}
	}
	for _, st := range src.Statements {
		switch s := st.(type) {
		case *ast.ExpressionDef:
			if _, dup := c.defASTs[s.Name]; dup {
				c.errorf(s.Span, CodeDuplicate, "expression %q is already defined", s.Name)
				continue
			}
			c.defASTs[s.Name] = s
			lib.DefOrder = append(lib.DefOrder, s.Name)
		case *ast.FunctionDef:
			c.declareFunc(s)
		}
	}
	c.declareContexts()
	for _, name := range lib.ParamOrder {
		c.checkParam(name)
	}
	for _, name := range lib.DefOrder {
		c.checkDef(name)
	}
	for _, fs := range lib.Funcs {
		for _, f := range fs {
			c.checkFuncBody(f)
		}
	}
	lib.Private = c.private
	sort.SliceStable(c.errs, func(i, j int) bool {
		a, b := c.errs[i].Pos, c.errs[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return lib, c.errs
}

func pos(s ast.Span) Pos { return Pos{s.Start.Line, s.Start.Col} }

func (c *checker) errorf(s ast.Span, code, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos: pos(s), Code: code, Message: fmt.Sprintf(format, args...)})
}

// bad is the node used after an error so checking can go on; its type Any
// matches every parameter.
func bad(s ast.Span) Node { return &Literal{Base: Base{T: types.Any, P: pos(s)}} }

// isBad reports whether n stands for an expression that failed to check.
func isBad(n Node) bool {
	l, ok := n.(*Literal)
	return ok && l.Value == nil && types.Equal(l.T, types.Any)
}

// startBody begins the body of a definition, parameter default or function:
// an empty scope and no local slots. endBody restores the enclosing state
// that startBody returned.
func (c *checker) startBody() bodyState {
	saved := bodyState{c.scope, c.slots, c.maxSlots}
	c.scope = &scope{names: map[string]*Var{}}
	c.slots, c.maxSlots = 0, 0
	return saved
}

func (c *checker) endBody(saved bodyState) {
	c.scope, c.slots, c.maxSlots = saved.scope, saved.slots, saved.maxSlots
}

// bodyState is the scope and slot counters of the enclosing body.
type bodyState struct {
	scope           *scope
	slots, maxSlots int
}

func (c *checker) push() { c.scope = &scope{parent: c.scope, names: map[string]*Var{}} }
func (c *checker) pop()  { c.scope = c.scope.parent }

func (c *checker) declare(name string, t types.Type, p Pos) *Var {
	v := &Var{Base: Base{T: t, P: p}, Name: name, Slot: c.slots}
	c.slots++
	if c.slots > c.maxSlots {
		c.maxSlots = c.slots
	}
	c.scope.names[name] = v
	return v
}

func (c *checker) lookupLocal(name string) *Var {
	for s := c.scope; s != nil; s = s.parent {
		if v, ok := s.names[name]; ok {
			return v
		}
	}
	return nil
}

func (c *checker) sortElem() *Var {
	for s := c.scope; s != nil; s = s.parent {
		if s.sortElem != nil {
			return s.sortElem
		}
	}
	return nil
}

func (c *checker) checkParam(name string) *ParamDef {
	if p, ok := c.lib.Params[name]; ok {
		return p
	}
	pa := c.paramAST[name]
	if c.paramSt[name] == stChecking {
		c.errorf(pa.Span, CodeCycle, "parameter %q refers to itself", name)
		return nil
	}
	c.paramSt[name] = stChecking
	saved := c.startBody()
	pd := &ParamDef{Name: name, Public: pa.Access == ast.Public, P: pos(pa.Span)}
	if pa.Type != nil {
		pd.T = c.typeOf(pa.Type)
	}
	if pa.Default != nil {
		d := c.expr(pa.Default)
		if pd.T == nil {
			pd.T = d.Type()
		} else {
			d = c.convertTo(d, pd.T, pa.Default.GetSpan(), "parameter default")
		}
		pd.Default = d
	}
	if pd.T == nil {
		pd.T = types.Any
	}
	pd.Frame = c.maxSlots
	c.endBody(saved)
	c.lib.Params[name] = pd
	c.paramSt[name] = stDone
	return pd
}

func (c *checker) checkDef(name string) *ExprDef {
	if d, ok := c.lib.Defs[name]; ok {
		return d
	}
	da := c.defASTs[name]
	if c.defState[name] == stChecking {
		c.errorf(da.Span, CodeCycle, "expression %q refers to itself", name)
		return nil
	}
	c.defState[name] = stChecking
	saved := c.startBody()
	body := c.expr(da.Expr)
	d := &ExprDef{Name: name, Body: body, Public: da.Access == ast.Public, Context: da.Context, Frame: c.maxSlots, P: pos(da.Span)}
	c.endBody(saved)
	c.lib.Defs[name] = d
	c.defState[name] = stDone
	return d
}

func (c *checker) declareFunc(s *ast.FunctionDef) {
	f := &FuncDef{Lib: c.lib, Name: s.Name, External: s.External, Fluent: s.Fluent, Public: s.Access == ast.Public, P: pos(s.Span)}
	f.Native = c.opts.Natives[c.lib.Name+"."+s.Name]
	for _, o := range s.Operands {
		f.Params = append(f.Params, c.typeOf(o.Type))
		f.Names = append(f.Names, o.Name)
	}
	if s.ReturnType != nil {
		f.Result = c.typeOf(s.ReturnType)
	}
	for _, g := range c.lib.Funcs[s.Name] {
		if len(g.Params) == len(f.Params) {
			same := true
			for i := range g.Params {
				if !types.Equal(g.Params[i], f.Params[i]) {
					same = false
				}
			}
			if same {
				c.errorf(s.Span, CodeDuplicate, "function %s with these operand types is already defined", s.Name)
				return
			}
		}
	}
	c.lib.Funcs[s.Name] = append(c.lib.Funcs[s.Name], f)
	c.funcASTs[f] = s
}

// declareContexts adds, for each `context X` statement whose model defines
// context X, the implicit definition X: singleton from [X].
func (c *checker) declareContexts() {
	for _, cd := range c.src.Contexts {
		if cd.Name == "Unfiltered" {
			continue
		}
		if _, dup := c.defASTs[cd.Name]; dup {
			continue
		}
		if _, done := c.lib.Defs[cd.Name]; done {
			continue
		}
		var ct *types.Named
		for name, m := range c.models {
			if cd.Model != "" && cd.Model != name {
				continue
			}
			if cm, ok := m.(ContextModel); ok {
				if t, ok := cm.ContextType(cd.Name); ok {
					ct = t
					break
				}
			}
		}
		if ct == nil {
			if len(c.models) > 0 {
				c.errorf(cd.Span, CodeUndeclared, "unknown context %s", cd.Name)
			}
			continue
		}
		ret := &Retrieve{Base: Base{T: &types.List{Elem: ct}, P: pos(cd.Span)}, DataType: ct}
		if pm, ok := c.models[ct.Model].(ProfileModel); ok {
			if base, keep, ok := pm.RetrieveTarget(ct); ok {
				ret.Profile, ret.DataType, ret.Keep = ct, base, keep
			}
		}
		body := c.call(cd.Span, "SingletonFrom", value.Unset, ret)
		c.lib.Defs[cd.Name] = &ExprDef{Name: cd.Name, Body: body, Public: true, Context: cd.Name, P: pos(cd.Span)}
		c.lib.DefOrder = append(c.lib.DefOrder, cd.Name)
		c.defState[cd.Name] = stDone
		c.defASTs[cd.Name] = &ast.ExpressionDef{Span: cd.Span, Name: cd.Name, Context: cd.Name}
	}
}

// checkFuncBody checks a function body (once) and fixes its result type.
func (c *checker) checkFuncBody(f *FuncDef) {
	fa, ok := c.funcASTs[f]
	if !ok {
		return // from another library: already checked
	}
	switch c.funcSt[f] {
	case stDone:
		return
	case stChecking:
		if f.Result == nil {
			c.errorf(fa.Span, CodeCycle, "recursive function %s needs a declared return type", f.Name)
			f.Result = types.Any
		}
		return
	}
	c.funcSt[f] = stChecking
	if f.External {
		if f.Result == nil {
			f.Result = types.Any
		}
		f.Slots = nil
		for i := range f.Params {
			f.Slots = append(f.Slots, i)
		}
		f.Frame = len(f.Params)
		c.funcSt[f] = stDone
		return
	}
	saved := c.startBody()
	for i, n := range f.Names {
		v := c.declare(n, f.Params[i], pos(fa.Operands[i].Span))
		f.Slots = append(f.Slots, v.Slot)
	}
	body := c.expr(fa.Body)
	if f.Result == nil {
		f.Result = body.Type()
	} else {
		body = c.convertTo(body, f.Result, fa.Body.GetSpan(), "function result")
	}
	f.Body = body
	f.Frame = c.maxSlots
	c.endBody(saved)
	c.funcSt[f] = stDone
}

// typeOf resolves a type specifier.
func (c *checker) typeOf(ts ast.TypeSpec) types.Type {
	switch t := ts.(type) {
	case *ast.NamedTypeSpec:
		q := t.Qualifier()
		if q == "" || q == "System" {
			if q == "" {
				// Unqualified names resolve in the data models first (with
				// `using FHIR`, Quantity is FHIR.Quantity), then in System.
				for _, u := range c.src.Usings {
					if m, ok := c.models[u.Model]; ok {
						if mt, ok := m.ResolveType(t.Name); ok {
							return mt
						}
					}
				}
			}
			if st, ok := types.System(t.Name); ok {
				return st
			}
			c.errorf(t.Span, CodeUnknownType, "unknown type %s", t.Name)
			return types.Any
		}
		name := t.Name
		m, ok := c.models[q]
		if !ok && len(t.Qualifiers) > 1 {
			// A nested (backbone) type: FHIR.Dosage.DoseAndRate.
			if m, ok = c.models[t.Qualifiers[0]]; ok {
				q = t.Qualifiers[0]
				name = strings.Join(append(append([]string(nil), t.Qualifiers[1:]...), t.Name), ".")
			}
		}
		if !ok {
			c.errorf(t.Span, CodeUnknownModel, "unknown model %s", q)
			return types.Any
		}
		mt, ok := m.ResolveType(name)
		if !ok {
			c.errorf(t.Span, CodeUnknownType, "unknown type %s.%s", q, name)
			return types.Any
		}
		return mt
	case *ast.ListTypeSpec:
		return &types.List{Elem: c.typeOf(t.Elem)}
	case *ast.IntervalTypeSpec:
		return &types.Interval{Point: c.typeOf(t.Point)}
	case *ast.TupleTypeSpec:
		tt := &types.Tuple{}
		for _, e := range t.Elements {
			tt.Elements = append(tt.Elements, types.Element{Name: e.Name, Type: c.typeOf(e.Type)})
		}
		return tt
	case *ast.ChoiceTypeSpec:
		var opts []types.Type
		for _, o := range t.Options {
			opts = append(opts, c.typeOf(o))
		}
		return types.NewChoice(opts...)
	}
	return types.Any
}

// convertTo converts n to type t (implicitly), reporting a type mismatch
// when impossible.
func (c *checker) convertTo(n Node, t types.Type, s ast.Span, what string) Node {
	cost, conv := c.m.match(n.Type(), t)
	if cost < 0 {
		c.errorf(s, CodeTypeMismatch, "%s: expected %s, found %s", what, t, n.Type())
		return n
	}
	if conv != nil {
		return &Convert{Base: Base{T: conv.Target, P: n.Position()}, Conv: conv, Operand: n}
	}
	return n
}

func (c *checker) declareTerminology() {
	src, lib := c.src, c.lib
	cs := map[string]value.CodeSystemRef{}
	for _, d := range src.CodeSystems {
		v := value.CodeSystemRef{ID: d.ID, Version: d.Version}
		cs[d.Name] = v
		lib.Terms[d.Name] = &TermRef{Base: Base{T: types.CodeSys, P: pos(d.Span)}, Value: v}
		if d.Access == ast.Private {
			c.private[d.Name] = true
		}
	}
	for _, d := range src.ValueSets {
		v := value.ValueSetRef{ID: d.ID, Version: d.Version}
		for _, r := range d.CodeSystems {
			if s, ok := c.codeSystem(r); ok {
				v.CodeSystems = append(v.CodeSystems, s)
			}
		}
		lib.Terms[d.Name] = &TermRef{Base: Base{T: types.ValueSet, P: pos(d.Span)}, Value: v}
		if d.Access == ast.Private {
			c.private[d.Name] = true
		}
	}
	for _, d := range src.Codes {
		code := value.Code{Code: d.Code, Display: d.Display}
		if s, ok := c.codeSystem(d.System); ok {
			code.System, code.Version = s.ID, s.Version
		}
		lib.Terms[d.Name] = &TermRef{Base: Base{T: types.Code, P: pos(d.Span)}, Value: code}
		if d.Access == ast.Private {
			c.private[d.Name] = true
		}
	}
	for _, d := range src.Concepts {
		con := value.Concept{Display: d.Display}
		for _, r := range d.Codes {
			var t Node
			if r.Library != "" {
				if il, ok := c.incAlias[r.Library]; ok {
					t = il.Terms[r.Name]
				}
			} else {
				t = lib.Terms[r.Name]
			}
			tr, ok := t.(*TermRef)
			code, ok2 := value.Value(nil), false
			if ok {
				code = tr.Value
				_, ok2 = code.(value.Code)
			}
			if !ok2 {
				c.errorf(r.Span, CodeUndeclared, "could not resolve code %q", r.Name)
				continue
			}
			con.Codes = append(con.Codes, code.(value.Code))
		}
		lib.Terms[d.Name] = &TermRef{Base: Base{T: types.Concept, P: pos(d.Span)}, Value: con}
		if d.Access == ast.Private {
			c.private[d.Name] = true
		}
	}
}

func (c *checker) codeSystem(r *ast.CodeSystemRef) (value.CodeSystemRef, bool) {
	if r == nil {
		return value.CodeSystemRef{}, false
	}
	terms := c.lib.Terms
	if r.Library != "" {
		il, ok := c.incAlias[r.Library]
		if !ok {
			c.errorf(r.Span, CodeUndeclared, "could not resolve library %q", r.Library)
			return value.CodeSystemRef{}, false
		}
		terms = il.Terms
	}
	if t, ok := terms[r.Name].(*TermRef); ok {
		if v, ok := t.Value.(value.CodeSystemRef); ok {
			return v, true
		}
	}
	c.errorf(r.Span, CodeUndeclared, "could not resolve code system %q", r.Name)
	return value.CodeSystemRef{}, false
}

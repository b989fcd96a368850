package checker

import (
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func (c *checker) identifier(x *ast.IdentifierRef) Node {
	if v := c.lookupLocal(x.Name); v != nil {
		return &Var{Base: Base{T: v.T, P: pos(x.Span)}, Name: v.Name, Slot: v.Slot}
	}
	if se := c.sortElem(); se != nil {
		if _, ok := c.propType(se.T, x.Name); ok {
			return c.property(x.Span, &Var{Base: Base{T: se.T, P: pos(x.Span)}, Name: se.Name, Slot: se.Slot}, x.Name)
		}
	}
	if n := c.libMember(c.lib, x.Name, x.Span, true); n != nil {
		return n
	}
	if _, ok := c.incAlias[x.Name]; ok {
		c.errorf(x.Span, CodeInvalid, "library %s cannot be used as a value", x.Name)
		return bad(x.Span)
	}
	if c.badInc[x.Name] {
		return bad(x.Span)
	}
	c.errorf(x.Span, CodeUndeclared, "could not resolve identifier %s", x.Name)
	return bad(x.Span)
}

// libMember resolves a define, parameter or terminology name in lib.
func (c *checker) libMember(lib *Library, name string, s ast.Span, local bool) Node {
	if local {
		if _, ok := c.defASTs[name]; ok {
			d := c.checkDef(name)
			if d == nil {
				return bad(s)
			}
			return &DefRef{Base: Base{T: d.Body.Type(), P: pos(s)}, Lib: lib, Name: name}
		}
		if _, ok := c.paramAST[name]; ok {
			p := c.checkParam(name)
			if p == nil {
				return bad(s)
			}
			return &ParamRef{Base: Base{T: p.T, P: pos(s)}, Lib: lib, Name: name}
		}
	} else {
		if d, ok := lib.Defs[name]; ok {
			if !d.Public {
				c.errorf(s, CodeAccess, "expression %s in library %s is private", name, lib.Name)
			}
			return &DefRef{Base: Base{T: d.Body.Type(), P: pos(s)}, Lib: lib, Name: name}
		}
		if p, ok := lib.Params[name]; ok {
			if !p.Public {
				c.errorf(s, CodeAccess, "parameter %s in library %s is private", name, lib.Name)
			}
			return &ParamRef{Base: Base{T: p.T, P: pos(s)}, Lib: lib, Name: name}
		}
	}
	if t, ok := lib.Terms[name]; ok {
		if !local && lib.Private[name] {
			c.errorf(s, CodeAccess, "%s in library %s is private", name, lib.Name)
		}
		tr := t.(*TermRef)
		return &TermRef{Base: Base{T: tr.T, P: pos(s)}, Value: tr.Value}
	}
	return nil
}

func (c *checker) member(x *ast.MemberAccess) Node {
	if id, ok := x.Source.(*ast.IdentifierRef); ok && c.badInc[id.Name] && c.lookupLocal(id.Name) == nil {
		return bad(x.Span)
	}
	if id, ok := x.Source.(*ast.IdentifierRef); ok {
		if il, ok := c.incAlias[id.Name]; ok && c.lookupLocal(id.Name) == nil {
			if _, def := c.defASTs[id.Name]; !def {
				if n := c.libMember(il, x.Name, x.Span, false); n != nil {
					return n
				}
				c.errorf(x.Span, CodeUndeclared, "could not resolve %s in library %s", x.Name, id.Name)
				return bad(x.Span)
			}
		}
	}
	src := c.expr(x.Source)
	return c.property(x.Span, src, x.Name)
}

var systemProps = map[string]map[string]types.Type{
	"Quantity": {"value": types.Decimal, "unit": types.String},
	"Ratio":    {"numerator": types.Quantity, "denominator": types.Quantity},
	"Code":     {"code": types.String, "system": types.String, "version": types.String, "display": types.String},
	"Concept":  {"codes": &types.List{Elem: types.Code}, "display": types.String},
	"ValueSet": {"id": types.String, "version": types.String},
}

func (c *checker) propType(t types.Type, name string) (types.Type, bool) {
	switch x := t.(type) {
	case *types.Tuple:
		for _, e := range x.Elements {
			if e.Name == name {
				return e.Type, true
			}
		}
		return nil, false
	case *types.Interval:
		switch name {
		case "low", "high":
			return x.Point, true
		case "lowClosed", "highClosed":
			return types.Boolean, true
		}
		return nil, false
	case *types.List:
		et, ok := c.propType(x.Elem, name)
		if !ok {
			return nil, false
		}
		if l, isList := et.(*types.List); isList {
			return l, true
		}
		return &types.List{Elem: et}, true
	case *types.Choice:
		var opts []types.Type
		for _, o := range x.Options {
			if pt, ok := c.propType(o, name); ok {
				opts = append(opts, pt)
			}
		}
		if len(opts) == 0 {
			return nil, false
		}
		return types.NewChoice(opts...), true
	case *types.Named:
		if x.Model == "System" {
			if ps, ok := systemProps[x.Name]; ok {
				pt, ok := ps[name]
				return pt, ok
			}
			return nil, false
		}
		if m, ok := c.models[x.Model]; ok {
			return m.PropertyType(x, name)
		}
	}
	return nil, false
}

func (c *checker) property(s ast.Span, src Node, name string) Node {
	t := src.Type()
	if types.Equal(t, types.Null) {
		return &Property{Base: Base{T: types.Any, P: pos(s)}, Source: src, Name: name}
	}
	if isBad(src) {
		return bad(s) // already reported
	}
	pt, ok := c.propType(t, name)
	if !ok {
		c.errorf(s, CodeUndeclared, "%s has no element %s", t, name)
		return bad(s)
	}
	p := &Property{Base: Base{T: pt, P: pos(s)}, Source: src, Name: name}
	et := t
	if l, ok := t.(*types.List); ok {
		et = l.Elem
	}
	if ch, ok := et.(*types.Choice); ok {
		p.ReadByType = c.choiceReaders(s, ch, name)
	}
	if nt, _ := et.(*types.Named); nt != nil {
		if rm, ok := c.models[nt.Model].(ReaderModel); ok {
			rd, err := rm.PropertyReader(nt, name)
			if err != nil {
				c.errorf(s, CodeUnsupported, "%v", err)
				return bad(s)
			}
			p.Read = rd
		}
	}
	return p
}

// choiceReaders are the readers of element name of the profile types
// among the options of a choice, by the type of their data values (nil
// when no option needs one).
func (c *checker) choiceReaders(s ast.Span, ch *types.Choice, name string) map[string]func(value.Value) (value.Value, error) {
	var out map[string]func(value.Value) (value.Value, error)
	for _, o := range ch.Options {
		nt, ok := o.(*types.Named)
		if !ok {
			continue
		}
		rm, isReader := c.models[nt.Model].(ReaderModel)
		pm, isProfile := c.models[nt.Model].(ProfileModel)
		if !isReader || !isProfile {
			continue
		}
		if _, has := c.propType(nt, name); !has {
			continue
		}
		rd, err := rm.PropertyReader(nt, name)
		if err != nil {
			c.errorf(s, CodeUnsupported, "%v", err)
			continue
		}
		dt, ok := pm.DataType(nt)
		if rd == nil || !ok {
			continue
		}
		if out == nil {
			out = map[string]func(value.Value) (value.Value, error){}
		}
		out[dt.Model+"."+dt.Name] = rd
	}
	return out
}

func (c *checker) funcCall(x *ast.FunctionCall) Node {
	// Library-qualified call.
	if c.badInc[x.LibraryQualifier] && c.lookupLocal(x.LibraryQualifier) == nil {
		c.exprs(x.Args)
		return bad(x.Span)
	}
	if x.LibraryQualifier != "" {
		if il, ok := c.incAlias[x.LibraryQualifier]; ok && c.lookupLocal(x.LibraryQualifier) == nil {
			args := c.exprs(x.Args)
			if n := c.userCall(x.Span, il, x.Name, args, false, false); n != nil {
				return n
			}
			if sigs := funcSignatures(il, x.Name, false); len(sigs) > 0 {
				c.errorf(x.Span, CodeNoOverload, "could not resolve call to function %s.%s with signature (%s); %s",
					x.LibraryQualifier, x.Name, argTypes(args), signatureList(sigs))
				return bad(x.Span)
			}
			c.errorf(x.Span, CodeUndeclared, "could not resolve function %s in library %s", x.Name, x.LibraryQualifier)
			return bad(x.Span)
		}
	}
	if x.Source != nil {
		if n, ok := c.pathFunction(x); ok {
			return n
		}
	}
	var args []Node
	fluent := x.Source != nil
	if fluent {
		args = append(args, c.expr(x.Source))
	}
	args = append(args, c.exprs(x.Args)...)
	if n := c.userCall(x.Span, c.lib, x.Name, args, true, fluent); n != nil {
		return n
	}
	if fluent {
		// Fluent functions of included libraries are callable unqualified.
		for _, il := range c.lib.Includes {
			if n := c.userCall(x.Span, il, x.Name, args, false, true); n != nil {
				return n
			}
		}
	}
	if x.LibraryQualifier == "System" {
		args = args[1:]
	}
	name := x.Name
	if !hasBuiltin(name) && name != "" && name[0] >= 'a' && name[0] <= 'z' {
		// FHIRPath-style lower-case spelling of a System function.
		if up := strings.ToUpper(name[:1]) + name[1:]; hasBuiltin(up) {
			name = up
		}
	}
	if !hasBuiltin(name) {
		if n, ok := c.ageFunction(x, name, args); ok {
			return n
		}
		if sigs := c.funcSignatures(x.Name, fluent); len(sigs) > 0 {
			c.errorf(x.Span, CodeNoOverload, "could not resolve call to function %s with signature (%s); %s",
				x.Name, argTypes(args), signatureList(sigs))
			return bad(x.Span)
		}
		if fluent && len(c.lib.Funcs[x.Name]) > 0 {
			c.errorf(x.Span, CodeUndeclared, "function %s is not declared fluent: call it as %s(...)", x.Name, x.Name)
			return bad(x.Span)
		}
		c.errorf(x.Span, CodeUndeclared, "could not resolve function %s", x.Name)
		return bad(x.Span)
	}
	return c.call(x.Span, name, value.Unset, args...)
}

// funcSignatures lists the signatures of the user-defined functions name
// of the library being checked (and, for a fluent call, of the fluent
// functions of its includes).
func (c *checker) funcSignatures(name string, fluent bool) []string {
	sigs := funcSignatures(c.lib, name, fluent)
	if fluent {
		for _, il := range c.lib.Includes {
			sigs = append(sigs, funcSignatures(il, name, true)...)
		}
	}
	return sigs
}

func funcSignatures(lib *Library, name string, fluent bool) []string {
	var sigs []string
	for _, f := range lib.Funcs[name] {
		if fluent && !f.Fluent {
			continue
		}
		ps := make([]string, len(f.Params))
		for i, p := range f.Params {
			ps[i] = p.String()
		}
		sigs = append(sigs, "("+strings.Join(ps, ", ")+")")
	}
	return sigs
}

func argTypes(args []Node) string {
	ts := make([]string, len(args))
	for i, a := range args {
		ts[i] = a.Type().String()
	}
	return strings.Join(ts, ", ")
}

// userCall resolves a user-defined function of lib (nil when none fits).
func (c *checker) userCall(s ast.Span, lib *Library, name string, args []Node, local, fluent bool) Node {
	cands := lib.Funcs[name]
	if len(cands) == 0 {
		return nil
	}
	best, bestConvs, ties := pickFunc(c.m, cands, args, fluent)
	if best == nil {
		// Interval promotion and demotion, when enabled, only apply when
		// nothing fits without them.
		if m2 := c.m.withIntervals(); m2 != nil {
			best, bestConvs, ties = pickFunc(m2, cands, args, fluent)
		}
	}
	if best == nil {
		return nil
	}
	if ties > 0 {
		vagueArg := false
		for _, a := range args {
			if types.Equal(a.Type(), types.Any) {
				vagueArg = true // typically the result of an earlier error
			}
		}
		if !vagueArg {
			c.errorf(s, CodeAmbiguous, "call to function %s is ambiguous", name)
		}
	}
	if !local && !best.Public {
		c.errorf(s, CodeAccess, "function %s in library %s is private", name, lib.Name)
	}
	if local {
		c.checkFuncBody(best)
	}
	cargs := make([]Node, len(args))
	for i, a := range args {
		if bestConvs[i] != nil {
			cargs[i] = &Convert{Base: Base{T: bestConvs[i].Target, P: a.Position()}, Conv: bestConvs[i], Operand: a}
		} else {
			cargs[i] = a
		}
	}
	rt := best.Result
	if rt == nil {
		rt = types.Any
	}
	return &FuncCall{Base: Base{T: rt, P: pos(s)}, Func: best, Args: cargs}
}

// pickFunc chooses the user-defined function of cands that args fit best,
// with the conversions of its arguments and the number of other candidates
// that fit equally well.
func pickFunc(m *Matcher, cands []*FuncDef, args []Node, fluent bool) (best *FuncDef, bestConvs []*Conv, ties int) {
	bestScore := -1
	for _, f := range cands {
		if fluent && !f.Fluent || len(f.Params) != len(args) {
			continue
		}
		score := 0
		convs := make([]*Conv, len(args))
		ok := true
		for i, a := range args {
			cost, conv := m.match(a.Type(), f.Params[i])
			if cost < 0 {
				ok = false
				break
			}
			score += cost
			convs[i] = conv
		}
		if !ok {
			continue
		}
		switch {
		case bestScore < 0 || score < bestScore:
			best, bestConvs, bestScore, ties = f, convs, score, 0
		case score == bestScore:
			ties++
		}
	}
	return best, bestConvs, ties
}

func isInterval(t types.Type) bool {
	_, ok := t.(*types.Interval)
	return ok
}

func isList(t types.Type) bool {
	_, ok := t.(*types.List)
	return ok
}

func (c *checker) boundary(s ast.Span, n Node, b ast.Boundary) Node {
	switch b {
	case ast.BoundaryStart:
		return c.call(s, "Start", value.Unset, n)
	case ast.BoundaryEnd:
		return c.call(s, "End", value.Unset, n)
	}
	return n
}

func quantityLit(q *ast.Quantity, s ast.Span) Node {
	d, err := value.NewDecimalLax(q.Number)
	if err != nil {
		return lit(nil, types.Quantity, s)
	}
	u := q.Unit
	if u == "" {
		u = "1"
	}
	return lit(value.Quantity{Value: d, Unit: u}, types.Quantity, s)
}

func (c *checker) timing(x *ast.TimingExpr) Node {
	s := x.Span
	l := c.boundary(s, c.expr(x.Left), x.LeftBoundary)
	r := c.boundary(s, c.expr(x.Right), x.RightBoundary)
	p := Precision(x.Precision)
	switch x.Op {
	case ast.TimingSameAs:
		return c.call(s, "SameAs", p, l, r)
	case ast.TimingSameOrBefore:
		return c.call(s, "SameOrBefore", p, l, r)
	case ast.TimingSameOrAfter:
		return c.call(s, "SameOrAfter", p, l, r)
	case ast.TimingIncludes:
		name, alt := c.pointOrInterval(r.Type(), "Contains", "Includes")
		if x.Properly {
			name, alt = proper(name), proper(alt)
		}
		return c.callEither(s, name, alt, p, l, r)
	case ast.TimingIncludedIn:
		name, alt := c.pointOrInterval(l.Type(), "In", "IncludedIn")
		if x.Properly {
			name, alt = proper(name), proper(alt)
		}
		return c.callEither(s, name, alt, p, l, r)
	case ast.TimingBefore, ast.TimingAfter:
		before := x.Op == ast.TimingBefore
		if x.Offset == nil {
			name := "After"
			if before {
				name = "Before"
			}
			if x.OrOn {
				name = "SameOr" + name
			}
			return c.call(s, name, p, l, r)
		}
		// With an offset, compare points: the end of the left interval and
		// the start of the right one for before, and the other way round
		// for after.
		if c.intervalOperand(l.Type()) {
			if before {
				l = c.call(s, "End", value.Unset, l)
			} else {
				l = c.call(s, "Start", value.Unset, l)
			}
		}
		if c.intervalOperand(r.Type()) {
			if before {
				r = c.call(s, "Start", value.Unset, r)
			} else {
				r = c.call(s, "End", value.Unset, r)
			}
		}
		q := quantityLit(x.Offset.Quantity, s)
		var bound Node
		if before {
			bound = c.call(s, "Subtract", value.Unset, r, q)
		} else {
			bound = c.call(s, "Add", value.Unset, r, q)
		}
		switch x.Offset.Kind {
		case ast.OffsetExact:
			return c.call(s, "SameAs", p, l, bound)
		case ast.OffsetOrMore:
			if before {
				return c.call(s, "SameOrBefore", p, l, bound)
			}
			return c.call(s, "SameOrAfter", p, l, bound)
		case ast.OffsetMoreThan:
			if before {
				return c.call(s, "Before", p, l, bound)
			}
			return c.call(s, "After", p, l, bound)
		case ast.OffsetOrLess, ast.OffsetLessThan:
			closed := x.Offset.Kind == ast.OffsetOrLess
			var iv Node
			if before {
				iv = c.interval(s, bound, r, closed, x.OrOn)
			} else {
				iv = c.interval(s, r, bound, x.OrOn, closed)
			}
			return c.call(s, "In", p, l, iv)
		}
	case ast.TimingWithin:
		q := quantityLit(x.Within, s)
		lo, hi := r, r
		if c.intervalOperand(r.Type()) {
			lo, hi = c.call(s, "Start", value.Unset, r), c.call(s, "End", value.Unset, r)
		}
		iv := c.interval(s, c.call(s, "Subtract", value.Unset, lo, q), c.call(s, "Add", value.Unset, hi, q), !x.Properly, !x.Properly)
		if c.intervalOperand(l.Type()) {
			return c.call(s, "IncludedIn", p, l, iv)
		}
		return c.call(s, "In", p, l, iv)
	case ast.TimingMeets:
		return c.call(s, "Meets", p, l, r)
	case ast.TimingMeetsBefore:
		return c.call(s, "MeetsBefore", p, l, r)
	case ast.TimingMeetsAfter:
		return c.call(s, "MeetsAfter", p, l, r)
	case ast.TimingOverlaps:
		return c.call(s, "Overlaps", p, l, r)
	case ast.TimingOverlapsBefore:
		return c.call(s, "OverlapsBefore", p, l, r)
	case ast.TimingOverlapsAfter:
		return c.call(s, "OverlapsAfter", p, l, r)
	case ast.TimingStarts:
		return c.call(s, "Starts", p, l, r)
	case ast.TimingEnds:
		return c.call(s, "Ends", p, l, r)
	}
	c.errorf(s, CodeUnsupported, "unsupported timing phrase %s", x.Op)
	return bad(s)
}

func proper(name string) string {
	if name == "" {
		return ""
	}
	return "Proper" + name
}

// intervalKinds tells whether a value of type t may be an interval (an
// Interval, or a model type that converts to one: FHIR.Period, FHIR.Range)
// and whether it may be a point (any other single value). A choice may be
// both; Any counts as a point, lists and null are neither.
func (c *checker) intervalKinds(t types.Type) (ivl, point bool) {
	switch x := t.(type) {
	case *types.Interval:
		return true, false
	case *types.Choice:
		for _, o := range x.Options {
			i, p := c.intervalKinds(o)
			ivl, point = ivl || i, point || p
		}
		return ivl, point
	case *types.Named:
		if types.Equal(x, types.Null) {
			return false, false
		}
		if x.Model != "System" {
			for _, cv := range c.m.Converters {
				if to, _, ok := cv.ImplicitConversion(x); ok {
					return isInterval(to), !isInterval(to)
				}
			}
		}
		return false, true
	}
	return false, false
}

// intervalOperand reports whether an operand of type t is an interval, or
// converts to one.
func (c *checker) intervalOperand(t types.Type) bool {
	ivl, point := c.intervalKinds(t)
	return ivl && !point
}

// pointOrInterval chooses between the point and the interval form of an
// operator (In / IncludedIn, Contains / Includes) for an operand of type
// t: the interval form for intervals (and FHIR.Period, FHIR.Range, which
// convert to one), the point form for points, and for a choice of both the
// point form, with the interval form as the alternative that the run-time
// type of the value may select.
func (c *checker) pointOrInterval(t types.Type, pointOp, ivlOp string) (name, alt string) {
	ivl, point := c.intervalKinds(t)
	switch {
	case ivl && point:
		return pointOp, ivlOp
	case point:
		return pointOp, ""
	}
	return ivlOp, ""
}

func (c *checker) interval(s ast.Span, lo, hi Node, lc, hc bool) Node {
	pt := c.m.CommonType([]types.Type{lo.Type(), hi.Type()})
	return &IntervalSel{Base: Base{T: &types.Interval{Point: pt}, P: pos(s)}, Low: c.coerce(lo, pt), High: c.coerce(hi, pt), LowClosed: lc, HighClosed: hc}
}

func (c *checker) query(x *ast.Query) Node {
	q := &Query{Base: Base{P: pos(x.Span)}}
	c.push()
	defer c.pop()
	var srcs []Node
	for _, s := range x.Sources {
		src := c.expr(s.Expr)
		if types.Equal(src.Type(), types.ValueSet) {
			// A query over a value set ranges over its codes.
			src = c.coerce(src, codeList)
		}
		srcs = append(srcs, src)
	}
	if len(srcs) == 1 && !isList(srcs[0].Type()) {
		if types.Equal(srcs[0].Type(), types.Any) {
			// Whether it is a list is only known at run time.
			q.DynamicSource = true
		} else {
			q.SingleSource = true
		}
	}
	for i, s := range x.Sources {
		et := srcs[i].Type()
		if l, ok := et.(*types.List); ok {
			et = l.Elem
		}
		v := c.declare(s.Alias, et, pos(s.Span))
		q.Sources = append(q.Sources, AliasedSource{Alias: s.Alias, Slot: v.Slot, Source: srcs[i]})
		if s.Alias == thisAlias {
			// FHIRPath-style .where()/.select(): names that are not in
			// scope are properties of $this.
			c.scope.sortElem = v
		}
	}
	for _, l := range x.Lets {
		e := c.expr(l.Expr)
		v := c.declare(l.Name, e.Type(), pos(l.Span))
		q.Lets = append(q.Lets, Let{Name: l.Name, Slot: v.Slot, Expr: e})
	}
	for _, r := range x.Relationships {
		src := c.expr(r.Source.Expr)
		et := src.Type()
		if l, ok := et.(*types.List); ok {
			et = l.Elem
		}
		c.push()
		v := c.declare(r.Source.Alias, et, pos(r.Source.Span))
		such := c.convertTo(c.expr(r.SuchThat), types.Boolean, r.SuchThat.GetSpan(), "such that")
		c.pop()
		q.Withs = append(q.Withs, With{Source: AliasedSource{Alias: r.Source.Alias, Slot: v.Slot, Source: src}, Such: such, Without: r.Without})
	}
	if x.Where != nil {
		q.Where = c.convertTo(c.expr(x.Where), types.Boolean, x.Where.GetSpan(), "where")
	}
	var elem types.Type
	switch {
	case x.Aggregate != nil:
		a := x.Aggregate
		ag := &Aggregate{Name: a.Name, Distinct: a.Distinct}
		var start Node
		if a.Starting != nil {
			start = c.expr(a.Starting)
		}
		st := types.Type(types.Any)
		if start != nil {
			st = start.Type()
		}
		c.push()
		v := c.declare(a.Name, st, pos(a.Span))
		body := c.expr(a.Expr)
		if start != nil && !types.Equal(st, body.Type()) && !types.Equal(st, types.Null) {
			// Re-check with the widened accumulator type.
			ct := c.m.CommonType([]types.Type{st, body.Type()})
			v.T = ct
			start = c.coerce(start, ct)
			body = c.coerce(c.expr(a.Expr), ct)
		} else if start == nil || types.Equal(st, types.Null) {
			v.T = body.Type()
		}
		c.pop()
		ag.Slot, ag.Starting, ag.Expr = v.Slot, start, body
		q.Aggregate = ag
		q.T = body.Type()
		return q
	case x.Return != nil:
		q.Return = c.expr(x.Return.Expr)
		q.Distinct = !x.Return.All
		elem = q.Return.Type()
	case len(q.Sources) > 1:
		q.TupleReturn = true
		tt := &types.Tuple{}
		for _, s := range q.Sources {
			et := s.Source.Type()
			if l, ok := et.(*types.List); ok {
				et = l.Elem
			}
			tt.Elements = append(tt.Elements, types.Element{Name: s.Alias, Type: et})
		}
		elem = tt
	default:
		elem = q.Sources[0].Source.Type()
		if l, ok := elem.(*types.List); ok {
			elem = l.Elem
		}
	}
	if x.Sort != nil {
		c.push()
		sv := c.declare("$sort", elem, pos(x.Sort.Span))
		q.SortSlot = sv.Slot
		if x.Return == nil && len(q.Sources) == 1 {
			c.scope.names[q.Sources[0].Alias] = sv
		}
		for _, it := range x.Sort.Items {
			si := SortItem{Desc: it.Desc}
			if it.Expr != nil {
				c.scope.sortElem = sv
				si.Expr = c.sortExpr(it.Expr, sv)
				c.scope.sortElem = nil
			}
			q.Sort = append(q.Sort, si)
			kt := elem
			if si.Expr != nil {
				kt = si.Expr.Type()
			}
			if len(c.m.Converters) > 0 && (isModelish(kt) || vague(kt)) {
				q.SortModels = c.m
			}
		}
		c.pop()
	}
	switch {
	case q.DynamicSource:
		q.T = types.Any
	case q.SingleSource:
		q.T = elem
	default:
		q.T = &types.List{Elem: elem}
	}
	return q
}

// sortExpr checks a sort item: identifiers that are not in scope are
// properties of the element being sorted.
func (c *checker) sortExpr(e ast.Expr, sv *Var) Node {
	return c.expr(e)
}

var ageUnits = map[string]string{"Years": "year", "Months": "month", "Weeks": "week", "Days": "day",
	"Hours": "hour", "Minutes": "minute", "Seconds": "second"}

// ageFunction checks the age functions of the System model:
// CalculateAgeIn<Unit>[At](birthDate[, asOf]) is the duration in <Unit>
// between the birth date and asOf (Today() or Now() when absent), and
// AgeIn<Unit>[At]([asOf]) is the same for the birth date of the context
// Patient.
func (c *checker) ageFunction(x *ast.FunctionCall, name string, args []Node) (Node, bool) {
	rest, calc := strings.CutPrefix(name, "CalculateAgeIn")
	if !calc {
		var ok bool
		if rest, ok = strings.CutPrefix(name, "AgeIn"); !ok {
			return nil, false
		}
	}
	rest, at := strings.CutSuffix(rest, "At")
	unit, ok := ageUnits[rest]
	if !ok {
		return nil, false
	}
	want := 0
	if calc {
		want++
	}
	if at {
		want++
	}
	if len(args) != want {
		c.errorf(x.Span, CodeNoOverload, "%s expects %d arguments, got %d", name, want, len(args))
		return bad(x.Span), true
	}
	var birth Node
	if calc {
		birth, args = args[0], args[1:]
	} else {
		pt := c.identifier(&ast.IdentifierRef{Span: x.Span, Name: "Patient"})
		if types.Equal(pt.Type(), types.Any) {
			return bad(x.Span), true
		}
		birth = c.property(x.Span, pt, "birthDate")
	}
	var asOf Node
	if at {
		asOf = args[0]
	} else {
		now := "Today"
		if unit == "hour" || unit == "minute" || unit == "second" {
			now = "Now"
		}
		asOf = c.call(x.Span, now, value.Unset)
	}
	return c.call(x.Span, "DurationBetween", Precision(unit), birth, asOf), true
}

// thisAlias is the alias of the element in FHIRPath-style functions; it is
// not an identifier, so no query can declare it.
const thisAlias = "$this"

// pathFunction checks the FHIRPath-style functions taking an expression of
// the element $this: X.where(criteria), X.select(projection),
// X.all(criteria) and X.exists(criteria). They are queries over X with the
// alias $this; a fluent user-defined function of that name takes precedence.
func (c *checker) pathFunction(x *ast.FunctionCall) (Node, bool) {
	switch x.Name {
	case "where", "select", "all", "exists":
	default:
		return nil, false
	}
	if len(x.Args) != 1 || c.hasFluent(x.Name) {
		return nil, false
	}
	if x.LibraryQualifier != "" {
		if _, ok := c.incAlias[x.LibraryQualifier]; ok && c.lookupLocal(x.LibraryQualifier) == nil {
			return nil, false
		}
	}
	q := &ast.Query{Span: x.Span, Sources: []*ast.AliasedSource{{Span: x.Source.GetSpan(), Expr: x.Source, Alias: thisAlias}}}
	switch x.Name {
	case "where", "exists":
		q.Where = x.Args[0]
	case "select", "all":
		q.Return = &ast.ReturnClause{Span: x.Args[0].GetSpan(), All: true, Expr: x.Args[0]}
	}
	n := c.query(q)
	switch x.Name {
	case "select":
		// Lists returned for the elements are flattened.
		if l, ok := n.Type().(*types.List); ok && isList(l.Elem) {
			return c.call(x.Span, "Flatten", value.Unset, n), true
		}
	case "exists":
		return c.call(x.Span, "Exists", value.Unset, n), true
	case "all":
		return c.call(x.Span, "AllTrue", value.Unset, n), true
	}
	return n, true
}

// hasFluent reports whether a fluent function name is declared in the
// library or one of its includes.
func (c *checker) hasFluent(name string) bool {
	libs := []*Library{c.lib}
	for _, il := range c.lib.Includes {
		libs = append(libs, il)
	}
	for _, l := range libs {
		for _, f := range l.Funcs[name] {
			if f.Fluent {
				return true
			}
		}
	}
	return false
}

package checker

import (
	"strings"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Costs of matching an argument type against a parameter type; lower is
// better. A candidate's score is the sum over its arguments; the lowest
// score wins and a tie is an ambiguity (unless it only comes from null or
// Any arguments, or a fixed-arity overload ties with a variadic one).
//
//	exact 0 < subtype 1.. (closest ancestor first) < null 2 <
//	System implicit conversion 10+kind (Integer->Long, Integer->Decimal,
//	Long->Decimal, ->Quantity, Date->DateTime, Code->Concept) <
//	data model conversion 30+ < list promotion 50+ < list demotion 55+ <
//	an Any or choice argument 60 (checked or converted at run time).
//
// Interval promotion (a point where an interval is expected) and interval
// demotion (an interval where a point is expected) are off unless the
// Matcher enables them, and even then they are never weighed against the
// other conversions: Resolve first looks for a candidate without them and
// only when nothing fits tries again with them (costs 70+ and 75+ in that
// second round). Turning them on therefore never changes a call that
// already resolves.
const (
	costExact    = 0
	costSubtype  = 1
	costNull     = 2
	costConvBase = 10
	costPromote  = 50
	costDemote   = 55
	costAny      = 60
	// costIvlPromote and costIvlDemote only occur in the second round of
	// resolution (see Matcher.withIntervals).
	costIvlPromote = 70
	costIvlDemote  = 75
	noMatch        = -1
)

// Converter is implemented by data models whose types convert implicitly
// to System types (FHIR.string to System.String, FHIR.Quantity to
// System.Quantity, ...). fn performs the conversion at run time.
type Converter interface {
	ImplicitConversion(from types.Type) (to types.Type, fn func(value.Value) (value.Value, error), ok bool)
}

// Matcher matches argument types against parameter types, with the implicit
// conversions of the System model and of the configured data models.
type Matcher struct {
	Converters []Converter
	// IntervalPromotion lets a point stand where an Interval<T> is
	// expected (it becomes the unit interval Interval[x, x]);
	// IntervalDemotion lets an interval stand where a point is expected
	// (it becomes PointFrom(x), an error at run time unless it is a unit
	// interval). Both are off by default, as in the reference translator
	// (its EnableIntervalPromotion / EnableIntervalDemotion options), and
	// apply only to operator and function calls that do not resolve
	// without them.
	IntervalPromotion, IntervalDemotion bool
	// ivl is set on the copy used for the second round of resolution,
	// where the enabled interval conversions are considered.
	ivl bool
	// cache memoises Resolve within one checker (not safe for concurrent
	// use; run-time dynamic conversions only call match).
	cache map[string]cachedResolution
}

type cachedResolution struct {
	r   *Resolution
	amb bool
}

const costModel = 30

// costExpand is the cost of expanding a value set into its codes, after
// the System conversions and before the model ones.
const costExpand = 20

var codeList = &types.List{Elem: types.Code}

// match computes how an argument of type arg fits a parameter of type p
// (with all type variables substituted). It returns the cost (noMatch when
// it does not fit) and the conversion to apply (nil when none is needed).
func match(arg, p types.Type) (int, *Conv) { return (*Matcher)(nil).match(arg, p) }

func (m *Matcher) match(arg, p types.Type) (int, *Conv) {
	if types.Equal(arg, p) {
		return costExact, nil
	}
	if types.Equal(arg, types.Null) {
		return costNull, nil
	}
	if types.SubtypeOf(arg, p) {
		return subtypeCost(arg, p), nil
	}
	switch pt := p.(type) {
	case *types.Named:
		if an, ok := arg.(*types.Named); ok {
			c := types.ImplicitConversion(an, pt)
			if c > types.None {
				return costConvBase + int(c), &Conv{Kind: c, Target: p}
			}
		}
		// List demotion: a list where a single value is expected (the
		// list must hold at most one element at run time).
		if at, ok := arg.(*types.List); ok && !types.Equal(pt, types.Any) {
			if c, conv := m.match(at.Elem, pt); c >= 0 && c < costPromote {
				return costDemote + c, &Conv{Demote: true, Elem: conv, Target: p}
			}
		}
	case *types.List:
		if at, ok := arg.(*types.List); ok {
			c, conv := m.match(at.Elem, pt.Elem)
			if c < 0 {
				return noMatch, nil
			}
			if conv == nil {
				return c, nil
			}
			return c, &Conv{List: true, Elem: conv, Target: p}
		}
		// A value set where a list of codes is expected is its expansion
		// (CQL 1.5 ExpandValueSet).
		if types.Equal(arg, types.ValueSet) {
			if c, conv := m.match(codeList, pt); c >= 0 && c < costPromote {
				return costExpand + c, &Conv{ExpandValueSet: true, Then: conv, Target: p}
			}
		}
		// List promotion: a single value where a list is expected.
		if promotable(arg) {
			if c, conv := m.match(arg, pt.Elem); c >= 0 && c < costPromote {
				return costPromote + c, &Conv{Promote: true, Elem: conv, Target: p}
			}
		}
	case *types.Tuple:
		if at, ok := arg.(*types.Tuple); ok && len(at.Elements) == len(pt.Elements) {
			total, convs, needs := 0, make([]*Conv, len(pt.Elements)), false
			for i, e := range pt.Elements {
				if at.Elements[i].Name != e.Name {
					return noMatch, nil
				}
				c, conv := m.match(at.Elements[i].Type, e.Type)
				if c < 0 || c >= costPromote {
					return noMatch, nil
				}
				total += c
				convs[i] = conv
				needs = needs || conv != nil
			}
			if !needs {
				return total, nil
			}
			return total, &Conv{TupleElems: convs, Target: p}
		}
	case *types.Interval:
		if at, ok := arg.(*types.Interval); ok {
			c, conv := m.match(at.Point, pt.Point)
			if c < 0 {
				return noMatch, nil
			}
			if conv == nil {
				return c, nil
			}
			return c, &Conv{Interval: true, Elem: conv, Target: p}
		}
	}
	if m != nil {
		if an, ok := arg.(*types.Named); ok && an.Model != "System" {
			for _, cv := range m.Converters {
				to, fn, ok := cv.ImplicitConversion(an)
				if !ok {
					continue
				}
				c2, conv2 := m.match(to, p)
				// (In the second round, the converted value may also be
				// promoted or demoted: FHIR.Period where a DateTime is
				// expected.)
				if c2 >= 0 && (c2 < costAny || m.ivl && c2 >= costIvlPromote) {
					return costModel + c2, &Conv{Fn: fn, Then: conv2, Target: p}
				}
			}
		}
	}
	// An argument whose static type is Any or a choice may hold a value of
	// the parameter type at run time; the operator sees it as it is.
	if isAnyOrChoice(arg) {
		if ac, ok := arg.(*types.Choice); ok {
			found, all := false, true
			for _, o := range ac.Options {
				if c, conv := m.match(o, p); c >= 0 && c < costAny {
					found = true
					all = all && conv == nil
				} else {
					all = false
				}
			}
			if !found {
				return noMatch, nil
			}
			if !all && m != nil {
				// The choice is cast to the parameter type: which
				// conversion applies depends on the run-time type, and a
				// value of an option that does not fit is null (CQL 1.5
				// implicit choice casts, with the semantics of as).
				return costAny, &Conv{Dynamic: m, Target: p, Cast: true}
			}
			return costAny, nil
		}
		return costAny, nil
	}
	if m != nil && m.ivl {
		return m.matchInterval(arg, p)
	}
	return noMatch, nil
}

// matchInterval tries interval promotion and demotion (second round of
// resolution only). The point conversion inside them may not itself be a
// promotion or demotion.
func (m *Matcher) matchInterval(arg, p types.Type) (int, *Conv) {
	switch pt := p.(type) {
	case *types.Interval:
		if m.IntervalPromotion && ivlPromotable(arg) && types.IsOrdered(pt.Point) {
			if c, conv := m.match(arg, pt.Point); c >= 0 && c < costPromote {
				return costIvlPromote + c, &Conv{IvlPromote: true, Elem: conv, Target: p}
			}
		}
	case *types.Named:
		if at, ok := arg.(*types.Interval); ok && m.IntervalDemotion && !types.Equal(pt, types.Any) {
			if c, conv := m.match(at.Point, pt); c >= 0 && c < costPromote {
				return costIvlDemote + c, &Conv{IvlDemote: true, Elem: conv, Target: p}
			}
		}
	}
	return noMatch, nil
}

// ivlPromotable reports whether a value of type t may be promoted to a
// unit interval: a single value of a named type (the point type must also
// be ordered; a model type converts to one first).
func ivlPromotable(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && !types.Equal(n, types.Any) && !types.Equal(n, types.Null)
}

// systemPoint is the point type a value of type t is promoted with: t
// itself for an ordered System type, the ordered System type a model type
// converts to, and nil otherwise (lists, intervals, model types that
// convert to one, unordered types, Any, Null).
func (m *Matcher) systemPoint(t types.Type) types.Type {
	if !ivlPromotable(t) {
		return nil
	}
	n := t.(*types.Named)
	if n.Model != "System" {
		for _, cv := range m.Converters {
			if to, _, ok := cv.ImplicitConversion(n); ok {
				if types.IsOrdered(to) {
					return to
				}
				return nil
			}
		}
		return nil
	}
	if types.IsOrdered(n) {
		return n
	}
	return nil
}

// withIntervals returns the matcher of the second round of resolution,
// or nil when neither interval conversion is enabled (or this already is
// that round).
func (m *Matcher) withIntervals() *Matcher {
	if m == nil || m.ivl || !m.IntervalPromotion && !m.IntervalDemotion {
		return nil
	}
	return &Matcher{Converters: m.Converters, IntervalPromotion: m.IntervalPromotion,
		IntervalDemotion: m.IntervalDemotion, ivl: true}
}

// subtypeCost prefers the closest ancestor: a Patient argument fits a
// DomainResource parameter better than a Resource one.
func subtypeCost(arg, p types.Type) int {
	an, ok1 := arg.(*types.Named)
	pn, ok2 := p.(*types.Named)
	if !ok1 || !ok2 || types.Equal(pn, types.Any) {
		return costSubtype + 1
	}
	d := costSubtype
	for b := an.Base; b != nil && !types.Equal(b, pn); b = b.Base {
		d++
	}
	if d > 8 {
		d = 8
	}
	return d
}

// promotable reports whether a value of type t may be promoted to a list
// of one element.
func promotable(t types.Type) bool {
	switch x := t.(type) {
	case *types.Named:
		return !types.Equal(x, types.Any) && !types.Equal(x, types.Null)
	case *types.Interval, *types.Tuple:
		return true
	}
	return false
}

func isChoice(t types.Type) bool {
	_, ok := t.(*types.Choice)
	return ok
}

func isAnyOrChoice(t types.Type) bool {
	if _, ok := t.(*types.Choice); ok {
		return true
	}
	return types.Equal(t, types.Any)
}

// Subst replaces type variables in t by their bindings.
func Subst(t types.Type, b map[string]types.Type) types.Type {
	switch x := t.(type) {
	case *types.Var:
		if r, ok := b[x.Name]; ok {
			return r
		}
		return types.Any
	case *types.List:
		return &types.List{Elem: Subst(x.Elem, b)}
	case *types.Interval:
		return &types.Interval{Point: Subst(x.Point, b)}
	case *types.Tuple:
		els := make([]types.Element, len(x.Elements))
		for i, e := range x.Elements {
			els[i] = types.Element{Name: e.Name, Type: Subst(e.Type, b)}
		}
		return &types.Tuple{Elements: els}
	case *types.Choice:
		opts := make([]types.Type, len(x.Options))
		for i, o := range x.Options {
			opts[i] = Subst(o, b)
		}
		return types.NewChoice(opts...)
	}
	return t
}

func hasVar(t types.Type) bool {
	switch x := t.(type) {
	case *types.Var:
		return true
	case *types.List:
		return hasVar(x.Elem)
	case *types.Interval:
		return hasVar(x.Point)
	case *types.Tuple:
		for _, e := range x.Elements {
			if hasVar(e.Type) {
				return true
			}
		}
	case *types.Choice:
		for _, o := range x.Options {
			if hasVar(o) {
				return true
			}
		}
	}
	return false
}

// collect gathers, for each type variable in p, the argument types found at
// its positions in arg.
func (m *Matcher) collect(p, arg types.Type, out map[string][]types.Type) bool {
	if m != nil && m.ivl && m.IntervalPromotion {
		// A point binds Interval<T> through its unit interval (a model
		// value through the System type it converts to).
		if pi, ok := p.(*types.Interval); ok {
			if pt := m.systemPoint(arg); pt != nil {
				return collect(pi.Point, pt, out)
			}
		}
	}
	if m != nil {
		if _, isVar := p.(*types.Var); !isVar {
			if an, ok := arg.(*types.Named); ok && an.Model != "System" {
				// A model value that converts to a list or interval
				// (FHIR.Period to Interval<DateTime>) binds through it.
				for _, cv := range m.Converters {
					if to, _, ok := cv.ImplicitConversion(an); ok {
						if _, named := to.(*types.Named); !named {
							return collect(p, to, out)
						}
					}
				}
			}
		}
	}
	return collect(p, arg, out)
}

func collect(p, arg types.Type, out map[string][]types.Type) bool {
	if _, ok := p.(*types.List); ok && types.Equal(arg, types.ValueSet) {
		// A value set binds as the list of its codes.
		arg = codeList
	}
	switch x := p.(type) {
	case *types.Var:
		if !types.Equal(arg, types.Null) {
			out[x.Name] = append(out[x.Name], arg)
		} else if _, ok := out[x.Name]; !ok {
			out[x.Name] = nil
		}
		return true
	case *types.List:
		if types.Equal(arg, types.Null) {
			return collect(x.Elem, types.Null, out)
		}
		a, ok := arg.(*types.List)
		if !ok {
			if isAnyOrChoice(arg) {
				return collect(x.Elem, types.Any, out)
			}
			if promotable(arg) {
				return collect(x.Elem, arg, out)
			}
			return false
		}
		return collect(x.Elem, a.Elem, out)
	case *types.Interval:
		if types.Equal(arg, types.Null) {
			return collect(x.Point, types.Null, out)
		}
		a, ok := arg.(*types.Interval)
		if !ok {
			if ch, isChoice := arg.(*types.Choice); isChoice {
				// A choice with one interval option binds through it
				// (Choice<Interval<Quantity>, Quantity>: end of it is a
				// Quantity).
				if o := onlyInterval(ch); o != nil {
					return collect(x.Point, o.Point, out)
				}
			}
			if isAnyOrChoice(arg) {
				return collect(x.Point, types.Any, out)
			}
			return false
		}
		return collect(x.Point, a.Point, out)
	}
	return true
}

// onlyInterval returns the only interval option of a choice, nil when it
// has none or several.
func onlyInterval(ch *types.Choice) *types.Interval {
	var found *types.Interval
	for _, o := range ch.Options {
		if iv, ok := o.(*types.Interval); ok {
			if found != nil {
				return nil
			}
			found = iv
		}
	}
	return found
}

// CommonType returns the type all of ts convert to at least cost (the
// "least upper bound" under implicit conversion), or a Choice of them when
// there is none. Null members are ignored; no members gives Null... Any.
func CommonType(ts []types.Type) types.Type { return (*Matcher)(nil).CommonType(ts) }

// CommonType is the package CommonType with model conversions.
func (m *Matcher) CommonType(ts []types.Type) types.Type { return m.commonType(ts, false) }

// commonType computes CommonType. With castChoices (binding the type
// variable of an operator), a choice argument also offers its options, and
// the System types they convert to, as candidates: the choice is then cast
// to the option the other arguments fit (CQL 1.5 implicit choice casts;
// `O.value ~ "Some Code"` compares as Concepts).
func (m *Matcher) commonType(ts []types.Type, castChoices bool) types.Type {
	var cands []types.Type
	for _, t := range ts {
		if t != nil && !types.Equal(t, types.Null) {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return types.Any
	}
	members := cands
	if castChoices && len(cands) > 1 {
		for _, t := range members {
			if ch, ok := t.(*types.Choice); ok {
				cands = append(cands, ch.Options...)
			}
		}
	}
	if m != nil && len(cands) > 1 {
		// Model types may meet in the System type they convert to
		// (FHIR.CodeableConcept and System.Code meet in System.Concept).
		for _, t := range cands[:len(cands):len(cands)] {
			if n, ok := t.(*types.Named); ok && n.Model != "System" {
				for _, cv := range m.Converters {
					if to, _, ok := cv.ImplicitConversion(n); ok {
						cands = append(cands, to)
						if types.Equal(to, types.Code) {
							cands = append(cands, types.Concept)
						}
					}
				}
			}
		}
	}
	best, bestCost := types.Type(nil), -1
	for _, c := range cands {
		total := 0
		ok := true
		for _, o := range members {
			k, _ := m.match(o, c)
			if k < 0 || k == costAny && !isChoice(o) {
				ok = false
				break
			}
			total += k
		}
		if ok && (bestCost < 0 || total < bestCost) {
			best, bestCost = c, total
		}
	}
	if best != nil {
		return best
	}
	return types.NewChoice(members...)
}

// Resolution is the outcome of overload resolution for one call.
type Resolution struct {
	Op     *builtins.Overload
	Convs  []*Conv
	Params []types.Type
	Result types.Type
	Score  int
}

// Candidates returns every overload of name that the argument types fit,
// however well (for calls that are resolved again at run time).
func (m *Matcher) Candidates(name string, args []types.Type) []*Resolution {
	var out []*Resolution
	for _, o := range builtins.Lookup(name) {
		if r := m.tryOverload(o, args); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// ResolveRuntime resolves name for the run-time types of argument values
// (null arguments as Null). Unlike Resolve it keeps no cache, so it is safe
// for concurrent use once checking is over.
func (m *Matcher) ResolveRuntime(name string, args []types.Type) *Resolution {
	r, _ := m.resolve(name, args)
	return r
}

// Resolve picks the best overload of name for the argument types. It
// returns nil and ambiguous=false when nothing matches, and the first best
// candidate with ambiguous=true when several match equally well.
func Resolve(name string, args []types.Type) (res *Resolution, ambiguous bool) {
	return (*Matcher)(nil).Resolve(name, args)
}

// Resolve is the package Resolve with model conversions.
func (m *Matcher) Resolve(name string, args []types.Type) (res *Resolution, ambiguous bool) {
	if m == nil {
		return m.resolve(name, args)
	}
	var sb strings.Builder
	sb.WriteString(name)
	for _, a := range args {
		sb.WriteByte('|')
		sb.WriteString(a.String())
	}
	key := sb.String()
	if c, ok := m.cache[key]; ok {
		return c.r, c.amb
	}
	res, ambiguous = m.resolve(name, args)
	if m.cache == nil {
		m.cache = map[string]cachedResolution{}
	}
	m.cache[key] = cachedResolution{res, ambiguous}
	return res, ambiguous
}

func (m *Matcher) resolve(name string, args []types.Type) (res *Resolution, ambiguous bool) {
	res, ambiguous = m.resolveRound(name, args)
	if res == nil {
		if m2 := m.withIntervals(); m2 != nil {
			return m2.resolveRound(name, args)
		}
	}
	return res, ambiguous
}

func (m *Matcher) resolveRound(name string, args []types.Type) (res *Resolution, ambiguous bool) {
	var best []*Resolution
	for _, o := range builtins.Lookup(name) {
		r := m.tryOverload(o, args)
		if r == nil {
			continue
		}
		switch {
		case len(best) == 0 || r.Score < best[0].Score:
			best = []*Resolution{r}
		case r.Score == best[0].Score:
			best = append(best, r)
		}
	}
	if len(best) == 0 {
		return nil, false
	}
	if len(best) > 1 {
		// Prefer fixed-arity overloads over variadic ones.
		var fixed []*Resolution
		for _, r := range best {
			if !r.Op.Variadic {
				fixed = append(fixed, r)
			}
		}
		if len(fixed) == 1 {
			return fixed[0], false
		}
		// Candidates that only differ through null (or Any) arguments are
		// not ambiguous in practice: the result is null whichever runs, or
		// (Any and choice arguments) the run-time types decide.
		hasNull := false
		for _, a := range args {
			if vague(a) {
				hasNull = true
			}
		}
		return best[0], !hasNull
	}
	return best[0], false
}

func (m *Matcher) tryOverload(o *builtins.Overload, args []types.Type) *Resolution {
	params := o.Params
	if o.Variadic {
		if len(args) < len(params)-1 {
			return nil
		}
		ps := append([]types.Type(nil), params[:len(params)-1]...)
		for len(ps) < len(args) {
			ps = append(ps, params[len(params)-1])
		}
		params = ps
	} else if len(params) != len(args) {
		return nil
	}
	var bind map[string]types.Type
	if hasVarAny(params) {
		found := map[string][]types.Type{}
		for i, p := range params {
			if !m.collect(p, args[i], found) {
				return nil
			}
		}
		bind = map[string]types.Type{}
		for k, ts := range found {
			ct := m.commonType(ts, true)
			if ch, ok := ct.(*types.Choice); ok {
				// Arguments of unrelated types do not bind one variable,
				// unless one of them already is that choice.
				fromArg := false
				for _, t := range ts {
					if types.Equal(t, ch) {
						fromArg = true
					}
				}
				if !fromArg && o.Name != "Union" && o.Name != "Coalesce" {
					return nil
				}
			}
			bind[k] = ct
		}
	}
	r := &Resolution{Op: o, Convs: make([]*Conv, len(args)), Params: make([]types.Type, len(args))}
	for i, p := range params {
		if bind != nil {
			p = Subst(p, bind)
		}
		r.Params[i] = p
		c, conv := m.match(args[i], p)
		if c < 0 {
			return nil
		}
		r.Score += c
		r.Convs[i] = conv
	}
	r.Result = o.Result
	if bind != nil {
		r.Result = Subst(o.Result, bind)
	}
	return r
}

func hasVarAny(ps []types.Type) bool {
	for _, p := range ps {
		if hasVar(p) {
			return true
		}
	}
	return false
}

// vague reports whether t is or contains Null, Any or a choice.
func vague(t types.Type) bool {
	switch x := t.(type) {
	case *types.List:
		return vague(x.Elem)
	case *types.Interval:
		return vague(x.Point)
	case *types.Choice:
		return true
	}
	return types.Equal(t, types.Null) || types.Equal(t, types.Any)
}

func hasBuiltin(name string) bool { return len(builtins.Lookup(name)) > 0 }

// ConversionFor returns the implicit conversion of a value of type from to
// type to (nil when none is needed) and whether one exists.
func ConversionFor(from, to types.Type) (*Conv, bool) {
	cost, conv := match(from, to)
	return conv, cost >= 0
}

// ConvertDynamic converts v to c.Target according to v's run-time type
// (for arguments whose static type is a choice).
func (m *Matcher) ConvertDynamic(v value.Value, target types.Type) (*Conv, bool) {
	cost, conv := m.match(v.Type(), target)
	return conv, cost >= 0
}

// ToSystem converts a data model value to the System type its type
// converts to implicitly (FHIR.dateTime to DateTime, FHIR.Quantity to
// Quantity, ...). Other values, and values that fail to convert, come back
// unchanged.
func (m *Matcher) ToSystem(v value.Value) value.Value {
	if m == nil || v == nil {
		return v
	}
	n, ok := v.Type().(*types.Named)
	if !ok || n.Model == "System" {
		return v
	}
	for _, cv := range m.Converters {
		if _, fn, ok := cv.ImplicitConversion(n); ok {
			if r, err := fn(v); err == nil {
				return r
			}
		}
	}
	return v
}

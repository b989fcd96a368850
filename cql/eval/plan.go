package eval

import (
	"fmt"
	"slices"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func (p *planner) errAt(n checker.Node, err error) error {
	pos := n.Position()
	return wrap(err, p.cur.lib.Name, pos.Line, pos.Col)
}

func (p *planner) plan(n checker.Node) fn {
	if !p.prog.needsNow && (isTemporal(n.Type()) || isNowCall(n)) {
		p.prog.needsNow = true
	}
	switch x := n.(type) {
	case *checker.Literal:
		v := x.Value
		return func(*frame) (value.Value, error) { return v, nil }
	case *checker.Call:
		return p.planCall(x)
	case *checker.Convert:
		op := p.plan(x.Operand)
		c := x.Conv
		if c == nil {
			return op
		}
		lib, pos := p.cur.lib.Name, x.P
		if c.ExpandValueSet {
			return func(f *frame) (value.Value, error) {
				v, err := op(f)
				if err != nil || v == nil {
					return nil, err
				}
				l, err := expandValueSet(f, v)
				if err != nil {
					return nil, wrap(err, lib, pos.Line, pos.Col)
				}
				r, err := convert(c.Then, l)
				if err != nil {
					return nil, wrap(err, lib, pos.Line, pos.Col)
				}
				return r, nil
			}
		}
		return func(f *frame) (value.Value, error) {
			v, err := op(f)
			if err != nil {
				return nil, err
			}
			r, err := convert(c, v)
			if err == nil {
				err = f.a.chargeResult(r, []value.Value{v})
			}
			if err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			return r, nil
		}
	case *checker.And:
		return shortCircuit(p.plan(x.L), p.plan(x.R), false)
	case *checker.Or:
		return shortCircuit(p.plan(x.L), p.plan(x.R), true)
	case *checker.If:
		c, t, e := p.plan(x.Cond), p.plan(x.Then), p.plan(x.Else)
		return func(f *frame) (value.Value, error) {
			v, err := c(f)
			if err != nil {
				return nil, err
			}
			if v == value.Boolean(true) {
				return t(f)
			}
			return e(f)
		}
	case *checker.Case:
		return p.planCase(x)
	case *checker.ListSel:
		return p.foldSelector(x, x.Elems, p.planList(x))
	case *checker.IntervalSel:
		if x.LowClosedExpr != nil || x.HighClosedExpr != nil {
			return p.planInterval(x)
		}
		return p.foldSelector(x, []checker.Node{x.Low, x.High}, p.planInterval(x))
	case *checker.TupleSel:
		return p.planTuple(x)
	case *checker.InstanceSel:
		return p.planInstance(x)
	case *checker.Property:
		src := p.plan(x.Source)
		name := x.Name
		lib, pos := p.cur.lib.Name, x.P
		// On a value of a choice type (the members of a union of resource
		// types), an element that the value's run-time type lacks is null.
		lenient := isChoice(x.Source.Type())
		return func(f *frame) (value.Value, error) {
			v, err := src(f)
			if err != nil || v == nil {
				return nil, err
			}
			var r value.Value
			if x.Read != nil {
				r, err = readProperty(v, x.Read)
			} else if x.ReadByType != nil {
				r, err = readProperty(v, func(e value.Value) (value.Value, error) {
					if nt, ok := e.Type().(*types.Named); ok {
						if rd := x.ReadByType[nt.Model+"."+nt.Name]; rd != nil {
							return rd(e)
						}
					}
					return property(e, name, lenient)
				})
			} else {
				r, err = property(v, name, lenient)
			}
			if err == nil {
				err = f.a.chargeResult(r, []value.Value{v})
			}
			if err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			return r, nil
		}
	case *checker.Var:
		slot := x.Slot
		return func(f *frame) (value.Value, error) { return f.vars[slot], nil }
	case *checker.DefRef:
		lp := p.libs[x.Lib]
		dp := lp.defs[x.Name]
		return func(f *frame) (value.Value, error) { return f.a.evalDef(lp, dp) }
	case *checker.ParamRef:
		lp := p.libs[x.Lib]
		dp := lp.params[x.Name]
		return func(f *frame) (value.Value, error) { return f.a.evalParam(lp, dp) }
	case *checker.FuncCall:
		return p.planFuncCall(x)
	case *checker.TermRef:
		v := x.Value
		return func(*frame) (value.Value, error) { return v, nil }
	case *checker.Is:
		op := p.plan(x.Operand)
		t, models := x.Target, x.Models
		return func(f *frame) (value.Value, error) {
			v, err := op(f)
			if err != nil {
				return nil, err
			}
			if !isType(v, t) && models != nil && v != nil && isModelValue(v) {
				conv, ok := models.ConvertDynamic(v, t)
				return value.Boolean(ok && conv != nil), nil
			}
			return value.Boolean(isType(v, t)), nil
		}
	case *checker.As:
		op := p.plan(x.Operand)
		t, strict, models := x.Target, x.Strict, x.Models
		lib, pos := p.cur.lib.Name, x.P
		return func(f *frame) (value.Value, error) {
			v, err := op(f)
			if err != nil || v == nil {
				return nil, err
			}
			if isType(v, t) {
				return v, nil
			}
			if models != nil && isModelValue(v) {
				if conv, ok := models.ConvertDynamic(v, t); ok && conv != nil {
					r, err := convert(conv, v)
					if err != nil {
						return nil, wrap(err, lib, pos.Line, pos.Col)
					}
					return r, nil
				}
			}
			if strict {
				return nil, wrap(builtins.Errorf("cannot cast a value of type %s to %s", v.Type(), t), lib, pos.Line, pos.Col)
			}
			return nil, nil
		}
	case *checker.Retrieve:
		return p.planRetrieve(x)
	case *checker.TermIn:
		return p.planTermIn(x)
	case *checker.Query:
		return p.planQuery(x)
	}
	err := fmt.Errorf("internal error: cannot evaluate %T", n)
	return func(*frame) (value.Value, error) { return nil, p.errAt(n, err) }
}

// shortCircuit plans And (decisive false) and Or (decisive true) with
// three-valued logic: the right operand is evaluated only when the left
// one is not decisive; otherwise null wins over the other value.
func shortCircuit(l, r fn, decisive value.Boolean) fn {
	return func(f *frame) (value.Value, error) {
		a, err := l(f)
		if err != nil {
			return nil, err
		}
		if a == decisive {
			return a, nil
		}
		b, err := r(f)
		if err != nil {
			return nil, err
		}
		if b == decisive {
			return b, nil
		}
		if a == nil || b == nil {
			return nil, nil
		}
		return !decisive, nil
	}
}

// isModelValue reports whether v is a value of a data model (not System).
func isModelValue(v value.Value) bool {
	n, ok := v.Type().(*types.Named)
	return ok && n.Model != "System"
}

// isType reports whether v is a value of type t (null is of no type).
func isType(v value.Value, t types.Type) bool {
	if v == nil {
		return false
	}
	switch tt := t.(type) {
	case *types.List:
		l, ok := v.(value.List)
		if !ok {
			return false
		}
		if types.SubtypeOf(l.ElemType, tt.Elem) {
			return true
		}
		for _, e := range l.Elems {
			if e != nil && !isType(e, tt.Elem) {
				return false
			}
		}
		return true
	case *types.Interval:
		iv, ok := v.(value.Interval)
		return ok && (types.SubtypeOf(iv.PointType, tt.Point) || (iv.Low == nil || isType(iv.Low, tt.Point)) && (iv.High == nil || isType(iv.High, tt.Point)))
	case *types.Choice:
		for _, o := range tt.Options {
			if isType(v, o) {
				return true
			}
		}
		return false
	}
	return types.SubtypeOf(v.Type(), t)
}

func (p *planner) planCall(x *checker.Call) fn {
	if x.Dispatch != nil {
		return p.planDispatch(x)
	}
	args := make([]fn, len(x.Args))
	for i, a := range x.Args {
		args[i] = p.plan(a)
	}
	op := x.Op
	prec := x.Precision
	lib, pos := p.cur.lib.Name, x.P
	n := len(args)
	isMessage := x.Name == "Message"
	call := func(f *frame, vs []value.Value) (value.Value, error) {
		var v value.Value
		var err error
		if op.PFn != nil {
			v, err = op.PFn(&f.a.b, prec, vs)
		} else {
			v, err = op.Fn(&f.a.b, vs)
		}
		if err == nil {
			err = f.a.chargeResult(v, vs)
		}
		if err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		if isMessage {
			f.a.reportMessage(lib, pos, vs)
		}
		return v, nil
	}
	var f fn
	switch n {
	case 1:
		a0 := args[0]
		f = func(f *frame) (value.Value, error) {
			v0, err := a0(f)
			if err != nil {
				return nil, err
			}
			var vs [1]value.Value
			vs[0] = v0
			return call(f, vs[:])
		}
	case 2:
		a0, a1 := args[0], args[1]
		f = func(f *frame) (value.Value, error) {
			v0, err := a0(f)
			if err != nil {
				return nil, err
			}
			v1, err := a1(f)
			if err != nil {
				return nil, err
			}
			var vs [2]value.Value
			vs[0], vs[1] = v0, v1
			return call(f, vs[:])
		}
	default:
		f = func(f *frame) (value.Value, error) {
			vs := make([]value.Value, n)
			for i, a := range args {
				v, err := a(f)
				if err != nil {
					return nil, err
				}
				vs[i] = v
			}
			return call(f, vs)
		}
	}
	if folded, ok := p.fold(x, f); ok {
		return folded
	}
	return f
}

// reportMessage passes the message of a Message call that did not fail
// (vs are its arguments: source, condition, code, severity, message) to the
// evaluation's OnMessage, when there is one and the condition is true.
func (a *activation) reportMessage(lib string, pos checker.Pos, vs []value.Value) {
	if a.onMessage == nil || len(vs) != 5 {
		return
	}
	if cond, _ := vs[1].(value.Boolean); !cond {
		return
	}
	str := func(v value.Value) string {
		s, _ := v.(value.String)
		return string(s)
	}
	a.onMessage(Message{Library: lib, Line: pos.Line, Col: pos.Col, Severity: str(vs[3]), Code: str(vs[2]), Text: str(vs[4])})
}

// fold evaluates a call whose arguments are all literals once at plan time,
// unless the result could depend on the evaluation (Now, the request's
// timezone) or the call raises an error (which must surface at run time).
func (p *planner) fold(x *checker.Call, f fn) (fn, bool) {
	if len(x.Args) == 0 || !p.foldable(x) {
		return nil, false
	}
	a := foldActivation()
	v, err := f(&frame{a: a})
	if err != nil {
		return nil, false
	}
	// A large constant is still held to the evaluation's limits (which
	// may be lower than folding's).
	lib, pos := p.cur.lib.Name, x.P
	switch c := v.(type) {
	case value.String:
		if len(c) > 4096 {
			return func(f *frame) (value.Value, error) {
				return v, wrap(f.a.b.CheckStringLen(len(c)), lib, pos.Line, pos.Col)
			}, true
		}
	case value.List:
		if len(c.Elems) > 1000 {
			return func(f *frame) (value.Value, error) {
				return v, wrap(f.a.b.CheckListSize(len(c.Elems)), lib, pos.Line, pos.Col)
			}, true
		}
	}
	return func(*frame) (value.Value, error) { return v, nil }, true
}

// Folding at plan time evaluates the source's constant parts; it runs with
// limits so that a short source cannot make compilation build huge values
// (a call over them is not folded and reports the limit when evaluated).
const (
	foldMaxBytes   = 16 << 20
	foldMaxList    = 100_000
	foldMaxStrings = 1 << 20
)

func foldActivation() *activation {
	a := &activation{ctx: bg, maxDepth: DefaultMaxDepth, maxTuple: DefaultMaxTupleWidth}
	a.b = builtins.Context{Ctx: bg, MaxBytes: foldMaxBytes, MaxListSize: foldMaxList, MaxStringLen: foldMaxStrings}
	return a
}

// foldSelector evaluates a list or interval selector whose elements are
// all literals once at plan time. Temporal literals are kept out unless
// they carry their own offset (others take the evaluation's offset).
func (p *planner) foldSelector(n checker.Node, elems []checker.Node, f fn) fn {
	if len(elems) == 0 || len(elems) > 1000 {
		return f
	}
	for _, e := range elems {
		l, ok := e.(*checker.Literal)
		if !ok || !offsetFree(l.Value) {
			return f
		}
	}
	a := foldActivation()
	v, err := f(&frame{a: a})
	if err != nil {
		return f
	}
	if l, ok := v.(value.List); ok {
		lib, pos := p.cur.lib.Name, n.Position()
		return func(f *frame) (value.Value, error) {
			if err := f.a.b.CheckListSize(len(l.Elems)); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			return v, nil
		}
	}
	return func(*frame) (value.Value, error) { return v, nil }
}

// offsetFree reports whether a literal value's meaning is independent of
// the evaluation's timezone offset.
func offsetFree(v value.Value) bool {
	switch x := v.(type) {
	case value.DateTime:
		return x.HasOffset
	case value.List, value.Interval, value.Tuple:
		return false
	}
	return true
}

// foldable reports whether n is a constant expression. Answers for calls
// are memoised: plan asks for every call of a nested expression, which
// would otherwise take time quadratic in its depth.
func (p *planner) foldable(n checker.Node) bool {
	if isTemporal(n.Type()) {
		return false
	}
	switch x := n.(type) {
	case *checker.Literal:
		return true
	case *checker.Convert:
		return p.foldable(x.Operand)
	case *checker.Call:
		if r, ok := p.foldMemo[x]; ok {
			return r
		}
		r := true
		switch x.Name {
		case "Message", "Now", "Today", "TimeOfDay", "Expand", "Collapse":
			r = false
		}
		for _, a := range x.Args {
			if !r || !p.foldable(a) {
				r = false
				break
			}
		}
		if p.foldMemo == nil {
			p.foldMemo = map[*checker.Call]bool{}
		}
		p.foldMemo[x] = r
		return r
	}
	return false
}

func isNowCall(n checker.Node) bool {
	c, ok := n.(*checker.Call)
	return ok && (c.Name == "Now" || c.Name == "Today" || c.Name == "TimeOfDay")
}

func isTemporal(t types.Type) bool {
	switch x := t.(type) {
	case *types.Named:
		return types.Equal(x, types.Date) || types.Equal(x, types.DateTime) || types.Equal(x, types.Time) ||
			types.Equal(x, types.Any) || types.Equal(x, types.Null)
	case *types.List:
		return isTemporal(x.Elem)
	case *types.Interval:
		return isTemporal(x.Point)
	case *types.Tuple:
		for _, e := range x.Elements {
			if isTemporal(e.Type) {
				return true
			}
		}
	case *types.Choice:
		return true
	}
	return false
}

func (p *planner) planCase(x *checker.Case) fn {
	var cmp fn
	if x.Comparand != nil {
		cmp = p.plan(x.Comparand)
	}
	type item struct{ when, then fn }
	items := make([]item, len(x.Items))
	for i, it := range x.Items {
		items[i] = item{p.plan(it.When), p.plan(it.Then)}
	}
	els := p.plan(x.Else)
	return func(f *frame) (value.Value, error) {
		var c value.Value
		if cmp != nil {
			var err error
			if c, err = cmp(f); err != nil {
				return nil, err
			}
		}
		for _, it := range items {
			w, err := it.when(f)
			if err != nil {
				return nil, err
			}
			if cmp != nil {
				if value.Equal(c, w) == value.Boolean(true) {
					return it.then(f)
				}
			} else if w == value.Boolean(true) {
				return it.then(f)
			}
		}
		return els(f)
	}
}

func (p *planner) planList(x *checker.ListSel) fn {
	elems := make([]fn, len(x.Elems))
	for i, e := range x.Elems {
		elems[i] = p.plan(e)
	}
	et := types.Type(types.Any)
	if lt, ok := x.T.(*types.List); ok {
		et = lt.Elem
	}
	lib, pos := p.cur.lib.Name, x.P
	return func(f *frame) (value.Value, error) {
		if err := f.a.b.CheckListSize(len(elems)); err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		if err := f.a.b.Charge(len(elems)*builtins.SlotBytes + builtins.ValueBytes); err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		out := make([]value.Value, len(elems))
		for i, e := range elems {
			v, err := e(f)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return value.List{Elems: out, ElemType: et}, nil
	}
}

func (p *planner) planInterval(x *checker.IntervalSel) fn {
	lo, hi := p.plan(x.Low), p.plan(x.High)
	var loC, hiC fn
	if x.LowClosedExpr != nil {
		loC = p.plan(x.LowClosedExpr)
	}
	if x.HighClosedExpr != nil {
		hiC = p.plan(x.HighClosedExpr)
	}
	pt := types.Type(types.Any)
	if it, ok := x.T.(*types.Interval); ok {
		pt = it.Point
	}
	lc, hc := x.LowClosed, x.HighClosed
	lib, pos := p.cur.lib.Name, x.P
	return func(f *frame) (value.Value, error) {
		l, err := lo(f)
		if err != nil {
			return nil, err
		}
		h, err := hi(f)
		if err != nil {
			return nil, err
		}
		iv := value.Interval{Low: l, High: h, LowClosed: lc, HighClosed: hc, PointType: pt}
		if loC != nil {
			b, err := loC(f)
			if err != nil {
				return nil, err
			}
			iv.LowClosed = b != value.Boolean(false)
		}
		if hiC != nil {
			b, err := hiC(f)
			if err != nil {
				return nil, err
			}
			iv.HighClosed = b != value.Boolean(false)
		}
		if l != nil && h != nil {
			if c, ok := value.Compare(l, h); ok && (c > 0 || c == 0 && !(iv.LowClosed && iv.HighClosed)) {
				return nil, wrap(builtins.Errorf("invalid interval: the low bound %s is not below the high bound %s",
					value.Format(l), value.Format(h)), lib, pos.Line, pos.Col)
			}
		}
		return iv, nil
	}
}

func (p *planner) planTuple(x *checker.TupleSel) fn {
	elems := make([]fn, len(x.Elems))
	for i, e := range x.Elems {
		elems[i] = p.plan(e)
	}
	names := x.Names
	tt, _ := x.T.(*types.Tuple)
	lib, pos := p.cur.lib.Name, x.P
	return func(f *frame) (value.Value, error) {
		if err := f.a.checkTuple(len(elems)); err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		vs := make([]value.Value, len(elems))
		for i, e := range elems {
			v, err := e(f)
			if err != nil {
				return nil, err
			}
			vs[i] = v
		}
		return value.Tuple{Names: names, Values: vs, TupleType: tt}, nil
	}
}

func (p *planner) planInstance(x *checker.InstanceSel) fn {
	elems := make([]fn, len(x.Elems))
	for i, e := range x.Elems {
		elems[i] = p.plan(e)
	}
	names := x.Names
	tn := x.TypeName
	if x.Model != nil {
		m, nt := x.Model, x.Named
		lib, pos := p.cur.lib.Name, x.P
		return func(f *frame) (value.Value, error) {
			if err := f.a.checkTuple(len(elems)); err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			vals := make([]value.Value, len(elems))
			for i, e := range elems {
				v, err := e(f)
				if err != nil {
					return nil, err
				}
				vals[i] = v
			}
			v, err := m.NewInstance(nt, names, vals)
			if err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			return v, nil
		}
	}
	return func(f *frame) (value.Value, error) {
		vals := map[string]value.Value{}
		for i, e := range elems {
			v, err := e(f)
			if err != nil {
				return nil, err
			}
			vals[names[i]] = v
		}
		return buildInstance(tn, vals), nil
	}
}

func str(v value.Value) string {
	if s, ok := v.(value.String); ok {
		return string(s)
	}
	return ""
}

func buildInstance(tn string, m map[string]value.Value) value.Value {
	switch tn {
	case "Code":
		return value.Code{Code: str(m["code"]), System: str(m["system"]), Version: str(m["version"]), Display: str(m["display"])}
	case "Concept":
		c := value.Concept{Display: str(m["display"])}
		if l, ok := m["codes"].(value.List); ok {
			for _, e := range l.Elems {
				if cd, ok := e.(value.Code); ok {
					c.Codes = append(c.Codes, cd)
				}
			}
		}
		return c
	case "Quantity":
		q := value.Quantity{Unit: str(m["unit"])}
		switch v := m["value"].(type) {
		case value.Decimal:
			q.Value = v
		case value.Integer:
			q.Value = decFromInt(int64(v))
		default:
			return nil
		}
		if q.Unit == "" {
			q.Unit = "1"
		}
		return q
	case "Ratio":
		n, ok1 := m["numerator"].(value.Quantity)
		d, ok2 := m["denominator"].(value.Quantity)
		if !ok1 || !ok2 {
			return nil
		}
		return value.Ratio{Numerator: n, Denominator: d}
	case "ValueSet":
		return value.ValueSetRef{ID: str(m["id"]), Version: str(m["version"])}
	case "CodeSystem":
		return value.CodeSystemRef{ID: str(m["id"]), Version: str(m["version"])}
	}
	return nil
}

// Navigable is implemented by model values (such as FHIR resources) whose
// elements are read by name.
type Navigable interface {
	Property(name string) (value.Value, error)
}

// elementLister is implemented by model values that tell which elements
// their type declares.
type elementLister interface {
	HasElement(name string) bool
}

// isChoice reports whether t is a choice type or a list of one.
func isChoice(t types.Type) bool {
	if l, ok := t.(*types.List); ok {
		t = l.Elem
	}
	_, ok := t.(*types.Choice)
	return ok
}

// property reads a named element of a structured value; on a list it maps
// over the elements and flattens list results. When lenient, an element
// that a model value's type does not declare is null instead of an error.
// readProperty reads an element with a model's reader (checker.Property
// Read), over each element of a list.
func readProperty(v value.Value, read func(value.Value) (value.Value, error)) (value.Value, error) {
	l, ok := v.(value.List)
	if !ok {
		return read(v)
	}
	var out []value.Value
	var et types.Type = types.Any
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		r, err := read(e)
		if err != nil {
			return nil, err
		}
		if rl, ok := r.(value.List); ok {
			out = append(out, rl.Elems...)
			et = rl.ElemType
		} else if r != nil {
			out = append(out, r)
			et = r.Type()
		}
	}
	return value.List{Elems: out, ElemType: et}, nil
}

func property(v value.Value, name string, lenient bool) (value.Value, error) {
	if n, ok := v.(Navigable); ok {
		if lenient {
			if el, ok := v.(elementLister); ok && !el.HasElement(name) {
				return nil, nil
			}
		}
		return n.Property(name)
	}
	if l, ok := v.(value.List); ok {
		var out []value.Value
		var et types.Type = types.Any
		for _, e := range l.Elems {
			if e == nil {
				continue
			}
			r, err := property(e, name, lenient)
			if err != nil {
				return nil, err
			}
			if r == nil {
				continue
			}
			if l, ok := r.(value.List); ok {
				out = append(out, l.Elems...)
				et = l.ElemType
			} else {
				out = append(out, r)
				et = r.Type()
			}
		}
		return value.List{Elems: out, ElemType: et}, nil
	}
	return systemProperty(v, name), nil
}

func systemProperty(v value.Value, name string) value.Value {
	switch x := v.(type) {
	case value.Tuple:
		r, _ := x.Get(name)
		return r
	case value.Quantity:
		switch name {
		case "value":
			return x.Value
		case "unit":
			return value.String(x.Unit)
		}
	case value.Ratio:
		switch name {
		case "numerator":
			return x.Numerator
		case "denominator":
			return x.Denominator
		}
	case value.Code:
		switch name {
		case "code":
			return optStr(x.Code)
		case "system":
			return optStr(x.System)
		case "version":
			return optStr(x.Version)
		case "display":
			return optStr(x.Display)
		}
	case value.Concept:
		switch name {
		case "codes":
			out := make([]value.Value, len(x.Codes))
			for i, c := range x.Codes {
				out[i] = c
			}
			return value.List{Elems: out, ElemType: types.Code}
		case "display":
			return optStr(x.Display)
		}
	case value.Interval:
		switch name {
		case "low":
			return x.Low
		case "high":
			return x.High
		case "lowClosed":
			return value.Boolean(x.LowClosed)
		case "highClosed":
			return value.Boolean(x.HighClosed)
		}
	case value.ValueSetRef:
		switch name {
		case "id":
			return value.String(x.ID)
		case "version":
			return optStr(x.Version)
		}
	}
	return nil
}

func optStr(s string) value.Value {
	if s == "" {
		return nil
	}
	return value.String(s)
}

func (p *planner) planFuncCall(x *checker.FuncCall) fn {
	fp, ok := p.funcs[x.Func]
	if !ok {
		fp = &funcPlan{def: x.Func}
		p.funcs[x.Func] = fp
	}
	args := make([]fn, len(x.Args))
	for i, a := range x.Args {
		args[i] = p.plan(a)
	}
	def := x.Func
	lib, pos := p.cur.lib.Name, x.P
	return func(f *frame) (value.Value, error) {
		nf := &frame{a: f.a, vars: make([]value.Value, def.Frame)}
		for i, a := range args {
			v, err := a(f)
			if err != nil {
				return nil, err
			}
			nf.vars[def.Slots[i]] = v
		}
		if def.Native != nil {
			args := make([]value.Value, len(def.Slots))
			for i, s := range def.Slots {
				args[i] = nf.vars[s]
			}
			v, err := def.Native(args)
			if err == nil {
				err = f.a.chargeResult(v, args)
			}
			if err != nil {
				return nil, wrap(err, lib, pos.Line, pos.Col)
			}
			return v, nil
		}
		if def.External || fp.body == nil {
			return nil, wrap(builtins.Errorf("external function %s is not available", def.Name), lib, pos.Line, pos.Col)
		}
		a := f.a
		if err := a.tick(); err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		if a.depth >= a.maxDepth {
			return nil, wrap(&builtins.LimitError{Limit: "recursion depth", Max: a.maxDepth}, lib, pos.Line, pos.Col)
		}
		a.depth++
		v, err := fp.body(nf)
		a.depth--
		return v, err
	}
}

func (p *planner) planRetrieve(x *checker.Retrieve) fn {
	var codes fn
	if x.Codes != nil {
		codes = p.plan(x.Codes)
	}
	var context fn
	if x.Context != nil {
		context = p.plan(x.Context)
	}
	dt, path, comparator := x.DataType, x.CodePath, x.CodeComparator
	lib, pos := p.cur.lib.Name, x.P
	keep := x.Keep
	if x.Profile != nil {
		dt = x.Profile // the list is of the profile type
	}
	req := x.DataType
	return func(f *frame) (value.Value, error) {
		var cv, ctxv value.Value
		if codes != nil {
			var err error
			if cv, err = codes(f); err != nil {
				return nil, err
			}
		}
		if context != nil {
			var err error
			if ctxv, err = context(f); err != nil {
				return nil, err
			}
			if ctxv == nil {
				return value.List{Elems: []value.Value{}, ElemType: dt}, nil
			}
		}
		if f.a.retriever == nil {
			return value.List{ElemType: dt}, nil
		}
		var vs []value.Value
		var err error
		if rr, ok := f.a.retriever.(RequestRetriever); ok {
			vs, err = rr.RetrieveRequest(f.a.ctx, RetrieveRequest{DataType: req, CodePath: path, Codes: cv,
				CodeComparator: comparator, HasContext: context != nil, Context: ctxv})
		} else if context != nil {
			err = builtins.Errorf("the data provider does not support related-context retrieves ([... -> %s])", dt.Name)
		} else {
			vs, err = f.a.retriever.Retrieve(f.a.ctx, req, path, cv)
		}
		if err == nil && keep != nil {
			vs, err = keepRetrieved(vs, keep)
		}
		if err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		if err := f.a.chargeResult(value.List{Elems: vs}, nil); err != nil {
			return nil, wrap(err, lib, pos.Line, pos.Col)
		}
		return value.List{Elems: vs, ElemType: dt}, nil
	}
}

// keepRetrieved keeps the retrieved resources that meet a profile's rule.
func keepRetrieved(vs []value.Value, keep func(value.Value) (bool, error)) ([]value.Value, error) {
	out := vs[:0:0]
	for _, v := range vs {
		ok, err := keep(v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// sortRows sorts rows stably by their keys (one per sort item, descending
// where desc says so). It sorts an index, so swaps move no pointers. Once
// the evaluation is cancelled every comparison is "equal", so the sort
// ends quickly; the caller then reports the cancellation.
func sortRows(act *activation, rows []sortRow, desc []bool) []sortRow {
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	stop := false
	slices.SortStableFunc(idx, func(i, j int32) int {
		if stop || act.tick() != nil {
			stop = true
			return 0
		}
		a, b := &rows[i], &rows[j]
		for k := range desc {
			c := compareForSort(a.keys[k], b.keys[k])
			if c == 0 {
				continue
			}
			if desc[k] {
				return -c
			}
			return c
		}
		return 0
	})
	out := make([]sortRow, len(rows))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out
}

type sortRow struct {
	v    value.Value
	keys []value.Value
}

// compareForSort orders nulls first and incomparable values as equal.
func compareForSort(a, b value.Value) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	c, ok := value.Compare(a, b)
	if !ok {
		// Uncertain temporal comparisons (equal on the common precision):
		// the less precise value sorts first.
		pa, okA := value.PrecisionOf(a)
		pb, okB := value.PrecisionOf(b)
		if okA && okB {
			switch {
			case pa < pb:
				return -1
			case pa > pb:
				return 1
			}
		}
		return 0
	}
	return c
}

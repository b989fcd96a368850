package checker

import (
	"github.com/ccg-project/ccg/cql/builtins"
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func lit(v value.Value, t types.Type, s ast.Span) Node {
	return &Literal{Base: Base{T: t, P: pos(s)}, Value: v}
}

// call resolves the builtin name for the argument nodes and builds the Call.
func (c *checker) call(s ast.Span, name string, prec value.Precision, args ...Node) Node {
	n, ok := c.tryCall(s, name, prec, args...)
	if !ok {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = a.Type().String()
		}
		c.errorf(s, CodeNoOverload, "could not resolve call to operator %s with signature (%s); %s", name, strings.Join(ts, ", "), overloadList(name))
		return bad(s)
	}
	return n
}

// overloadList describes the signatures of a built-in operator for an
// error message.
func overloadList(name string) string {
	var sigs []string
	seen := map[string]bool{}
	for _, o := range builtins.Lookup(name) {
		ps := make([]string, len(o.Params))
		for i, p := range o.Params {
			ps[i] = p.String()
		}
		if o.Variadic {
			ps[len(ps)-1] += "..."
		}
		sig := "(" + strings.Join(ps, ", ") + ")"
		if !seen[sig] {
			seen[sig] = true
			sigs = append(sigs, sig)
		}
	}
	return signatureList(sigs)
}

// signatureList renders the signatures a call could have had.
func signatureList(sigs []string) string {
	switch {
	case len(sigs) == 0:
		return "it has no overloads"
	case len(sigs) == 1:
		return "its signature is " + sigs[0]
	}
	return "its overloads are " + strings.Join(sigs, ", ")
}

// callEither calls operator name, or alt when name does not fit the
// arguments; when both fit (an operand of a choice type that holds points
// or intervals), the run-time types of the arguments choose between them.
func (c *checker) callEither(s ast.Span, name, alt string, prec value.Precision, args ...Node) Node {
	if alt == "" {
		return c.call(s, name, prec, args...)
	}
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	r, _ := c.m.Resolve(name, ts)
	if r == nil {
		return c.call(s, alt, prec, args...)
	}
	n, _ := c.tryCall(s, name, prec, args...)
	if ra, _ := c.m.Resolve(alt, ts); ra != nil {
		call := n.(*Call)
		if call.Dispatch == nil {
			call.Dispatch = &Dispatch{Models: c.m, Args: args, Convs: r.Convs}
		}
		call.Dispatch.Alt = alt
		if !types.Equal(ra.Result, call.T) {
			call.T = types.NewChoice(call.T, ra.Result)
		}
	}
	return n
}

func (c *checker) tryCall(s ast.Span, name string, prec value.Precision, args ...Node) (Node, bool) {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	r, amb := c.m.Resolve(name, ts)
	if r == nil {
		return nil, false
	}
	if amb {
		strs := make([]string, len(args))
		for i, a := range ts {
			strs[i] = a.String()
		}
		c.errorf(s, CodeAmbiguous, "call to operator %s with signature (%s) is ambiguous", name, strings.Join(strs, ", "))
	}
	cargs := make([]Node, len(args))
	for i, a := range args {
		if r.Convs[i] != nil {
			cargs[i] = &Convert{Base: Base{T: r.Convs[i].Target, P: a.Position()}, Conv: r.Convs[i], Operand: a}
		} else {
			cargs[i] = a
		}
	}
	n := &Call{Base: Base{T: r.Result, P: pos(s)}, Op: r.Op, Name: name, Args: cargs, Precision: prec}
	if name == "Message" && types.Equal(ts[0], types.Null) {
		// Message returns its source: with a null source it is typed like
		// null, so `if c then 1.0 else Message(null, ...)` stays Decimal
		// (as the reference translator types it).
		n.T = types.Null
	}
	if anyOrChoiceArg(ts) {
		// An Any or choice argument may hold a value of another overload's
		// parameter type: when several overloads fit, the run-time types
		// decide, and the result is of any of their result types.
		// With Any arguments only (nothing known about them) the result
		// keeps the type of the compile-time choice.
		if cands := c.m.Candidates(name, ts); len(cands) > 1 {
			if choiceArg(ts) {
				rts := make([]types.Type, len(cands))
				for i, cd := range cands {
					rts[i] = cd.Result
				}
				if !types.Equal(types.NewChoice(rts...), r.Result) {
					n.T = types.NewChoice(append(rts, r.Result)...)
				}
			}
			n.Dispatch = &Dispatch{Models: c.m, Args: args, Convs: r.Convs}
		}
	}
	return n, true
}

// choiceArg reports whether an argument type is a choice or a list of
// choices.
func choiceArg(ts []types.Type) bool {
	for _, t := range ts {
		if isChoice(elemOf(t)) {
			return true
		}
	}
	return false
}

// anyOrChoiceArg reports whether an argument type is Any or a choice, or a
// list of them.
func anyOrChoiceArg(ts []types.Type) bool {
	for _, t := range ts {
		if isAnyOrChoice(elemOf(t)) {
			return true
		}
	}
	return false
}

// elemOf is the element type of a list type, t itself otherwise.
func elemOf(t types.Type) types.Type {
	if l, ok := t.(*types.List); ok {
		return l.Elem
	}
	return t
}

// Precision parses a normalised precision keyword ("year", "week", ...);
// "" and anything else give value.Unset.
func Precision(s string) value.Precision {
	p, _ := value.ParsePrecision(s)
	return p
}

func (c *checker) exprs(es []ast.Expr) []Node {
	out := make([]Node, len(es))
	for i, e := range es {
		out[i] = c.expr(e)
	}
	return out
}

func (c *checker) expr(e ast.Expr) Node {
	switch x := e.(type) {
	case nil:
		return &Literal{Base: Base{T: types.Null}}
	case *ast.NullLiteral:
		return lit(nil, types.Null, x.Span)
	case *ast.BooleanLiteral:
		return lit(value.Boolean(x.Value), types.Boolean, x.Span)
	case *ast.StringLiteral:
		return lit(value.String(x.Value), types.String, x.Span)
	case *ast.NumberLiteral:
		return c.number(x.Text, x.IsDecimal(), x.Span)
	case *ast.LongNumberLiteral:
		i, err := strconv.ParseInt(x.Text, 10, 64)
		if err != nil {
			c.errorf(x.Span, CodeInvalid, "long literal %sL is out of range", x.Text)
			return bad(x.Span)
		}
		return lit(value.Long(i), types.Long, x.Span)
	case *ast.DateLiteral:
		d, err := value.ParseDate(x.Text)
		if err != nil {
			c.errorf(x.Span, CodeInvalid, "invalid date literal @%s: %v", x.Text, err)
			return bad(x.Span)
		}
		return lit(d, types.Date, x.Span)
	case *ast.DateTimeLiteral:
		d, err := value.ParseDateTime(x.Text)
		if err != nil {
			c.errorf(x.Span, CodeInvalid, "invalid datetime literal @%s: %v", x.Text, err)
			return bad(x.Span)
		}
		return lit(d, types.DateTime, x.Span)
	case *ast.TimeLiteral:
		d, err := value.ParseTime(x.Text)
		if err != nil {
			c.errorf(x.Span, CodeInvalid, "invalid time literal @T%s: %v", x.Text, err)
			return bad(x.Span)
		}
		return lit(d, types.Time, x.Span)
	case *ast.QuantityLiteral:
		q, ok := c.quantity(x.Quantity, "")
		if !ok {
			return bad(x.Span)
		}
		return lit(q, types.Quantity, x.Span)
	case *ast.RatioLiteral:
		n, ok1 := c.quantity(x.Numerator, "")
		d, ok2 := c.quantity(x.Denominator, "")
		if !ok1 || !ok2 {
			return bad(x.Span)
		}
		return lit(value.Ratio{Numerator: n, Denominator: d}, types.Ratio, x.Span)
	case *ast.IdentifierRef:
		return c.identifier(x)
	case *ast.MemberAccess:
		return c.member(x)
	case *ast.FunctionCall:
		return c.funcCall(x)
	case *ast.Indexer:
		return c.call(x.Span, "Indexer", value.Unset, c.expr(x.Source), c.expr(x.Index))
	case *ast.UnaryExpr:
		return c.unary(x)
	case *ast.BinaryExpr:
		return c.binary(x)
	case *ast.BetweenExpr:
		op := c.expr(x.Operand)
		lo, hi := c.expr(x.Low), c.expr(x.High)
		ge, le := "GreaterOrEqual", "LessOrEqual"
		if x.Properly {
			ge, le = "Greater", "Less"
		}
		return c.and(x.Span, c.call(x.Span, ge, value.Unset, op, lo), c.call(x.Span, le, value.Unset, op, hi))
	case *ast.ComponentFrom:
		op := c.expr(x.Operand)
		switch x.Component {
		case "date":
			return c.call(x.Span, "DateFrom", value.Unset, op)
		case "time":
			return c.call(x.Span, "TimeFrom", value.Unset, op)
		case "timezoneoffset":
			return c.call(x.Span, "TimezoneOffsetFrom", value.Unset, op)
		}
		return c.call(x.Span, "DateTimeComponentFrom", Precision(x.Component), op)
	case *ast.DurationBetween:
		name := "DurationBetween"
		if x.Difference {
			name = "DifferenceBetween"
		}
		return c.call(x.Span, name, Precision(x.Precision), c.expr(x.Left), c.expr(x.Right))
	case *ast.DurationOf:
		name := "DurationBetween"
		if x.Difference {
			name = "DifferenceBetween"
		}
		op := c.expr(x.Operand)
		return c.call(x.Span, name, Precision(x.Precision), c.call(x.Span, "Start", value.Unset, op), c.call(x.Span, "End", value.Unset, op))
	case *ast.TypeExtent:
		t := c.typeOf(x.Type)
		name := "MinValue"
		if x.Max {
			name = "MaxValue"
		}
		n := c.call(x.Span, name, value.Unset, lit(value.String(typeName(t)), types.String, x.Span))
		if cl, ok := n.(*Call); ok {
			cl.T = t
		}
		return n
	case *ast.SetAggregate:
		name := "Collapse"
		if x.Kind == ast.Expand {
			name = "Expand"
		}
		op := c.expr(x.Operand)
		switch {
		case x.Per != nil:
			return c.call(x.Span, name, value.Unset, op, c.expr(x.Per))
		case x.PerPrecision != "":
			q := value.Quantity{Value: value.DecimalFromInt(1), Unit: x.PerPrecision}
			return c.call(x.Span, name, value.Unset, op, lit(q, types.Quantity, x.Span))
		}
		if n, ok := c.tryCall(x.Span, name, value.Unset, op); ok {
			return n
		}
		return c.call(x.Span, name, value.Unset, op, lit(nil, types.Quantity, x.Span))
	case *ast.IsExpr:
		n := &Is{Base: Base{T: types.Boolean, P: pos(x.Span)}, Operand: c.expr(x.Operand), Target: c.dataType(c.typeOf(x.Type))}
		if len(c.m.Converters) > 0 && !isModelish(n.Target) {
			n.Models = c.m
		}
		return n
	case *ast.AsExpr:
		t := c.typeOf(x.Type)
		op := c.expr(x.Operand)
		if cost, conv := c.m.match(op.Type(), t); cost >= 0 && cost < costAny && !x.Strict {
			if conv != nil {
				return &Convert{Base: Base{T: t, P: pos(x.Span)}, Conv: conv, Operand: op}
			}
			if !types.Equal(op.Type(), types.Null) {
				// An upcast only changes the static type.
				return &Convert{Base: Base{T: t, P: pos(x.Span)}, Operand: op}
			}
		}
		n := &As{Base: Base{T: t, P: pos(x.Span)}, Operand: op, Target: c.dataType(t), Strict: x.Strict}
		if len(c.m.Converters) > 0 && !isModelish(t) {
			n.Models = c.m
		}
		return n
	case *ast.ConvertExpr:
		return c.convertExpr(x)
	case *ast.BooleanTest:
		name := [...]string{"IsNull", "IsTrue", "IsFalse"}[x.Kind]
		n := c.call(x.Span, name, value.Unset, c.expr(x.Operand))
		if x.Not {
			n = c.call(x.Span, "Not", value.Unset, n)
		}
		return n
	case *ast.TimingExpr:
		return c.timing(x)
	case *ast.IfExpr:
		cond := c.convertTo(c.expr(x.Cond), types.Boolean, x.Cond.GetSpan(), "if condition")
		th, el := c.expr(x.Then), c.expr(x.Else)
		t := c.m.CommonType([]types.Type{th.Type(), el.Type()})
		if types.Equal(th.Type(), types.Null) && types.Equal(el.Type(), types.Null) {
			t = types.Any
		}
		return &If{Base: Base{T: t, P: pos(x.Span)}, Cond: cond, Then: c.coerce(th, t), Else: c.coerce(el, t)}
	case *ast.CaseExpr:
		return c.caseExpr(x)
	case *ast.ListSelector:
		return c.listSel(x)
	case *ast.IntervalSelector:
		lo, hi := c.expr(x.Low), c.expr(x.High)
		pt := c.m.CommonType([]types.Type{lo.Type(), hi.Type()})
		return &IntervalSel{Base: Base{T: &types.Interval{Point: pt}, P: pos(x.Span)}, Low: c.coerce(lo, pt), High: c.coerce(hi, pt),
			LowClosed: x.LowClosed, HighClosed: x.HighClosed}
	case *ast.TupleSelector:
		n := &TupleSel{Base: Base{P: pos(x.Span)}}
		tt := &types.Tuple{}
		for _, el := range x.Elems {
			v := c.expr(el.Value)
			n.Names = append(n.Names, el.Name)
			n.Elems = append(n.Elems, v)
			tt.Elements = append(tt.Elements, types.Element{Name: el.Name, Type: v.Type()})
		}
		n.T = tt
		return n
	case *ast.InstanceSelector:
		return c.instance(x)
	case *ast.CodeSelector:
		return c.codeSel(x)
	case *ast.ConceptSelector:
		con := value.Concept{Display: x.Display}
		for _, cs := range x.Codes {
			if l, ok := c.codeSel(cs).(*Literal); ok {
				if code, ok := l.Value.(value.Code); ok {
					con.Codes = append(con.Codes, code)
				}
			}
		}
		return lit(con, types.Concept, x.Span)
	case *ast.Retrieve:
		return c.retrieve(x)
	case *ast.Query:
		return c.query(x)
	case *ast.SpecialRef:
		if x.Name == "this" {
			if v := c.lookupLocal(thisAlias); v != nil {
				return &Var{Base: Base{T: v.T, P: pos(x.Span)}, Name: v.Name, Slot: v.Slot}
			}
			c.errorf(x.Span, CodeUndeclared, "$this is only defined in the argument of where(), select(), all() or exists()")
			return bad(x.Span)
		}
		c.errorf(x.Span, CodeUnsupported, "$%s is not supported in CQL expressions", x.Name)
		return bad(x.Span)
	case *ast.ExternalConstant:
		c.errorf(x.Span, CodeUnsupported, "external constant %%%s is not supported", x.Name)
		return bad(x.Span)
	}
	c.errorf(e.GetSpan(), CodeUnsupported, "unsupported expression %T", e)
	return bad(e.GetSpan())
}

func typeName(t types.Type) string {
	if n, ok := t.(*types.Named); ok {
		return n.Name
	}
	return t.String()
}

func (c *checker) number(text string, dec bool, s ast.Span) Node {
	if dec {
		d, err := value.NewDecimal(text)
		if err != nil {
			c.errorf(s, CodeInvalid, "invalid decimal literal %s: %v", text, err)
			return bad(s)
		}
		return lit(d, types.Decimal, s)
	}
	i, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		c.errorf(s, CodeInvalid, "integer literal %s is out of range", text)
		return bad(s)
	}
	return lit(value.Integer(i), types.Integer, s)
}

func (c *checker) quantity(q *ast.Quantity, neg string) (value.Quantity, bool) {
	d, err := value.NewDecimalLax(neg + q.Number)
	if err != nil {
		c.errorf(q.Span, CodeInvalid, "invalid quantity value %s: %v", q.Number, err)
		return value.Quantity{}, false
	}
	unit := q.Unit
	if unit == "" {
		unit = "1"
	}
	return value.Quantity{Value: d, Unit: unit}, true
}

// coerce converts n to t when an implicit conversion exists (and leaves it
// as is otherwise, e.g. into a choice).
func (c *checker) coerce(n Node, t types.Type) Node {
	if _, ok := n.(*Literal); ok && types.Equal(n.Type(), types.Null) {
		return &Literal{Base: Base{T: t, P: n.Position()}}
	}
	cost, conv := c.m.match(n.Type(), t)
	if cost >= 0 && conv != nil {
		return &Convert{Base: Base{T: conv.Target, P: n.Position()}, Conv: conv, Operand: n}
	}
	return n
}

func (c *checker) and(s ast.Span, l, r Node) Node {
	return &And{Base: Base{T: types.Boolean, P: pos(s)}, L: c.convertTo(l, types.Boolean, s, "and"), R: c.convertTo(r, types.Boolean, s, "and")}
}

func (c *checker) unary(x *ast.UnaryExpr) Node {
	if x.Op == ast.OpNegate {
		switch n := x.Operand.(type) {
		case *ast.NumberLiteral:
			if !n.IsDecimal() {
				return c.number("-"+n.Text, false, x.Span)
			}
			return c.number("-"+n.Text, true, x.Span)
		case *ast.LongNumberLiteral:
			i, err := strconv.ParseInt("-"+n.Text, 10, 64)
			if err == nil {
				return lit(value.Long(i), types.Long, x.Span)
			}
		case *ast.QuantityLiteral:
			if q, ok := c.quantity(n.Quantity, "-"); ok {
				return lit(q, types.Quantity, x.Span)
			}
		}
	}
	op := c.expr(x.Operand)
	var name string
	switch x.Op {
	case ast.OpNot:
		name = "Not"
	case ast.OpNegate:
		name = "Negate"
	case ast.OpPlus:
		return op
	case ast.OpExists:
		name = "Exists"
	case ast.OpDistinct:
		name = "Distinct"
	case ast.OpFlatten:
		name = "Flatten"
	case ast.OpSingletonFrom:
		name = "SingletonFrom"
	case ast.OpPredecessor:
		name = "Predecessor"
	case ast.OpSuccessor:
		name = "Successor"
	case ast.OpStart:
		name = "Start"
	case ast.OpEnd:
		name = "End"
	case ast.OpWidth:
		name = "Width"
	case ast.OpSize:
		name = "Size"
	case ast.OpPointFrom:
		name = "PointFrom"
	}
	return c.call(x.Span, name, value.Unset, op)
}

var binNames = map[ast.BinaryOp]string{
	ast.OpAdd: "Add", ast.OpSubtract: "Subtract", ast.OpMultiply: "Multiply", ast.OpDivide: "Divide",
	ast.OpDiv: "TruncatedDivide", ast.OpMod: "Modulo", ast.OpPower: "Power", ast.OpEqual: "Equal",
	ast.OpEquivalent: "Equivalent", ast.OpLess: "Less", ast.OpGreater: "Greater", ast.OpLessOrEqual: "LessOrEqual",
	ast.OpGreaterOrEqual: "GreaterOrEqual", ast.OpXor: "Xor", ast.OpImplies: "Implies", ast.OpIn: "In",
	ast.OpContains: "Contains", ast.OpUnion: "Union", ast.OpIntersect: "Intersect", ast.OpExcept: "Except",
}

func (c *checker) binary(x *ast.BinaryExpr) Node {
	l, r := c.expr(x.Left), c.expr(x.Right)
	s := x.Span
	switch x.Op {
	case ast.OpAnd:
		return c.and(s, l, r)
	case ast.OpOr:
		return &Or{Base: Base{T: types.Boolean, P: pos(s)}, L: c.convertTo(l, types.Boolean, s, "or"), R: c.convertTo(r, types.Boolean, s, "or")}
	case ast.OpNotEqual:
		return c.call(s, "Not", value.Unset, c.call(s, "Equal", value.Unset, l, r))
	case ast.OpNotEquivalent:
		return c.call(s, "Not", value.Unset, c.call(s, "Equivalent", value.Unset, l, r))
	case ast.OpConcat:
		empty := lit(value.String(""), types.String, s)
		return c.call(s, "Concatenate", value.Unset, c.call(s, "Coalesce", value.Unset, l, empty), c.call(s, "Coalesce", value.Unset, r, empty))
	case ast.OpAdd:
		if types.Equal(l.Type(), types.String) || types.Equal(r.Type(), types.String) {
			if n, ok := c.tryCall(s, "Concatenate", value.Unset, l, r); ok {
				return n
			}
		}
	case ast.OpIn, ast.OpContains:
		name := binNames[x.Op]
		if x.Op == ast.OpIn && (types.Equal(r.Type(), types.ValueSet) || types.Equal(r.Type(), types.CodeSys)) {
			return c.termIn(s, l, r)
		}
		// An interval (or FHIR.Period, FHIR.Range) in an interval is
		// IncludedIn, as the reference translator resolves it; Contains
		// likewise becomes Includes.
		if ivl, _ := c.intervalKinds(l.Type()); ivl && x.Op == ast.OpIn && isInterval(r.Type()) {
			name, alt := c.pointOrInterval(l.Type(), "In", "IncludedIn")
			return c.callEither(s, name, alt, Precision(x.Precision), l, r)
		}
		if ivl, _ := c.intervalKinds(r.Type()); ivl && x.Op == ast.OpContains && isInterval(l.Type()) {
			name, alt := c.pointOrInterval(r.Type(), "Contains", "Includes")
			return c.callEither(s, name, alt, Precision(x.Precision), l, r)
		}
		// `x in IntervalOrList` with a list on the wrong side, or a
		// precision: pass through.
		return c.call(s, name, Precision(x.Precision), l, r)
	}
	return c.call(s, binNames[x.Op], value.Unset, l, r)
}

var termOperand = []types.Type{types.Code, types.Concept, types.String,
	&types.List{Elem: types.Code}, &types.List{Elem: types.Concept}, &types.List{Elem: types.String}}

func (c *checker) termIn(s ast.Span, l, r Node) Node {
	ok := types.Equal(l.Type(), types.Null) || types.Equal(l.Type(), types.Any)
	for _, t := range termOperand {
		if cost, _ := c.m.match(l.Type(), t); cost >= 0 {
			ok = true
			break
		}
	}
	if !ok {
		c.errorf(s, CodeNoOverload, "membership in a value set or code system needs a Code, Concept or String, found %s", l.Type())
		return bad(s)
	}
	// Model values (FHIR Coding, CodeableConcept, and lists of them) are
	// converted to the System operand type they fit best; a list is never
	// demoted: it is in the set when any of its elements is
	// (AnyInValueSet / AnyInCodeSystem).
	best, bestConv := -1, (*Conv)(nil)
	for _, t := range termOperand {
		cost, conv := c.m.match(l.Type(), t)
		if cost < 0 || cost >= costPromote && cost < costAny {
			continue
		}
		if best < 0 || cost < best {
			best, bestConv = cost, conv
		}
	}
	if bestConv != nil && bestConv.Dynamic == nil {
		l = &Convert{Base: Base{T: bestConv.Target, P: l.Position()}, Conv: bestConv, Operand: l}
	}
	n := &TermIn{Base: Base{T: types.Boolean, P: pos(s)}, Code: l, Set: r, CodeSystem: types.Equal(r.Type(), types.CodeSys)}
	if len(c.m.Converters) > 0 && (best < 0 || best >= costAny || vague(l.Type())) {
		// Any or choice-typed operands (or elements) may hold model values.
		n.Models = c.m
	}
	return n
}

func (c *checker) convertExpr(x *ast.ConvertExpr) Node {
	op := c.expr(x.Operand)
	if x.ToType == nil {
		return c.call(x.Span, "ConvertQuantity", value.Unset, op, lit(value.String(x.ToUnit), types.String, x.Span))
	}
	t := c.typeOf(x.ToType)
	if types.Equal(op.Type(), t) {
		return op
	}
	if n, ok := t.(*types.Named); ok && n.Model == "System" {
		name := "To" + n.Name
		if hasBuiltin(name) {
			return c.call(x.Span, name, value.Unset, op)
		}
	}
	c.errorf(x.Span, CodeTypeMismatch, "cannot convert %s to %s", op.Type(), t)
	return bad(x.Span)
}

func (c *checker) caseExpr(x *ast.CaseExpr) Node {
	n := &Case{Base: Base{P: pos(x.Span)}}
	var cmp Node
	if x.Comparand != nil {
		cmp = c.expr(x.Comparand)
	}
	var ts []types.Type
	for _, it := range x.Items {
		w := c.expr(it.When)
		if cmp == nil {
			w = c.convertTo(w, types.Boolean, it.When.GetSpan(), "case condition")
		} else {
			// Resolve equality now to apply conversions to comparand and when.
			ct := c.m.CommonType([]types.Type{cmp.Type(), w.Type()})
			w = c.coerce(w, ct)
		}
		th := c.expr(it.Then)
		ts = append(ts, th.Type())
		n.Items = append(n.Items, CaseItem{When: w, Then: th})
	}
	el := c.expr(x.Else)
	ts = append(ts, el.Type())
	t := c.m.CommonType(ts)
	for i := range n.Items {
		n.Items[i].Then = c.coerce(n.Items[i].Then, t)
	}
	if cmp != nil {
		var wts []types.Type
		wts = append(wts, cmp.Type())
		for _, it := range n.Items {
			wts = append(wts, it.When.Type())
		}
		ct := c.m.CommonType(wts)
		cmp = c.coerce(cmp, ct)
		for i := range n.Items {
			n.Items[i].When = c.coerce(n.Items[i].When, ct)
		}
	}
	n.Comparand = cmp
	n.Else = c.coerce(el, t)
	n.T = t
	return n
}

func (c *checker) listSel(x *ast.ListSelector) Node {
	elems := c.exprs(x.Elems)
	var et types.Type
	if x.ElemType != nil {
		et = c.typeOf(x.ElemType)
		for i, e := range elems {
			elems[i] = c.convertTo(e, et, x.Elems[i].GetSpan(), "list element")
		}
	} else {
		ts := make([]types.Type, len(elems))
		for i, e := range elems {
			ts[i] = e.Type()
		}
		et = c.m.CommonType(ts)
		for i, e := range elems {
			elems[i] = c.coerce(e, et)
		}
	}
	return &ListSel{Base: Base{T: &types.List{Elem: et}, P: pos(x.Span)}, Elems: elems}
}

var instanceElems = map[string]map[string]types.Type{
	"Code":       {"code": types.String, "system": types.String, "version": types.String, "display": types.String},
	"Concept":    {"codes": &types.List{Elem: types.Code}, "display": types.String},
	"Quantity":   {"value": types.Decimal, "unit": types.String},
	"Ratio":      {"numerator": types.Quantity, "denominator": types.Quantity},
	"ValueSet":   {"id": types.String, "version": types.String, "name": types.String},
	"CodeSystem": {"id": types.String, "version": types.String, "name": types.String},
	"Interval":   {"low": types.Any, "high": types.Any, "lowClosed": types.Boolean, "highClosed": types.Boolean},
}

func (c *checker) instance(x *ast.InstanceSelector) Node {
	if c.isIntervalType(x.Type) {
		return c.intervalInstance(x)
	}
	t := c.typeOf(x.Type)
	nt, ok := t.(*types.Named)
	if ok && nt.Model != "System" {
		return c.modelInstance(x, nt)
	}
	if !ok {
		c.errorf(x.Span, CodeUnsupported, "instance selectors of %s are not supported", t)
		return bad(x.Span)
	}
	els, ok := instanceElems[nt.Name]
	if !ok {
		c.errorf(x.Span, CodeTypeMismatch, "%s has no instance selector", t)
		return bad(x.Span)
	}
	if nt.Name == "Interval" {
		return c.intervalInstance(x)
	}
	n := &InstanceSel{Base: Base{T: t, P: pos(x.Span)}, TypeName: nt.Name}
	for _, el := range x.Elems {
		et, ok := els[el.Name]
		v := c.expr(el.Value)
		if !ok {
			c.errorf(el.Span, CodeUndeclared, "%s has no element %s", t, el.Name)
			continue
		}
		if lt, ok := et.(*types.List); ok && !isList(v.Type()) && !types.Equal(v.Type(), types.Null) {
			// A single value where a list is expected is promoted.
			if cost, _ := c.m.match(v.Type(), lt.Elem); cost >= 0 {
				v = &ListSel{Base: Base{T: lt, P: v.Position()}, Elems: []Node{c.coerce(v, lt.Elem)}}
			}
		}
		n.Names = append(n.Names, el.Name)
		n.Elems = append(n.Elems, c.convertTo(v, et, el.Value.GetSpan(), "element "+el.Name))
	}
	return n
}

// modelInstance is an instance selector of a data model type.
func (c *checker) modelInstance(x *ast.InstanceSelector, nt *types.Named) Node {
	m := c.models[nt.Model]
	im, ok := m.(InstanceModel)
	if !ok {
		c.errorf(x.Span, CodeUnsupported, "instance selectors of %s are not supported", nt)
		return bad(x.Span)
	}
	n := &InstanceSel{Base: Base{T: nt, P: pos(x.Span)}, TypeName: nt.Name, Model: im, Named: nt}
	for _, el := range x.Elems {
		v := c.expr(el.Value)
		et, ok := m.PropertyType(nt, el.Name)
		if !ok {
			c.errorf(el.Span, CodeUndeclared, "%s has no element %s", nt, el.Name)
			continue
		}
		// The model converts System values into its element types, so only
		// values that cannot fit at all are rejected.
		if cost, _ := c.m.match(v.Type(), et); cost < 0 && !isModelish(v.Type()) && !isModelish(et) {
			c.errorf(el.Value.GetSpan(), CodeTypeMismatch, "element %s: expected %s, found %s", el.Name, et, v.Type())
		}
		n.Names = append(n.Names, el.Name)
		n.Elems = append(n.Elems, v)
	}
	return n
}

// isModelish reports whether t involves a non-System named type.
func isModelish(t types.Type) bool {
	switch x := t.(type) {
	case *types.Named:
		return x.Model != "System"
	case *types.List:
		return isModelish(x.Elem)
	case *types.Choice:
		for _, o := range x.Options {
			if isModelish(o) {
				return true
			}
		}
	}
	return false
}

// isIntervalType reports whether an instance selector's type names the
// System Interval type: System.Interval, or Interval when no data model in
// use declares a type of that name.
func (c *checker) isIntervalType(ts ast.TypeSpec) bool {
	t, ok := ts.(*ast.NamedTypeSpec)
	if !ok || t.Name != "Interval" {
		return false
	}
	switch t.Qualifier() {
	case "System":
		return true
	case "":
		for _, u := range c.src.Usings {
			if m, ok := c.models[u.Model]; ok {
				if _, ok := m.ResolveType(t.Name); ok {
					return false
				}
			}
		}
		return true
	}
	return false
}

// intervalInstance is Interval { low: a, high: b, lowClosed: x, highClosed: y }.
func (c *checker) intervalInstance(x *ast.InstanceSelector) Node {
	n := &IntervalSel{Base: Base{P: pos(x.Span)}, LowClosed: true, HighClosed: true}
	lo, hi := Node(lit(nil, types.Null, x.Span)), Node(lit(nil, types.Null, x.Span))
	for _, el := range x.Elems {
		v := c.expr(el.Value)
		switch el.Name {
		case "low":
			lo = v
		case "high":
			hi = v
		case "lowClosed":
			n.LowClosedExpr = c.convertTo(v, types.Boolean, el.Value.GetSpan(), "lowClosed")
		case "highClosed":
			n.HighClosedExpr = c.convertTo(v, types.Boolean, el.Value.GetSpan(), "highClosed")
		default:
			c.errorf(el.Span, CodeUndeclared, "Interval has no element %s", el.Name)
		}
	}
	pt := c.m.CommonType([]types.Type{lo.Type(), hi.Type()})
	n.Low, n.High = c.coerce(lo, pt), c.coerce(hi, pt)
	n.T = &types.Interval{Point: pt}
	return n
}

// dataType maps the profile types in t to the types of their data values
// (ProfileModel), which run-time type tests and casts check.
func (c *checker) dataType(t types.Type) types.Type {
	switch x := t.(type) {
	case *types.Named:
		if pm, ok := c.models[x.Model].(ProfileModel); ok {
			if d, ok := pm.DataType(x); ok {
				return d
			}
		}
	case *types.List:
		return &types.List{Elem: c.dataType(x.Elem)}
	case *types.Interval:
		return &types.Interval{Point: c.dataType(x.Point)}
	case *types.Choice:
		opts := make([]types.Type, len(x.Options))
		for i, o := range x.Options {
			opts[i] = c.dataType(o)
		}
		return types.NewChoice(opts...)
	}
	return t
}

func (c *checker) codeSel(x *ast.CodeSelector) Node {
	code := value.Code{Code: x.Code, Display: x.Display}
	if s, ok := c.codeSystem(x.System); ok {
		code.System, code.Version = s.ID, s.Version
	}
	return lit(code, types.Code, x.Span)
}

func (c *checker) retrieve(x *ast.Retrieve) Node {
	t := c.typeOf(x.Type)
	nt, ok := t.(*types.Named)
	if !ok {
		return bad(x.Span)
	}
	n := &Retrieve{Base: Base{T: &types.List{Elem: t}, P: pos(x.Span)}, DataType: nt, CodePath: x.CodePath,
		CodeComparator: x.CodeComparator}
	if pm, ok := c.models[nt.Model].(ProfileModel); ok {
		if base, keep, ok := pm.RetrieveTarget(nt); ok {
			n.Profile, n.DataType, n.Keep = nt, base, keep
		}
	}
	if x.Context != nil {
		n.Context = c.expr(x.Context)
		if isList(n.Context.Type()) {
			c.errorf(x.Context.GetSpan(), CodeTypeMismatch, "the context of a retrieve must be a single value, found %s", n.Context.Type())
		}
	}
	if x.Codes != nil {
		n.Codes = c.expr(x.Codes)
		if ct := n.Codes.Type(); types.Equal(ct, types.String) || types.Equal(ct, &types.List{Elem: types.String}) {
			return c.stringRetrieve(x, n)
		}
		if n.CodePath == "" {
			if rm, ok := c.models[nt.Model].(RetrieveModel); ok {
				n.CodePath = rm.PrimaryCodePath(nt.Name)
				if n.CodePath == "" && n.Profile != nil {
					if bm, ok := c.models[n.DataType.Model].(RetrieveModel); ok {
						n.CodePath = bm.PrimaryCodePath(n.DataType.Name)
					}
				}
				if n.CodePath == "" {
					c.errorf(x.Span, CodeTypeMismatch, "%s has no primary code path: name the element to filter on ([%s: element in ...])", nt, nt.Name)
					return bad(x.Span)
				}
			}
		}
	}
	return n
}

// retrievedAlias is the alias of the query a retrieve filtered by strings
// becomes; it cannot be written in CQL, so it never hides a name.
const retrievedAlias = "retrieved "

// stringRetrieve checks a retrieve whose terminology is a string or a list
// of strings ([MedicationRequest: status in {'active'}]): the reference
// translator compares the strings with the code path's value, so it becomes
// the query [MedicationRequest] R where R.status in {'active'}.
func (c *checker) stringRetrieve(x *ast.Retrieve, n *Retrieve) Node {
	if n.CodePath == "" {
		c.errorf(x.Span, CodeTypeMismatch, "%s has no primary code path: a retrieve filtered by %s needs one", n.DataType, n.Codes.Type())
		return bad(x.Span)
	}
	var path ast.Expr = &ast.IdentifierRef{Span: x.Span, Name: retrievedAlias}
	for _, p := range strings.Split(n.CodePath, ".") {
		path = &ast.MemberAccess{Span: x.Span, Source: path, Name: p}
	}
	op := ast.OpEqual
	switch {
	case x.CodeComparator == "~":
		op = ast.OpEquivalent
	case isList(n.Codes.Type()):
		op = ast.OpIn
	}
	all := &ast.Retrieve{Span: x.Span, Context: x.Context, Type: x.Type}
	q := &ast.Query{Span: x.Span, Sources: []*ast.AliasedSource{{Span: x.Span, Expr: all, Alias: retrievedAlias}},
		Where: &ast.BinaryExpr{Span: x.Span, Op: op, Left: path, Right: x.Codes}}
	return c.query(q)
}

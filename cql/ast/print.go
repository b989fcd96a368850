package ast

import (
	"fmt"
	"strings"
)

// Print renders a node as CQL source text. The output is not meant to look
// like the original (every name is quoted and compound operands are
// parenthesised) but parsing it gives back the same tree, apart from spans.
// Print accepts a *Library, any Expr, TypeSpec or Statement, and the
// declaration nodes; other nodes print as their Go type name.
func Print(n Node) string {
	var p printer
	p.node(n)
	return p.b.String()
}

type printer struct{ b strings.Builder }

func (p *printer) w(parts ...string) {
	for _, s := range parts {
		p.b.WriteString(s)
	}
}

// quoteIdent renders a name as a quoted identifier, which is valid wherever
// a name may appear.
func quoteIdent(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteString renders s as a CQL string literal.
func QuoteString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func qualified(quals []string, name string) string {
	parts := make([]string, 0, len(quals)+1)
	for _, q := range quals {
		parts = append(parts, quoteIdent(q))
	}
	return strings.Join(append(parts, quoteIdent(name)), ".")
}

func (p *printer) node(n Node) {
	switch x := n.(type) {
	case nil:
		p.w("null")
	case *Library:
		p.library(x)
	case Statement:
		p.statement(x)
	case Expr:
		p.expr(x)
	case TypeSpec:
		p.typeSpec(x)
	case *Quantity:
		p.quantity(x)
	default:
		p.w(fmt.Sprintf("%T", n))
	}
}

func (p *printer) access(a Access) {
	if a == Private {
		p.w("private ")
	}
}

// version writes " version 'v'" when v is set.
func (p *printer) version(v string) {
	if v != "" {
		p.w(" version ", QuoteString(v))
	}
}

// alias writes " called "a"" when a is set.
func (p *printer) alias(a string) {
	if a != "" {
		p.w(" called ", quoteIdent(a))
	}
}

func (p *printer) library(l *Library) {
	if id := l.Identifier; id != nil {
		p.w("library ", qualified(id.Qualifiers, id.Name))
		p.version(id.Version)
		p.w("\n")
	}
	for _, u := range l.Usings {
		p.w("using ", qualified(u.Qualifiers, u.Model))
		p.version(u.Version)
		p.alias(u.Alias)
		p.w("\n")
	}
	for _, in := range l.Includes {
		p.w("include ", qualified(in.Qualifiers, in.Name))
		p.version(in.Version)
		p.alias(in.Alias)
		p.w("\n")
	}
	for _, cs := range l.CodeSystems {
		p.access(cs.Access)
		p.w("codesystem ", quoteIdent(cs.Name), ": ", QuoteString(cs.ID))
		p.version(cs.Version)
		p.w("\n")
	}
	for _, vs := range l.ValueSets {
		p.access(vs.Access)
		p.w("valueset ", quoteIdent(vs.Name), ": ", QuoteString(vs.ID))
		p.version(vs.Version)
		if len(vs.CodeSystems) > 0 {
			p.w(" codesystems { ")
			for i, r := range vs.CodeSystems {
				if i > 0 {
					p.w(", ")
				}
				p.codeSystemRef(r)
			}
			p.w(" }")
		}
		p.w("\n")
	}
	for _, c := range l.Codes {
		p.access(c.Access)
		p.w("code ", quoteIdent(c.Name), ": ", QuoteString(c.Code), " from ")
		p.codeSystemRef(c.System)
		if c.Display != "" {
			p.w(" display ", QuoteString(c.Display))
		}
		p.w("\n")
	}
	for _, c := range l.Concepts {
		p.access(c.Access)
		p.w("concept ", quoteIdent(c.Name), ": { ")
		for i, r := range c.Codes {
			if i > 0 {
				p.w(", ")
			}
			if r.Library != "" {
				p.w(quoteIdent(r.Library), ".")
			}
			p.w(quoteIdent(r.Name))
		}
		p.w(" }")
		if c.Display != "" {
			p.w(" display ", QuoteString(c.Display))
		}
		p.w("\n")
	}
	for _, par := range l.Parameters {
		p.access(par.Access)
		p.w("parameter ", quoteIdent(par.Name))
		if par.Type != nil {
			p.w(" ")
			p.typeSpec(par.Type)
		}
		if par.Default != nil {
			p.w(" default ")
			p.expr(par.Default)
		}
		p.w("\n")
	}
	context := ""
	for _, s := range l.Statements {
		var sc string
		switch d := s.(type) {
		case *ExpressionDef:
			sc = d.Context
		case *FunctionDef:
			sc = d.Context
		}
		if sc != context && sc != "" {
			p.w("context ", quoteIdent(sc), "\n")
		}
		context = sc
		p.statement(s)
		p.w("\n")
	}
}

func (p *printer) codeSystemRef(r *CodeSystemRef) {
	if r.Library != "" {
		p.w(quoteIdent(r.Library), ".")
	}
	p.w(quoteIdent(r.Name))
}

func (p *printer) statement(s Statement) {
	switch d := s.(type) {
	case *ExpressionDef:
		p.w("define ")
		p.access(d.Access)
		p.w(quoteIdent(d.Name), ": ")
		p.expr(d.Expr)
	case *FunctionDef:
		p.w("define ")
		p.access(d.Access)
		if d.Fluent {
			p.w("fluent ")
		}
		p.w("function ", quoteIdent(d.Name), "(")
		for i, o := range d.Operands {
			if i > 0 {
				p.w(", ")
			}
			p.w(quoteIdent(o.Name), " ")
			p.typeSpec(o.Type)
		}
		p.w(")")
		if d.ReturnType != nil {
			p.w(" returns ")
			p.typeSpec(d.ReturnType)
		}
		p.w(": ")
		if d.External {
			p.w("external")
		} else {
			p.expr(d.Body)
		}
	}
}

func (p *printer) typeSpec(t TypeSpec) {
	switch x := t.(type) {
	case *NamedTypeSpec:
		p.w(qualified(x.Qualifiers, x.Name))
	case *ListTypeSpec:
		p.w("List<")
		p.typeSpec(x.Elem)
		p.w(">")
	case *IntervalTypeSpec:
		p.w("Interval<")
		p.typeSpec(x.Point)
		p.w(">")
	case *TupleTypeSpec:
		p.w("Tuple { ")
		for i, e := range x.Elements {
			if i > 0 {
				p.w(", ")
			}
			p.w(quoteIdent(e.Name), " ")
			p.typeSpec(e.Type)
		}
		p.w(" }")
	case *ChoiceTypeSpec:
		p.w("Choice<")
		for i, o := range x.Options {
			if i > 0 {
				p.w(", ")
			}
			p.typeSpec(o)
		}
		p.w(">")
	default:
		p.w(fmt.Sprintf("%T", t))
	}
}

func (p *printer) quantity(q *Quantity) {
	p.w(q.Number)
	switch {
	case q.Unit == "":
	case q.Calendar:
		p.w(" ", q.Unit)
	default:
		p.w(" ", QuoteString(q.Unit))
	}
}

// atomic reports whether e prints as a term that needs no parentheses when
// used as an operand.
func atomic(e Expr) bool {
	switch x := e.(type) {
	case *NullLiteral, *BooleanLiteral, *StringLiteral, *NumberLiteral, *LongNumberLiteral,
		*DateLiteral, *DateTimeLiteral, *TimeLiteral, *IdentifierRef, *SpecialRef, *ExternalConstant,
		*MemberAccess, *Indexer, *IntervalSelector, *TupleSelector, *InstanceSelector, *ListSelector,
		*CodeSelector, *ConceptSelector:
		return true
	case *FunctionCall:
		return true
	case *QuantityLiteral, *RatioLiteral:
		return true
	case *UnaryExpr:
		// -5 and +5 stay unparenthesised so that -2147483648 prints back as
		// a literal directly after its minus sign.
		_, num := x.Operand.(*NumberLiteral)
		_, long := x.Operand.(*LongNumberLiteral)
		return (x.Op == OpNegate || x.Op == OpPlus) && (num || long)
	}
	return false
}

// operand prints e as a term, parenthesising anything compound.
func (p *printer) operand(e Expr) {
	if e != nil && atomic(e) {
		p.expr(e)
		return
	}
	p.w("(")
	p.expr(e)
	p.w(")")
}

var unaryText = map[UnaryOp]string{
	OpNot: "not ", OpNegate: "-", OpPlus: "+", OpExists: "exists ", OpDistinct: "distinct ",
	OpFlatten: "flatten ", OpSingletonFrom: "singleton from ", OpPredecessor: "predecessor of ",
	OpSuccessor: "successor of ", OpStart: "start of ", OpEnd: "end of ", OpWidth: "width of ",
	OpSize: "size of ", OpPointFrom: "point from ",
}

func plural(precision string) string { return precision + "s" }

func (p *printer) args(args []Expr) {
	p.w("(")
	for i, a := range args {
		if i > 0 {
			p.w(", ")
		}
		p.expr(a)
	}
	p.w(")")
}

func (p *printer) elems(elems []*TupleElement) {
	p.w("{ ")
	if len(elems) == 0 {
		p.w(":")
	}
	for i, e := range elems {
		if i > 0 {
			p.w(", ")
		}
		p.w(quoteIdent(e.Name), ": ")
		p.expr(e.Value)
	}
	p.w(" }")
}

func (p *printer) codeSelector(c *CodeSelector) {
	p.w("Code ", QuoteString(c.Code), " from ")
	p.codeSystemRef(c.System)
	if c.Display != "" {
		p.w(" display ", QuoteString(c.Display))
	}
}

func (p *printer) expr(e Expr) {
	switch x := e.(type) {
	case nil:
		p.w("null")
	case *NullLiteral:
		p.w("null")
	case *BooleanLiteral:
		p.w(fmt.Sprint(x.Value))
	case *StringLiteral:
		p.w(QuoteString(x.Value))
	case *NumberLiteral:
		p.w(x.Text)
	case *LongNumberLiteral:
		p.w(x.Text, "L")
	case *DateLiteral:
		p.w("@", x.Text)
	case *DateTimeLiteral:
		p.w("@", x.Text)
	case *TimeLiteral:
		p.w("@T", x.Text)
	case *QuantityLiteral:
		p.quantity(x.Quantity)
		if x.Quantity != nil && x.Quantity.Unit == "" {
			// An explicitly empty unit ('') keeps this a quantity.
			p.w(" ''")
		}
	case *RatioLiteral:
		p.quantity(x.Numerator)
		p.w(" : ")
		p.quantity(x.Denominator)
	case *IdentifierRef:
		p.w(quoteIdent(x.Name))
	case *SpecialRef:
		p.w("$", x.Name)
	case *ExternalConstant:
		p.w("%", quoteIdent(x.Name))
	case *MemberAccess:
		p.operand(x.Source)
		p.w(".", quoteIdent(x.Name))
	case *FunctionCall:
		switch ref, isRef := x.Source.(*IdentifierRef); {
		case x.Source == nil:
		case isRef && x.LibraryQualifier != "" && ref.Name == x.LibraryQualifier:
			p.w(quoteIdent(x.LibraryQualifier), ".")
		case isRef:
			p.w("(", quoteIdent(ref.Name), ").")
		default:
			p.operand(x.Source)
			p.w(".")
		}
		p.w(quoteIdent(x.Name))
		p.args(x.Args)
	case *Indexer:
		p.operand(x.Source)
		p.w("[")
		p.expr(x.Index)
		p.w("]")
	case *UnaryExpr:
		p.w(unaryText[x.Op])
		p.operand(x.Operand)
	case *BinaryExpr:
		p.operand(x.Left)
		p.w(" ", x.Op.String(), " ")
		if x.Precision != "" {
			p.w(x.Precision, " of ")
		}
		p.operand(x.Right)
	case *BetweenExpr:
		p.operand(x.Operand)
		if x.Properly {
			p.w(" properly")
		}
		p.w(" between ")
		p.operand(x.Low)
		p.w(" and ")
		p.operand(x.High)
	case *ComponentFrom:
		p.w(x.Component, " from ")
		p.operand(x.Operand)
	case *DurationOf:
		if x.Difference {
			p.w("difference in ")
		} else {
			p.w("duration in ")
		}
		p.w(plural(x.Precision), " of ")
		p.operand(x.Operand)
	case *DurationBetween:
		if x.Difference {
			p.w("difference in ")
		}
		p.w(plural(x.Precision), " between ")
		p.operand(x.Left)
		p.w(" and ")
		p.operand(x.Right)
	case *TypeExtent:
		if x.Max {
			p.w("maximum ")
		} else {
			p.w("minimum ")
		}
		p.typeSpec(x.Type)
	case *SetAggregate:
		p.w(x.Kind.String(), " ")
		p.operand(x.Operand)
		if x.PerPrecision != "" {
			p.w(" per ", x.PerPrecision)
		} else if x.Per != nil {
			p.w(" per ")
			p.operand(x.Per)
		}
	case *IsExpr:
		p.operand(x.Operand)
		p.w(" is ")
		p.typeSpec(x.Type)
	case *AsExpr:
		if x.Strict {
			p.w("cast ")
		}
		p.operand(x.Operand)
		p.w(" as ")
		p.typeSpec(x.Type)
	case *ConvertExpr:
		p.w("convert ")
		p.operand(x.Operand)
		p.w(" to ")
		if x.ToType != nil {
			p.typeSpec(x.ToType)
		} else {
			p.w(QuoteString(x.ToUnit))
		}
	case *BooleanTest:
		p.operand(x.Operand)
		p.w(" is ")
		if x.Not {
			p.w("not ")
		}
		p.w(x.Kind.String())
	case *TimingExpr:
		p.operand(x.Left)
		p.w(" ")
		p.timingPhrase(x)
		p.w(" ")
		p.operand(x.Right)
	case *IfExpr:
		p.w("if ")
		p.operand(x.Cond)
		p.w(" then ")
		p.operand(x.Then)
		p.w(" else ")
		p.operand(x.Else)
	case *CaseExpr:
		p.w("case ")
		if x.Comparand != nil {
			p.operand(x.Comparand)
			p.w(" ")
		}
		for _, it := range x.Items {
			p.w("when ")
			p.operand(it.When)
			p.w(" then ")
			p.operand(it.Then)
			p.w(" ")
		}
		p.w("else ")
		p.operand(x.Else)
		p.w(" end")
	case *ListSelector:
		if x.ElemType != nil {
			p.w("List<")
			p.typeSpec(x.ElemType)
			p.w(">")
		}
		p.w("{")
		for i, el := range x.Elems {
			if i > 0 {
				p.w(", ")
			}
			p.expr(el)
		}
		p.w("}")
	case *IntervalSelector:
		p.w("Interval")
		if x.LowClosed {
			p.w("[")
		} else {
			p.w("(")
		}
		p.expr(x.Low)
		p.w(", ")
		p.expr(x.High)
		if x.HighClosed {
			p.w("]")
		} else {
			p.w(")")
		}
	case *TupleSelector:
		p.w("Tuple ")
		p.elems(x.Elems)
	case *InstanceSelector:
		p.typeSpec(x.Type)
		p.w(" ")
		p.elems(x.Elems)
	case *CodeSelector:
		p.codeSelector(x)
	case *ConceptSelector:
		p.w("Concept { ")
		for i, c := range x.Codes {
			if i > 0 {
				p.w(", ")
			}
			p.codeSelector(c)
		}
		p.w(" }")
		if x.Display != "" {
			p.w(" display ", QuoteString(x.Display))
		}
	case *Retrieve:
		p.retrieve(x)
	case *Query:
		p.query(x)
	default:
		p.w(fmt.Sprintf("%T", e))
	}
}

func (p *printer) timingPhrase(t *TimingExpr) {
	left := func() {
		switch t.LeftBoundary {
		case BoundaryStart:
			p.w("starts ")
		case BoundaryEnd:
			p.w("ends ")
		}
	}
	right := func() {
		switch t.RightBoundary {
		case BoundaryStart:
			p.w(" start")
		case BoundaryEnd:
			p.w(" end")
		}
	}
	properly := func() {
		if t.Properly {
			p.w("properly ")
		}
	}
	precOf := func() {
		if t.Precision != "" {
			p.w(" ", t.Precision, " of")
		}
	}
	switch t.Op {
	case TimingSameAs, TimingSameOrBefore, TimingSameOrAfter:
		left()
		p.w("same")
		if t.Precision != "" {
			p.w(" ", t.Precision)
		}
		switch t.Op {
		case TimingSameAs:
			p.w(" as")
		case TimingSameOrBefore:
			p.w(" or before")
		default:
			p.w(" or after")
		}
		right()
	case TimingIncludes:
		properly()
		p.w("includes")
		precOf()
		right()
	case TimingIncludedIn:
		left()
		properly()
		if t.During {
			p.w("during")
		} else {
			p.w("included in")
		}
		precOf()
	case TimingBefore, TimingAfter:
		left()
		if o := t.Offset; o != nil {
			switch o.Kind {
			case OffsetLessThan:
				p.w("less than ")
				p.quantity(o.Quantity)
			case OffsetMoreThan:
				p.w("more than ")
				p.quantity(o.Quantity)
			default:
				p.quantity(o.Quantity)
				if o.Kind == OffsetOrMore {
					p.w(" or more")
				} else if o.Kind == OffsetOrLess {
					p.w(" or less")
				}
			}
			p.w(" ")
		}
		if t.OrOn {
			p.w("on or ")
		}
		if t.Op == TimingBefore {
			p.w("before")
		} else {
			p.w("after")
		}
		precOf()
		right()
	case TimingWithin:
		left()
		properly()
		p.w("within ")
		if t.Within != nil {
			p.quantity(t.Within)
		}
		p.w(" of")
		right()
	default:
		p.w(t.Op.String())
		precOf()
	}
}

// qualifiedTerm prints an IdentifierRef / MemberAccess chain without
// parentheses, as retrieve contexts and query sources require.
func (p *printer) qualifiedTerm(e Expr) bool {
	switch x := e.(type) {
	case *IdentifierRef:
		p.w(quoteIdent(x.Name))
		return true
	case *MemberAccess:
		var parts []string
		cur := Expr(x)
		for {
			switch y := cur.(type) {
			case *MemberAccess:
				parts = append(parts, y.Name)
				cur = y.Source
				continue
			case *IdentifierRef:
				parts = append(parts, y.Name)
			default:
				return false
			}
			break
		}
		for i := len(parts) - 1; i >= 0; i-- {
			p.w(quoteIdent(parts[i]))
			if i > 0 {
				p.w(".")
			}
		}
		return true
	}
	return false
}

func isQualifiedTerm(e Expr) bool {
	for {
		switch x := e.(type) {
		case *IdentifierRef:
			return true
		case *MemberAccess:
			e = x.Source
		default:
			return false
		}
	}
}

func (p *printer) retrieve(r *Retrieve) {
	p.w("[")
	if r.Context != nil && isQualifiedTerm(r.Context) {
		p.qualifiedTerm(r.Context)
		p.w(" -> ")
	}
	p.typeSpec(r.Type)
	if r.Codes != nil {
		p.w(": ")
		if r.CodePath != "" {
			p.w(r.CodePath, " ", r.CodeComparator, " ")
		}
		p.expr(r.Codes)
	}
	p.w("]")
}

func (p *printer) aliased(s *AliasedSource) {
	switch {
	case isQualifiedTerm(s.Expr):
		p.qualifiedTerm(s.Expr)
	default:
		if r, ok := s.Expr.(*Retrieve); ok {
			p.retrieve(r)
		} else {
			p.w("(")
			p.expr(s.Expr)
			p.w(")")
		}
	}
	p.w(" ", quoteIdent(s.Alias))
}

func (p *printer) query(q *Query) {
	p.w("from ")
	for i, s := range q.Sources {
		if i > 0 {
			p.w(", ")
		}
		p.aliased(s)
	}
	for i, l := range q.Lets {
		if i == 0 {
			p.w(" let ")
		} else {
			p.w(", ")
		}
		p.w(quoteIdent(l.Name), ": ")
		p.operand(l.Expr)
	}
	for _, r := range q.Relationships {
		if r.Without {
			p.w(" without ")
		} else {
			p.w(" with ")
		}
		p.aliased(r.Source)
		p.w(" such that ")
		p.operand(r.SuchThat)
	}
	if q.Where != nil {
		p.w(" where ")
		p.operand(q.Where)
	}
	if r := q.Return; r != nil {
		p.w(" return ")
		if r.Distinct {
			p.w("distinct ")
		} else if r.All {
			p.w("all ")
		}
		p.operand(r.Expr)
	}
	if a := q.Aggregate; a != nil {
		p.w(" aggregate ")
		if a.Distinct {
			p.w("distinct ")
		} else if a.All {
			p.w("all ")
		}
		p.w(quoteIdent(a.Name))
		if a.Starting != nil {
			p.w(" starting (")
			p.expr(a.Starting)
			p.w(")")
		}
		p.w(": ")
		p.operand(a.Expr)
	}
	if s := q.Sort; s != nil {
		p.w(" sort")
		if len(s.Items) == 1 && s.Items[0].Expr == nil {
			if s.Items[0].Desc {
				p.w(" desc")
			} else {
				p.w(" asc")
			}
			return
		}
		p.w(" by ")
		for i, it := range s.Items {
			if i > 0 {
				p.w(", ")
			}
			p.operand(it.Expr)
			if it.Desc {
				p.w(" desc")
			} else {
				p.w(" asc")
			}
		}
	}
}

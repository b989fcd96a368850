package parser

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/antlr4-go/antlr/v4"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/parser/gen"
)

// converter turns an error-free ANTLR parse tree into ast nodes.
type converter struct {
	src  string
	errs []*Error
	// cur is the rule being converted, for positioning internal errors.
	cur antlr.ParserRuleContext
	// numbers are the Integer/Long literals to range-check; the value is
	// true when the literal is the direct operand of a unary minus.
	ints  map[*ast.NumberLiteral]bool
	longs map[*ast.LongNumberLiteral]bool
}

// guard runs f and turns a panic (a bug in the converter, never expected)
// into an error positioned at the rule being converted.
func (c *converter) guard(root antlr.ParserRuleContext, f func()) {
	defer func() {
		if r := recover(); r != nil {
			at := c.cur
			if at == nil {
				at = root
			}
			pos := ast.Pos{Line: 1, Col: 1}
			if at != nil && at.GetStart() != nil {
				pos = spanOf(at).Start
			}
			c.errs = append(c.errs, &Error{Line: pos.Line, Col: pos.Col, Code: CodeSyntax,
				Message: fmt.Sprintf("internal parser error: %v", r)})
		}
	}()
	f()
}

func (c *converter) errorf(pos ast.Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{Line: pos.Line, Col: pos.Col, Code: CodeSyntax, Message: fmt.Sprintf(format, args...)})
}

// checkLiterals reports Integer and Long literals outside their ranges
// (2147483648 and 9223372036854775808 are allowed only after a minus sign).
func (c *converter) checkLiterals() {
	maxInt := big.NewInt(2147483647)
	minIntAbs := big.NewInt(2147483648)
	maxLong := new(big.Int).SetUint64(9223372036854775807)
	minLongAbs := new(big.Int).SetUint64(9223372036854775808)
	check := func(text string, negated bool, max, minAbs *big.Int, pos ast.Pos, kind string) {
		v, ok := new(big.Int).SetString(text, 10)
		if !ok {
			c.errorf(pos, "invalid %s literal %s", kind, text)
			return
		}
		limit := max
		if negated {
			limit = minAbs
		}
		if v.Cmp(limit) > 0 {
			sign := ""
			if negated {
				sign = "-"
			}
			c.errorf(pos, "%s literal %s%s is out of range", kind, sign, text)
		}
	}
	for n, neg := range c.ints {
		check(n.Text, neg, maxInt, minIntAbs, n.Start, "Integer")
	}
	for n, neg := range c.longs {
		check(n.Text, neg, maxLong, minLongAbs, n.Start, "Long")
	}
}

// ---------------------------------------------------------------------------
// Spans and tokens

func tokPos(t antlr.Token) ast.Pos { return ast.Pos{Line: t.GetLine(), Col: t.GetColumn() + 1} }

// tokEnd is the position just after the token's last character.
func tokEnd(t antlr.Token) ast.Pos {
	return advance(tokPos(t), t.GetText())
}

func advance(p ast.Pos, text string) ast.Pos {
	for _, r := range text {
		if r == '\n' {
			p.Line++
			p.Col = 1
		} else {
			p.Col++
		}
	}
	return p
}

func spanOf(ctx antlr.ParserRuleContext) ast.Span {
	start, stop := ctx.GetStart(), ctx.GetStop()
	s := tokPos(start)
	if stop == nil || stop.GetTokenType() == antlr.TokenEOF || stop.GetTokenIndex() < start.GetTokenIndex() {
		return ast.Span{Start: s, End: s}
	}
	return ast.Span{Start: s, End: tokEnd(stop)}
}

// tokens returns the texts of ctx's direct terminal children.
func tokens(ctx antlr.ParserRuleContext) []string {
	var out []string
	for _, ch := range ctx.GetChildren() {
		if t, ok := ch.(antlr.TerminalNode); ok {
			out = append(out, t.GetSymbol().GetText())
		}
	}
	return out
}

func has(ctx antlr.ParserRuleContext, text string) bool {
	for _, ch := range ctx.GetChildren() {
		if t, ok := ch.(antlr.TerminalNode); ok && t.GetSymbol().GetText() == text {
			return true
		}
	}
	return false
}

// firstTok returns the text of the first direct terminal child.
func firstTok(ctx antlr.ParserRuleContext) string {
	for _, ch := range ctx.GetChildren() {
		if t, ok := ch.(antlr.TerminalNode); ok {
			return t.GetSymbol().GetText()
		}
	}
	return ""
}

// opTok returns the text of the first terminal child that is one of ops.
func opTok(ctx antlr.ParserRuleContext, ops ...string) string {
	for _, ch := range ctx.GetChildren() {
		if t, ok := ch.(antlr.TerminalNode); ok {
			txt := t.GetSymbol().GetText()
			for _, o := range ops {
				if txt == o {
					return txt
				}
			}
		}
	}
	return ""
}

// unescape decodes the escapes of CQL strings and delimited identifiers.
func unescape(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 <= len(s) {
				if v, err := strconv.ParseUint(s[i:i+4], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(e)
		}
	}
	return b.String()
}

// stringValue unquotes a STRING token ('...').
func stringValue(t antlr.Token) string {
	txt := t.GetText()
	if len(txt) >= 2 {
		txt = txt[1 : len(txt)-1]
	}
	return unescape(txt)
}

// ---------------------------------------------------------------------------
// Names

func (c *converter) ident(ctx gen.IIdentifierContext) string {
	t := ctx.GetStart()
	txt := t.GetText()
	switch t.GetTokenType() {
	case gen.CqlParserQUOTED_IDENTIFIER, gen.CqlParserDELIMITED_IDENTIFIER:
		if len(txt) >= 2 {
			return unescape(txt[1 : len(txt)-1])
		}
	}
	return txt
}

func (c *converter) refName(ctx gen.IRefNameContext) string {
	if id := ctx.Identifier(); id != nil {
		return c.ident(id)
	}
	return ctx.GetText()
}

func (c *converter) anyName(ctx gen.IAnyNameContext) string {
	if id := ctx.Identifier(); id != nil {
		return c.ident(id)
	}
	return ctx.GetText()
}

func (c *converter) qualifiedName(ctx gen.IQualifiedNameContext) []string {
	var out []string
	for _, r := range ctx.AllRefName() {
		out = append(out, c.refName(r))
	}
	return out
}

// splitLast splits a qualified name into its qualifiers (nil when none)
// and its last part.
func splitLast(names []string) ([]string, string) {
	if len(names) == 1 {
		return nil, names[0]
	}
	return names[:len(names)-1], names[len(names)-1]
}

func access(ctx gen.IAccessContext) ast.Access {
	if ctx != nil && ctx.GetText() == "private" {
		return ast.Private
	}
	return ast.Public
}

func optString(t antlr.TerminalNode) string {
	if t == nil {
		return ""
	}
	return stringValue(t.GetSymbol())
}

// ---------------------------------------------------------------------------
// Library

func (c *converter) library(ctx *gen.LibraryContext, lib *ast.Library) {
	lib.Span = ast.Span{Start: ast.Pos{Line: 1, Col: 1}, End: advance(ast.Pos{Line: 1, Col: 1}, c.src)}
	context := ""
	for _, ch := range ctx.GetChildren() {
		switch x := ch.(type) {
		case *gen.LibraryHeaderContext:
			c.cur = x
			quals, name := splitLast(c.qualifiedName(x.QualifiedName()))
			lib.Identifier = &ast.LibraryIdentifier{Span: spanOf(x), Qualifiers: quals, Name: name,
				Version: optString(x.STRING())}
		case *gen.DeclarationContext:
			c.declaration(x, lib)
		case *gen.StatementContext:
			switch s := x.GetChild(0).(type) {
			case *gen.ContextDeclContext:
				c.cur = s
				names := s.AllRefName()
				d := &ast.ContextDef{Span: spanOf(s), Name: c.refName(names[len(names)-1])}
				if len(names) == 2 {
					d.Model = c.refName(names[0])
				}
				context = d.Name
				lib.Contexts = append(lib.Contexts, d)
			case *gen.ExpressionDefContext:
				c.cur = s
				lib.Statements = append(lib.Statements, &ast.ExpressionDef{Span: spanOf(s),
					Access: access(s.Access()), Context: context, Name: c.refName(s.RefName()), Expr: c.expr(s.Expr())})
			case *gen.FunctionDefContext:
				lib.Statements = append(lib.Statements, c.functionDef(s, context))
			}
		}
	}
}

func (c *converter) declaration(x *gen.DeclarationContext, lib *ast.Library) {
	switch d := x.GetChild(0).(type) {
	case *gen.UsingDeclContext:
		c.cur = d
		quals, name := splitLast(c.qualifiedName(d.QualifiedName()))
		u := &ast.UsingDef{Span: spanOf(d), Qualifiers: quals, Model: name, Version: optString(d.STRING())}
		if d.RefName() != nil {
			u.Alias = c.refName(d.RefName())
		}
		lib.Usings = append(lib.Usings, u)
	case *gen.IncludeDeclContext:
		c.cur = d
		quals, name := splitLast(c.qualifiedName(d.QualifiedName()))
		in := &ast.IncludeDef{Span: spanOf(d), Qualifiers: quals, Name: name, Version: optString(d.STRING())}
		if d.RefName() != nil {
			in.Alias = c.refName(d.RefName())
		}
		lib.Includes = append(lib.Includes, in)
	case *gen.CodeSystemDeclContext:
		c.cur = d
		strs := d.AllSTRING()
		cs := &ast.CodeSystemDef{Span: spanOf(d), Access: access(d.Access()), Name: c.refName(d.RefName()),
			ID: stringValue(strs[0].GetSymbol())}
		if len(strs) > 1 {
			cs.Version = stringValue(strs[1].GetSymbol())
		}
		lib.CodeSystems = append(lib.CodeSystems, cs)
	case *gen.ValueSetDeclContext:
		c.cur = d
		strs := d.AllSTRING()
		vs := &ast.ValueSetDef{Span: spanOf(d), Access: access(d.Access()), Name: c.refName(d.RefName()),
			ID: stringValue(strs[0].GetSymbol())}
		if len(strs) > 1 {
			vs.Version = stringValue(strs[1].GetSymbol())
		}
		if l := d.CodeSystemList(); l != nil {
			for _, r := range l.AllCodeSystemRef() {
				vs.CodeSystems = append(vs.CodeSystems, c.codeSystemRef(r))
			}
		}
		lib.ValueSets = append(lib.ValueSets, vs)
	case *gen.CodeDeclContext:
		c.cur = d
		cd := &ast.CodeDef{Span: spanOf(d), Access: access(d.Access()), Name: c.refName(d.RefName()),
			Code: stringValue(d.STRING().GetSymbol()), System: c.codeSystemRef(d.CodeSystemRef())}
		if dc := d.DisplayClause(); dc != nil {
			cd.Display = stringValue(dc.STRING().GetSymbol())
		}
		lib.Codes = append(lib.Codes, cd)
	case *gen.ConceptDeclContext:
		c.cur = d
		cd := &ast.ConceptDef{Span: spanOf(d), Access: access(d.Access()), Name: c.refName(d.RefName())}
		for _, r := range d.AllCodeRef() {
			names := r.AllRefName()
			ref := &ast.CodeRef{Span: spanOf(r), Name: c.refName(names[len(names)-1])}
			if len(names) == 2 {
				ref.Library = c.refName(names[0])
			}
			cd.Codes = append(cd.Codes, ref)
		}
		if dc := d.DisplayClause(); dc != nil {
			cd.Display = stringValue(dc.STRING().GetSymbol())
		}
		lib.Concepts = append(lib.Concepts, cd)
	case *gen.ParameterDeclContext:
		c.cur = d
		p := &ast.ParameterDef{Span: spanOf(d), Access: access(d.Access()), Name: c.refName(d.RefName())}
		if t := d.TypeSpec(); t != nil {
			p.Type = c.typeSpec(t)
		}
		if e := d.Expr(); e != nil {
			p.Default = c.expr(e)
		}
		lib.Parameters = append(lib.Parameters, p)
	}
}

func (c *converter) codeSystemRef(ctx gen.ICodeSystemRefContext) *ast.CodeSystemRef {
	names := ctx.AllRefName()
	r := &ast.CodeSystemRef{Span: spanOf(ctx), Name: c.refName(names[len(names)-1])}
	if len(names) == 2 {
		r.Library = c.refName(names[0])
	}
	return r
}

func (c *converter) functionDef(s *gen.FunctionDefContext, context string) *ast.FunctionDef {
	c.cur = s
	f := &ast.FunctionDef{Span: spanOf(s), Access: access(s.Access()), Context: context,
		Fluent: has(s, "fluent"), Name: c.anyName(s.AnyName())}
	for _, o := range s.AllOperandDef() {
		f.Operands = append(f.Operands, &ast.OperandDef{Span: spanOf(o), Name: c.refName(o.RefName()),
			Type: c.typeSpec(o.TypeSpec())})
	}
	if t := s.TypeSpec(); t != nil {
		f.ReturnType = c.typeSpec(t)
	}
	if e := s.Expr(); e != nil {
		f.Body = c.expr(e)
	} else {
		f.External = true
	}
	return f
}

// ---------------------------------------------------------------------------
// Types

func (c *converter) typeSpec(ctx gen.ITypeSpecContext) ast.TypeSpec {
	if n := ctx.NamedTypeSpec(); n != nil {
		return c.namedTypeSpec(n)
	}
	sp := spanOf(ctx)
	args := ctx.AllTypeSpec()
	switch firstTok(ctx) {
	case "List":
		return &ast.ListTypeSpec{Span: sp, Elem: c.typeSpec(args[0])}
	case "Interval":
		return &ast.IntervalTypeSpec{Span: sp, Point: c.typeSpec(args[0])}
	case "Choice":
		t := &ast.ChoiceTypeSpec{Span: sp}
		for _, a := range args {
			t.Options = append(t.Options, c.typeSpec(a))
		}
		return t
	default: // Tuple
		t := &ast.TupleTypeSpec{Span: sp}
		for _, e := range ctx.AllTupleElementSpec() {
			t.Elements = append(t.Elements, &ast.TupleElementSpec{Span: spanOf(e), Name: c.anyName(e.AnyName()),
				Type: c.typeSpec(e.TypeSpec())})
		}
		return t
	}
}

func (c *converter) namedTypeSpec(ctx gen.INamedTypeSpecContext) *ast.NamedTypeSpec {
	t := &ast.NamedTypeSpec{Span: spanOf(ctx)}
	for _, q := range ctx.AllRefName() {
		t.Qualifiers = append(t.Qualifiers, c.refName(q))
	}
	tn := ctx.TypeName()
	if r := tn.RefName(); r != nil {
		t.Name = c.refName(r)
	} else {
		t.Name = tn.GetText()
	}
	return t
}

// instanceType is the type of an instance selector; the keyword Interval
// (optionally qualified, System.Interval) becomes a named type "Interval".
func (c *converter) instanceType(ctx gen.IInstanceTypeContext) *ast.NamedTypeSpec {
	if n := ctx.NamedTypeSpec(); n != nil {
		return c.namedTypeSpec(n)
	}
	t := &ast.NamedTypeSpec{Span: spanOf(ctx), Name: "Interval"}
	if r := ctx.RefName(); r != nil {
		t.Qualifiers = []string{c.refName(r)}
	}
	return t
}

// ---------------------------------------------------------------------------
// Expressions

var binaryOps = map[string]ast.BinaryOp{
	"+": ast.OpAdd, "-": ast.OpSubtract, "*": ast.OpMultiply, "/": ast.OpDivide, "div": ast.OpDiv,
	"mod": ast.OpMod, "^": ast.OpPower, "&": ast.OpConcat, "=": ast.OpEqual, "!=": ast.OpNotEqual,
	"~": ast.OpEquivalent, "!~": ast.OpNotEquivalent, "<": ast.OpLess, ">": ast.OpGreater,
	"<=": ast.OpLessOrEqual, ">=": ast.OpGreaterOrEqual, "and": ast.OpAnd, "or": ast.OpOr,
	"xor": ast.OpXor, "implies": ast.OpImplies, "in": ast.OpIn, "contains": ast.OpContains,
	"|": ast.OpUnion, "union": ast.OpUnion, "intersect": ast.OpIntersect, "except": ast.OpExcept,
}

func (c *converter) binary(ctx antlr.ParserRuleContext, l, r ast.Expr, ops ...string) *ast.BinaryExpr {
	return &ast.BinaryExpr{Span: spanOf(ctx), Op: binaryOps[opTok(ctx, ops...)], Left: l, Right: r}
}

func (c *converter) expr(ctx gen.IExprContext) ast.Expr {
	c.cur = ctx
	sp := spanOf(ctx)
	switch x := ctx.(type) {
	case *gen.TermExprContext:
		return c.term(x.Term())
	case *gen.RetrieveExprContext:
		return c.retrieve(x.Retrieve())
	case *gen.QueryExprContext:
		return c.query(x.Query())
	case *gen.BooleanTestExprContext:
		t := &ast.BooleanTest{Span: sp, Operand: c.expr(x.Expr()), Not: has(x, "not")}
		switch opTok(x, "null", "true", "false") {
		case "true":
			t.Kind = ast.TestTrue
		case "false":
			t.Kind = ast.TestFalse
		}
		return t
	case *gen.TypeTestExprContext:
		if has(x, "is") {
			return &ast.IsExpr{Span: sp, Operand: c.expr(x.Expr()), Type: c.typeSpec(x.TypeSpec())}
		}
		return &ast.AsExpr{Span: sp, Operand: c.expr(x.Expr()), Type: c.typeSpec(x.TypeSpec())}
	case *gen.CastExprContext:
		return &ast.AsExpr{Span: sp, Operand: c.term(x.Term()), Type: c.typeSpec(x.TypeSpec()), Strict: true}
	case *gen.NotExprContext:
		return &ast.UnaryExpr{Span: sp, Op: ast.OpNot, Operand: c.expr(x.Expr())}
	case *gen.ExistsExprContext:
		return &ast.UnaryExpr{Span: sp, Op: ast.OpExists, Operand: c.expr(x.Expr())}
	case *gen.BetweenExprContext:
		return &ast.BetweenExpr{Span: sp, Operand: c.expr(x.Expr()), Low: c.term(x.Term(0)),
			High: c.term(x.Term(1)), Properly: has(x, "properly")}
	case *gen.DurationBetweenExprContext:
		return &ast.DurationBetween{Span: sp, Precision: precisionText(x.PluralPrecision()),
			Left: c.term(x.Term(0)), Right: c.term(x.Term(1))}
	case *gen.DifferenceBetweenExprContext:
		return &ast.DurationBetween{Span: sp, Precision: precisionText(x.PluralPrecision()),
			Left: c.term(x.Term(0)), Right: c.term(x.Term(1)), Difference: true}
	case *gen.CompareExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "<=", "<", ">", ">=")
	case *gen.TimingExprContext:
		return c.timing(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)))
	case *gen.EqualityExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "=", "!=", "~", "!~")
	case *gen.MembershipExprContext:
		b := c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "in", "contains")
		if p := x.PrecisionOf(); p != nil {
			b.Precision = precisionText(p.Precision())
		}
		return b
	case *gen.AndExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "and")
	case *gen.OrExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "or", "xor")
	case *gen.ImpliesExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "implies")
	case *gen.SetExprContext:
		return c.binary(x, c.expr(x.Expr(0)), c.expr(x.Expr(1)), "|", "union", "intersect", "except")
	}
	panic(fmt.Sprintf("unhandled expression %T", ctx))
}

// precisionText normalises a precision keyword (singular or plural) to its
// singular form.
func precisionText(ctx antlr.ParserRuleContext) string {
	if ctx == nil {
		return ""
	}
	return singular(ctx.GetText())
}

func singular(p string) string {
	return strings.TrimSuffix(p, "s")
}

func (c *converter) unary(ctx antlr.ParserRuleContext, op ast.UnaryOp, operand ast.Expr) ast.Expr {
	return &ast.UnaryExpr{Span: spanOf(ctx), Op: op, Operand: operand}
}

func (c *converter) term(ctx gen.ITermContext) ast.Expr {
	c.cur = ctx
	sp := spanOf(ctx)
	switch x := ctx.(type) {
	case *gen.PrimaryTermContext:
		return c.primary(x.Primary())
	case *gen.MemberTermContext:
		return &ast.MemberAccess{Span: sp, Source: c.term(x.Term()), Name: c.anyName(x.AnyName())}
	case *gen.MethodTermContext:
		call := &ast.FunctionCall{Span: sp, Source: c.term(x.Term()), Name: c.anyName(x.AnyName()),
			Args: c.args(x.ArgList())}
		if pt, ok := x.Term().(*gen.PrimaryTermContext); ok {
			if np, ok := pt.Primary().(*gen.NamePrimaryContext); ok {
				call.LibraryQualifier = c.refName(np.RefName())
			}
		}
		return call
	case *gen.IndexTermContext:
		return &ast.Indexer{Span: sp, Source: c.term(x.Term()), Index: c.expr(x.Expr())}
	case *gen.ConvertTermContext:
		conv := &ast.ConvertExpr{Span: sp, Operand: c.expr(x.Expr())}
		switch u := x.Unit(); {
		case u == nil:
			conv.ToType = c.typeSpec(x.TypeSpec())
		case u.STRING() != nil:
			conv.ToUnit = stringValue(u.STRING().GetSymbol())
		default:
			// A calendar unit keyword (convert X to days).
			conv.ToUnit = u.GetText()
		}
		return conv
	case *gen.PolarityTermContext:
		operand := c.term(x.Term())
		if firstTok(x) == "+" {
			return c.unary(x, ast.OpPlus, operand)
		}
		// Only a literal written directly after the minus may be one past
		// the positive range (-2147483648); -(2147483648) is out of range.
		direct := false
		if pt, ok := x.Term().(*gen.PrimaryTermContext); ok {
			_, direct = pt.Primary().(*gen.LiteralPrimaryContext)
		}
		switch lit := operand.(type) {
		case *ast.NumberLiteral:
			if _, ok := c.ints[lit]; ok && direct {
				c.ints[lit] = true
			}
		case *ast.LongNumberLiteral:
			if _, ok := c.longs[lit]; ok && direct {
				c.longs[lit] = true
			}
		}
		return c.unary(x, ast.OpNegate, operand)
	case *gen.BoundaryTermContext:
		if firstTok(x) == "start" {
			return c.unary(x, ast.OpStart, c.term(x.Term()))
		}
		return c.unary(x, ast.OpEnd, c.term(x.Term()))
	case *gen.ComponentTermContext:
		comp := x.Component().GetText()
		if comp == "timezone" {
			comp = "timezoneoffset"
		}
		return &ast.ComponentFrom{Span: sp, Component: singular(comp), Operand: c.term(x.Term())}
	case *gen.DurationOfTermContext:
		return &ast.DurationOf{Span: sp, Precision: precisionText(x.PluralPrecision()), Operand: c.term(x.Term())}
	case *gen.DifferenceOfTermContext:
		return &ast.DurationOf{Span: sp, Precision: precisionText(x.PluralPrecision()), Operand: c.term(x.Term()),
			Difference: true}
	case *gen.WidthTermContext:
		if firstTok(x) == "width" {
			return c.unary(x, ast.OpWidth, c.term(x.Term()))
		}
		return c.unary(x, ast.OpSize, c.term(x.Term()))
	case *gen.SuccessorTermContext:
		return c.unary(x, ast.OpSuccessor, c.term(x.Term()))
	case *gen.PredecessorTermContext:
		return c.unary(x, ast.OpPredecessor, c.term(x.Term()))
	case *gen.SingletonTermContext:
		return c.unary(x, ast.OpSingletonFrom, c.term(x.Term()))
	case *gen.PointTermContext:
		return c.unary(x, ast.OpPointFrom, c.term(x.Term()))
	case *gen.ExtentTermContext:
		return &ast.TypeExtent{Span: sp, Max: firstTok(x) == "maximum", Type: c.namedTypeSpec(x.NamedTypeSpec())}
	case *gen.PowerTermContext:
		return c.binary(x, c.term(x.Term(0)), c.term(x.Term(1)), "^")
	case *gen.MulTermContext:
		return c.binary(x, c.term(x.Term(0)), c.term(x.Term(1)), "*", "/", "div", "mod")
	case *gen.AddTermContext:
		return c.binary(x, c.term(x.Term(0)), c.term(x.Term(1)), "+", "-", "&")
	case *gen.IfTermContext:
		return &ast.IfExpr{Span: sp, Cond: c.expr(x.Expr(0)), Then: c.expr(x.Expr(1)), Else: c.expr(x.Expr(2))}
	case *gen.CaseTermContext:
		ce := &ast.CaseExpr{Span: sp}
		exprs := x.AllExpr()
		if len(exprs) == 2 {
			ce.Comparand = c.expr(exprs[0])
		}
		for _, it := range x.AllCaseItem() {
			ce.Items = append(ce.Items, &ast.CaseItem{Span: spanOf(it), When: c.expr(it.Expr(0)), Then: c.expr(it.Expr(1))})
		}
		ce.Else = c.expr(exprs[len(exprs)-1])
		return ce
	case *gen.ListOpTermContext:
		if firstTok(x) == "distinct" {
			return c.unary(x, ast.OpDistinct, c.expr(x.Expr()))
		}
		return c.unary(x, ast.OpFlatten, c.expr(x.Expr()))
	case *gen.SetAggTermContext:
		sa := &ast.SetAggregate{Span: sp, Operand: c.expr(x.Expr(0))}
		if firstTok(x) == "expand" {
			sa.Kind = ast.Expand
		}
		if p := x.Precision(); p != nil {
			sa.PerPrecision = precisionText(p)
		} else if len(x.AllExpr()) > 1 {
			sa.Per = c.expr(x.Expr(1))
		}
		return sa
	}
	panic(fmt.Sprintf("unhandled term %T", ctx))
}

func (c *converter) args(ctx gen.IArgListContext) []ast.Expr {
	if ctx == nil {
		return nil
	}
	var out []ast.Expr
	for _, e := range ctx.AllExpr() {
		out = append(out, c.expr(e))
	}
	return out
}

func (c *converter) tupleElements(elems []gen.ITupleElementContext) []*ast.TupleElement {
	var out []*ast.TupleElement
	for _, e := range elems {
		out = append(out, &ast.TupleElement{Span: spanOf(e), Name: c.anyName(e.AnyName()), Value: c.expr(e.Expr())})
	}
	return out
}

func (c *converter) primary(ctx gen.IPrimaryContext) ast.Expr {
	c.cur = ctx
	sp := spanOf(ctx)
	switch x := ctx.(type) {
	case *gen.LiteralPrimaryContext:
		return c.literal(x.Literal())
	case *gen.ExternalPrimaryContext:
		if r := x.RefName(); r != nil {
			return &ast.ExternalConstant{Span: sp, Name: c.refName(r)}
		}
		return &ast.ExternalConstant{Span: sp, Name: stringValue(x.STRING().GetSymbol())}
	case *gen.SpecialPrimaryContext:
		return &ast.SpecialRef{Span: sp, Name: strings.TrimPrefix(x.GetText(), "$")}
	case *gen.IntervalPrimaryContext:
		toks := tokens(x)
		return &ast.IntervalSelector{Span: sp, LowClosed: toks[1] == "[", HighClosed: toks[len(toks)-1] == "]",
			Low: c.expr(x.Expr(0)), High: c.expr(x.Expr(1))}
	case *gen.TuplePrimaryContext:
		return &ast.TupleSelector{Span: sp, Elems: c.tupleElements(x.AllTupleElement())}
	case *gen.InstancePrimaryContext:
		return &ast.InstanceSelector{Span: sp, Type: c.instanceType(x.InstanceType()),
			Elems: c.tupleElements(x.AllTupleElement())}
	case *gen.ListPrimaryContext:
		l := &ast.ListSelector{Span: sp}
		if t := x.TypeSpec(); t != nil {
			l.ElemType = c.typeSpec(t)
		}
		for _, e := range x.AllExpr() {
			l.Elems = append(l.Elems, c.expr(e))
		}
		return l
	case *gen.CodePrimaryContext:
		return c.codeSelector(x.CodeSelector())
	case *gen.ConceptPrimaryContext:
		cs := &ast.ConceptSelector{Span: sp}
		for _, s := range x.AllCodeSelector() {
			cs.Codes = append(cs.Codes, c.codeSelector(s))
		}
		if d := x.DisplayClause(); d != nil {
			cs.Display = stringValue(d.STRING().GetSymbol())
		}
		return cs
	case *gen.CallPrimaryContext:
		return &ast.FunctionCall{Span: sp, Name: c.refName(x.FunctionName().RefName()), Args: c.args(x.ArgList())}
	case *gen.NamePrimaryContext:
		return &ast.IdentifierRef{Span: sp, Name: c.refName(x.RefName())}
	case *gen.ParenPrimaryContext:
		return c.expr(x.Expr())
	}
	panic(fmt.Sprintf("unhandled primary %T", ctx))
}

func (c *converter) codeSelector(ctx gen.ICodeSelectorContext) *ast.CodeSelector {
	s := &ast.CodeSelector{Span: spanOf(ctx), Code: stringValue(ctx.STRING().GetSymbol()),
		System: c.codeSystemRef(ctx.CodeSystemRef())}
	if d := ctx.DisplayClause(); d != nil {
		s.Display = stringValue(d.STRING().GetSymbol())
	}
	return s
}

func (c *converter) quantity(ctx gen.IQuantityContext) *ast.Quantity {
	q := &ast.Quantity{Span: spanOf(ctx), Number: ctx.NUMBER().GetText()}
	if u := ctx.Unit(); u != nil {
		if s := u.STRING(); s != nil {
			q.Unit = stringValue(s.GetSymbol())
		} else {
			q.Unit = u.GetText()
			q.Calendar = true
		}
	}
	return q
}

func (c *converter) literal(ctx gen.ILiteralContext) ast.Expr {
	c.cur = ctx
	sp := spanOf(ctx)
	txt := ctx.GetText()
	switch x := ctx.(type) {
	case *gen.NullLitContext:
		return &ast.NullLiteral{Span: sp}
	case *gen.BoolLitContext:
		return &ast.BooleanLiteral{Span: sp, Value: txt == "true"}
	case *gen.StringLitContext:
		return &ast.StringLiteral{Span: sp, Value: stringValue(x.STRING().GetSymbol())}
	case *gen.LongLitContext:
		n := &ast.LongNumberLiteral{Span: sp, Text: strings.TrimSuffix(txt, "L")}
		if c.longs == nil {
			c.longs = map[*ast.LongNumberLiteral]bool{}
		}
		c.longs[n] = false
		return n
	case *gen.DateTimeLitContext:
		return &ast.DateTimeLiteral{Span: sp, Text: strings.TrimPrefix(txt, "@")}
	case *gen.DateLitContext:
		return &ast.DateLiteral{Span: sp, Text: strings.TrimPrefix(txt, "@")}
	case *gen.TimeLitContext:
		return &ast.TimeLiteral{Span: sp, Text: strings.TrimPrefix(txt, "@T")}
	case *gen.RatioLitContext:
		return &ast.RatioLiteral{Span: sp, Numerator: c.quantity(x.Quantity(0)), Denominator: c.quantity(x.Quantity(1))}
	case *gen.QuantityLitContext:
		q := c.quantity(x.Quantity())
		if x.Quantity().Unit() != nil {
			return &ast.QuantityLiteral{Span: sp, Quantity: q}
		}
		n := &ast.NumberLiteral{Span: sp, Text: q.Number}
		if !n.IsDecimal() {
			if c.ints == nil {
				c.ints = map[*ast.NumberLiteral]bool{}
			}
			c.ints[n] = false
		}
		return n
	}
	panic(fmt.Sprintf("unhandled literal %T", ctx))
}

// ---------------------------------------------------------------------------
// Timing phrases

func leftBoundary(ctx gen.ILeftBoundaryContext) ast.Boundary {
	if ctx == nil {
		return ast.BoundaryNone
	}
	switch ctx.GetText() {
	case "starts":
		return ast.BoundaryStart
	case "ends":
		return ast.BoundaryEnd
	}
	return ast.BoundaryNone
}

func rightBoundary(ctx gen.IRightBoundaryContext) ast.Boundary {
	if ctx == nil {
		return ast.BoundaryNone
	}
	if ctx.GetText() == "start" {
		return ast.BoundaryStart
	}
	return ast.BoundaryEnd
}

func precisionOf(ctx gen.IPrecisionOfContext) string {
	if ctx == nil {
		return ""
	}
	return precisionText(ctx.Precision())
}

func (c *converter) timing(ctx *gen.TimingExprContext, left, right ast.Expr) ast.Expr {
	t := &ast.TimingExpr{Span: spanOf(ctx), Left: left, Right: right}
	ph := ctx.TimingPhrase()
	c.cur = ph
	switch x := ph.(type) {
	case *gen.SameAsPhraseContext:
		t.LeftBoundary = leftBoundary(x.LeftBoundary())
		t.RightBoundary = rightBoundary(x.RightBoundary())
		t.Precision = precisionText(x.Precision())
		switch {
		case has(x, "before"):
			t.Op = ast.TimingSameOrBefore
		case has(x, "after"):
			t.Op = ast.TimingSameOrAfter
		default:
			t.Op = ast.TimingSameAs
		}
	case *gen.IncludesPhraseContext:
		t.Op = ast.TimingIncludes
		t.Properly = has(x, "properly")
		t.Precision = precisionOf(x.PrecisionOf())
		t.RightBoundary = rightBoundary(x.RightBoundary())
	case *gen.DuringPhraseContext:
		t.Op = ast.TimingIncludedIn
		t.LeftBoundary = leftBoundary(x.LeftBoundary())
		t.Properly = has(x, "properly")
		t.During = has(x, "during")
		t.Precision = precisionOf(x.PrecisionOf())
	case *gen.BeforeAfterPhraseContext:
		rel := x.Relation()
		t.Op = ast.TimingBefore
		if has(rel, "after") {
			t.Op = ast.TimingAfter
		}
		t.OrOn = has(rel, "on")
		t.LeftBoundary = leftBoundary(x.LeftBoundary())
		t.RightBoundary = rightBoundary(x.RightBoundary())
		t.Precision = precisionOf(x.PrecisionOf())
		if o := x.Offset(); o != nil {
			off := &ast.QuantityOffset{Span: spanOf(o), Quantity: c.quantity(o.Quantity())}
			switch {
			case has(o, "than") && has(o, "less"):
				off.Kind = ast.OffsetLessThan
			case has(o, "than"):
				off.Kind = ast.OffsetMoreThan
			case has(o, "less"):
				off.Kind = ast.OffsetOrLess
			case has(o, "more"):
				off.Kind = ast.OffsetOrMore
			}
			t.Offset = off
		}
	case *gen.WithinPhraseContext:
		t.Op = ast.TimingWithin
		t.LeftBoundary = leftBoundary(x.LeftBoundary())
		t.RightBoundary = rightBoundary(x.RightBoundary())
		t.Properly = has(x, "properly")
		t.Within = c.quantity(x.Quantity())
	case *gen.MeetsPhraseContext:
		t.Op = ast.TimingMeets
		if has(x, "before") {
			t.Op = ast.TimingMeetsBefore
		} else if has(x, "after") {
			t.Op = ast.TimingMeetsAfter
		}
		t.Precision = precisionOf(x.PrecisionOf())
	case *gen.OverlapsPhraseContext:
		t.Op = ast.TimingOverlaps
		if has(x, "before") {
			t.Op = ast.TimingOverlapsBefore
		} else if has(x, "after") {
			t.Op = ast.TimingOverlapsAfter
		}
		t.Precision = precisionOf(x.PrecisionOf())
	case *gen.StartsPhraseContext:
		t.Op = ast.TimingStarts
		t.Precision = precisionOf(x.PrecisionOf())
	case *gen.EndsPhraseContext:
		t.Op = ast.TimingEnds
		t.Precision = precisionOf(x.PrecisionOf())
	default:
		panic(fmt.Sprintf("unhandled timing phrase %T", ph))
	}
	return t
}

// ---------------------------------------------------------------------------
// Retrieve and queries

// qualifiedTerm builds IdentifierRef / MemberAccess nodes for a.b.c.
func (c *converter) qualifiedTerm(ctx gen.IQualifiedTermContext) ast.Expr {
	start := spanOf(ctx).Start
	first := ctx.RefName()
	var e ast.Expr = &ast.IdentifierRef{Span: spanOf(first), Name: c.refName(first)}
	for _, n := range ctx.AllAnyName() {
		e = &ast.MemberAccess{Span: ast.Span{Start: start, End: spanOf(n).End}, Source: e, Name: c.anyName(n)}
	}
	return e
}

func (c *converter) retrieve(ctx gen.IRetrieveContext) *ast.Retrieve {
	c.cur = ctx
	r := &ast.Retrieve{Span: spanOf(ctx), Type: c.namedTypeSpec(ctx.NamedTypeSpec())}
	if q := ctx.QualifiedTerm(); q != nil {
		r.Context = c.qualifiedTerm(q)
	}
	if p := ctx.CodePath(); p != nil {
		var b strings.Builder
		for _, ch := range p.GetChildren() {
			switch x := ch.(type) {
			case gen.IRefNameContext:
				b.WriteString(c.refName(x))
			case gen.IAnyNameContext:
				b.WriteString(c.anyName(x))
			case gen.ILiteralContext:
				b.WriteString(x.GetText())
			case antlr.TerminalNode:
				b.WriteString(x.GetText())
			}
		}
		r.CodePath = b.String()
		r.CodeComparator = ctx.CodeComparator().GetText()
	}
	if e := ctx.Expr(); e != nil {
		r.Codes = c.expr(e)
	}
	return r
}

func (c *converter) aliasedSource(ctx gen.IAliasedSourceContext) *ast.AliasedSource {
	s := &ast.AliasedSource{Span: spanOf(ctx), Alias: c.refName(ctx.RefName())}
	qs := ctx.QuerySource()
	switch {
	case qs.Retrieve() != nil:
		s.Expr = c.retrieve(qs.Retrieve())
	case qs.QualifiedTerm() != nil:
		s.Expr = c.qualifiedTerm(qs.QualifiedTerm())
	default:
		s.Expr = c.expr(qs.Expr())
	}
	return s
}

func (c *converter) query(ctx gen.IQueryContext) *ast.Query {
	c.cur = ctx
	q := &ast.Query{Span: spanOf(ctx)}
	for _, s := range ctx.AllAliasedSource() {
		q.Sources = append(q.Sources, c.aliasedSource(s))
	}
	if l := ctx.LetClause(); l != nil {
		for _, it := range l.AllLetItem() {
			q.Lets = append(q.Lets, &ast.LetClause{Span: spanOf(it), Name: c.refName(it.RefName()), Expr: c.expr(it.Expr())})
		}
	}
	for _, r := range ctx.AllRelationship() {
		q.Relationships = append(q.Relationships, &ast.Relationship{Span: spanOf(r), Without: has(r, "without"),
			Source: c.aliasedSource(r.AliasedSource()), SuchThat: c.expr(r.Expr())})
	}
	if e := ctx.Expr(); e != nil {
		q.Where = c.expr(e)
	}
	if r := ctx.ReturnClause(); r != nil {
		q.Return = &ast.ReturnClause{Span: spanOf(r), Distinct: has(r, "distinct"), All: has(r, "all"), Expr: c.expr(r.Expr())}
	}
	if a := ctx.AggregateClause(); a != nil {
		exprs := a.AllExpr()
		ag := &ast.AggregateClause{Span: spanOf(a), Distinct: has(a, "distinct"), All: has(a, "all"),
			Name: c.refName(a.RefName()), Expr: c.expr(exprs[len(exprs)-1])}
		if has(a, "starting") {
			if l := a.Literal(); l != nil {
				ag.Starting = c.literal(l)
			} else {
				ag.Starting = c.expr(exprs[0])
			}
		}
		q.Aggregate = ag
	}
	if s := ctx.SortClause(); s != nil {
		sc := &ast.SortClause{Span: spanOf(s)}
		if d := s.Direction(); d != nil {
			sc.Items = append(sc.Items, &ast.SortItem{Span: spanOf(d), Desc: isDesc(d)})
		}
		for _, it := range s.AllSortItem() {
			sc.Items = append(sc.Items, &ast.SortItem{Span: spanOf(it), Expr: c.term(it.Term()),
				Desc: it.Direction() != nil && isDesc(it.Direction())})
		}
		q.Sort = sc
	}
	return q
}

func isDesc(d gen.IDirectionContext) bool {
	t := d.GetText()
	return t == "desc" || t == "descending"
}

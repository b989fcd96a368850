// Package parser turns CQL 1.5 source text into the syntax tree of cql/ast.
//
// Parsing has two stages: the ANTLR parser generated from
// cql/grammar/Cql.g4 (package cql/parser/gen) builds a parse tree, and a
// converter in this package turns it into ast nodes carrying source spans.
// All syntax errors are collected; the parser never panics on user input.
package parser

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/antlr4-go/antlr/v4"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/parser/gen"
)

// CodeSyntax is the error code of every error this package reports.
const CodeSyntax = "syntax"

// MaxNesting bounds the nesting depth of brackets in the source; deeper
// input is rejected before parsing.
const MaxNesting = 500

// MaxTreeDepth bounds the depth of the parse tree (about three levels per
// nested operator), so that the parser, the converter and every later pass
// over the syntax tree recurse a bounded number of times whatever the input.
const MaxTreeDepth = 10000

// Error is a syntax error at a 1-based line and column.
type Error struct {
	Line    int
	Col     int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Message)
}

// Parse parses a whole CQL library. name identifies the source (a file or
// library name) and is recorded in the result. The library is returned even
// when there are errors (possibly partial); callers must check the errors.
func Parse(name, src string) (*ast.Library, []*Error) {
	return parseLibrary(context.Background(), name, src, defaultModes)
}

// ParseContext is Parse that stops when ctx is done: it then returns
// ctx's error and no library.
func ParseContext(ctx context.Context, name, src string) (*ast.Library, []*Error, error) {
	lib, errs := parseLibrary(ctx, name, src, defaultModes)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return lib, errs, nil
}

// defaultModes tries fast SLL prediction first and exact LL prediction when
// SLL reports an error.
var defaultModes = []int{antlr.PredictionModeSLL, antlr.PredictionModeLL}

func parseLibrary(ctx context.Context, name, src string, modes []int) (*ast.Library, []*Error) {
	lib := &ast.Library{Name: name, Source: src}
	p := newRun(src)
	p.modes, p.ctx = modes, ctx
	if errs := p.precheck(); len(errs) > 0 {
		return lib, errs
	}
	tree := p.parse(libraryRule)
	if p.failed() {
		return lib, p.isolatedErrors()
	}
	c := &converter{src: src}
	c.guard(tree, func() { c.library(tree.(*gen.LibraryContext), lib) })
	c.checkLiterals()
	return lib, mergeErrs(p.errs, c.errs)
}

func libraryRule(cp *gen.CqlParser) antlr.ParserRuleContext { return cp.Library() }

// statementStarts are the tokens that always begin a declaration or
// statement; they are reserved words, so they never occur inside one.
var statementStarts = map[string]bool{
	"library": true, "using": true, "include": true, "codesystem": true, "valueset": true,
	"parameter": true, "context": true, "define": true,
}

// isolatedErrors re-parses each top-level statement on its own once the
// whole library is known to have errors, so that an error in one
// definition does not cascade into the next ones. Positions are kept by
// padding each piece with the newlines and spaces that precede it.
func (r *run) isolatedErrors() []*Error {
	toks := r.tokens.GetAllTokens()
	var starts []antlr.Token
	for i, t := range toks {
		if t.GetTokenType() == antlr.TokenEOF || !statementStarts[t.GetText()] {
			continue
		}
		if i > 0 && (toks[i-1].GetText() == "private" || toks[i-1].GetText() == "public") {
			t = toks[i-1]
		}
		starts = append(starts, t)
	}
	if len(starts) < 2 {
		return r.reported()
	}
	runes := []rune(r.src)
	var errs []*Error
	for i, t := range starts {
		from := t.GetStart()
		if i == 0 {
			from = 0
		}
		to := len(runes)
		if i+1 < len(starts) {
			to = starts[i+1].GetStart()
		}
		if from < 0 || to > len(runes) || from > to {
			return r.reported()
		}
		pad := ""
		if i > 0 {
			pad = strings.Repeat("\n", t.GetLine()-1) + strings.Repeat(" ", t.GetColumn())
		}
		piece := newRun(pad + string(runes[from:to]))
		piece.tokens.Fill()
		piece.parse(libraryRule)
		if i+1 < len(starts) {
			// The piece's end of input is really the next statement.
			next := starts[i+1]
			for _, e := range piece.reported() {
				if e.Line == next.GetLine() && e.Col == next.GetColumn()+1 {
					e.Message = strings.ReplaceAll(e.Message, "end of input", describe(next))
				}
			}
		}
		errs = append(errs, piece.reported()...)
	}
	if len(errs) == 0 {
		return r.reported()
	}
	sortErrs(errs)
	return errs
}

// ParseExpression parses a single CQL expression.
func ParseExpression(src string) (ast.Expr, []*Error) {
	p := newRun(src)
	if errs := p.precheck(); len(errs) > 0 {
		return nil, errs
	}
	return p.expression(src)
}

// expression parses the run's tokens as one expression (ExprOnly) and
// converts it to the syntax tree.
func (p *run) expression(src string) (ast.Expr, []*Error) {
	tree := p.parse(func(cp *gen.CqlParser) antlr.ParserRuleContext { return cp.ExprOnly() })
	if p.failed() {
		return nil, p.reported()
	}
	c := &converter{src: src}
	var e ast.Expr
	c.guard(tree, func() { e = c.expr(tree.(*gen.ExprOnlyContext).Expr()) })
	c.checkLiterals()
	errs := mergeErrs(nil, c.errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return e, nil
}

// ParseFHIRPath parses a FHIRPath expression: the CQL expression grammar,
// with the words CQL reserves but FHIRPath does not (start, end, where,
// exists, not, ...) read as identifiers, so that `period.all(start <=
// end)` and `exists()` parse. FHIRPath's own keywords stay keywords: and,
// or, xor, implies, div, mod, true, false; is, as, in and contains except
// where a name is expected (after '(', ',' or '.', or first), as in
// `repeat(contains)`; and the calendar units after a number (4 days).
// Operator precedence is CQL's; FHIRPath's differs only for |, which
// cql/fhirpath adjusts on the tree.
func ParseFHIRPath(src string) (ast.Expr, []*Error) {
	p := newRun(src)
	if errs := p.precheck(); len(errs) > 0 {
		return nil, errs
	}
	toks := p.tokens.GetAllTokens()
	for i, t := range toks {
		if fhirPathName(toks, i) {
			// the stream's own slice: the token becomes an identifier
			id := antlr.CommonTokenFactoryDEFAULT.Create(t.GetSource(), gen.CqlLexerIDENTIFIER, t.GetText(),
				t.GetChannel(), t.GetStart(), t.GetStop(), t.GetLine(), t.GetColumn())
			id.SetTokenIndex(t.GetTokenIndex())
			toks[i] = id
		}
	}
	return p.expression(src)
}

// fhirPathName reports whether token i is a CQL keyword that FHIRPath
// reads as a name.
func fhirPathName(toks []antlr.Token, i int) bool {
	t := toks[i]
	txt := t.GetText()
	if t.GetTokenType() == gen.CqlLexerIDENTIFIER || t.GetChannel() != antlr.TokenDefaultChannel || !isWord(txt) {
		return false
	}
	prev := ""
	prevType := -1
	if i > 0 {
		prev, prevType = toks[i-1].GetText(), toks[i-1].GetTokenType()
	}
	switch txt {
	case "and", "or", "xor", "implies", "div", "mod", "true", "false":
		return false
	case "is", "as", "in", "contains":
		return i == 0 || prev == "(" || prev == "," || prev == "."
	case "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
		"minute", "minutes", "second", "seconds", "millisecond", "milliseconds":
		return prevType != gen.CqlLexerNUMBER
	}
	return true
}

func isWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

func mergeErrs(a, b []*Error) []*Error {
	all := append(append([]*Error(nil), a...), b...)
	sortErrs(all)
	return all
}

func sortErrs(errs []*Error) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Col < errs[j].Col
	})
}

// run holds the state of one parse: token stream and collected errors.
type run struct {
	src    string
	lexer  *gen.CqlLexer
	tokens *antlr.CommonTokenStream
	// lexErrs are the lexer's errors, errs the parser's (of the last
	// prediction mode tried).
	lexErrs []*Error
	errs    []*Error
	modes   []int
	// ctx stops the parse when done (checked by the depth guard).
	ctx context.Context
}

func newRun(src string) *run {
	r := &run{src: src, modes: defaultModes, ctx: context.Background()}
	r.lexer = gen.NewCqlLexer(antlr.NewInputStream(src))
	r.lexer.RemoveErrorListeners()
	r.lexer.AddErrorListener(&listener{run: r, lexer: true})
	r.tokens = antlr.NewCommonTokenStream(r.lexer, antlr.TokenDefaultChannel)
	return r
}

// precheck tokenizes the whole input and rejects pathological nesting.
func (r *run) precheck() []*Error {
	r.tokens.Fill()
	depth := 0
	for _, t := range r.tokens.GetAllTokens() {
		switch t.GetText() {
		case "(", "[", "{":
			depth++
			if depth > MaxNesting {
				return []*Error{{Line: t.GetLine(), Col: t.GetColumn() + 1, Code: CodeSyntax,
					Message: fmt.Sprintf("brackets nested more than %d deep", MaxNesting)}}
			}
		case ")", "]", "}":
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// parse runs the parser with fast SLL prediction first and, only when that
// reports an error, again with full LL prediction (which is exact).
func (r *run) parse(entry func(*gen.CqlParser) antlr.ParserRuleContext) antlr.ParserRuleContext {
	var tree antlr.ParserRuleContext
	for _, mode := range r.modes {
		r.errs = nil
		r.tokens.Seek(0)
		p := gen.NewCqlParser(r.tokens)
		p.RemoveErrorListeners()
		l := &listener{run: r}
		p.AddErrorListener(l)
		p.GetInterpreter().SetPredictionMode(mode)
		p.AddParseListener(&depthGuard{ctx: r.ctx})
		var fatal *Error
		tree, fatal = guardedEntry(p, entry)
		if fatal != nil {
			r.errs = []*Error{fatal}
			return nil
		}
		if l.count == 0 {
			break
		}
	}
	return tree
}

// depthGuard aborts the parse when the tree gets deeper than MaxTreeDepth
// or when the parse's context is done. ANTLR reports rule entries and
// exits in balanced pairs, including the contexts it pushes for
// left-recursive rules.
type depthGuard struct {
	depth   int
	entries uint32
	ctx     context.Context
}

type tooDeepPanic struct{ tok antlr.Token }

type stoppedPanic struct{}

func (g *depthGuard) EnterEveryRule(ctx antlr.ParserRuleContext) {
	g.depth++
	if g.depth > MaxTreeDepth {
		panic(tooDeepPanic{ctx.GetStart()})
	}
	if g.entries++; g.entries&4095 == 0 && g.ctx.Err() != nil {
		panic(stoppedPanic{})
	}
}
func (g *depthGuard) ExitEveryRule(antlr.ParserRuleContext) { g.depth-- }
func (g *depthGuard) VisitTerminal(antlr.TerminalNode)      {}
func (g *depthGuard) VisitErrorNode(antlr.ErrorNode)        {}

func guardedEntry(p *gen.CqlParser, entry func(*gen.CqlParser) antlr.ParserRuleContext) (tree antlr.ParserRuleContext, fatal *Error) {
	defer func() {
		if r := recover(); r != nil {
			// Besides the depth guard, this also catches any failure inside
			// the ANTLR runtime so that no input can crash the caller.
			tok := p.GetCurrentToken()
			msg := fmt.Sprintf("internal parser error: %v", r)
			if d, ok := r.(tooDeepPanic); ok {
				tok = d.tok
				msg = fmt.Sprintf("expression nested too deeply (more than %d levels)", MaxTreeDepth)
			}
			if _, ok := r.(stoppedPanic); ok {
				msg = "parse stopped"
			}
			line, col := 1, 1
			if tok != nil {
				line, col = tok.GetLine(), tok.GetColumn()+1
			}
			tree, fatal = nil, &Error{Line: line, Col: col, Code: CodeSyntax, Message: msg}
		}
	}()
	return entry(p), nil
}

func (r *run) failed() bool { return len(r.lexErrs) > 0 || len(r.errs) > 0 }

// reported returns the errors to show: a lexer error usually leaves a token
// stream whose parser errors are only consequences of it, so when there are
// lexer errors only those are reported.
func (r *run) reported() []*Error {
	errs := r.errs
	if len(r.lexErrs) > 0 {
		errs = r.lexErrs
	}
	sortErrs(errs)
	return errs
}

// listener collects lexer and parser errors.
type listener struct {
	*antlr.DefaultErrorListener
	run   *run
	lexer bool
	count int
}

func (l *listener) SyntaxError(_ antlr.Recognizer, offending interface{}, line, column int, msg string, e antlr.RecognitionException) {
	l.count++
	if line < 1 {
		line = 1
	}
	if _, ok := e.(*antlr.NoViableAltException); ok {
		if t, ok := offending.(antlr.Token); ok {
			msg = "unexpected " + describe(t)
		}
	}
	e2 := &Error{Line: line, Col: column + 1, Code: CodeSyntax, Message: tidyMessage(msg)}
	if l.lexer {
		l.run.lexErrs = append(l.run.lexErrs, e2)
	} else {
		l.run.errs = append(l.run.errs, e2)
	}
}

func describe(t antlr.Token) string {
	if t.GetTokenType() == antlr.TokenEOF {
		return "end of input"
	}
	return "'" + t.GetText() + "'"
}

func (l *listener) ReportAmbiguity(antlr.Parser, *antlr.DFA, int, int, bool, *antlr.BitSet, *antlr.ATNConfigSet) {
}
func (l *listener) ReportAttemptingFullContext(antlr.Parser, *antlr.DFA, int, int, *antlr.BitSet, *antlr.ATNConfigSet) {
}
func (l *listener) ReportContextSensitivity(antlr.Parser, *antlr.DFA, int, int, int, *antlr.ATNConfigSet) {
}

// tidyMessage shortens ANTLR's messages: long "expecting {...}" sets are
// dropped and <EOF> is spelled out.
func tidyMessage(msg string) string {
	if i := strings.Index(msg, " expecting {"); i >= 0 {
		set := msg[i+len(" expecting {"):]
		if strings.Count(set, ",") >= 6 {
			msg = msg[:i]
		}
	}
	msg = strings.Replace(msg, "extraneous input ", "unexpected ", 1)
	msg = strings.Replace(msg, "mismatched input ", "unexpected ", 1)
	msg = strings.ReplaceAll(msg, "'<EOF>'", "end of input")
	msg = strings.ReplaceAll(msg, "<EOF>", "end of input")
	msg = strings.Replace(msg, " expecting ", ", expecting ", 1)
	const lexErr = "token recognition error at: '"
	if strings.HasPrefix(msg, lexErr) && strings.HasSuffix(msg, "'") {
		text := msg[len(lexErr) : len(msg)-1]
		switch {
		case len(text) >= 2 && strings.ContainsRune("'\"`", rune(text[0])) && text[len(text)-2] == '\\':
			return fmt.Sprintf("invalid escape sequence %q", text[len(text)-2:])
		case strings.HasPrefix(text, "'"):
			return "unterminated string literal"
		case strings.HasPrefix(text, "\""):
			return "unterminated quoted identifier"
		case strings.HasPrefix(text, "`"):
			return "unterminated delimited identifier"
		case strings.HasPrefix(text, "@"):
			return fmt.Sprintf("invalid date/time literal %q", firstLine(text))
		}
		r, _ := utf8.DecodeRuneInString(text)
		return fmt.Sprintf("unexpected character %q", r)
	}
	return msg
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > 30 {
		s = string([]rune(s)[:30]) + "..."
	}
	return s
}

// Package fhirpath evaluates the subset of FHIRPath that CARD
// applicability conditions (language text/fhirpath) need, over resources
// held as decoded JSON.
//
// Supported: paths with choice-type names (value -> valueQuantity), the
// indexer, literals (strings, numbers, booleans, @dates), %variables,
// $this, = != ~ !~ < <= > >= in contains | + - & and or xor implies,
// unary minus, and the functions exists, empty, not, count, first, last,
// tail, where, select, all, ofType, iif, distinct, hasValue, startsWith,
// endsWith, contains (string), length, lower, upper, toString, today, now.
//
// Resources of the evaluation context: an identifier that starts with a
// capital letter and names a resource type selects the focus when the
// focus has that type, otherwise every resource of that type the Env's
// Resources function returns (for $apply: the data-in Bundle's resources
// about the subject), so "Observation.where(code.coding.code = '8480-6')
// .exists()" asks whether the data-in holds such an Observation.
package fhirpath

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Env is the evaluation context.
type Env struct {
	// Vars are the %variables (without '%'), e.g. subject, encounter.
	Vars map[string]any
	// Resources returns the resources of a type available to the
	// expression; nil means none.
	Resources func(typ string) []map[string]any
	// Now is the evaluation time (today(), now()); zero means time.Now.
	Now time.Time
}

// Error is a parse or evaluation error with the offset in the expression.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("fhirpath: %s (at offset %d)", e.Msg, e.Pos) }

// Expr is a parsed expression, safe for concurrent use.
type Expr struct {
	src  string
	root node
}

// String is the source text.
func (e *Expr) String() string { return e.src }

// Parse parses a FHIRPath expression.
func Parse(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("unexpected %q", p.peek().text)}
	}
	return &Expr{src: src, root: n}, nil
}

// Eval evaluates the expression with focus as its input; the result is a
// collection.
func (e *Expr) Eval(focus any, env *Env) (out []any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &Error{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if env == nil {
		env = &Env{}
	}
	c := &evalCtx{env: env}
	var in []any
	if focus != nil {
		in = []any{focus}
	}
	return c.eval(e.root, in, in)
}

// EvalBool evaluates to a single Boolean: true, false, or ok=false when
// the result is empty. A non-Boolean singleton is true (FHIRPath's
// singleton evaluation of collections), several items are an error.
func (e *Expr) EvalBool(focus any, env *Env) (b, ok bool, err error) {
	out, err := e.Eval(focus, env)
	if err != nil {
		return false, false, err
	}
	switch len(out) {
	case 0:
		return false, false, nil
	case 1:
		if v, isB := out[0].(bool); isB {
			return v, true, nil
		}
		return true, true, nil
	}
	return false, false, &Error{Msg: fmt.Sprintf("condition gave %d items, expected one Boolean", len(out))}
}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDate
	tOp
	tVar
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(s[j])
					}
					j++
					continue
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, &Error{Pos: i, Msg: "unterminated string"}
			}
			out = append(out, token{tString, b.String(), i})
			i = j + 1
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				return nil, &Error{Pos: i, Msg: "unterminated identifier"}
			}
			out = append(out, token{tIdent, s[i+1 : i+1+j], i})
			i += j + 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			out = append(out, token{tNumber, s[i:j], i})
			i = j
		case c == '@':
			j := i + 1
			for j < len(s) && (isDateChar(s[j])) {
				j++
			}
			out = append(out, token{tDate, s[i+1 : j], i})
			i = j
		case c == '%' || c == '$':
			j := i + 1
			for j < len(s) && isIdentChar(rune(s[j])) {
				j++
			}
			if c == '%' && j < len(s) && s[j] == '`' {
				k := strings.IndexByte(s[j+1:], '`')
				if k < 0 {
					return nil, &Error{Pos: i, Msg: "unterminated variable"}
				}
				out = append(out, token{tVar, s[j+1 : j+1+k], i})
				i = j + k + 2
				continue
			}
			if c == '$' {
				out = append(out, token{tIdent, s[i:j], i})
			} else {
				out = append(out, token{tVar, s[i+1 : j], i})
			}
			i = j
		case isIdentStart(rune(c)):
			j := i
			for j < len(s) && isIdentChar(rune(s[j])) {
				j++
			}
			out = append(out, token{tIdent, s[i:j], i})
			i = j
		default:
			two := ""
			if i+1 < len(s) {
				two = s[i : i+2]
			}
			switch two {
			case "<=", ">=", "!=", "!~":
				out = append(out, token{tOp, two, i})
				i += 2
				continue
			}
			if strings.ContainsRune("().[],=<>~|+-&*/", rune(c)) {
				out = append(out, token{tOp, string(c), i})
				i++
				continue
			}
			return nil, &Error{Pos: i, Msg: fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

func isDateChar(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == ':' || c == 'T' || c == '.' || c == '+' || c == 'Z'
}
func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentChar(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// ---- parser ----

type node interface{}

type (
	litNode   struct{ v []any }
	varNode   struct{ name string }
	thisNode  struct{}
	identNode struct {
		name string
		root bool // first step of a path
	}
	callNode struct {
		name string
		args []node
	}
	dotNode   struct{ left, right node }
	indexNode struct{ left, index node }
	binNode   struct {
		op          string
		left, right node
	}
	negNode struct{ x node }
)

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

var precedence = map[string]int{
	"implies": 1, "or": 2, "xor": 2, "and": 3,
	"in": 4, "contains": 4,
	"=": 5, "!=": 5, "~": 5, "!~": 5,
	"<": 6, "<=": 6, ">": 6, ">=": 6,
	"|": 7, "+": 8, "-": 8, "&": 8, "*": 9, "/": 9,
}

func (p *parser) binop() (string, int) {
	t := p.peek()
	if t.kind == tOp || t.kind == tIdent {
		if pr, ok := precedence[t.text]; ok {
			return t.text, pr
		}
	}
	return "", 0
}

func (p *parser) expr(minPrec int) (node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, pr := p.binop()
		if pr == 0 || pr <= minPrec {
			return left, nil
		}
		p.next()
		right, err := p.expr(pr)
		if err != nil {
			return nil, err
		}
		left = binNode{op, left, right}
	}
}

func (p *parser) unary() (node, error) {
	if t := p.peek(); t.kind == tOp && (t.text == "-" || t.text == "+") {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if t.text == "-" {
			return negNode{x}, nil
		}
		return x, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (node, error) {
	n, err := p.term(true)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && t.text == ".":
			p.next()
			r, err := p.term(false)
			if err != nil {
				return nil, err
			}
			n = dotNode{n, r}
		case t.kind == tOp && t.text == "[":
			p.next()
			idx, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if c := p.next(); c.text != "]" {
				return nil, &Error{Pos: c.pos, Msg: "expected ]"}
			}
			n = indexNode{n, idx}
		default:
			return n, nil
		}
	}
}

func (p *parser) term(root bool) (node, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return litNode{[]any{t.text}}, nil
	case tNumber:
		return litNode{[]any{json.Number(t.text)}}, nil
	case tDate:
		return litNode{[]any{strings.TrimPrefix(t.text, "T")}}, nil
	case tVar:
		return varNode{t.text}, nil
	case tOp:
		if t.text == "(" && root {
			n, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if c := p.next(); c.text != ")" {
				return nil, &Error{Pos: c.pos, Msg: "expected )"}
			}
			return n, nil
		}
		if t.text == "{" {
			return litNode{nil}, nil
		}
	case tIdent:
		switch t.text {
		case "true":
			if root {
				return litNode{[]any{true}}, nil
			}
		case "false":
			if root {
				return litNode{[]any{false}}, nil
			}
		case "$this":
			return thisNode{}, nil
		}
		if p.peek().kind == tOp && p.peek().text == "(" {
			p.next()
			var args []node
			if !(p.peek().kind == tOp && p.peek().text == ")") {
				for {
					a, err := p.expr(0)
					if err != nil {
						return nil, err
					}
					args = append(args, a)
					if p.peek().kind == tOp && p.peek().text == "," {
						p.next()
						continue
					}
					break
				}
			}
			if c := p.next(); c.text != ")" {
				return nil, &Error{Pos: c.pos, Msg: "expected ) after function arguments"}
			}
			return callNode{t.text, args}, nil
		}
		return identNode{t.text, root}, nil
	case tEOF:
		return nil, &Error{Pos: t.pos, Msg: "unexpected end of expression"}
	}
	return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("unexpected %q", t.text)}
}

// ---- evaluation ----

type evalCtx struct {
	env   *Env
	steps int
}

const maxSteps = 1_000_000

func (c *evalCtx) eval(n node, in []any, this []any) ([]any, error) {
	c.steps++
	if c.steps > maxSteps {
		return nil, &Error{Msg: "evaluation too costly"}
	}
	switch x := n.(type) {
	case litNode:
		return x.v, nil
	case varNode:
		switch x.name {
		case "ucum":
			return []any{"http://unitsofmeasure.org"}, nil
		case "sct":
			return []any{"http://snomed.info/sct"}, nil
		case "loinc":
			return []any{"http://loinc.org"}, nil
		}
		v, ok := c.env.Vars[x.name]
		if !ok {
			return nil, &Error{Msg: "unknown variable %" + x.name}
		}
		return collection(v), nil
	case thisNode:
		return this, nil
	case identNode:
		return c.ident(x, in), nil
	case callNode:
		return c.call(x, in)
	case dotNode:
		l, err := c.eval(x.left, in, this)
		if err != nil {
			return nil, err
		}
		switch r := x.right.(type) {
		case identNode:
			return children(l, r.name), nil
		case callNode:
			return c.call(r, l)
		}
		return c.eval(x.right, l, this)
	case indexNode:
		l, err := c.eval(x.left, in, this)
		if err != nil {
			return nil, err
		}
		iv, err := c.eval(x.index, in, this)
		if err != nil {
			return nil, err
		}
		i, ok := toInt(iv)
		if !ok || i < 0 || i >= len(l) {
			return nil, nil
		}
		return []any{l[i]}, nil
	case negNode:
		v, err := c.eval(x.x, in, this)
		if err != nil {
			return nil, err
		}
		if len(v) == 0 {
			return nil, nil
		}
		f, ok := toFloat(v[0])
		if !ok {
			return nil, &Error{Msg: "unary minus needs a number"}
		}
		return []any{-f}, nil
	case binNode:
		return c.binary(x, in, this)
	}
	return nil, &Error{Msg: fmt.Sprintf("unsupported node %T", n)}
}

func collection(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = m
		}
		return out
	case map[string]any:
		return []any{x}
	}
	return []any{v}
}

func (c *evalCtx) ident(x identNode, in []any) []any {
	if x.root && x.name != "" && unicode.IsUpper(rune(x.name[0])) {
		var out []any
		matched := false
		for _, v := range in {
			if m, ok := v.(map[string]any); ok && m["resourceType"] == x.name {
				out = append(out, m)
				matched = true
			}
		}
		if matched {
			return out
		}
		if c.env.Resources != nil {
			rs := c.env.Resources(x.name)
			if len(rs) > 0 {
				return collection(rs)
			}
			if looksLikeType(x.name) {
				return nil
			}
		}
	}
	return children(in, x.name)
}

func looksLikeType(s string) bool { return len(s) > 1 && unicode.IsUpper(rune(s[0])) }

// children navigates to the named child of every item, flattening lists
// and matching choice elements (value -> valueQuantity).
func children(in []any, name string) []any {
	var out []any
	for _, v := range in {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if c, ok := m[name]; ok {
			out = append(out, collection(c)...)
			continue
		}
		for k, c := range m {
			if len(k) > len(name) && strings.HasPrefix(k, name) && unicode.IsUpper(rune(k[len(name)])) {
				out = append(out, collection(c)...)
				break
			}
		}
	}
	return out
}

func toInt(v []any) (int, bool) {
	if len(v) != 1 {
		return 0, false
	}
	f, ok := toFloat(v[0])
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func isTrue(v []any) (val, known bool, err error) {
	switch len(v) {
	case 0:
		return false, false, nil
	case 1:
		if b, ok := v[0].(bool); ok {
			return b, true, nil
		}
		return true, true, nil
	}
	return false, false, &Error{Msg: "expected a single Boolean, got a collection"}
}

func (c *evalCtx) binary(x binNode, in, this []any) ([]any, error) {
	l, err := c.eval(x.left, in, this)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "and", "or", "xor", "implies":
		r, err := c.eval(x.right, in, this)
		if err != nil {
			return nil, err
		}
		lb, lk, err := isTrue(l)
		if err != nil {
			return nil, err
		}
		rb, rk, err := isTrue(r)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "and":
			if lk && !lb || rk && !rb {
				return []any{false}, nil
			}
			if lk && rk {
				return []any{true}, nil
			}
		case "or":
			if lk && lb || rk && rb {
				return []any{true}, nil
			}
			if lk && rk {
				return []any{false}, nil
			}
		case "xor":
			if lk && rk {
				return []any{lb != rb}, nil
			}
		case "implies":
			if lk && !lb || rk && rb {
				return []any{true}, nil
			}
			if lk && rk {
				return []any{false}, nil
			}
		}
		return nil, nil
	}
	r, err := c.eval(x.right, in, this)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "|":
		return distinct(append(append([]any{}, l...), r...)), nil
	case "in", "contains":
		if x.op == "contains" {
			l, r = r, l
		}
		if len(l) == 0 {
			return nil, nil
		}
		if len(l) > 1 {
			return nil, &Error{Msg: "membership needs a single item"}
		}
		for _, v := range r {
			if equal(l[0], v) {
				return []any{true}, nil
			}
		}
		return []any{false}, nil
	case "=", "!=", "~", "!~":
		if len(l) == 0 || len(r) == 0 {
			if x.op == "~" {
				return []any{len(l) == len(r)}, nil
			}
			if x.op == "!~" {
				return []any{len(l) != len(r)}, nil
			}
			return nil, nil
		}
		eq := len(l) == len(r)
		for i := 0; eq && i < len(l); i++ {
			if x.op[len(x.op)-1] == '~' {
				eq = equivalent(l[i], r[i])
			} else {
				eq = equal(l[i], r[i])
			}
		}
		if x.op[0] == '!' {
			eq = !eq
		}
		return []any{eq}, nil
	case "<", "<=", ">", ">=":
		if len(l) == 0 || len(r) == 0 {
			return nil, nil
		}
		if len(l) > 1 || len(r) > 1 {
			return nil, &Error{Msg: "comparison of collections"}
		}
		cmp, ok := compare(l[0], r[0])
		if !ok {
			return nil, nil
		}
		switch x.op {
		case "<":
			return []any{cmp < 0}, nil
		case "<=":
			return []any{cmp <= 0}, nil
		case ">":
			return []any{cmp > 0}, nil
		}
		return []any{cmp >= 0}, nil
	case "&":
		return []any{str1(l) + str1(r)}, nil
	case "+", "-", "*", "/":
		if len(l) == 0 || len(r) == 0 {
			return nil, nil
		}
		if x.op == "+" {
			if a, ok := l[0].(string); ok {
				if b, ok := r[0].(string); ok {
					return []any{a + b}, nil
				}
			}
		}
		a, ok1 := toFloat(l[0])
		b, ok2 := toFloat(r[0])
		if !ok1 || !ok2 {
			return nil, &Error{Msg: "arithmetic " + x.op + " needs numbers"}
		}
		switch x.op {
		case "+":
			return []any{a + b}, nil
		case "-":
			return []any{a - b}, nil
		case "*":
			return []any{a * b}, nil
		}
		if b == 0 {
			return nil, nil
		}
		return []any{a / b}, nil
	}
	return nil, &Error{Msg: "unsupported operator " + x.op}
}

func str1(v []any) string {
	if len(v) == 0 {
		return ""
	}
	s, _ := toString(v[0])
	return s
}

func toString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

func equal(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return fa == fb
		}
		return false
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func equivalent(a, b any) bool {
	sa, oka := a.(string)
	sb, okb := b.(string)
	if oka && okb {
		return strings.EqualFold(strings.Join(strings.Fields(sa), " "), strings.Join(strings.Fields(sb), " "))
	}
	return equal(a, b)
}

// compare orders numbers, strings and ISO dates (as text, compared on the
// common precision).
func compare(a, b any) (int, bool) {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		if !ok {
			return 0, false
		}
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	sa, ok1 := a.(string)
	sb, ok2 := b.(string)
	if !ok1 || !ok2 {
		if qa, ok := a.(map[string]any); ok {
			if qb, ok := b.(map[string]any); ok && qa["unit"] == qb["unit"] {
				return compare(qa["value"], qb["value"])
			}
		}
		return 0, false
	}
	if isDateLike(sa) && isDateLike(sb) {
		n := min(len(sa), len(sb))
		if len(sa) != len(sb) && n < 10 {
			if sa[:n] == sb[:n] {
				return 0, false
			}
		}
		return strings.Compare(sa[:min(len(sa), max(n, 10))], sb[:min(len(sb), max(n, 10))]), true
	}
	return strings.Compare(sa, sb), true
}

func isDateLike(s string) bool {
	return len(s) >= 4 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && (len(s) == 4 || s[4] == '-')
}

func distinct(in []any) []any {
	var out []any
outer:
	for _, v := range in {
		for _, w := range out {
			if equal(v, w) {
				continue outer
			}
		}
		out = append(out, v)
	}
	return out
}

func (c *evalCtx) arity(x callNode, n ...int) error {
	for _, k := range n {
		if len(x.args) == k {
			return nil
		}
	}
	return &Error{Msg: fmt.Sprintf("%s() takes %v arguments, got %d", x.name, n, len(x.args))}
}

func (c *evalCtx) call(x callNode, in []any) ([]any, error) {
	// per-item evaluation of a criterion argument
	each := func(arg node, item any) ([]any, error) {
		return c.eval(arg, []any{item}, []any{item})
	}
	switch x.name {
	case "exists":
		if err := c.arity(x, 0, 1); err != nil {
			return nil, err
		}
		if len(x.args) == 0 {
			return []any{len(in) > 0}, nil
		}
		for _, v := range in {
			r, err := each(x.args[0], v)
			if err != nil {
				return nil, err
			}
			if b, k, err := isTrue(r); err != nil {
				return nil, err
			} else if k && b {
				return []any{true}, nil
			}
		}
		return []any{false}, nil
	case "empty":
		return []any{len(in) == 0}, c.arity(x, 0)
	case "not":
		b, k, err := isTrue(in)
		if err != nil || !k {
			return nil, err
		}
		return []any{!b}, nil
	case "count":
		return []any{json.Number(strconv.Itoa(len(in)))}, c.arity(x, 0)
	case "first":
		if len(in) == 0 {
			return nil, nil
		}
		return in[:1], nil
	case "last":
		if len(in) == 0 {
			return nil, nil
		}
		return in[len(in)-1:], nil
	case "tail":
		if len(in) == 0 {
			return nil, nil
		}
		return in[1:], nil
	case "distinct":
		return distinct(in), nil
	case "hasValue":
		return []any{len(in) == 1 && !isComplex(in[0])}, nil
	case "where", "select", "all":
		if err := c.arity(x, 1); err != nil {
			return nil, err
		}
		var out []any
		for _, v := range in {
			r, err := each(x.args[0], v)
			if err != nil {
				return nil, err
			}
			switch x.name {
			case "select":
				out = append(out, r...)
			case "where":
				if b, k, err := isTrue(r); err != nil {
					return nil, err
				} else if k && b {
					out = append(out, v)
				}
			case "all":
				if b, k, err := isTrue(r); err != nil {
					return nil, err
				} else if !k || !b {
					return []any{false}, nil
				}
			}
		}
		if x.name == "all" {
			return []any{true}, nil
		}
		return out, nil
	case "ofType", "is":
		if err := c.arity(x, 1); err != nil {
			return nil, err
		}
		id, ok := x.args[0].(identNode)
		if !ok {
			return nil, &Error{Msg: x.name + "() needs a type name"}
		}
		var out []any
		for _, v := range in {
			if m, ok := v.(map[string]any); ok && m["resourceType"] == id.name {
				out = append(out, v)
			}
		}
		if x.name == "is" {
			return []any{len(out) > 0}, nil
		}
		return out, nil
	case "iif":
		if err := c.arity(x, 2, 3); err != nil {
			return nil, err
		}
		cond, err := c.eval(x.args[0], in, in)
		if err != nil {
			return nil, err
		}
		b, k, err := isTrue(cond)
		if err != nil {
			return nil, err
		}
		if k && b {
			return c.eval(x.args[1], in, in)
		}
		if len(x.args) == 3 {
			return c.eval(x.args[2], in, in)
		}
		return nil, nil
	case "today", "now":
		now := c.env.Now
		if now.IsZero() {
			now = time.Now()
		}
		if x.name == "today" {
			return []any{now.Format("2006-01-02")}, nil
		}
		return []any{now.Format("2006-01-02T15:04:05.000Z07:00")}, nil
	case "startsWith", "endsWith", "contains", "matches":
		if err := c.arity(x, 1); err != nil {
			return nil, err
		}
		if len(in) == 0 {
			return nil, nil
		}
		s, ok := in[0].(string)
		if !ok || len(in) > 1 {
			return nil, &Error{Msg: x.name + "() applies to a single string"}
		}
		a, err := c.eval(x.args[0], in, in)
		if err != nil || len(a) == 0 {
			return nil, err
		}
		arg, _ := toString(a[0])
		switch x.name {
		case "startsWith":
			return []any{strings.HasPrefix(s, arg)}, nil
		case "endsWith":
			return []any{strings.HasSuffix(s, arg)}, nil
		}
		return []any{strings.Contains(s, arg)}, nil
	case "length", "lower", "upper", "toString":
		if len(in) == 0 {
			return nil, nil
		}
		s, ok := toString(in[0])
		if !ok {
			return nil, &Error{Msg: x.name + "() needs a primitive"}
		}
		switch x.name {
		case "length":
			return []any{json.Number(strconv.Itoa(len([]rune(s))))}, nil
		case "lower":
			return []any{strings.ToLower(s)}, nil
		case "upper":
			return []any{strings.ToUpper(s)}, nil
		}
		return []any{s}, nil
	}
	return nil, &Error{Msg: "unsupported function " + x.name + "()"}
}

func isComplex(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// Package ucum parses UCUM unit expressions and converts quantities between
// commensurable units. Its prefixes and unit atoms are those of UCUM's own
// table, ucum-essence.xml, generated into units_gen.go (`make generate`);
// expressions are products, quotients, exponents, parentheses, factors
// and annotations.
//
// Conversion is exact decimal arithmetic on factors relative to the base
// units (m, s, g, rad, K, C, cd); each arbitrary unit ([iU], [CFU], ...)
// is a dimension of its own, commensurable only with itself. Of the
// special (non-proportional) units, the temperature scales Cel, [degF]
// and [degRe] convert as the affine scales they are; the logarithmic and
// trigonometric ones ([pH], B, Np, [p'diop], ...) are valid units that
// convert only to themselves.
package ucum

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"
)

type dims [nDims]int8

// canon is a unit reduced to a factor times a product of base units.
type canon struct {
	f *apd.Decimal
	d dims
}

var ctx = &apd.Context{
	Precision:   40,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps,
	Rounding:    apd.RoundHalfEven,
}

// unitDef defines an atom (units_gen.go holds them all, generated from
// UCUM's ucum-essence.xml). A base unit, or an arbitrary unit that no
// other unit defines, has neither factor nor expr and is dimension base;
// any other unit is factor times the unit expression expr. metric units
// take prefixes; special units are not proportional to their definition
// (special names the conversion function: Cel, degF, ... ).
type unitDef struct {
	metric    bool
	factor    string
	expr      string
	base      int
	special   string
	arbitrary bool
}

// term is one atom (with its prefix) raised to an exponent.
type term struct {
	sym string
	exp int
}

// parse splits a unit expression into a flat product of terms. Annotations
// are dropped; an annotation standing alone is the unit 1.
func parse(u string) ([]term, error) {
	p := &parser{s: u}
	if u == "" {
		return nil, nil
	}
	if len(u) > 500 {
		return nil, fmt.Errorf("unit expression too long")
	}
	ts, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("invalid unit %q: unexpected %q", u, p.s[p.i:])
	}
	return ts, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errf(msg string) error {
	return fmt.Errorf("invalid unit %q: %s", p.s, msg)
}

func (p *parser) expr() ([]term, error) {
	var out []term
	sign := 1
	if p.i < len(p.s) && p.s[p.i] == '/' {
		p.i++
		sign = -1
	}
	for {
		ts, err := p.term()
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, term{t.sym, t.exp * sign})
		}
		if p.i >= len(p.s) || (p.s[p.i] != '.' && p.s[p.i] != '/') {
			return out, nil
		}
		if p.s[p.i] == '.' {
			sign = 1
		} else {
			sign = -1
		}
		p.i++
	}
}

func (p *parser) annotation() error {
	end := strings.IndexByte(p.s[p.i:], '}')
	if end < 0 {
		return p.errf("unterminated annotation")
	}
	// An annotation holds printable ASCII characters (33 to 126) other
	// than curly braces.
	for _, c := range []byte(p.s[p.i+1 : p.i+end]) {
		if c < 33 || c > 126 || c == '{' {
			return p.errf("invalid character in annotation")
		}
	}
	p.i += end + 1
	return nil
}

func (p *parser) term() ([]term, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("missing unit")
	}
	switch c := p.s[p.i]; {
	case c == '(':
		p.i++
		inner, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errf("missing )")
		}
		p.i++
		e, has, err := p.exponent()
		if err != nil {
			return nil, err
		}
		if has {
			for k := range inner {
				inner[k].exp *= e
			}
		}
		if err := p.optionalAnnotation(); err != nil {
			return nil, err
		}
		return inner, nil
	case c == '{':
		if err := p.annotation(); err != nil {
			return nil, err
		}
		return nil, nil
	case c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.s[start:p.i] == "10" && p.i < len(p.s) && (p.s[p.i] == '*' || p.s[p.i] == '^') {
			p.i++
			return p.powerTerm(p.s[start:p.i])
		}
		num := p.s[start:p.i]
		if err := p.optionalAnnotation(); err != nil {
			return nil, err
		}
		if num == "1" {
			return nil, nil
		}
		return []term{{"#" + num, 1}}, nil
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '[' {
			end := strings.IndexByte(p.s[p.i:], ']')
			if end < 0 {
				return nil, p.errf("unterminated [")
			}
			p.i += end + 1
			continue
		}
		if c == '.' || c == '/' || c == '(' || c == ')' || c == '{' || c == ' ' {
			break
		}
		if c >= '0' && c <= '9' {
			break
		}
		if (c == '+' || c == '-') && p.i+1 < len(p.s) && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9' {
			break
		}
		p.i++
	}
	if p.i == start {
		return nil, p.errf("missing unit")
	}
	sym := p.s[start:p.i]
	if strings.ContainsAny(sym, "# ") {
		return nil, p.errf("invalid character in " + strconv.Quote(sym))
	}
	return p.powerTerm(sym)
}

// powerTerm reads the optional exponent (default 1) and annotation that
// follow the symbol sym.
func (p *parser) powerTerm(sym string) ([]term, error) {
	e, has, err := p.exponent()
	if err != nil {
		return nil, err
	}
	if !has {
		e = 1
	}
	if err := p.optionalAnnotation(); err != nil {
		return nil, err
	}
	return []term{{sym, e}}, nil
}

// optionalAnnotation skips a {annotation} when one follows.
func (p *parser) optionalAnnotation() error {
	if p.i < len(p.s) && p.s[p.i] == '{' {
		return p.annotation()
	}
	return nil
}

func (p *parser) exponent() (int, bool, error) {
	start := p.i
	if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
		p.i++
	}
	d := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == d {
		p.i = start
		return 0, false, nil
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	if err != nil || n > 99 || n < -99 {
		return 0, false, p.errf("bad exponent")
	}
	return n, true, nil
}

// mustDec parses a decimal constant of the unit tables.
func mustDec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic("ucum: bad constant " + s)
	}
	return d
}

// atomCanon resolves one symbol (possibly prefixed) to its canonical form.
func atomCanon(sym string, depth int) (canon, string, error) {
	if depth > 20 {
		return canon{}, "", errors.New("unit definition too deep")
	}
	if strings.HasPrefix(sym, "#") {
		n, _, err := apd.NewFromString(sym[1:])
		if err != nil {
			return canon{}, "", fmt.Errorf("invalid number %q in unit", sym[1:])
		}
		return canon{f: n}, "", nil
	}
	if def, ok := atoms[sym]; ok {
		c, err := defCanon(def, depth)
		return c, def.special, err
	}
	for _, n := range []int{2, 1} {
		if len(sym) <= n {
			continue
		}
		pf, ok := prefixes[sym[:n]]
		if !ok {
			continue
		}
		def, ok := atoms[sym[n:]]
		if !ok || !def.metric {
			continue
		}
		c, err := defCanon(def, depth)
		if err != nil {
			return canon{}, "", err
		}
		f := new(apd.Decimal)
		if _, err := ctx.Mul(f, c.f, mustDec(pf)); err != nil {
			return canon{}, "", err
		}
		return canon{f: f, d: c.d}, def.special, nil
	}
	return canon{}, "", fmt.Errorf("unknown unit %q", sym)
}

func defCanon(def unitDef, depth int) (canon, error) {
	if def.factor == "" && def.expr == "" {
		var d dims
		d[def.base] = 1
		return canon{f: apd.New(1, 0), d: d}, nil
	}
	c, err := exprCanon(def.expr, depth+1)
	if err != nil {
		return canon{}, err
	}
	f := new(apd.Decimal)
	if _, err := ctx.Mul(f, c.f, mustDec(def.factor)); err != nil {
		return canon{}, err
	}
	return canon{f: f, d: c.d}, nil
}

func exprCanon(u string, depth int) (canon, error) {
	ts, err := parse(u)
	if err != nil {
		return canon{}, err
	}
	out := canon{f: apd.New(1, 0)}
	for _, t := range ts {
		c, special, err := atomCanon(t.sym, depth)
		if err != nil {
			return canon{}, err
		}
		if t.exp > 99 || t.exp < -99 {
			return canon{}, fmt.Errorf("exponent of %q too large", t.sym)
		}
		if special != "" && (len(ts) != 1 || t.exp != 1) {
			return canon{}, fmt.Errorf("unit %q cannot be combined with other units", t.sym)
		}
		for k := 0; k < abs(t.exp); k++ {
			if t.exp > 0 {
				_, err = ctx.Mul(out.f, out.f, c.f)
			} else {
				_, err = ctx.Quo(out.f, out.f, c.f)
			}
			if err != nil {
				return canon{}, err
			}
		}
		for i := range out.d {
			v := int(out.d[i]) + int(c.d[i])*t.exp
			if v > 99 || v < -99 {
				return canon{}, fmt.Errorf("unit %q has too large an exponent", u)
			}
			out.d[i] = int8(v)
		}
	}
	return out, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// cache holds the canonical form of unit expressions already seen. The
// cached factors are never mutated.
var cache sync.Map // string -> canonEntry

type canonEntry struct {
	c   canon
	err error
}

// lookup is exprCanon with caching of the results for whole expressions.
func lookup(u string) (canon, error) {
	if e, ok := cache.Load(u); ok {
		ce := e.(canonEntry)
		return ce.c, ce.err
	}
	c, err := exprCanon(u, 0)
	if len(u) <= 64 {
		cache.Store(u, canonEntry{c, err})
	}
	return c, err
}

// Valid reports whether u is a unit expression this package understands.
// The empty string and "1" are the unity.
func Valid(u string) error {
	_, err := lookup(u)
	return err
}

// Commensurable reports whether quantities in a and b can be converted to
// each other.
func Commensurable(a, b string) bool {
	if a == b {
		return Valid(a) == nil
	}
	ca, err1 := lookup(a)
	cb, err2 := lookup(b)
	return err1 == nil && err2 == nil && ca.d == cb.d
}

// special returns the affine scale name of a unit that is exactly one
// temperature unit ("Cel", "degF") or "".
func special(u string) string {
	ts, err := parse(u)
	if err != nil || len(ts) != 1 || ts[0].exp != 1 {
		return ""
	}
	_, sp, err := atomCanon(ts[0].sym, 0)
	if err != nil {
		return ""
	}
	return sp
}

// Convert converts v from unit from to unit to. The result carries the
// working precision of the conversion (40 digits); callers round it to the
// CQL Decimal scale.
func Convert(v *apd.Decimal, from, to string) (*apd.Decimal, error) {
	if from == to {
		if err := Valid(from); err != nil {
			return nil, err
		}
		return new(apd.Decimal).Set(v), nil
	}
	cf, err := lookup(from)
	if err != nil {
		return nil, err
	}
	ct, err := lookup(to)
	if err != nil {
		return nil, err
	}
	if cf.d != ct.d {
		return nil, fmt.Errorf("cannot convert from %q to %q: units are not commensurable", from, to)
	}
	sf, st := special(from), special(to)
	r := new(apd.Decimal)
	if sf != "" || st != "" {
		for _, sp := range []string{sf, st} {
			if sp != "" && sp != "Cel" && sp != "degF" && sp != "degRe" {
				return nil, fmt.Errorf("cannot convert from %q to %q: conversions of the special unit scale %s are not supported", from, to, sp)
			}
		}
		// To kelvin, then to the target scale.
		k := new(apd.Decimal)
		if err := toKelvin(k, v, sf, cf.f); err != nil {
			return nil, err
		}
		if err := fromKelvin(r, k, st, ct.f); err != nil {
			return nil, err
		}
		return r, nil
	}
	if _, err := ctx.Mul(r, v, cf.f); err != nil {
		return nil, err
	}
	if _, err := ctx.Quo(r, r, ct.f); err != nil {
		return nil, err
	}
	return r, nil
}

var (
	celOffset  = mustDec("273.15")
	degFOffset = mustDec("459.67")
)

func toKelvin(k, v *apd.Decimal, sp string, f *apd.Decimal) error {
	switch sp {
	case "Cel", "degRe":
		_, err := ctx.Mul(k, v, f) // f: the prefix factor for Cel, 5/4 for degRe
		if err == nil {
			_, err = ctx.Add(k, k, celOffset)
		}
		return err
	case "degF":
		_, err := ctx.Add(k, v, degFOffset)
		if err == nil {
			_, err = ctx.Mul(k, k, f)
		}
		return err
	}
	_, err := ctx.Mul(k, v, f)
	return err
}

func fromKelvin(r, k *apd.Decimal, sp string, f *apd.Decimal) error {
	switch sp {
	case "Cel", "degRe":
		_, err := ctx.Sub(r, k, celOffset)
		if err == nil {
			_, err = ctx.Quo(r, r, f)
		}
		return err
	case "degF":
		_, err := ctx.Quo(r, k, f)
		if err == nil {
			_, err = ctx.Sub(r, r, degFOffset)
		}
		return err
	}
	_, err := ctx.Quo(r, k, f)
	return err
}

// Multiply returns the unit of the product of quantities in a and b, e.g.
// Multiply("cm", "cm") = "cm2" and Multiply("g/cm3", "cm3") = "g".
func Multiply(a, b string) string { return combine(a, b, 1) }

// Divide returns the unit of the quotient of quantities in a and b, e.g.
// Divide("g", "cm3") = "g/cm3" and Divide("g/cm3", "g/cm3") = "1".
func Divide(a, b string) string { return combine(a, b, -1) }

func combine(a, b string, sign int) string {
	ta, err1 := parse(a)
	tb, err2 := parse(b)
	if err1 != nil || err2 != nil {
		// Not parseable: build the expression textually.
		if sign > 0 {
			return "(" + a + ").(" + b + ")"
		}
		return "(" + a + ")/(" + b + ")"
	}
	var order []string
	exps := map[string]int{}
	add := func(ts []term, s int) {
		for _, t := range ts {
			if _, ok := exps[t.sym]; !ok {
				order = append(order, t.sym)
			}
			exps[t.sym] += t.exp * s
		}
	}
	add(ta, 1)
	add(tb, sign)
	return render(order, exps)
}

// Normalize rewrites u with each atom once, numerator first ("m.m/s" ->
// "m2/s"). Unparseable units are returned unchanged.
func Normalize(u string) string {
	ts, err := parse(u)
	if err != nil {
		return u
	}
	var order []string
	exps := map[string]int{}
	for _, t := range ts {
		if _, ok := exps[t.sym]; !ok {
			order = append(order, t.sym)
		}
		exps[t.sym] += t.exp
	}
	return render(order, exps)
}

func render(order []string, exps map[string]int) string {
	var num, den []string
	for _, s := range order {
		e := exps[s]
		name := strings.TrimPrefix(s, "#")
		switch {
		case e > 0:
			if e == 1 {
				num = append(num, name)
			} else {
				num = append(num, name+strconv.Itoa(e))
			}
		case e < 0:
			if e == -1 {
				den = append(den, name)
			} else {
				den = append(den, name+strconv.Itoa(-e))
			}
		}
	}
	out := strings.Join(num, ".")
	if out == "" && len(den) == 0 {
		return "1"
	}
	for _, d := range den {
		out += "/" + d
	}
	return out
}

// Canonical returns a canonical spelling of the base-unit product that u
// is commensurable with (e.g. "g.m-3" for "mg/dL") and the factor that a
// value in u is multiplied by to be expressed in it.
func Canonical(u string) (string, *apd.Decimal, error) {
	c, err := lookup(u)
	if err != nil {
		return "", nil, err
	}
	var parts []string
	for i, e := range c.d {
		switch {
		case e == 1:
			parts = append(parts, dimNames[i])
		case e != 0:
			parts = append(parts, dimNames[i]+strconv.Itoa(int(e)))
		}
	}
	sort.Strings(parts)
	s := strings.Join(parts, ".")
	if s == "" {
		s = "1"
	}
	return s, c.f, nil
}

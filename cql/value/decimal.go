package value

import (
	"errors"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Errors reported by the decimal helpers. Operators turn them into null
// (overflow, division by zero) as the CQL specification requires.
var (
	// ErrOverflow reports a result outside the CQL Decimal range.
	ErrOverflow = errors.New("decimal result out of range")
	// ErrDivByZero reports a division by zero.
	ErrDivByZero = errors.New("division by zero")
	// ErrSyntax reports malformed decimal text.
	ErrSyntax = errors.New("malformed decimal")
)

// MaxScale is the number of digits after the decimal point a Decimal keeps.
const MaxScale = 8

// decCtx is the shared context for intermediate results. It is never
// mutated, so sharing it between goroutines is safe. Its precision leaves
// room for 28 integer digits plus 8 decimals plus guard digits.
var decCtx = &apd.Context{
	Precision:   48,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps,
	Rounding:    apd.RoundHalfUp,
}

// decLimit is 10^28: every Decimal result must have |x| < decLimit.
var decLimit = apd.New(1, 28)

// decStep is the smallest Decimal step, 10^-8. It must not be mutated.
var decStep = apd.New(1, -MaxScale)

// NewDecimal parses decimal text such as "1.50" or "-3" with CQL literal
// rules: at most 8 digits after the point and |x| < 10^28.
func NewDecimal(s string) (Decimal, error) {
	d, err := NewDecimalLax(s)
	if err != nil {
		return Decimal{}, err
	}
	if -d.D.Exponent > MaxScale {
		return Decimal{}, errors.New("decimal " + s + " has more than 8 digits after the point")
	}
	return d, nil
}

// NewDecimalLax parses decimal text keeping every digit after the point
// (quantity literals such as 5.999999999 'g' keep their digits); only the
// range |x| < 10^28 is checked.
func NewDecimalLax(s string) (Decimal, error) {
	if s == "" || strings.ContainsAny(s, "eEnNiI") {
		return Decimal{}, ErrSyntax
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return Decimal{}, ErrSyntax
	}
	if d.Exponent > 0 {
		// Keep a plain representation: 1E+2 -> 100.
		if _, err := decCtx.Quantize(d, d, 0); err != nil {
			return Decimal{}, ErrOverflow
		}
	}
	var abs apd.Decimal
	abs.Abs(d)
	if abs.Cmp(decLimit) >= 0 {
		return Decimal{}, ErrOverflow
	}
	if d.IsZero() {
		d.Negative = false
	}
	return Decimal{D: d}, nil
}

// MustDecimal is NewDecimalLax for constants known to be valid; it panics
// on bad text and must only be used with literals in Go source.
func MustDecimal(s string) Decimal {
	d, err := NewDecimalLax(s)
	if err != nil {
		panic("value.MustDecimal(" + s + "): " + err.Error())
	}
	return d
}

// DecimalFromInt returns i as a Decimal with no digits after the point.
func DecimalFromInt(i int64) Decimal { return Decimal{D: apd.New(i, 0)} }

// DecimalFromApd wraps an apd value after applying the CQL rules (rounding
// to 8 places, range check). The argument is copied.
func DecimalFromApd(x *apd.Decimal) (Decimal, error) {
	d := new(apd.Decimal).Set(x)
	return finish(d)
}

// finish applies the CQL Decimal rules to a freshly computed result that
// the caller owns: NaN/Inf are rejected, more than 8 digits after the point
// are rounded half up, and |x| >= 10^28 is an overflow.
func finish(d *apd.Decimal) (Decimal, error) {
	if d.Form != apd.Finite {
		return Decimal{}, ErrOverflow
	}
	if d.Exponent < -MaxScale {
		if _, err := decCtx.Quantize(d, d, -MaxScale); err != nil {
			return Decimal{}, ErrOverflow
		}
	}
	if d.Exponent > 0 {
		if _, err := decCtx.Quantize(d, d, 0); err != nil {
			return Decimal{}, ErrOverflow
		}
	}
	// Arithmetic results may reach 10^28 itself (the suite computes
	// 10 * 10^27 - 10^-8); anything larger is an overflow. Literals are
	// limited to |x| < 10^28 by NewDecimal.
	neg := d.Negative
	d.Negative = false
	over := d.Cmp(decLimit) > 0
	d.Negative = neg
	if over {
		return Decimal{}, ErrOverflow
	}
	if d.IsZero() {
		d.Negative = false
	}
	return Decimal{D: d}, nil
}

// String returns the CQL text of d: plain notation, its own scale, and at
// least one digit after the point ("1.0", "1.50", "-0.00000001").
func (d Decimal) String() string {
	if d.D == nil {
		return "null"
	}
	s := d.D.Text('f')
	if d.D.IsZero() && strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Scale is the number of digits after the decimal point.
func (d Decimal) Scale() int {
	if d.D.Exponent >= 0 {
		return 0
	}
	return int(-d.D.Exponent)
}

// DecAdd returns a+b.
func DecAdd(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Add(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	return finish(d)
}

// DecSub returns a-b.
func DecSub(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Sub(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	return finish(d)
}

// DecMul returns a*b. Trailing zeros beyond the larger scale of the operands
// are dropped (1.0 * 2.0 = 2.0, not 2.00).
func DecMul(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Mul(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	keep := a.D.Exponent
	if b.D.Exponent < keep {
		keep = b.D.Exponent
	}
	trimZeros(d, keep)
	return finish(d)
}

// trimZeros removes trailing zero digits after the point while the
// exponent stays below keep (keep <= 0).
func trimZeros(d *apd.Decimal, keep int32) {
	if keep > 0 {
		keep = 0
	}
	if d.Exponent >= keep {
		return
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.Exponent > keep {
		if _, err := decCtx.Quantize(&r, &r, keep); err != nil {
			return
		}
	}
	if r.Exponent > d.Exponent {
		d.Set(&r)
	}
}

// DecDiv returns a/b rounded to 8 places with trailing zeros dropped, but
// keeping at least one digit after the point (10/4 = 2.5, 10/5 = 2.0,
// 10/3 = 3.33333333). Division by zero returns ErrDivByZero.
func DecDiv(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	if b.D.IsZero() {
		return Decimal{}, ErrDivByZero
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Quo(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	if _, err := decCtx.Quantize(d, d, -MaxScale); err != nil {
		return Decimal{}, ErrOverflow
	}
	trimZeros(d, -1)
	return finish(d)
}

// DecTruncDiv returns a div b: the quotient truncated toward zero, with the
// larger scale of the operands (10.1 div 3.1 = 3.0).
func DecTruncDiv(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	if b.D.IsZero() {
		return Decimal{}, ErrDivByZero
	}
	d := new(apd.Decimal)
	if _, err := decCtx.QuoInteger(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	scale := a.D.Exponent
	if b.D.Exponent < scale {
		scale = b.D.Exponent
	}
	if scale < 0 {
		if _, err := decCtx.Quantize(d, d, scale); err != nil {
			return Decimal{}, ErrOverflow
		}
	}
	return finish(d)
}

// DecMod returns the remainder of a div b, with the sign of a.
func DecMod(a, b Decimal) (Decimal, error) {
	if a.D == nil || b.D == nil {
		return Decimal{}, ErrSyntax
	}
	if b.D.IsZero() {
		return Decimal{}, ErrDivByZero
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Rem(d, a.D, b.D); err != nil {
		return Decimal{}, ErrOverflow
	}
	return finish(d)
}

// DecNeg returns -a.
func DecNeg(a Decimal) Decimal {
	d := new(apd.Decimal).Neg(a.D)
	if d.IsZero() {
		d.Negative = false
	}
	return Decimal{D: d}
}

// DecAbs returns |a|.
func DecAbs(a Decimal) Decimal { return Decimal{D: new(apd.Decimal).Abs(a.D)} }

// DecCmp compares a and b numerically (-1, 0, 1); 1.0 and 1.00 are equal.
// It does not allocate.
func DecCmp(a, b Decimal) int { return a.D.Cmp(b.D) }

// DecSign returns -1, 0 or 1.
func DecSign(a Decimal) int { return a.D.Sign() }

// DecIsInteger reports whether a has no fractional part.
func DecIsInteger(a Decimal) bool {
	if a.D.Exponent >= 0 {
		return true
	}
	var r apd.Decimal
	r.Reduce(a.D)
	return r.Exponent >= 0
}

// DecRound rounds a half away from zero to places digits after the point
// (0 <= places <= 8; values outside are clamped). The result has exactly
// that scale, except that zero places print with one ("Round(0.5)" is 1.0).
func DecRound(a Decimal, places int) (Decimal, error) {
	if a.D == nil {
		return Decimal{}, ErrSyntax
	}
	if places < 0 {
		places = 0
	}
	if places > MaxScale {
		places = MaxScale
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Quantize(d, a.D, int32(-places)); err != nil {
		return Decimal{}, ErrOverflow
	}
	return finish(d)
}

// roundWith quantizes to exponent 0 with the given rounding mode.
func roundWith(a Decimal, mode apd.Rounder) (Decimal, error) {
	if a.D == nil {
		return Decimal{}, ErrSyntax
	}
	ctx := *decCtx
	ctx.Rounding = mode
	d := new(apd.Decimal)
	if _, err := ctx.Quantize(d, a.D, 0); err != nil {
		return Decimal{}, ErrOverflow
	}
	return finish(d)
}

// DecTruncate drops the fractional part (toward zero).
func DecTruncate(a Decimal) (Decimal, error) { return roundWith(a, apd.RoundDown) }

// DecFloor returns the largest integer <= a.
func DecFloor(a Decimal) (Decimal, error) { return roundWith(a, apd.RoundFloor) }

// DecCeiling returns the smallest integer >= a.
func DecCeiling(a Decimal) (Decimal, error) { return roundWith(a, apd.RoundCeiling) }

// DecToInt64 returns the integral value of a, failing when a has a
// fractional part or does not fit.
func DecToInt64(a Decimal) (int64, error) {
	var r apd.Decimal
	r.Reduce(a.D)
	if r.Exponent < 0 {
		return 0, errors.New("decimal has a fractional part")
	}
	return r.Int64()
}

// DecQuantize returns a with exactly places digits after the point
// (rounding half up when digits are dropped).
func DecQuantize(a Decimal, places int) (Decimal, error) {
	if a.D == nil {
		return Decimal{}, ErrSyntax
	}
	d := new(apd.Decimal)
	if _, err := decCtx.Quantize(d, a.D, int32(-places)); err != nil {
		return Decimal{}, ErrOverflow
	}
	if d.IsZero() {
		d.Negative = false
	}
	return Decimal{D: d}, nil
}

// DecReduce drops trailing zeros after the point (1.500 -> 1.5, 2.0 -> 2).
func DecReduce(a Decimal) Decimal {
	d := new(apd.Decimal)
	d.Reduce(a.D)
	if d.Exponent > 0 {
		_, _ = decCtx.Quantize(d, d, 0)
	}
	return Decimal{D: d}
}

// decEquivalent implements ~ on decimals: both are rounded to the scale of
// the less precise one, ignoring trailing zeros (1.001 ~ 1.000 is true).
func decEquivalent(a, b Decimal) bool {
	ra, rb := DecReduce(a), DecReduce(b)
	sa, sb := ra.Scale(), rb.Scale()
	s := sa
	if sb < s {
		s = sb
	}
	qa, err1 := DecQuantize(ra, s)
	qb, err2 := DecQuantize(rb, s)
	if err1 != nil || err2 != nil {
		return false
	}
	return qa.D.Cmp(qb.D) == 0
}

package builtins

// Arithmetic operators. Integer and Long overflow give null, as do division
// by zero and Decimal results outside the Decimal range; Decimal results
// keep at most 8 digits after the point (see value.DecAdd and friends).
// Quantity arithmetic converts the second operand to the unit of the first
// and derives product and quotient units with UCUM unit algebra.

import (
	"math"
	"math/bits"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

func init() {
	i, l, d, q := types.Integer, types.Long, types.Decimal, types.Quantity
	dt, da, tm := types.DateTime, types.Date, types.Time

	b1Reg("Add", i, b1AddInt, i, i)
	b1Reg("Add", l, b1AddLong, l, l)
	b1Reg("Add", d, b1DecOp2("Add", value.DecAdd), d, d)
	b1Reg("Add", q, b1QtyAddSub("Add", value.DecAdd), q, q)

	b1Reg("Subtract", i, b1SubInt, i, i)
	b1Reg("Subtract", l, b1SubLong, l, l)
	b1Reg("Subtract", d, b1DecOp2("Subtract", value.DecSub), d, d)
	b1Reg("Subtract", q, b1QtyAddSub("Subtract", value.DecSub), q, q)

	b1Reg("Multiply", i, b1MulInt, i, i)
	b1Reg("Multiply", l, b1MulLongFn, l, l)
	b1Reg("Multiply", d, b1DecOp2("Multiply", value.DecMul), d, d)
	b1Reg("Multiply", q, b1QtyMul, q, q)

	b1Reg("Divide", d, b1DecOp2("Divide", value.DecDiv), d, d)
	b1Reg("Divide", q, b1QtyDiv, q, q)

	b1Reg("TruncatedDivide", i, b1DivInt, i, i)
	b1Reg("TruncatedDivide", l, b1DivLong, l, l)
	b1Reg("TruncatedDivide", d, b1DecOp2("TruncatedDivide", value.DecTruncDiv), d, d)
	b1Reg("TruncatedDivide", q, b1QtyAddSub("TruncatedDivide", value.DecTruncDiv), q, q)

	b1Reg("Modulo", i, b1ModInt, i, i)
	b1Reg("Modulo", l, b1ModLong, l, l)
	b1Reg("Modulo", d, b1DecOp2("Modulo", value.DecMod), d, d)
	b1Reg("Modulo", q, b1QtyAddSub("Modulo", value.DecMod), q, q)

	b1Reg("Negate", i, b1NegInt, i)
	b1Reg("Negate", l, b1NegLong, l)
	b1Reg("Negate", d, b1NegDec, d)
	b1Reg("Negate", q, b1NegQty, q)

	b1Reg("Abs", i, b1AbsInt, i)
	b1Reg("Abs", l, b1AbsLong, l)
	b1Reg("Abs", d, b1AbsDec, d)
	b1Reg("Abs", q, b1AbsQty, q)

	b1Reg("Ceiling", i, b1ToIntegerWith("Ceiling", value.DecCeiling), d)
	b1Reg("Floor", i, b1ToIntegerWith("Floor", value.DecFloor), d)
	b1Reg("Truncate", i, b1ToIntegerWith("Truncate", value.DecTruncate), d)
	b1Reg("Round", d, b1Round, d)
	b1Reg("Round", d, b1Round, d, i)

	b1Reg("Ln", d, b1Ln, d)
	b1Reg("Exp", d, b1Exp, d)
	b1Reg("Log", d, b1Log, d, d)

	// Power(Integer, Integer) and Power(Long, Long) with a negative
	// exponent return a Decimal (Power(2, -2) = 0.25), as the conformance
	// suite expects.
	b1Reg("Power", i, b1PowInt, i, i)
	b1Reg("Power", l, b1PowLong, l, l)
	b1Reg("Power", d, b1PowDec, d, d)

	for _, t := range []types.Type{i, l, d, q, da, dt, tm} {
		b1Reg("Successor", t, b1Successor, t)
		b1Reg("Predecessor", t, b1Predecessor, t)
	}

	for _, t := range []types.Type{d, da, dt, tm} {
		b1Reg("Precision", i, b1Precision, t)
		b1Reg("LowBoundary", t, b1LowBoundary, t, i)
		b1Reg("HighBoundary", t, b1HighBoundary, t, i)
	}

	// MinValue/MaxValue receive the System type name as a String; the
	// checker fixes the result type.
	b1Reg("MinValue", types.Any, b1MinValue, types.String)
	b1Reg("MaxValue", types.Any, b1MaxValue, types.String)
}

// ---- Integer and Long -------------------------------------------------

func b1IntResult(r int64) value.Value {
	if r < math.MinInt32 || r > math.MaxInt32 {
		return nil
	}
	return value.Integer(r)
}

func b1AddInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("Add", a)
	if err != nil {
		return b1Redispatch(c, "Add", a)
	}
	if null {
		return nil, nil
	}
	return b1IntResult(int64(x) + int64(y)), nil
}

func b1SubInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("Subtract", a)
	if err != nil {
		return b1Redispatch(c, "Subtract", a)
	}
	if null {
		return nil, nil
	}
	return b1IntResult(int64(x) - int64(y)), nil
}

func b1MulInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("Multiply", a)
	if err != nil {
		return b1Redispatch(c, "Multiply", a)
	}
	if null {
		return nil, nil
	}
	return b1IntResult(int64(x) * int64(y)), nil
}

func b1DivInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("TruncatedDivide", a)
	if err != nil {
		return b1Redispatch(c, "TruncatedDivide", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	return b1IntResult(int64(x) / int64(y)), nil
}

func b1ModInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("Modulo", a)
	if err != nil {
		return b1Redispatch(c, "Modulo", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	return value.Integer(int64(x) % int64(y)), nil
}

func b1NegInt(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Integer]("Negate", a)
	if err != nil {
		return b1Redispatch(c, "Negate", a)
	}
	if null {
		return nil, nil
	}
	return b1IntResult(-int64(x)), nil
}

func b1AbsInt(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Integer]("Abs", a)
	if err != nil {
		return b1Redispatch(c, "Abs", a)
	}
	if null {
		return nil, nil
	}
	if x < 0 {
		return b1IntResult(-int64(x)), nil
	}
	return x, nil
}

// b1AddLongOK returns x+y and whether it did not overflow.
func b1AddLongOK(x, y int64) (int64, bool) {
	r := x + y
	return r, (x >= 0) != (y >= 0) || (r >= 0) == (x >= 0)
}

func b1SubLongOK(x, y int64) (int64, bool) {
	r := x - y
	return r, (x >= 0) == (y >= 0) || (r >= 0) == (x >= 0)
}

// b1MulLongOK returns x*y and whether it did not overflow.
func b1MulLongOK(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	neg := (x < 0) != (y < 0)
	ux, uy := uint64(x), uint64(y)
	if x < 0 {
		ux = -ux
	}
	if y < 0 {
		uy = -uy
	}
	hi, lo := bits.Mul64(ux, uy)
	if hi != 0 {
		return 0, false
	}
	if neg {
		if lo > 1<<63 {
			return 0, false
		}
		return int64(-lo), true
	}
	if lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

func b1LongResult(r int64, ok bool) value.Value {
	if !ok {
		return nil
	}
	return value.Long(r)
}

func b1AddLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("Add", a)
	if err != nil {
		return b1Redispatch(c, "Add", a)
	}
	if null {
		return nil, nil
	}
	return b1LongResult(b1AddLongOK(int64(x), int64(y))), nil
}

func b1SubLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("Subtract", a)
	if err != nil {
		return b1Redispatch(c, "Subtract", a)
	}
	if null {
		return nil, nil
	}
	return b1LongResult(b1SubLongOK(int64(x), int64(y))), nil
}

func b1MulLongFn(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("Multiply", a)
	if err != nil {
		return b1Redispatch(c, "Multiply", a)
	}
	if null {
		return nil, nil
	}
	return b1LongResult(b1MulLongOK(int64(x), int64(y))), nil
}

func b1DivLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("TruncatedDivide", a)
	if err != nil {
		return b1Redispatch(c, "TruncatedDivide", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	if x == math.MinInt64 && y == -1 {
		return nil, nil
	}
	return x / y, nil
}

func b1ModLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("Modulo", a)
	if err != nil {
		return b1Redispatch(c, "Modulo", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	if y == -1 {
		return value.Long(0), nil
	}
	return x % y, nil
}

func b1NegLong(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Long]("Negate", a)
	if err != nil {
		return b1Redispatch(c, "Negate", a)
	}
	if null || x == math.MinInt64 {
		return nil, nil
	}
	return -x, nil
}

func b1AbsLong(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Long]("Abs", a)
	if err != nil {
		return b1Redispatch(c, "Abs", a)
	}
	if null || x == math.MinInt64 {
		return nil, nil
	}
	if x < 0 {
		return -x, nil
	}
	return x, nil
}

// ---- Decimal -------------------------------------------------------------

// b1DecOp2 adapts a value.Dec* helper: errors (overflow, division by zero)
// give null.
func b1DecOp2(op string, f func(x, y value.Decimal) (value.Decimal, error)) Func {
	return func(c *Context, a []value.Value) (value.Value, error) {
		x, y, null, err := b1Args2[value.Decimal](op, a)
		if err != nil {
			return b1Redispatch(c, op, a)
		}
		if null {
			return nil, nil
		}
		r, err := f(x, y)
		if err != nil {
			return nil, nil
		}
		return r, nil
	}
}

func b1NegDec(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Decimal]("Negate", a)
	if err != nil {
		return b1Redispatch(c, "Negate", a)
	}
	if null {
		return nil, nil
	}
	return value.DecNeg(x), nil
}

func b1AbsDec(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Decimal]("Abs", a)
	if err != nil {
		return b1Redispatch(c, "Abs", a)
	}
	if null {
		return nil, nil
	}
	return value.DecAbs(x), nil
}

// b1ToIntegerWith rounds a Decimal to an integral value with f and returns
// it as an Integer, or null when it does not fit.
func b1ToIntegerWith(op string, f func(value.Decimal) (value.Decimal, error)) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		x, null, err := b1Arg1[value.Decimal](op, a)
		if null || err != nil {
			return nil, err
		}
		r, err := f(x)
		if err != nil {
			return nil, nil
		}
		n, err := value.DecToInt64(r)
		if err != nil {
			return nil, nil
		}
		return b1IntResult(n), nil
	}
}

// b1Round rounds half away from zero (Round(-1.5) = -2.0) to the given
// number of places, 0 when absent or null.
func b1Round(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Decimal]("Round", a)
	if null || err != nil {
		return nil, err
	}
	places := 0
	if len(a) > 1 && a[1] != nil {
		p, ok := a[1].(value.Integer)
		if !ok {
			return nil, b1TypeErr("Round", a[1])
		}
		places = int(p)
	}
	r, err := value.DecRound(x, places)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

// b1Ln is the natural logarithm: Ln(0) is an error (negative infinity),
// negative arguments give null.
func b1Ln(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Decimal]("Ln", a)
	if null || err != nil {
		return nil, err
	}
	switch x.D.Sign() {
	case 0:
		return nil, Errorf("Ln(0) is negative infinity, which is not a Decimal")
	case -1:
		return nil, nil
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Ln(r, x.D); err != nil {
		return nil, nil
	}
	return b1DecResult(b1TrimTo(r, 1)), nil
}

// b1Exp is e^x; a result beyond the Decimal range is an error.
func b1Exp(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Decimal]("Exp", a)
	if null || err != nil {
		return nil, err
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Exp(r, x.D); err != nil || r.Form != apd.Finite {
		return nil, Errorf("Exp(%s) is outside the Decimal range", b1DecText(x))
	}
	v, err := value.DecimalFromApd(b1TrimTo(r, 1))
	if err != nil {
		return nil, Errorf("Exp(%s) is outside the Decimal range", b1DecText(x))
	}
	return v, nil
}

// b1Log is the logarithm of x to a base; undefined cases give null.
func b1Log(_ *Context, a []value.Value) (value.Value, error) {
	x, base, null, err := b1Args2[value.Decimal]("Log", a)
	if null || err != nil {
		return nil, err
	}
	if x.D.Sign() <= 0 || base.D.Sign() <= 0 {
		return nil, nil
	}
	lb := new(apd.Decimal)
	if _, err := b1Ctx.Ln(lb, base.D); err != nil || lb.IsZero() {
		return nil, nil
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Ln(r, x.D); err != nil {
		return nil, nil
	}
	if _, err := b1Ctx.Quo(r, r, lb); err != nil {
		return nil, nil
	}
	return b1DecResult(b1TrimTo(r, 1)), nil
}

// b1PowInt computes x^y for Integers; see b1PowIntegral.
func b1PowInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Integer]("Power", a)
	if err != nil {
		return b1Redispatch(c, "Power", a)
	}
	if null {
		return nil, nil
	}
	return b1PowIntegral(int64(x), int64(y), math.MinInt32, math.MaxInt32, func(r int64) value.Value {
		return value.Integer(r)
	}), nil
}

func b1PowLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Long]("Power", a)
	if err != nil {
		return b1Redispatch(c, "Power", a)
	}
	if null {
		return nil, nil
	}
	return b1PowIntegral(int64(x), int64(y), math.MinInt64, math.MaxInt64, func(r int64) value.Value {
		return value.Long(r)
	}), nil
}

// b1PowIntegral raises x to y by repeated squaring, giving null on overflow
// beyond [lo, hi]. A negative exponent yields a Decimal (null for 0^-n).
func b1PowIntegral(x, y, lo, hi int64, box func(int64) value.Value) value.Value {
	if y < 0 {
		if x == 0 {
			return nil
		}
		r := new(apd.Decimal)
		if _, err := b1Ctx.Pow(r, apd.New(x, 0), apd.New(y, 0)); err != nil {
			return nil
		}
		return b1DecResult(b1TrimTo(r, 1))
	}
	result, base := int64(1), x
	for y > 0 {
		var ok bool
		if y&1 == 1 {
			if result, ok = b1MulLongOK(result, base); !ok || result < lo || result > hi {
				return nil
			}
		}
		y >>= 1
		if y > 0 {
			if base, ok = b1MulLongOK(base, base); !ok || base < lo || base > hi {
				// base is needed again and |base| >= 2, so the result
				// overflows too.
				return nil
			}
		}
	}
	return box(result)
}

// b1PowDec is x^y for Decimals: null when the result is undefined (a
// negative base with a fractional exponent, 0 to a negative power) or out
// of range.
func b1PowDec(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Decimal]("Power", a)
	if null || err != nil {
		return nil, err
	}
	if x.D.IsZero() && y.D.Sign() < 0 {
		return nil, nil
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Pow(r, x.D, y.D); err != nil {
		return nil, nil
	}
	return b1DecResult(b1TrimTo(r, max(1, -x.D.Exponent))), nil
}

// ---- Quantity ------------------------------------------------------------

// b1QtyPair extracts two Quantities with the second converted to the unit
// of the first; incompatible units give null.
func b1QtyPair(op string, a []value.Value) (x, y value.Quantity, null bool, err error) {
	x, y, null, err = b1Args2[value.Quantity](op, a)
	if null || err != nil {
		return
	}
	if x.Value.D == nil || y.Value.D == nil {
		null = true
		return
	}
	var aerr error
	if x, y, aerr = value.AlignQuantities(x, y); aerr != nil {
		null = true
	}
	return
}

// b1QtyAddSub applies f to the values of two quantities expressed in the
// first one's unit; the result keeps that unit. It serves Add, Subtract and
// also TruncatedDivide and Modulo, whose results the conformance suite
// expects in the operands' unit (10.0 'g' div 5.0 'g' = 2.0 'g').
func b1QtyAddSub(op string, f func(x, y value.Decimal) (value.Decimal, error)) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		x, y, null, err := b1QtyPair(op, a)
		if null || err != nil {
			return nil, err
		}
		r, err := f(x.Value, y.Value)
		if err != nil {
			return nil, nil
		}
		return value.Quantity{Value: r, Unit: x.Unit}, nil
	}
}

// b1QtyMul multiplies quantities; the unit is the UCUM product.
func b1QtyMul(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Quantity]("Multiply", a)
	if null || err != nil || x.Value.D == nil || y.Value.D == nil {
		return nil, err
	}
	r, err := value.MultiplyQuantities(x, y)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

// b1QtyDiv divides quantities; the unit is the UCUM quotient and division
// by zero gives null.
func b1QtyDiv(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := b1Args2[value.Quantity]("Divide", a)
	if null || err != nil || x.Value.D == nil || y.Value.D == nil {
		return nil, err
	}
	r, err := value.DivideQuantities(x, y)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

func b1NegQty(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Quantity]("Negate", a)
	if null || err != nil {
		return nil, err
	}
	return value.Quantity{Value: value.DecNeg(x.Value), Unit: x.Unit}, nil
}

func b1AbsQty(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := b1Arg1[value.Quantity]("Abs", a)
	if null || err != nil {
		return nil, err
	}
	return value.Quantity{Value: value.DecAbs(x.Value), Unit: x.Unit}, nil
}

// ---- Successor, Predecessor, Precision, boundaries, MinValue/MaxValue ---

func b1Successor(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	r, err := value.Successor(a[0])
	if err != nil {
		return nil, Errorf("successor: %v", err)
	}
	return r, nil
}

func b1Predecessor(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	r, err := value.Predecessor(a[0])
	if err != nil {
		return nil, Errorf("predecessor: %v", err)
	}
	return r, nil
}

// b1Precision is the number of digits of precision: places after the point
// for a Decimal, digits of the literal form for temporal values (4 for a
// year, 17 for a DateTime to the millisecond, 9 for a Time likewise).
func b1Precision(_ *Context, a []value.Value) (value.Value, error) {
	switch x := a[0].(type) {
	case nil:
		return nil, nil
	case value.Decimal:
		if x.D.Exponent >= 0 {
			return value.Integer(0), nil
		}
		return value.Integer(-x.D.Exponent), nil
	case value.Date:
		if x.Precision < value.Year || x.Precision > value.Day {
			return nil, nil
		}
		return value.Integer(b1DateDigits[x.Precision]), nil
	case value.DateTime:
		if x.Precision < value.Year || x.Precision > value.Millisecond {
			return nil, nil
		}
		return value.Integer(b1DateTimeDigits[x.Precision]), nil
	case value.Time:
		if x.Precision < value.Hour || x.Precision > value.Millisecond {
			return nil, nil
		}
		return value.Integer(b1TimeDigits[x.Precision]), nil
	}
	return nil, b1TypeErr("Precision", a[0])
}

// b1DigitsToPrecision maps a digit count to the finest precision whose
// literal has at most that many digits; ok is false when the count is out of
// range for the type.
func b1DigitsToPrecision(table []int, first value.Precision, digits int) (value.Precision, bool) {
	if digits < table[first] || digits > table[len(table)-1] {
		return value.Unset, false
	}
	p := first
	for q := first; int(q) < len(table); q++ {
		if table[q] <= digits {
			p = q
		}
	}
	return p, true
}

func b1LowBoundary(_ *Context, a []value.Value) (value.Value, error) {
	return b1Boundary(a, false)
}

func b1HighBoundary(_ *Context, a []value.Value) (value.Value, error) {
	return b1Boundary(a, true)
}

// b1Boundary computes the least (high=false) or greatest (high=true) value
// that the input could stand for at the given precision (digits; null
// means the finest precision of the type).
func b1Boundary(a []value.Value, high bool) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	digits, given := 0, false
	if len(a) > 1 && a[1] != nil {
		p, ok := a[1].(value.Integer)
		if !ok {
			return nil, b1TypeErr("LowBoundary", a[1])
		}
		digits, given = int(p), true
	}
	switch x := a[0].(type) {
	case value.Decimal:
		if !given {
			digits = 8
		}
		return b1DecBoundary(x, digits, high), nil
	case value.Date:
		if !given {
			digits = 8
		}
		p, ok := b1DigitsToPrecision(b1DateDigits[:], value.Year, digits)
		if !ok {
			return nil, nil
		}
		dt := b1DateTimeBoundary(value.DateTime{Year: x.Year, Month: x.Month, Day: x.Day, Precision: x.Precision}, p, high)
		return value.Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: p}, nil
	case value.DateTime:
		if !given {
			digits = 17
		}
		p, ok := b1DigitsToPrecision(b1DateTimeDigits[:], value.Year, digits)
		if !ok {
			return nil, nil
		}
		return b1DateTimeBoundary(x, p, high), nil
	case value.Time:
		if !given {
			digits = 9
		}
		p, ok := b1DigitsToPrecision(b1TimeDigits[:], value.Hour, digits)
		if !ok {
			return nil, nil
		}
		dt := b1DateTimeBoundary(value.DateTime{Year: 2000, Month: 1, Day: 1, Hour: x.Hour, Minute: x.Minute,
			Second: x.Second, Millisecond: x.Millisecond, Precision: x.Precision}, p, high)
		return value.Time{Hour: dt.Hour, Minute: dt.Minute, Second: dt.Second, Millisecond: dt.Millisecond, Precision: p}, nil
	}
	return nil, b1TypeErr("LowBoundary", a[0])
}

// b1DecBoundary pads (low) or fills with 9s (high) the digits of x beyond
// its own scale up to places digits; places outside 0..8 give null. For a
// negative number the roles swap: its low boundary is the larger magnitude.
func b1DecBoundary(x value.Decimal, places int, high bool) value.Value {
	if places < 0 || places > 8 {
		return nil
	}
	scale := 0
	if x.D.Exponent < 0 {
		scale = int(-x.D.Exponent)
	}
	fillNines := high != x.D.Negative
	r := new(apd.Decimal)
	if places <= scale {
		// Fewer digits than the input has: truncate toward zero.
		if _, err := b1Trunc(r, x.D, places); err != nil {
			return nil
		}
		return b1DecResult(r)
	}
	if _, err := b1Ctx.Quantize(r, x.D, int32(-places)); err != nil {
		return nil
	}
	if fillNines {
		// Add 0.0..099..9: nines from the input's scale to places.
		nines := new(apd.Decimal)
		one := apd.New(1, int32(-scale))
		step := apd.New(1, int32(-places))
		if _, err := b1Ctx.Sub(nines, one, step); err != nil {
			return nil
		}
		if x.D.Negative {
			nines.Negative = true
		}
		if _, err := b1Ctx.Add(r, r, nines); err != nil {
			return nil
		}
		if _, err := b1Ctx.Quantize(r, r, int32(-places)); err != nil {
			return nil
		}
	}
	return b1DecResult(r)
}

// b1Trunc truncates x toward zero to places digits after the point.
func b1Trunc(r, x *apd.Decimal, places int) (apd.Condition, error) {
	ctx := *b1Ctx
	ctx.Rounding = apd.RoundDown
	return ctx.Quantize(r, x, int32(-places))
}

// b1DateTimeBoundary sets the fields between the value's precision and p to
// their least or greatest values and gives the result precision p.
func b1DateTimeBoundary(x value.DateTime, p value.Precision, high bool) value.DateTime {
	r := x
	have := x.Precision
	if p < have {
		have = p
	}
	// Clear everything finer than what is known (fields are zero there
	// already for well-formed values), then fill up to p.
	if have < value.Month {
		r.Month = 1
		if high {
			r.Month = 12
		}
	}
	if have < value.Day {
		r.Day = 1
		if high {
			r.Day = b1DaysIn(r.Year, r.Month)
		}
	}
	if have < value.Hour {
		r.Hour = 0
		if high {
			r.Hour = 23
		}
	}
	if have < value.Minute {
		r.Minute = 0
		if high {
			r.Minute = 59
		}
	}
	if have < value.Second {
		r.Second = 0
		if high {
			r.Second = 59
		}
	}
	if have < value.Millisecond {
		r.Millisecond = 0
		if high {
			r.Millisecond = 999
		}
	}
	// Fields finer than p are not part of the result.
	if p < value.Millisecond {
		r.Millisecond = 0
	}
	if p < value.Second {
		r.Second = 0
	}
	if p < value.Minute {
		r.Minute = 0
	}
	if p < value.Hour {
		r.Hour = 0
	}
	if p < value.Day {
		r.Day = 0
	}
	if p < value.Month {
		r.Month = 0
	}
	r.Precision = p
	return r
}

func b1MinValue(_ *Context, a []value.Value) (value.Value, error) { return b1Extreme(a, false) }
func b1MaxValue(_ *Context, a []value.Value) (value.Value, error) { return b1Extreme(a, true) }

func b1Extreme(a []value.Value, max bool) (value.Value, error) {
	name, null, err := b1Arg1[value.String]("MinValue", a)
	if null || err != nil {
		return nil, err
	}
	n := strings.TrimPrefix(string(name), "System.")
	t, ok := types.System(n)
	if !ok {
		return nil, Errorf("unknown type %s", string(name))
	}
	var v value.Value
	if max {
		v, err = value.MaxValue(t)
	} else {
		v, err = value.MinValue(t)
	}
	if err != nil {
		return nil, Errorf("%v", err)
	}
	return v, nil
}

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

	reg("Add", i, addInt, i, i)
	reg("Add", l, addLong, l, l)
	reg("Add", d, decOp2("Add", value.DecAdd), d, d)
	reg("Add", q, qtyAddSub("Add", value.DecAdd), q, q)

	reg("Subtract", i, subInt, i, i)
	reg("Subtract", l, subLong, l, l)
	reg("Subtract", d, decOp2("Subtract", value.DecSub), d, d)
	reg("Subtract", q, qtyAddSub("Subtract", value.DecSub), q, q)

	reg("Multiply", i, mulInt, i, i)
	reg("Multiply", l, mulLongFn, l, l)
	reg("Multiply", d, decOp2("Multiply", value.DecMul), d, d)
	reg("Multiply", q, qtyMul, q, q)

	reg("Divide", d, decOp2("Divide", value.DecDiv), d, d)
	reg("Divide", q, qtyDiv, q, q)

	reg("TruncatedDivide", i, divInt, i, i)
	reg("TruncatedDivide", l, divLong, l, l)
	reg("TruncatedDivide", d, decOp2("TruncatedDivide", value.DecTruncDiv), d, d)
	reg("TruncatedDivide", q, qtyAddSub("TruncatedDivide", value.DecTruncDiv), q, q)

	reg("Modulo", i, modInt, i, i)
	reg("Modulo", l, modLong, l, l)
	reg("Modulo", d, decOp2("Modulo", value.DecMod), d, d)
	reg("Modulo", q, qtyAddSub("Modulo", value.DecMod), q, q)

	reg("Negate", i, negInt, i)
	reg("Negate", l, negLong, l)
	reg("Negate", d, negDec, d)
	reg("Negate", q, negQty, q)

	reg("Abs", i, absInt, i)
	reg("Abs", l, absLong, l)
	reg("Abs", d, absDec, d)
	reg("Abs", q, absQty, q)

	reg("Ceiling", i, toIntegerWith("Ceiling", value.DecCeiling), d)
	reg("Floor", i, toIntegerWith("Floor", value.DecFloor), d)
	reg("Truncate", i, toIntegerWith("Truncate", value.DecTruncate), d)
	reg("Round", d, round, d)
	reg("Round", d, round, d, i)

	reg("Ln", d, arithLn, d)
	reg("Exp", d, arithExp, d)
	reg("Log", d, arithLog, d, d)

	// Power(Integer, Integer) and Power(Long, Long) with a negative
	// exponent return a Decimal (Power(2, -2) = 0.25), as the conformance
	// suite expects.
	reg("Power", i, powInt, i, i)
	reg("Power", l, powLong, l, l)
	reg("Power", d, powDec, d, d)

	for _, t := range []types.Type{i, l, d, q, da, dt, tm} {
		reg("Successor", t, successorOp, t)
		reg("Predecessor", t, predecessorOp, t)
	}

	for _, t := range []types.Type{d, da, dt, tm} {
		reg("Precision", i, precisionOp, t)
		reg("LowBoundary", t, lowBoundary, t, i)
		reg("HighBoundary", t, highBoundary, t, i)
	}

	// MinValue/MaxValue receive the System type name as a String; the
	// checker fixes the result type.
	reg("MinValue", types.Any, minValue, types.String)
	reg("MaxValue", types.Any, maxValue, types.String)
}

// ---- Integer and Long -------------------------------------------------

func intResult(r int64) value.Value {
	if r < math.MinInt32 || r > math.MaxInt32 {
		return nil
	}
	return value.Integer(r)
}

func addInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("Add", a)
	if err != nil {
		return redispatch(c, "Add", a)
	}
	if null {
		return nil, nil
	}
	return intResult(int64(x) + int64(y)), nil
}

func subInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("Subtract", a)
	if err != nil {
		return redispatch(c, "Subtract", a)
	}
	if null {
		return nil, nil
	}
	return intResult(int64(x) - int64(y)), nil
}

func mulInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("Multiply", a)
	if err != nil {
		return redispatch(c, "Multiply", a)
	}
	if null {
		return nil, nil
	}
	return intResult(int64(x) * int64(y)), nil
}

func divInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("TruncatedDivide", a)
	if err != nil {
		return redispatch(c, "TruncatedDivide", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	return intResult(int64(x) / int64(y)), nil
}

func modInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("Modulo", a)
	if err != nil {
		return redispatch(c, "Modulo", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	return value.Integer(int64(x) % int64(y)), nil
}

func negInt(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Integer]("Negate", a)
	if err != nil {
		return redispatch(c, "Negate", a)
	}
	if null {
		return nil, nil
	}
	return intResult(-int64(x)), nil
}

func absInt(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Integer]("Abs", a)
	if err != nil {
		return redispatch(c, "Abs", a)
	}
	if null {
		return nil, nil
	}
	if x < 0 {
		return intResult(-int64(x)), nil
	}
	return x, nil
}

// addLongOK returns x+y and whether it did not overflow.
func addLongOK(x, y int64) (int64, bool) {
	r := x + y
	return r, (x >= 0) != (y >= 0) || (r >= 0) == (x >= 0)
}

func subLongOK(x, y int64) (int64, bool) {
	r := x - y
	return r, (x >= 0) == (y >= 0) || (r >= 0) == (x >= 0)
}

// mulLongOK returns x*y and whether it did not overflow.
func mulLongOK(x, y int64) (int64, bool) {
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

func longResult(r int64, ok bool) value.Value {
	if !ok {
		return nil
	}
	return value.Long(r)
}

func addLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("Add", a)
	if err != nil {
		return redispatch(c, "Add", a)
	}
	if null {
		return nil, nil
	}
	return longResult(addLongOK(int64(x), int64(y))), nil
}

func subLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("Subtract", a)
	if err != nil {
		return redispatch(c, "Subtract", a)
	}
	if null {
		return nil, nil
	}
	return longResult(subLongOK(int64(x), int64(y))), nil
}

func mulLongFn(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("Multiply", a)
	if err != nil {
		return redispatch(c, "Multiply", a)
	}
	if null {
		return nil, nil
	}
	return longResult(mulLongOK(int64(x), int64(y))), nil
}

func divLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("TruncatedDivide", a)
	if err != nil {
		return redispatch(c, "TruncatedDivide", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	if x == math.MinInt64 && y == -1 {
		return nil, nil
	}
	return x / y, nil
}

func modLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("Modulo", a)
	if err != nil {
		return redispatch(c, "Modulo", a)
	}
	if null || y == 0 {
		return nil, nil
	}
	if y == -1 {
		return value.Long(0), nil
	}
	return x % y, nil
}

func negLong(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Long]("Negate", a)
	if err != nil {
		return redispatch(c, "Negate", a)
	}
	if null || x == math.MinInt64 {
		return nil, nil
	}
	return -x, nil
}

func absLong(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Long]("Abs", a)
	if err != nil {
		return redispatch(c, "Abs", a)
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

// decOp2 adapts a value.Dec* helper: errors (overflow, division by zero)
// give null.
func decOp2(op string, f func(x, y value.Decimal) (value.Decimal, error)) Func {
	return func(c *Context, a []value.Value) (value.Value, error) {
		x, y, null, err := args2[value.Decimal](op, a)
		if err != nil {
			return redispatch(c, op, a)
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

func negDec(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Decimal]("Negate", a)
	if err != nil {
		return redispatch(c, "Negate", a)
	}
	if null {
		return nil, nil
	}
	return value.DecNeg(x), nil
}

func absDec(c *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Decimal]("Abs", a)
	if err != nil {
		return redispatch(c, "Abs", a)
	}
	if null {
		return nil, nil
	}
	return value.DecAbs(x), nil
}

// toIntegerWith rounds a Decimal to an integral value with f and returns
// it as an Integer, or null when it does not fit.
func toIntegerWith(op string, f func(value.Decimal) (value.Decimal, error)) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		x, null, err := arg1[value.Decimal](op, a)
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
		return intResult(n), nil
	}
}

// round rounds half away from zero (Round(-1.5) = -2.0) to the given
// number of places, 0 when absent or null.
func round(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Decimal]("Round", a)
	if null || err != nil {
		return nil, err
	}
	places := 0
	if len(a) > 1 && a[1] != nil {
		p, ok := a[1].(value.Integer)
		if !ok {
			return nil, typeErr("Round", a[1])
		}
		places = int(p)
	}
	r, err := value.DecRound(x, places)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

// arithLn is the natural logarithm: Ln(0) is an error (negative infinity),
// negative arguments give null.
func arithLn(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Decimal]("Ln", a)
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
	if _, err := decCtx.Ln(r, x.D); err != nil {
		return nil, nil
	}
	return decResult(trimTo(r, 1)), nil
}

// arithExp is e^x; a result beyond the Decimal range is an error.
func arithExp(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Decimal]("Exp", a)
	if null || err != nil {
		return nil, err
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Exp(r, x.D); err != nil || r.Form != apd.Finite {
		return nil, Errorf("Exp(%s) is outside the Decimal range", decText(x))
	}
	v, err := value.DecimalFromApd(trimTo(r, 1))
	if err != nil {
		return nil, Errorf("Exp(%s) is outside the Decimal range", decText(x))
	}
	return v, nil
}

// arithLog is the logarithm of x to a base; undefined cases give null.
func arithLog(_ *Context, a []value.Value) (value.Value, error) {
	x, base, null, err := args2[value.Decimal]("Log", a)
	if null || err != nil {
		return nil, err
	}
	if x.D.Sign() <= 0 || base.D.Sign() <= 0 {
		return nil, nil
	}
	lb := new(apd.Decimal)
	if _, err := decCtx.Ln(lb, base.D); err != nil || lb.IsZero() {
		return nil, nil
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Ln(r, x.D); err != nil {
		return nil, nil
	}
	if _, err := decCtx.Quo(r, r, lb); err != nil {
		return nil, nil
	}
	return decResult(trimTo(r, 1)), nil
}

// powInt computes x^y for Integers; see powIntegral.
func powInt(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Integer]("Power", a)
	if err != nil {
		return redispatch(c, "Power", a)
	}
	if null {
		return nil, nil
	}
	return powIntegral(int64(x), int64(y), math.MinInt32, math.MaxInt32, func(r int64) value.Value {
		return value.Integer(r)
	}), nil
}

func powLong(c *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Long]("Power", a)
	if err != nil {
		return redispatch(c, "Power", a)
	}
	if null {
		return nil, nil
	}
	return powIntegral(int64(x), int64(y), math.MinInt64, math.MaxInt64, func(r int64) value.Value {
		return value.Long(r)
	}), nil
}

// powIntegral raises x to y by repeated squaring, giving null on overflow
// beyond [lo, hi]. A negative exponent yields a Decimal (null for 0^-n).
func powIntegral(x, y, lo, hi int64, box func(int64) value.Value) value.Value {
	if y < 0 {
		if x == 0 {
			return nil
		}
		r := new(apd.Decimal)
		if _, err := decCtx.Pow(r, apd.New(x, 0), apd.New(y, 0)); err != nil {
			return nil
		}
		return decResult(trimTo(r, 1))
	}
	result, base := int64(1), x
	for y > 0 {
		var ok bool
		if y&1 == 1 {
			if result, ok = mulLongOK(result, base); !ok || result < lo || result > hi {
				return nil
			}
		}
		y >>= 1
		if y > 0 {
			if base, ok = mulLongOK(base, base); !ok || base < lo || base > hi {
				// base is needed again and |base| >= 2, so the result
				// overflows too.
				return nil
			}
		}
	}
	return box(result)
}

// powDec is x^y for Decimals: null when the result is undefined (a
// negative base with a fractional exponent, 0 to a negative power) or out
// of range.
func powDec(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Decimal]("Power", a)
	if null || err != nil {
		return nil, err
	}
	if x.D.IsZero() && y.D.Sign() < 0 {
		return nil, nil
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Pow(r, x.D, y.D); err != nil {
		return nil, nil
	}
	return decResult(trimTo(r, max(1, -x.D.Exponent))), nil
}

// ---- Quantity ------------------------------------------------------------

// qtyPair extracts two Quantities with the second converted to the unit
// of the first; incompatible units give null.
func qtyPair(op string, a []value.Value) (x, y value.Quantity, null bool, err error) {
	x, y, null, err = args2[value.Quantity](op, a)
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

// qtyAddSub applies f to the values of two quantities expressed in the
// first one's unit; the result keeps that unit. It serves Add, Subtract and
// also TruncatedDivide and Modulo, whose results the conformance suite
// expects in the operands' unit (10.0 'g' div 5.0 'g' = 2.0 'g').
func qtyAddSub(op string, f func(x, y value.Decimal) (value.Decimal, error)) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		x, y, null, err := qtyPair(op, a)
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

// qtyMul multiplies quantities; the unit is the UCUM product.
func qtyMul(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Quantity]("Multiply", a)
	if null || err != nil || x.Value.D == nil || y.Value.D == nil {
		return nil, err
	}
	r, err := value.MultiplyQuantities(x, y)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

// qtyDiv divides quantities; the unit is the UCUM quotient and division
// by zero gives null.
func qtyDiv(_ *Context, a []value.Value) (value.Value, error) {
	x, y, null, err := args2[value.Quantity]("Divide", a)
	if null || err != nil || x.Value.D == nil || y.Value.D == nil {
		return nil, err
	}
	r, err := value.DivideQuantities(x, y)
	if err != nil {
		return nil, nil
	}
	return r, nil
}

func negQty(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Quantity]("Negate", a)
	if null || err != nil {
		return nil, err
	}
	return value.Quantity{Value: value.DecNeg(x.Value), Unit: x.Unit}, nil
}

func absQty(_ *Context, a []value.Value) (value.Value, error) {
	x, null, err := arg1[value.Quantity]("Abs", a)
	if null || err != nil {
		return nil, err
	}
	return value.Quantity{Value: value.DecAbs(x.Value), Unit: x.Unit}, nil
}

// ---- Successor, Predecessor, Precision, boundaries, MinValue/MaxValue ---

func successorOp(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	r, err := value.Successor(a[0])
	if err != nil {
		return nil, Errorf("successor: %v", err)
	}
	return r, nil
}

func predecessorOp(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	r, err := value.Predecessor(a[0])
	if err != nil {
		return nil, Errorf("predecessor: %v", err)
	}
	return r, nil
}

// precisionOp is the number of digits of precision: places after the point
// for a Decimal, digits of the literal form for temporal values (4 for a
// year, 17 for a DateTime to the millisecond, 9 for a Time likewise).
func precisionOp(_ *Context, a []value.Value) (value.Value, error) {
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
		return value.Integer(dateDigits[x.Precision]), nil
	case value.DateTime:
		if x.Precision < value.Year || x.Precision > value.Millisecond {
			return nil, nil
		}
		return value.Integer(dateTimeDigits[x.Precision]), nil
	case value.Time:
		if x.Precision < value.Hour || x.Precision > value.Millisecond {
			return nil, nil
		}
		return value.Integer(timeDigits[x.Precision]), nil
	}
	return nil, typeErr("Precision", a[0])
}

// digitsToPrecision maps a digit count to the finest precision whose
// literal has at most that many digits; ok is false when the count is out of
// range for the type.
func digitsToPrecision(table []int, first value.Precision, digits int) (value.Precision, bool) {
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

func lowBoundary(_ *Context, a []value.Value) (value.Value, error) {
	return boundaryOf(a, false)
}

func highBoundary(_ *Context, a []value.Value) (value.Value, error) {
	return boundaryOf(a, true)
}

// boundaryOf computes the least (high=false) or greatest (high=true) value
// that the input could stand for at the given precision (digits; null
// means the finest precision of the type).
func boundaryOf(a []value.Value, high bool) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	digits, given := 0, false
	if len(a) > 1 && a[1] != nil {
		p, ok := a[1].(value.Integer)
		if !ok {
			return nil, typeErr("LowBoundary", a[1])
		}
		digits, given = int(p), true
	}
	switch x := a[0].(type) {
	case value.Decimal:
		if !given {
			digits = 8
		}
		return decBoundary(x, digits, high), nil
	case value.Date:
		if !given {
			digits = 8
		}
		p, ok := digitsToPrecision(dateDigits[:], value.Year, digits)
		if !ok {
			return nil, nil
		}
		dt := dateTimeBoundary(value.DateTime{Year: x.Year, Month: x.Month, Day: x.Day, Precision: x.Precision}, p, high)
		return value.Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: p}, nil
	case value.DateTime:
		if !given {
			digits = 17
		}
		p, ok := digitsToPrecision(dateTimeDigits[:], value.Year, digits)
		if !ok {
			return nil, nil
		}
		return dateTimeBoundary(x, p, high), nil
	case value.Time:
		if !given {
			digits = 9
		}
		p, ok := digitsToPrecision(timeDigits[:], value.Hour, digits)
		if !ok {
			return nil, nil
		}
		dt := dateTimeBoundary(value.DateTime{Year: 2000, Month: 1, Day: 1, Hour: x.Hour, Minute: x.Minute,
			Second: x.Second, Millisecond: x.Millisecond, Precision: x.Precision}, p, high)
		return value.Time{Hour: dt.Hour, Minute: dt.Minute, Second: dt.Second, Millisecond: dt.Millisecond, Precision: p}, nil
	}
	return nil, typeErr("LowBoundary", a[0])
}

// decBoundary pads (low) or fills with 9s (high) the digits of x beyond
// its own scale up to places digits; places outside 0..8 give null. For a
// negative number the roles swap: its low boundary is the larger magnitude.
func decBoundary(x value.Decimal, places int, high bool) value.Value {
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
		if _, err := decTrunc(r, x.D, places); err != nil {
			return nil
		}
		return decResult(r)
	}
	if _, err := decCtx.Quantize(r, x.D, int32(-places)); err != nil {
		return nil
	}
	if fillNines {
		// Add 0.0..099..9: nines from the input's scale to places.
		nines := new(apd.Decimal)
		one := apd.New(1, int32(-scale))
		step := apd.New(1, int32(-places))
		if _, err := decCtx.Sub(nines, one, step); err != nil {
			return nil
		}
		if x.D.Negative {
			nines.Negative = true
		}
		if _, err := decCtx.Add(r, r, nines); err != nil {
			return nil
		}
		if _, err := decCtx.Quantize(r, r, int32(-places)); err != nil {
			return nil
		}
	}
	return decResult(r)
}

// decTrunc truncates x toward zero to places digits after the point.
func decTrunc(r, x *apd.Decimal, places int) (apd.Condition, error) {
	ctx := *decCtx
	ctx.Rounding = apd.RoundDown
	return ctx.Quantize(r, x, int32(-places))
}

// dateTimeBoundary sets the fields between the value's precision and p to
// their least or greatest values and gives the result precision p.
func dateTimeBoundary(x value.DateTime, p value.Precision, high bool) value.DateTime {
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
			r.Day = value.DaysInMonth(r.Year, r.Month)
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
	r = clearFinerThan(r, p)
	r.Precision = p
	return r
}

func minValue(_ *Context, a []value.Value) (value.Value, error) { return typeExtreme(a, false) }
func maxValue(_ *Context, a []value.Value) (value.Value, error) { return typeExtreme(a, true) }

func typeExtreme(a []value.Value, max bool) (value.Value, error) {
	name, null, err := arg1[value.String]("MinValue", a)
	if null || err != nil {
		return nil, err
	}
	n := strings.TrimPrefix(string(name), "System.")
	t, ok := types.System(n)
	if !ok {
		return nil, Errorf("unknown type %s", string(name))
	}
	v, err := minOrMax(t, max)
	if err != nil {
		return nil, Errorf("%v", err)
	}
	return v, nil
}

// minOrMax is value.MaxValue(t) when max, else value.MinValue(t).
func minOrMax(t types.Type, max bool) (value.Value, error) {
	if max {
		return value.MaxValue(t)
	}
	return value.MinValue(t)
}

package value

import (
	"errors"
	"fmt"

	"github.com/ccg-project/ccg/cql/ucum"
	"github.com/cockroachdb/apd/v3"
)

// Quantity units
//
// A Quantity's unit is either a UCUM expression or a CQL calendar duration
// keyword (year, month, week, day, hour, minute, second, millisecond and
// plurals). The weeks-and-finer keywords are the same durations as the UCUM
// units 'wk', 'd', 'h', 'min', 's', 'ms' and compare equal with them. Years
// and months are calendar durations: they are equal only to calendar years
// and months (1 year = 12 months), and comparing them with any other
// duration (UCUM 'a', 'mo', days, ...) for equality or order is unknown
// (null). For equivalence (~) years and months count as UCUM 'a' and 'mo',
// so 1 year ~ 1 'a', 1 year ~ 365 days and 1 month ~ 30 days hold.

// UCUMUnit maps a CQL calendar duration keyword (year, weeks, ...) to its
// UCUM unit; other units are returned unchanged ("" becomes "1").
func UCUMUnit(unit string) string {
	switch unit {
	case "":
		return "1"
	case "year", "years":
		return "a"
	case "month", "months":
		return "mo"
	case "week", "weeks":
		return "wk"
	case "day", "days":
		return "d"
	case "hour", "hours":
		return "h"
	case "minute", "minutes":
		return "min"
	case "second", "seconds":
		return "s"
	case "millisecond", "milliseconds":
		return "ms"
	}
	return unit
}

func isCalendarYearMonth(unit string) bool {
	switch unit {
	case "year", "years", "month", "months":
		return true
	}
	return false
}

// quantityExactComparable reports whether quantities with units a and b
// can be compared exactly: false when exactly one of them is a calendar
// year or month keyword, which makes the comparison unknown.
func quantityExactComparable(a, b string) bool {
	return isCalendarYearMonth(a) == isCalendarYearMonth(b)
}

// convertValue converts v from unit from to unit to (both already mapped to
// UCUM).
func convertValue(v Decimal, from, to string) (Decimal, error) {
	if from == to {
		return v, nil
	}
	r, err := ucum.Convert(v.D, from, to)
	if err != nil {
		return Decimal{}, err
	}
	keep := v.D.Exponent
	if keep > 0 {
		keep = 0
	}
	if _, err := decCtx.Quantize(r, r, -MaxScale); err != nil {
		return Decimal{}, ErrOverflow
	}
	trimZeros(r, keep)
	return finish(r)
}

// ConvertQuantity converts q to unit (UCUM or calendar keyword). Calendar
// years and months convert as UCUM 'a' and 'mo'. The value keeps at least
// its own number of decimal places and at most 8.
func ConvertQuantity(q Quantity, unit string) (Quantity, error) {
	if q.Value.D == nil {
		return Quantity{}, errors.New("null quantity value")
	}
	if q.Unit == unit {
		return q, nil
	}
	v, err := convertValue(q.Value, UCUMUnit(q.Unit), UCUMUnit(unit))
	if err != nil {
		return Quantity{}, err
	}
	return Quantity{Value: v, Unit: unit}, nil
}

// CanConvertUnit reports whether a quantity in unit from can be converted
// to unit to.
func CanConvertUnit(from, to string) bool {
	return ucum.Commensurable(UCUMUnit(from), UCUMUnit(to))
}

// commonValues returns the values of a and b in a common unit.
func commonValues(a, b Quantity) (Decimal, Decimal, bool) {
	if a.Unit == b.Unit {
		return a.Value, b.Value, true
	}
	ua, ub := UCUMUnit(a.Unit), UCUMUnit(b.Unit)
	if ua == ub {
		return a.Value, b.Value, true
	}
	// Convert toward the finer unit so that no digits are lost: try b to
	// a's unit, and use whichever direction the units allow.
	bv, err := convertValue(b.Value, ub, ua)
	if err != nil {
		return Decimal{}, Decimal{}, false
	}
	return a.Value, bv, true
}

func compareQuantity(a, b Quantity) (int, bool) {
	if a.Value.D == nil || b.Value.D == nil {
		return 0, false
	}
	if a.Unit == b.Unit {
		return a.Value.D.Cmp(b.Value.D), true
	}
	if !quantityExactComparable(a.Unit, b.Unit) {
		return 0, false
	}
	if isCalendarYearMonth(a.Unit) {
		// both calendar years/months: compare in months exactly.
		return monthsOf(a).D.Cmp(monthsOf(b).D), true
	}
	// compare in the canonical unit to be symmetric
	av, bv, ok := canonicalPair(a, b)
	if !ok {
		return 0, false
	}
	return av.Cmp(bv), true
}

func monthsOf(q Quantity) Decimal {
	if q.Unit == "year" || q.Unit == "years" {
		m, err := DecMul(q.Value, DecimalFromInt(12))
		if err == nil {
			return m
		}
	}
	return q.Value
}

// canonicalPair converts both values to the canonical unit of their
// dimension (exact to 40 digits), failing for incommensurable units.
func canonicalPair(a, b Quantity) (*apd.Decimal, *apd.Decimal, bool) {
	ua, ub := UCUMUnit(a.Unit), UCUMUnit(b.Unit)
	ca, fa, err1 := ucum.Canonical(ua)
	cb, fb, err2 := ucum.Canonical(ub)
	if err1 != nil || err2 != nil || ca != cb {
		return nil, nil, false
	}
	if sp(ua) || sp(ub) {
		// temperatures: convert b into a's unit instead
		bv, err := convertValue(b.Value, ub, ua)
		if err != nil {
			return nil, nil, false
		}
		return a.Value.D, bv.D, true
	}
	x, y := new(apd.Decimal), new(apd.Decimal)
	if _, err := decCtx.Mul(x, a.Value.D, fa); err != nil {
		return nil, nil, false
	}
	if _, err := decCtx.Mul(y, b.Value.D, fb); err != nil {
		return nil, nil, false
	}
	return x, y, true
}

func sp(u string) bool { return u == "Cel" || u == "[degF]" }

func equalQuantity(a, b Quantity) Value {
	c, ok := compareQuantity(a, b)
	if !ok {
		return nil
	}
	return Boolean(c == 0)
}

func equivalentQuantity(a, b Quantity) bool {
	if a.Value.D == nil || b.Value.D == nil {
		return a.Value.D == nil && b.Value.D == nil
	}
	av, bv, ok := commonValues(a, b)
	if !ok {
		return false
	}
	return decEquivalent(av, bv)
}

// MultiplyQuantities returns a*b with the product unit ('cm' * 'cm' =
// 'cm2'; a dimensionless '1' operand keeps the other's unit).
func MultiplyQuantities(a, b Quantity) (Quantity, error) { return multiplyQuantities(a, b) }

func multiplyQuantities(a, b Quantity) (Quantity, error) {
	v, err := DecMul(a.Value, b.Value)
	if err != nil {
		return Quantity{}, err
	}
	return Quantity{Value: v, Unit: ucum.Multiply(UCUMUnit(a.Unit), UCUMUnit(b.Unit))}, nil
}

// DivideQuantities returns a/b with the quotient unit ('g/cm3' / 'g/cm3'
// = '1'). Division by zero returns ErrDivByZero.
func DivideQuantities(a, b Quantity) (Quantity, error) {
	if a.Value.D == nil || b.Value.D == nil {
		return Quantity{}, fmt.Errorf("null quantity value")
	}
	bu := UCUMUnit(b.Unit)
	au := UCUMUnit(a.Unit)
	v, err := DecDiv(a.Value, b.Value)
	if err != nil {
		return Quantity{}, err
	}
	return Quantity{Value: v, Unit: ucum.Divide(au, bu)}, nil
}

// AlignQuantities returns a and b expressed in a common unit (b converted
// to a's unit when they differ) for Add/Subtract/Min/Max and friends.
func AlignQuantities(a, b Quantity) (Quantity, Quantity, error) {
	if a.Unit == b.Unit {
		return a, b, nil
	}
	if !quantityExactComparable(a.Unit, b.Unit) {
		return a, b, fmt.Errorf("cannot combine quantities in %q and %q", a.Unit, b.Unit)
	}
	bv, err := convertValue(b.Value, UCUMUnit(b.Unit), UCUMUnit(a.Unit))
	if err != nil {
		return a, b, err
	}
	return a, Quantity{Value: bv, Unit: a.Unit}, nil
}

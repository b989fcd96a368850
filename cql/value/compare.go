package value

import (
	"cmp"
	"strings"
	"unicode"

	"github.com/ccg-project/ccg/cql/types"
)

var typeInteger types.Type = types.Integer

// Compare orders a and b: -1, 0 or 1. ok is false when either is null, the
// values are not comparable (different types, incommensurable units) or
// the order is uncertain (Date/DateTime/Time values of different
// precisions whose shared fields are equal; uncertainty intervals that
// overlap). Integer, Long, Decimal and String comparisons do not allocate.
//
// Uncertainty intervals: an Interval whose bounds are Integers (as
// returned by DurationBetween/DifferenceBetween) compares with an Integer
// or another such interval as the range of possible values: definitely
// less, definitely greater, equal only when both are the same single
// point, otherwise uncertain (ok=false).
func Compare(a, b Value) (int, bool) {
	switch x := a.(type) {
	case Integer:
		switch y := b.(type) {
		case Integer:
			return cmpOrdered(x, y), true
		case Interval:
			c, ok := compareUncertain(Interval{Low: x, High: x, LowClosed: true, HighClosed: true}, y)
			return c, ok
		}
	case Long:
		if y, ok := b.(Long); ok {
			return cmpOrdered(x, y), true
		}
	case String:
		if y, ok := b.(String); ok {
			return strings.Compare(string(x), string(y)), true
		}
	case Decimal:
		if y, ok := b.(Decimal); ok {
			return x.D.Cmp(y.D), true
		}
	case Boolean:
		if y, ok := b.(Boolean); ok {
			switch {
			case x == y:
				return 0, true
			case !bool(x):
				return -1, true
			}
			return 1, true
		}
	case DateTime:
		if y, ok := b.(DateTime); ok && x.Precision == y.Precision && x.OffsetMinutes == y.OffsetMinutes {
			// fast path: same precision and offset compare field by field.
			return fastFields(x, y), true
		}
		return CompareAt(a, b, Unset)
	case Date, Time:
		return CompareAt(a, b, Unset)
	case Quantity:
		if y, ok := b.(Quantity); ok {
			return compareQuantity(x, y)
		}
	case Interval:
		switch y := b.(type) {
		case Integer:
			return compareUncertain(x, Interval{Low: y, High: y, LowClosed: true, HighClosed: true})
		case Interval:
			return compareUncertain(x, y)
		}
	}
	return 0, false
}

func cmpOrdered[T ~int32 | ~int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func uncertainBounds(i Interval) (lo, hi Integer, ok bool) {
	l, ok1 := i.Low.(Integer)
	h, ok2 := i.High.(Integer)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	if !i.LowClosed {
		l++
	}
	if !i.HighClosed {
		h--
	}
	return l, h, true
}

func compareUncertain(a, b Interval) (int, bool) {
	al, ah, ok1 := uncertainBounds(a)
	bl, bh, ok2 := uncertainBounds(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	switch {
	case ah < bl:
		return -1, true
	case al > bh:
		return 1, true
	case al == ah && bl == bh && al == bl:
		return 0, true
	}
	return 0, false
}

// IsUncertainty reports whether v is an uncertainty interval, i.e. an
// Interval with Integer bounds as produced by DurationBetween and
// DifferenceBetween for imprecise operands.
func IsUncertainty(v Value) bool {
	i, ok := v.(Interval)
	if !ok {
		return false
	}
	_, _, ok = uncertainBounds(i)
	return ok
}

// Equal implements CQL `=`: Boolean(true/false), or nil (null) when either
// operand is null or the answer is unknown (temporal values of different
// precision, calendar years/months compared with UCUM durations, a null
// element met in a list/tuple/interval before any difference).
//
// Lists, tuples and intervals compare element by element in order: the
// first unequal pair gives false, the first unknown pair gives null, and
// two null elements count as equal. Integer compared with an uncertainty
// interval is false when outside, true when the interval is that single
// point, null otherwise.
func Equal(a, b Value) Value {
	if a == nil || b == nil {
		return nil
	}
	switch x := a.(type) {
	case Integer:
		switch y := b.(type) {
		case Integer:
			return Boolean(x == y)
		case Interval:
			return equalFromCompare(Compare(x, y))
		}
	case Long:
		if y, ok := b.(Long); ok {
			return Boolean(x == y)
		}
	case String:
		if y, ok := b.(String); ok {
			return Boolean(x == y)
		}
	case Boolean:
		if y, ok := b.(Boolean); ok {
			return Boolean(x == y)
		}
	case Decimal:
		if y, ok := b.(Decimal); ok {
			return Boolean(x.D.Cmp(y.D) == 0)
		}
	case Date, DateTime, Time:
		c, ok := Compare(a, b)
		if !ok {
			if _, _, comparable := asTemporalPair(a, b); !comparable {
				if m, ok := b.(Model); ok {
					return m.EqualTo(a)
				}
				return Boolean(false)
			}
			return nil
		}
		return Boolean(c == 0)
	case Quantity:
		if y, ok := b.(Quantity); ok {
			return equalQuantity(x, y)
		}
	case Ratio:
		if y, ok := b.(Ratio); ok {
			return seqEqual(2, func(i int) Value {
				if i == 0 {
					return Equal(x.Numerator, y.Numerator)
				}
				return Equal(x.Denominator, y.Denominator)
			})
		}
	case Code:
		if y, ok := b.(Code); ok {
			return Boolean(x.Code == y.Code && x.System == y.System && x.Version == y.Version)
		}
	case Concept:
		if y, ok := b.(Concept); ok {
			if len(x.Codes) != len(y.Codes) || x.Display != y.Display {
				return Boolean(false)
			}
			return seqEqual(len(x.Codes), func(i int) Value { return Equal(x.Codes[i], y.Codes[i]) })
		}
	case List:
		if y, ok := b.(List); ok {
			if len(x.Elems) != len(y.Elems) {
				return Boolean(false)
			}
			return seqEqual(len(x.Elems), func(i int) Value { return elemEqual(x.Elems[i], y.Elems[i]) })
		}
	case Tuple:
		if y, ok := b.(Tuple); ok {
			if !sameNames(x, y) {
				return Boolean(false)
			}
			return seqEqual(len(x.Names), func(i int) Value {
				yv, _ := y.Get(x.Names[i])
				return elemEqual(x.Values[i], yv)
			})
		}
	case Interval:
		switch y := b.(type) {
		case Interval:
			xl, xh := closedBounds(x)
			yl, yh := closedBounds(y)
			return seqEqual(2, func(i int) Value {
				if i == 0 {
					return elemEqualBound(xl, yl, x.LowClosed || y.LowClosed)
				}
				return elemEqualBound(xh, yh, x.HighClosed || y.HighClosed)
			})
		case Integer:
			return equalFromCompare(Compare(x, y))
		}
	case ValueSetRef:
		if y, ok := b.(ValueSetRef); ok {
			return Boolean(x.ID == y.ID && x.Version == y.Version)
		}
	case CodeSystemRef:
		if y, ok := b.(CodeSystemRef); ok {
			return Boolean(x == y)
		}
	}
	if r, ok := modelEqual(a, b); ok {
		return r
	}
	return Boolean(false)
}

// Model is implemented by values of a data model (FHIR resources and
// elements) that compare as CQL structured values: equal (and equivalent)
// when they are of the same type and their elements are. A model
// primitive (FHIR.string) may also be compared with its System value.
type Model interface {
	Value
	// EqualTo is `=` with a non-null value b: Boolean, or nil when unknown.
	EqualTo(b Value) Value
	// EquivalentTo is `~` with a non-null value b.
	EquivalentTo(b Value) bool
}

// HashKeyer is implemented by model values that have hash keys for the
// list operators (distinct, union, intersect, except, in): HashKey returns
// a comparable key such that two values have equal keys exactly when they
// are equal, or ok=false when the value has none.
type HashKeyer interface {
	HashKey() (key any, ok bool)
}

// modelEqual is a = b when either is a model value (equality is
// symmetric, so a model value on the right compares from its own side).
func modelEqual(a, b Value) (Value, bool) {
	if m, ok := a.(Model); ok {
		return m.EqualTo(b), true
	}
	if m, ok := b.(Model); ok {
		return m.EqualTo(a), true
	}
	return nil, false
}

func equalFromCompare(c int, ok bool) Value {
	if !ok {
		return nil
	}
	return Boolean(c == 0)
}

// seqEqual evaluates n element equalities in order with the rules of
// Equal on structured values.
func seqEqual(n int, eq func(i int) Value) Value {
	for i := 0; i < n; i++ {
		r := eq(i)
		if r == nil {
			return nil
		}
		if !bool(r.(Boolean)) {
			return Boolean(false)
		}
	}
	return Boolean(true)
}

func elemEqual(a, b Value) Value {
	if a == nil && b == nil {
		return Boolean(true)
	}
	return Equal(a, b)
}

// elemEqualBound compares interval bounds; two null closed bounds are
// unknown, two null open bounds are both unbounded.
func elemEqualBound(a, b Value, closed bool) Value {
	if a == nil && b == nil {
		if closed {
			return nil
		}
		return Boolean(true)
	}
	return Equal(a, b)
}

func sameNames(x, y Tuple) bool {
	if len(x.Names) != len(y.Names) {
		return false
	}
	for _, n := range x.Names {
		if _, ok := y.Get(n); !ok {
			return false
		}
	}
	return true
}

// closedBounds returns the interval's bounds as closed bounds for the
// discrete point types (Integer, Long, Date, DateTime, Time); other types
// are returned as they are.
func closedBounds(i Interval) (lo, hi Value) {
	lo, hi = i.Low, i.High
	if !i.LowClosed && lo != nil && isDiscrete(lo) {
		if s, err := Successor(lo); err == nil {
			lo = s
		}
	}
	if !i.HighClosed && hi != nil && isDiscrete(hi) {
		if p, err := Predecessor(hi); err == nil {
			hi = p
		}
	}
	return lo, hi
}

func isDiscrete(v Value) bool {
	switch v.(type) {
	case Integer, Long, Date, DateTime, Time:
		return true
	}
	return false
}

// Equivalent implements CQL `~`: never null. Two nulls are equivalent, a
// null and a non-null are not. Strings compare ignoring case and treating
// all whitespace characters alike; decimals (and quantity values) are
// rounded to the precision of the less precise operand, ignoring trailing
// zeros; quantities are converted to a common unit, calendar years and
// months counting as UCUM 'a' and 'mo'; codes compare code and system;
// concepts are equivalent when any of their codes are; temporal values of
// different precision are not equivalent; lists, tuples and intervals
// compare element-wise.
func Equivalent(a, b Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case String:
		if y, ok := b.(String); ok {
			return equivStrings(string(x), string(y))
		}
		return modelEquiv(b, a)
	case Decimal:
		if y, ok := b.(Decimal); ok {
			return decEquivalent(x, y)
		}
		return modelEquiv(b, a)
	case Date, DateTime, Time:
		c, ok := CompareAt(a, b, Unset)
		if !ok {
			return modelEquiv(b, a)
		}
		return c == 0
	case Quantity:
		if y, ok := b.(Quantity); ok {
			return equivalentQuantity(x, y)
		}
		return modelEquiv(b, a)
	case Ratio:
		if y, ok := b.(Ratio); ok {
			return Equivalent(x.Numerator, y.Numerator) && Equivalent(x.Denominator, y.Denominator)
		}
		return modelEquiv(b, a)
	case Code:
		if y, ok := b.(Code); ok {
			return x.Code == y.Code && x.System == y.System
		}
		if y, ok := b.(Concept); ok {
			return Equivalent(Concept{Codes: []Code{x}}, y)
		}
		return modelEquiv(b, a)
	case Concept:
		var codes []Code
		switch y := b.(type) {
		case Concept:
			codes = y.Codes
		case Code:
			codes = []Code{y}
		default:
			return modelEquiv(b, a)
		}
		for _, c := range x.Codes {
			for _, d := range codes {
				if c.Code == d.Code && c.System == d.System {
					return true
				}
			}
		}
		return false
	case List:
		y, ok := b.(List)
		if !ok {
			return modelEquiv(b, a)
		}
		if len(x.Elems) != len(y.Elems) {
			return false
		}
		for i := range x.Elems {
			if !Equivalent(x.Elems[i], y.Elems[i]) {
				return false
			}
		}
		return true
	case Tuple:
		y, ok := b.(Tuple)
		if !ok {
			return modelEquiv(b, a)
		}
		if !sameNames(x, y) {
			return false
		}
		for i, n := range x.Names {
			yv, _ := y.Get(n)
			if !Equivalent(x.Values[i], yv) {
				return false
			}
		}
		return true
	case Interval:
		y, ok := b.(Interval)
		if !ok {
			return modelEquiv(b, a)
		}
		xl, xh := closedBounds(x)
		yl, yh := closedBounds(y)
		return Equivalent(xl, yl) && Equivalent(xh, yh)
	}
	if m, ok := a.(Model); ok {
		return m.EquivalentTo(b)
	}
	if m, ok := b.(Model); ok {
		return m.EquivalentTo(a)
	}
	r := Equal(a, b)
	return r != nil && bool(r.(Boolean))
}

// modelEquiv is m ~ other when m is a model value, else false.
func modelEquiv(m, other Value) bool {
	if x, ok := m.(Model); ok {
		return x.EquivalentTo(other)
	}
	return false
}

func equivStrings(a, b string) bool {
	if a == b {
		return true
	}
	norm := func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}
	return strings.EqualFold(strings.Map(norm, a), strings.Map(norm, b))
}

// fastFields compares two DateTimes of the same precision and offset; the
// fields finer than the precision are zero in both.
func fastFields(x, y DateTime) int {
	switch {
	case x.Year != y.Year:
		return cmp.Compare(x.Year, y.Year)
	case x.Month != y.Month:
		return cmp.Compare(x.Month, y.Month)
	case x.Day != y.Day:
		return cmp.Compare(x.Day, y.Day)
	case x.Hour != y.Hour:
		return cmp.Compare(x.Hour, y.Hour)
	case x.Minute != y.Minute:
		return cmp.Compare(x.Minute, y.Minute)
	case x.Second != y.Second:
		return cmp.Compare(x.Second, y.Second)
	case x.Millisecond != y.Millisecond:
		return cmp.Compare(x.Millisecond, y.Millisecond)
	}
	return 0
}

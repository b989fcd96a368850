package builtins

// Interval normalisation shared by the interval operators.
//
// Every interval is turned into its start and end points as the Start and
// End operators define them: a closed boundary is its value, an open one
// the successor (predecessor) of its value, a closed null boundary the
// minimum (maximum) of the point type, and an open null boundary an
// uncertainty ranging from the minimum (maximum) to the other end of the
// interval. Points are therefore kept as ranges [lo, hi]; comparisons of
// ranges are three-valued.
//
// When the point type has no minimum or maximum (String), or its extreme
// cannot be computed, the unbounded ends are represented by b2Inf markers
// that compare below (above) every point.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// b2Inf is an infinite point: -inf when neg, +inf otherwise. It only lives
// inside interval computations and is never returned to callers.
type b2Inf struct{ neg bool }

func (b2Inf) Type() types.Type { return types.Any }

var (
	b2NegInf value.Value = b2Inf{neg: true}
	b2PosInf value.Value = b2Inf{neg: false}
)

// b2InfSign returns -1 for -inf, 1 for +inf and 0 for other values.
func b2InfSign(v value.Value) int {
	if i, ok := v.(b2Inf); ok {
		if i.neg {
			return -1
		}
		return 1
	}
	return 0
}

// b2Rng is a point that may be uncertain: some value in [lo, hi]. exact
// means lo and hi are the same known point. A nil lo or hi is unknown.
type b2Rng struct {
	lo, hi value.Value
	exact  bool
}

func b2Exact(v value.Value) b2Rng { return b2Rng{lo: v, hi: v, exact: true} }

// b2Ivl is a prepared interval.
type b2Ivl struct {
	iv         value.Interval
	pt         types.Type
	start, end b2Rng
}

// b2PointType returns the point type of iv: the run-time type of a
// boundary, else its static type when that is an ordered type, else hint. nil
// means the type cannot be determined (both boundaries null).
func b2PointType(iv value.Interval, hint types.Type) types.Type {
	// A boundary's run-time type is exact and cheap to get.
	if iv.Low != nil {
		return iv.Low.Type()
	}
	if iv.High != nil {
		return iv.High.Type()
	}
	if iv.PointType != nil && types.IsOrdered(iv.PointType) {
		return iv.PointType
	}
	if hint != nil && types.IsOrdered(hint) {
		return hint
	}
	return nil
}

// b2Extreme returns the minimum (max=false) or maximum of t, or an
// infinity when the type has none.
func b2Extreme(t types.Type, max bool) value.Value {
	var v value.Value
	var err error
	if max {
		v, err = value.MaxValue(t)
	} else {
		v, err = value.MinValue(t)
	}
	if err != nil || v == nil {
		if max {
			return b2PosInf
		}
		return b2NegInf
	}
	return v
}

// b2Succ is the successor of a point; infinities stay put and the successor
// of the maximum is +inf.
func b2Succ(v value.Value) value.Value {
	if v == nil || b2InfSign(v) != 0 {
		return v
	}
	s, err := value.Successor(v)
	if err != nil || s == nil {
		return b2PosInf
	}
	return s
}

// b2Pred is the predecessor of a point; the predecessor of the minimum is
// -inf.
func b2Pred(v value.Value) value.Value {
	if v == nil || b2InfSign(v) != 0 {
		return v
	}
	s, err := value.Predecessor(v)
	if err != nil || s == nil {
		return b2NegInf
	}
	return s
}

// b2Prep prepares iv. It returns ok=false when the interval must be
// treated as null: both boundaries null and no point type known (the
// interval literal Interval[null, null] without a type).
func b2Prep(iv value.Interval, hint types.Type) (b2Ivl, bool) {
	pt := b2PointType(iv, hint)
	if pt == nil {
		return b2Ivl{}, false
	}
	r := b2Ivl{iv: iv, pt: pt}
	// The known start and end points, when the boundaries give them.
	var lo, hi value.Value
	switch {
	case iv.Low != nil && iv.LowClosed:
		lo = iv.Low
	case iv.Low != nil:
		lo = b2Succ(iv.Low)
	case iv.LowClosed:
		lo = b2Extreme(pt, false)
	}
	switch {
	case iv.High != nil && iv.HighClosed:
		hi = iv.High
	case iv.High != nil:
		hi = b2Pred(iv.High)
	case iv.HighClosed:
		hi = b2Extreme(pt, true)
	}
	switch {
	case lo != nil && hi != nil:
		r.start, r.end = b2Exact(lo), b2Exact(hi)
	case lo != nil:
		r.start = b2Exact(lo)
		r.end = b2Rng{lo: lo, hi: b2Extreme(pt, true)}
	case hi != nil:
		r.start = b2Rng{lo: b2Extreme(pt, false), hi: hi}
		r.end = b2Exact(hi)
	default:
		all := b2Rng{lo: b2Extreme(pt, false), hi: b2Extreme(pt, true)}
		r.start, r.end = all, all
	}
	return r, true
}

// b2PointRng turns a point argument into a range; ok is false for null.
func b2PointRng(v value.Value) (b2Rng, bool) {
	if v == nil {
		return b2Rng{}, false
	}
	return b2Exact(v), true
}

// b2CmpInf orders two points when at least one is infinite; ok is false
// when neither is.
func b2CmpInf(a, b value.Value) (int, bool) {
	sa, sb := b2InfSign(a), b2InfSign(b)
	if sa == 0 && sb == 0 {
		return 0, false
	}
	switch {
	case sa == sb:
		return 0, true
	case sa < sb:
		return -1, true
	}
	return 1, true
}

// b2PLT, b2PLE and b2PEQ compare points that may be infinite.
func b2PLT(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if c, ok := b2CmpInf(a, b); ok {
		return b2TriBool(c < 0)
	}
	return b2LT(a, b, p)
}

func b2PLE(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if c, ok := b2CmpInf(a, b); ok {
		return b2TriBool(c <= 0)
	}
	return b2LE(a, b, p)
}

func b2PEQ(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if c, ok := b2CmpInf(a, b); ok {
		return b2TriBool(c == 0)
	}
	return b2EQ(a, b, p)
}

// b2RLE is x <= y for possibly uncertain points.
func b2RLE(x, y b2Rng, p value.Precision) b2Tri {
	if x.exact && y.exact {
		return b2PLE(x.lo, y.lo, p)
	}
	if b2PLE(x.hi, y.lo, p) == b2T {
		return b2T
	}
	if b2PLT(y.hi, x.lo, p) == b2T {
		return b2F
	}
	return b2U
}

// b2RLT is x < y.
func b2RLT(x, y b2Rng, p value.Precision) b2Tri {
	if x.exact && y.exact {
		return b2PLT(x.lo, y.lo, p)
	}
	if b2PLT(x.hi, y.lo, p) == b2T {
		return b2T
	}
	if b2PLE(y.hi, x.lo, p) == b2T {
		return b2F
	}
	return b2U
}

// b2REQ is x = y.
func b2REQ(x, y b2Rng, p value.Precision) b2Tri {
	if x.exact && y.exact {
		return b2PEQ(x.lo, y.lo, p)
	}
	if b2PLT(x.hi, y.lo, p) == b2T || b2PLT(y.hi, x.lo, p) == b2T {
		return b2F
	}
	return b2U
}

// b2SuccAt is the successor used by meets: at precision p for temporal
// points (the value is first truncated to p), else the point type's
// successor.
func b2SuccAt(v value.Value, p value.Precision) value.Value {
	if p != value.Unset && b2IsTemporal(v) {
		v = b2Trunc(v, p)
	}
	return b2Succ(v)
}

// b2RSucc is the successor of an uncertain point.
func b2RSucc(r b2Rng, p value.Precision) b2Rng {
	if r.exact {
		return b2Exact(b2SuccAt(r.lo, p))
	}
	return b2Rng{lo: b2SuccAt(r.lo, p), hi: b2SuccAt(r.hi, p)}
}

// b2Trunc drops the components of a Date, DateTime or Time finer than p.
// Other values are returned unchanged, as are values already at p or
// coarser.
func b2Trunc(v value.Value, p value.Precision) value.Value {
	switch x := v.(type) {
	case value.Date:
		if x.Precision <= p || p > value.Day {
			return x
		}
		if p < value.Day {
			x.Day = 0
		}
		if p < value.Month {
			x.Month = 0
		}
		x.Precision = p
		return x
	case value.DateTime:
		if x.Precision <= p || p > value.Millisecond {
			return x
		}
		if p < value.Millisecond {
			x.Millisecond = 0
		}
		if p < value.Second {
			x.Second = 0
		}
		if p < value.Minute {
			x.Minute = 0
		}
		if p < value.Hour {
			x.Hour = 0
		}
		if p < value.Day {
			x.Day = 0
		}
		if p < value.Month {
			x.Month = 0
		}
		x.Precision = p
		return x
	case value.Time:
		if x.Precision <= p || p > value.Millisecond || p < value.Hour {
			return x
		}
		if p < value.Millisecond {
			x.Millisecond = 0
		}
		if p < value.Second {
			x.Second = 0
		}
		if p < value.Minute {
			x.Minute = 0
		}
		x.Precision = p
		return x
	}
	return v
}

// b2PrecisionOf returns the precision of a temporal value, or Unset.
func b2PrecisionOf(v value.Value) value.Precision {
	switch x := v.(type) {
	case value.Date:
		return x.Precision
	case value.DateTime:
		return x.Precision
	case value.Time:
		return x.Precision
	}
	return value.Unset
}

// b2IsNullOpen reports whether a boundary is an open null (uncertain).
func b2IsNullOpen(v value.Value, closed bool) bool { return v == nil && !closed }

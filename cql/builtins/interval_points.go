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
// cannot be computed, the unbounded ends are represented by infPoint markers
// that compare below (above) every point.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// infPoint is an infinite point: -inf when neg, +inf otherwise. It only lives
// inside interval computations and is never returned to callers.
type infPoint struct{ neg bool }

func (infPoint) Type() types.Type { return types.Any }

var (
	negInf value.Value = infPoint{neg: true}
	posInf value.Value = infPoint{neg: false}
)

// infSign returns -1 for -inf, 1 for +inf and 0 for other values.
func infSign(v value.Value) int {
	if i, ok := v.(infPoint); ok {
		if i.neg {
			return -1
		}
		return 1
	}
	return 0
}

// pointRange is a point that may be uncertain: some value in [lo, hi]. exact
// means lo and hi are the same known point. A nil lo or hi is unknown.
type pointRange struct {
	lo, hi value.Value
	exact  bool
}

func exactRange(v value.Value) pointRange { return pointRange{lo: v, hi: v, exact: true} }

// normIvl is a prepared interval.
type normIvl struct {
	iv         value.Interval
	pt         types.Type
	start, end pointRange
}

// pointType returns the point type of iv: the run-time type of a
// boundary, else its static type when that is an ordered type, else hint. nil
// means the type cannot be determined (both boundaries null).
func pointType(iv value.Interval, hint types.Type) types.Type {
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

// pointExtreme returns the minimum (max=false) or maximum of t, or an
// infinity when the type has none.
func pointExtreme(t types.Type, max bool) value.Value {
	v, err := minOrMax(t, max)
	if err != nil || v == nil {
		if max {
			return posInf
		}
		return negInf
	}
	return v
}

// succ is the successor of a point; infinities stay put and the successor
// of the maximum is +inf.
func succ(v value.Value) value.Value {
	if v == nil || infSign(v) != 0 {
		return v
	}
	s, err := value.Successor(v)
	if err != nil || s == nil {
		return posInf
	}
	return s
}

// pred is the predecessor of a point; the predecessor of the minimum is
// -inf.
func pred(v value.Value) value.Value {
	if v == nil || infSign(v) != 0 {
		return v
	}
	s, err := value.Predecessor(v)
	if err != nil || s == nil {
		return negInf
	}
	return s
}

// normalize prepares iv. It returns ok=false when the interval must be
// treated as null: both boundaries null and no point type known (the
// interval literal Interval[null, null] without a type).
func normalize(iv value.Interval, hint types.Type) (normIvl, bool) {
	pt := pointType(iv, hint)
	if pt == nil {
		return normIvl{}, false
	}
	r := normIvl{iv: iv, pt: pt}
	// The known start and end points, when the boundaries give them.
	var lo, hi value.Value
	switch {
	case iv.Low != nil && iv.LowClosed:
		lo = iv.Low
	case iv.Low != nil:
		lo = succ(iv.Low)
	case iv.LowClosed:
		lo = pointExtreme(pt, false)
	}
	switch {
	case iv.High != nil && iv.HighClosed:
		hi = iv.High
	case iv.High != nil:
		hi = pred(iv.High)
	case iv.HighClosed:
		hi = pointExtreme(pt, true)
	}
	switch {
	case lo != nil && hi != nil:
		r.start, r.end = exactRange(lo), exactRange(hi)
	case lo != nil:
		r.start = exactRange(lo)
		r.end = pointRange{lo: lo, hi: pointExtreme(pt, true)}
	case hi != nil:
		r.start = pointRange{lo: pointExtreme(pt, false), hi: hi}
		r.end = exactRange(hi)
	default:
		all := pointRange{lo: pointExtreme(pt, false), hi: pointExtreme(pt, true)}
		r.start, r.end = all, all
	}
	return r, true
}

// cmpInf orders two points when at least one is infinite; ok is false
// when neither is.
func cmpInf(a, b value.Value) (int, bool) {
	sa, sb := infSign(a), infSign(b)
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

// ltInf, leInf and eqInf compare points that may be infinite.
func ltInf(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if c, ok := cmpInf(a, b); ok {
		return triBool(c < 0)
	}
	return ltAt(a, b, p)
}

func leInf(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if c, ok := cmpInf(a, b); ok {
		return triBool(c <= 0)
	}
	return leAt(a, b, p)
}

func eqInf(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if c, ok := cmpInf(a, b); ok {
		return triBool(c == 0)
	}
	return eqAt(a, b, p)
}

// leRange is x <= y for possibly uncertain points.
func leRange(x, y pointRange, p value.Precision) tri {
	if x.exact && y.exact {
		return leInf(x.lo, y.lo, p)
	}
	if leInf(x.hi, y.lo, p) == triTrue {
		return triTrue
	}
	if ltInf(y.hi, x.lo, p) == triTrue {
		return triFalse
	}
	return triUnknown
}

// ltRange is x < y.
func ltRange(x, y pointRange, p value.Precision) tri {
	if x.exact && y.exact {
		return ltInf(x.lo, y.lo, p)
	}
	if ltInf(x.hi, y.lo, p) == triTrue {
		return triTrue
	}
	if leInf(y.hi, x.lo, p) == triTrue {
		return triFalse
	}
	return triUnknown
}

// eqRange is x = y.
func eqRange(x, y pointRange, p value.Precision) tri {
	if x.exact && y.exact {
		return eqInf(x.lo, y.lo, p)
	}
	if ltInf(x.hi, y.lo, p) == triTrue || ltInf(y.hi, x.lo, p) == triTrue {
		return triFalse
	}
	return triUnknown
}

// succAt is the successor used by meets: at precision p for temporal
// points (the value is first truncated to p), else the point type's
// successor.
func succAt(v value.Value, p value.Precision) value.Value {
	if p != value.Unset && isTemporal(v) {
		v = truncatePoint(v, p)
	}
	return succ(v)
}

// succRange is the successor of an uncertain point.
func succRange(r pointRange, p value.Precision) pointRange {
	if r.exact {
		return exactRange(succAt(r.lo, p))
	}
	return pointRange{lo: succAt(r.lo, p), hi: succAt(r.hi, p)}
}

// truncatePoint drops the components of a Date, DateTime or Time finer than p.
// Other values are returned unchanged, as are values already at p or
// coarser.
func truncatePoint(v value.Value, p value.Precision) value.Value {
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
		x = clearFinerThan(x, p)
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

// precisionOf returns the precision of a temporal value, or Unset.
func precisionOf(v value.Value) value.Precision {
	p, _ := value.PrecisionOf(v)
	return p
}

// isNullOpen reports whether a boundary is an open null (uncertain).
func isNullOpen(v value.Value, closed bool) bool { return v == nil && !closed }

package builtins

// Interval operators: Start, End, Width, Size, PointFrom; membership
// (Contains, In, ProperContains, ProperIn and the point forms of Includes,
// IncludedIn and their proper variants); interval relations (Includes,
// IncludedIn, ProperIncludes, ProperIncludedIn, Overlaps, OverlapsBefore,
// OverlapsAfter, Meets, MeetsBefore, MeetsAfter, Starts, Ends, SameAs and
// Before, After, SameOrBefore, SameOrAfter with interval and point shapes);
// Union, Intersect, Except; Collapse and Expand (in collapse_expand.go).
//
// All relations are computed on the start and end points of the intervals
// as normalize defines them, with three-valued results when a point is
// uncertain (open null boundaries, or temporal values of different
// precisions). A precision, when given, applies to Date, DateTime and Time
// points and is ignored for other point types.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// registerIntervals registers the operators of this file (called from collections.go).
func registerIntervals() {
	b := types.Boolean
	reg("Start", T, ivlStart, IvlT)
	reg("End", T, ivlEnd, IvlT)
	for _, t := range []types.Type{types.Integer, types.Long, types.Decimal, types.Quantity} {
		reg("Width", t, ivlWidth, IntervalOf(t))
		reg("Size", t, ivlSize, IntervalOf(t))
	}
	reg("PointFrom", T, ivlPointFrom, IvlT)

	// Interval-interval forms are registered before the point forms, so
	// that an untyped null argument resolves to them (null result).
	regP("Contains", b, ivlContains, IvlT, T)
	regP("In", b, ivlIn, T, IvlT)
	regP("Includes", b, ivlIncludes, IvlT, IvlT)
	regP("Includes", b, ivlContains, IvlT, T)
	regP("IncludedIn", b, ivlIncludedIn, IvlT, IvlT)
	regP("IncludedIn", b, ivlIn, T, IvlT)
	regP("ProperIncludes", b, ivlProperIncludes, IvlT, IvlT)
	regP("ProperIncludes", b, ivlProperContains, IvlT, T)
	regP("ProperContains", b, ivlProperContains, IvlT, T)
	regP("ProperIncludedIn", b, ivlProperIncludedIn, IvlT, IvlT)
	regP("ProperIncludedIn", b, ivlProperIn, T, IvlT)
	regP("ProperIn", b, ivlProperIn, T, IvlT)

	regP("Overlaps", b, ivlRelation(relOverlaps), IvlT, IvlT)
	regP("OverlapsBefore", b, ivlRelation(relOverlapsBefore), IvlT, IvlT)
	regP("OverlapsAfter", b, ivlRelation(relOverlapsAfter), IvlT, IvlT)
	regP("Meets", b, ivlRelation(relMeets), IvlT, IvlT)
	regP("MeetsBefore", b, ivlRelation(relMeetsBefore), IvlT, IvlT)
	regP("MeetsAfter", b, ivlRelation(relMeetsAfter), IvlT, IvlT)
	regP("Starts", b, ivlRelation(relStarts), IvlT, IvlT)
	regP("Ends", b, ivlRelation(relEnds), IvlT, IvlT)
	regP("SameAs", b, ivlRelation(relSameAs), IvlT, IvlT)
	for _, op := range []struct {
		name string
		f    func(x, y normIvl, p value.Precision) tri
	}{
		{"Before", relBefore},
		{"After", relAfter},
		{"SameOrBefore", relSameOrBefore},
		{"SameOrAfter", relSameOrAfter},
	} {
		regP(op.name, b, ivlRelation(op.f), IvlT, IvlT)
		regP(op.name, b, pointIvlRelation(op.f), T, IvlT)
		regP(op.name, b, ivlPointRelation(op.f), IvlT, T)
	}

	reg("Union", IvlT, ivlUnion, IvlT, IvlT)
	reg("Intersect", IvlT, ivlIntersect, IvlT, IvlT)
	reg("Except", IvlT, ivlExcept, IvlT, IvlT)
}

// ivlArg returns argument i as an interval; null is true when it is null.
func ivlArg(op string, a []value.Value, i int) (iv value.Interval, null bool, err error) {
	if i >= len(a) || a[i] == nil {
		return value.Interval{}, true, nil
	}
	iv, ok := a[i].(value.Interval)
	if !ok {
		return value.Interval{}, false, Errorf("%s: expected an interval, got a value of type %s", op, a[i].Type())
	}
	return iv, false, nil
}

// normArg prepares the single interval argument i. ok is false when the
// result is null (null or untyped all-null interval).
func normArg(op string, a []value.Value, i int) (normIvl, bool, error) {
	iv, null, err := ivlArg(op, a, i)
	if err != nil || null {
		return normIvl{}, false, err
	}
	x, ok := normalize(iv, nil)
	return x, ok, nil
}

// normArgs prepares two interval arguments. An untyped all-null interval in
// second position takes the point type of the first (so that
// Interval[1, 10] properly included in Interval[null, null] is true); in
// first position it makes the result null.
func normArgs(op string, a []value.Value) (x, y normIvl, ok bool, err error) {
	xi, xnull, err := ivlArg(op, a, 0)
	if err != nil || xnull {
		return x, y, false, err
	}
	yi, ynull, err := ivlArg(op, a, 1)
	if err != nil || ynull {
		return x, y, false, err
	}
	x, ok = normalize(xi, nil)
	if !ok {
		return x, y, false, nil
	}
	y, ok = normalize(yi, x.pt)
	return x, y, ok, nil
}

// ivlRelation adapts an interval relation to a PrecisionFunc over two intervals.
func ivlRelation(f func(x, y normIvl, p value.Precision) tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		x, y, ok, err := normArgs("interval operator", a)
		if err != nil || !ok {
			return nil, err
		}
		return f(x, y, p).val(), nil
	}
}

// unitIvl is the unit interval [v, v] used for the point shapes.
func unitIvl(v value.Value) normIvl {
	r := exactRange(v)
	return normIvl{iv: value.Interval{Low: v, High: v, LowClosed: true, HighClosed: true, PointType: v.Type()},
		pt: v.Type(), start: r, end: r}
}

// pointIvlRelation adapts a relation to the (point, interval) shape.
func pointIvlRelation(f func(x, y normIvl, p value.Precision) tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		y, ok, err := normArg("interval operator", a, 1)
		if err != nil || !ok {
			return nil, err
		}
		return f(unitIvl(a[0]), y, p).val(), nil
	}
}

// ivlPointRelation adapts a relation to the (interval, point) shape.
func ivlPointRelation(f func(x, y normIvl, p value.Precision) tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		if a[1] == nil {
			return nil, nil
		}
		x, ok, err := normArg("interval operator", a, 0)
		if err != nil || !ok {
			return nil, err
		}
		return f(x, unitIvl(a[1]), p).val(), nil
	}
}

// finitePoint returns the exact finite value of a point, or nil.
func finitePoint(r pointRange) value.Value {
	if !r.exact || infSign(r.lo) != 0 {
		return nil
	}
	return r.lo
}

func ivlStart(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := normArg("Start", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	return finitePoint(x.start), nil
}

func ivlEnd(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := normArg("End", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	return finitePoint(x.end), nil
}

// pointDiff returns hi - lo for numeric and quantity points, nil when it
// cannot be computed.
func pointDiff(lo, hi value.Value) (value.Value, error) {
	switch l := lo.(type) {
	case value.Integer:
		h, ok := hi.(value.Integer)
		if !ok {
			return nil, nil
		}
		d := int64(h) - int64(l)
		if d > 1<<31-1 || d < -1<<31 {
			return nil, nil
		}
		return value.Integer(d), nil
	case value.Long:
		h, ok := hi.(value.Long)
		if !ok {
			return nil, nil
		}
		d := int64(h) - int64(l)
		if (int64(h) >= 0) != (int64(l) >= 0) && (d >= 0) != (int64(h) >= 0) {
			return nil, nil // overflow
		}
		return value.Long(d), nil
	case value.Decimal:
		h, ok := hi.(value.Decimal)
		if !ok {
			return nil, nil
		}
		d, err := value.DecSub(h, l)
		if err != nil {
			return nil, nil
		}
		return d, nil
	case value.Quantity:
		h, ok := hi.(value.Quantity)
		if !ok {
			return nil, nil
		}
		if h.Unit != l.Unit {
			c, err := value.ConvertQuantity(l, h.Unit)
			if err != nil {
				return nil, Errorf("cannot compute the width of an interval with incompatible units %q and %q", l.Unit, h.Unit)
			}
			l = c
		}
		d, err := value.DecSub(h.Value, l.Value)
		if err != nil {
			return nil, nil
		}
		return value.Quantity{Value: d, Unit: h.Unit}, nil
	}
	return nil, nil
}

func ivlWidth(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := normArg("Width", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := finitePoint(x.start), finitePoint(x.end)
	if lo == nil || hi == nil {
		return nil, nil
	}
	return pointDiff(lo, hi)
}

// ivlSize is the number of points: width plus one step of the point type.
func ivlSize(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := normArg("Size", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := finitePoint(x.start), finitePoint(x.end)
	if lo == nil || hi == nil {
		return nil, nil
	}
	// size = successor(end) - start, computed without overflowing at the
	// type's maximum.
	w, err := pointDiff(lo, hi)
	if err != nil || w == nil {
		return nil, err
	}
	switch v := w.(type) {
	case value.Integer:
		if v == 1<<31-1 {
			return nil, nil
		}
		return v + 1, nil
	case value.Long:
		if v == 1<<63-1 {
			return nil, nil
		}
		return v + 1, nil
	case value.Decimal:
		d, err := value.DecAdd(v, decimalStep)
		if err != nil {
			return nil, nil
		}
		return d, nil
	case value.Quantity:
		d, err := value.DecAdd(v.Value, decimalStep)
		if err != nil {
			return nil, nil
		}
		return value.Quantity{Value: d, Unit: v.Unit}, nil
	}
	return nil, nil
}

// decimalStep is the step of Decimal and Quantity points.
var decimalStep = value.MustDecimal("0.00000001")

func ivlPointFrom(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := normArg("PointFrom", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := finitePoint(x.start), finitePoint(x.end)
	if lo != nil && hi != nil && eqAt(lo, hi, value.Unset) == triTrue {
		return lo, nil
	}
	return nil, Errorf("point from: the interval is not a unit interval")
}

// ivlHasPoint is "interval contains point": start <= p <= end, where a
// closed null boundary always holds.
func ivlHasPoint(x normIvl, pt value.Value, p value.Precision) tri {
	r := exactRange(pt)
	var lo, hi tri
	switch {
	case x.iv.Low == nil && x.iv.LowClosed:
		lo = triTrue
	case x.iv.Low != nil && !x.iv.LowClosed:
		// Compare with the written boundary, which also works when the
		// boundary and the point have different precisions.
		lo = ltInf(x.iv.Low, pt, p)
	default:
		lo = leRange(x.start, r, p)
	}
	switch {
	case x.iv.High == nil && x.iv.HighClosed:
		hi = triTrue
	case x.iv.High != nil && !x.iv.HighClosed:
		hi = ltInf(pt, x.iv.High, p)
	default:
		hi = leRange(r, x.end, p)
	}
	return triAnd(lo, hi)
}

// ivlProperlyHasPoint is "interval properly includes point": the point lies
// strictly between start and end (at the precision given).
func ivlProperlyHasPoint(x normIvl, pt value.Value, p value.Precision) tri {
	r := exactRange(pt)
	return triAnd(ltRange(x.start, r, p), ltRange(r, x.end, p))
}

// memberTest runs a membership test with the interval in argument ii and the
// point in argument pi: a null interval gives false, a null point null.
func memberTest(op string, a []value.Value, ii, pi int, p value.Precision,
	f func(x normIvl, pt value.Value, p value.Precision) tri) (value.Value, error) {
	iv, null, err := ivlArg(op, a, ii)
	if err != nil || null {
		return falseValue, err
	}
	pt := a[pi]
	x, ok := normalize(iv, nil)
	if !ok {
		// An untyped Interval[null, null] behaves as a null interval.
		return falseValue, nil
	}
	if pt == nil {
		return nil, nil
	}
	return f(x, pt, p).val(), nil
}

func ivlContains(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return memberTest("Contains", a, 0, 1, p, ivlHasPoint)
}

func ivlIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return memberTest("In", a, 1, 0, p, ivlHasPoint)
}

func ivlProperContains(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return memberTest("ProperContains", a, 0, 1, p, ivlProperlyHasPoint)
}

func ivlProperIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return memberTest("ProperIn", a, 1, 0, p, ivlProperlyHasPoint)
}

// Interval-interval relations.

func relIncludes(x, y normIvl, p value.Precision) tri {
	return triAnd(leRange(x.start, y.start, p), leRange(y.end, x.end, p))
}

func relProperIncludes(x, y normIvl, p value.Precision) tri {
	inc := relIncludes(x, y, p)
	if inc == triFalse {
		return triFalse
	}
	return triAnd(inc, triOr(ltRange(x.start, y.start, p), ltRange(y.end, x.end, p)))
}

func ivlIncludes(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("Includes", a)
	if err != nil || !ok {
		return nil, err
	}
	return relIncludes(x, y, p).val(), nil
}

func ivlIncludedIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("IncludedIn", a)
	if err != nil || !ok {
		return nil, err
	}
	return relIncludes(y, x, p).val(), nil
}

func ivlProperIncludes(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("ProperIncludes", a)
	if err != nil || !ok {
		return nil, err
	}
	return relProperIncludes(x, y, p).val(), nil
}

func ivlProperIncludedIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("ProperIncludedIn", a)
	if err != nil || !ok {
		return nil, err
	}
	return relProperIncludes(y, x, p).val(), nil
}

func relOverlaps(x, y normIvl, p value.Precision) tri {
	r := leRange(x.start, y.end, p)
	if r == triFalse {
		return triFalse
	}
	return triAnd(r, leRange(y.start, x.end, p))
}

// relOverlapsBefore: x overlaps y and starts before it.
func relOverlapsBefore(x, y normIvl, p value.Precision) tri {
	return triAnd(relOverlaps(x, y, p), ltRange(x.start, y.start, p))
}

// relOverlapsAfter: x overlaps y and ends after it.
func relOverlapsAfter(x, y normIvl, p value.Precision) tri {
	return triAnd(relOverlaps(x, y, p), ltRange(y.end, x.end, p))
}

// relMeetsBefore: x ends immediately before y starts.
func relMeetsBefore(x, y normIvl, p value.Precision) tri {
	return eqRange(succRange(x.end, p), truncRange(y.start, p), p)
}

// truncRange truncates the points of a range to precision p (temporal only),
// so that it can be compared with a successor computed at p.
func truncRange(r pointRange, p value.Precision) pointRange {
	if p == value.Unset {
		return r
	}
	if r.exact {
		return exactRange(truncatePoint(r.lo, p))
	}
	return pointRange{lo: truncatePoint(r.lo, p), hi: truncatePoint(r.hi, p)}
}

func relMeetsAfter(x, y normIvl, p value.Precision) tri { return relMeetsBefore(y, x, p) }

func relMeets(x, y normIvl, p value.Precision) tri {
	return triOr(relMeetsBefore(x, y, p), relMeetsBefore(y, x, p))
}

func relStarts(x, y normIvl, p value.Precision) tri {
	return triAnd(eqRange(x.start, y.start, p), leRange(x.end, y.end, p))
}

func relEnds(x, y normIvl, p value.Precision) tri {
	return triAnd(leRange(y.start, x.start, p), eqRange(x.end, y.end, p))
}

func relSameAs(x, y normIvl, p value.Precision) tri {
	return triAnd(eqRange(x.start, y.start, p), eqRange(x.end, y.end, p))
}

// relBefore: x ends before y starts.
func relBefore(x, y normIvl, p value.Precision) tri { return ltRange(x.end, y.start, p) }

// relAfter: x starts after y ends.
func relAfter(x, y normIvl, p value.Precision) tri { return ltRange(y.end, x.start, p) }

// relSameOrBefore: x ends on or before y starts.
func relSameOrBefore(x, y normIvl, p value.Precision) tri { return leRange(x.end, y.start, p) }

// relSameOrAfter: x starts on or after y ends.
func relSameOrAfter(x, y normIvl, p value.Precision) tri { return leRange(y.end, x.start, p) }

// Union, Intersect and Except build intervals from the boundaries of their
// arguments as written, so that open and closed boundaries survive.

type ivlBound struct {
	v      value.Value
	closed bool
}

func (x normIvl) low() ivlBound  { return ivlBound{x.iv.Low, x.iv.LowClosed} }
func (x normIvl) high() ivlBound { return ivlBound{x.iv.High, x.iv.HighClosed} }

// pickBound chooses between two boundaries given the comparison "a's point is
// the one to keep": true keeps a, false keeps b, and unknown keeps the one
// that is an open null (itself unknown) or fails.
func pickBound(keepA tri, a, b ivlBound) (ivlBound, bool) {
	switch keepA {
	case triTrue:
		return a, true
	case triFalse:
		return b, true
	}
	if isNullOpen(a.v, a.closed) {
		return a, true
	}
	if isNullOpen(b.v, b.closed) {
		return b, true
	}
	return ivlBound{}, false
}

func makeIvl(lo, hi ivlBound, pt types.Type) value.Interval {
	return value.Interval{Low: lo.v, High: hi.v, LowClosed: lo.closed, HighClosed: hi.closed, PointType: pt}
}

// unionIvl is the union of two intervals that overlap or meet, with
// ok=false when they do not (or it is unknown).
func unionIvl(x, y normIvl) (value.Interval, bool) {
	if triOr(relOverlaps(x, y, value.Unset), relMeets(x, y, value.Unset)) != triTrue {
		return value.Interval{}, false
	}
	lo, ok1 := pickBound(leRange(x.start, y.start, value.Unset), x.low(), y.low())
	hi, ok2 := pickBound(leRange(y.end, x.end, value.Unset), x.high(), y.high())
	if !ok1 || !ok2 {
		return value.Interval{}, false
	}
	return makeIvl(lo, hi, x.pt), true
}

func ivlUnion(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("Union", a)
	if err != nil || !ok {
		return nil, err
	}
	u, ok := unionIvl(x, y)
	if !ok {
		return nil, nil
	}
	return u, nil
}

func ivlIntersect(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("Intersect", a)
	if err != nil || !ok {
		return nil, err
	}
	if relOverlaps(x, y, value.Unset) != triTrue {
		return nil, nil
	}
	lo, ok1 := pickBound(leRange(y.start, x.start, value.Unset), x.low(), y.low())
	hi, ok2 := pickBound(leRange(x.end, y.end, value.Unset), x.high(), y.high())
	if !ok1 || !ok2 {
		return nil, nil
	}
	return makeIvl(lo, hi, x.pt), nil
}

// ivlExcept returns the part of x outside y, or null when that is not a
// single interval (y inside x) or is empty.
func ivlExcept(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := normArgs("Except", a)
	if err != nil || !ok {
		return nil, err
	}
	switch relOverlaps(x, y, value.Unset) {
	case triFalse:
		return x.iv, nil
	case triUnknown:
		return nil, nil
	}
	coversStart := leRange(y.start, x.start, value.Unset)
	coversEnd := leRange(x.end, y.end, value.Unset)
	if coversStart == triUnknown || coversEnd == triUnknown {
		return nil, nil
	}
	switch {
	case coversStart == triTrue && coversEnd == triTrue, coversStart == triFalse && coversEnd == triFalse:
		// Nothing is left, or y splits x in two.
		return nil, nil
	case coversStart == triTrue:
		e := finitePoint(y.end)
		if e == nil {
			return nil, nil
		}
		s := succ(e)
		if infSign(s) != 0 {
			return nil, nil
		}
		return makeIvl(ivlBound{s, true}, x.high(), x.pt), nil
	default:
		s := finitePoint(y.start)
		if s == nil {
			return nil, nil
		}
		e := pred(s)
		if infSign(e) != 0 {
			return nil, nil
		}
		return makeIvl(x.low(), ivlBound{e, true}, x.pt), nil
	}
}

package builtins

// Interval operators: Start, End, Width, Size, PointFrom; membership
// (Contains, In, ProperContains, ProperIn and the point forms of Includes,
// IncludedIn and their proper variants); interval relations (Includes,
// IncludedIn, ProperIncludes, ProperIncludedIn, Overlaps, OverlapsBefore,
// OverlapsAfter, Meets, MeetsBefore, MeetsAfter, Starts, Ends, SameAs and
// Before, After, SameOrBefore, SameOrAfter with interval and point shapes);
// Union, Intersect, Except; Collapse and Expand (in b2_expand.go).
//
// All relations are computed on the start and end points of the intervals
// as b2Prep defines them, with three-valued results when a point is
// uncertain (open null boundaries, or temporal values of different
// precisions). A precision, when given, applies to Date, DateTime and Time
// points and is ignored for other point types.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// b2RegisterIntervals registers the operators of this file (called from b2_init.go).
func b2RegisterIntervals() {
	b := types.Boolean
	b2Reg("Start", T, b2Start, IvlT)
	b2Reg("End", T, b2End, IvlT)
	for _, t := range []types.Type{types.Integer, types.Long, types.Decimal, types.Quantity} {
		b2Reg("Width", t, b2Width, IntervalOf(t))
		b2Reg("Size", t, b2Size, IntervalOf(t))
	}
	b2Reg("PointFrom", T, b2PointFrom, IvlT)

	// Interval-interval forms are registered before the point forms, so
	// that an untyped null argument resolves to them (null result).
	b2RegP("Contains", b, b2IvlContains, IvlT, T)
	b2RegP("In", b, b2IvlIn, T, IvlT)
	b2RegP("Includes", b, b2IvlIncludes, IvlT, IvlT)
	b2RegP("Includes", b, b2IvlContains, IvlT, T)
	b2RegP("IncludedIn", b, b2IvlIncludedIn, IvlT, IvlT)
	b2RegP("IncludedIn", b, b2IvlIn, T, IvlT)
	b2RegP("ProperIncludes", b, b2IvlProperIncludes, IvlT, IvlT)
	b2RegP("ProperIncludes", b, b2IvlProperContains, IvlT, T)
	b2RegP("ProperContains", b, b2IvlProperContains, IvlT, T)
	b2RegP("ProperIncludedIn", b, b2IvlProperIncludedIn, IvlT, IvlT)
	b2RegP("ProperIncludedIn", b, b2IvlProperIn, T, IvlT)
	b2RegP("ProperIn", b, b2IvlProperIn, T, IvlT)

	b2RegP("Overlaps", b, b2Rel(b2Overlaps), IvlT, IvlT)
	b2RegP("OverlapsBefore", b, b2Rel(b2OverlapsBefore), IvlT, IvlT)
	b2RegP("OverlapsAfter", b, b2Rel(b2OverlapsAfter), IvlT, IvlT)
	b2RegP("Meets", b, b2Rel(b2Meets), IvlT, IvlT)
	b2RegP("MeetsBefore", b, b2Rel(b2MeetsBefore), IvlT, IvlT)
	b2RegP("MeetsAfter", b, b2Rel(b2MeetsAfter), IvlT, IvlT)
	b2RegP("Starts", b, b2Rel(b2Starts), IvlT, IvlT)
	b2RegP("Ends", b, b2Rel(b2Ends), IvlT, IvlT)
	b2RegP("SameAs", b, b2Rel(b2SameAs), IvlT, IvlT)
	for _, op := range []struct {
		name string
		f    func(x, y b2Ivl, p value.Precision) b2Tri
	}{
		{"Before", b2Before},
		{"After", b2After},
		{"SameOrBefore", b2SameOrBefore},
		{"SameOrAfter", b2SameOrAfter},
	} {
		b2RegP(op.name, b, b2Rel(op.f), IvlT, IvlT)
		b2RegP(op.name, b, b2RelPointLeft(op.f), T, IvlT)
		b2RegP(op.name, b, b2RelPointRight(op.f), IvlT, T)
	}

	b2Reg("Union", IvlT, b2IvlUnion, IvlT, IvlT)
	b2Reg("Intersect", IvlT, b2IvlIntersect, IvlT, IvlT)
	b2Reg("Except", IvlT, b2IvlExcept, IvlT, IvlT)
}

// b2IvlArg returns argument i as an interval; null is true when it is null.
func b2IvlArg(op string, a []value.Value, i int) (iv value.Interval, null bool, err error) {
	if i >= len(a) || a[i] == nil {
		return value.Interval{}, true, nil
	}
	iv, ok := a[i].(value.Interval)
	if !ok {
		return value.Interval{}, false, Errorf("%s: expected an interval, got a value of type %s", op, a[i].Type())
	}
	return iv, false, nil
}

// b2Prep1 prepares the single interval argument i. ok is false when the
// result is null (null or untyped all-null interval).
func b2Prep1(op string, a []value.Value, i int) (b2Ivl, bool, error) {
	iv, null, err := b2IvlArg(op, a, i)
	if err != nil || null {
		return b2Ivl{}, false, err
	}
	x, ok := b2Prep(iv, nil)
	return x, ok, nil
}

// b2Prep2 prepares two interval arguments. An untyped all-null interval in
// second position takes the point type of the first (so that
// Interval[1, 10] properly included in Interval[null, null] is true); in
// first position it makes the result null.
func b2Prep2(op string, a []value.Value) (x, y b2Ivl, ok bool, err error) {
	xi, xnull, err := b2IvlArg(op, a, 0)
	if err != nil || xnull {
		return x, y, false, err
	}
	yi, ynull, err := b2IvlArg(op, a, 1)
	if err != nil || ynull {
		return x, y, false, err
	}
	x, ok = b2Prep(xi, nil)
	if !ok {
		return x, y, false, nil
	}
	y, ok = b2Prep(yi, x.pt)
	return x, y, ok, nil
}

// b2Rel adapts an interval relation to a PrecisionFunc over two intervals.
func b2Rel(f func(x, y b2Ivl, p value.Precision) b2Tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		x, y, ok, err := b2Prep2("interval operator", a)
		if err != nil || !ok {
			return nil, err
		}
		return f(x, y, p).val(), nil
	}
}

// b2UnitIvl is the unit interval [v, v] used for the point shapes.
func b2UnitIvl(v value.Value) b2Ivl {
	r := b2Exact(v)
	return b2Ivl{iv: value.Interval{Low: v, High: v, LowClosed: true, HighClosed: true, PointType: v.Type()},
		pt: v.Type(), start: r, end: r}
}

// b2RelPointLeft adapts a relation to the (point, interval) shape.
func b2RelPointLeft(f func(x, y b2Ivl, p value.Precision) b2Tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		y, ok, err := b2Prep1("interval operator", a, 1)
		if err != nil || !ok {
			return nil, err
		}
		return f(b2UnitIvl(a[0]), y, p).val(), nil
	}
}

// b2RelPointRight adapts a relation to the (interval, point) shape.
func b2RelPointRight(f func(x, y b2Ivl, p value.Precision) b2Tri) PrecisionFunc {
	return func(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
		if a[1] == nil {
			return nil, nil
		}
		x, ok, err := b2Prep1("interval operator", a, 0)
		if err != nil || !ok {
			return nil, err
		}
		return f(x, b2UnitIvl(a[1]), p).val(), nil
	}
}

// b2Finite returns the exact finite value of a point, or nil.
func b2Finite(r b2Rng) value.Value {
	if !r.exact || b2InfSign(r.lo) != 0 {
		return nil
	}
	return r.lo
}

func b2Start(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := b2Prep1("Start", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	return b2Finite(x.start), nil
}

func b2End(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := b2Prep1("End", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	return b2Finite(x.end), nil
}

// b2Diff returns hi - lo for numeric and quantity points, nil when it
// cannot be computed.
func b2Diff(lo, hi value.Value) (value.Value, error) {
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

func b2Width(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := b2Prep1("Width", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := b2Finite(x.start), b2Finite(x.end)
	if lo == nil || hi == nil {
		return nil, nil
	}
	return b2Diff(lo, hi)
}

// b2Size is the number of points: width plus one step of the point type.
func b2Size(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := b2Prep1("Size", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := b2Finite(x.start), b2Finite(x.end)
	if lo == nil || hi == nil {
		return nil, nil
	}
	// size = successor(end) - start, computed without overflowing at the
	// type's maximum.
	w, err := b2Diff(lo, hi)
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
		d, err := value.DecAdd(v, b2Step)
		if err != nil {
			return nil, nil
		}
		return d, nil
	case value.Quantity:
		d, err := value.DecAdd(v.Value, b2Step)
		if err != nil {
			return nil, nil
		}
		return value.Quantity{Value: d, Unit: v.Unit}, nil
	}
	return nil, nil
}

// b2Step is the step of Decimal and Quantity points.
var b2Step = value.MustDecimal("0.00000001")

func b2PointFrom(_ *Context, a []value.Value) (value.Value, error) {
	x, ok, err := b2Prep1("PointFrom", a, 0)
	if err != nil || !ok {
		return nil, err
	}
	lo, hi := b2Finite(x.start), b2Finite(x.end)
	if lo != nil && hi != nil && b2EQ(lo, hi, value.Unset) == b2T {
		return lo, nil
	}
	return nil, Errorf("point from: the interval is not a unit interval")
}

// b2Contains is "interval contains point": start <= p <= end, where a
// closed null boundary always holds.
func b2Contains(x b2Ivl, pt value.Value, p value.Precision) b2Tri {
	r := b2Exact(pt)
	var lo, hi b2Tri
	switch {
	case x.iv.Low == nil && x.iv.LowClosed:
		lo = b2T
	case x.iv.Low != nil && !x.iv.LowClosed:
		// Compare with the written boundary, which also works when the
		// boundary and the point have different precisions.
		lo = b2PLT(x.iv.Low, pt, p)
	default:
		lo = b2RLE(x.start, r, p)
	}
	switch {
	case x.iv.High == nil && x.iv.HighClosed:
		hi = b2T
	case x.iv.High != nil && !x.iv.HighClosed:
		hi = b2PLT(pt, x.iv.High, p)
	default:
		hi = b2RLE(r, x.end, p)
	}
	return b2And(lo, hi)
}

// b2ProperContains is "interval properly includes point": the point lies
// strictly between start and end (at the precision given).
func b2ProperContains(x b2Ivl, pt value.Value, p value.Precision) b2Tri {
	r := b2Exact(pt)
	return b2And(b2RLT(x.start, r, p), b2RLT(r, x.end, p))
}

// b2memb runs a membership test with the interval in argument ii and the
// point in argument pi: a null interval gives false, a null point null.
func b2memb(op string, a []value.Value, ii, pi int, p value.Precision,
	f func(x b2Ivl, pt value.Value, p value.Precision) b2Tri) (value.Value, error) {
	iv, null, err := b2IvlArg(op, a, ii)
	if err != nil || null {
		return b2FalseV, err
	}
	pt := a[pi]
	x, ok := b2Prep(iv, nil)
	if !ok {
		// An untyped Interval[null, null] behaves as a null interval.
		return b2FalseV, nil
	}
	if pt == nil {
		return nil, nil
	}
	return f(x, pt, p).val(), nil
}

func b2IvlContains(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return b2memb("Contains", a, 0, 1, p, b2Contains)
}

func b2IvlIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return b2memb("In", a, 1, 0, p, b2Contains)
}

func b2IvlProperContains(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return b2memb("ProperContains", a, 0, 1, p, b2ProperContains)
}

func b2IvlProperIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	return b2memb("ProperIn", a, 1, 0, p, b2ProperContains)
}

// Interval-interval relations.

func b2IncludesRel(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2RLE(x.start, y.start, p), b2RLE(y.end, x.end, p))
}

func b2ProperIncludesRel(x, y b2Ivl, p value.Precision) b2Tri {
	inc := b2IncludesRel(x, y, p)
	if inc == b2F {
		return b2F
	}
	return b2And(inc, b2Or(b2RLT(x.start, y.start, p), b2RLT(y.end, x.end, p)))
}

func b2IvlIncludes(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("Includes", a)
	if err != nil || !ok {
		return nil, err
	}
	return b2IncludesRel(x, y, p).val(), nil
}

func b2IvlIncludedIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("IncludedIn", a)
	if err != nil || !ok {
		return nil, err
	}
	return b2IncludesRel(y, x, p).val(), nil
}

func b2IvlProperIncludes(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("ProperIncludes", a)
	if err != nil || !ok {
		return nil, err
	}
	return b2ProperIncludesRel(x, y, p).val(), nil
}

func b2IvlProperIncludedIn(_ *Context, p value.Precision, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("ProperIncludedIn", a)
	if err != nil || !ok {
		return nil, err
	}
	return b2ProperIncludesRel(y, x, p).val(), nil
}

func b2Overlaps(x, y b2Ivl, p value.Precision) b2Tri {
	r := b2RLE(x.start, y.end, p)
	if r == b2F {
		return b2F
	}
	return b2And(r, b2RLE(y.start, x.end, p))
}

// b2OverlapsBefore: x overlaps y and starts before it.
func b2OverlapsBefore(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2Overlaps(x, y, p), b2RLT(x.start, y.start, p))
}

// b2OverlapsAfter: x overlaps y and ends after it.
func b2OverlapsAfter(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2Overlaps(x, y, p), b2RLT(y.end, x.end, p))
}

// b2MeetsBefore: x ends immediately before y starts.
func b2MeetsBefore(x, y b2Ivl, p value.Precision) b2Tri {
	return b2REQ(b2RSucc(x.end, p), b2Trunced(y.start, p), p)
}

// b2Trunced truncates the points of a range to precision p (temporal only),
// so that it can be compared with a successor computed at p.
func b2Trunced(r b2Rng, p value.Precision) b2Rng {
	if p == value.Unset {
		return r
	}
	if r.exact {
		return b2Exact(b2Trunc(r.lo, p))
	}
	return b2Rng{lo: b2Trunc(r.lo, p), hi: b2Trunc(r.hi, p)}
}

func b2MeetsAfter(x, y b2Ivl, p value.Precision) b2Tri { return b2MeetsBefore(y, x, p) }

func b2Meets(x, y b2Ivl, p value.Precision) b2Tri {
	return b2Or(b2MeetsBefore(x, y, p), b2MeetsBefore(y, x, p))
}

func b2Starts(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2REQ(x.start, y.start, p), b2RLE(x.end, y.end, p))
}

func b2Ends(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2RLE(y.start, x.start, p), b2REQ(x.end, y.end, p))
}

func b2SameAs(x, y b2Ivl, p value.Precision) b2Tri {
	return b2And(b2REQ(x.start, y.start, p), b2REQ(x.end, y.end, p))
}

// b2Before: x ends before y starts.
func b2Before(x, y b2Ivl, p value.Precision) b2Tri { return b2RLT(x.end, y.start, p) }

// b2After: x starts after y ends.
func b2After(x, y b2Ivl, p value.Precision) b2Tri { return b2RLT(y.end, x.start, p) }

// b2SameOrBefore: x ends on or before y starts.
func b2SameOrBefore(x, y b2Ivl, p value.Precision) b2Tri { return b2RLE(x.end, y.start, p) }

// b2SameOrAfter: x starts on or after y ends.
func b2SameOrAfter(x, y b2Ivl, p value.Precision) b2Tri { return b2RLE(y.end, x.start, p) }

// Union, Intersect and Except build intervals from the boundaries of their
// arguments as written, so that open and closed boundaries survive.

type b2Bound struct {
	v      value.Value
	closed bool
}

func (x b2Ivl) low() b2Bound  { return b2Bound{x.iv.Low, x.iv.LowClosed} }
func (x b2Ivl) high() b2Bound { return b2Bound{x.iv.High, x.iv.HighClosed} }

// b2Pick chooses between two boundaries given the comparison "a's point is
// the one to keep": true keeps a, false keeps b, and unknown keeps the one
// that is an open null (itself unknown) or fails.
func b2Pick(keepA b2Tri, a, b b2Bound) (b2Bound, bool) {
	switch keepA {
	case b2T:
		return a, true
	case b2F:
		return b, true
	}
	if b2IsNullOpen(a.v, a.closed) {
		return a, true
	}
	if b2IsNullOpen(b.v, b.closed) {
		return b, true
	}
	return b2Bound{}, false
}

func b2MkIvl(lo, hi b2Bound, pt types.Type) value.Interval {
	return value.Interval{Low: lo.v, High: hi.v, LowClosed: lo.closed, HighClosed: hi.closed, PointType: pt}
}

// b2UnionIvl is the union of two intervals that overlap or meet, with
// ok=false when they do not (or it is unknown).
func b2UnionIvl(x, y b2Ivl) (value.Interval, bool) {
	if b2Or(b2Overlaps(x, y, value.Unset), b2Meets(x, y, value.Unset)) != b2T {
		return value.Interval{}, false
	}
	lo, ok1 := b2Pick(b2RLE(x.start, y.start, value.Unset), x.low(), y.low())
	hi, ok2 := b2Pick(b2RLE(y.end, x.end, value.Unset), x.high(), y.high())
	if !ok1 || !ok2 {
		return value.Interval{}, false
	}
	return b2MkIvl(lo, hi, x.pt), true
}

func b2IvlUnion(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("Union", a)
	if err != nil || !ok {
		return nil, err
	}
	u, ok := b2UnionIvl(x, y)
	if !ok {
		return nil, nil
	}
	return u, nil
}

func b2IvlIntersect(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("Intersect", a)
	if err != nil || !ok {
		return nil, err
	}
	if b2Overlaps(x, y, value.Unset) != b2T {
		return nil, nil
	}
	lo, ok1 := b2Pick(b2RLE(y.start, x.start, value.Unset), x.low(), y.low())
	hi, ok2 := b2Pick(b2RLE(x.end, y.end, value.Unset), x.high(), y.high())
	if !ok1 || !ok2 {
		return nil, nil
	}
	return b2MkIvl(lo, hi, x.pt), nil
}

// b2IvlExcept returns the part of x outside y, or null when that is not a
// single interval (y inside x) or is empty.
func b2IvlExcept(_ *Context, a []value.Value) (value.Value, error) {
	x, y, ok, err := b2Prep2("Except", a)
	if err != nil || !ok {
		return nil, err
	}
	switch b2Overlaps(x, y, value.Unset) {
	case b2F:
		return x.iv, nil
	case b2U:
		return nil, nil
	}
	coversStart := b2RLE(y.start, x.start, value.Unset)
	coversEnd := b2RLE(x.end, y.end, value.Unset)
	if coversStart == b2U || coversEnd == b2U {
		return nil, nil
	}
	switch {
	case coversStart == b2T && coversEnd == b2T, coversStart == b2F && coversEnd == b2F:
		// Nothing is left, or y splits x in two.
		return nil, nil
	case coversStart == b2T:
		e := b2Finite(y.end)
		if e == nil {
			return nil, nil
		}
		s := b2Succ(e)
		if b2InfSign(s) != 0 {
			return nil, nil
		}
		return b2MkIvl(b2Bound{s, true}, x.high(), x.pt), nil
	default:
		s := b2Finite(y.start)
		if s == nil {
			return nil, nil
		}
		e := b2Pred(s)
		if b2InfSign(e) != 0 {
			return nil, nil
		}
		return b2MkIvl(x.low(), b2Bound{e, true}, x.pt), nil
	}
}

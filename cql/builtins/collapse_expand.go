package builtins

// Collapse and Expand, the list-of-intervals operators.

import (
	"sort"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// registerCollapseExpand registers the operators of this file (called from collections.go).
func registerCollapseExpand() {
	lt := ListOf(IvlT)
	q := types.Quantity
	reg("Collapse", lt, collapseOp, lt)
	reg("Collapse", lt, collapseOp, lt, q)
	reg("Expand", lt, expandList, lt)
	reg("Expand", lt, expandList, lt, q)
	reg("Expand", ListT, expandIvl, IvlT)
	reg("Expand", ListT, expandIvl, IvlT, q)
}

// perQuantity is the "per" argument of Collapse and Expand.
type perQuantity struct {
	temporal bool
	prec     value.Precision // temporal: the precision of the unit
	n        int64           // temporal: the number of units (weeks count as 7 days)
	dec      value.Decimal   // numeric: the amount
	unit     string          // numeric: the unit ("1" when dimensionless)
}

// temporalUnits maps the calendar keywords and UCUM units of a temporal
// per quantity to the precision stepped and the number of steps (a week is
// seven days).
var temporalUnits = map[string]struct {
	p    value.Precision
	mult int64
}{
	"year": {value.Year, 1}, "years": {value.Year, 1}, "a": {value.Year, 1},
	"month": {value.Month, 1}, "months": {value.Month, 1}, "mo": {value.Month, 1},
	"week": {value.Day, 7}, "weeks": {value.Day, 7}, "wk": {value.Day, 7},
	"day": {value.Day, 1}, "days": {value.Day, 1}, "d": {value.Day, 1},
	"hour": {value.Hour, 1}, "hours": {value.Hour, 1}, "h": {value.Hour, 1},
	"minute": {value.Minute, 1}, "minutes": {value.Minute, 1}, "min": {value.Minute, 1},
	"second": {value.Second, 1}, "seconds": {value.Second, 1}, "s": {value.Second, 1},
	"millisecond": {value.Millisecond, 1}, "milliseconds": {value.Millisecond, 1}, "ms": {value.Millisecond, 1},
}

// perArg reads the optional per argument i; nil when absent or null.
func perArg(op string, a []value.Value, i int) (*perQuantity, error) {
	if i >= len(a) || a[i] == nil {
		return nil, nil
	}
	q, ok := a[i].(value.Quantity)
	if !ok {
		return nil, Errorf("%s: per must be a quantity, got a value of type %s", op, a[i].Type())
	}
	if q.Value.D == nil || q.Value.D.Sign() <= 0 {
		return nil, Errorf("%s: per must be positive", op)
	}
	if u, ok := temporalUnits[q.Unit]; ok {
		n, err := value.DecToInt64(q.Value)
		if err != nil {
			t, terr := value.DecTruncate(q.Value)
			if terr != nil {
				return nil, Errorf("%s: per %s is out of range", op, q.Value)
			}
			if n, err = value.DecToInt64(t); err != nil {
				return nil, Errorf("%s: per %s is out of range", op, q.Value)
			}
		}
		if n <= 0 {
			return nil, Errorf("%s: per must be at least one %s", op, q.Unit)
		}
		return &perQuantity{temporal: true, prec: u.p, n: n * u.mult}, nil
	}
	unit := q.Unit
	if unit == "" {
		unit = "1"
	}
	return &perQuantity{dec: q.Value, unit: unit}, nil
}

// ivlItems prepares the non-null intervals of a list, sorted by start.
func ivlItems(op string, l value.List) ([]normIvl, error) {
	items := make([]normIvl, 0, len(l.Elems))
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		iv, ok := e.(value.Interval)
		if !ok {
			return nil, Errorf("%s: expected a list of intervals, found a value of type %s", op, e.Type())
		}
		if x, ok := normalize(iv, nil); ok {
			items = append(items, x)
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		return ltInf(items[i].start.lo, items[j].start.lo, value.Unset) == triTrue
	})
	return items, nil
}

// ivlListType is the element type of a list of intervals.
func ivlListType(l value.List, items []normIvl) types.Type {
	if it, ok := l.ElemType.(*types.Interval); ok && types.IsOrdered(it.Point) {
		return it
	}
	if len(items) > 0 {
		return IntervalOf(items[0].pt)
	}
	if l.ElemType != nil {
		return l.ElemType
	}
	return IntervalOf(types.Any)
}

func collapseOp(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Collapse", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := perArg("Collapse", a, 1)
	if err != nil {
		return nil, err
	}
	items, err := ivlItems("Collapse", l)
	if err != nil {
		return nil, err
	}
	et := ivlListType(l, items)
	out := make([]value.Value, 0, len(items))
	if len(items) == 0 {
		return makeList(out, et), nil
	}
	cur := items[0]
	for i, next := range items[1:] {
		if i&1023 == 1023 {
			if err := cancelled(c); err != nil {
				return nil, err
			}
		}
		if ivlJoins(cur, next, per) != triTrue {
			out = append(out, cur.iv)
			cur = next
			continue
		}
		hi, ok := pickBound(leRange(next.end, cur.end, value.Unset), cur.high(), next.high())
		if !ok {
			hi = next.high()
		}
		merged := makeIvl(cur.low(), hi, cur.pt)
		if m, ok := normalize(merged, cur.pt); ok {
			cur = m
		}
	}
	out = append(out, cur.iv)
	return makeList(out, et), nil
}

// ivlJoins reports whether next (which does not start before cur) overlaps
// or meets cur, with the per granularity when given.
func ivlJoins(cur, next normIvl, per *perQuantity) tri {
	if per != nil {
		end := finitePoint(cur.end)
		start := finitePoint(next.start)
		if end != nil && start != nil {
			if per.temporal && isTemporal(end) {
				e := truncatePoint(end, per.prec)
				lim, err := value.AddQuantity(e, value.Quantity{Value: value.DecimalFromInt(per.n), Unit: per.prec.String()})
				if err == nil && lim != nil {
					return leAt(truncatePoint(start, per.prec), lim, per.prec)
				}
			} else if !per.temporal {
				if ed, ok := magnitudeOf(end); ok {
					if sd, ok := magnitudeOf(start); ok {
						var lim apd.Decimal
						if _, err := decCtx.Add(&lim, ed, per.dec.D); err == nil {
							return triBool(sd.Cmp(&lim) <= 0)
						}
					}
				}
			}
		}
	}
	return leRange(next.start, succRange(cur.end, value.Unset), value.Unset)
}

// magnitudeOf returns the decimal form of an Integer, Long, Decimal or the
// value of a Quantity.
func magnitudeOf(v value.Value) (*apd.Decimal, bool) {
	if q, ok := v.(value.Quantity); ok {
		return q.Value.D, q.Value.D != nil
	}
	return decOf(v)
}

// expander accumulates the output of Expand.
type expander struct {
	c      *Context
	points bool // emit the start points rather than unit intervals
	out    []value.Value
	pt     types.Type
	last   value.Value // start of the last emitted unit, to skip repeats
	steps  int
	anchor *apd.Decimal // numeric: the first unit's start, for alignment
}

// maxExpand bounds the size of an expansion, also when no list size
// limit is set.
const maxExpand = 1_000_000

func expandTooLarge() error { return &LimitError{Limit: "list size", Max: maxExpand} }

func (e *expander) emit(lo, hi value.Value, pt types.Type) error {
	if e.last != nil && leInf(lo, e.last, value.Unset) == triTrue {
		return nil
	}
	e.last = lo
	e.pt = pt
	if err := e.c.CheckListSize(len(e.out) + 1); err != nil {
		return err
	}
	if len(e.out) >= maxExpand {
		return expandTooLarge()
	}
	if err := e.c.Charge(ValueBytes); err != nil {
		return err
	}
	if e.points {
		e.out = append(e.out, lo)
	} else {
		e.out = append(e.out, value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true, PointType: pt})
	}
	e.steps++
	if e.steps&1023 == 0 {
		return cancelled(e.c)
	}
	return nil
}

// coarsestPrecision is the coarsest precision among the temporal
// boundaries of the intervals, or Unset when there are none.
func coarsestPrecision(items []normIvl) value.Precision {
	p := value.Unset
	for _, x := range items {
		for _, v := range []value.Value{x.iv.Low, x.iv.High} {
			if q := precisionOf(v); q != value.Unset && (p == value.Unset || q < p) {
				p = q
			}
		}
	}
	return p
}

// expandOne contributes the units of one interval. Intervals with a
// null boundary contribute nothing (an open null boundary is unknown; a
// closed one would reach the end of the point type's range).
func (e *expander) expandOne(x normIvl, per *perQuantity, defPrec value.Precision) error {
	if x.iv.Low == nil || x.iv.High == nil {
		return nil
	}
	lo, hi := finitePoint(x.start), finitePoint(x.end)
	if lo == nil || hi == nil || leInf(lo, hi, value.Unset) != triTrue {
		return nil
	}
	switch lo.(type) {
	case value.Date, value.DateTime, value.Time:
		return e.expandTemporal(lo, hi, per, defPrec)
	case value.Integer, value.Long, value.Decimal, value.Quantity:
		return e.expandNumeric(lo, hi, per)
	}
	return Errorf("expand: intervals of %s cannot be expanded", x.pt)
}

func (e *expander) expandTemporal(lo, hi value.Value, per *perQuantity, defPrec value.Precision) error {
	prec, n := defPrec, int64(1)
	if per != nil {
		if !per.temporal {
			return Errorf("expand: the per quantity of a date or time interval must have a time unit")
		}
		prec, n = per.prec, per.n
	}
	if prec == value.Unset {
		return nil
	}
	if _, isTime := lo.(value.Time); isTime && prec < value.Hour {
		return nil
	}
	if _, isDate := lo.(value.Date); isDate && prec > value.Day {
		return nil
	}
	// Boundaries less precise than the unit are uncertain at that unit.
	if precisionOf(lo) < prec || precisionOf(hi) < prec {
		return nil
	}
	s, end := truncatePoint(lo, prec), truncatePoint(hi, prec)
	// Refuse hopeless expansions before building anything.
	if d, err := value.DifferenceBetween(s, end, prec); err == nil {
		if k, ok := d.(value.Integer); ok && n > 0 {
			est := int64(k) / n
			if est > maxExpand {
				return expandTooLarge()
			}
			if err := e.c.CheckListSize(len(e.out) + int(est)); err != nil {
				return err
			}
		}
	}
	kw := prec.String()
	// kw is the unit of prec, so a unit of n steps ends n-1 steps after
	// its start.
	step := value.Quantity{Value: value.DecimalFromInt(n), Unit: kw}
	last := value.Quantity{Value: value.DecimalFromInt(n - 1), Unit: kw}
	for {
		ue, err := value.AddQuantity(s, last)
		if err != nil || ue == nil || leInf(ue, end, value.Unset) != triTrue {
			return nil
		}
		if n > 1 && leInf(s, ue, value.Unset) != triTrue {
			return nil // wrapped around midnight (Time)
		}
		next, err := value.AddQuantity(s, step)
		if err != nil || next == nil {
			next = nil // past the end of the calendar: this is the last unit
		}
		if err := e.emit(s, ue, s.Type()); err != nil {
			return err
		}
		if next == nil || ltInf(s, next, value.Unset) != triTrue {
			return nil // the calendar ended, or Time wrapped around
		}
		s = next
	}
}

// expandNumeric expands Integer, Long, Decimal and Quantity intervals. The
// units of later intervals are aligned with those of the first one.
func (e *expander) expandNumeric(lo, hi value.Value, per *perQuantity) error {
	unit := ""
	if q, ok := lo.(value.Quantity); ok {
		unit = q.Unit
		if h, ok := hi.(value.Quantity); ok && h.Unit != unit {
			c, err := value.ConvertQuantity(h, unit)
			if err != nil {
				return Errorf("expand: interval boundaries have incompatible units %q and %q", unit, h.Unit)
			}
			hi = c
		}
	}
	pv := apd.New(1, 0)
	perScale := 0
	if per != nil {
		if per.temporal {
			return Errorf("expand: the per quantity of a numeric interval cannot have a time unit")
		}
		pd := per.dec
		if per.unit != "1" && unit != "" && per.unit != unit {
			c, err := value.ConvertQuantity(value.Quantity{Value: per.dec, Unit: per.unit}, unit)
			if err != nil {
				return Errorf("expand: the per unit %q is not compatible with %q", per.unit, unit)
			}
			pd = c.Value
		} else if per.unit != "1" && unit == "" {
			return Errorf("expand: the per quantity of a numeric interval must have the unit '1'")
		}
		pv = pd.D
		perScale = pd.Scale()
	}
	if pv.Sign() <= 0 {
		return nil
	}
	ld, _ := magnitudeOf(lo)
	hd, _ := magnitudeOf(hi)
	_, isInt := lo.(value.Integer)
	_, isLong := lo.(value.Long)
	integral := (isInt || isLong) && (per == nil || value.DecIsInteger(value.Decimal{D: pv}))
	pointScale := 0
	for _, d := range []*apd.Decimal{ld, hd} {
		if d.Exponent < 0 && int(-d.Exponent) > pointScale {
			pointScale = int(-d.Exponent)
		}
	}
	var loD, hiD apd.Decimal
	var err error
	if integral {
		perScale = 0
		if _, err = decCtx.Quantize(&loD, ld, 0); err == nil {
			_, err = decCtx.Quantize(&hiD, hd, 0)
		}
	} else if perScale > pointScale {
		// Each point of the coarser point type covers the range up to the
		// next one: Interval[10, 10] per 0.1 is 10.0 .. 10.9.
		var up apd.Decimal
		if _, err = decCtx.Sub(&up, apd.New(1, int32(-pointScale)), apd.New(1, int32(-perScale))); err == nil {
			if _, err = decCtx.Add(&hiD, hd, &up); err == nil {
				if _, err = decCtx.Quantize(&hiD, &hiD, int32(-perScale)); err == nil {
					_, err = decCtx.Quantize(&loD, ld, int32(-perScale))
				}
			}
		}
	} else {
		// More precise boundaries are truncated to the precision of per.
		fl := *decCtx
		fl.Rounding = apd.RoundFloor
		if _, err = fl.Quantize(&loD, ld, int32(-perScale)); err == nil {
			_, err = fl.Quantize(&hiD, hd, int32(-perScale))
		}
	}
	if err != nil {
		return Errorf("expand: %v", err)
	}
	// Units are aligned with the first unit of the first interval.
	if e.anchor == nil {
		e.anchor = new(apd.Decimal).Set(&loD)
	} else if e.anchor.Cmp(&loD) < 0 {
		var k, off apd.Decimal
		ce := *decCtx
		ce.Rounding = apd.RoundCeiling
		if _, err := decCtx.Sub(&off, &loD, e.anchor); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := decCtx.Quo(&k, &off, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := ce.Quantize(&k, &k, 0); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := decCtx.Mul(&k, &k, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := decCtx.Add(&loD, &k, e.anchor); err != nil {
			return Errorf("expand: %v", err)
		}
	}
	var width apd.Decimal
	if _, err := decCtx.Sub(&width, pv, apd.New(1, int32(-perScale))); err != nil {
		return Errorf("expand: %v", err)
	}
	// Estimate the number of units to refuse hopeless expansions early.
	var cnt apd.Decimal
	if _, err := decCtx.Sub(&cnt, &hiD, &loD); err != nil {
		return Errorf("expand: %v", err)
	}
	if _, err := decCtx.Quo(&cnt, &cnt, pv); err != nil {
		return Errorf("expand: %v", err)
	}
	if cnt.Cmp(apd.New(maxExpand, 0)) > 0 {
		return expandTooLarge()
	}
	if cnt.Sign() > 0 {
		fl := *decCtx
		fl.Rounding = apd.RoundFloor
		if _, err := fl.Quantize(&cnt, &cnt, 0); err == nil {
			if n, err := cnt.Int64(); err == nil {
				if err := e.c.CheckListSize(len(e.out) + int(n)); err != nil {
					return err
				}
			}
		}
	}
	mk := func(d *apd.Decimal) (value.Value, types.Type, error) {
		switch {
		case integral && isInt:
			n, err := d.Int64()
			if err != nil || n > 1<<31-1 || n < -1<<31 {
				return nil, nil, Errorf("expand: Integer overflow")
			}
			return value.Integer(n), types.Integer, nil
		case integral && isLong:
			n, err := d.Int64()
			if err != nil {
				return nil, nil, Errorf("expand: Long overflow")
			}
			return value.Long(n), types.Long, nil
		}
		dv, err := value.DecimalFromApd(d)
		if err != nil {
			return nil, nil, Errorf("expand: %v", err)
		}
		if unit != "" {
			return value.Quantity{Value: dv, Unit: unit}, types.Quantity, nil
		}
		return dv, types.Decimal, nil
	}
	s := new(apd.Decimal).Set(&loD)
	for {
		var ue apd.Decimal
		if _, err := decCtx.Add(&ue, s, &width); err != nil {
			return Errorf("expand: %v", err)
		}
		if ue.Cmp(&hiD) > 0 {
			return nil
		}
		sv, pt, err := mk(s)
		if err != nil {
			return err
		}
		uv, _, err := mk(&ue)
		if err != nil {
			return err
		}
		if err := e.emit(sv, uv, pt); err != nil {
			return err
		}
		next := new(apd.Decimal)
		if _, err := decCtx.Add(next, s, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		s = next
	}
}

// expandList is Expand(List<Interval<T>>[, per]) -> List<Interval<T>>.
func expandList(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Expand", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := perArg("Expand", a, 1)
	if err != nil {
		return nil, err
	}
	items, err := ivlItems("Expand", l)
	if err != nil {
		return nil, err
	}
	e := &expander{c: c, out: []value.Value{}}
	def := coarsestPrecision(items)
	for _, x := range items {
		if err := e.expandOne(x, per, def); err != nil {
			return nil, err
		}
	}
	et := ivlListType(l, items)
	if e.pt != nil {
		et = IntervalOf(e.pt)
	}
	return makeList(e.out, et), nil
}

// expandIvl is Expand(Interval<T>[, per]) -> List<T>: the start points of
// the units.
func expandIvl(c *Context, a []value.Value) (value.Value, error) {
	iv, null, err := ivlArg("Expand", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := perArg("Expand", a, 1)
	if err != nil {
		return nil, err
	}
	e := &expander{c: c, points: true, out: []value.Value{}}
	x, ok := normalize(iv, nil)
	var et types.Type = types.Any
	if ok {
		et = x.pt
		if err := e.expandOne(x, per, coarsestPrecision([]normIvl{x})); err != nil {
			return nil, err
		}
	}
	if e.pt != nil {
		et = e.pt
	}
	return makeList(e.out, et), nil
}

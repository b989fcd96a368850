package builtins

// Collapse and Expand, the list-of-intervals operators.

import (
	"sort"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// b2RegisterCollapseExpand registers the operators of this file (called from b2_init.go).
func b2RegisterCollapseExpand() {
	lt := ListOf(IvlT)
	q := types.Quantity
	b2Reg("Collapse", lt, b2Collapse, lt)
	b2Reg("Collapse", lt, b2Collapse, lt, q)
	b2Reg("Expand", lt, b2ExpandList, lt)
	b2Reg("Expand", lt, b2ExpandList, lt, q)
	b2Reg("Expand", ListT, b2ExpandIvl, IvlT)
	b2Reg("Expand", ListT, b2ExpandIvl, IvlT, q)
}

// b2Per is the "per" argument of Collapse and Expand.
type b2Per struct {
	temporal bool
	prec     value.Precision // temporal: the precision of the unit
	n        int64           // temporal: the number of units (weeks count as 7 days)
	unitKw   string          // temporal: the calendar keyword added per step
	dec      value.Decimal   // numeric: the amount
	unit     string          // numeric: the unit ("1" when dimensionless)
}

var b2TemporalUnits = map[string]struct {
	p    value.Precision
	mult int64
	kw   string
}{
	"year": {value.Year, 1, "year"}, "years": {value.Year, 1, "year"}, "a": {value.Year, 1, "year"},
	"month": {value.Month, 1, "month"}, "months": {value.Month, 1, "month"}, "mo": {value.Month, 1, "month"},
	"week": {value.Day, 7, "day"}, "weeks": {value.Day, 7, "day"}, "wk": {value.Day, 7, "day"},
	"day": {value.Day, 1, "day"}, "days": {value.Day, 1, "day"}, "d": {value.Day, 1, "day"},
	"hour": {value.Hour, 1, "hour"}, "hours": {value.Hour, 1, "hour"}, "h": {value.Hour, 1, "hour"},
	"minute": {value.Minute, 1, "minute"}, "minutes": {value.Minute, 1, "minute"}, "min": {value.Minute, 1, "minute"},
	"second": {value.Second, 1, "second"}, "seconds": {value.Second, 1, "second"}, "s": {value.Second, 1, "second"},
	"millisecond": {value.Millisecond, 1, "millisecond"}, "milliseconds": {value.Millisecond, 1, "millisecond"},
	"ms": {value.Millisecond, 1, "millisecond"},
}

// b2PerArg reads the optional per argument i; nil when absent or null.
func b2PerArg(op string, a []value.Value, i int) (*b2Per, error) {
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
	if u, ok := b2TemporalUnits[q.Unit]; ok {
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
		return &b2Per{temporal: true, prec: u.p, n: n * u.mult, unitKw: u.kw}, nil
	}
	unit := q.Unit
	if unit == "" {
		unit = "1"
	}
	return &b2Per{dec: q.Value, unit: unit}, nil
}

// b2IvlItems prepares the non-null intervals of a list, sorted by start.
func b2IvlItems(op string, l value.List) ([]b2Ivl, error) {
	items := make([]b2Ivl, 0, len(l.Elems))
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		iv, ok := e.(value.Interval)
		if !ok {
			return nil, Errorf("%s: expected a list of intervals, found a value of type %s", op, e.Type())
		}
		if x, ok := b2Prep(iv, nil); ok {
			items = append(items, x)
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		return b2PLT(items[i].start.lo, items[j].start.lo, value.Unset) == b2T
	})
	return items, nil
}

// b2IvlListType is the element type of a list of intervals.
func b2IvlListType(l value.List, items []b2Ivl) types.Type {
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

func b2Collapse(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Collapse", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := b2PerArg("Collapse", a, 1)
	if err != nil {
		return nil, err
	}
	items, err := b2IvlItems("Collapse", l)
	if err != nil {
		return nil, err
	}
	et := b2IvlListType(l, items)
	out := make([]value.Value, 0, len(items))
	if len(items) == 0 {
		return b2MkList(out, et), nil
	}
	cur := items[0]
	for i, next := range items[1:] {
		if i&1023 == 1023 {
			if err := b2Cancelled(c); err != nil {
				return nil, err
			}
		}
		if b2Joins(cur, next, per) != b2T {
			out = append(out, cur.iv)
			cur = next
			continue
		}
		hi, ok := b2Pick(b2RLE(next.end, cur.end, value.Unset), cur.high(), next.high())
		if !ok {
			hi = next.high()
		}
		merged := b2MkIvl(cur.low(), hi, cur.pt)
		if m, ok := b2Prep(merged, cur.pt); ok {
			cur = m
		}
	}
	out = append(out, cur.iv)
	return b2MkList(out, et), nil
}

// b2Joins reports whether next (which does not start before cur) overlaps
// or meets cur, with the per granularity when given.
func b2Joins(cur, next b2Ivl, per *b2Per) b2Tri {
	if per != nil {
		end := b2Finite(cur.end)
		start := b2Finite(next.start)
		if end != nil && start != nil {
			if per.temporal && b2IsTemporal(end) {
				e := b2Trunc(end, per.prec)
				lim, err := value.AddQuantity(e, value.Quantity{Value: value.DecimalFromInt(per.n), Unit: per.unitKw})
				if err == nil && lim != nil {
					return b2LE(b2Trunc(start, per.prec), lim, per.prec)
				}
			} else if !per.temporal {
				if ed, ok := b2DecOf(end); ok {
					if sd, ok := b2DecOf(start); ok {
						var lim apd.Decimal
						if _, err := b2Dec.Add(&lim, ed, per.dec.D); err == nil {
							return b2TriBool(sd.Cmp(&lim) <= 0)
						}
					}
				}
			}
		}
	}
	return b2RLE(next.start, b2RSucc(cur.end, value.Unset), value.Unset)
}

// b2Dec is the context for Expand and Collapse arithmetic.
var b2Dec = &apd.Context{Precision: 40, MaxExponent: 100, MinExponent: -100, Rounding: apd.RoundHalfUp}

// b2DecOf returns the decimal form of an Integer, Long, Decimal or the value
// of a Quantity.
func b2DecOf(v value.Value) (*apd.Decimal, bool) {
	switch x := v.(type) {
	case value.Integer:
		return apd.New(int64(x), 0), true
	case value.Long:
		return apd.New(int64(x), 0), true
	case value.Decimal:
		return x.D, x.D != nil
	case value.Quantity:
		return x.Value.D, x.Value.D != nil
	}
	return nil, false
}

// b2Expander accumulates the output of Expand.
type b2Expander struct {
	c      *Context
	points bool // emit the start points rather than unit intervals
	out    []value.Value
	pt     types.Type
	last   value.Value // start of the last emitted unit, to skip repeats
	steps  int
	anchor *apd.Decimal // numeric: the first unit's start, for alignment
}

// b2MaxExpand bounds the size of an expansion, also when no list size
// limit is set.
const b2MaxExpand = 1_000_000

func (e *b2Expander) emit(lo, hi value.Value, pt types.Type) error {
	if e.last != nil && b2PLE(lo, e.last, value.Unset) == b2T {
		return nil
	}
	e.last = lo
	e.pt = pt
	if err := e.c.CheckListSize(len(e.out) + 1); err != nil {
		return err
	}
	if len(e.out) >= b2MaxExpand {
		return Errorf("expand: the result would have more than %d elements", b2MaxExpand)
	}
	if e.points {
		e.out = append(e.out, lo)
	} else {
		e.out = append(e.out, value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true, PointType: pt})
	}
	e.steps++
	if e.steps&1023 == 0 {
		return b2Cancelled(e.c)
	}
	return nil
}

// b2CoarsestPrecision is the coarsest precision among the temporal
// boundaries of the intervals, or Unset when there are none.
func b2CoarsestPrecision(items []b2Ivl) value.Precision {
	p := value.Unset
	for _, x := range items {
		for _, v := range []value.Value{x.iv.Low, x.iv.High} {
			if q := b2PrecisionOf(v); q != value.Unset && (p == value.Unset || q < p) {
				p = q
			}
		}
	}
	return p
}

// b2ExpandOne contributes the units of one interval. Intervals with a
// null boundary contribute nothing (an open null boundary is unknown; a
// closed one would reach the end of the point type's range).
func (e *b2Expander) expandOne(x b2Ivl, per *b2Per, defPrec value.Precision) error {
	if x.iv.Low == nil || x.iv.High == nil {
		return nil
	}
	lo, hi := b2Finite(x.start), b2Finite(x.end)
	if lo == nil || hi == nil || b2PLE(lo, hi, value.Unset) != b2T {
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

func (e *b2Expander) expandTemporal(lo, hi value.Value, per *b2Per, defPrec value.Precision) error {
	prec, n, kw := defPrec, int64(1), ""
	if per != nil {
		if !per.temporal {
			return Errorf("expand: the per quantity of a date or time interval must have a time unit")
		}
		prec, n, kw = per.prec, per.n, per.unitKw
	}
	if prec == value.Unset {
		return nil
	}
	if kw == "" {
		kw = [...]string{value.Year: "year", value.Month: "month", value.Day: "day", value.Hour: "hour",
			value.Minute: "minute", value.Second: "second", value.Millisecond: "millisecond"}[prec]
	}
	if _, isTime := lo.(value.Time); isTime && prec < value.Hour {
		return nil
	}
	if _, isDate := lo.(value.Date); isDate && prec > value.Day {
		return nil
	}
	// Boundaries less precise than the unit are uncertain at that unit.
	if b2PrecisionOf(lo) < prec || b2PrecisionOf(hi) < prec {
		return nil
	}
	s, end := b2Trunc(lo, prec), b2Trunc(hi, prec)
	// Refuse hopeless expansions before building anything.
	if d, err := value.DifferenceBetween(s, end, prec); err == nil {
		if k, ok := d.(value.Integer); ok && n > 0 {
			est := int64(k) / n
			if est > b2MaxExpand {
				return Errorf("expand: the result would have more than %d elements", b2MaxExpand)
			}
			if err := e.c.CheckListSize(len(e.out) + int(est)); err != nil {
				return err
			}
		}
	}
	// kw is the unit of prec, so a unit of n steps ends n-1 steps after
	// its start.
	step := value.Quantity{Value: value.DecimalFromInt(n), Unit: kw}
	last := value.Quantity{Value: value.DecimalFromInt(n - 1), Unit: kw}
	for {
		ue, err := value.AddQuantity(s, last)
		if err != nil || ue == nil || b2PLE(ue, end, value.Unset) != b2T {
			return nil
		}
		if n > 1 && b2PLE(s, ue, value.Unset) != b2T {
			return nil // wrapped around midnight (Time)
		}
		next, err := value.AddQuantity(s, step)
		if err != nil || next == nil {
			next = nil // past the end of the calendar: this is the last unit
		}
		if err := e.emit(s, ue, s.Type()); err != nil {
			return err
		}
		if next == nil || b2PLT(s, next, value.Unset) != b2T {
			return nil // the calendar ended, or Time wrapped around
		}
		s = next
	}
}

// expandNumeric expands Integer, Long, Decimal and Quantity intervals. The
// units of later intervals are aligned with those of the first one.
func (e *b2Expander) expandNumeric(lo, hi value.Value, per *b2Per) error {
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
	ld, _ := b2DecOf(lo)
	hd, _ := b2DecOf(hi)
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
		if _, err = b2Dec.Quantize(&loD, ld, 0); err == nil {
			_, err = b2Dec.Quantize(&hiD, hd, 0)
		}
	} else if perScale > pointScale {
		// Each point of the coarser point type covers the range up to the
		// next one: Interval[10, 10] per 0.1 is 10.0 .. 10.9.
		var up apd.Decimal
		if _, err = b2Dec.Sub(&up, apd.New(1, int32(-pointScale)), apd.New(1, int32(-perScale))); err == nil {
			if _, err = b2Dec.Add(&hiD, hd, &up); err == nil {
				if _, err = b2Dec.Quantize(&hiD, &hiD, int32(-perScale)); err == nil {
					_, err = b2Dec.Quantize(&loD, ld, int32(-perScale))
				}
			}
		}
	} else {
		// More precise boundaries are truncated to the precision of per.
		fl := *b2Dec
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
		ce := *b2Dec
		ce.Rounding = apd.RoundCeiling
		if _, err := b2Dec.Sub(&off, &loD, e.anchor); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := b2Dec.Quo(&k, &off, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := ce.Quantize(&k, &k, 0); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := b2Dec.Mul(&k, &k, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		if _, err := b2Dec.Add(&loD, &k, e.anchor); err != nil {
			return Errorf("expand: %v", err)
		}
	}
	var width apd.Decimal
	if _, err := b2Dec.Sub(&width, pv, apd.New(1, int32(-perScale))); err != nil {
		return Errorf("expand: %v", err)
	}
	// Estimate the number of units to refuse hopeless expansions early.
	var cnt apd.Decimal
	if _, err := b2Dec.Sub(&cnt, &hiD, &loD); err != nil {
		return Errorf("expand: %v", err)
	}
	if _, err := b2Dec.Quo(&cnt, &cnt, pv); err != nil {
		return Errorf("expand: %v", err)
	}
	if cnt.Cmp(apd.New(b2MaxExpand, 0)) > 0 {
		return Errorf("expand: the result would have more than %d elements", b2MaxExpand)
	}
	if cnt.Sign() > 0 {
		fl := *b2Dec
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
		if _, err := b2Dec.Add(&ue, s, &width); err != nil {
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
		if _, err := b2Dec.Add(next, s, pv); err != nil {
			return Errorf("expand: %v", err)
		}
		s = next
	}
}

// b2ExpandList is Expand(List<Interval<T>>[, per]) -> List<Interval<T>>.
func b2ExpandList(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Expand", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := b2PerArg("Expand", a, 1)
	if err != nil {
		return nil, err
	}
	items, err := b2IvlItems("Expand", l)
	if err != nil {
		return nil, err
	}
	e := &b2Expander{c: c, out: []value.Value{}}
	def := b2CoarsestPrecision(items)
	for _, x := range items {
		if err := e.expandOne(x, per, def); err != nil {
			return nil, err
		}
	}
	et := b2IvlListType(l, items)
	if e.pt != nil {
		et = IntervalOf(e.pt)
	}
	return b2MkList(e.out, et), nil
}

// b2ExpandIvl is Expand(Interval<T>[, per]) -> List<T>: the start points of
// the units.
func b2ExpandIvl(c *Context, a []value.Value) (value.Value, error) {
	iv, null, err := b2IvlArg("Expand", a, 0)
	if err != nil || null {
		return nil, err
	}
	per, err := b2PerArg("Expand", a, 1)
	if err != nil {
		return nil, err
	}
	e := &b2Expander{c: c, points: true, out: []value.Value{}}
	x, ok := b2Prep(iv, nil)
	var et types.Type = types.Any
	if ok {
		et = x.pt
		if err := e.expandOne(x, per, b2CoarsestPrecision([]b2Ivl{x})); err != nil {
			return nil, err
		}
	}
	if e.pt != nil {
		et = e.pt
	}
	return b2MkList(e.out, et), nil
}

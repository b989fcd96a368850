package builtins

// Aggregate functions over lists. Null elements are ignored; an empty list
// (or one holding only nulls) gives null, except Count (0), AllTrue (true)
// and AnyTrue (false). A null list behaves like an empty one.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

func init() {
	i, l, d, q, b := types.Integer, types.Long, types.Decimal, types.Quantity, types.Boolean
	li, ll, ld, lq := ListOf(i), ListOf(l), ListOf(d), ListOf(q)

	b1Reg("Count", i, b1Count, ListT)
	b1Reg("AllTrue", b, b1AllTrue, ListOf(b))
	b1Reg("AnyTrue", b, b1AnyTrue, ListOf(b))
	b1Reg("Mode", T, b1Mode, ListT)

	b1Reg("Sum", i, b1SumInt, li)
	b1Reg("Sum", l, b1SumLong, ll)
	b1Reg("Sum", d, b1SumDec, ld)
	b1Reg("Sum", q, b1SumQty, lq)

	b1Reg("Product", i, b1ProductInt, li)
	b1Reg("Product", l, b1ProductLong, ll)
	b1Reg("Product", d, b1ProductDec, ld)
	b1Reg("Product", q, b1ProductQty, lq)

	for _, t := range []types.Type{i, l, d, q, types.String, types.Date, types.DateTime, types.Time} {
		b1Reg("Min", t, b1Min, ListOf(t))
		b1Reg("Max", t, b1Max, ListOf(t))
	}

	// Statistical functions take Decimals or Quantities; Integer and Long
	// lists are accepted too and give Decimal results, sparing the checker
	// a list conversion.
	stats := []struct {
		name string
		fn   func(xs []*apd.Decimal) *apd.Decimal
		sq   bool // the result unit is the square of the input unit
	}{
		{"Avg", b1Mean, false},
		{"Median", b1Median, false},
		{"Variance", b1SampleVariance, true},
		{"PopulationVariance", b1PopulationVariance, true},
		{"StdDev", b1SampleStdDev, false},
		{"PopulationStdDev", b1PopulationStdDev, false},
	}
	for _, st := range stats {
		fn := b1StatFn(st.name, st.fn)
		for _, lt := range []types.Type{ld, li, ll} {
			b1Reg(st.name, d, fn, lt)
		}
		b1Reg(st.name, q, b1StatQtyFn(st.name, st.fn, st.sq), lq)
	}
	gm := b1StatFn("GeometricMean", b1GeometricMean)
	for _, lt := range []types.Type{ld, li, ll} {
		b1Reg("GeometricMean", d, gm, lt)
	}
}

// b1Elems returns the non-null elements of a list argument (nil for a null
// list).
func b1Elems(op string, a []value.Value) ([]value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	l, ok := a[0].(value.List)
	if !ok {
		return nil, b1TypeErr(op, a[0])
	}
	for _, e := range l.Elems {
		if e == nil {
			out := make([]value.Value, 0, len(l.Elems))
			for _, e := range l.Elems {
				if e != nil {
					out = append(out, e)
				}
			}
			return out, nil
		}
	}
	return l.Elems, nil
}

func b1Count(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return value.Integer(0), nil
	}
	l, ok := a[0].(value.List)
	if !ok {
		return nil, b1TypeErr("Count", a[0])
	}
	n := 0
	for _, e := range l.Elems {
		if e != nil {
			n++
		}
	}
	return value.Integer(n), nil
}

func b1AllTrue(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("AllTrue", a)
	if err != nil {
		return nil, err
	}
	for _, e := range xs {
		x, ok := e.(value.Boolean)
		if !ok {
			return nil, b1TypeErr("AllTrue", e)
		}
		if !x {
			return b1False, nil
		}
	}
	return b1True, nil
}

func b1AnyTrue(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("AnyTrue", a)
	if err != nil {
		return nil, err
	}
	for _, e := range xs {
		x, ok := e.(value.Boolean)
		if !ok {
			return nil, b1TypeErr("AnyTrue", e)
		}
		if x {
			return b1True, nil
		}
	}
	return b1False, nil
}

// b1Mode returns the most frequent element (by CQL equality); among equally
// frequent elements, the one appearing first.
func b1Mode(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Mode", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	var best value.Value
	bestN := 0
	switch xs[0].(type) {
	case value.Integer, value.Long, value.String, value.Boolean:
		// Comparable scalars: count with a map.
		counts := make(map[value.Value]int, len(xs))
		for _, e := range xs {
			counts[e]++
		}
		for _, e := range xs {
			if n := counts[e]; n > bestN {
				best, bestN = e, n
			}
		}
		return best, nil
	}
	type group struct {
		v value.Value
		n int
	}
	var groups []group
	for _, e := range xs {
		found := false
		for k := range groups {
			if eq, ok := b1EqualValue(groups[k].v, e).(value.Boolean); ok && bool(eq) {
				groups[k].n++
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, group{v: e, n: 1})
		}
	}
	for _, g := range groups {
		if g.n > bestN {
			best, bestN = g.v, g.n
		}
	}
	return best, nil
}

func b1SumInt(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	var s int64
	for _, e := range xs {
		x, ok := e.(value.Integer)
		if !ok {
			return nil, b1TypeErr("Sum", e)
		}
		s += int64(x)
		if s < -1<<31 || s > 1<<31-1 {
			return nil, nil
		}
	}
	return value.Integer(s), nil
}

func b1SumLong(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	var s int64
	for _, e := range xs {
		x, ok := e.(value.Long)
		if !ok {
			return nil, b1TypeErr("Sum", e)
		}
		if s, ok = b1AddLongOK(s, int64(x)); !ok {
			return nil, nil
		}
	}
	return value.Long(s), nil
}

// b1Decimals returns the apd values of Integer, Long or Decimal elements.
func b1Decimals(op string, xs []value.Value) ([]*apd.Decimal, error) {
	out := make([]*apd.Decimal, len(xs))
	for k, e := range xs {
		d, ok := b1DecOf(e)
		if !ok {
			return nil, b1TypeErr(op, e)
		}
		out[k] = d
	}
	return out, nil
}

// b1DecSum adds exactly (within 40 digits) and keeps the largest scale of
// the inputs, so Sum({1.0, 2.0}) is 3.0.
func b1DecSum(xs []*apd.Decimal) *apd.Decimal {
	s := new(apd.Decimal)
	for _, x := range xs {
		if _, err := b1Ctx.Add(s, s, x); err != nil {
			return nil
		}
	}
	return s
}

func b1SumDec(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	ds, err := b1Decimals("Sum", xs)
	if err != nil {
		return nil, err
	}
	s := b1DecSum(ds)
	if s == nil {
		return nil, nil
	}
	return b1DecResult(s), nil
}

// b1Quantities returns the values of quantity elements expressed in the
// unit of the first one; ok is false when some unit is incompatible.
func b1Quantities(op string, xs []value.Value) (ds []*apd.Decimal, unit string, ok bool, err error) {
	ds = make([]*apd.Decimal, len(xs))
	var first value.Quantity
	for k, e := range xs {
		q, isQ := e.(value.Quantity)
		if !isQ {
			return nil, "", false, b1TypeErr(op, e)
		}
		if q.Value.D == nil {
			return nil, "", false, nil
		}
		if k == 0 {
			first = q
		} else if q.Unit != first.Unit {
			var aerr error
			if _, q, aerr = value.AlignQuantities(first, q); aerr != nil {
				return nil, "", false, nil
			}
		}
		ds[k] = q.Value.D
	}
	return ds, first.Unit, true, nil
}

func b1SumQty(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	ds, unit, ok, err := b1Quantities("Sum", xs)
	if !ok || err != nil {
		return nil, err
	}
	s := b1DecSum(ds)
	if s == nil {
		return nil, nil
	}
	v, derr := value.DecimalFromApd(s)
	if derr != nil {
		return nil, nil
	}
	return value.Quantity{Value: v, Unit: unit}, nil
}

func b1ProductInt(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	p := int64(1)
	for _, e := range xs {
		x, ok := e.(value.Integer)
		if !ok {
			return nil, b1TypeErr("Product", e)
		}
		p *= int64(x)
		if p < -1<<31 || p > 1<<31-1 {
			return nil, nil
		}
	}
	return value.Integer(p), nil
}

func b1ProductLong(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	p := int64(1)
	for _, e := range xs {
		x, ok := e.(value.Long)
		if !ok {
			return nil, b1TypeErr("Product", e)
		}
		if p, ok = b1MulLongOK(p, int64(x)); !ok {
			return nil, nil
		}
	}
	return value.Long(p), nil
}

func b1ProductDec(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	r := xs[0]
	for _, e := range xs[1:] {
		x, ok1 := r.(value.Decimal)
		y, ok2 := e.(value.Decimal)
		if !ok1 || !ok2 {
			return nil, b1TypeErr("Product", e)
		}
		p, derr := value.DecMul(x, y)
		if derr != nil {
			return nil, nil
		}
		r = p
	}
	if _, ok := r.(value.Decimal); !ok {
		return nil, b1TypeErr("Product", r)
	}
	return r, nil
}

func b1ProductQty(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := b1Elems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	r, ok := xs[0].(value.Quantity)
	if !ok {
		return nil, b1TypeErr("Product", xs[0])
	}
	for _, e := range xs[1:] {
		y, ok := e.(value.Quantity)
		if !ok {
			return nil, b1TypeErr("Product", e)
		}
		if r.Value.D == nil || y.Value.D == nil {
			return nil, nil
		}
		p, merr := value.MultiplyQuantities(r, y)
		if merr != nil {
			return nil, nil
		}
		r = p
	}
	return r, nil
}

// b1Pick picks the least (max=false) or greatest element. Elements whose
// order relative to the current choice is uncertain leave it unchanged.
func b1Pick(op string, a []value.Value, max bool) (value.Value, error) {
	xs, err := b1Elems(op, a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	best := xs[0]
	for _, e := range xs[1:] {
		c, ok := b1Cmp(e, best)
		if !ok {
			continue
		}
		if (max && c > 0) || (!max && c < 0) {
			best = e
		}
	}
	return best, nil
}

func b1Min(_ *Context, a []value.Value) (value.Value, error) { return b1Pick("Min", a, false) }
func b1Max(_ *Context, a []value.Value) (value.Value, error) { return b1Pick("Max", a, true) }

// b1StatFn adapts a statistic over decimals to Decimal (or Integer/Long)
// lists.
func b1StatFn(op string, f func([]*apd.Decimal) *apd.Decimal) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		xs, err := b1Elems(op, a)
		if err != nil || len(xs) == 0 {
			return nil, err
		}
		ds, err := b1Decimals(op, xs)
		if err != nil {
			return nil, err
		}
		r := f(ds)
		if r == nil {
			return nil, nil
		}
		return b1DecResult(b1TrimTo(r, b1MaxScale(ds))), nil
	}
}

// b1MaxScale is the largest number of digits after the point among xs.
func b1MaxScale(xs []*apd.Decimal) int32 {
	var m int32
	for _, x := range xs {
		if -x.Exponent > m {
			m = -x.Exponent
		}
	}
	return m
}

// b1TrimTo drops trailing zeros after the point of a computed statistic,
// keeping at least scale digits there (Avg({1.0, 2.0, 3.0, 6.0}) = 3.0, not
// 3.00000000...). It modifies and returns r.
func b1TrimTo(r *apd.Decimal, scale int32) *apd.Decimal {
	if r.Form != apd.Finite || r.Exponent >= -scale {
		return r
	}
	// Round to the Decimal scale first so that trailing zeros appear.
	if r.Exponent < -8 {
		if _, err := b1Ctx.Quantize(r, r, -8); err != nil {
			return r
		}
	}
	var t apd.Decimal
	t.Reduce(r)
	if t.Exponent > -scale {
		if _, err := b1Ctx.Quantize(&t, &t, -scale); err != nil {
			return r
		}
	}
	return r.Set(&t)
}

// b1StatQtyFn adapts a statistic to Quantity lists: values are taken in the
// unit of the first element; variances carry the squared unit.
func b1StatQtyFn(op string, f func([]*apd.Decimal) *apd.Decimal, squared bool) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		xs, err := b1Elems(op, a)
		if err != nil || len(xs) == 0 {
			return nil, err
		}
		ds, unit, ok, err := b1Quantities(op, xs)
		if !ok || err != nil {
			return nil, err
		}
		r := f(ds)
		if r == nil {
			return nil, nil
		}
		v, derr := value.DecimalFromApd(b1TrimTo(r, b1MaxScale(ds)))
		if derr != nil {
			return nil, nil
		}
		if squared && !b1IsUnity(unit) {
			one := value.Quantity{Value: b1NewDec(1), Unit: unit}
			if sq, merr := value.MultiplyQuantities(one, one); merr == nil {
				unit = sq.Unit
			}
		}
		return value.Quantity{Value: v, Unit: unit}, nil
	}
}

// b1IsUnity reports whether a unit is the dimensionless "1".
func b1IsUnity(u string) bool { return u == "1" || u == "" }

func b1Mean(xs []*apd.Decimal) *apd.Decimal {
	s := b1DecSum(xs)
	if s == nil {
		return nil
	}
	if _, err := b1Ctx.Quo(s, s, apd.New(int64(len(xs)), 0)); err != nil {
		return nil
	}
	return s
}

func b1Median(xs []*apd.Decimal) *apd.Decimal {
	sorted := make([]*apd.Decimal, len(xs))
	copy(sorted, xs)
	b1SortDecimals(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return new(apd.Decimal).Set(sorted[n/2])
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Add(r, sorted[n/2-1], sorted[n/2]); err != nil {
		return nil
	}
	if _, err := b1Ctx.Quo(r, r, apd.New(2, 0)); err != nil {
		return nil
	}
	return r
}

// b1SortDecimals sorts ascending (heap sort: O(n log n), no allocation).
func b1SortDecimals(xs []*apd.Decimal) {
	n := len(xs)
	sift := func(root, end int) {
		for {
			child := 2*root + 1
			if child >= end {
				return
			}
			if child+1 < end && xs[child].Cmp(xs[child+1]) < 0 {
				child++
			}
			if xs[root].Cmp(xs[child]) >= 0 {
				return
			}
			xs[root], xs[child] = xs[child], xs[root]
			root = child
		}
	}
	for k := n/2 - 1; k >= 0; k-- {
		sift(k, n)
	}
	for end := n - 1; end > 0; end-- {
		xs[0], xs[end] = xs[end], xs[0]
		sift(0, end)
	}
}

// b1SquaredDeviations returns the sum of squared deviations from the mean.
func b1SquaredDeviations(xs []*apd.Decimal) *apd.Decimal {
	mean := b1Mean(xs)
	if mean == nil {
		return nil
	}
	s, dev := new(apd.Decimal), new(apd.Decimal)
	for _, x := range xs {
		if _, err := b1Ctx.Sub(dev, x, mean); err != nil {
			return nil
		}
		if _, err := b1Ctx.Mul(dev, dev, dev); err != nil {
			return nil
		}
		if _, err := b1Ctx.Add(s, s, dev); err != nil {
			return nil
		}
	}
	return s
}

func b1VarianceOver(xs []*apd.Decimal, sample bool) *apd.Decimal {
	n := len(xs)
	if sample {
		n--
	}
	if n < 1 {
		return nil
	}
	s := b1SquaredDeviations(xs)
	if s == nil {
		return nil
	}
	if _, err := b1Ctx.Quo(s, s, apd.New(int64(n), 0)); err != nil {
		return nil
	}
	return s
}

func b1SampleVariance(xs []*apd.Decimal) *apd.Decimal     { return b1VarianceOver(xs, true) }
func b1PopulationVariance(xs []*apd.Decimal) *apd.Decimal { return b1VarianceOver(xs, false) }

func b1Sqrt(x *apd.Decimal) *apd.Decimal {
	if x == nil || x.Sign() < 0 {
		return nil
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Sqrt(r, x); err != nil {
		return nil
	}
	return r
}

func b1SampleStdDev(xs []*apd.Decimal) *apd.Decimal { return b1Sqrt(b1SampleVariance(xs)) }
func b1PopulationStdDev(xs []*apd.Decimal) *apd.Decimal {
	return b1Sqrt(b1PopulationVariance(xs))
}

// b1GeometricMean is the n-th root of the product; null when the product is
// negative.
func b1GeometricMean(xs []*apd.Decimal) *apd.Decimal {
	p := apd.New(1, 0)
	for _, x := range xs {
		if _, err := b1Ctx.Mul(p, p, x); err != nil {
			return nil
		}
	}
	switch p.Sign() {
	case 0:
		return p
	case -1:
		return nil
	}
	exp := new(apd.Decimal)
	if _, err := b1Ctx.Quo(exp, apd.New(1, 0), apd.New(int64(len(xs)), 0)); err != nil {
		return nil
	}
	r := new(apd.Decimal)
	if _, err := b1Ctx.Pow(r, p, exp); err != nil {
		return nil
	}
	return r
}

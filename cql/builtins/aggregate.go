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

	reg("Count", i, aggCount, ListT)
	reg("AllTrue", b, allTrue, ListOf(b))
	reg("AnyTrue", b, anyTrue, ListOf(b))
	reg("Mode", T, mode, ListT)

	reg("Sum", i, sumInt, li)
	reg("Sum", l, sumLong, ll)
	reg("Sum", d, sumDec, ld)
	reg("Sum", q, sumQty, lq)

	reg("Product", i, productInt, li)
	reg("Product", l, productLong, ll)
	reg("Product", d, productDec, ld)
	reg("Product", q, productQty, lq)

	for _, t := range []types.Type{i, l, d, q, types.String, types.Date, types.DateTime, types.Time} {
		reg("Min", t, aggMin, ListOf(t))
		reg("Max", t, aggMax, ListOf(t))
	}

	// Statistical functions take Decimals or Quantities; Integer and Long
	// lists are accepted too and give Decimal results, sparing the checker
	// a list conversion.
	stats := []struct {
		name string
		fn   func(xs []*apd.Decimal) *apd.Decimal
		sq   bool // the result unit is the square of the input unit
	}{
		{"Avg", meanOf, false},
		{"Median", median, false},
		{"Variance", sampleVariance, true},
		{"PopulationVariance", populationVariance, true},
		{"StdDev", sampleStdDev, false},
		{"PopulationStdDev", populationStdDev, false},
	}
	for _, st := range stats {
		fn := statFn(st.name, st.fn)
		for _, lt := range []types.Type{ld, li, ll} {
			reg(st.name, d, fn, lt)
		}
		reg(st.name, q, statQtyFn(st.name, st.fn, st.sq), lq)
	}
	gm := statFn("GeometricMean", geometricMean)
	for _, lt := range []types.Type{ld, li, ll} {
		reg("GeometricMean", d, gm, lt)
	}
}

// listElems returns the non-null elements of a list argument (nil for a null
// list).
func listElems(op string, a []value.Value) ([]value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	l, ok := a[0].(value.List)
	if !ok {
		return nil, typeErr(op, a[0])
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

func aggCount(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return value.Integer(0), nil
	}
	l, ok := a[0].(value.List)
	if !ok {
		return nil, typeErr("Count", a[0])
	}
	n := 0
	for _, e := range l.Elems {
		if e != nil {
			n++
		}
	}
	return value.Integer(n), nil
}

func allTrue(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("AllTrue", a)
	if err != nil {
		return nil, err
	}
	for _, e := range xs {
		x, ok := e.(value.Boolean)
		if !ok {
			return nil, typeErr("AllTrue", e)
		}
		if !x {
			return falseValue, nil
		}
	}
	return trueValue, nil
}

func anyTrue(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("AnyTrue", a)
	if err != nil {
		return nil, err
	}
	for _, e := range xs {
		x, ok := e.(value.Boolean)
		if !ok {
			return nil, typeErr("AnyTrue", e)
		}
		if x {
			return trueValue, nil
		}
	}
	return falseValue, nil
}

// mode returns the most frequent element (by CQL equality); among equally
// frequent elements, the one appearing first.
func mode(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Mode", a)
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
			if eq, ok := equalValue(groups[k].v, e).(value.Boolean); ok && bool(eq) {
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

func sumInt(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	var s int64
	for _, e := range xs {
		x, ok := e.(value.Integer)
		if !ok {
			return nil, typeErr("Sum", e)
		}
		s += int64(x)
		if s < -1<<31 || s > 1<<31-1 {
			return nil, nil
		}
	}
	return value.Integer(s), nil
}

func sumLong(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	var s int64
	for _, e := range xs {
		x, ok := e.(value.Long)
		if !ok {
			return nil, typeErr("Sum", e)
		}
		if s, ok = addLongOK(s, int64(x)); !ok {
			return nil, nil
		}
	}
	return value.Long(s), nil
}

// decimalsOf returns the apd values of Integer, Long or Decimal elements.
func decimalsOf(op string, xs []value.Value) ([]*apd.Decimal, error) {
	out := make([]*apd.Decimal, len(xs))
	for k, e := range xs {
		d, ok := decOf(e)
		if !ok {
			return nil, typeErr(op, e)
		}
		out[k] = d
	}
	return out, nil
}

// decSum adds exactly (within 40 digits) and keeps the largest scale of
// the inputs, so Sum({1.0, 2.0}) is 3.0.
func decSum(xs []*apd.Decimal) *apd.Decimal {
	s := new(apd.Decimal)
	for _, x := range xs {
		if _, err := decCtx.Add(s, s, x); err != nil {
			return nil
		}
	}
	return s
}

func sumDec(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	ds, err := decimalsOf("Sum", xs)
	if err != nil {
		return nil, err
	}
	s := decSum(ds)
	if s == nil {
		return nil, nil
	}
	return decResult(s), nil
}

// quantitiesOf returns the values of quantity elements expressed in the
// unit of the first one; ok is false when some unit is incompatible.
func quantitiesOf(op string, xs []value.Value) (ds []*apd.Decimal, unit string, ok bool, err error) {
	ds = make([]*apd.Decimal, len(xs))
	var first value.Quantity
	for k, e := range xs {
		q, isQ := e.(value.Quantity)
		if !isQ {
			return nil, "", false, typeErr(op, e)
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

func sumQty(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Sum", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	ds, unit, ok, err := quantitiesOf("Sum", xs)
	if !ok || err != nil {
		return nil, err
	}
	s := decSum(ds)
	if s == nil {
		return nil, nil
	}
	v, derr := value.DecimalFromApd(s)
	if derr != nil {
		return nil, nil
	}
	return value.Quantity{Value: v, Unit: unit}, nil
}

func productInt(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	p := int64(1)
	for _, e := range xs {
		x, ok := e.(value.Integer)
		if !ok {
			return nil, typeErr("Product", e)
		}
		p *= int64(x)
		if p < -1<<31 || p > 1<<31-1 {
			return nil, nil
		}
	}
	return value.Integer(p), nil
}

func productLong(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	p := int64(1)
	for _, e := range xs {
		x, ok := e.(value.Long)
		if !ok {
			return nil, typeErr("Product", e)
		}
		if p, ok = mulLongOK(p, int64(x)); !ok {
			return nil, nil
		}
	}
	return value.Long(p), nil
}

func productDec(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	r := xs[0]
	for _, e := range xs[1:] {
		x, ok1 := r.(value.Decimal)
		y, ok2 := e.(value.Decimal)
		if !ok1 || !ok2 {
			return nil, typeErr("Product", e)
		}
		p, derr := value.DecMul(x, y)
		if derr != nil {
			return nil, nil
		}
		r = p
	}
	if _, ok := r.(value.Decimal); !ok {
		return nil, typeErr("Product", r)
	}
	return r, nil
}

func productQty(_ *Context, a []value.Value) (value.Value, error) {
	xs, err := listElems("Product", a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	r, ok := xs[0].(value.Quantity)
	if !ok {
		return nil, typeErr("Product", xs[0])
	}
	for _, e := range xs[1:] {
		y, ok := e.(value.Quantity)
		if !ok {
			return nil, typeErr("Product", e)
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

// aggExtreme picks the least (max=false) or greatest element. Elements whose
// order relative to the current choice is uncertain leave it unchanged.
func aggExtreme(op string, a []value.Value, max bool) (value.Value, error) {
	xs, err := listElems(op, a)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	best := xs[0]
	for _, e := range xs[1:] {
		c, ok := compareValues(e, best)
		if !ok {
			continue
		}
		if (max && c > 0) || (!max && c < 0) {
			best = e
		}
	}
	return best, nil
}

func aggMin(_ *Context, a []value.Value) (value.Value, error) { return aggExtreme("Min", a, false) }
func aggMax(_ *Context, a []value.Value) (value.Value, error) { return aggExtreme("Max", a, true) }

// statFn adapts a statistic over decimals to Decimal (or Integer/Long)
// lists.
func statFn(op string, f func([]*apd.Decimal) *apd.Decimal) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		xs, err := listElems(op, a)
		if err != nil || len(xs) == 0 {
			return nil, err
		}
		ds, err := decimalsOf(op, xs)
		if err != nil {
			return nil, err
		}
		r := f(ds)
		if r == nil {
			return nil, nil
		}
		return decResult(trimTo(r, maxScale(ds))), nil
	}
}

// maxScale is the largest number of digits after the point among xs.
func maxScale(xs []*apd.Decimal) int32 {
	var m int32
	for _, x := range xs {
		if -x.Exponent > m {
			m = -x.Exponent
		}
	}
	return m
}

// trimTo drops trailing zeros after the point of a computed statistic,
// keeping at least scale digits there (Avg({1.0, 2.0, 3.0, 6.0}) = 3.0, not
// 3.00000000...). It modifies and returns r.
func trimTo(r *apd.Decimal, scale int32) *apd.Decimal {
	if r.Form != apd.Finite || r.Exponent >= -scale {
		return r
	}
	// Round to the Decimal scale first so that trailing zeros appear.
	if r.Exponent < -8 {
		if _, err := decCtx.Quantize(r, r, -8); err != nil {
			return r
		}
	}
	var t apd.Decimal
	t.Reduce(r)
	if t.Exponent > -scale {
		if _, err := decCtx.Quantize(&t, &t, -scale); err != nil {
			return r
		}
	}
	return r.Set(&t)
}

// statQtyFn adapts a statistic to Quantity lists: values are taken in the
// unit of the first element; variances carry the squared unit.
func statQtyFn(op string, f func([]*apd.Decimal) *apd.Decimal, squared bool) Func {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		xs, err := listElems(op, a)
		if err != nil || len(xs) == 0 {
			return nil, err
		}
		ds, unit, ok, err := quantitiesOf(op, xs)
		if !ok || err != nil {
			return nil, err
		}
		r := f(ds)
		if r == nil {
			return nil, nil
		}
		v, derr := value.DecimalFromApd(trimTo(r, maxScale(ds)))
		if derr != nil {
			return nil, nil
		}
		if squared && !isUnity(unit) {
			one := value.Quantity{Value: value.DecimalFromInt(1), Unit: unit}
			if sq, merr := value.MultiplyQuantities(one, one); merr == nil {
				unit = sq.Unit
			}
		}
		return value.Quantity{Value: v, Unit: unit}, nil
	}
}

// isUnity reports whether a unit is the dimensionless "1".
func isUnity(u string) bool { return u == "1" || u == "" }

func meanOf(xs []*apd.Decimal) *apd.Decimal {
	s := decSum(xs)
	if s == nil {
		return nil
	}
	if _, err := decCtx.Quo(s, s, apd.New(int64(len(xs)), 0)); err != nil {
		return nil
	}
	return s
}

func median(xs []*apd.Decimal) *apd.Decimal {
	sorted := make([]*apd.Decimal, len(xs))
	copy(sorted, xs)
	sortDecimals(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return new(apd.Decimal).Set(sorted[n/2])
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Add(r, sorted[n/2-1], sorted[n/2]); err != nil {
		return nil
	}
	if _, err := decCtx.Quo(r, r, apd.New(2, 0)); err != nil {
		return nil
	}
	return r
}

// sortDecimals sorts ascending (heap sort: O(n log n), no allocation).
func sortDecimals(xs []*apd.Decimal) {
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

// squaredDeviations returns the sum of squared deviations from the mean.
func squaredDeviations(xs []*apd.Decimal) *apd.Decimal {
	mean := meanOf(xs)
	if mean == nil {
		return nil
	}
	s, dev := new(apd.Decimal), new(apd.Decimal)
	for _, x := range xs {
		if _, err := decCtx.Sub(dev, x, mean); err != nil {
			return nil
		}
		if _, err := decCtx.Mul(dev, dev, dev); err != nil {
			return nil
		}
		if _, err := decCtx.Add(s, s, dev); err != nil {
			return nil
		}
	}
	return s
}

func varianceOver(xs []*apd.Decimal, sample bool) *apd.Decimal {
	n := len(xs)
	if sample {
		n--
	}
	if n < 1 {
		return nil
	}
	s := squaredDeviations(xs)
	if s == nil {
		return nil
	}
	if _, err := decCtx.Quo(s, s, apd.New(int64(n), 0)); err != nil {
		return nil
	}
	return s
}

func sampleVariance(xs []*apd.Decimal) *apd.Decimal     { return varianceOver(xs, true) }
func populationVariance(xs []*apd.Decimal) *apd.Decimal { return varianceOver(xs, false) }

func sqrt(x *apd.Decimal) *apd.Decimal {
	if x == nil || x.Sign() < 0 {
		return nil
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Sqrt(r, x); err != nil {
		return nil
	}
	return r
}

func sampleStdDev(xs []*apd.Decimal) *apd.Decimal { return sqrt(sampleVariance(xs)) }
func populationStdDev(xs []*apd.Decimal) *apd.Decimal {
	return sqrt(populationVariance(xs))
}

// geometricMean is the n-th root of the product; null when the product is
// negative.
func geometricMean(xs []*apd.Decimal) *apd.Decimal {
	p := apd.New(1, 0)
	for _, x := range xs {
		if _, err := decCtx.Mul(p, p, x); err != nil {
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
	if _, err := decCtx.Quo(exp, apd.New(1, 0), apd.New(int64(len(xs)), 0)); err != nil {
		return nil
	}
	r := new(apd.Decimal)
	if _, err := decCtx.Pow(r, p, exp); err != nil {
		return nil
	}
	return r
}

package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestAggregateSuite(t *testing.T) {
	i, l, d, q, b, s := b1TI, b1TL, b1TD, b1TQ, types.Boolean, types.String
	dt, tm := types.DateTime, types.Time
	li, ll, ld, lq, lb := ListOf(i), ListOf(l), ListOf(d), ListOf(q), ListOf(b)
	ints := func(xs ...int32) value.Value {
		vs := make([]value.Value, len(xs))
		for k, x := range xs {
			vs[k] = b1I(x)
		}
		return b1List(i, vs...)
	}
	decs := func(xs ...string) value.Value {
		vs := make([]value.Value, len(xs))
		for k, x := range xs {
			vs[k] = b1D(x)
		}
		return b1List(d, vs...)
	}
	date := func(y, m, day int) value.Value {
		return value.DateTime{Year: y, Month: m, Day: day, Precision: value.Day}
	}
	tmv := func(h, m, sec, ms int) value.Value {
		return value.Time{Hour: h, Minute: m, Second: sec, Millisecond: ms, Precision: value.Millisecond}
	}
	nullQs := b1List(q, nil, nil, nil)
	b1Run(t, []b1Case{
		{name: "AllTrueAllTrue", op: "AllTrue", params: b1Ts(lb), args: b1Vs(b1List(b, b1B(true), b1B(true))), want: b1B(true)},
		{name: "AllTrueTrueFirst", op: "AllTrue", params: b1Ts(lb), args: b1Vs(b1List(b, b1B(true), b1B(false))), want: b1B(false)},
		{name: "AllTrueNullFirst", op: "AllTrue", params: b1Ts(lb), args: b1Vs(b1List(b, nil, b1B(true), b1B(true))), want: b1B(true)},
		{name: "AllTrueEmptyList", op: "AllTrue", params: b1Ts(lb), args: b1Vs(b1List(b)), want: b1B(true)},
		{name: "AllTrueIsTrueWhenNull", op: "AllTrue", params: b1Ts(lb), args: b1Vs(nil), want: b1B(true)},
		{name: "AnyTrueAllFalse", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(b1List(b, b1B(false), b1B(false))), want: b1B(false)},
		{name: "AnyTrueFalseFirst", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(b1List(b, b1B(false), b1B(true))), want: b1B(true)},
		{name: "AnyTrueNullFirstThenTrue", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(b1List(b, nil, b1B(true))), want: b1B(true)},
		{name: "AnyTrueNullFirstThenFalse", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(b1List(b, nil, b1B(false))), want: b1B(false)},
		{name: "AnyTrueEmptyList", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(b1List(b)), want: b1B(false)},
		{name: "AnyTrueIsFalseWhenNull", op: "AnyTrue", params: b1Ts(lb), args: b1Vs(nil), want: b1B(false)},
		{name: "AvgTest1", op: "Avg", params: b1Ts(ld), args: b1Vs(decs("1.0", "2.0", "3.0", "6.0")), want: b1D("3.0")},
		{name: "AvgIntegers", op: "Avg", params: b1Ts(li), args: b1Vs(ints(1, 2)), want: b1D("1.5")},
		{name: "AvgEmpty", op: "Avg", params: b1Ts(ld), args: b1Vs(b1List(d)), want: nil},
		{name: "AvgQuantity", op: "Avg", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "m"), b1Q("100", "cm"), b1Q("4", "m"))), want: b1Q("2", "m")},
		{name: "ProductLong", op: "Product", params: b1Ts(ll), args: b1Vs(b1List(l, b1L(5), b1L(4), b1L(5))), want: b1L(100)},
		{name: "ProductInteger", op: "Product", params: b1Ts(li), args: b1Vs(ints(2, 3, 4)), want: b1I(24)},
		{name: "ProductIntegerOverflow", op: "Product", params: b1Ts(li), args: b1Vs(ints(65536, 65536)), want: nil},
		{name: "ProductDecimal", op: "Product", params: b1Ts(ld), args: b1Vs(decs("1.5", "2.0")), want: b1D("3.0")},
		{name: "ProductQuantity", op: "Product", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("2", "cm"), b1Q("3", "cm"))), want: b1Q("6", "cm2")},
		{name: "CountTest1", op: "Count", params: b1Ts(ListT), args: b1Vs(b1List(i, b1I(15), b1I(5), b1I(99), nil, b1I(1))), want: b1I(4)},
		{name: "CountTestDateTime", op: "Count", params: b1Ts(ListT), args: b1Vs(b1List(dt, date(2014, 0, 0), date(2001, 0, 0), date(2010, 0, 0))), want: b1I(3)},
		{name: "CountTestNull", op: "Count", params: b1Ts(ListT), args: b1Vs(b1List(i)), want: b1I(0)},
		{name: "CountNullList", op: "Count", params: b1Ts(ListT), args: b1Vs(nil), want: b1I(0)},
		{name: "MaxTestInteger", op: "Max", params: b1Ts(li), args: b1Vs(ints(5, 12, 1, 15, 0, 4, 90, 44)), want: b1I(90)},
		{name: "MaxTestLong", op: "Max", params: b1Ts(ll), args: b1Vs(b1List(l, b1L(5), b1L(90), b1L(44))), want: b1L(90)},
		{name: "MaxTestString", op: "Max", params: b1Ts(ListOf(s)), args: b1Vs(b1List(s, b1S("hi"), b1S("bye"), b1S("zebra"))), want: b1S("zebra")},
		{name: "MaxTestDateTime", op: "Max", params: b1Ts(ListOf(dt)), args: b1Vs(b1List(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6))), want: date(2012, 10, 6)},
		{name: "MaxTestTime", op: "Max", params: b1Ts(ListOf(tm)), args: b1Vs(b1List(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999))), want: tmv(20, 59, 59, 999)},
		{name: "MaxNullsOnly", op: "Max", params: b1Ts(li), args: b1Vs(b1List(i, nil, nil)), want: nil},
		{name: "MaxQuantityUnits", op: "Max", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "m"), b1Q("20", "cm"))), want: b1Q("1", "m")},
		{name: "MedianTestDecimal", op: "Median", params: b1Ts(ld), args: b1Vs(decs("6.0", "5.0", "4.0", "3.0", "2.0", "1.0")), want: b1D("3.5")},
		{name: "MedianOdd", op: "Median", params: b1Ts(ld), args: b1Vs(decs("3", "1", "2")), want: b1D("2")},
		{name: "MedianIntegers", op: "Median", params: b1Ts(li), args: b1Vs(ints(5, 1, 4, 2)), want: b1D("3")},
		{name: "MinTestInteger", op: "Min", params: b1Ts(li), args: b1Vs(ints(5, 12, 1, 15, 0, 4, 90, 44)), want: b1I(0)},
		{name: "MinTestString", op: "Min", params: b1Ts(ListOf(s)), args: b1Vs(b1List(s, b1S("hi"), b1S("bye"), b1S("zebra"))), want: b1S("bye")},
		{name: "MinTestDateTime", op: "Min", params: b1Ts(ListOf(dt)), args: b1Vs(b1List(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6))), want: date(2012, 9, 5)},
		{name: "MinTestTime", op: "Min", params: b1Ts(ListOf(tm)), args: b1Vs(b1List(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999))), want: tmv(5, 59, 59, 999)},
		{name: "MinDecimal", op: "Min", params: b1Ts(ld), args: b1Vs(decs("2.5", "-1.25", "0")), want: b1D("-1.25")},
		{name: "ModeTestInteger", op: "Mode", params: b1Ts(ListT), args: b1Vs(ints(2, 1, 8, 2, 9, 1, 9, 9)), want: b1I(9)},
		{name: "ModeTestDateTime", op: "Mode", params: b1Ts(ListT), args: b1Vs(b1List(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6), date(2012, 9, 5))), want: date(2012, 9, 5)},
		{name: "ModeTestDateTime2", op: "Mode", params: b1Ts(ListT), args: b1Vs(b1List(dt, date(2012, 10, 5), date(2012, 10, 5), date(2012, 10, 6), date(2012, 9, 5))), want: date(2012, 10, 5)},
		{name: "ModeTestTime", op: "Mode", params: b1Ts(ListT), args: b1Vs(b1List(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999), tmv(5, 59, 59, 999))), want: tmv(5, 59, 59, 999)},
		{name: "ModeTie", op: "Mode", params: b1Ts(ListT), args: b1Vs(ints(3, 1, 1, 3)), want: b1I(3)},
		{name: "ModeDecimalsByEquality", op: "Mode", params: b1Ts(ListT), args: b1Vs(decs("1.0", "2", "1.00")), want: b1D("1")},
		{name: "PopStdDevTest1", op: "PopulationStdDev", params: b1Ts(ld), args: b1Vs(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: b1D("1.41421356")},
		{name: "PopulationStdDevIsNull", op: "PopulationStdDev", params: b1Ts(lq), args: b1Vs(nullQs), want: nil},
		{name: "PopVarianceTest1", op: "PopulationVariance", params: b1Ts(ld), args: b1Vs(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: b1D("2.0")},
		{name: "PopVarianceIsNull", op: "PopulationVariance", params: b1Ts(lq), args: b1Vs(nullQs), want: nil},
		{name: "StdDevTest1", op: "StdDev", params: b1Ts(ld), args: b1Vs(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: b1D("1.58113883")},
		{name: "StdDevIsNull", op: "StdDev", params: b1Ts(lq), args: b1Vs(nullQs), want: nil},
		{name: "StdDevQuantity", op: "StdDev", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "g"), b1Q("3", "g"))), want: b1Q("1.41421356", "g")},
		{name: "VarianceQuantity", op: "Variance", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "g"), b1Q("3", "g"))), want: b1Q("2", "g2")},
		{name: "VarianceSingle", op: "Variance", params: b1Ts(ld), args: b1Vs(decs("1.0")), want: nil},
		{name: "SumTest1", op: "Sum", params: b1Ts(ld), args: b1Vs(decs("6.0", "2.0", "3.0", "4.0", "5.0")), want: b1D("20.0")},
		{name: "SumTestLong", op: "Sum", params: b1Ts(ll), args: b1Vs(b1List(l, b1L(6), b1L(2), b1L(3), b1L(4), b1L(5))), want: b1L(20)},
		{name: "SumTestQuantity", op: "Sum", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "ml"), b1Q("2", "ml"), b1Q("3", "ml"), b1Q("4", "ml"), b1Q("5", "ml"))), want: b1Q("15", "ml")},
		{name: "SumQuantityMixedUnits", op: "Sum", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "m"), b1Q("50", "cm"))), want: b1Q("1.5", "m")},
		{name: "SumQuantityIncompatible", op: "Sum", params: b1Ts(lq), args: b1Vs(b1List(q, b1Q("1", "m"), b1Q("50", "g"))), want: nil},
		{name: "SumTestNull", op: "Sum", params: b1Ts(li), args: b1Vs(b1List(i, nil, b1I(1), nil)), want: b1I(1)},
		{name: "SumEmpty", op: "Sum", params: b1Ts(li), args: b1Vs(b1List(i)), want: nil},
		{name: "SumIntegerOverflow", op: "Sum", params: b1Ts(li), args: b1Vs(ints(2147483647, 1)), want: nil},
		{name: "VarianceTest1", op: "Variance", params: b1Ts(ld), args: b1Vs(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: b1D("2.5")},
		{name: "GeometricMean", op: "GeometricMean", params: b1Ts(ld), args: b1Vs(decs("2.0", "8.0")), want: b1D("4.0")},
		{name: "GeometricMeanIntegers", op: "GeometricMean", params: b1Ts(li), args: b1Vs(ints(1, 3, 9)), want: b1D("3.0")},
		{name: "GeometricMeanNegative", op: "GeometricMean", params: b1Ts(ld), args: b1Vs(decs("-2.0", "8.0")), want: nil},
	})
}

func TestSortDecimals(t *testing.T) {
	in := []string{"5", "-1", "3.5", "0", "10", "3.5", "-20"}
	ds := make([]value.Value, len(in))
	for k, s := range in {
		ds[k] = b1D(s)
	}
	xs, err := b1Decimals("test", ds)
	if err != nil {
		t.Fatal(err)
	}
	b1SortDecimals(xs)
	for k := 1; k < len(xs); k++ {
		if xs[k-1].Cmp(xs[k]) > 0 {
			t.Fatalf("not sorted at %d: %v", k, xs)
		}
	}
}

func TestStatisticScale(t *testing.T) {
	d := b1TD
	for _, tc := range []struct {
		op   string
		in   []string
		want string
	}{
		{"Avg", []string{"1.0", "2.0", "3.0", "6.0"}, "3.0"},
		{"Avg", []string{"1", "2"}, "1.5"},
		{"Avg", []string{"1", "2", "3"}, "2"},
		{"Avg", []string{"1.00", "2"}, "1.50"},
		{"Avg", []string{"1", "2", "2"}, "1.66666667"},
		{"PopulationVariance", []string{"1.0", "2.0", "3.0", "4.0", "5.0"}, "2.0"},
		{"Variance", []string{"1.0", "2.0", "3.0", "4.0", "5.0"}, "2.5"},
		{"StdDev", []string{"1.0", "2.0", "3.0", "4.0", "5.0"}, "1.58113883"},
		{"Median", []string{"6.0", "5.0", "4.0", "3.0", "2.0", "1.0"}, "3.5"},
	} {
		vs := make([]value.Value, len(tc.in))
		for k, s := range tc.in {
			vs[k] = b1D(s)
		}
		got, err := b1Find(t, tc.op, ListOf(d)).Fn(nil, b1Vs(b1List(d, vs...)))
		if err != nil {
			t.Fatal(err)
		}
		if g := b1DecText(got.(value.Decimal)); g != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.op, tc.in, g, tc.want)
		}
	}
}

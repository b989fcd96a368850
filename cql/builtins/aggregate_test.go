package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestAggregateSuite(t *testing.T) {
	i, l, d, q, b, s := tI, tL, tD, tQ, types.Boolean, types.String
	dt, tm := types.DateTime, types.Time
	li, ll, ld, lq, lb := ListOf(i), ListOf(l), ListOf(d), ListOf(q), ListOf(b)
	ints := func(xs ...int32) value.Value {
		vs := make([]value.Value, len(xs))
		for k, x := range xs {
			vs[k] = intV(x)
		}
		return listV(i, vs...)
	}
	decs := func(xs ...string) value.Value {
		vs := make([]value.Value, len(xs))
		for k, x := range xs {
			vs[k] = decV(x)
		}
		return listV(d, vs...)
	}
	date := func(y, m, day int) value.Value {
		return value.DateTime{Year: y, Month: m, Day: day, Precision: value.Day}
	}
	tmv := func(h, m, sec, ms int) value.Value {
		return value.Time{Hour: h, Minute: m, Second: sec, Millisecond: ms, Precision: value.Millisecond}
	}
	nullQs := listV(q, nil, nil, nil)
	runOpCases(t, []opCase{
		{name: "AllTrueAllTrue", op: "AllTrue", params: tys(lb), args: argv(listV(b, boolV(true), boolV(true))), want: boolV(true)},
		{name: "AllTrueTrueFirst", op: "AllTrue", params: tys(lb), args: argv(listV(b, boolV(true), boolV(false))), want: boolV(false)},
		{name: "AllTrueNullFirst", op: "AllTrue", params: tys(lb), args: argv(listV(b, nil, boolV(true), boolV(true))), want: boolV(true)},
		{name: "AllTrueEmptyList", op: "AllTrue", params: tys(lb), args: argv(listV(b)), want: boolV(true)},
		{name: "AllTrueIsTrueWhenNull", op: "AllTrue", params: tys(lb), args: argv(nil), want: boolV(true)},
		{name: "AnyTrueAllFalse", op: "AnyTrue", params: tys(lb), args: argv(listV(b, boolV(false), boolV(false))), want: boolV(false)},
		{name: "AnyTrueFalseFirst", op: "AnyTrue", params: tys(lb), args: argv(listV(b, boolV(false), boolV(true))), want: boolV(true)},
		{name: "AnyTrueNullFirstThenTrue", op: "AnyTrue", params: tys(lb), args: argv(listV(b, nil, boolV(true))), want: boolV(true)},
		{name: "AnyTrueNullFirstThenFalse", op: "AnyTrue", params: tys(lb), args: argv(listV(b, nil, boolV(false))), want: boolV(false)},
		{name: "AnyTrueEmptyList", op: "AnyTrue", params: tys(lb), args: argv(listV(b)), want: boolV(false)},
		{name: "AnyTrueIsFalseWhenNull", op: "AnyTrue", params: tys(lb), args: argv(nil), want: boolV(false)},
		{name: "AvgTest1", op: "Avg", params: tys(ld), args: argv(decs("1.0", "2.0", "3.0", "6.0")), want: decV("3.0")},
		{name: "AvgIntegers", op: "Avg", params: tys(li), args: argv(ints(1, 2)), want: decV("1.5")},
		{name: "AvgEmpty", op: "Avg", params: tys(ld), args: argv(listV(d)), want: nil},
		{name: "AvgQuantity", op: "Avg", params: tys(lq), args: argv(listV(q, qtyV("1", "m"), qtyV("100", "cm"), qtyV("4", "m"))), want: qtyV("2", "m")},
		{name: "ProductLong", op: "Product", params: tys(ll), args: argv(listV(l, longV(5), longV(4), longV(5))), want: longV(100)},
		{name: "ProductInteger", op: "Product", params: tys(li), args: argv(ints(2, 3, 4)), want: intV(24)},
		{name: "ProductIntegerOverflow", op: "Product", params: tys(li), args: argv(ints(65536, 65536)), want: nil},
		{name: "ProductDecimal", op: "Product", params: tys(ld), args: argv(decs("1.5", "2.0")), want: decV("3.0")},
		{name: "ProductQuantity", op: "Product", params: tys(lq), args: argv(listV(q, qtyV("2", "cm"), qtyV("3", "cm"))), want: qtyV("6", "cm2")},
		{name: "CountTest1", op: "Count", params: tys(ListT), args: argv(listV(i, intV(15), intV(5), intV(99), nil, intV(1))), want: intV(4)},
		{name: "CountTestDateTime", op: "Count", params: tys(ListT), args: argv(listV(dt, date(2014, 0, 0), date(2001, 0, 0), date(2010, 0, 0))), want: intV(3)},
		{name: "CountTestNull", op: "Count", params: tys(ListT), args: argv(listV(i)), want: intV(0)},
		{name: "CountNullList", op: "Count", params: tys(ListT), args: argv(nil), want: intV(0)},
		{name: "MaxTestInteger", op: "Max", params: tys(li), args: argv(ints(5, 12, 1, 15, 0, 4, 90, 44)), want: intV(90)},
		{name: "MaxTestLong", op: "Max", params: tys(ll), args: argv(listV(l, longV(5), longV(90), longV(44))), want: longV(90)},
		{name: "MaxTestString", op: "Max", params: tys(ListOf(s)), args: argv(listV(s, strV("hi"), strV("bye"), strV("zebra"))), want: strV("zebra")},
		{name: "MaxTestDateTime", op: "Max", params: tys(ListOf(dt)), args: argv(listV(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6))), want: date(2012, 10, 6)},
		{name: "MaxTestTime", op: "Max", params: tys(ListOf(tm)), args: argv(listV(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999))), want: tmv(20, 59, 59, 999)},
		{name: "MaxNullsOnly", op: "Max", params: tys(li), args: argv(listV(i, nil, nil)), want: nil},
		{name: "MaxQuantityUnits", op: "Max", params: tys(lq), args: argv(listV(q, qtyV("1", "m"), qtyV("20", "cm"))), want: qtyV("1", "m")},
		{name: "MedianTestDecimal", op: "Median", params: tys(ld), args: argv(decs("6.0", "5.0", "4.0", "3.0", "2.0", "1.0")), want: decV("3.5")},
		{name: "MedianOdd", op: "Median", params: tys(ld), args: argv(decs("3", "1", "2")), want: decV("2")},
		{name: "MedianIntegers", op: "Median", params: tys(li), args: argv(ints(5, 1, 4, 2)), want: decV("3")},
		{name: "MinTestInteger", op: "Min", params: tys(li), args: argv(ints(5, 12, 1, 15, 0, 4, 90, 44)), want: intV(0)},
		{name: "MinTestString", op: "Min", params: tys(ListOf(s)), args: argv(listV(s, strV("hi"), strV("bye"), strV("zebra"))), want: strV("bye")},
		{name: "MinTestDateTime", op: "Min", params: tys(ListOf(dt)), args: argv(listV(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6))), want: date(2012, 9, 5)},
		{name: "MinTestTime", op: "Min", params: tys(ListOf(tm)), args: argv(listV(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999))), want: tmv(5, 59, 59, 999)},
		{name: "MinDecimal", op: "Min", params: tys(ld), args: argv(decs("2.5", "-1.25", "0")), want: decV("-1.25")},
		{name: "ModeTestInteger", op: "Mode", params: tys(ListT), args: argv(ints(2, 1, 8, 2, 9, 1, 9, 9)), want: intV(9)},
		{name: "ModeTestDateTime", op: "Mode", params: tys(ListT), args: argv(listV(dt, date(2012, 10, 5), date(2012, 9, 5), date(2012, 10, 6), date(2012, 9, 5))), want: date(2012, 9, 5)},
		{name: "ModeTestDateTime2", op: "Mode", params: tys(ListT), args: argv(listV(dt, date(2012, 10, 5), date(2012, 10, 5), date(2012, 10, 6), date(2012, 9, 5))), want: date(2012, 10, 5)},
		{name: "ModeTestTime", op: "Mode", params: tys(ListT), args: argv(listV(tm, tmv(15, 59, 59, 999), tmv(5, 59, 59, 999), tmv(20, 59, 59, 999), tmv(5, 59, 59, 999))), want: tmv(5, 59, 59, 999)},
		{name: "ModeTie", op: "Mode", params: tys(ListT), args: argv(ints(3, 1, 1, 3)), want: intV(3)},
		{name: "ModeDecimalsByEquality", op: "Mode", params: tys(ListT), args: argv(decs("1.0", "2", "1.00")), want: decV("1")},
		{name: "PopStdDevTest1", op: "PopulationStdDev", params: tys(ld), args: argv(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: decV("1.41421356")},
		{name: "PopulationStdDevIsNull", op: "PopulationStdDev", params: tys(lq), args: argv(nullQs), want: nil},
		{name: "PopVarianceTest1", op: "PopulationVariance", params: tys(ld), args: argv(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: decV("2.0")},
		{name: "PopVarianceIsNull", op: "PopulationVariance", params: tys(lq), args: argv(nullQs), want: nil},
		{name: "StdDevTest1", op: "StdDev", params: tys(ld), args: argv(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: decV("1.58113883")},
		{name: "StdDevIsNull", op: "StdDev", params: tys(lq), args: argv(nullQs), want: nil},
		{name: "StdDevQuantity", op: "StdDev", params: tys(lq), args: argv(listV(q, qtyV("1", "g"), qtyV("3", "g"))), want: qtyV("1.41421356", "g")},
		{name: "VarianceQuantity", op: "Variance", params: tys(lq), args: argv(listV(q, qtyV("1", "g"), qtyV("3", "g"))), want: qtyV("2", "g2")},
		{name: "VarianceSingle", op: "Variance", params: tys(ld), args: argv(decs("1.0")), want: nil},
		{name: "SumTest1", op: "Sum", params: tys(ld), args: argv(decs("6.0", "2.0", "3.0", "4.0", "5.0")), want: decV("20.0")},
		{name: "SumTestLong", op: "Sum", params: tys(ll), args: argv(listV(l, longV(6), longV(2), longV(3), longV(4), longV(5))), want: longV(20)},
		{name: "SumTestQuantity", op: "Sum", params: tys(lq), args: argv(listV(q, qtyV("1", "ml"), qtyV("2", "ml"), qtyV("3", "ml"), qtyV("4", "ml"), qtyV("5", "ml"))), want: qtyV("15", "ml")},
		{name: "SumQuantityMixedUnits", op: "Sum", params: tys(lq), args: argv(listV(q, qtyV("1", "m"), qtyV("50", "cm"))), want: qtyV("1.5", "m")},
		{name: "SumQuantityIncompatible", op: "Sum", params: tys(lq), args: argv(listV(q, qtyV("1", "m"), qtyV("50", "g"))), want: nil},
		{name: "SumTestNull", op: "Sum", params: tys(li), args: argv(listV(i, nil, intV(1), nil)), want: intV(1)},
		{name: "SumEmpty", op: "Sum", params: tys(li), args: argv(listV(i)), want: nil},
		{name: "SumIntegerOverflow", op: "Sum", params: tys(li), args: argv(ints(2147483647, 1)), want: nil},
		{name: "VarianceTest1", op: "Variance", params: tys(ld), args: argv(decs("1.0", "2.0", "3.0", "4.0", "5.0")), want: decV("2.5")},
		{name: "GeometricMean", op: "GeometricMean", params: tys(ld), args: argv(decs("2.0", "8.0")), want: decV("4.0")},
		{name: "GeometricMeanIntegers", op: "GeometricMean", params: tys(li), args: argv(ints(1, 3, 9)), want: decV("3.0")},
		{name: "GeometricMeanNegative", op: "GeometricMean", params: tys(ld), args: argv(decs("-2.0", "8.0")), want: nil},
	})
}

func TestSortDecimals(t *testing.T) {
	in := []string{"5", "-1", "3.5", "0", "10", "3.5", "-20"}
	ds := make([]value.Value, len(in))
	for k, s := range in {
		ds[k] = decV(s)
	}
	xs, err := decimalsOf("test", ds)
	if err != nil {
		t.Fatal(err)
	}
	sortDecimals(xs)
	for k := 1; k < len(xs); k++ {
		if xs[k-1].Cmp(xs[k]) > 0 {
			t.Fatalf("not sorted at %d: %v", k, xs)
		}
	}
}

func TestStatisticScale(t *testing.T) {
	d := tD
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
			vs[k] = decV(s)
		}
		got, err := findOverload(t, tc.op, ListOf(d)).Fn(nil, argv(listV(d, vs...)))
		if err != nil {
			t.Fatal(err)
		}
		if g := decText(got.(value.Decimal)); g != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.op, tc.in, g, tc.want)
		}
	}
}

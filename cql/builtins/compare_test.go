package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestComparisonSuite(t *testing.T) {
	tt := tys(T, T)
	i, l, d, s, q := tI, tL, tD, types.String, tQ
	dtt := tys(types.DateTime, types.DateTime)
	tmt := tys(types.Time, types.Time)
	dt := func(y, mo, da int, p value.Precision) value.Value {
		return value.DateTime{Year: y, Month: mo, Day: da, Precision: p}
	}
	tm := func(h, mi, sec, ms int) value.Value {
		return value.Time{Hour: h, Minute: mi, Second: sec, Millisecond: ms, Precision: value.Millisecond}
	}
	tuple := func(id, name value.Value) value.Value {
		return value.Tuple{Names: []string{"Id", "Name"}, Values: []value.Value{id, name}}
	}
	var cases []opCase
	add := func(name, op string, params []types.Type, x, y, want value.Value) {
		cases = append(cases, opCase{name: name, op: op, params: params, args: argv(x, y), want: want})
	}
	add("SimpleEqTrueTrue", "Equal", tt, boolV(true), boolV(true), boolV(true))
	add("SimpleEqTrueFalse", "Equal", tt, boolV(true), boolV(false), boolV(false))
	add("SimpleEqNullNull", "Equal", tt, nil, nil, nil)
	add("SimpleEqTrueNull", "Equal", tt, boolV(true), nil, nil)
	add("SimpleEqInt1Int1", "Equal", tt, intV(1), intV(1), boolV(true))
	add("SimpleEqInt1Int2", "Equal", tt, intV(1), intV(2), boolV(false))
	add("SimpleEqLong1Long2", "Equal", tt, longV(1), longV(2), boolV(false))
	add("SimpleEqStringAStringA", "Equal", tt, strV("a"), strV("a"), boolV(true))
	add("SimpleEqStringAStringB", "Equal", tt, strV("a"), strV("b"), boolV(false))
	add("SimpleEqFloat1Float1WithZ", "Equal", tt, decV("1.0"), decV("1.00"), boolV(true))
	add("SimpleEqFloat1Float1WithPrecisionAndZ", "Equal", tt, decV("1.50"), decV("1.55"), boolV(false))
	add("QuantityEqCM1M01", "Equal", tt, qtyV("1", "cm"), qtyV("0.01", "m"), boolV(true))
	add("QuantityEqDiffPrecision", "Equal", tt, qtyV("2.0", "cm"), qtyV("2.00", "cm"), boolV(true))
	add("TupleEqJohn1John2WithNullName", "Equal", tt, tuple(intV(1), strV("John")), tuple(intV(2), nil), boolV(false))
	add("TupleEqDifferentNamesWithOneNullId", "Equal", tt, tuple(nil, strV("John")), tuple(intV(1), strV("James")), nil)
	add("TupleEqJohn1John1WithBothNamesNull", "Equal", tt, tuple(intV(1), nil), tuple(intV(1), nil), boolV(true))
	add("TupleEqJohn1John1WithNullName", "Equal", tt, tuple(intV(1), strV("John")), tuple(intV(1), nil), nil)
	add("TimeEq10A10P", "Equal", tt, tm(10, 0, 0, 0), tm(22, 0, 0, 0), boolV(false))
	add("TestQuantityMonthEqualMo", "Equal", tt, qtyV("1", "month"), qtyV("1", "mo"), nil)
	add("TestWeekEqualDays", "Equal", tt, qtyV("1", "week"), qtyV("7", "days"), boolV(true))
	add("SimpleNotEqTrueTrue", "NotEqual", tt, boolV(true), boolV(true), boolV(false))
	add("SimpleNotEqNullTrue", "NotEqual", tt, nil, boolV(true), nil)
	add("SimpleNotEqInt1Int2", "NotEqual", tt, intV(1), intV(2), boolV(true))
	add("EquivNullNull", "Equivalent", tt, nil, nil, boolV(true))
	add("EquivTrueNull", "Equivalent", tt, boolV(true), nil, boolV(false))
	add("EquivStringIgnoreCase", "Equivalent", tt, strV("Abel"), strV("abel"), boolV(true))
	add("EquivFloat1Float1WithPrecision", "Equivalent", tt, decV("1.5"), decV("1.55"), boolV(false))
	add("EquivFloatTrailingZero", "Equivalent", tt, decV("1.001"), decV("1.000"), boolV(true))
	add("TestQuantityMonthEquivalentMo", "Equivalent", tt, qtyV("1", "month"), qtyV("1", "mo"), boolV(true))
	add("NotEquivalentStrings", "NotEquivalent", tt, strV("a"), strV("b"), boolV(true))
	for _, c := range []struct {
		op                 string
		lt, eq, gt, eqWant value.Value
	}{
		{"Less", boolV(true), boolV(false), boolV(false), nil},
		{"LessOrEqual", boolV(true), boolV(true), boolV(false), nil},
		{"Greater", boolV(false), boolV(false), boolV(true), nil},
		{"GreaterOrEqual", boolV(false), boolV(true), boolV(true), nil},
	} {
		op := c.op
		add(op+"Z1", op, tys(i, i), intV(0), intV(1), c.lt)
		add(op+"ZZ", op, tys(i, i), intV(0), intV(0), c.eq)
		add(op+"ZNeg1", op, tys(i, i), intV(0), intV(-1), c.gt)
		add(op+"Long", op, tys(l, l), longV(-30), longV(-20), c.lt)
		add(op+"DecZ1", op, tys(d, d), decV("0.0"), decV("1.0"), c.lt)
		add(op+"DecZZ", op, tys(d, d), decV("0.0"), decV("0"), c.eq)
		add(op+"M1CM10", op, tys(q, q), qtyV("1", "m"), qtyV("10", "cm"), c.gt)
		add(op+"CM0CM0", op, tys(q, q), qtyV("0", "cm"), qtyV("0", "cm"), c.eq)
		add(op+"AThanAA", op, tys(s, s), strV("a"), strV("aa"), c.lt)
		add(op+"JackJill", op, tys(s, s), strV("Jack"), strV("Jill"), c.lt)
		add(op+"DateTime", op, dtt, dt(2012, 2, 9, value.Day), dt(2012, 2, 10, value.Day), c.lt)
		add(op+"Time", op, tmt, tm(10, 0, 0, 1), tm(10, 0, 0, 1), c.eq)
		add(op+"UncertaintyNull", op, dtt, dt(2014, 0, 0, value.Year), dt(2014, 2, 15, value.Day), nil)
		add(op+"UncertaintyLess", op, dtt, dt(2013, 0, 0, value.Year), dt(2014, 2, 15, value.Day), c.lt)
		add(op+"Null", op, tys(i, i), nil, intV(1), nil)
	}
	runOpCases(t, cases)
}

func TestEqualIntegerNoAllocs(t *testing.T) {
	eq := findOverload(t, "Equal", T, T).Fn
	args := argv(intV(1000), intV(1000))
	if n := testing.AllocsPerRun(100, func() { _, _ = eq(nil, args) }); n != 0 {
		t.Fatalf("Equal allocates %v times", n)
	}
}

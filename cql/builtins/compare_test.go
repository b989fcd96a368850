package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

func TestComparisonSuite(t *testing.T) {
	tt := b1Ts(T, T)
	i, l, d, s, q := b1TI, b1TL, b1TD, types.String, b1TQ
	dtt := b1Ts(types.DateTime, types.DateTime)
	tmt := b1Ts(types.Time, types.Time)
	dt := func(y, mo, da int, p value.Precision) value.Value {
		return value.DateTime{Year: y, Month: mo, Day: da, Precision: p}
	}
	tm := func(h, mi, sec, ms int) value.Value {
		return value.Time{Hour: h, Minute: mi, Second: sec, Millisecond: ms, Precision: value.Millisecond}
	}
	tuple := func(id, name value.Value) value.Value {
		return value.Tuple{Names: []string{"Id", "Name"}, Values: []value.Value{id, name}}
	}
	var cases []b1Case
	add := func(name, op string, params []types.Type, x, y, want value.Value) {
		cases = append(cases, b1Case{name: name, op: op, params: params, args: b1Vs(x, y), want: want})
	}
	add("SimpleEqTrueTrue", "Equal", tt, b1B(true), b1B(true), b1B(true))
	add("SimpleEqTrueFalse", "Equal", tt, b1B(true), b1B(false), b1B(false))
	add("SimpleEqNullNull", "Equal", tt, nil, nil, nil)
	add("SimpleEqTrueNull", "Equal", tt, b1B(true), nil, nil)
	add("SimpleEqInt1Int1", "Equal", tt, b1I(1), b1I(1), b1B(true))
	add("SimpleEqInt1Int2", "Equal", tt, b1I(1), b1I(2), b1B(false))
	add("SimpleEqLong1Long2", "Equal", tt, b1L(1), b1L(2), b1B(false))
	add("SimpleEqStringAStringA", "Equal", tt, b1S("a"), b1S("a"), b1B(true))
	add("SimpleEqStringAStringB", "Equal", tt, b1S("a"), b1S("b"), b1B(false))
	add("SimpleEqFloat1Float1WithZ", "Equal", tt, b1D("1.0"), b1D("1.00"), b1B(true))
	add("SimpleEqFloat1Float1WithPrecisionAndZ", "Equal", tt, b1D("1.50"), b1D("1.55"), b1B(false))
	add("QuantityEqCM1M01", "Equal", tt, b1Q("1", "cm"), b1Q("0.01", "m"), b1B(true))
	add("QuantityEqDiffPrecision", "Equal", tt, b1Q("2.0", "cm"), b1Q("2.00", "cm"), b1B(true))
	add("TupleEqJohn1John2WithNullName", "Equal", tt, tuple(b1I(1), b1S("John")), tuple(b1I(2), nil), b1B(false))
	add("TupleEqDifferentNamesWithOneNullId", "Equal", tt, tuple(nil, b1S("John")), tuple(b1I(1), b1S("James")), nil)
	add("TupleEqJohn1John1WithBothNamesNull", "Equal", tt, tuple(b1I(1), nil), tuple(b1I(1), nil), b1B(true))
	add("TupleEqJohn1John1WithNullName", "Equal", tt, tuple(b1I(1), b1S("John")), tuple(b1I(1), nil), nil)
	add("TimeEq10A10P", "Equal", tt, tm(10, 0, 0, 0), tm(22, 0, 0, 0), b1B(false))
	add("TestQuantityMonthEqualMo", "Equal", tt, b1Q("1", "month"), b1Q("1", "mo"), nil)
	add("TestWeekEqualDays", "Equal", tt, b1Q("1", "week"), b1Q("7", "days"), b1B(true))
	add("SimpleNotEqTrueTrue", "NotEqual", tt, b1B(true), b1B(true), b1B(false))
	add("SimpleNotEqNullTrue", "NotEqual", tt, nil, b1B(true), nil)
	add("SimpleNotEqInt1Int2", "NotEqual", tt, b1I(1), b1I(2), b1B(true))
	add("EquivNullNull", "Equivalent", tt, nil, nil, b1B(true))
	add("EquivTrueNull", "Equivalent", tt, b1B(true), nil, b1B(false))
	add("EquivStringIgnoreCase", "Equivalent", tt, b1S("Abel"), b1S("abel"), b1B(true))
	add("EquivFloat1Float1WithPrecision", "Equivalent", tt, b1D("1.5"), b1D("1.55"), b1B(false))
	add("EquivFloatTrailingZero", "Equivalent", tt, b1D("1.001"), b1D("1.000"), b1B(true))
	add("TestQuantityMonthEquivalentMo", "Equivalent", tt, b1Q("1", "month"), b1Q("1", "mo"), b1B(true))
	add("NotEquivalentStrings", "NotEquivalent", tt, b1S("a"), b1S("b"), b1B(true))
	for _, c := range []struct {
		op                 string
		lt, eq, gt, eqWant value.Value
	}{
		{"Less", b1B(true), b1B(false), b1B(false), nil},
		{"LessOrEqual", b1B(true), b1B(true), b1B(false), nil},
		{"Greater", b1B(false), b1B(false), b1B(true), nil},
		{"GreaterOrEqual", b1B(false), b1B(true), b1B(true), nil},
	} {
		op := c.op
		add(op+"Z1", op, b1Ts(i, i), b1I(0), b1I(1), c.lt)
		add(op+"ZZ", op, b1Ts(i, i), b1I(0), b1I(0), c.eq)
		add(op+"ZNeg1", op, b1Ts(i, i), b1I(0), b1I(-1), c.gt)
		add(op+"Long", op, b1Ts(l, l), b1L(-30), b1L(-20), c.lt)
		add(op+"DecZ1", op, b1Ts(d, d), b1D("0.0"), b1D("1.0"), c.lt)
		add(op+"DecZZ", op, b1Ts(d, d), b1D("0.0"), b1D("0"), c.eq)
		add(op+"M1CM10", op, b1Ts(q, q), b1Q("1", "m"), b1Q("10", "cm"), c.gt)
		add(op+"CM0CM0", op, b1Ts(q, q), b1Q("0", "cm"), b1Q("0", "cm"), c.eq)
		add(op+"AThanAA", op, b1Ts(s, s), b1S("a"), b1S("aa"), c.lt)
		add(op+"JackJill", op, b1Ts(s, s), b1S("Jack"), b1S("Jill"), c.lt)
		add(op+"DateTime", op, dtt, dt(2012, 2, 9, value.Day), dt(2012, 2, 10, value.Day), c.lt)
		add(op+"Time", op, tmt, tm(10, 0, 0, 1), tm(10, 0, 0, 1), c.eq)
		add(op+"UncertaintyNull", op, dtt, dt(2014, 0, 0, value.Year), dt(2014, 2, 15, value.Day), nil)
		add(op+"UncertaintyLess", op, dtt, dt(2013, 0, 0, value.Year), dt(2014, 2, 15, value.Day), c.lt)
		add(op+"Null", op, b1Ts(i, i), nil, b1I(1), nil)
	}
	b1Run(t, cases)
}

func TestEqualIntegerNoAllocs(t *testing.T) {
	eq := b1Find(t, "Equal", T, T).Fn
	args := b1Vs(b1I(1000), b1I(1000))
	if n := testing.AllocsPerRun(100, func() { _, _ = eq(nil, args) }); n != 0 {
		t.Fatalf("Equal allocates %v times", n)
	}
}

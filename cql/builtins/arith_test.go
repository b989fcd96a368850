package builtins

import (
	"math"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

var (
	b1TI, b1TL, b1TD, b1TQ = types.Integer, types.Long, types.Decimal, types.Quantity
)

func TestArithmeticSuite(t *testing.T) {
	i, l, d, q := b1TI, b1TL, b1TD, b1TQ
	ii, ll, dd, qq := b1Ts(i, i), b1Ts(l, l), b1Ts(d, d), b1Ts(q, q)
	b1Run(t, []b1Case{
		// Abs
		{name: "AbsNull", op: "Abs", params: b1Ts(i), args: b1Vs(nil), want: nil},
		{name: "Abs0", op: "Abs", params: b1Ts(i), args: b1Vs(b1I(0)), want: b1I(0)},
		{name: "AbsNeg1", op: "Abs", params: b1Ts(i), args: b1Vs(b1I(-1)), want: b1I(1)},
		{name: "AbsNeg1Dec", op: "Abs", params: b1Ts(d), args: b1Vs(b1D("-1.0")), want: b1D("1.0")},
		{name: "Abs0Dec", op: "Abs", params: b1Ts(d), args: b1Vs(b1D("0.0")), want: b1D("0.0")},
		{name: "Abs1cm", op: "Abs", params: b1Ts(q), args: b1Vs(b1Q("-1.0", "cm")), want: b1Q("1.0", "cm")},
		{name: "AbsLong", op: "Abs", params: b1Ts(l), args: b1Vs(b1L(-1)), want: b1L(1)},
		{name: "AbsMinInteger", op: "Abs", params: b1Ts(i), args: b1Vs(b1I(math.MinInt32)), want: nil},
		// Add
		{name: "AddNull", op: "Add", params: ii, args: b1Vs(b1I(1), nil), want: nil},
		{name: "Add11", op: "Add", params: ii, args: b1Vs(b1I(1), b1I(1)), want: b1I(2)},
		{name: "Add1L2L", op: "Add", params: ll, args: b1Vs(b1L(1), b1L(2)), want: b1L(3)},
		{name: "Add1D1D", op: "Add", params: dd, args: b1Vs(b1D("1.0"), b1D("1.0")), want: b1D("2.0")},
		{name: "Add1Q1Q", op: "Add", params: qq, args: b1Vs(b1Q("1", "g/cm3"), b1Q("1", "g/cm3")), want: b1Q("2.0", "g/cm3")},
		{name: "AddIAndD", op: "Add", params: dd, args: b1Vs(b1D("1"), b1D("2.0")), want: b1D("3.0")},
		{name: "AddMixedUnits", op: "Add", params: qq, args: b1Vs(b1Q("1", "m"), b1Q("1", "cm")), want: b1Q("1.01", "m")},
		{name: "AddIncompatibleUnits", op: "Add", params: qq, args: b1Vs(b1Q("1", "m"), b1Q("1", "g")), want: nil},
		{name: "AddIntegerOverflow", op: "Add", params: ii, args: b1Vs(b1I(math.MaxInt32), b1I(1)), want: nil},
		{name: "AddLongOverflow", op: "Add", params: ll, args: b1Vs(b1L(math.MaxInt64), b1L(1)), want: nil},
		{name: "AddLongNegOverflow", op: "Add", params: ll, args: b1Vs(b1L(math.MinInt64), b1L(-1)), want: nil},
		{name: "AddBadType", op: "Add", params: ii, args: b1Vs(b1S("1"), b1I(1)), wantErr: true},
		// Ceiling
		{name: "CeilingNull", op: "Ceiling", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Ceiling1D", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("1.0")), want: b1I(1)},
		{name: "Ceiling1D1", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("1.1")), want: b1I(2)},
		{name: "CeilingNegD1", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-0.1")), want: b1I(0)},
		{name: "CeilingNeg1", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-1.0")), want: b1I(-1)},
		{name: "CeilingNeg1D1", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-1.1")), want: b1I(-1)},
		{name: "Ceiling1I", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("1")), want: b1I(1)},
		{name: "CeilingMaxIntegerAsDecimal", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("2147483647.0")), want: b1I(2147483647)},
		{name: "CeilingMaxIntegerAsDecimalWhereDecimalIsNonZero", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("2147483647.2")), want: nil},
		{name: "CeilingDecimalGreaterThanMaxInteger", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("2147483648.2")), want: nil},
		{name: "CeilingMinIntegerAsDecimal", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-2147483648.0")), want: b1I(-2147483648)},
		{name: "CeilingMinIntegerAsDecimalWhereDecimalIsNonZero", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-2147483648.2")), want: b1I(-2147483648)},
		{name: "CeilingDecimalLessThanMinInteger", op: "Ceiling", params: b1Ts(d), args: b1Vs(b1D("-2147483649.2")), want: nil},
		// Divide
		{name: "DivideNull", op: "Divide", params: dd, args: b1Vs(b1D("1"), nil), want: nil},
		{name: "Divide10", op: "Divide", params: dd, args: b1Vs(b1D("1"), b1D("0")), want: nil},
		{name: "Divide01", op: "Divide", params: dd, args: b1Vs(b1D("0"), b1D("1")), want: b1D("0.0")},
		{name: "Divide11", op: "Divide", params: dd, args: b1Vs(b1D("1"), b1D("1")), want: b1D("1.0")},
		{name: "Divide1d1d", op: "Divide", params: dd, args: b1Vs(b1D("1.0"), b1D("1.0")), want: b1D("1.0")},
		{name: "Divide103", op: "Divide", params: dd, args: b1Vs(b1D("10"), b1D("3")), want: b1D("3.33333333")},
		{name: "Divide1Q1", op: "Divide", params: qq, args: b1Vs(b1Q("1", "g/cm3"), b1Q("1.0", "1")), want: b1Q("1.0", "g/cm3")},
		{name: "Divide1Q1Q", op: "Divide", params: qq, args: b1Vs(b1Q("1", "g/cm3"), b1Q("1", "g/cm3")), want: b1Q("1.0", "1")},
		{name: "Divide10I5D", op: "Divide", params: dd, args: b1Vs(b1D("10"), b1D("5.0")), want: b1D("2.0")},
		{name: "Divide10Q5I", op: "Divide", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("5", "1")), want: b1Q("2.0", "g")},
		{name: "DivideQByZero", op: "Divide", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("0", "1")), want: nil},
		// Floor
		{name: "FloorNull", op: "Floor", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Floor1D1", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("1.1")), want: b1I(1)},
		{name: "FloorNegD1", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("-0.1")), want: b1I(-1)},
		{name: "FloorNeg1D1", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("-1.1")), want: b1I(-2)},
		{name: "FloorMaxIntegerAsDecimalWhereDecimalIsNonZero", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("2147483647.2")), want: b1I(2147483647)},
		{name: "FloorDecimalGreaterThanMaxInteger", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("2147483648.2")), want: nil},
		{name: "FloorMinIntegerAsDecimalWhereDecimalIsNonZero", op: "Floor", params: b1Ts(d), args: b1Vs(b1D("-2147483648.2")), want: nil},
		// Exp
		{name: "ExpNull", op: "Exp", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Exp0", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("0")), want: b1D("1.0")},
		{name: "Exp1", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("1")), want: b1D("2.71828183")},
		{name: "ExpNeg1", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("-1")), want: b1D("0.36787944")},
		{name: "Exp1000", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("1000")), wantErr: true},
		{name: "Exp1000D", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("1000.0")), wantErr: true},
		{name: "ExpHuge", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("99999999999999999999")), wantErr: true},
		{name: "ExpVeryNegative", op: "Exp", params: b1Ts(d), args: b1Vs(b1D("-1000")), want: b1D("0")},
		// HighBoundary / LowBoundary
		{name: "HighBoundaryDecimal", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.587"), b1I(8)), want: b1D("1.58799999")},
		{name: "HighBoundaryNull", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(nil, b1I(8)), want: nil},
		{name: "HighBoundaryNullPrecision", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.58888"), nil), want: b1D("1.58888999")},
		{name: "HighBoundaryNegative", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(b1D("-1.587"), b1I(8)), want: b1D("-1.587")},
		{name: "LowBoundaryNegative", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(b1D("-1.587"), b1I(8)), want: b1D("-1.58799999")},
		{name: "HighBoundaryTooPrecise", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.587"), b1I(9)), want: nil},
		{name: "LowBoundaryNegativePrecision", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.587"), b1I(-1)), want: nil},
		{name: "LowBoundaryFewerPlaces", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.587"), b1I(2)), want: b1D("1.58")},
		{name: "HighBoundaryInteger", op: "HighBoundary", params: b1Ts(d, i), args: b1Vs(b1D("2"), b1I(3)), want: b1D("2.999")},
		{name: "LowBoundaryDecimal", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.587"), b1I(8)), want: b1D("1.58700000")},
		{name: "LowBoundaryNull", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(nil, b1I(8)), want: nil},
		{name: "LowBoundaryNullPrecision", op: "LowBoundary", params: b1Ts(d, i), args: b1Vs(b1D("1.58888"), nil), want: b1D("1.58888000")},
		{name: "HighBoundaryDateMonth", op: "HighBoundary", params: b1Ts(types.Date, i),
			args: b1Vs(value.Date{Year: 2014, Precision: value.Year}, b1I(6)), want: value.Date{Year: 2014, Month: 12, Precision: value.Month}},
		{name: "LowBoundaryDateMonth", op: "LowBoundary", params: b1Ts(types.Date, i),
			args: b1Vs(value.Date{Year: 2014, Precision: value.Year}, b1I(6)), want: value.Date{Year: 2014, Month: 1, Precision: value.Month}},
		{name: "HighBoundaryDateDayLeap", op: "HighBoundary", params: b1Ts(types.Date, i),
			args: b1Vs(value.Date{Year: 2012, Month: 2, Precision: value.Month}, b1I(8)), want: value.Date{Year: 2012, Month: 2, Day: 29, Precision: value.Day}},
		{name: "HighBoundaryDateTimeMillisecond", op: "HighBoundary", params: b1Ts(types.DateTime, i),
			args: b1Vs(value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Hour}, b1I(17)),
			want: value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "LowBoundaryDateTimeMillisecond", op: "LowBoundary", params: b1Ts(types.DateTime, i),
			args: b1Vs(value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Hour}, b1I(17)),
			want: value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Millisecond}},
		{name: "HighBoundaryTimeMillisecond", op: "HighBoundary", params: b1Ts(types.Time, i),
			args: b1Vs(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}, b1I(9)),
			want: value.Time{Hour: 10, Minute: 30, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "LowBoundaryTimeMillisecond", op: "LowBoundary", params: b1Ts(types.Time, i),
			args: b1Vs(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}, b1I(9)),
			want: value.Time{Hour: 10, Minute: 30, Precision: value.Millisecond}},
		// Log
		{name: "LogNullNull", op: "Log", params: dd, args: b1Vs(nil, nil), want: nil},
		{name: "Log1BaseNull", op: "Log", params: dd, args: b1Vs(b1D("1"), nil), want: nil},
		{name: "Log1Base1", op: "Log", params: dd, args: b1Vs(b1D("1"), b1D("1")), want: nil},
		{name: "Log2Base1", op: "Log", params: dd, args: b1Vs(b1D("2"), b1D("1")), want: nil},
		{name: "Log1Base2", op: "Log", params: dd, args: b1Vs(b1D("1"), b1D("2")), want: b1D("0.0")},
		{name: "Log1Base100", op: "Log", params: dd, args: b1Vs(b1D("1"), b1D("100")), want: b1D("0.0")},
		{name: "Log16Base2", op: "Log", params: dd, args: b1Vs(b1D("16"), b1D("2")), want: b1D("4.0")},
		{name: "LogD125Base2", op: "Log", params: dd, args: b1Vs(b1D("0.125"), b1D("2")), want: b1D("-3.0")},
		{name: "LogNegative", op: "Log", params: dd, args: b1Vs(b1D("-8"), b1D("2")), want: nil},
		// Ln
		{name: "LnNull", op: "Ln", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Ln0", op: "Ln", params: b1Ts(d), args: b1Vs(b1D("0")), wantErr: true},
		{name: "LnNeg0", op: "Ln", params: b1Ts(d), args: b1Vs(b1D("-0")), wantErr: true},
		{name: "Ln1", op: "Ln", params: b1Ts(d), args: b1Vs(b1D("1")), want: b1D("0.0")},
		{name: "LnNeg1", op: "Ln", params: b1Ts(d), args: b1Vs(b1D("-1")), want: nil},
		{name: "Ln1000", op: "Ln", params: b1Ts(d), args: b1Vs(b1D("1000")), want: b1D("6.90775528")},
		// Modulo
		{name: "ModuloNull", op: "Modulo", params: ii, args: b1Vs(b1I(1), nil), want: nil},
		{name: "Modulo0By0", op: "Modulo", params: ii, args: b1Vs(b1I(0), b1I(0)), want: nil},
		{name: "Modulo4By2", op: "Modulo", params: ii, args: b1Vs(b1I(4), b1I(2)), want: b1I(0)},
		{name: "Modulo4LBy2L", op: "Modulo", params: ll, args: b1Vs(b1L(4), b1L(2)), want: b1L(0)},
		{name: "Modulo4DBy2D", op: "Modulo", params: dd, args: b1Vs(b1D("4.0"), b1D("2.0")), want: b1D("0.0")},
		{name: "Modulo10By3", op: "Modulo", params: ii, args: b1Vs(b1I(10), b1I(3)), want: b1I(1)},
		{name: "Modulo10DBy3D", op: "Modulo", params: dd, args: b1Vs(b1D("10.0"), b1D("3.0")), want: b1D("1.0")},
		{name: "ModuloDResult", op: "Modulo", params: dd, args: b1Vs(b1D("3.5"), b1D("3")), want: b1D("0.5")},
		{name: "ModuloNegative", op: "Modulo", params: ii, args: b1Vs(b1I(-10), b1I(3)), want: b1I(-1)},
		{name: "ModuloQuantity", op: "Modulo", params: qq, args: b1Vs(b1Q("3.5", "cm"), b1Q("3", "cm")), want: b1Q("0.5", "cm")},
		{name: "Modulo10By3Quantity", op: "Modulo", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("3.0", "g")), want: b1Q("1.0", "g")},
		{name: "Modulo10By0Quantity", op: "Modulo", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("0.0", "g")), want: nil},
		{name: "ModuloMinLongByMinus1", op: "Modulo", params: ll, args: b1Vs(b1L(math.MinInt64), b1L(-1)), want: b1L(0)},
		// Multiply
		{name: "MultiplyNull", op: "Multiply", params: ii, args: b1Vs(b1I(1), nil), want: nil},
		{name: "Multiply1By1", op: "Multiply", params: ii, args: b1Vs(b1I(1), b1I(1)), want: b1I(1)},
		{name: "Multiply2LBy3L", op: "Multiply", params: ll, args: b1Vs(b1L(2), b1L(3)), want: b1L(6)},
		{name: "Multiply1DBy2D", op: "Multiply", params: dd, args: b1Vs(b1D("1.0"), b1D("2.0")), want: b1D("2.0")},
		{name: "Multiply1CMBy2CM", op: "Multiply", params: qq, args: b1Vs(b1Q("1.0", "cm"), b1Q("2.0", "cm")), want: b1Q("2.0", "cm2")},
		{name: "MultiplyIntegerOverflow", op: "Multiply", params: ii, args: b1Vs(b1I(65536), b1I(65536)), want: nil},
		{name: "MultiplyLongOverflow", op: "Multiply", params: ll, args: b1Vs(b1L(math.MaxInt64), b1L(2)), want: nil},
		{name: "MultiplyLongMin", op: "Multiply", params: ll, args: b1Vs(b1L(math.MinInt64/2), b1L(2)), want: b1L(math.MinInt64)},
		// Negate
		{name: "NegateNull", op: "Negate", params: b1Ts(i), args: b1Vs(nil), want: nil},
		{name: "Negate0", op: "Negate", params: b1Ts(i), args: b1Vs(b1I(0)), want: b1I(0)},
		{name: "Negate1", op: "Negate", params: b1Ts(i), args: b1Vs(b1I(1)), want: b1I(-1)},
		{name: "Negate1L", op: "Negate", params: b1Ts(l), args: b1Vs(b1L(1)), want: b1L(-1)},
		{name: "NegateMaxLong", op: "Negate", params: b1Ts(l), args: b1Vs(b1L(math.MaxInt64)), want: b1L(-math.MaxInt64)},
		{name: "NegateMinInteger", op: "Negate", params: b1Ts(i), args: b1Vs(b1I(math.MinInt32)), want: nil},
		{name: "Negate0D", op: "Negate", params: b1Ts(d), args: b1Vs(b1D("0.0")), want: b1D("0.0")},
		{name: "Negate1D", op: "Negate", params: b1Ts(d), args: b1Vs(b1D("1.0")), want: b1D("-1.0")},
		{name: "Negate1CM", op: "Negate", params: b1Ts(q), args: b1Vs(b1Q("1", "cm")), want: b1Q("-1.0", "cm")},
		// Precision
		{name: "PrecisionDecimal", op: "Precision", params: b1Ts(d), args: b1Vs(b1D("1.58700")), want: b1I(5)},
		{name: "PrecisionYear", op: "Precision", params: b1Ts(types.Date), args: b1Vs(value.Date{Year: 2014, Precision: value.Year}), want: b1I(4)},
		{name: "PrecisionDateTimeMilliseconds", op: "Precision", params: b1Ts(types.DateTime),
			args: b1Vs(value.DateTime{Year: 2014, Month: 1, Day: 5, Hour: 10, Minute: 30, Precision: value.Millisecond}), want: b1I(17)},
		{name: "PrecisionTimeMinutes", op: "Precision", params: b1Ts(types.Time), args: b1Vs(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}), want: b1I(4)},
		{name: "PrecisionTimeMilliseconds", op: "Precision", params: b1Ts(types.Time), args: b1Vs(value.Time{Hour: 10, Minute: 30, Precision: value.Millisecond}), want: b1I(9)},
		// Predecessor / Successor
		{name: "PredecessorNull", op: "Predecessor", params: b1Ts(i), args: b1Vs(nil), want: nil},
		{name: "PredecessorOf0", op: "Predecessor", params: b1Ts(i), args: b1Vs(b1I(0)), want: b1I(-1)},
		{name: "PredecessorOf1L", op: "Predecessor", params: b1Ts(l), args: b1Vs(b1L(1)), want: b1L(0)},
		{name: "PredecessorOf1D", op: "Predecessor", params: b1Ts(d), args: b1Vs(b1D("1.0")), want: b1D("0.99999999")},
		{name: "PredecessorOf101D", op: "Predecessor", params: b1Ts(d), args: b1Vs(b1D("1.01")), want: b1D("1.00999999")},
		{name: "PredecessorOf1QCM", op: "Predecessor", params: b1Ts(q), args: b1Vs(b1Q("1.0", "cm")), want: b1Q("0.99999999", "cm")},
		{name: "PredecessorOfNoon", op: "Predecessor", params: b1Ts(types.Time),
			args: b1Vs(value.Time{Hour: 12, Precision: value.Millisecond}), want: value.Time{Hour: 11, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "PredecessorUnderflowT", op: "Predecessor", params: b1Ts(types.Time), args: b1Vs(value.Time{Precision: value.Millisecond}), wantErr: true},
		{name: "PredecessorUnderflowInteger", op: "Predecessor", params: b1Ts(i), args: b1Vs(b1I(math.MinInt32)), wantErr: true},
		{name: "SuccessorNull", op: "Successor", params: b1Ts(i), args: b1Vs(nil), want: nil},
		{name: "SuccessorOf1", op: "Successor", params: b1Ts(i), args: b1Vs(b1I(1)), want: b1I(2)},
		{name: "SuccessorOf1L", op: "Successor", params: b1Ts(l), args: b1Vs(b1L(1)), want: b1L(2)},
		{name: "SuccessorOf1D", op: "Successor", params: b1Ts(d), args: b1Vs(b1D("1.0")), want: b1D("1.00000001")},
		{name: "SuccessorOfJan12000", op: "Successor", params: b1Ts(types.DateTime),
			args: b1Vs(value.DateTime{Year: 2000, Month: 1, Day: 1, Precision: value.Day}), want: value.DateTime{Year: 2000, Month: 1, Day: 2, Precision: value.Day}},
		{name: "SuccessorOverflowDt", op: "Successor", params: b1Ts(types.DateTime),
			args: b1Vs(value.DateTime{Year: 9999, Month: 12, Day: 31, Hour: 23, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}), wantErr: true},
		{name: "SuccessorOverflowT", op: "Successor", params: b1Ts(types.Time),
			args: b1Vs(value.Time{Hour: 23, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}), wantErr: true},
		{name: "SuccessorMaxInteger", op: "Successor", params: b1Ts(i), args: b1Vs(b1I(math.MaxInt32)), wantErr: true},
		// Power
		{name: "PowerNullToNull", op: "Power", params: ii, args: b1Vs(nil, nil), want: nil},
		{name: "Power0To0", op: "Power", params: ii, args: b1Vs(b1I(0), b1I(0)), want: b1I(1)},
		{name: "Power2To2", op: "Power", params: ii, args: b1Vs(b1I(2), b1I(2)), want: b1I(4)},
		{name: "PowerNeg2To2", op: "Power", params: ii, args: b1Vs(b1I(-2), b1I(2)), want: b1I(4)},
		{name: "PowerNeg2To3", op: "Power", params: ii, args: b1Vs(b1I(-2), b1I(3)), want: b1I(-8)},
		{name: "Power2ToNeg2", op: "Power", params: ii, args: b1Vs(b1I(2), b1I(-2)), want: b1D("0.25")},
		{name: "Power0ToNeg1", op: "Power", params: ii, args: b1Vs(b1I(0), b1I(-1)), want: nil},
		{name: "Power2LTo2L", op: "Power", params: ll, args: b1Vs(b1L(2), b1L(2)), want: b1L(4)},
		{name: "Power2DTo2D", op: "Power", params: dd, args: b1Vs(b1D("2.0"), b1D("2.0")), want: b1D("4.0")},
		{name: "PowerNeg2DTo2D", op: "Power", params: dd, args: b1Vs(b1D("-2.0"), b1D("2.0")), want: b1D("4.0")},
		{name: "Power2DToNeg2D", op: "Power", params: dd, args: b1Vs(b1D("2.0"), b1D("-2.0")), want: b1D("0.25")},
		{name: "Power2To4", op: "Power", params: ii, args: b1Vs(b1I(2), b1I(4)), want: b1I(16)},
		{name: "Power2LTo3L", op: "Power", params: ll, args: b1Vs(b1L(2), b1L(3)), want: b1L(8)},
		{name: "Power2DTo4D", op: "Power", params: dd, args: b1Vs(b1D("2.0"), b1D("4.0")), want: b1D("16.0")},
		{name: "Power4DToHalf", op: "Power", params: dd, args: b1Vs(b1D("4.0"), b1D("0.5")), want: b1D("2.0")},
		{name: "PowerNegToHalf", op: "Power", params: dd, args: b1Vs(b1D("-4.0"), b1D("0.5")), want: nil},
		{name: "Power0DToNeg", op: "Power", params: dd, args: b1Vs(b1D("0.0"), b1D("-1")), want: nil},
		{name: "PowerIntegerOverflow", op: "Power", params: ii, args: b1Vs(b1I(2), b1I(31)), want: nil},
		{name: "PowerIntegerMin", op: "Power", params: ii, args: b1Vs(b1I(-2), b1I(31)), want: b1I(math.MinInt32)},
		{name: "PowerIntegerBig", op: "Power", params: ii, args: b1Vs(b1I(1), b1I(math.MaxInt32)), want: b1I(1)},
		{name: "PowerLongOverflow", op: "Power", params: ll, args: b1Vs(b1L(10), b1L(19)), want: nil},
		{name: "PowerLong18", op: "Power", params: ll, args: b1Vs(b1L(10), b1L(18)), want: b1L(1000000000000000000)},
		{name: "PowerDecOverflow", op: "Power", params: dd, args: b1Vs(b1D("10.0"), b1D("1000")), want: nil},
		// Round
		{name: "RoundNull", op: "Round", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Round1", op: "Round", params: b1Ts(d), args: b1Vs(b1D("1")), want: b1D("1.0")},
		{name: "Round0D5", op: "Round", params: b1Ts(d), args: b1Vs(b1D("0.5")), want: b1D("1.0")},
		{name: "Round0D4", op: "Round", params: b1Ts(d), args: b1Vs(b1D("0.4")), want: b1D("0.0")},
		{name: "Round3D14159", op: "Round", params: b1Ts(d, i), args: b1Vs(b1D("3.14159"), b1I(2)), want: b1D("3.14")},
		{name: "RoundNeg0D5", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-0.5")), want: b1D("-1.0")},
		{name: "RoundNeg0D4", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-0.4")), want: b1D("0.0")},
		{name: "RoundNeg0D6", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-0.6")), want: b1D("-1.0")},
		{name: "RoundNeg1D1", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-1.1")), want: b1D("-1.0")},
		{name: "RoundNeg1D5", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-1.5")), want: b1D("-2.0")},
		{name: "RoundNeg1D6", op: "Round", params: b1Ts(d), args: b1Vs(b1D("-1.6")), want: b1D("-2.0")},
		{name: "Divide103Round", op: "Round", params: b1Ts(d, i), args: b1Vs(b1D("3.33333333"), b1I(8)), want: b1D("3.33333333")},
		// Subtract
		{name: "SubtractNull", op: "Subtract", params: ii, args: b1Vs(b1I(1), nil), want: nil},
		{name: "Subtract1And1", op: "Subtract", params: ii, args: b1Vs(b1I(1), b1I(1)), want: b1I(0)},
		{name: "Subtract1LAnd1L", op: "Subtract", params: ll, args: b1Vs(b1L(1), b1L(1)), want: b1L(0)},
		{name: "Subtract1DAnd2D", op: "Subtract", params: dd, args: b1Vs(b1D("1.0"), b1D("2.0")), want: b1D("-1.0")},
		{name: "Subtract1CMAnd2CM", op: "Subtract", params: qq, args: b1Vs(b1Q("1.0", "cm"), b1Q("2.0", "cm")), want: b1Q("-1.0", "cm")},
		{name: "Subtract2And11D", op: "Subtract", params: dd, args: b1Vs(b1D("2"), b1D("1.1")), want: b1D("0.9")},
		{name: "SubtractIntegerUnderflow", op: "Subtract", params: ii, args: b1Vs(b1I(math.MinInt32), b1I(1)), want: nil},
		{name: "SubtractLongUnderflow", op: "Subtract", params: ll, args: b1Vs(b1L(math.MinInt64), b1L(1)), want: nil},
		{name: "SubtractLongOverflow", op: "Subtract", params: ll, args: b1Vs(b1L(math.MaxInt64), b1L(-1)), want: nil},
		// Truncate
		{name: "TruncateNull", op: "Truncate", params: b1Ts(d), args: b1Vs(nil), want: nil},
		{name: "Truncate0D1", op: "Truncate", params: b1Ts(d), args: b1Vs(b1D("0.1")), want: b1I(0)},
		{name: "Truncate1D9", op: "Truncate", params: b1Ts(d), args: b1Vs(b1D("1.9")), want: b1I(1)},
		{name: "TruncateNeg1D9", op: "Truncate", params: b1Ts(d), args: b1Vs(b1D("-1.9")), want: b1I(-1)},
		// TruncatedDivide
		{name: "TruncatedDivideNull", op: "TruncatedDivide", params: ii, args: b1Vs(nil, nil), want: nil},
		{name: "TruncatedDivide2By1", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(2), b1I(1)), want: b1I(2)},
		{name: "TruncatedDivide2By0", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(2), b1I(0)), want: nil},
		{name: "TruncatedDivide10By3", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(10), b1I(3)), want: b1I(3)},
		{name: "TruncatedDivide10LBy3L", op: "TruncatedDivide", params: ll, args: b1Vs(b1L(10), b1L(3)), want: b1L(3)},
		{name: "TruncatedDivide10LBy0L", op: "TruncatedDivide", params: ll, args: b1Vs(b1L(10), b1L(0)), want: nil},
		{name: "TruncatedDivide10d1By3D1", op: "TruncatedDivide", params: dd, args: b1Vs(b1D("10.1"), b1D("3.1")), want: b1D("3.0")},
		{name: "TruncatedDivide10D1By0D", op: "TruncatedDivide", params: dd, args: b1Vs(b1D("10.1"), b1D("0.0")), want: nil},
		{name: "TruncatedDivideNeg10ByNeg3", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(-10), b1I(-3)), want: b1I(3)},
		{name: "TruncatedDivideNeg10d1By3D1", op: "TruncatedDivide", params: dd, args: b1Vs(b1D("-10.1"), b1D("3.1")), want: b1D("-3.0")},
		{name: "TruncatedDivide10ByNeg3", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(10), b1I(-3)), want: b1I(-3)},
		{name: "TruncatedDivideMinIntByMinus1", op: "TruncatedDivide", params: ii, args: b1Vs(b1I(math.MinInt32), b1I(-1)), want: nil},
		{name: "TruncatedDivideMinLongByMinus1", op: "TruncatedDivide", params: ll, args: b1Vs(b1L(math.MinInt64), b1L(-1)), want: nil},
		{name: "TruncatedDivide10d1ByNeg3D1Quantity", op: "TruncatedDivide", params: qq, args: b1Vs(b1Q("10.1", "cm"), b1Q("-3.1", "cm")), want: b1Q("-3.0", "cm")},
		{name: "TruncatedDivide10By5DQuantity", op: "TruncatedDivide", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("5.0", "g")), want: b1Q("2.0", "g")},
		{name: "TruncatedDivide414By206DQuantity", op: "TruncatedDivide", params: qq, args: b1Vs(b1Q("4.14", "m"), b1Q("2.06", "m")), want: b1Q("2.0", "m")},
		{name: "TruncatedDivide10By0DQuantity", op: "TruncatedDivide", params: qq, args: b1Vs(b1Q("10.0", "g"), b1Q("0.0", "g")), want: nil},
		// MinValue / MaxValue
		{name: "IntegerMinValue", op: "MinValue", params: b1Ts(types.String), args: b1Vs(b1S("Integer")), want: b1I(math.MinInt32)},
		{name: "LongMinValue", op: "MinValue", params: b1Ts(types.String), args: b1Vs(b1S("System.Long")), want: b1L(math.MinInt64)},
		{name: "DecimalMinValue", op: "MinValue", params: b1Ts(types.String), args: b1Vs(b1S("Decimal")), want: b1D("-99999999999999999999.99999999")},
		{name: "DecimalMaxValue", op: "MaxValue", params: b1Ts(types.String), args: b1Vs(b1S("Decimal")), want: b1D("99999999999999999999.99999999")},
		{name: "IntegerMaxValue", op: "MaxValue", params: b1Ts(types.String), args: b1Vs(b1S("Integer")), want: b1I(math.MaxInt32)},
		{name: "DateMaxValue", op: "MaxValue", params: b1Ts(types.String), args: b1Vs(b1S("Date")), want: value.Date{Year: 9999, Month: 12, Day: 31, Precision: value.Day}},
		{name: "TimeMinValue", op: "MinValue", params: b1Ts(types.String), args: b1Vs(b1S("Time")), want: value.Time{Precision: value.Millisecond}},
		{name: "BooleanMinValue", op: "MinValue", params: b1Ts(types.String), args: b1Vs(b1S("Boolean")), wantErr: true},
		{name: "UnknownMaxValue", op: "MaxValue", params: b1Ts(types.String), args: b1Vs(b1S("Foo")), wantErr: true},
	})
}

func TestIntegerAddAllocations(t *testing.T) {
	add := b1Find(t, "Add", b1TI, b1TI).Fn
	args := b1Vs(b1I(1), b1I(2))
	if n := testing.AllocsPerRun(100, func() { _, _ = add(nil, args) }); n != 0 {
		t.Fatalf("Add(Integer, Integer) allocates %v times", n)
	}
}

func BenchmarkAddInteger(b *testing.B) {
	add := b1Find(b, "Add", b1TI, b1TI).Fn
	args := b1Vs(b1I(1), b1I(2))
	for b.Loop() {
		_, _ = add(nil, args)
	}
}

func BenchmarkAddDecimal(b *testing.B) {
	add := b1Find(b, "Add", b1TD, b1TD).Fn
	args := b1Vs(b1D("1.5"), b1D("2.25"))
	for b.Loop() {
		_, _ = add(nil, args)
	}
}

func TestRedispatch(t *testing.T) {
	i, l, d := b1TI, b1TL, b1TD
	ii := b1Ts(i, i)
	unc := func(lo, hi int32) value.Value {
		return value.Interval{Low: b1I(lo), High: b1I(hi), LowClosed: true, HighClosed: true, PointType: i}
	}
	b1Run(t, []b1Case{
		// -Power(10, -8): the Integer Power yields a Decimal at run time.
		{name: "DecimalNegOneStep", op: "Negate", params: b1Ts(i), args: b1Vs(b1D("0.00000001")), want: b1D("-0.00000001")},
		{name: "AbsOfDecimal", op: "Abs", params: b1Ts(i), args: b1Vs(b1D("-0.25")), want: b1D("0.25")},
		{name: "AddIntegerDecimal", op: "Add", params: ii, args: b1Vs(b1I(1), b1D("0.25")), want: b1D("1.25")},
		{name: "AddLongInteger", op: "Add", params: b1Ts(l, l), args: b1Vs(b1L(1), b1I(2)), want: b1L(3)},
		{name: "DivideIntegers", op: "Divide", params: b1Ts(d, d), args: b1Vs(b1I(1), b1I(4)), want: b1D("0.25")},
		{name: "PowerOfDecimal", op: "Power", params: ii, args: b1Vs(b1D("0.5"), b1I(2)), want: b1D("0.25")},
		{name: "AddWithNull", op: "Add", params: ii, args: b1Vs(b1D("0.5"), nil), want: nil},
		// Uncertainty intervals from durations between imprecise dates.
		{name: "UncertainAdd", op: "Add", params: ii, args: b1Vs(unc(16, 44), unc(16, 44)), want: unc(32, 88)},
		{name: "UncertainSubtract", op: "Subtract", params: ii, args: b1Vs(unc(16, 44), unc(4, 16)), want: unc(0, 40)},
		{name: "UncertainMultiply", op: "Multiply", params: ii, args: b1Vs(unc(16, 44), unc(16, 44)), want: unc(256, 1936)},
		{name: "UncertainMultiplyNegative", op: "Multiply", params: ii, args: b1Vs(unc(-2, 3), unc(4, 5)), want: unc(-10, 15)},
		{name: "UncertainPlusPoint", op: "Add", params: ii, args: b1Vs(unc(1, 2), b1I(10)), want: unc(11, 12)},
		{name: "UncertainModulo", op: "Modulo", params: ii, args: b1Vs(unc(1, 2), b1I(10)), wantErr: true},
	})
}

func TestTranscendentalScale(t *testing.T) {
	i, d := b1TI, b1TD
	for _, tc := range []struct {
		op     string
		params []types.Type
		args   []value.Value
		want   string
	}{
		{"Power", b1Ts(i, i), b1Vs(b1I(2), b1I(-2)), "0.25"},
		{"Power", b1Ts(i, i), b1Vs(b1I(2), b1I(-1)), "0.5"},
		{"Power", b1Ts(i, i), b1Vs(b1I(3), b1I(-1)), "0.33333333"},
		{"Power", b1Ts(d, d), b1Vs(b1D("2.0"), b1D("2.0")), "4.0"},
		{"Power", b1Ts(d, d), b1Vs(b1D("2.0"), b1D("-2.0")), "0.25"},
		{"Power", b1Ts(d, d), b1Vs(b1D("1.5"), b1D("2")), "2.25"},
		{"Power", b1Ts(d, d), b1Vs(b1D("2"), b1D("0.5")), "1.41421356"},
		{"Log", b1Ts(d, d), b1Vs(b1D("16"), b1D("2")), "4.0"},
		{"Ln", b1Ts(d), b1Vs(b1D("1")), "0.0"},
		{"Exp", b1Ts(d), b1Vs(b1D("0")), "1.0"},
		{"Exp", b1Ts(d), b1Vs(b1D("1")), "2.71828183"},
	} {
		got, err := b1Find(t, tc.op, tc.params...).Fn(nil, tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if g := got.(value.Decimal).String(); g != tc.want {
			t.Errorf("%s%v = %s, want %s", tc.op, tc.args, g, tc.want)
		}
	}
}

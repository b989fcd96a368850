package builtins

import (
	"math"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

var (
	tI, tL, tD, tQ = types.Integer, types.Long, types.Decimal, types.Quantity
)

func TestArithmeticSuite(t *testing.T) {
	i, l, d, q := tI, tL, tD, tQ
	ii, ll, dd, qq := tys(i, i), tys(l, l), tys(d, d), tys(q, q)
	runOpCases(t, []opCase{
		// Abs
		{name: "AbsNull", op: "Abs", params: tys(i), args: argv(nil), want: nil},
		{name: "Abs0", op: "Abs", params: tys(i), args: argv(intV(0)), want: intV(0)},
		{name: "AbsNeg1", op: "Abs", params: tys(i), args: argv(intV(-1)), want: intV(1)},
		{name: "AbsNeg1Dec", op: "Abs", params: tys(d), args: argv(decV("-1.0")), want: decV("1.0")},
		{name: "Abs0Dec", op: "Abs", params: tys(d), args: argv(decV("0.0")), want: decV("0.0")},
		{name: "Abs1cm", op: "Abs", params: tys(q), args: argv(qtyV("-1.0", "cm")), want: qtyV("1.0", "cm")},
		{name: "AbsLong", op: "Abs", params: tys(l), args: argv(longV(-1)), want: longV(1)},
		{name: "AbsMinInteger", op: "Abs", params: tys(i), args: argv(intV(math.MinInt32)), want: nil},
		// Add
		{name: "AddNull", op: "Add", params: ii, args: argv(intV(1), nil), want: nil},
		{name: "Add11", op: "Add", params: ii, args: argv(intV(1), intV(1)), want: intV(2)},
		{name: "Add1L2L", op: "Add", params: ll, args: argv(longV(1), longV(2)), want: longV(3)},
		{name: "Add1D1D", op: "Add", params: dd, args: argv(decV("1.0"), decV("1.0")), want: decV("2.0")},
		{name: "Add1Q1Q", op: "Add", params: qq, args: argv(qtyV("1", "g/cm3"), qtyV("1", "g/cm3")), want: qtyV("2.0", "g/cm3")},
		{name: "AddIAndD", op: "Add", params: dd, args: argv(decV("1"), decV("2.0")), want: decV("3.0")},
		{name: "AddMixedUnits", op: "Add", params: qq, args: argv(qtyV("1", "m"), qtyV("1", "cm")), want: qtyV("1.01", "m")},
		{name: "AddIncompatibleUnits", op: "Add", params: qq, args: argv(qtyV("1", "m"), qtyV("1", "g")), want: nil},
		{name: "AddIntegerOverflow", op: "Add", params: ii, args: argv(intV(math.MaxInt32), intV(1)), want: nil},
		{name: "AddLongOverflow", op: "Add", params: ll, args: argv(longV(math.MaxInt64), longV(1)), want: nil},
		{name: "AddLongNegOverflow", op: "Add", params: ll, args: argv(longV(math.MinInt64), longV(-1)), want: nil},
		{name: "AddBadType", op: "Add", params: ii, args: argv(strV("1"), intV(1)), wantErr: true},
		// Ceiling
		{name: "CeilingNull", op: "Ceiling", params: tys(d), args: argv(nil), want: nil},
		{name: "Ceiling1D", op: "Ceiling", params: tys(d), args: argv(decV("1.0")), want: intV(1)},
		{name: "Ceiling1D1", op: "Ceiling", params: tys(d), args: argv(decV("1.1")), want: intV(2)},
		{name: "CeilingNegD1", op: "Ceiling", params: tys(d), args: argv(decV("-0.1")), want: intV(0)},
		{name: "CeilingNeg1", op: "Ceiling", params: tys(d), args: argv(decV("-1.0")), want: intV(-1)},
		{name: "CeilingNeg1D1", op: "Ceiling", params: tys(d), args: argv(decV("-1.1")), want: intV(-1)},
		{name: "Ceiling1I", op: "Ceiling", params: tys(d), args: argv(decV("1")), want: intV(1)},
		{name: "CeilingMaxIntegerAsDecimal", op: "Ceiling", params: tys(d), args: argv(decV("2147483647.0")), want: intV(2147483647)},
		{name: "CeilingMaxIntegerAsDecimalWhereDecimalIsNonZero", op: "Ceiling", params: tys(d), args: argv(decV("2147483647.2")), want: nil},
		{name: "CeilingDecimalGreaterThanMaxInteger", op: "Ceiling", params: tys(d), args: argv(decV("2147483648.2")), want: nil},
		{name: "CeilingMinIntegerAsDecimal", op: "Ceiling", params: tys(d), args: argv(decV("-2147483648.0")), want: intV(-2147483648)},
		{name: "CeilingMinIntegerAsDecimalWhereDecimalIsNonZero", op: "Ceiling", params: tys(d), args: argv(decV("-2147483648.2")), want: intV(-2147483648)},
		{name: "CeilingDecimalLessThanMinInteger", op: "Ceiling", params: tys(d), args: argv(decV("-2147483649.2")), want: nil},
		// Divide
		{name: "DivideNull", op: "Divide", params: dd, args: argv(decV("1"), nil), want: nil},
		{name: "Divide10", op: "Divide", params: dd, args: argv(decV("1"), decV("0")), want: nil},
		{name: "Divide01", op: "Divide", params: dd, args: argv(decV("0"), decV("1")), want: decV("0.0")},
		{name: "Divide11", op: "Divide", params: dd, args: argv(decV("1"), decV("1")), want: decV("1.0")},
		{name: "Divide1d1d", op: "Divide", params: dd, args: argv(decV("1.0"), decV("1.0")), want: decV("1.0")},
		{name: "Divide103", op: "Divide", params: dd, args: argv(decV("10"), decV("3")), want: decV("3.33333333")},
		{name: "Divide1Q1", op: "Divide", params: qq, args: argv(qtyV("1", "g/cm3"), qtyV("1.0", "1")), want: qtyV("1.0", "g/cm3")},
		{name: "Divide1Q1Q", op: "Divide", params: qq, args: argv(qtyV("1", "g/cm3"), qtyV("1", "g/cm3")), want: qtyV("1.0", "1")},
		{name: "Divide10I5D", op: "Divide", params: dd, args: argv(decV("10"), decV("5.0")), want: decV("2.0")},
		{name: "Divide10Q5I", op: "Divide", params: qq, args: argv(qtyV("10.0", "g"), qtyV("5", "1")), want: qtyV("2.0", "g")},
		{name: "DivideQByZero", op: "Divide", params: qq, args: argv(qtyV("10.0", "g"), qtyV("0", "1")), want: nil},
		// Floor
		{name: "FloorNull", op: "Floor", params: tys(d), args: argv(nil), want: nil},
		{name: "Floor1D1", op: "Floor", params: tys(d), args: argv(decV("1.1")), want: intV(1)},
		{name: "FloorNegD1", op: "Floor", params: tys(d), args: argv(decV("-0.1")), want: intV(-1)},
		{name: "FloorNeg1D1", op: "Floor", params: tys(d), args: argv(decV("-1.1")), want: intV(-2)},
		{name: "FloorMaxIntegerAsDecimalWhereDecimalIsNonZero", op: "Floor", params: tys(d), args: argv(decV("2147483647.2")), want: intV(2147483647)},
		{name: "FloorDecimalGreaterThanMaxInteger", op: "Floor", params: tys(d), args: argv(decV("2147483648.2")), want: nil},
		{name: "FloorMinIntegerAsDecimalWhereDecimalIsNonZero", op: "Floor", params: tys(d), args: argv(decV("-2147483648.2")), want: nil},
		// Exp
		{name: "ExpNull", op: "Exp", params: tys(d), args: argv(nil), want: nil},
		{name: "Exp0", op: "Exp", params: tys(d), args: argv(decV("0")), want: decV("1.0")},
		{name: "Exp1", op: "Exp", params: tys(d), args: argv(decV("1")), want: decV("2.71828183")},
		{name: "ExpNeg1", op: "Exp", params: tys(d), args: argv(decV("-1")), want: decV("0.36787944")},
		{name: "Exp1000", op: "Exp", params: tys(d), args: argv(decV("1000")), wantErr: true},
		{name: "Exp1000D", op: "Exp", params: tys(d), args: argv(decV("1000.0")), wantErr: true},
		{name: "ExpHuge", op: "Exp", params: tys(d), args: argv(decV("99999999999999999999")), wantErr: true},
		{name: "ExpVeryNegative", op: "Exp", params: tys(d), args: argv(decV("-1000")), want: decV("0")},
		// HighBoundary / LowBoundary
		{name: "HighBoundaryDecimal", op: "HighBoundary", params: tys(d, i), args: argv(decV("1.587"), intV(8)), want: decV("1.58799999")},
		{name: "HighBoundaryNull", op: "HighBoundary", params: tys(d, i), args: argv(nil, intV(8)), want: nil},
		{name: "HighBoundaryNullPrecision", op: "HighBoundary", params: tys(d, i), args: argv(decV("1.58888"), nil), want: decV("1.58888999")},
		{name: "HighBoundaryNegative", op: "HighBoundary", params: tys(d, i), args: argv(decV("-1.587"), intV(8)), want: decV("-1.587")},
		{name: "LowBoundaryNegative", op: "LowBoundary", params: tys(d, i), args: argv(decV("-1.587"), intV(8)), want: decV("-1.58799999")},
		{name: "HighBoundaryTooPrecise", op: "HighBoundary", params: tys(d, i), args: argv(decV("1.587"), intV(9)), want: nil},
		{name: "LowBoundaryNegativePrecision", op: "LowBoundary", params: tys(d, i), args: argv(decV("1.587"), intV(-1)), want: nil},
		{name: "LowBoundaryFewerPlaces", op: "LowBoundary", params: tys(d, i), args: argv(decV("1.587"), intV(2)), want: decV("1.58")},
		{name: "HighBoundaryInteger", op: "HighBoundary", params: tys(d, i), args: argv(decV("2"), intV(3)), want: decV("2.999")},
		{name: "LowBoundaryDecimal", op: "LowBoundary", params: tys(d, i), args: argv(decV("1.587"), intV(8)), want: decV("1.58700000")},
		{name: "LowBoundaryNull", op: "LowBoundary", params: tys(d, i), args: argv(nil, intV(8)), want: nil},
		{name: "LowBoundaryNullPrecision", op: "LowBoundary", params: tys(d, i), args: argv(decV("1.58888"), nil), want: decV("1.58888000")},
		{name: "HighBoundaryDateMonth", op: "HighBoundary", params: tys(types.Date, i),
			args: argv(value.Date{Year: 2014, Precision: value.Year}, intV(6)), want: value.Date{Year: 2014, Month: 12, Precision: value.Month}},
		{name: "LowBoundaryDateMonth", op: "LowBoundary", params: tys(types.Date, i),
			args: argv(value.Date{Year: 2014, Precision: value.Year}, intV(6)), want: value.Date{Year: 2014, Month: 1, Precision: value.Month}},
		{name: "HighBoundaryDateDayLeap", op: "HighBoundary", params: tys(types.Date, i),
			args: argv(value.Date{Year: 2012, Month: 2, Precision: value.Month}, intV(8)), want: value.Date{Year: 2012, Month: 2, Day: 29, Precision: value.Day}},
		{name: "HighBoundaryDateTimeMillisecond", op: "HighBoundary", params: tys(types.DateTime, i),
			args: argv(value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Hour}, intV(17)),
			want: value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "LowBoundaryDateTimeMillisecond", op: "LowBoundary", params: tys(types.DateTime, i),
			args: argv(value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Hour}, intV(17)),
			want: value.DateTime{Year: 2014, Month: 1, Day: 1, Hour: 8, Precision: value.Millisecond}},
		{name: "HighBoundaryTimeMillisecond", op: "HighBoundary", params: tys(types.Time, i),
			args: argv(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}, intV(9)),
			want: value.Time{Hour: 10, Minute: 30, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "LowBoundaryTimeMillisecond", op: "LowBoundary", params: tys(types.Time, i),
			args: argv(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}, intV(9)),
			want: value.Time{Hour: 10, Minute: 30, Precision: value.Millisecond}},
		// Log
		{name: "LogNullNull", op: "Log", params: dd, args: argv(nil, nil), want: nil},
		{name: "Log1BaseNull", op: "Log", params: dd, args: argv(decV("1"), nil), want: nil},
		{name: "Log1Base1", op: "Log", params: dd, args: argv(decV("1"), decV("1")), want: nil},
		{name: "Log2Base1", op: "Log", params: dd, args: argv(decV("2"), decV("1")), want: nil},
		{name: "Log1Base2", op: "Log", params: dd, args: argv(decV("1"), decV("2")), want: decV("0.0")},
		{name: "Log1Base100", op: "Log", params: dd, args: argv(decV("1"), decV("100")), want: decV("0.0")},
		{name: "Log16Base2", op: "Log", params: dd, args: argv(decV("16"), decV("2")), want: decV("4.0")},
		{name: "LogD125Base2", op: "Log", params: dd, args: argv(decV("0.125"), decV("2")), want: decV("-3.0")},
		{name: "LogNegative", op: "Log", params: dd, args: argv(decV("-8"), decV("2")), want: nil},
		// Ln
		{name: "LnNull", op: "Ln", params: tys(d), args: argv(nil), want: nil},
		{name: "Ln0", op: "Ln", params: tys(d), args: argv(decV("0")), wantErr: true},
		{name: "LnNeg0", op: "Ln", params: tys(d), args: argv(decV("-0")), wantErr: true},
		{name: "Ln1", op: "Ln", params: tys(d), args: argv(decV("1")), want: decV("0.0")},
		{name: "LnNeg1", op: "Ln", params: tys(d), args: argv(decV("-1")), want: nil},
		{name: "Ln1000", op: "Ln", params: tys(d), args: argv(decV("1000")), want: decV("6.90775528")},
		// Modulo
		{name: "ModuloNull", op: "Modulo", params: ii, args: argv(intV(1), nil), want: nil},
		{name: "Modulo0By0", op: "Modulo", params: ii, args: argv(intV(0), intV(0)), want: nil},
		{name: "Modulo4By2", op: "Modulo", params: ii, args: argv(intV(4), intV(2)), want: intV(0)},
		{name: "Modulo4LBy2L", op: "Modulo", params: ll, args: argv(longV(4), longV(2)), want: longV(0)},
		{name: "Modulo4DBy2D", op: "Modulo", params: dd, args: argv(decV("4.0"), decV("2.0")), want: decV("0.0")},
		{name: "Modulo10By3", op: "Modulo", params: ii, args: argv(intV(10), intV(3)), want: intV(1)},
		{name: "Modulo10DBy3D", op: "Modulo", params: dd, args: argv(decV("10.0"), decV("3.0")), want: decV("1.0")},
		{name: "ModuloDResult", op: "Modulo", params: dd, args: argv(decV("3.5"), decV("3")), want: decV("0.5")},
		{name: "ModuloNegative", op: "Modulo", params: ii, args: argv(intV(-10), intV(3)), want: intV(-1)},
		{name: "ModuloQuantity", op: "Modulo", params: qq, args: argv(qtyV("3.5", "cm"), qtyV("3", "cm")), want: qtyV("0.5", "cm")},
		{name: "Modulo10By3Quantity", op: "Modulo", params: qq, args: argv(qtyV("10.0", "g"), qtyV("3.0", "g")), want: qtyV("1.0", "g")},
		{name: "Modulo10By0Quantity", op: "Modulo", params: qq, args: argv(qtyV("10.0", "g"), qtyV("0.0", "g")), want: nil},
		{name: "ModuloMinLongByMinus1", op: "Modulo", params: ll, args: argv(longV(math.MinInt64), longV(-1)), want: longV(0)},
		// Multiply
		{name: "MultiplyNull", op: "Multiply", params: ii, args: argv(intV(1), nil), want: nil},
		{name: "Multiply1By1", op: "Multiply", params: ii, args: argv(intV(1), intV(1)), want: intV(1)},
		{name: "Multiply2LBy3L", op: "Multiply", params: ll, args: argv(longV(2), longV(3)), want: longV(6)},
		{name: "Multiply1DBy2D", op: "Multiply", params: dd, args: argv(decV("1.0"), decV("2.0")), want: decV("2.0")},
		{name: "Multiply1CMBy2CM", op: "Multiply", params: qq, args: argv(qtyV("1.0", "cm"), qtyV("2.0", "cm")), want: qtyV("2.0", "cm2")},
		{name: "MultiplyIntegerOverflow", op: "Multiply", params: ii, args: argv(intV(65536), intV(65536)), want: nil},
		{name: "MultiplyLongOverflow", op: "Multiply", params: ll, args: argv(longV(math.MaxInt64), longV(2)), want: nil},
		{name: "MultiplyLongMin", op: "Multiply", params: ll, args: argv(longV(math.MinInt64/2), longV(2)), want: longV(math.MinInt64)},
		// Negate
		{name: "NegateNull", op: "Negate", params: tys(i), args: argv(nil), want: nil},
		{name: "Negate0", op: "Negate", params: tys(i), args: argv(intV(0)), want: intV(0)},
		{name: "Negate1", op: "Negate", params: tys(i), args: argv(intV(1)), want: intV(-1)},
		{name: "Negate1L", op: "Negate", params: tys(l), args: argv(longV(1)), want: longV(-1)},
		{name: "NegateMaxLong", op: "Negate", params: tys(l), args: argv(longV(math.MaxInt64)), want: longV(-math.MaxInt64)},
		{name: "NegateMinInteger", op: "Negate", params: tys(i), args: argv(intV(math.MinInt32)), want: nil},
		{name: "Negate0D", op: "Negate", params: tys(d), args: argv(decV("0.0")), want: decV("0.0")},
		{name: "Negate1D", op: "Negate", params: tys(d), args: argv(decV("1.0")), want: decV("-1.0")},
		{name: "Negate1CM", op: "Negate", params: tys(q), args: argv(qtyV("1", "cm")), want: qtyV("-1.0", "cm")},
		// Precision
		{name: "PrecisionDecimal", op: "Precision", params: tys(d), args: argv(decV("1.58700")), want: intV(5)},
		{name: "PrecisionYear", op: "Precision", params: tys(types.Date), args: argv(value.Date{Year: 2014, Precision: value.Year}), want: intV(4)},
		{name: "PrecisionDateTimeMilliseconds", op: "Precision", params: tys(types.DateTime),
			args: argv(value.DateTime{Year: 2014, Month: 1, Day: 5, Hour: 10, Minute: 30, Precision: value.Millisecond}), want: intV(17)},
		{name: "PrecisionTimeMinutes", op: "Precision", params: tys(types.Time), args: argv(value.Time{Hour: 10, Minute: 30, Precision: value.Minute}), want: intV(4)},
		{name: "PrecisionTimeMilliseconds", op: "Precision", params: tys(types.Time), args: argv(value.Time{Hour: 10, Minute: 30, Precision: value.Millisecond}), want: intV(9)},
		// Predecessor / Successor
		{name: "PredecessorNull", op: "Predecessor", params: tys(i), args: argv(nil), want: nil},
		{name: "PredecessorOf0", op: "Predecessor", params: tys(i), args: argv(intV(0)), want: intV(-1)},
		{name: "PredecessorOf1L", op: "Predecessor", params: tys(l), args: argv(longV(1)), want: longV(0)},
		{name: "PredecessorOf1D", op: "Predecessor", params: tys(d), args: argv(decV("1.0")), want: decV("0.99999999")},
		{name: "PredecessorOf101D", op: "Predecessor", params: tys(d), args: argv(decV("1.01")), want: decV("1.00999999")},
		{name: "PredecessorOf1QCM", op: "Predecessor", params: tys(q), args: argv(qtyV("1.0", "cm")), want: qtyV("0.99999999", "cm")},
		{name: "PredecessorOfNoon", op: "Predecessor", params: tys(types.Time),
			args: argv(value.Time{Hour: 12, Precision: value.Millisecond}), want: value.Time{Hour: 11, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}},
		{name: "PredecessorUnderflowT", op: "Predecessor", params: tys(types.Time), args: argv(value.Time{Precision: value.Millisecond}), wantErr: true},
		{name: "PredecessorUnderflowInteger", op: "Predecessor", params: tys(i), args: argv(intV(math.MinInt32)), wantErr: true},
		{name: "SuccessorNull", op: "Successor", params: tys(i), args: argv(nil), want: nil},
		{name: "SuccessorOf1", op: "Successor", params: tys(i), args: argv(intV(1)), want: intV(2)},
		{name: "SuccessorOf1L", op: "Successor", params: tys(l), args: argv(longV(1)), want: longV(2)},
		{name: "SuccessorOf1D", op: "Successor", params: tys(d), args: argv(decV("1.0")), want: decV("1.00000001")},
		{name: "SuccessorOfJan12000", op: "Successor", params: tys(types.DateTime),
			args: argv(value.DateTime{Year: 2000, Month: 1, Day: 1, Precision: value.Day}), want: value.DateTime{Year: 2000, Month: 1, Day: 2, Precision: value.Day}},
		{name: "SuccessorOverflowDt", op: "Successor", params: tys(types.DateTime),
			args: argv(value.DateTime{Year: 9999, Month: 12, Day: 31, Hour: 23, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}), wantErr: true},
		{name: "SuccessorOverflowT", op: "Successor", params: tys(types.Time),
			args: argv(value.Time{Hour: 23, Minute: 59, Second: 59, Millisecond: 999, Precision: value.Millisecond}), wantErr: true},
		{name: "SuccessorMaxInteger", op: "Successor", params: tys(i), args: argv(intV(math.MaxInt32)), wantErr: true},
		// Power
		{name: "PowerNullToNull", op: "Power", params: ii, args: argv(nil, nil), want: nil},
		{name: "Power0To0", op: "Power", params: ii, args: argv(intV(0), intV(0)), want: intV(1)},
		{name: "Power2To2", op: "Power", params: ii, args: argv(intV(2), intV(2)), want: intV(4)},
		{name: "PowerNeg2To2", op: "Power", params: ii, args: argv(intV(-2), intV(2)), want: intV(4)},
		{name: "PowerNeg2To3", op: "Power", params: ii, args: argv(intV(-2), intV(3)), want: intV(-8)},
		{name: "Power2ToNeg2", op: "Power", params: ii, args: argv(intV(2), intV(-2)), want: decV("0.25")},
		{name: "Power0ToNeg1", op: "Power", params: ii, args: argv(intV(0), intV(-1)), want: nil},
		{name: "Power2LTo2L", op: "Power", params: ll, args: argv(longV(2), longV(2)), want: longV(4)},
		{name: "Power2DTo2D", op: "Power", params: dd, args: argv(decV("2.0"), decV("2.0")), want: decV("4.0")},
		{name: "PowerNeg2DTo2D", op: "Power", params: dd, args: argv(decV("-2.0"), decV("2.0")), want: decV("4.0")},
		{name: "Power2DToNeg2D", op: "Power", params: dd, args: argv(decV("2.0"), decV("-2.0")), want: decV("0.25")},
		{name: "Power2To4", op: "Power", params: ii, args: argv(intV(2), intV(4)), want: intV(16)},
		{name: "Power2LTo3L", op: "Power", params: ll, args: argv(longV(2), longV(3)), want: longV(8)},
		{name: "Power2DTo4D", op: "Power", params: dd, args: argv(decV("2.0"), decV("4.0")), want: decV("16.0")},
		{name: "Power4DToHalf", op: "Power", params: dd, args: argv(decV("4.0"), decV("0.5")), want: decV("2.0")},
		{name: "PowerNegToHalf", op: "Power", params: dd, args: argv(decV("-4.0"), decV("0.5")), want: nil},
		{name: "Power0DToNeg", op: "Power", params: dd, args: argv(decV("0.0"), decV("-1")), want: nil},
		{name: "PowerIntegerOverflow", op: "Power", params: ii, args: argv(intV(2), intV(31)), want: nil},
		{name: "PowerIntegerMin", op: "Power", params: ii, args: argv(intV(-2), intV(31)), want: intV(math.MinInt32)},
		{name: "PowerIntegerBig", op: "Power", params: ii, args: argv(intV(1), intV(math.MaxInt32)), want: intV(1)},
		{name: "PowerLongOverflow", op: "Power", params: ll, args: argv(longV(10), longV(19)), want: nil},
		{name: "PowerLong18", op: "Power", params: ll, args: argv(longV(10), longV(18)), want: longV(1000000000000000000)},
		{name: "PowerDecOverflow", op: "Power", params: dd, args: argv(decV("10.0"), decV("1000")), want: nil},
		// Round
		{name: "RoundNull", op: "Round", params: tys(d), args: argv(nil), want: nil},
		{name: "Round1", op: "Round", params: tys(d), args: argv(decV("1")), want: decV("1.0")},
		{name: "Round0D5", op: "Round", params: tys(d), args: argv(decV("0.5")), want: decV("1.0")},
		{name: "Round0D4", op: "Round", params: tys(d), args: argv(decV("0.4")), want: decV("0.0")},
		{name: "Round3D14159", op: "Round", params: tys(d, i), args: argv(decV("3.14159"), intV(2)), want: decV("3.14")},
		{name: "RoundNeg0D5", op: "Round", params: tys(d), args: argv(decV("-0.5")), want: decV("-1.0")},
		{name: "RoundNeg0D4", op: "Round", params: tys(d), args: argv(decV("-0.4")), want: decV("0.0")},
		{name: "RoundNeg0D6", op: "Round", params: tys(d), args: argv(decV("-0.6")), want: decV("-1.0")},
		{name: "RoundNeg1D1", op: "Round", params: tys(d), args: argv(decV("-1.1")), want: decV("-1.0")},
		{name: "RoundNeg1D5", op: "Round", params: tys(d), args: argv(decV("-1.5")), want: decV("-2.0")},
		{name: "RoundNeg1D6", op: "Round", params: tys(d), args: argv(decV("-1.6")), want: decV("-2.0")},
		{name: "Divide103Round", op: "Round", params: tys(d, i), args: argv(decV("3.33333333"), intV(8)), want: decV("3.33333333")},
		// Subtract
		{name: "SubtractNull", op: "Subtract", params: ii, args: argv(intV(1), nil), want: nil},
		{name: "Subtract1And1", op: "Subtract", params: ii, args: argv(intV(1), intV(1)), want: intV(0)},
		{name: "Subtract1LAnd1L", op: "Subtract", params: ll, args: argv(longV(1), longV(1)), want: longV(0)},
		{name: "Subtract1DAnd2D", op: "Subtract", params: dd, args: argv(decV("1.0"), decV("2.0")), want: decV("-1.0")},
		{name: "Subtract1CMAnd2CM", op: "Subtract", params: qq, args: argv(qtyV("1.0", "cm"), qtyV("2.0", "cm")), want: qtyV("-1.0", "cm")},
		{name: "Subtract2And11D", op: "Subtract", params: dd, args: argv(decV("2"), decV("1.1")), want: decV("0.9")},
		{name: "SubtractIntegerUnderflow", op: "Subtract", params: ii, args: argv(intV(math.MinInt32), intV(1)), want: nil},
		{name: "SubtractLongUnderflow", op: "Subtract", params: ll, args: argv(longV(math.MinInt64), longV(1)), want: nil},
		{name: "SubtractLongOverflow", op: "Subtract", params: ll, args: argv(longV(math.MaxInt64), longV(-1)), want: nil},
		// Truncate
		{name: "TruncateNull", op: "Truncate", params: tys(d), args: argv(nil), want: nil},
		{name: "Truncate0D1", op: "Truncate", params: tys(d), args: argv(decV("0.1")), want: intV(0)},
		{name: "Truncate1D9", op: "Truncate", params: tys(d), args: argv(decV("1.9")), want: intV(1)},
		{name: "TruncateNeg1D9", op: "Truncate", params: tys(d), args: argv(decV("-1.9")), want: intV(-1)},
		// TruncatedDivide
		{name: "TruncatedDivideNull", op: "TruncatedDivide", params: ii, args: argv(nil, nil), want: nil},
		{name: "TruncatedDivide2By1", op: "TruncatedDivide", params: ii, args: argv(intV(2), intV(1)), want: intV(2)},
		{name: "TruncatedDivide2By0", op: "TruncatedDivide", params: ii, args: argv(intV(2), intV(0)), want: nil},
		{name: "TruncatedDivide10By3", op: "TruncatedDivide", params: ii, args: argv(intV(10), intV(3)), want: intV(3)},
		{name: "TruncatedDivide10LBy3L", op: "TruncatedDivide", params: ll, args: argv(longV(10), longV(3)), want: longV(3)},
		{name: "TruncatedDivide10LBy0L", op: "TruncatedDivide", params: ll, args: argv(longV(10), longV(0)), want: nil},
		{name: "TruncatedDivide10d1By3D1", op: "TruncatedDivide", params: dd, args: argv(decV("10.1"), decV("3.1")), want: decV("3.0")},
		{name: "TruncatedDivide10D1By0D", op: "TruncatedDivide", params: dd, args: argv(decV("10.1"), decV("0.0")), want: nil},
		{name: "TruncatedDivideNeg10ByNeg3", op: "TruncatedDivide", params: ii, args: argv(intV(-10), intV(-3)), want: intV(3)},
		{name: "TruncatedDivideNeg10d1By3D1", op: "TruncatedDivide", params: dd, args: argv(decV("-10.1"), decV("3.1")), want: decV("-3.0")},
		{name: "TruncatedDivide10ByNeg3", op: "TruncatedDivide", params: ii, args: argv(intV(10), intV(-3)), want: intV(-3)},
		{name: "TruncatedDivideMinIntByMinus1", op: "TruncatedDivide", params: ii, args: argv(intV(math.MinInt32), intV(-1)), want: nil},
		{name: "TruncatedDivideMinLongByMinus1", op: "TruncatedDivide", params: ll, args: argv(longV(math.MinInt64), longV(-1)), want: nil},
		{name: "TruncatedDivide10d1ByNeg3D1Quantity", op: "TruncatedDivide", params: qq, args: argv(qtyV("10.1", "cm"), qtyV("-3.1", "cm")), want: qtyV("-3.0", "cm")},
		{name: "TruncatedDivide10By5DQuantity", op: "TruncatedDivide", params: qq, args: argv(qtyV("10.0", "g"), qtyV("5.0", "g")), want: qtyV("2.0", "g")},
		{name: "TruncatedDivide414By206DQuantity", op: "TruncatedDivide", params: qq, args: argv(qtyV("4.14", "m"), qtyV("2.06", "m")), want: qtyV("2.0", "m")},
		{name: "TruncatedDivide10By0DQuantity", op: "TruncatedDivide", params: qq, args: argv(qtyV("10.0", "g"), qtyV("0.0", "g")), want: nil},
		// MinValue / MaxValue
		{name: "IntegerMinValue", op: "MinValue", params: tys(types.String), args: argv(strV("Integer")), want: intV(math.MinInt32)},
		{name: "LongMinValue", op: "MinValue", params: tys(types.String), args: argv(strV("System.Long")), want: longV(math.MinInt64)},
		{name: "DecimalMinValue", op: "MinValue", params: tys(types.String), args: argv(strV("Decimal")), want: decV("-99999999999999999999.99999999")},
		{name: "DecimalMaxValue", op: "MaxValue", params: tys(types.String), args: argv(strV("Decimal")), want: decV("99999999999999999999.99999999")},
		{name: "IntegerMaxValue", op: "MaxValue", params: tys(types.String), args: argv(strV("Integer")), want: intV(math.MaxInt32)},
		{name: "DateMaxValue", op: "MaxValue", params: tys(types.String), args: argv(strV("Date")), want: value.Date{Year: 9999, Month: 12, Day: 31, Precision: value.Day}},
		{name: "TimeMinValue", op: "MinValue", params: tys(types.String), args: argv(strV("Time")), want: value.Time{Precision: value.Millisecond}},
		{name: "BooleanMinValue", op: "MinValue", params: tys(types.String), args: argv(strV("Boolean")), wantErr: true},
		{name: "UnknownMaxValue", op: "MaxValue", params: tys(types.String), args: argv(strV("Foo")), wantErr: true},
	})
}

func TestIntegerAddAllocations(t *testing.T) {
	add := findOverload(t, "Add", tI, tI).Fn
	args := argv(intV(1), intV(2))
	if n := testing.AllocsPerRun(100, func() { _, _ = add(nil, args) }); n != 0 {
		t.Fatalf("Add(Integer, Integer) allocates %v times", n)
	}
}

func BenchmarkAddInteger(b *testing.B) {
	add := findOverload(b, "Add", tI, tI).Fn
	args := argv(intV(1), intV(2))
	for b.Loop() {
		_, _ = add(nil, args)
	}
}

func BenchmarkAddDecimal(b *testing.B) {
	add := findOverload(b, "Add", tD, tD).Fn
	args := argv(decV("1.5"), decV("2.25"))
	for b.Loop() {
		_, _ = add(nil, args)
	}
}

func TestRedispatch(t *testing.T) {
	i, l, d := tI, tL, tD
	ii := tys(i, i)
	unc := func(lo, hi int32) value.Value {
		return value.Interval{Low: intV(lo), High: intV(hi), LowClosed: true, HighClosed: true, PointType: i}
	}
	runOpCases(t, []opCase{
		// -Power(10, -8): the Integer Power yields a Decimal at run time.
		{name: "DecimalNegOneStep", op: "Negate", params: tys(i), args: argv(decV("0.00000001")), want: decV("-0.00000001")},
		{name: "AbsOfDecimal", op: "Abs", params: tys(i), args: argv(decV("-0.25")), want: decV("0.25")},
		{name: "AddIntegerDecimal", op: "Add", params: ii, args: argv(intV(1), decV("0.25")), want: decV("1.25")},
		{name: "AddLongInteger", op: "Add", params: tys(l, l), args: argv(longV(1), intV(2)), want: longV(3)},
		{name: "DivideIntegers", op: "Divide", params: tys(d, d), args: argv(intV(1), intV(4)), want: decV("0.25")},
		{name: "PowerOfDecimal", op: "Power", params: ii, args: argv(decV("0.5"), intV(2)), want: decV("0.25")},
		{name: "AddWithNull", op: "Add", params: ii, args: argv(decV("0.5"), nil), want: nil},
		// Uncertainty intervals from durations between imprecise dates.
		{name: "UncertainAdd", op: "Add", params: ii, args: argv(unc(16, 44), unc(16, 44)), want: unc(32, 88)},
		{name: "UncertainSubtract", op: "Subtract", params: ii, args: argv(unc(16, 44), unc(4, 16)), want: unc(0, 40)},
		{name: "UncertainMultiply", op: "Multiply", params: ii, args: argv(unc(16, 44), unc(16, 44)), want: unc(256, 1936)},
		{name: "UncertainMultiplyNegative", op: "Multiply", params: ii, args: argv(unc(-2, 3), unc(4, 5)), want: unc(-10, 15)},
		{name: "UncertainPlusPoint", op: "Add", params: ii, args: argv(unc(1, 2), intV(10)), want: unc(11, 12)},
		{name: "UncertainModulo", op: "Modulo", params: ii, args: argv(unc(1, 2), intV(10)), wantErr: true},
	})
}

func TestTranscendentalScale(t *testing.T) {
	i, d := tI, tD
	for _, tc := range []struct {
		op     string
		params []types.Type
		args   []value.Value
		want   string
	}{
		{"Power", tys(i, i), argv(intV(2), intV(-2)), "0.25"},
		{"Power", tys(i, i), argv(intV(2), intV(-1)), "0.5"},
		{"Power", tys(i, i), argv(intV(3), intV(-1)), "0.33333333"},
		{"Power", tys(d, d), argv(decV("2.0"), decV("2.0")), "4.0"},
		{"Power", tys(d, d), argv(decV("2.0"), decV("-2.0")), "0.25"},
		{"Power", tys(d, d), argv(decV("1.5"), decV("2")), "2.25"},
		{"Power", tys(d, d), argv(decV("2"), decV("0.5")), "1.41421356"},
		{"Log", tys(d, d), argv(decV("16"), decV("2")), "4.0"},
		{"Ln", tys(d), argv(decV("1")), "0.0"},
		{"Exp", tys(d), argv(decV("0")), "1.0"},
		{"Exp", tys(d), argv(decV("1")), "2.71828183"},
	} {
		got, err := findOverload(t, tc.op, tc.params...).Fn(nil, tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if g := got.(value.Decimal).String(); g != tc.want {
			t.Errorf("%s%v = %s, want %s", tc.op, tc.args, g, tc.want)
		}
	}
}

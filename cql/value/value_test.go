package value

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/google/go-cmp/cmp"
)

func dec(s string) Decimal { return MustDecimal(s) }

func dt(t *testing.T, s string) DateTime {
	t.Helper()
	v, err := ParseDateTime(s)
	if err != nil {
		t.Fatalf("ParseDateTime(%q): %v", s, err)
	}
	return v
}

func tm(t *testing.T, s string) Time {
	t.Helper()
	v, err := ParseTime(s)
	if err != nil {
		t.Fatalf("ParseTime(%q): %v", s, err)
	}
	return v
}

func q(v, unit string) Quantity { return Quantity{Value: dec(v), Unit: unit} }

func TestDecimalArithmetic(t *testing.T) {
	type op func(a, b Decimal) (Decimal, error)
	tests := []struct {
		name string
		f    op
		a, b string
		want string
		err  bool
	}{
		{"add", DecAdd, "1.0", "1.0", "2.0", false},
		{"add scale", DecAdd, "1", "2.0", "3.0", false},
		{"sub", DecSub, "2", "1.1", "0.9", false},
		{"mul trims", DecMul, "1.0", "2.0", "2.0", false},
		{"mul keeps", DecMul, "1.5", "1.5", "2.25", false},
		{"mul step", DecMul, "2.0", "0.00000001", "0.00000002", false},
		{"max", DecSub, "9999999999999999999999999999.99999999", "0.00000000", "9999999999999999999999999999.99999999", false},
		{"overflow", DecMul, "100", "1000000000000000000000000000.0", "", true},
		{"div", DecDiv, "10", "3", "3.33333333", false},
		{"div exact", DecDiv, "1", "1", "1.0", false},
		{"div zero num", DecDiv, "0", "1", "0.0", false},
		{"div half", DecDiv, "10", "4", "2.5", false},
		{"div by zero", DecDiv, "1", "0", "", true},
		{"truncdiv", DecTruncDiv, "10.1", "3.1", "3.0", false},
		{"truncdiv neg", DecTruncDiv, "-10.1", "3.1", "-3.0", false},
		{"mod", DecMod, "3.5", "3", "0.5", false},
	}
	for _, tt := range tests {
		got, err := tt.f(dec(tt.a), dec(tt.b))
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v, want error %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && got.String() != tt.want {
			t.Errorf("%s(%s, %s) = %s, want %s", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDecimalParseAndRound(t *testing.T) {
	for _, s := range []string{"0.000000001", "10000000000000000000000000000.00000000", "abc", "1e5", ""} {
		if _, err := NewDecimal(s); err == nil {
			t.Errorf("NewDecimal(%q) succeeded", s)
		}
	}
	if d, err := NewDecimalLax("5.999999999"); err != nil || d.String() != "5.999999999" {
		t.Errorf("NewDecimalLax = %v, %v", d, err)
	}
	for in, want := range map[string]string{"-0.0": "0.0", "-0.00000000": "0.00000000", "1": "1.0", "1.50": "1.50"} {
		if got := dec(in).String(); got != want {
			t.Errorf("String(%s) = %s, want %s", in, got, want)
		}
	}
	rounds := []struct {
		in     string
		places int
		want   string
	}{
		{"0.5", 0, "1.0"}, {"-0.5", 0, "-1.0"}, {"-0.4", 0, "0.0"}, {"-1.5", 0, "-2.0"},
		{"3.14159", 2, "3.14"}, {"-1.6", 0, "-2.0"},
	}
	for _, r := range rounds {
		got, err := DecRound(dec(r.in), r.places)
		if err != nil || got.String() != r.want {
			t.Errorf("DecRound(%s,%d) = %v, %v; want %s", r.in, r.places, got, err, r.want)
		}
	}
}

func TestEqualAndEquivalent(t *testing.T) {
	T, F := Boolean(true), Boolean(false)
	tup := func(names []string, vals ...Value) Tuple { return Tuple{Names: names, Values: vals} }
	idName := []string{"Id", "Name"}
	tests := []struct {
		name  string
		a, b  Value
		eq    Value
		equiv bool
	}{
		{"null null", nil, nil, nil, true},
		{"true null", T, nil, nil, false},
		{"ints", Integer(1), Integer(1), T, true},
		{"ints ne", Integer(1), Integer(2), F, false},
		{"strings case", String("Abel"), String("abel"), F, true},
		{"strings ws", String("a\tb"), String("A b"), F, true},
		{"dec scale", dec("1.0"), dec("1.00"), T, true},
		{"dec diff", dec("1.50"), dec("1.55"), F, false},
		{"dec equiv trailing", dec("1.001"), dec("1.000"), F, true},
		{"dec equiv prec", dec("1.5"), dec("1.55"), F, false},
		{"cm m", q("1", "cm"), q("0.01", "m"), T, true},
		{"cm scale", q("2.0", "cm"), q("2.00", "cm"), T, true},
		{"ms", q("1", "millisecond"), q("1", "ms"), T, true},
		{"week wk", q("1", "week"), q("1", "wk"), T, true},
		{"day d", q("1", "days"), q("1", "d"), T, true},
		{"month mo", q("1", "month"), q("1", "mo"), nil, true},
		{"year a", q("1", "year"), q("1", "a"), nil, true},
		{"years year", q("1", "years"), q("1", "year"), T, true},
		{"year months", q("1", "year"), q("12", "months"), T, true},
		{"year days", q("1", "year"), q("365", "days"), nil, true},
		{"month days", q("1", "month"), q("30", "days"), nil, true},
		{"week days", q("1", "week"), q("7", "days"), T, true},
		{"day hours", q("1", "day"), q("24", "hours"), T, true},
		{"second ms", q("1", "second"), q("1000", "milliseconds"), T, true},
		{"ratio", Ratio{q("1", "cm"), q("2", "cm")}, Ratio{q("1", "cm"), q("2", "cm")}, T, true},
		{"ratio num", Ratio{q("1", "cm"), q("2", "cm")}, Ratio{q("1.1", "cm"), q("2", "cm")}, F, true},

		{"tuple", tup(idName, Integer(1), String("John")), tup(idName, Integer(1), String("John")), T, true},
		{"tuple null name", tup(idName, Integer(1), String("John")), tup(idName, Integer(2), nil), F, false},
		{"tuple null id", tup(idName, nil, String("John")), tup(idName, Integer(1), String("James")), nil, false},
		{"tuple both null", tup(idName, Integer(1), nil), tup(idName, Integer(1), nil), T, true},
		{"tuple one null", tup(idName, Integer(1), String("John")), tup(idName, Integer(1), nil), nil, false},
		{"list nulls", List{Elems: []Value{nil}}, List{Elems: []Value{nil}}, T, true},
		{"list len", List{Elems: []Value{Integer(1)}}, List{Elems: []Value{Integer(1), nil}}, F, false},
		{"interval", Interval{Integer(1), Integer(10), true, true, typeInteger}, Interval{Integer(1), Integer(10), true, true, typeInteger}, T, true},
		{"interval open", Interval{Integer(1), Integer(10), true, true, typeInteger}, Interval{Integer(0), Integer(11), false, false, typeInteger}, T, true},
		{"interval null", Interval{Integer(1), Integer(10), true, true, typeInteger}, Interval{nil, nil, false, false, typeInteger}, nil, false},
		{"code", Code{Code: "a", System: "s", Display: "x"}, Code{Code: "a", System: "s"}, T, true},
		{"code version", Code{Code: "a", System: "s", Version: "1"}, Code{Code: "a", System: "s"}, F, true},
		{"uncertain in", Interval{Integer(6), Integer(18), true, true, typeInteger}, Integer(24), F, false},
		{"time", Time{10, 0, 0, 0, Millisecond}, Time{22, 0, 0, 0, Millisecond}, F, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); !cmp.Equal(got, tt.eq) {
			t.Errorf("%s: Equal(%s, %s) = %v, want %v", tt.name, Format(tt.a), Format(tt.b), got, tt.eq)
		}
		if got := Equivalent(tt.a, tt.b); got != tt.equiv {
			t.Errorf("%s: Equivalent(%s, %s) = %v, want %v", tt.name, Format(tt.a), Format(tt.b), got, tt.equiv)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b Value
		c    int
		ok   bool
	}{
		{Integer(0), Integer(1), -1, true},
		{Long(-30), Long(-20), -1, true},
		{dec("1.0"), dec("2"), -1, true},
		{String("a"), String("aa"), -1, true},
		{String("Jack"), String("Jill"), -1, true},
		{q("1", "m"), q("10", "cm"), 1, true},
		{q("0", "cm"), q("-1", "cm"), 1, true},
		{q("1", "g"), q("1", "m"), 0, false},
		{nil, Integer(1), 0, false},
		{Interval{Integer(6), Integer(18), true, true, typeInteger}, Integer(5), 1, true},
		{Interval{Integer(6), Integer(18), true, true, typeInteger}, Integer(25), -1, true},
		{Interval{Integer(1), Integer(13), true, true, typeInteger}, Integer(5), 0, false},
		{Integer(24), Interval{Integer(6), Integer(18), true, true, typeInteger}, 1, true},
	}
	for _, tt := range tests {
		c, ok := Compare(tt.a, tt.b)
		if c != tt.c || ok != tt.ok {
			t.Errorf("Compare(%s, %s) = %d, %v; want %d, %v", Format(tt.a), Format(tt.b), c, ok, tt.c, tt.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{nil, "null"},
		{Boolean(true), "true"},
		{Integer(-1), "-1"},
		{Long(3), "3L"},
		{dec("1.50"), "1.50"},
		{String("it's"), `'it\'s'`},
		{Date{2012, 1, 0, Month}, "@2012-01"},
		{DateTime{Year: 2003, Precision: Year}, "@2003T"},
		{DateTime{Year: 2012, Month: 4, Day: 4, Precision: Day}, "@2012-04-04T"},
		{DateTime{Year: 2017, Month: 3, Day: 12, Hour: 1, Precision: Millisecond, OffsetMinutes: -420, HasOffset: true}, "@2017-03-12T01:00:00.000-07:00"},
		{DateTime{Year: 2012, Month: 2, Day: 15, Hour: 12, Precision: Millisecond, OffsetMinutes: 60, HasOffset: true}, "@2012-02-15T12:00:00.000+01:00"},
		{DateTime{Year: 2003, Month: 10, Day: 29, Hour: 20, Minute: 50, Precision: Minute}, "@2003-10-29T20:50"},
		{Time{10, 0, 0, 0, Millisecond}, "@T10:00:00.000"},
		{Time{10, 0, 0, 0, Minute}, "@T10:00"},
		{q("5.0", "g"), "5.0 'g'"},
		{q("5", "mg"), "5 'mg'"},
		{q("3", "days"), "3 days"},
		{Ratio{q("1", "cm"), q("2", "cm")}, "1 'cm':2 'cm'"},
		{List{Elems: []Value{Integer(1), Integer(2)}}, "{1, 2}"},
		{Interval{Integer(1), Integer(5), true, false, typeInteger}, "Interval[1, 5)"},
		{Tuple{Names: []string{"id", "name"}, Values: []Value{Integer(5), String("Chris")}}, "Tuple { id: 5, name: 'Chris' }"},
		{Code{Code: "8480-6", System: "http://loinc.org"}, "Code { code: '8480-6', system: 'http://loinc.org' }"},
	}
	for _, tt := range tests {
		if got := Format(tt.v); got != tt.want {
			t.Errorf("Format = %s, want %s", got, tt.want)
		}
	}
}

func TestParseTemporal(t *testing.T) {
	if got := tm(t, "23:59:59.10000"); got != (Time{23, 59, 59, 100, Millisecond}) {
		t.Errorf("ParseTime fraction = %+v", got)
	}
	if got := tm(t, "15:59:59.0"); got != (Time{15, 59, 59, 0, Millisecond}) {
		t.Errorf("ParseTime .0 = %+v", got)
	}
	for _, s := range []string{"24:59:59.999", "23:60:59.999", "23:59:60.999", "1", "10:00:00."} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) succeeded", s)
		}
	}
	for _, s := range []string{"2014-02-30", "0000", "2014-13", "201"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) succeeded", s)
		}
	}
	want := DateTime{Year: 2012, Month: 3, Day: 10, Hour: 10, Minute: 20, Precision: Second, OffsetMinutes: 420, HasOffset: true}
	if got := dt(t, "2012-03-10T10:20:00+07:00"); got != want {
		t.Errorf("ParseDateTime = %+v", got)
	}
	if got := dt(t, "2012-01-01T"); got != (DateTime{Year: 2012, Month: 1, Day: 1, Precision: Day}) {
		t.Errorf("ParseDateTime day = %+v", got)
	}
	if got := dt(t, "2012T"); got != (DateTime{Year: 2012, Precision: Year}) {
		t.Errorf("ParseDateTime year = %+v", got)
	}
	if got := dt(t, "2014-01-25T14:30:14.559Z"); got.Millisecond != 559 || !got.HasOffset {
		t.Errorf("ParseDateTime Z = %+v", got)
	}
	if _, err := ParseDateTime("2012T10"); err == nil {
		t.Errorf("ParseDateTime accepted a time after a year")
	}
}

func TestToJSON(t *testing.T) {
	v := List{Elems: []Value{
		nil, Boolean(true), Integer(1), Long(2), dec("1.50"), String("x"),
		Date{2012, 1, 2, Day}, DateTime{Year: 2012, Month: 1, Day: 2, Precision: Day},
		DateTime{Year: 2012, Month: 1, Day: 2, Hour: 10, Precision: Millisecond, OffsetMinutes: 60, HasOffset: true},
		Time{10, 0, 0, 0, Minute}, q("5", "mg"),
		Interval{Integer(1), nil, true, false, typeInteger},
		Tuple{Names: []string{"a"}, Values: []Value{Integer(1)}},
		Code{Code: "c", System: "s"},
	}}
	got := ToJSON(v)
	want := []any{
		nil, true, int64(1), int64(2), jsonNumber("1.50"), "x",
		"2012-01-02", "2012-01-02", "2012-01-02T10:00:00.000+01:00", "10:00",
		map[string]any{"value": jsonNumber("5.0"), "unit": "mg"},
		map[string]any{"low": int64(1), "high": nil, "lowClosed": true, "highClosed": false},
		map[string]any{"a": int64(1)},
		map[string]any{"code": "c", "system": "s"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ToJSON (-want +got):\n%s", diff)
	}
	if _, err := DecAdd(Decimal{}, dec("1")); err == nil {
		t.Errorf("DecAdd on a zero Decimal should fail, not panic")
	}
}

func TestQuantityHelpers(t *testing.T) {
	conv := []struct {
		in   Quantity
		unit string
		want string
		err  bool
	}{
		{q("5", "mg"), "g", "0.005 'g'", false},
		{q("5.0", "g"), "mg", "5000.0 'mg'", false},
		{q("1", "year"), "mo", "12 'mo'", false},
		{q("2", "weeks"), "days", "14 days", false},
		{q("1", "g"), "m", "", true},
		{q("1", "g"), "foo", "", true},
	}
	for _, c := range conv {
		got, err := ConvertQuantity(c.in, c.unit)
		if (err != nil) != c.err || (err == nil && got.String() != c.want) {
			t.Errorf("ConvertQuantity(%s, %s) = %s, %v; want %s", c.in, c.unit, got, err, c.want)
		}
	}
	m, err := MultiplyQuantities(q("1.0", "cm"), q("2.0", "cm"))
	if err != nil || m.String() != "2.0 'cm2'" {
		t.Errorf("multiply = %s, %v", m, err)
	}
	d, err := DivideQuantities(q("1", "g/cm3"), q("1", "g/cm3"))
	if err != nil || d.String() != "1.0 '1'" {
		t.Errorf("divide = %s, %v", d, err)
	}
	if _, err := DivideQuantities(q("1", "g"), q("0", "g")); err == nil {
		t.Errorf("divide by zero should fail")
	}
	a, b, err := AlignQuantities(q("1", "m"), q("20", "cm"))
	if err != nil || b.String() != "0.2 'm'" || a.Unit != "m" {
		t.Errorf("align = %s, %s, %v", a, b, err)
	}
	if _, _, err := AlignQuantities(q("1", "year"), q("1", "d")); err == nil {
		t.Errorf("aligning years with days should fail")
	}
	if !CanConvertUnit("mg/dL", "g/L") || CanConvertUnit("mg", "m") {
		t.Errorf("CanConvertUnit wrong")
	}
	for _, typ := range []string{"Integer", "Long", "Decimal", "Date", "DateTime", "Time"} {
		tt, _ := types.System(typ)
		lo, err1 := MinValue(tt)
		hi, err2 := MaxValue(tt)
		if err1 != nil || err2 != nil {
			t.Errorf("bounds of %s: %v %v", typ, err1, err2)
			continue
		}
		if c, ok := Compare(lo, hi); !ok || c != -1 {
			t.Errorf("min %s !< max %s", Format(lo), Format(hi))
		}
	}
	if got, _ := MaxValue(types.Decimal); Format(got) != "99999999999999999999.99999999" {
		t.Errorf("max decimal = %s", Format(got))
	}
	if got, _ := MinValue(types.DateTime); Format(got) != "@0001-01-01T00:00:00.000Z" {
		t.Errorf("min datetime = %s", Format(got))
	}
	if _, err := MaxValue(types.Boolean); err == nil {
		t.Errorf("maximum Boolean should fail")
	}
}

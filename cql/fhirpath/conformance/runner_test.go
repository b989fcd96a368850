package conformance

import (
	"testing"

	"github.com/ccg-project/ccg/cql/value"
)

// TestSameItem: expected outputs match by their FHIRPath type, and an
// output without a type by its literal text.
func TestSameItem(t *testing.T) {
	dt := value.DateTime{Year: 2015, Month: 2, Day: 4, Hour: 14, Minute: 34, Second: 28, HasOffset: true, Precision: value.Second}
	q := value.Quantity{Value: value.MustDecimal("1.58650000"), Unit: "cm"}
	for _, tc := range []struct {
		v    value.Value
		o    Output
		want bool
	}{
		{value.Boolean(true), Output{"boolean", "true"}, true},
		{value.Boolean(true), Output{"boolean", "false"}, false},
		{value.String("true"), Output{"boolean", "true"}, false},
		{value.Integer(4), Output{"integer", "4"}, true},
		{value.MustDecimal("1.0"), Output{"decimal", "1"}, true},
		{value.Integer(1), Output{"decimal", "1"}, false},
		{value.Date{Year: 1974, Month: 12, Day: 25, Precision: value.Day}, Output{"date", "@1974-12-25"}, true},
		{value.Date{Year: 1974, Month: 12, Precision: value.Month}, Output{"date", "@1974-12-25"}, false},
		{dt, Output{"dateTime", "@2015-02-04T14:34:28Z"}, true},
		{dt, Output{"dateTime", "@2015-02-04T14:34:28+01:00"}, false},
		{value.Time{Hour: 14, Minute: 34, Precision: value.Minute}, Output{"time", "@T14:34"}, true},
		{value.Quantity{Value: value.MustDecimal("5.4"), Unit: "mg"}, Output{"Quantity", "5.4 'mg'"}, true},
		{value.String("male"), Output{"code", "male"}, true},
		{value.String("male"), Output{"string", "female"}, false},
		{q, Output{"", "1.58650000 'cm'"}, true},
		{value.MustDecimal("1.58"), Output{"", "1.58"}, true},
		{value.Integer(5), Output{"", "5"}, true},
		{value.Date{Year: 2014, Month: 1, Precision: value.Month}, Output{"", "@2014-01"}, true},
	} {
		if got := sameItem(tc.v, tc.o); got != tc.want {
			t.Errorf("%s vs %s %s: %v, want %v", value.Format(tc.v), tc.o.Type, tc.o.Text, got, tc.want)
		}
	}
}

package eval

import (
	"testing"

	"github.com/ccg-project/ccg/cql/checker"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func TestConvertElementwise(t *testing.T) {
	conv, ok := checker.ConversionFor(&types.List{Elem: types.Integer}, &types.List{Elem: types.Decimal})
	if !ok || conv == nil {
		t.Fatalf("no conversion List<Integer> -> List<Decimal>")
	}
	got, err := convert(conv, value.List{Elems: []value.Value{value.Integer(1), nil}, ElemType: types.Integer})
	if err != nil {
		t.Fatal(err)
	}
	if s := value.Format(got); s != "{1.0, null}" {
		t.Errorf("converted list = %s", s)
	}
	conv, _ = checker.ConversionFor(&types.Interval{Point: types.Date}, &types.Interval{Point: types.DateTime})
	iv := value.Interval{Low: value.Date{Year: 2012, Month: 1, Day: 2, Precision: value.Day}, LowClosed: true, HighClosed: false, PointType: types.Date}
	got, err = convert(conv, iv)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.(value.Interval).Low.(value.DateTime); !ok || !types.Equal(got.Type(), &types.Interval{Point: types.DateTime}) {
		t.Errorf("interval not converted: %#v", got)
	}
}

func TestDistinctValues(t *testing.T) {
	d1, _ := value.NewDecimal("1.0")
	d2, _ := value.NewDecimal("1.00")
	in := []value.Value{value.Integer(1), nil, value.Integer(1), nil, value.String("a"), d1, d2}
	out, err := distinctValues(&activation{}, in)
	if err != nil {
		t.Fatal(err)
	}
	got := value.Format(value.List{Elems: out, ElemType: types.Any})
	if diff := cmp.Diff("{1, null, 'a', 1.0}", got); diff != "" {
		t.Errorf("distinct (-want +got):\n%s", diff)
	}
}

func TestCompareForSort(t *testing.T) {
	day := value.DateTime{Year: 2012, Month: 10, Day: 5, Precision: value.Day}
	hour := value.DateTime{Year: 2012, Month: 10, Day: 5, Hour: 10, Precision: value.Hour}
	tests := []struct {
		a, b value.Value
		want int
	}{
		{nil, value.Integer(1), -1},
		{value.Integer(1), nil, 1},
		{nil, nil, 0},
		{value.Integer(1), value.Integer(2), -1},
		{day, hour, -1},
		{hour, day, 1},
		{value.DateTime{Year: 2012, Month: 1, Day: 1, Hour: 12, Precision: value.Hour}, day, -1},
	}
	for _, tt := range tests {
		if got := compareForSort(tt.a, tt.b); got != tt.want {
			t.Errorf("compareForSort(%s, %s) = %d, want %d", value.Format(tt.a), value.Format(tt.b), got, tt.want)
		}
	}
}

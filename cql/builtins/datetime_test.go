package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

// dtCall calls the overload of name whose parameters are params.
func dtCall(t *testing.T, c *Context, name string, p value.Precision, params []types.Type, args ...value.Value) (value.Value, error) {
	t.Helper()
	return invoke(findOverload(t, name, params...), c, p, args)
}

func dtInts(vs ...int) []value.Value {
	out := make([]value.Value, len(vs))
	for k, v := range vs {
		out[k] = value.Integer(v)
	}
	return out
}

func dtTypes(n int, t types.Type) []types.Type {
	out := make([]types.Type, n)
	for k := range out {
		out[k] = t
	}
	return out
}

func dtCtx() *Context {
	return &Context{Now: value.DateTime{Year: 2024, Month: 5, Day: 6, Hour: 7, Minute: 8, Second: 9,
		Millisecond: 10, Precision: value.Millisecond, OffsetMinutes: 0, HasOffset: true}}
}

// dtSel builds DateTime(...) through the registered selector.
func dtSel(t *testing.T, comps ...int) value.Value {
	t.Helper()
	v, err := dtCall(t, dtCtx(), "DateTime", value.Unset, dtTypes(len(comps), types.Integer), dtInts(comps...)...)
	if err != nil {
		t.Fatalf("DateTime%v: %v", comps, err)
	}
	return v
}

func TestDateTimeSelectors(t *testing.T) {
	c := dtCtx()
	tests := []struct {
		name    string
		op      string
		params  []types.Type
		args    []value.Value
		want    string
		wantErr bool
	}{
		{"year", "DateTime", dtTypes(1, types.Integer), dtInts(2003), "@2003T", false},
		{"day", "DateTime", dtTypes(3, types.Integer), dtInts(2003, 10, 29), "@2003-10-29T", false},
		{"ms", "DateTime", dtTypes(7, types.Integer), dtInts(2003, 10, 29, 20, 50, 33, 955), "@2003-10-29T20:50:33.955", false},
		{"offset", "DateTime", append(dtTypes(7, types.Integer), types.Decimal),
			append(dtInts(2017, 3, 12, 1, 0, 0, 0), value.MustDecimal("-7.0")), "@2017-03-12T01:00:00.000-07:00", false},
		{"null", "DateTime", dtTypes(1, types.Integer), []value.Value{nil}, "null", false},
		{"trailing null", "DateTime", dtTypes(4, types.Integer), append(dtInts(2001, 1, 1), nil), "@2001-01-01T", false},
		{"year 10000", "DateTime", dtTypes(7, types.Integer), dtInts(10000, 12, 31, 23, 59, 59, 999), "", true},
		{"year 0", "DateTime", dtTypes(7, types.Integer), dtInts(0, 1, 1, 0, 0, 0, 0), "", true},
		{"feb 30", "DateTime", dtTypes(3, types.Integer), dtInts(2014, 2, 30), "", true},
		{"gap", "DateTime", dtTypes(3, types.Integer), []value.Value{value.Integer(2014), nil, value.Integer(3)}, "", true},
		{"date", "Date", dtTypes(2, types.Integer), dtInts(2014, 6), "@2014-06", false},
		{"time", "Time", dtTypes(2, types.Integer), dtInts(12, 30), "@T12:30", false},
		{"time bad", "Time", dtTypes(1, types.Integer), dtInts(24), "", true},
	}
	for _, tt := range tests {
		got, err := dtCall(t, c, tt.op, value.Unset, tt.params, tt.args...)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if err == nil && value.Format(got) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, value.Format(got), tt.want)
		}
	}
	// Without an explicit offset the evaluation offset applies.
	c.Now.OffsetMinutes = 120
	got, _ := dtCall(t, c, "DateTime", value.Unset, dtTypes(4, types.Integer), dtInts(2003, 1, 1, 5)...)
	if dt := got.(value.DateTime); dt.OffsetMinutes != 120 || dt.HasOffset {
		t.Errorf("default offset: %+v", dt)
	}
}

func TestDateTimeOperators(t *testing.T) {
	c := dtCtx()
	dt, da, tm, q := types.DateTime, types.Date, types.Time, types.Quantity
	ms := func(s string) value.Value {
		v, err := value.ParseDateTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tmv := func(s string) value.Value {
		v, err := value.ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	qty := func(v, u string) value.Value { return value.Quantity{Value: value.MustDecimal(v), Unit: u} }
	tests := []struct {
		name    string
		op      string
		p       value.Precision
		params  []types.Type
		args    []value.Value
		want    string
		wantErr bool
	}{
		{"add years", "Add", value.Unset, []types.Type{dt, q}, []value.Value{dtSel(t, 2005, 10, 10), qty("5", "years")}, "@2010-10-10T", false},
		{"add invalid", "Add", value.Unset, []types.Type{dt, q}, []value.Value{dtSel(t, 2005, 10, 10), qty("8000", "years")}, "", true},
		{"sub invalid", "Subtract", value.Unset, []types.Type{dt, q}, []value.Value{dtSel(t, 2005, 10, 10), qty("2005", "years")}, "", true},
		{"add null", "Add", value.Unset, []types.Type{dt, q}, []value.Value{nil, qty("5", "years")}, "null", false},
		{"date add", "Add", value.Unset, []types.Type{da, q}, []value.Value{value.Date{Year: 2014, Precision: value.Year}, qty("25", "months")}, "@2016", false},
		{"time add", "Add", value.Unset, []types.Type{tm, q}, []value.Value{tmv("15:59:59.999"), qty("1", "minute")}, "@T16:00:59.999", false},
		{"time sub", "Subtract", value.Unset, []types.Type{tm, q}, []value.Value{tmv("15:59:59.999"), qty("300", "minutes")}, "@T10:59:59.999", false},
		{"year from", "DateTimeComponentFrom", value.Year, []types.Type{dt}, []value.Value{dtSel(t, 2003, 10, 29, 20, 50, 33, 955)}, "2003", false},
		{"ms from", "DateTimeComponentFrom", value.Millisecond, []types.Type{dt}, []value.Value{dtSel(t, 2003, 10, 29, 20, 50, 33, 955)}, "955", false},
		{"month min", "DateTimeComponentFrom", value.Month, []types.Type{dt}, []value.Value{dtSel(t, 2003, 1, 29)}, "1", false},
		{"hour missing", "DateTimeComponentFrom", value.Hour, []types.Type{dt}, []value.Value{ms("2015-02-10T")}, "null", false},
		{"time minute", "DateTimeComponentFrom", value.Minute, []types.Type{tm}, []value.Value{tmv("23:20:15.555")}, "20", false},
		{"tz from", "TimezoneOffsetFrom", value.Unset, []types.Type{dt}, []value.Value{ms("2003-10-29T20:50:33.955+01:00")}, "1.00", false},
		{"tz from neg", "TimezoneOffsetFrom", value.Unset, []types.Type{dt}, []value.Value{ms("2003-10-29T20:50:33.955-05:30")}, "-5.50", false},
		{"date from", "DateFrom", value.Unset, []types.Type{dt}, []value.Value{ms("2003-10-29T20:50:33.955+01:00")}, "@2003-10-29", false},
		{"time from", "TimeFrom", value.Unset, []types.Type{dt}, []value.Value{ms("2003-10-29T20:50:33.955+01:00")}, "@T20:50:33.955", false},
		{"difference years", "DifferenceBetween", value.Year, []types.Type{dt, dt}, []value.Value{dtSel(t, 2000), dtSel(t, 2005, 12)}, "5", false},
		{"difference tz", "DifferenceBetween", value.Day, []types.Type{dt, dt}, []value.Value{ms("2017-03-12T00:00:00-07:00"), ms("2017-03-13T00:00:00-06:00")}, "1", false},
		{"duration tz", "DurationBetween", value.Day, []types.Type{dt, dt}, []value.Value{ms("2017-03-12T00:00:00-07:00"), ms("2017-03-13T00:00:00-06:00")}, "0", false},
		{"duration uncertain", "DurationBetween", value.Day, []types.Type{dt, dt}, []value.Value{dtSel(t, 2014, 1, 15), dtSel(t, 2014, 2)}, "Interval[16, 44]", false},
		{"duration years dates", "DurationBetween", value.Year, []types.Type{da, da}, []value.Value{value.Date{Year: 2012, Month: 3, Day: 10, Precision: value.Day}, value.Date{Year: 2013, Month: 3, Day: 10, Precision: value.Day}}, "1", false},
		{"duration time", "DurationBetween", value.Hour, []types.Type{tm, tm}, []value.Value{tmv("06"), tmv("07:00:00")}, "1", false},
		{"duration no precision", "DurationBetween", value.Unset, []types.Type{dt, dt}, []value.Value{dtSel(t, 2000), dtSel(t, 2001)}, "", true},
		{"time years", "DurationBetween", value.Year, []types.Type{tm, tm}, []value.Value{tmv("06"), tmv("07")}, "", true},
		{"same as", "SameAs", value.Day, []types.Type{dt, dt}, []value.Value{dtSel(t, 2014, 10), dtSel(t, 2014, 10, 12)}, "null", false},
		{"same hour tz", "SameAs", value.Hour, []types.Type{dt, dt}, []value.Value{ms("2012-03-10T10:20:00.999+07:00"), ms("2012-03-10T09:20:00.999+06:00")}, "true", false},
		{"same day tz", "SameAs", value.Day, []types.Type{dt, dt}, []value.Value{ms("2022-02-22T00:00:00.000-05:00"), ms("2022-02-22T04:59:00.000Z")}, "true", false},
		{"after", "After", value.Year, []types.Type{dt, dt}, []value.Value{dtSel(t, 2005, 10, 10), dtSel(t, 2004, 10, 10)}, "true", false},
		{"before", "Before", value.Month, []types.Type{dt, dt}, []value.Value{dtSel(t, 2004, 11, 10), dtSel(t, 2004, 10, 10)}, "false", false},
		{"soob", "SameOrBefore", value.Year, []types.Type{dt, dt}, []value.Value{dtSel(t, 2013), dtSel(t, 2014)}, "true", false},
		{"sooa", "SameOrAfter", value.Unset, []types.Type{dt, dt}, []value.Value{ms("2017-12-21T02:00:00.0"), ms("2017-12-20T11:00:00.0")}, "true", false},
		{"time after", "After", value.Hour, []types.Type{tm, tm}, []value.Value{tmv("15:59:59.999"), tmv("14:59:59.999")}, "true", false},
		{"date hour", "SameAs", value.Hour, []types.Type{da, da}, []value.Value{value.Date{Year: 2014, Precision: value.Year}, value.Date{Year: 2014, Precision: value.Year}}, "", true},
		{"now", "Now", value.Unset, nil, nil, "@2024-05-06T07:08:09.010Z", false},
		{"today", "Today", value.Unset, nil, nil, "@2024-05-06", false},
		{"time of day", "TimeOfDay", value.Unset, nil, nil, "@T07:08:09.010", false},
	}
	for _, tt := range tests {
		got, err := dtCall(t, c, tt.op, tt.p, tt.params, tt.args...)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v (got %s)", tt.name, err, value.Format(got))
			continue
		}
		if err == nil {
			if diff := cmp.Diff(tt.want, value.Format(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	}
}

package value

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2012-01-01T10:00:00.000+01:00", "2012", "10:00", "1.5", "-0.00000001", "2012-02-29T", "T10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDateTime(s); err == nil {
			_ = Format(d)
			_, _ = Successor(d)
			_, _ = DurationBetween(d, mk(2000), Day)
		}
		if d, err := ParseDate(s); err == nil {
			_ = Format(d)
		}
		if tm, err := ParseTime(s); err == nil {
			_ = Format(tm)
		}
		if d, err := NewDecimalLax(s); err == nil {
			_ = d.String()
			_, _ = DecDiv(d, d)
			_, _ = DecRound(d, 2)
		}
	})
}

func FuzzTemporalArithmetic(f *testing.F) {
	f.Add("2012-02-29T10:00:00.000+05:30", "1.5", 3, true)
	f.Add("2012", "-99999999999", 1, false)
	f.Add("T23:59:59.999", "1", 7, true)
	units := []string{"years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds", "a", "mo", "wk", "d", "h", "min", "s", "ms", "g"}
	f.Fuzz(func(t *testing.T, s, v string, unit int, add bool) {
		var x Value
		if len(s) > 0 && s[0] == 'T' {
			tm, err := ParseTime(s[1:])
			if err != nil {
				return
			}
			x = tm
		} else {
			d, err := ParseDateTime(s)
			if err != nil {
				return
			}
			x = d
		}
		d, err := NewDecimalLax(v)
		if err != nil {
			return
		}
		if unit < 0 {
			unit = -unit
		}
		qq := Quantity{Value: d, Unit: units[unit%len(units)]}
		var r Value
		if add {
			r, err = AddQuantity(x, qq)
		} else {
			r, err = SubtractQuantity(x, qq)
		}
		if err != nil {
			return
		}
		switch y := r.(type) {
		case DateTime:
			if y.Valid() != nil || y.Precision != x.(DateTime).Precision {
				t.Fatalf("%s + %s = invalid %+v", Format(x), Format(qq), y)
			}
		case Time:
			if y.Valid() != nil {
				t.Fatalf("%s + %s = invalid %+v", Format(x), Format(qq), y)
			}
		}
		_, _ = DurationBetween(x, r, Millisecond)
		_, _ = DifferenceBetween(x, r, Week)
	})
}

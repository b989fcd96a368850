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

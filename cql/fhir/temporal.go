package fhir

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

func parseDecimal(s string) (value.Decimal, error) {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return value.Decimal{}, err
	}
	if d.Form != apd.Finite {
		return value.Decimal{}, fmt.Errorf("not a finite number")
	}
	return value.Decimal{D: d}, nil
}

// digits reads exactly n decimal digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// parseDatePart reads YYYY[-MM[-DD]] and returns the date and the index
// after it.
func parseDatePart(s string) (value.Date, int, error) {
	var d value.Date
	y, ok := digits(s, 0, 4)
	if !ok {
		return d, 0, fmt.Errorf("invalid date %q: expected a four-digit year", s)
	}
	d = value.Date{Year: y, Month: 0, Day: 0, Precision: value.Year}
	i := 4
	if i < len(s) && s[i] == '-' {
		mo, ok := digits(s, i+1, 2)
		if !ok || mo < 1 || mo > 12 {
			return d, 0, fmt.Errorf("invalid date %q: bad month", s)
		}
		d.Month, d.Precision = mo, value.Month
		i += 3
		if i < len(s) && s[i] == '-' {
			dd, ok := digits(s, i+1, 2)
			max := daysIn[mo]
			if mo == 2 && !leap(y) {
				max = 28
			}
			if !ok || dd < 1 || dd > max {
				return d, 0, fmt.Errorf("invalid date %q: bad day", s)
			}
			d.Day, d.Precision = dd, value.Day
			i += 3
		}
	}
	return d, i, nil
}

// ParseDate parses a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD).
func ParseDate(s string) (value.Date, error) {
	d, i, err := parseDatePart(s)
	if err != nil {
		return d, err
	}
	if i != len(s) {
		return d, fmt.Errorf("invalid date %q", s)
	}
	return d, nil
}

// parseTimePart reads hh:mm[:ss[.fff...]] from s.
func parseTimePart(s string, i int) (value.Time, int, error) {
	var t value.Time
	h, ok := digits(s, i, 2)
	if !ok || h > 23 || i+2 >= len(s) || s[i+2] != ':' {
		return t, 0, fmt.Errorf("invalid time in %q", s)
	}
	mi, ok := digits(s, i+3, 2)
	if !ok || mi > 59 {
		return t, 0, fmt.Errorf("invalid minutes in %q", s)
	}
	t = value.Time{Hour: h, Minute: mi, Precision: value.Minute}
	i += 5
	if i < len(s) && s[i] == ':' {
		sec, ok := digits(s, i+1, 2)
		if !ok || sec > 59 {
			return t, 0, fmt.Errorf("invalid seconds in %q", s)
		}
		t.Second, t.Precision = sec, value.Second
		i += 3
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			frac := s[i+1 : j]
			if frac == "" {
				return t, 0, fmt.Errorf("invalid fraction of a second in %q", s)
			}
			for len(frac) < 3 {
				frac += "0"
			}
			ms, _ := strconv.Atoi(frac[:3])
			t.Millisecond, t.Precision = ms, value.Millisecond
			i = j
		}
	}
	return t, i, nil
}

// ParseTime parses a FHIR time (hh:mm:ss[.fff]).
func ParseTime(s string) (value.Time, error) {
	t, i, err := parseTimePart(s, 0)
	if err != nil {
		return t, err
	}
	if i != len(s) {
		return t, fmt.Errorf("invalid time %q", s)
	}
	return t, nil
}

// ParseDateTime parses a FHIR dateTime or instant: a date to any precision,
// optionally followed by Thh:mm:ss[.fff] and a zone (Z or ±hh:mm).
func ParseDateTime(s string) (value.DateTime, error) {
	var dt value.DateTime
	d, i, err := parseDatePart(s)
	if err != nil {
		return dt, strErr(err, "dateTime")
	}
	dt = value.DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision}
	if i == len(s) {
		return dt, nil
	}
	if s[i] != 'T' || d.Precision != value.Day {
		return dt, fmt.Errorf("invalid dateTime %q", s)
	}
	t, j, err := parseTimePart(s, i+1)
	if err != nil {
		return dt, err
	}
	dt.Hour, dt.Minute, dt.Second, dt.Millisecond, dt.Precision = t.Hour, t.Minute, t.Second, t.Millisecond, t.Precision
	if j == len(s) {
		return dt, nil
	}
	switch s[j] {
	case 'Z':
		if j+1 != len(s) {
			return dt, fmt.Errorf("invalid dateTime %q", s)
		}
		dt.HasOffset = true
		return dt, nil
	case '+', '-':
		oh, ok1 := digits(s, j+1, 2)
		om, ok2 := digits(s, j+4, 2)
		if !ok1 || !ok2 || s[j+3] != ':' || j+6 != len(s) || oh > 14 || om > 59 {
			return dt, fmt.Errorf("invalid time zone in %q", s)
		}
		dt.OffsetMinutes = oh*60 + om
		if s[j] == '-' {
			dt.OffsetMinutes = -dt.OffsetMinutes
		}
		dt.HasOffset = true
		return dt, nil
	}
	return dt, fmt.Errorf("invalid dateTime %q", s)
}

func strErr(err error, kind string) error {
	return fmt.Errorf("%s", strings.Replace(err.Error(), "invalid date", "invalid "+kind, 1))
}

// FormatDate writes a Date in FHIR form.
func FormatDate(d value.Date) string {
	switch d.Precision {
	case value.Year:
		return fmt.Sprintf("%04d", d.Year)
	case value.Month:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// FormatTime writes a Time in FHIR form.
func FormatTime(t value.Time) string {
	switch t.Precision {
	case value.Hour, value.Minute:
		return fmt.Sprintf("%02d:%02d:00", t.Hour, t.Minute)
	case value.Millisecond:
		return fmt.Sprintf("%02d:%02d:%02d.%03d", t.Hour, t.Minute, t.Second, t.Millisecond)
	}
	return fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
}

// FormatDateTime writes a DateTime in FHIR form.
func FormatDateTime(dt value.DateTime) string {
	if dt.Precision <= value.Day {
		return FormatDate(value.Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: dt.Precision})
	}
	s := FormatDate(value.Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: value.Day}) + "T" +
		FormatTime(value.Time{Hour: dt.Hour, Minute: dt.Minute, Second: dt.Second, Millisecond: dt.Millisecond, Precision: dt.Precision})
	if dt.HasOffset {
		if dt.OffsetMinutes == 0 {
			return s + "Z"
		}
		o, sign := dt.OffsetMinutes, "+"
		if o < 0 {
			o, sign = -o, "-"
		}
		s += fmt.Sprintf("%s%02d:%02d", sign, o/60, o%60)
	}
	return s
}

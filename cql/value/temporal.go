package value

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Offsets and DateTime normalisation
//
// A DateTime always carries a meaningful OffsetMinutes. HasOffset only
// records whether the offset was written in the source (it decides whether
// Format prints it). The evaluator gives DateTime literals and values built
// without an offset the evaluation request's offset with WithDefaultOffset
// (the DateTime() operator in builtins does this itself from Context.Now).
//
// Comparisons of two DateTimes with the same offset compare their fields
// directly. When the offsets differ and a value is known to the hour or
// finer, both are first converted to UTC; values coarser than an hour
// cannot be shifted and are compared as written.

// WithDefaultOffset returns dt with OffsetMinutes set to minutes when no
// offset was written; a written offset is kept.
func (dt DateTime) WithDefaultOffset(minutes int) DateTime {
	if !dt.HasOffset {
		dt.OffsetMinutes = minutes
	}
	return dt
}

// ToUTC converts dt to offset 0 when it is known to the hour or finer (the
// precision is kept; HasOffset becomes true). Coarser values are returned
// unchanged.
func (dt DateTime) ToUTC() DateTime { return dt.toOffset(0) }

// ToOffset converts dt to the given offset (minutes east of UTC) like ToUTC.
func (dt DateTime) ToOffset(minutes int) DateTime { return dt.toOffset(minutes) }

func (dt DateTime) toOffset(off int) DateTime {
	if dt.OffsetMinutes == off || dt.Precision < Hour {
		return dt
	}
	t := dt.civil().Add(time.Duration(off-dt.OffsetMinutes) * time.Minute)
	r := fromCivil(t, dt.Precision)
	r.OffsetMinutes = off
	r.HasOffset = true
	return r
}

// civil returns the wall-clock fields of dt as a time.Time in UTC (the
// offset is ignored). Missing fields are their minimum.
func (dt DateTime) civil() time.Time {
	m, d := dt.Month, dt.Day
	if m == 0 {
		m = 1
	}
	if d == 0 {
		d = 1
	}
	return time.Date(dt.Year, time.Month(m), d, dt.Hour, dt.Minute, dt.Second, dt.Millisecond*1e6, time.UTC)
}

// DateTimeOf is the DateTime of t, to the millisecond, with t's timezone
// offset.
func DateTimeOf(t time.Time) DateTime {
	_, off := t.Zone()
	return DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute(),
		Second: t.Second(), Millisecond: t.Nanosecond() / 1e6, OffsetMinutes: off / 60, HasOffset: true,
		Precision: Millisecond}
}

func fromCivil(t time.Time, p Precision) DateTime {
	dt := DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(),
		Minute: t.Minute(), Second: t.Second(), Millisecond: t.Nanosecond() / 1e6, Precision: Millisecond}
	return dt.truncate(p)
}

// truncate zeroes the fields finer than p and sets the precision to p (when
// p is coarser than the current precision).
func (dt DateTime) truncate(p Precision) DateTime {
	if p >= dt.Precision || p == Unset {
		return dt
	}
	f := dt.fields()
	for i := int(p) + 1; i < 7; i++ {
		f[i] = 0
	}
	r := dateTimeFromFields(f, p)
	r.OffsetMinutes, r.HasOffset = dt.OffsetMinutes, dt.HasOffset
	return r
}

func (dt DateTime) fields() [7]int {
	return [7]int{dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, dt.Millisecond}
}

func dateTimeFromFields(f [7]int, p Precision) DateTime {
	return DateTime{Year: f[0], Month: f[1], Day: f[2], Hour: f[3], Minute: f[4], Second: f[5], Millisecond: f[6], Precision: p}
}

// fields of a Date and a Time in the same 7-slot layout.
func (d Date) fields() [7]int { return [7]int{d.Year, d.Month, d.Day} }
func (t Time) fields() [7]int {
	return [7]int{0, 0, 0, t.Hour, t.Minute, t.Second, t.Millisecond}
}

// ToDateTime converts a Date to a DateTime with the given offset (minutes);
// HasOffset stays false.
func (d Date) ToDateTime(offsetMinutes int) DateTime {
	return DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision, OffsetMinutes: offsetMinutes}
}

// Date returns the date part of dt (precision at most Day).
func (dt DateTime) Date() Date {
	p := dt.Precision
	if p > Day {
		p = Day
	}
	d := Date{Year: dt.Year, Month: dt.Month, Day: dt.Day, Precision: p}
	if p < Day {
		d.Day = 0
	}
	if p < Month {
		d.Month = 0
	}
	return d
}

// Time returns the time part of dt, or false when dt has no hour.
func (dt DateTime) Time() (Time, bool) {
	if dt.Precision < Hour {
		return Time{}, false
	}
	return Time{Hour: dt.Hour, Minute: dt.Minute, Second: dt.Second, Millisecond: dt.Millisecond, Precision: dt.Precision}, true
}

// ---------------------------------------------------------------- parsing

// DaysInMonth is the number of days of a month of the proleptic Gregorian
// calendar.
func DaysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func atoiN(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// ParseDate parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" (no '@').
func ParseDate(s string) (Date, error) {
	bad := fmt.Errorf("invalid date %q", s)
	var d Date
	parts := strings.Split(s, "-")
	if len(parts) > 3 {
		return d, bad
	}
	var ok bool
	if d.Year, ok = atoiN(parts[0], 4); !ok || d.Year < 1 {
		return d, bad
	}
	d.Precision = Year
	if len(parts) > 1 {
		if d.Month, ok = atoiN(parts[1], 2); !ok || d.Month < 1 || d.Month > 12 {
			return d, bad
		}
		d.Precision = Month
	}
	if len(parts) > 2 {
		if d.Day, ok = atoiN(parts[2], 2); !ok || d.Day < 1 || d.Day > DaysInMonth(d.Year, d.Month) {
			return d, bad
		}
		d.Precision = Day
	}
	return d, nil
}

// ParseTime parses "hh", "hh:mm", "hh:mm:ss" or "hh:mm:ss.fff" (no '@T').
// Fraction digits beyond three are dropped ("59.10000" is 100 ms).
func ParseTime(s string) (Time, error) {
	f, p, err := parseClock(s)
	if err != nil {
		return Time{}, err
	}
	return Time{Hour: f[0], Minute: f[1], Second: f[2], Millisecond: f[3], Precision: p}, nil
}

func parseClock(s string) ([4]int, Precision, error) {
	var f [4]int
	bad := fmt.Errorf("invalid time %q", s)
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
		if frac == "" {
			return f, 0, bad
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 || (frac != "" && len(parts) != 3) {
		return f, 0, bad
	}
	limits := []int{23, 59, 59}
	for i, part := range parts {
		v, ok := atoiN(part, 2)
		if !ok || v > limits[i] {
			return f, 0, bad
		}
		f[i] = v
	}
	p := Hour + Precision(len(parts)-1)
	if frac != "" {
		for _, c := range frac {
			if c < '0' || c > '9' {
				return f, 0, bad
			}
		}
		for len(frac) < 3 {
			frac += "0"
		}
		f[3], _ = strconv.Atoi(frac[:3])
		p = Millisecond
	}
	return f, p, nil
}

// ParseDateTime parses a DateTime literal body without '@': a date, "T",
// an optional time and an optional offset ("Z", "+hh:mm", "-hh:mm"):
// "2012", "2012-01-01T", "2012-01-01T10:00:00.000Z", "2012-03-10T10:20:00+07:00".
func ParseDateTime(s string) (DateTime, error) {
	bad := fmt.Errorf("invalid datetime %q", s)
	var dt DateTime
	datePart, rest, hasT := strings.Cut(s, "T")
	d, err := ParseDate(datePart)
	if err != nil {
		return dt, bad
	}
	dt = DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision}
	if !hasT {
		return dt, nil
	}
	clock := rest
	off := ""
	if i := strings.IndexAny(rest, "Z+-"); i >= 0 {
		clock, off = rest[:i], rest[i:]
	}
	if clock != "" {
		if d.Precision != Day {
			return dt, bad
		}
		f, p, err := parseClock(clock)
		if err != nil {
			return dt, bad
		}
		dt.Hour, dt.Minute, dt.Second, dt.Millisecond, dt.Precision = f[0], f[1], f[2], f[3], p
	}
	if off != "" {
		m, err := parseOffset(off)
		if err != nil {
			return dt, bad
		}
		dt.OffsetMinutes, dt.HasOffset = m, true
	}
	return dt, nil
}

func parseOffset(s string) (int, error) {
	if s == "Z" {
		return 0, nil
	}
	if len(s) != 6 || s[3] != ':' || (s[0] != '+' && s[0] != '-') {
		return 0, errors.New("bad offset")
	}
	h, ok1 := atoiN(s[1:3], 2)
	m, ok2 := atoiN(s[4:6], 2)
	if !ok1 || !ok2 || h > 14 || m > 59 {
		return 0, errors.New("bad offset")
	}
	v := h*60 + m
	if s[0] == '-' {
		v = -v
	}
	return v, nil
}

// ------------------------------------------------------------ validation

// NewDate builds a Date from components, validating ranges. Components
// after the first nil (given as -1) are absent.
func NewDate(year, month, day int, p Precision) (Date, error) {
	d := Date{Year: year, Month: month, Day: day, Precision: p}
	if year < 1 || year > 9999 {
		return d, fmt.Errorf("year %d out of range", year)
	}
	if p >= Month && (month < 1 || month > 12) {
		return d, fmt.Errorf("month %d out of range", month)
	}
	if p >= Day && (day < 1 || day > DaysInMonth(year, month)) {
		return d, fmt.Errorf("day %d out of range", day)
	}
	return d, nil
}

// Valid checks the ranges of the fields of dt up to its precision.
func (dt DateTime) Valid() error {
	if _, err := NewDate(dt.Year, dt.Month, dt.Day, min(dt.Precision, Day)); err != nil {
		return err
	}
	if dt.Precision >= Hour {
		if err := (Time{dt.Hour, dt.Minute, dt.Second, dt.Millisecond, dt.Precision}).Valid(); err != nil {
			return err
		}
	}
	if dt.OffsetMinutes < -14*60 || dt.OffsetMinutes > 14*60 {
		return fmt.Errorf("timezone offset out of range")
	}
	return nil
}

// Valid checks the ranges of the fields of t.
func (t Time) Valid() error {
	if t.Hour < 0 || t.Hour > 23 || t.Minute < 0 || t.Minute > 59 || t.Second < 0 || t.Second > 59 ||
		t.Millisecond < 0 || t.Millisecond > 999 {
		return fmt.Errorf("time %02d:%02d:%02d.%03d out of range", t.Hour, t.Minute, t.Second, t.Millisecond)
	}
	return nil
}

// ------------------------------------------------------------ comparison

// temporal is the common view of Date, DateTime and Time used by the
// comparison and arithmetic code: seven fields (Y M D h m s ms), the
// precision, and the first meaningful field (Year, or Hour for Time).
type temporal struct {
	f     [7]int
	p     Precision
	first Precision
}

// asTemporalPair extracts two comparable temporals, normalising DateTime
// offsets and converting a Date compared with a DateTime.
func asTemporalPair(a, b Value) (temporal, temporal, bool) {
	switch x := a.(type) {
	case Date:
		switch y := b.(type) {
		case Date:
			return temporal{x.fields(), x.Precision, Year}, temporal{y.fields(), y.Precision, Year}, true
		case DateTime:
			return asTemporalPair(x.ToDateTime(y.OffsetMinutes), y)
		}
	case DateTime:
		switch y := b.(type) {
		case DateTime:
			if x.OffsetMinutes != y.OffsetMinutes {
				x, y = x.toOffset(0), y.toOffset(0)
			}
			return temporal{x.fields(), x.Precision, Year}, temporal{y.fields(), y.Precision, Year}, true
		case Date:
			return asTemporalPair(x, y.ToDateTime(x.OffsetMinutes))
		}
	case Time:
		if y, ok := b.(Time); ok {
			return temporal{x.fields(), x.Precision, Hour}, temporal{y.fields(), y.Precision, Hour}, true
		}
	}
	return temporal{}, temporal{}, false
}

// compareTemporal compares a and b at precision p (Unset: as precisely as
// both allow). ok is false when the answer is unknown because a value
// stops before p (or before the other value) while all shared fields are
// equal. A value known to the second and one known to the millisecond that
// agree to the second compare as unknown, as the conformance suite expects
// (@T12:00:00 < @T12:00:00.001 is null).
func compareTemporal(a, b temporal, p Precision) (int, bool) {
	if p == Unset {
		p = max(a.p, b.p)
	}
	if p > Millisecond {
		p = Millisecond
	}
	if p == Week {
		p = Day
	}
	lim := min(p, a.p, b.p)
	for i := a.first; i <= lim; i++ {
		if a.f[i] != b.f[i] {
			if a.f[i] < b.f[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if a.p >= p && b.p >= p {
		return 0, true
	}
	return 0, false
}

// CompareAt compares two Date, DateTime or Time values at precision p
// (Unset for full precision). ok is false when either is null, the types
// are not comparable or the result is uncertain.
func CompareAt(a, b Value, p Precision) (int, bool) {
	ta, tb, ok := asTemporalPair(a, b)
	if !ok {
		return 0, false
	}
	return compareTemporal(ta, tb, p)
}

func boolOrNull(c int, ok bool, f func(int) bool) Value {
	if !ok {
		return nil
	}
	return Boolean(f(c))
}

// SameAs implements `same p as`: true, false or nil (null) when a value is
// null or the answer is uncertain.
func SameAs(a, b Value, p Precision) Value {
	c, ok := CompareAt(a, b, p)
	return boolOrNull(c, ok, func(c int) bool { return c == 0 })
}

// SameOrBefore implements `same p or before`.
func SameOrBefore(a, b Value, p Precision) Value {
	c, ok := CompareAt(a, b, p)
	if !ok {
		return nil
	}
	return Boolean(c <= 0)
}

// SameOrAfter implements `same p or after`.
func SameOrAfter(a, b Value, p Precision) Value {
	c, ok := CompareAt(a, b, p)
	if !ok {
		return nil
	}
	return Boolean(c >= 0)
}

// Before implements `before p of`.
func Before(a, b Value, p Precision) Value {
	c, ok := CompareAt(a, b, p)
	if !ok {
		return nil
	}
	return Boolean(c < 0)
}

// After implements `after p of`.
func After(a, b Value, p Precision) Value {
	c, ok := CompareAt(a, b, p)
	if !ok {
		return nil
	}
	return Boolean(c > 0)
}

// ------------------------------------------------------------ arithmetic

// durationUnit maps a quantity unit (calendar keyword or UCUM time unit)
// to a precision. Week is returned for weeks.
func durationUnit(unit string) (Precision, bool) {
	switch unit {
	case "year", "years", "a":
		return Year, true
	case "month", "months", "mo":
		return Month, true
	case "week", "weeks", "wk":
		return Week, true
	case "day", "days", "d":
		return Day, true
	case "hour", "hours", "h":
		return Hour, true
	case "minute", "minutes", "min":
		return Minute, true
	case "second", "seconds", "s":
		return Second, true
	case "millisecond", "milliseconds", "ms":
		return Millisecond, true
	}
	return Unset, false
}

// IsCalendarUnit reports whether unit is a CQL calendar duration keyword
// (year, years, month, ..., millisecond, milliseconds).
func IsCalendarUnit(unit string) bool {
	switch unit {
	case "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
		"minute", "minutes", "second", "seconds", "millisecond", "milliseconds":
		return true
	}
	return false
}

// msPer is the length in milliseconds of the fixed-length units, and the
// conventional lengths used to convert to months and years (30 and 365
// days) when a smaller unit is added to a coarser value.
var msPer = map[Precision]int64{
	Year: 365 * 86400000, Month: 30 * 86400000, Week: 7 * 86400000, Day: 86400000,
	Hour: 3600000, Minute: 60000, Second: 1000, Millisecond: 1,
}

// ErrTemporalRange reports a Date/DateTime/Time result outside its range.
var ErrTemporalRange = errors.New("date/time arithmetic result out of range")

// AddQuantity returns t + q for a Date, DateTime or Time t and a time
// quantity q (calendar keyword or UCUM 'a','mo','wk','d','h','min','s','ms').
// A null argument gives a nil result. Rules:
//   - years and months are calendar units: the day of month is clamped to
//     the end of the resulting month (2012-02-29 + 1 year = 2013-02-28);
//   - weeks are 7 days; days, hours, ... are exact;
//   - a unit finer than the value's precision is first converted to the
//     value's precision and truncated (Date(2014) + 25 months = @2016;
//     DateTime(2005,5,10) + 25 hours = DateTime(2005,5,11)), using 30-day
//     months and 365-day years for the conversion of days and finer units;
//   - a fractional value is truncated, except that fractional fixed-length
//     units are applied in milliseconds when the value is that precise;
//   - Time arithmetic wraps around midnight; years and months cannot be
//     added to a Time (error);
//   - a result outside years 1..9999 is ErrTemporalRange.
func AddQuantity(t Value, q Quantity) (Value, error) {
	if t == nil || q.Value.D == nil {
		return nil, nil
	}
	return addQuantity(t, q, 1)
}

// SubtractQuantity returns t - q (see AddQuantity).
func SubtractQuantity(t Value, q Quantity) (Value, error) {
	if t == nil || q.Value.D == nil {
		return nil, nil
	}
	return addQuantity(t, q, -1)
}

func addQuantity(t Value, q Quantity, sign int64) (Value, error) {
	unit, ok := durationUnit(q.Unit)
	if !ok {
		return nil, fmt.Errorf("cannot add a quantity in %q to a date/time value", q.Unit)
	}
	switch x := t.(type) {
	case Date:
		dt := DateTime{Year: x.Year, Month: x.Month, Day: x.Day, Precision: x.Precision}
		r, err := addToDateTime(dt, q.Value, unit, sign)
		if err != nil {
			return nil, err
		}
		return r.Date(), nil
	case DateTime:
		return addToDateTime(x, q.Value, unit, sign)
	case Time:
		return addToTime(x, q.Value, unit, sign)
	}
	return nil, fmt.Errorf("cannot add a quantity to %T", t)
}

// amountIn converts v units to an integer count of unit p (truncating).
func amountIn(v Decimal, unit, p Precision) (int64, error) {
	if unit == p {
		i, err := decTrunc64(v)
		return i, err
	}
	if unit == Year && p == Month {
		i, err := decTrunc64(v)
		return i * 12, err
	}
	if unit == Week && p == Day {
		i, err := decTrunc64(v)
		return i * 7, err
	}
	if unit == Year || unit == Month {
		// Coarser calendar unit than p (e.g. years to days): not needed,
		// callers add calendar units directly.
		return 0, fmt.Errorf("cannot convert calendar unit")
	}
	// Fixed-length unit: to milliseconds exactly, then to p.
	ms, err := DecMul(v, DecimalFromInt(msPer[unit]))
	if err != nil {
		return 0, err
	}
	msi, err := decTrunc64(ms)
	if err != nil {
		return 0, err
	}
	return msi / msPer[p], nil
}

func decTrunc64(v Decimal) (int64, error) {
	t, err := DecTruncate(v)
	if err != nil {
		return 0, err
	}
	i, err := t.D.Int64()
	if err != nil {
		return 0, ErrTemporalRange
	}
	return i, nil
}

func addToDateTime(dt DateTime, v Decimal, unit Precision, sign int64) (DateTime, error) {
	p := dt.Precision
	var err error
	var n int64
	switch {
	case unit == Year || unit == Month:
		if p == Year && unit == Month {
			var m int64
			m, err = decTrunc64(v)
			n, unit = m/12, Year
		} else {
			n, err = decTrunc64(v)
		}
	case unit == Week && p >= Day:
		n, err = amountIn(v, Week, Day)
		unit = Day
	case p >= Day && (unit <= p || unit == Week):
		n, err = amountIn(v, unit, unit)
		if !DecIsInteger(v) && unit > Day {
			// fractional fixed unit: apply in milliseconds when possible
			n, err = amountIn(v, unit, min(p, Millisecond))
			unit = min(p, Millisecond)
		}
	default:
		// unit finer than the precision: convert to the precision
		target := p
		n, err = amountIn(v, unit, target)
		unit = target
	}
	if err != nil {
		return dt, ErrTemporalRange
	}
	if (n > 1e9 || n < -1e9) && (unit == Year || unit == Month) {
		return dt, ErrTemporalRange
	}
	n *= sign
	f := dt.fields()
	if f[1] == 0 {
		f[1] = 1
	}
	if f[2] == 0 {
		f[2] = 1
	}
	var r DateTime
	switch unit {
	case Year, Month:
		months := int64(f[0])*12 + int64(f[1]-1)
		if unit == Year {
			months += n * 12
		} else {
			months += n
		}
		if months < 12 || months >= 10000*12 {
			return dt, ErrTemporalRange
		}
		y, m := int(months/12), int(months%12)+1
		d := min(f[2], DaysInMonth(y, m))
		r = DateTime{Year: y, Month: m, Day: d, Hour: f[3], Minute: f[4], Second: f[5], Millisecond: f[6], Precision: Millisecond}
	default:
		if n > 4e6*86400000/msPer[unit] || n < -4e6*86400000/msPer[unit] {
			return dt, ErrTemporalRange
		}
		c := dt.civil()
		if unit == Day {
			c = c.AddDate(0, 0, int(n))
		} else {
			c = c.Add(time.Duration(n*msPer[unit]) * time.Millisecond)
		}
		r = fromCivil(c, Millisecond)
	}
	if r.Year < 1 || r.Year > 9999 {
		return dt, ErrTemporalRange
	}
	r = r.truncate(p)
	r.Precision = p
	r.OffsetMinutes, r.HasOffset = dt.OffsetMinutes, dt.HasOffset
	return r, nil
}

func addToTime(t Time, v Decimal, unit Precision, sign int64) (Time, error) {
	if unit == Year || unit == Month {
		return t, fmt.Errorf("cannot add years or months to a Time")
	}
	p := t.Precision
	target := unit
	if unit == Week || unit == Day {
		target = Hour
	}
	if target < p && !DecIsInteger(v) {
		target = p
	}
	if target > p {
		target = p
	}
	n, err := amountIn(v, unit, target)
	if err != nil {
		return t, ErrTemporalRange
	}
	n *= sign
	const day = 86400000
	ms := int64(t.Hour)*3600000 + int64(t.Minute)*60000 + int64(t.Second)*1000 + int64(t.Millisecond)
	ms = ((ms+(n%(day/msPer[target]))*msPer[target])%day + day) % day
	r := Time{Hour: int(ms / 3600000), Minute: int(ms / 60000 % 60), Second: int(ms / 1000 % 60), Millisecond: int(ms % 1000), Precision: p}
	f := r.fields()
	for i := int(p) + 1; i < 7; i++ {
		f[i] = 0
	}
	return Time{Hour: f[3], Minute: f[4], Second: f[5], Millisecond: f[6], Precision: p}, nil
}

// ---------------------------------------------------- duration/difference

// fill returns the fields of v completed to millisecond precision with
// the minimum (high=false) or maximum (high=true) of each missing field.
func fillFields(f [7]int, p Precision, first Precision, high bool) [7]int {
	if first == Hour {
		// Time: date fields are irrelevant
		f[0], f[1], f[2] = 2000, 1, 1
	}
	for i := p + 1; i <= Millisecond; i++ {
		switch {
		case !high && (i == Month || i == Day):
			f[i] = 1
		case !high:
			f[i] = 0
		case i == Month:
			f[i] = 12
		case i == Day:
			f[i] = DaysInMonth(f[0], f[1])
		case i == Hour:
			f[i] = 23
		case i == Minute || i == Second:
			f[i] = 59
		default:
			f[i] = 999
		}
	}
	return f
}

func civilOf(f [7]int) time.Time {
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1e6, time.UTC)
}

// wholeBetween counts whole units of p elapsed from a to b (truncated
// toward zero); both are complete civil times.
func wholeBetween(a, b [7]int, p Precision) int64 {
	if p == Year || p == Month {
		neg := false
		if lessFields(b, a) {
			a, b, neg = b, a, true
		}
		n := int64(b[0]-a[0])*12 + int64(b[1]-a[1])
		// not a whole month if b's day-and-time is before a's
		if lessFrom(b, a, 2) {
			n--
		}
		if p == Year {
			n /= 12
		}
		if neg {
			n = -n
		}
		return n
	}
	d := civilOf(b).Sub(civilOf(a)).Milliseconds()
	return d / msPer[p]
}

func lessFields(a, b [7]int) bool { return lessFrom(a, b, 0) }

func lessFrom(a, b [7]int, start int) bool {
	for i := start; i < 7; i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// boundariesBetween counts unit boundaries crossed from a to b: both are
// truncated to p first.
func boundariesBetween(a, b [7]int, p Precision) int64 {
	switch p {
	case Year:
		return int64(b[0] - a[0])
	case Month:
		return int64(b[0]-a[0])*12 + int64(b[1]-a[1])
	}
	q := p
	if p == Week {
		q = Day
	}
	for i := q + 1; i <= Millisecond; i++ {
		if i == Month || i == Day {
			a[i], b[i] = 1, 1
		} else {
			a[i], b[i] = 0, 0
		}
	}
	d := civilOf(b).Sub(civilOf(a)).Milliseconds()
	return d / msPer[p]
}

// DurationBetween implements `<precision>s between a and b`: the number of
// whole periods of p from a to b (negative when b is before a). When a
// value is less precise than p the result is uncertain and is returned as
// an Interval<Integer> [low, high] (a closed "uncertainty interval"); a
// certain result is an Integer. Comparison operators (value.Compare,
// value.Equal) accept such intervals against Integers. p Unset is an error.
//
// A DateTime known only to the month or year is always treated as
// uncertain here, even for `years between`, because the whole periods
// elapsed depend on the missing day (years between DateTime(2005) and
// DateTime(2010) is Interval[4, 5]); the uncertain operand ranges from its
// earliest to its latest possible instant, and so does the other operand
// when it lacks fields (days between DateTime(2014, 1, 15) and
// DateTime(2014, 2) is Interval[16, 44]: from Jan 15 23:59:59.999 to Feb 1
// at the least, from Jan 15 00:00 to Feb 28 23:59:59.999 at the most).
func DurationBetween(a, b Value, p Precision) (Value, error) {
	return between(a, b, p, wholeBetween, true)
}

// DifferenceBetween implements `difference in <precision>s between a and
// b`: the number of p boundaries crossed, i.e. the difference after
// truncating both values to p. Uncertain results are Interval<Integer> as
// for DurationBetween.
func DifferenceBetween(a, b Value, p Precision) (Value, error) {
	return between(a, b, p, boundariesBetween, false)
}

func between(a, b Value, p Precision, count func(a, b [7]int, p Precision) int64, needDay bool) (Value, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	if p == Unset {
		return nil, errors.New("a precision is required")
	}
	ta, tb, ok := asTemporalPair(a, b)
	if !ok {
		return nil, fmt.Errorf("cannot compute a duration between %T and %T", a, b)
	}
	if ta.first == Hour && (p < Hour || p == Week) {
		return nil, fmt.Errorf("precision %s is not valid for Time values", p)
	}
	need := p
	if need == Week {
		need = Day
	}
	_, aDate := a.(Date)
	_, bDate := b.(Date)
	if aDate && bDate && need > Day {
		// Date values: finer units than day are computed from midnight.
		need = Day
	}
	if needDay && ta.first == Year && need < Day {
		need = Day
	}
	aLo := fillFields(ta.f, ta.p, ta.first, false)
	bLo := fillFields(tb.f, tb.p, tb.first, false)
	if ta.p >= need && tb.p >= need {
		n := count(aLo, bLo, p)
		return intResult(n)
	}
	// Uncertain: every operand ranges from its earliest to its latest
	// possible instant (missing fields at their minimum / maximum).
	aHi := fillFields(ta.f, ta.p, ta.first, true)
	bHi := fillFields(tb.f, tb.p, tb.first, true)
	lo, hi := count(aHi, bLo, p), count(aLo, bHi, p)
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo == hi {
		return intResult(lo)
	}
	l, err := intResult(lo)
	if err != nil {
		return nil, err
	}
	h, err := intResult(hi)
	if err != nil {
		return nil, err
	}
	return Interval{Low: l, High: h, LowClosed: true, HighClosed: true, PointType: typeInteger}, nil
}

func intResult(n int64) (Value, error) {
	if n > 2147483647 || n < -2147483648 {
		return nil, errors.New("result does not fit in an Integer")
	}
	return Integer(n), nil
}

// --------------------------------------------------- successor & bounds

// String names the precision as in CQL ("year", "millisecond").
func (p Precision) String() string {
	switch p {
	case Year:
		return "year"
	case Month:
		return "month"
	case Day:
		return "day"
	case Hour:
		return "hour"
	case Minute:
		return "minute"
	case Second:
		return "second"
	case Millisecond:
		return "millisecond"
	case Week:
		return "week"
	}
	return "unset"
}

// PrecisionOf returns the precision of a Date, DateTime or Time; ok is
// false (and the precision Unset) for other values.
func PrecisionOf(v Value) (p Precision, ok bool) {
	switch x := v.(type) {
	case Date:
		return x.Precision, true
	case DateTime:
		return x.Precision, true
	case Time:
		return x.Precision, true
	}
	return Unset, false
}

// ParsePrecision maps a CQL precision keyword (singular or plural,
// case-insensitive) to a Precision.
func ParsePrecision(s string) (Precision, bool) {
	s = strings.ToLower(s)
	s = strings.TrimSuffix(s, "s")
	for p := Year; p <= Week; p++ {
		if p.String() == s {
			return p, true
		}
	}
	return Unset, false
}

// step adds n units of the value's own precision.
func stepTemporal(v Value, n int64) (Value, error) {
	var p Precision
	switch x := v.(type) {
	case Date:
		p = x.Precision
	case DateTime:
		p = x.Precision
	case Time:
		p = x.Precision
	}
	r, err := addQuantity(v, Quantity{Value: DecimalFromInt(n), Unit: p.String()}, 1)
	if err != nil {
		return nil, err
	}
	if t, ok := r.(Time); ok && v.(Time) != t {
		// Time does not wrap for successor/predecessor.
		old := v.(Time)
		if (n > 0 && compareTimes(t, old) < 0) || (n < 0 && compareTimes(t, old) > 0) {
			return nil, ErrTemporalRange
		}
	}
	return r, nil
}

func compareTimes(a, b Time) int {
	x := ((a.Hour*60+a.Minute)*60+a.Second)*1000 + a.Millisecond
	y := ((b.Hour*60+b.Minute)*60+b.Second)*1000 + b.Millisecond
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

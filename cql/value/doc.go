// Semantics implemented by this package (the type definitions are in
// value.go):
//
// Decimals (decimal.go). At most 8 digits after the point; results with
// more are rounded half away from zero. Literals must satisfy
// |x| < 10^28 (NewDecimal); arithmetic results may not exceed 10^28 in
// magnitude (ErrOverflow, which operators turn into null). Division rounds
// to 8 places and drops trailing zeros but keeps one digit after the
// point; multiplication keeps the larger scale of its operands.
// Equivalence rounds both operands to the precision of the less precise
// one, ignoring trailing zeros.
//
// Timezone offsets (temporal.go). A DateTime's OffsetMinutes is always
// meaningful; HasOffset only records whether the offset was written (and
// decides whether Format prints it). Values written without an offset
// must be given the evaluation's offset by whoever builds them:
// DateTime.WithDefaultOffset(now.OffsetMinutes) for literals and
// conversions, Date.ToDateTime(now.OffsetMinutes) for Date to DateTime.
// Two DateTimes with the same offset compare field by field; with
// different offsets, values known to the hour or finer are converted to
// UTC first.
//
// Precision (temporal.go). Comparisons run from the year (hour for Time)
// down to the requested precision or the finer of the two precisions;
// when one value stops before that point with all shared fields equal the
// result is uncertain (Compare's ok=false, SameAs & co. return null).
// Seconds and milliseconds compare as one decimal precision.
//
// Uncertainty (temporal.go, compare.go). DurationBetween and
// DifferenceBetween return Integer when certain and a closed
// Interval<Integer> [low, high] otherwise; Compare and Equal accept such
// intervals where Integers are expected (arithmetic on them is in the
// builtins package).
//
// Quantities (quantity.go). Units are UCUM (package ucum) or calendar
// keywords; week and finer keywords equal their UCUM units, years and
// months are comparable only with calendar years and months (otherwise
// null), and for ~ they count as UCUM 'a' and 'mo'.
package value

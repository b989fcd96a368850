package builtins

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Cases from CqlIntervalOperatorsTest.xml (DateTime(2012, 1, 5) written as
// @2012-01-05T) and from the specification's examples.
func TestIntervalOperators(t *testing.T) {
	day, month, hour, second, ms := value.Day, value.Month, value.Hour, value.Second, value.Millisecond
	b2Run(t, []b2Case{
		// After / Before with the three shapes
		b2c("After", "null", "null as Integer", "Interval[1, 10]"),
		b2c("After", "true", "Interval[11, 20]", "Interval[1, 10]"),
		b2c("After", "false", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("After", "true", "12", "Interval[1, 10]"),
		b2c("After", "false", "9", "Interval[1, 10]"),
		b2c("After", "true", "Interval[11, 20]", "5"),
		b2c("After", "false", "Interval[11, 20]", "12"),
		b2c("After", "true", "Interval[11.0, 20.0]", "Interval[1.0, 10.0]"),
		b2c("After", "true", "12.0", "Interval[1.0, 10.0]"),
		b2c("After", "false", "Interval[11.0, 20.0]", "12.0"),
		b2c("After", "true", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("After", "false", "9.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		b2c("After", "true", "Interval[11.0 'g', 20.0 'g']", "5.0'g'"),
		b2c("After", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2011-12-31T"),
		b2c("After", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-12-31T"),
		b2c("After", "true", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T12:59:59.999"),
		b2c("After", "false", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T17:59:59.999"),
		b2c("After", "null", "Interval[1, 4]", "null"),
		b2c("Before", "null", "null as Integer", "Interval[1, 10]"),
		b2c("Before", "false", "Interval[11, 20]", "Interval[1, 10]"),
		b2c("Before", "true", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("Before", "true", "9", "Interval[11, 20]"),
		b2c("Before", "false", "9", "Interval[1, 10]"),
		b2c("Before", "true", "Interval[1, 10]", "11"),
		b2c("Before", "false", "Interval[1, 10]", "8"),
		b2c("Before", "true", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		b2c("Before", "false", "9.0", "Interval[1.0, 10.0]"),
		b2c("Before", "true", "Interval[1.0 'g', 10.0 'g']", "12.0'g'"),
		b2c("Before", "false", "12.0'g'", "Interval[11.0 'g', 20.0 'g']"),
		b2c("Before", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-02-27T"),
		b2c("Before", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2011-12-31T"),
		b2c("Before", "true", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T22:59:59.999"),
		b2c("Before", "false", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T10:59:59.999"),
		b2c("Before", "true", "0", "Interval[1, 4]"),

		// Contains / In
		b2c("Contains", "null", "Interval[1, 10]", "null"),
		b2c("Contains", "false", "null", "5"),
		b2c("Contains", "false", "Interval[null, 5]", "10"),
		b2c("Contains", "true", "Interval[null, 5]", "-10"),
		b2c("Contains", "true", "Interval[1, 10]", "5"),
		b2c("Contains", "false", "Interval[1, 10]", "25"),
		b2c("Contains", "true", "Interval[1.0, 10.0]", "8.0"),
		b2c("Contains", "false", "Interval[1.0, 10.0]", "255.0"),
		b2c("Contains", "true", "Interval[1.0 'g', 10.0 'g']", "2.0 'g'"),
		b2c("Contains", "false", "Interval[1.0 'g', 10.0 'g']", "100.0 'g'"),
		b2c("Contains", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-01-10T"),
		b2c("Contains", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-01-16T"),
		b2c("Contains", "true", "Interval[@T01:59:59.999, @T10:59:59.999]", "@T05:59:59.999"),
		b2c("Contains", "false", "Interval[@T01:59:59.999, @T10:59:59.999]", "@T15:59:59.999"),
		b2c("Contains", "false", "Interval[1, 5)", "5"),
		b2c("Contains", "false", "Interval(1, 5]", "1"),
		b2c("Contains", "true", "Interval(1, 5]", "2"),
		b2c("Contains", "null", "Interval(null, 5]", "3"),
		b2c("Contains", "false", "Interval(null, 5]", "6"),
		b2c("Contains", "true", "Interval[3, null)", "3"),
		b2c("In", "false", "5", "Interval[null, null]"),
		b2c("In", "true", "5", "Interval[1, 10]"),
		b2c("In", "false", "500", "Interval[1, 10]"),
		b2c("In", "true", "9.0", "Interval[1.0, 10.0]"),
		b2c("In", "false", "-2.0", "Interval[1.0, 10.0]"),
		b2c("In", "true", "1.0 'g'", "Interval[1.0 'g', 10.0 'g']"),
		b2c("In", "false", "55.0 'g'", "Interval[1.0 'g', 10.0 'g']"),
		b2c("In", "true", "@2012-01-07T", "Interval[@2012-01-05T, @2012-01-15T]"),
		b2c("In", "false", "@2012-01-17T", "Interval[@2012-01-05T, @2012-01-15T]"),
		b2c("In", "true", "@2012-01-07T", "Interval[@2012-01-05T, null]"),
		b2c("In", "true", "@T07:59:59.999", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		b2c("In", "false", "@T17:59:59.999", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		b2c("In", "null", "null", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		b2c("In", "false", "3", "null"),
		b2cp("In", day, "true", "@2014-02-03", "Interval[@2014-02-01, @2014-02-08]"),
		b2cp("In", day, "true", "@2017-12-20T10:30:00", "Interval[@2017-12-20T11:00:00, @2017-12-21T11:00:00]"),

		// Start / End / Width / Size / PointFrom
		b2c("Start", "1", "Interval[1, 10]"),
		b2c("Start", "2", "Interval(1, 5]"),
		b2c("Start", "-2147483648", "Interval[null, 5]"),
		b2c("Start", "null", "Interval(null, 5]"),
		b2c("Start", "1.0", "Interval[1.0, 10.0]"),
		b2c("Start", "1.00000001", "Interval(1.0, 10.0]"),
		b2c("Start", "1.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		b2c("Start", "@2016-05-01T00:00:00.000", "Interval[@2016-05-01T00:00:00.000, @2016-05-02T00:00:00.000]"),
		b2c("Start", "@T00:00:00.000", "Interval[@T00:00:00.000, @T23:59:59.599]"),
		b2c("Start", "@0001-01-01", "Interval[null as Date, null as Date]"),
		b2c("Start", "null", "Interval[null, null]"),
		b2c("Start", "null", "null"),
		b2c("End", "10", "Interval[1, 10]"),
		b2c("End", "4", "Interval[1, 5)"),
		b2c("End", "2147483647", "Interval[1, null]"),
		b2c("End", "null", "Interval[1, null)"),
		b2c("End", "10.0", "Interval[1.0, 10.0]"),
		b2c("End", "10.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		b2c("End", "@2016-05-02T00:00:00.000", "Interval[@2016-05-01T00:00:00.000, @2016-05-02T00:00:00.000]"),
		b2c("End", "@T23:59:59.599", "Interval[@T00:00:00.000, @T23:59:59.599]"),
		b2c("End", "@2012-01-14", "Interval[@2012-01-01, @2012-01-15)"),
		b2c("End", "@9999-12-31", "Interval[null as Date, null as Date]"),
		b2c("Width", "9", "Interval[1, 10]"),
		b2c("Width", "11.0", "Interval[4.0, 15.0]"),
		b2c("Width", "5.0'g'", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Width", "4", "Interval[3, 7]"),
		b2c("Width", "null", "Interval[0, null)"),
		b2c("Width", "null", "null"),
		b2c("Size", "5", "Interval[3, 7]"),
		b2c("Size", "5", "Interval[3, 8)"),
		b2c("Size", "1.00000001", "Interval[1.0, 2.0]"),
		b2c("PointFrom", "null", "Interval[null, null]"),
		b2c("PointFrom", "1", "Interval[1, 1]"),
		b2c("PointFrom", "1.0", "Interval[1.0, 1.0]"),
		b2c("PointFrom", "1.0'cm'", "Interval[1.0 'cm', 1.0 'cm']"),
		b2c("PointFrom", "4", "Interval[4, 5)"),
		b2c("PointFrom", "error", "Interval[1, 4]"),
		b2c("PointFrom", "null", "null"),

		// Starts / Ends
		b2c("Ends", "null", "Interval[1, 10]", "Interval(null, null)"),
		b2c("Ends", "true", "Interval[4, 10]", "Interval[1, 10]"),
		b2c("Ends", "false", "Interval[44, 50]", "Interval[1, 10]"),
		b2c("Ends", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		b2c("Ends", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("Ends", "false", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("Ends", "true", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-01T, @2012-01-15T]"),
		b2c("Ends", "false", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-01T, @2012-01-16T]"),
		b2c("Ends", "true", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T01:59:59.999, @T10:59:59.999]"),
		b2c("Ends", "false", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T01:59:59.999, @T11:59:59.999]"),
		b2c("Ends", "null", "Interval[1, 5]", "null"),
		b2c("Starts", "null", "Interval[null, null]", "Interval[1, 10]"),
		b2c("Starts", "true", "Interval[4, 10]", "Interval[4, 15]"),
		b2c("Starts", "false", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("Starts", "true", "Interval[4.0, 10.0]", "Interval[4.0, 15.0]"),
		b2c("Starts", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		b2c("Starts", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Starts", "true", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-05T, @2012-01-27T]"),
		b2c("Starts", "false", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-06T, @2012-01-27T]"),
		b2c("Starts", "true", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T05:59:59.999, @T17:59:59.999]"),
		b2c("Starts", "false", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T04:59:59.999, @T17:59:59.999]"),

		// Except / Intersect / Union
		b2c("Except", "null", "Interval[null, null]", "Interval[null, null]"),
		b2c("Except", "Interval[1, 3]", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("Except", "null", "Interval[1, 10]", "Interval[3, 7]"),
		b2c("Except", "Interval[1.0, 3.99999999]", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("Except", "null", "Interval[1.0, 10.0]", "Interval[3.0, 7.0]"),
		b2c("Except", "Interval[1.0 'g', 4.99999999 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Except", "Interval[1, 2]", "Interval[1, 4]", "Interval[3, 6]"),
		b2c("Except", "Interval[@2012-01-05T, @2012-01-06T]", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-07T, @2012-01-15T]"),
		b2c("Except", "Interval[@2012-01-13T, @2012-01-16T]", "Interval[@2012-01-07T, @2012-01-16T]", "Interval[@2012-01-05T, @2012-01-12T]"),
		b2c("Except", "Interval[@T05:59:59.999, @T08:59:59.998]", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T08:59:59.999, @T10:59:59.999]"),
		b2c("Except", "Interval[@T11:00:00.000, @T11:59:59.999]", "Interval[@T08:59:59.999, @T11:59:59.999]", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		b2c("Except", "Interval[0, 2]", "Interval[0, 5]", "Interval[3, 7]"),
		b2c("Except", "Interval[0, 5]", "Interval[0, 5]", "Interval[7, 9]"),
		b2c("Except", "null", "Interval[3, 5]", "Interval[0, 7]"),
		b2c("Except", "null", "null", "Interval[-1, 7]"),
		b2c("Intersect", "Interval[5, null)", "Interval[1, 10]", "Interval[5, null)"),
		b2c("Intersect", "Interval[4, 10]", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("Intersect", "null", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("Intersect", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("Intersect", "null", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		b2c("Intersect", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Intersect", "null", "Interval[1.0 'g', 10.0 'g']", "Interval[11.0 'g', 20.0 'g']"),
		b2c("Intersect", "Interval[@2012-01-07T, @2012-01-10T]", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-07T, @2012-01-10T]"),
		b2c("Intersect", "Interval[@T04:59:59.999, @T06:59:59.999]", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T04:59:59.999, @T06:59:59.999]"),
		b2c("Intersect", "Interval[3, 5]", "Interval[1, 5]", "Interval[3, 7]"),
		b2c("Intersect", "null", "Interval[3, 5]", "null"),
		b2c("Union", "null", "Interval[null, null]", "Interval[1, 10]"),
		b2c("Union", "Interval[1, 15]", "Interval[1, 10]", "Interval[4, 15]"),
		b2c("Union", "null", "Interval[1, 10]", "Interval[44, 50]"),
		b2c("Union", "Interval[1.0, 15.0]", "Interval[1.0, 10.0]", "Interval[4.0, 15.0]"),
		b2c("Union", "null", "Interval[1.0, 10.0]", "Interval[14.0, 15.0]"),
		b2c("Union", "Interval[1.0 'g', 15.0 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		b2c("Union", "null", "Interval[1.0 'g', 10.0 'g']", "Interval[14.0 'g', 15.0 'g']"),
		b2c("Union", "Interval[@2012-01-05T, @2012-01-28T]", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-25T, @2012-01-28T]"),
		b2c("Union", "null", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-27T, @2012-01-28T]"),
		b2c("Union", "Interval[@T05:59:59.999, @T20:59:59.999]", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T10:59:59.999, @T20:59:59.999]"),
		b2c("Union", "null", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T16:59:59.999, @T20:59:59.999]"),
		b2c("Union", "Interval[1, 20]", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("Union", "Interval[1, null)", "Interval[1, 10]", "Interval[5, null)"),

		// Includes / IncludedIn / proper forms
		b2c("Includes", "null", "Interval[1, 10]", "null"),
		b2c("Includes", "true", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("Includes", "false", "Interval[1, 10]", "Interval[44, 50]"),
		b2c("Includes", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("Includes", "false", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		b2c("Includes", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Includes", "true", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-07T, @2012-01-14T]"),
		b2c("Includes", "false", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-04T, @2012-01-14T]"),
		b2c("Includes", "true", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T06:59:59.999, @T09:59:59.999]"),
		b2c("Includes", "false", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T04:59:59.999, @T09:59:59.999]"),
		b2c("Includes", "false", "Interval[-1, 5]", "6"),
		b2c("IncludedIn", "null", "null", "Interval[1, 10]"),
		b2c("IncludedIn", "true", "Interval[4, 10]", "Interval[1, 10]"),
		b2c("IncludedIn", "false", "Interval[44, 50]", "Interval[1, 10]"),
		b2c("IncludedIn", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		b2c("IncludedIn", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("IncludedIn", "false", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("IncludedIn", "true", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-05T, @2012-01-15T]"),
		b2c("IncludedIn", "false", "Interval[@2012-01-04T, @2012-01-14T]", "Interval[@2012-01-05T, @2012-01-15T]"),
		b2c("IncludedIn", "true", "Interval[@T06:59:59.999, @T09:59:59.999]", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		b2c("IncludedIn", "null", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		b2cp("IncludedIn", day, "true", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		b2cp("IncludedIn", ms, "null", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		b2c("IncludedIn", "false", "-1", "Interval[0, 7]"),
		b2c("IncludedIn", "false", "3", "null"),
		b2c("ProperIncludes", "true", "Interval[null as Integer, null as Integer]", "Interval[1, 10]"),
		b2c("ProperIncludes", "true", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("ProperIncludes", "false", "Interval[1, 10]", "Interval[4, 15]"),
		b2c("ProperIncludes", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("ProperIncludes", "false", "Interval[1.0, 10.0]", "Interval[4.0, 15.0]"),
		b2c("ProperIncludes", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("ProperIncludes", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		b2c("ProperIncludes", "true", "Interval[@2012-01-15T, @2012-01-28T]", "Interval[@2012-01-16T, @2012-01-27T]"),
		b2c("ProperIncludes", "false", "Interval[@2012-01-15T, @2012-01-28T]", "Interval[@2012-01-16T, @2012-01-29T]"),
		b2c("ProperIncludes", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "Interval[@T12:01:01.000, @T21:59:59.998]"),
		b2c("ProperIncludes", "false", "Interval[@T12:00:00.000, @T21:59:59.999]", "Interval[@T12:01:01.000, @T22:00:00.000]"),
		b2c("ProperIncludes", "false", "Interval[-1, 5]", "Interval[-1, 5]"),
		b2c("ProperIncludes", "null", "Interval[-1, 5]", "null"),
		b2c("ProperIncludedIn", "true", "Interval[1, 10]", "Interval[null, null]"),
		b2c("ProperIncludedIn", "true", "Interval[4, 10]", "Interval[1, 10]"),
		b2c("ProperIncludedIn", "false", "Interval[4, 15]", "Interval[1, 10]"),
		b2c("ProperIncludedIn", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		b2c("ProperIncludedIn", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("ProperIncludedIn", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		b2c("ProperIncludedIn", "true", "Interval[@2012-01-16T, @2012-01-27T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		b2c("ProperIncludedIn", "false", "Interval[@2012-01-16T, @2012-01-29T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		b2c("ProperIncludedIn", "true", "Interval[@T12:01:01.000, @T21:59:59.998]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2c("ProperIncludedIn", "false", "Interval[@T12:01:01.000, @T22:00:00.000]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2c("ProperIncludedIn", "true", "Interval[@2014-02-02, @2014-02-05]", "Interval[@2014-02-01, @2014-02-05]"),

		// ProperContains / ProperIn with points
		b2c("ProperContains", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.001"),
		b2c("ProperContains", "false", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.000"),
		b2c("ProperContains", "null", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		b2cp("ProperContains", second, "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:01"),
		b2cp("ProperContains", second, "false", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		b2cp("ProperContains", ms, "null", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		b2c("ProperContains", "false", "null", "3"),
		b2c("ProperContains", "true", "Interval[1, 5]", "3"),
		b2c("ProperIn", "true", "@T12:00:00.001", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2c("ProperIn", "false", "@T12:00:00.000", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2c("ProperIn", "null", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		b2cp("ProperIn", second, "true", "@T12:00:01", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2cp("ProperIn", second, "false", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		b2cp("ProperIn", ms, "null", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		b2c("ProperIncludes", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.001"),
		b2c("ProperIncludedIn", "true", "@T12:00:00.001", "Interval[@T12:00:00.000, @T21:59:59.999]"),

		// Meets
		b2c("Meets", "null", "Interval(null, 5]", "Interval(null, 15)"),
		b2c("Meets", "true", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("Meets", "false", "Interval[1, 10]", "Interval[44, 50]"),
		b2c("Meets", "true", "Interval[3.01, 5.00000001]", "Interval[5.00000002, 8.50]"),
		b2c("Meets", "false", "Interval[3.01, 5.00000001]", "Interval[5.5, 8.50]"),
		b2c("Meets", "true", "Interval[3.01 'g', 5.00000001 'g']", "Interval[5.00000002 'g', 8.50 'g']"),
		b2c("Meets", "false", "Interval[3.01 'g', 5.00000001 'g']", "Interval[5.5 'g', 8.50 'g']"),
		b2c("Meets", "true", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-15T, @2012-01-25T]"),
		b2c("Meets", "false", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-20T, @2012-01-25T]"),
		b2c("Meets", "true", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T10:00:00.000, @T19:59:59.999]"),
		b2c("Meets", "false", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T10:12:00.000, @T19:59:59.999]"),
		b2c("Meets", "true", "Interval[6, 10]", "Interval[0, 5]"),
		b2c("Meets", "true", "Interval[@T03, @T04]", "Interval[@T05, @T06]"),
		b2c("Meets", "null", "Interval[6, 10]", "null"),
		b2cp("Meets", day, "true", "Interval[@2012-01-01T10:00, @2012-01-07T23:00]", "Interval[@2012-01-08T02:00, @2012-01-09T00:00]"),
		b2c("MeetsBefore", "null", "Interval(null, 5]", "Interval(null, 25]"),
		b2c("MeetsBefore", "true", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("MeetsBefore", "false", "Interval[1, 10]", "Interval[44, 50]"),
		b2c("MeetsBefore", "true", "Interval[3.50000001, 5.00000011]", "Interval[5.00000012, 8.50]"),
		b2c("MeetsBefore", "false", "Interval[8.01, 15.00000001]", "Interval[15.00000000, 18.50]"),
		b2c("MeetsBefore", "true", "Interval[3.50000001 'g', 5.00000011 'g']", "Interval[5.00000012 'g', 8.50 'g']"),
		b2c("MeetsBefore", "false", "Interval[8.01 'g', 15.00000001 'g']", "Interval[15.00000000 'g', 18.50 'g']"),
		b2c("MeetsBefore", "true", "Interval[-5, -1]", "Interval[0, 5]"),
		b2c("MeetsAfter", "false", "Interval(null, 5]", "Interval[11, null)"),
		b2c("MeetsAfter", "true", "Interval[11, 20]", "Interval[1, 10]"),
		b2c("MeetsAfter", "false", "Interval[44, 50]", "Interval[1, 10]"),
		b2c("MeetsAfter", "true", "Interval[55.00000123, 128.032156]", "Interval[12.00258, 55.00000122]"),
		b2c("MeetsAfter", "false", "Interval[55.00000124, 150.222222]", "Interval[12.00258, 55.00000122]"),
		b2c("MeetsAfter", "true", "Interval[55.00000123 'g', 128.032156 'g']", "Interval[12.00258 'g', 55.00000122 'g']"),
		b2c("MeetsAfter", "false", "Interval[55.00000124 'g', 150.222222 'g']", "Interval[12.00258 'g', 55.00000122 'g']"),
		b2c("MeetsAfter", "false", "Interval[6, 10]", "Interval[0, 7]"),

		// Overlaps
		b2c("Overlaps", "null", "Interval[null, null]", "Interval[1, 10]"),
		b2c("Overlaps", "true", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("Overlaps", "true", "Interval[4, 10]", "Interval[4, 10]"),
		b2c("Overlaps", "true", "Interval[10, 15]", "Interval[4, 10]"),
		b2c("Overlaps", "false", "Interval[1, 10]", "Interval[11, 20]"),
		b2c("Overlaps", "true", "Interval[4, 10)", "Interval[4, 10)"),
		b2c("Overlaps", "true", "Interval[4, 11)", "Interval[10, 20]"),
		b2c("Overlaps", "true", "Interval[4, 10]", "Interval(9, 20]"),
		b2c("Overlaps", "true", "Interval[4, 11)", "Interval(9, 20]"),
		b2c("Overlaps", "false", "Interval[4, 10]", "Interval(10, 20]"),
		b2c("Overlaps", "false", "Interval[4, 10)", "Interval[10, 20]"),
		b2c("Overlaps", "false", "Interval[4, 10)", "Interval(10, 20]"),
		b2c("Overlaps", "false", "Interval[4, 10)", "Interval(9, 20]"),
		b2c("Overlaps", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("Overlaps", "false", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		b2c("Overlaps", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("Overlaps", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[11.0 'g', 20.0 'g']"),
		b2c("Overlaps", "true", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		b2c("Overlaps", "false", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-26T, @2012-01-28T]"),
		b2c("Overlaps", "null", "Interval[@2012-02-25T, @2012-03-26T]", "Interval[@2012-01-10T, @2012-02T]"),
		b2c("Overlaps", "null", "Interval[@2012-01-25T, @2012-02-26T]", "Interval[@2012-02T, @2012-03-28T]"),
		b2c("Overlaps", "null", "Interval[@2012-02T, @2012-03T]", "Interval[@2011-01-10T, @2012T]"),
		b2c("Overlaps", "true", "Interval[@2012T, @2013-03T]", "Interval[@2012-02T, @2013-02T]"),
		b2c("Overlaps", "true", "Interval[@2012-02T, @2013T]", "Interval[@2012-03T, @2013-02T]"),
		b2c("Overlaps", "true", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		b2c("Overlaps", "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T20:00:00.000, @T21:59:59.999]"),
		b2c("Overlaps", "null", "Interval[6, 10]", "null"),
		b2c("OverlapsBefore", "null", "Interval[null, null]", "Interval[1, 10]"),
		b2c("OverlapsBefore", "true", "Interval[1, 10]", "Interval[4, 10]"),
		b2c("OverlapsBefore", "false", "Interval[4, 10]", "Interval[1, 10]"),
		b2c("OverlapsBefore", "false", "Interval[4, 10]", "Interval[4, 10]"),
		b2c("OverlapsBefore", "true", "Interval[4, 10]", "Interval(4, 10]"),
		b2c("OverlapsBefore", "true", "Interval(3, 10]", "Interval(4, 10]"),
		b2c("OverlapsBefore", "true", "Interval(3, 10]", "Interval[5, 10]"),
		b2c("OverlapsBefore", "false", "Interval(3, 10]", "Interval(3, 10]"),
		b2c("OverlapsBefore", "false", "Interval(3, 10]", "Interval[4, 10]"),
		b2c("OverlapsBefore", "false", "Interval[4, 10]", "Interval(3, 10]"),
		b2c("OverlapsBefore", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		b2c("OverlapsBefore", "false", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		b2c("OverlapsBefore", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		b2c("OverlapsBefore", "false", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("OverlapsAfter", "null", "Interval[null, null]", "Interval[1, 10]"),
		b2c("OverlapsAfter", "true", "Interval[4, 15]", "Interval[1, 10]"),
		b2c("OverlapsAfter", "false", "Interval[4, 10]", "Interval[1, 10]"),
		b2c("OverlapsAfter", "false", "Interval[4, 10]", "Interval[4, 10]"),
		b2c("OverlapsAfter", "true", "Interval[4, 11)", "Interval[4, 9]"),
		b2c("OverlapsAfter", "true", "Interval[4, 11)", "Interval[4, 10)"),
		b2c("OverlapsAfter", "true", "Interval[4, 10]", "Interval[4, 10)"),
		b2c("OverlapsAfter", "false", "Interval[4, 11)", "Interval[4, 11)"),
		b2c("OverlapsAfter", "false", "Interval[4, 11)", "Interval[4, 10]"),
		b2c("OverlapsAfter", "false", "Interval[4, 10]", "Interval[4, 11)"),
		b2c("OverlapsAfter", "true", "Interval[4.0, 15.0]", "Interval[1.0, 10.0]"),
		b2c("OverlapsAfter", "false", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		b2c("OverlapsAfter", "true", "Interval[5.0 'g', 15.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		b2c("OverlapsAfter", "false", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),

		// On or after / on or before (SameOrAfter / SameOrBefore), SameAs
		b2c("SameOrAfter", "null", "Interval[@2012-12-01, @2013-12-01]", "null"),
		b2cp("SameOrAfter", month, "true", "Interval[@2012-12-01, @2013-12-01]", "@2012-11-15"),
		b2cp("SameOrAfter", month, "false", "@2012-11-15", "Interval[@2012-12-01, @2013-12-01]"),
		b2cp("SameOrAfter", hour, "true", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T09:59:59.999]"),
		b2cp("SameOrAfter", hour, "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T11:59:59.999]"),
		b2c("SameOrAfter", "true", "Interval[6, 10]", "6"),
		b2c("SameOrAfter", "false", "2.5", "Interval[1.666, 2.50000001]"),
		b2c("SameOrAfter", "true", "2.5 'mg'", "Interval[1.666 'mg', 2.50000000 'mg']"),
		b2c("SameOrBefore", "null", "Interval[@2012-12-01, @2013-12-01]", "null"),
		b2cp("SameOrBefore", month, "true", "Interval[@2012-10-01, @2012-11-01]", "@2012-11-15"),
		b2cp("SameOrBefore", month, "false", "@2012-11-15", "Interval[@2012-10-01, @2013-12-01]"),
		b2cp("SameOrBefore", hour, "true", "Interval[@T05:00:00.000, @T07:59:59.999]", "Interval[@T08:00:00.000, @T09:59:59.999]"),
		b2cp("SameOrBefore", hour, "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T11:59:59.999]"),
		b2c("SameOrBefore", "true", "Interval[4, 6]", "6"),
		b2c("SameOrBefore", "false", "1.6667", "Interval[1.666, 2.50000001]"),
		b2c("SameOrBefore", "true", "1.666 'mg'", "Interval[1.666 'mg', 2.50000000 'mg']"),
		b2c("SameAs", "true", "Interval[1, 5]", "Interval[1, 6)"),
		b2cp("SameAs", day, "true", "Interval[@2012-01-01T10:00, @2012-01-05T10:00]", "Interval[@2012-01-01T12:00, @2012-01-05T23:00]"),
		b2cp("SameAs", hour, "false", "Interval[@2012-01-01T10:00, @2012-01-05T10:00]", "Interval[@2012-01-01T12:00, @2012-01-05T23:00]"),
		b2c("SameAs", "null", "Interval[1, 5]", "null"),
	})
}

// Cases from the Collapse and Expand groups of CqlIntervalOperatorsTest.xml
// and the specification's examples.
func TestCollapseExpand(t *testing.T) {
	b2Run(t, []b2Case{
		b2c("Collapse", "{}", "{ Interval(null, null) }"),
		b2c("Collapse", "{ Interval[1, 10], Interval[12, 19] }", "{ Interval[1,5], Interval[3,7], Interval[12,19], Interval[7,10] }"),
		b2c("Collapse", "{ Interval[1, 19] }", "{ Interval[1,2], Interval[3,7], Interval[10,19], Interval[7,10] }"),
		b2c("Collapse", "{ Interval[4, 8] }", "{ Interval[4,6], Interval[7,8] }"),
		b2c("Collapse", "{ Interval[1.0, 10.0], Interval[12.0, 19.0] }", "{ Interval[1.0,5.0], Interval[3.0,7.0], Interval[12.0,19.0], Interval[7.0,10.0] }"),
		b2c("Collapse", "{ Interval[4.0, 8.0] }", "{ Interval[4.0,6.0], Interval[6.00000001,8.0] }"),
		b2c("Collapse", "{ Interval[1.0 'g', 10.0 'g'], Interval[12.0 'g', 19.0 'g'] }", "{ Interval[1.0 'g',5.0 'g'], Interval[3.0 'g',7.0 'g'], Interval[12.0 'g',19.0 'g'], Interval[7.0 'g',10.0 'g'] }"),
		b2c("Collapse", "{ Interval[@2012-01-01T, @2012-01-25T], Interval[@2012-05-10T, @2012-05-30T] }", "{ Interval[@2012-01-01T, @2012-01-15T], Interval[@2012-01-10T, @2012-01-25T], Interval[@2012-05-10T, @2012-05-25T], Interval[@2012-05-20T, @2012-05-30T] }"),
		b2c("Collapse", "{ Interval[@2012-01-01T, @2012-05-25T] }", "{ Interval[@2012-01-01T, @2012-01-15T], Interval[@2012-01-16T, @2012-05-25T] }"),
		b2c("Collapse", "{ Interval[@T01:59:59.999, @T15:59:59.999], Interval[@T17:59:59.999, @T22:59:59.999] }", "{ Interval[@T01:59:59.999, @T10:59:59.999], Interval[@T08:59:59.999, @T15:59:59.999], Interval[@T17:59:59.999, @T20:59:59.999], Interval[@T18:59:59.999, @T22:59:59.999] }"),
		b2c("Collapse", "{ Interval[@T01:59:59.999, @T15:59:59.999] }", "{ Interval[@T01:59:59.999, @T10:59:59.999], Interval[@T11:00:00.000, @T15:59:59.999] }"),
		b2c("Collapse", "{ Interval[1, 9] }", "{ Interval[1, 4], Interval[4, 8], Interval[7, 9] }"),
		b2c("Collapse", "null", "null"),
		b2c("Collapse", "{ Interval[1, 10] }", "{ null, Interval[1, 10], null }"),
		b2c("Collapse", "{ Interval[1, null) }", "{ Interval[5, null), Interval[1, 10] }"),
		b2c("Collapse", "{ Interval[1, 3], Interval[5, 6] }", "{ Interval[1, 3], Interval[5, 6] }", "1 '1'"),
		b2c("Collapse", "{ Interval[1, 6] }", "{ Interval[1, 3], Interval[5, 6] }", "2 '1'"),
		b2c("Collapse", "{ Interval[@2012-01-01T10:00, @2012-01-03T09:00] }", "{ Interval[@2012-01-01T10:00, @2012-01-01T12:00], Interval[@2012-01-02T08:00, @2012-01-03T09:00] }", "1 'day'"),

		b2c("Expand", "null", "null"),
		b2c("Expand", "{}", "{}"),
		b2c("Expand", "{}", "{ null }"),
		b2c("Expand", "{ Interval[@2018-01-01, @2018-01-01], Interval[@2018-01-02, @2018-01-02], Interval[@2018-01-03, @2018-01-03], Interval[@2018-01-04, @2018-01-04] }", "{ Interval[@2018-01-01, @2018-01-04] }", "1 'day'"),
		b2c("Expand", "{ @2018-01-01, @2018-01-02, @2018-01-03, @2018-01-04 }", "Interval[@2018-01-01, @2018-01-04]", "1 'day'"),
		b2c("Expand", "{ Interval[@2018-01-01, @2018-01-02], Interval[@2018-01-03, @2018-01-04] }", "{ Interval[@2018-01-01, @2018-01-04] }", "2 'days'"),
		b2c("Expand", "{ @2018-01-01, @2018-01-03 }", "Interval[@2018-01-01, @2018-01-04]", "2 'days'"),
		b2c("Expand", "{ Interval[@T10, @T10], Interval[@T11, @T11], Interval[@T12, @T12] }", "{ Interval[@T10:00, @T12:30] }", "1 'hour'"),
		b2c("Expand", "{ @T10, @T11, @T12 }", "Interval[@T10:00, @T12:30]", "1 'hour'"),
		b2c("Expand", "{ Interval[@T10, @T10], Interval[@T11, @T11], Interval[@T12, @T12] }", "{ Interval[@T10:00, @T12:30) }", "1 'hour'"),
		b2c("Expand", "{ @T10, @T11, @T12 }", "Interval[@T10:00, @T12:30)", "1 'hour'"),
		b2c("Expand", "{}", "{ Interval[@T10, @T10] }", "1 'minute'"),
		b2c("Expand", "{}", "Interval[@T10, @T10]", "1 'minute'"),
		b2c("Expand", "{ Interval[@2018-01-01, @2018-01-07], Interval[@2018-01-08, @2018-01-14] }", "{ Interval[@2018-01-01, @2018-01-16] }", "1 'week'"),
		b2c("Expand", "{ Interval[@2018-01, @2018-01], Interval[@2018-02, @2018-02] }", "{ Interval[@2018-01-15, @2018-02-20] }", "1 'month'"),
		b2c("Expand", "{ @2018-01-01, @2018-01-02 }", "Interval[@2018-01-01, @2018-01-02]"),
		b2c("Expand", "{ Interval[10.0, 10.0], Interval[11.0, 11.0], Interval[12.0, 12.0] }", "{ Interval[10.0, 12.5] }", "1 '1'"),
		b2c("Expand", "{ 10.0, 11.0, 12.0 }", "Interval[10.0, 12.5]", "1 '1'"),
		b2c("Expand", "{ Interval[10.0, 10.0], Interval[11.0, 11.0], Interval[12.0, 12.0] }", "{ Interval[10.0, 12.5) }", "1 '1'"),
		b2c("Expand", "{ 10.0, 11.0, 12.0 }", "Interval[10.0, 12.5)", "1 '1'"),
		b2c("Expand", "{ Interval[10.0, 10.0], Interval[10.1, 10.1], Interval[10.2, 10.2], Interval[10.3, 10.3], Interval[10.4, 10.4], Interval[10.5, 10.5], Interval[10.6, 10.6], Interval[10.7, 10.7], Interval[10.8, 10.8], Interval[10.9, 10.9] }", "{ Interval[10, 10] }", "0.1 '1'"),
		b2c("Expand", "{ 10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 10.8, 10.9 }", "Interval[10, 10]", "0.1 '1'"),
		b2c("Expand", "{ Interval[1, 1], Interval[2, 2], Interval[3, 3], Interval[4, 4], Interval[5, 5], Interval[6, 6], Interval[7, 7], Interval[8, 8], Interval[9, 9], Interval[10, 10] }", "{ Interval[1, 10] }"),
		b2c("Expand", "{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }", "Interval[1, 10]"),
		b2c("Expand", "{ Interval[1, 1], Interval[2, 2], Interval[3, 3], Interval[4, 4], Interval[5, 5], Interval[6, 6], Interval[7, 7], Interval[8, 8], Interval[9, 9] }", "{ Interval[1, 10) }"),
		b2c("Expand", "{ 1, 2, 3, 4, 5, 6, 7, 8, 9 }", "Interval[1, 10)"),
		b2c("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6], Interval[7, 8], Interval[9, 10] }", "{ Interval[1, 10] }", "2 '1'"),
		b2c("Expand", "{ 1, 3, 5, 7, 9 }", "Interval[1, 10]", "2 '1'"),
		b2c("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6], Interval[7, 8] }", "{ Interval[1, 10) }", "2 '1'"),
		b2c("Expand", "{ 1, 3, 5, 7 }", "Interval[1, 10)", "2 '1'"),
		b2c("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6] }", "{ Interval[3, 6], Interval[1, 4] }", "2 '1'"),
		b2c("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6] }", "{ Interval[1, 4], Interval[4, 6] }", "2 '1'"),
		b2c("Expand", "{ Interval[1 'g', 1 'g'], Interval[2 'g', 2 'g'] }", "{ Interval[1.0 'g', 2.5 'g'] }", "1 'g'"),
		// Units have the precision of per: 1.0 is ten steps of 0.1.
		b2c("Expand", "{ Interval[1.0 'g', 1.9 'g'] }", "{ Interval[1.0 'g', 2.0 'g'] }", "1.0 'g'"),
		b2c("Expand", "{ 1.00, 1.25, 1.50, 1.75 }", "Interval[1.0, 2.0]", "0.25 '1'"),
		b2c("Expand", "{}", "{ Interval[1, null) }"),
		b2c("Expand", "{}", "{ Interval[1, null] }"),
		b2c("Expand", "error", "{ Interval[1, 10] }", "1 'day'"),
	})
}

// Semantics beyond the conformance suite: point types without a minimum
// (String), Long points, open null boundaries, precision handling.
func TestIntervalEdgeCases(t *testing.T) {
	day := value.Day
	b2Run(t, []b2Case{
		b2c("Contains", "true", "Interval['a', 'm']", "'c'"),
		b2c("Contains", "true", "Interval[null, 'm']", "'c'"),
		b2c("Contains", "false", "Interval[null, 'm']", "'x'"),
		b2c("Overlaps", "true", "Interval['a', 'm']", "Interval['k', null]"),
		b2c("Overlaps", "true", "Interval['a', 'm']", "Interval(null, 'c']"),
		b2c("Overlaps", "false", "Interval['d', 'm']", "Interval(null, 'c']"),
		b2c("Overlaps", "null", "Interval[5, 10]", "Interval[3, null)"),
		b2c("Before", "true", "Interval[null, 'b']", "Interval['c', null]"),
		b2c("Start", "null", "Interval[null, 'b']"),
		b2c("End", "5L", "Interval[1L, 5L]"),
		b2c("Width", "4L", "Interval[1L, 5L]"),
		b2c("Size", "5L", "Interval[1L, 5L]"),
		b2c("Meets", "true", "Interval[1L, 5L]", "Interval[6L, 9L]"),
		b2c("Expand", "{ 1L, 2L, 3L }", "Interval[1L, 3L]"),
		b2c("Union", "Interval(null, 10]", "Interval(null, 5]", "Interval[3, 10]"),
		// The start of the intersection is unknown (somewhere in 3..5).
		b2c("Intersect", "Interval(null, 5]", "Interval(null, 5]", "Interval[3, 10]"),
		b2c("Except", "null", "Interval(null, 5]", "Interval[3, 10]"),
		b2c("Except", "null", "Interval[1, 20]", "Interval(null, 10]"),
		b2c("Except", "Interval[11, 20]", "Interval[1, 20]", "Interval[null, 10]"),
		b2c("Includes", "null", "Interval[1, 20]", "Interval(null, 10]"),
		b2c("Includes", "false", "Interval[1, 20]", "Interval(null, 30]"),
		b2c("Before", "true", "Interval(null, 5]", "Interval[7, 10]"),
		// Seconds against milliseconds are uncertain when the seconds agree.
		b2c("In", "null", "@T12:00:00", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		b2c("In", "false", "@T11:59:59", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		b2cp("In", value.Second, "true", "@T12:00:00", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		b2c("In", "true", "@T12:30", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		// Dates compared at a coarser precision.
		b2cp("Overlaps", value.Month, "true", "Interval[@2012-01-01, @2012-01-31]", "Interval[@2012-01-15, @2012-03-01]"),
		b2cp("Before", day, "false", "Interval[@2012-01-01T10:00, @2012-01-31T10:00]", "Interval[@2012-01-31T23:00, @2012-03-01T00:00]"),
		b2c("Before", "true", "Interval[@2012-01-01T10:00, @2012-01-31T10:00]", "Interval[@2012-01-31T23:00, @2012-03-01T00:00]"),
		b2cp("Starts", day, "true", "Interval[@2012-01-01T10:00, @2012-01-02T10:00]", "Interval[@2012-01-01T08:00, @2012-03-01T00:00]"),
		b2cp("Ends", day, "true", "Interval[@2012-02-01T10:00, @2012-03-01T10:00]", "Interval[@2012-01-01T08:00, @2012-03-01T00:00]"),
		b2c("Collapse", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }"),
		b2c("Collapse", "{ Interval[1.0, 6.0] }", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }", "0.5 '1'"),
		b2c("Collapse", "{ Interval[@2012-01-01, @2012-01-10], Interval[@2012-01-12, @2012-01-20] }", "{ Interval[@2012-01-12, @2012-01-20], Interval[@2012-01-01, @2012-01-10] }"),
		b2c("Collapse", "{ Interval[@2012-01-01, @2012-01-20] }", "{ Interval[@2012-01-12, @2012-01-20], Interval[@2012-01-01, @2012-01-10] }", "2 'days'"),
		b2c("Expand", "{ Interval[1, 3], Interval[7, 9] }", "{ Interval[1, 4], Interval[6, 9] }", "3 '1'"),
		b2c("Expand", "error", "Interval[1, 10]", "0 '1'"),
		b2c("Expand", "{ @2012-01-01T10, @2012-01-01T11 }", "Interval[@2012-01-01T10:00, @2012-01-01T11:59]", "1 'h'"),
		b2c("Expand", "{ @T23 }", "Interval[@T23:00, @T23:59]", "1 'hour'"),
		b2c("Expand", "{ @T22 }", "Interval[@T22:00, @T23:59]", "2 'hours'"),
		b2c("Expand", "{ @9999-12-31 }", "Interval[@9999-12-31, @9999-12-31]"),
	})
}

func TestIntervalArgumentErrors(t *testing.T) {
	for _, name := range []string{"Start", "Overlaps", "Contains", "Collapse", "Expand", "Union"} {
		for _, o := range Lookup(name) {
			args := make([]value.Value, len(o.Params))
			for i := range args {
				args[i] = value.String("not an interval or list")
			}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s%v panicked: %v", name, o.Params, r)
					}
				}()
				if o.PFn != nil {
					_, err = o.PFn(&Context{}, value.Unset, args)
				} else {
					_, err = o.Fn(&Context{}, args)
				}
			}()
			_ = err
		}
	}
}

func TestExpandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	iv := b2Lit(t, "Interval[1, 1000000]")
	var f Func
	for _, o := range Lookup("Expand") {
		if _, ok := o.Params[0].(*types.Interval); ok && len(o.Params) == 1 {
			f = o.Fn
		}
	}
	if _, err := f(&Context{Ctx: ctx}, []value.Value{iv}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestExpandLimits(t *testing.T) {
	iv := b2Lit(t, "Interval[1, 100000]")
	list := value.List{Elems: []value.Value{iv}, ElemType: IntervalOf(types.Integer)}
	for _, o := range Lookup("Expand") {
		if len(o.Params) != 1 {
			continue
		}
		_, err := o.Fn(&Context{MaxListSize: 1000}, []value.Value{iv})
		if _, isList := o.Params[0].(*types.List); isList {
			_, err = o.Fn(&Context{MaxListSize: 1000}, []value.Value{list})
		}
		var le *LimitError
		if !errors.As(err, &le) {
			t.Errorf("%v: got %v, want a limit error", o.Params, err)
		}
	}
	huge := b2Lit(t, "Interval[-2000000000, 2000000000]")
	if _, err := b2Call(t, "Expand", value.Unset, huge); err == nil {
		t.Errorf("expanding 4e9 points: want an error")
	}
	// Milliseconds of a day, without a list size limit.
	ms := b2Lit(t, "Interval[@2018-01-01T00:00:00.000, @2018-01-02T00:00:00.000]")
	if _, err := b2Call(t, "Expand", value.Unset, ms); err == nil {
		t.Errorf("expanding 86,400,001 milliseconds: want an error")
	}
}

// Overlap tests over 1,000 intervals, the shape of a typical query, must be
// fast.
func TestIntervalPerformance(t *testing.T) {
	ivs := make([]value.Value, 1000)
	for i := range ivs {
		ivs[i] = value.Interval{Low: value.Integer(i * 10), High: value.Integer(i*10 + 15),
			LowClosed: true, HighClosed: true, PointType: types.Integer}
	}
	start := time.Now()
	n := 0
	for _, a := range ivs[:200] {
		for _, b := range ivs {
			r, err := b2Call(t, "Overlaps", value.Unset, a, b)
			if err != nil {
				t.Fatal(err)
			}
			if r == value.Boolean(true) {
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no overlaps found")
	}
	c, err := b2Call(t, "Collapse", value.Unset, value.List{Elems: ivs, ElemType: IntervalOf(types.Integer)})
	if err != nil {
		t.Fatal(err)
	}
	if got := value.Format(c); got != "{Interval[0, 10005]}" {
		t.Errorf("collapse = %s", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("200,000 overlap tests and a collapse took %v", d)
	}
}

func BenchmarkOverlaps(b *testing.B) {
	x := value.Interval{Low: value.Integer(1), High: value.Integer(10), LowClosed: true, HighClosed: true, PointType: types.Integer}
	y := value.Interval{Low: value.Integer(5), High: value.Integer(20), LowClosed: true, HighClosed: false, PointType: types.Integer}
	var f PrecisionFunc
	for _, o := range Lookup("Overlaps") {
		f = o.PFn
	}
	args := []value.Value{x, y}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f(nil, value.Unset, args); err != nil {
			b.Fatal(err)
		}
	}
}

package builtins

import (
	"context"
	"errors"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Cases from CqlIntervalOperatorsTest.xml (DateTime(2012, 1, 5) written as
// @2012-01-05T) and from the specification's examples.
func TestIntervalOperators(t *testing.T) {
	day, month, hour, second, ms := value.Day, value.Month, value.Hour, value.Second, value.Millisecond
	runLitCases(t, []litCase{
		// After / Before with the three shapes
		lcase("After", "null", "null as Integer", "Interval[1, 10]"),
		lcase("After", "true", "Interval[11, 20]", "Interval[1, 10]"),
		lcase("After", "false", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("After", "true", "12", "Interval[1, 10]"),
		lcase("After", "false", "9", "Interval[1, 10]"),
		lcase("After", "true", "Interval[11, 20]", "5"),
		lcase("After", "false", "Interval[11, 20]", "12"),
		lcase("After", "true", "Interval[11.0, 20.0]", "Interval[1.0, 10.0]"),
		lcase("After", "true", "12.0", "Interval[1.0, 10.0]"),
		lcase("After", "false", "Interval[11.0, 20.0]", "12.0"),
		lcase("After", "true", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("After", "false", "9.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		lcase("After", "true", "Interval[11.0 'g', 20.0 'g']", "5.0'g'"),
		lcase("After", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2011-12-31T"),
		lcase("After", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-12-31T"),
		lcase("After", "true", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T12:59:59.999"),
		lcase("After", "false", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T17:59:59.999"),
		lcase("After", "null", "Interval[1, 4]", "null"),
		lcase("Before", "null", "null as Integer", "Interval[1, 10]"),
		lcase("Before", "false", "Interval[11, 20]", "Interval[1, 10]"),
		lcase("Before", "true", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("Before", "true", "9", "Interval[11, 20]"),
		lcase("Before", "false", "9", "Interval[1, 10]"),
		lcase("Before", "true", "Interval[1, 10]", "11"),
		lcase("Before", "false", "Interval[1, 10]", "8"),
		lcase("Before", "true", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		lcase("Before", "false", "9.0", "Interval[1.0, 10.0]"),
		lcase("Before", "true", "Interval[1.0 'g', 10.0 'g']", "12.0'g'"),
		lcase("Before", "false", "12.0'g'", "Interval[11.0 'g', 20.0 'g']"),
		lcase("Before", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-02-27T"),
		lcase("Before", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2011-12-31T"),
		lcase("Before", "true", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T22:59:59.999"),
		lcase("Before", "false", "Interval[@T15:59:59.999, @T20:59:59.999]", "@T10:59:59.999"),
		lcase("Before", "true", "0", "Interval[1, 4]"),

		// Contains / In
		lcase("Contains", "null", "Interval[1, 10]", "null"),
		lcase("Contains", "false", "null", "5"),
		lcase("Contains", "false", "Interval[null, 5]", "10"),
		lcase("Contains", "true", "Interval[null, 5]", "-10"),
		lcase("Contains", "true", "Interval[1, 10]", "5"),
		lcase("Contains", "false", "Interval[1, 10]", "25"),
		lcase("Contains", "true", "Interval[1.0, 10.0]", "8.0"),
		lcase("Contains", "false", "Interval[1.0, 10.0]", "255.0"),
		lcase("Contains", "true", "Interval[1.0 'g', 10.0 'g']", "2.0 'g'"),
		lcase("Contains", "false", "Interval[1.0 'g', 10.0 'g']", "100.0 'g'"),
		lcase("Contains", "true", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-01-10T"),
		lcase("Contains", "false", "Interval[@2012-01-01T, @2012-01-15T]", "@2012-01-16T"),
		lcase("Contains", "true", "Interval[@T01:59:59.999, @T10:59:59.999]", "@T05:59:59.999"),
		lcase("Contains", "false", "Interval[@T01:59:59.999, @T10:59:59.999]", "@T15:59:59.999"),
		lcase("Contains", "false", "Interval[1, 5)", "5"),
		lcase("Contains", "false", "Interval(1, 5]", "1"),
		lcase("Contains", "true", "Interval(1, 5]", "2"),
		lcase("Contains", "null", "Interval(null, 5]", "3"),
		lcase("Contains", "false", "Interval(null, 5]", "6"),
		lcase("Contains", "true", "Interval[3, null)", "3"),
		lcase("In", "false", "5", "Interval[null, null]"),
		lcase("In", "true", "5", "Interval[1, 10]"),
		lcase("In", "false", "500", "Interval[1, 10]"),
		lcase("In", "true", "9.0", "Interval[1.0, 10.0]"),
		lcase("In", "false", "-2.0", "Interval[1.0, 10.0]"),
		lcase("In", "true", "1.0 'g'", "Interval[1.0 'g', 10.0 'g']"),
		lcase("In", "false", "55.0 'g'", "Interval[1.0 'g', 10.0 'g']"),
		lcase("In", "true", "@2012-01-07T", "Interval[@2012-01-05T, @2012-01-15T]"),
		lcase("In", "false", "@2012-01-17T", "Interval[@2012-01-05T, @2012-01-15T]"),
		lcase("In", "true", "@2012-01-07T", "Interval[@2012-01-05T, null]"),
		lcase("In", "true", "@T07:59:59.999", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		lcase("In", "false", "@T17:59:59.999", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		lcase("In", "null", "null", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		lcase("In", "false", "3", "null"),
		lcaseP("In", day, "true", "@2014-02-03", "Interval[@2014-02-01, @2014-02-08]"),
		lcaseP("In", day, "true", "@2017-12-20T10:30:00", "Interval[@2017-12-20T11:00:00, @2017-12-21T11:00:00]"),

		// Start / End / Width / Size / PointFrom
		lcase("Start", "1", "Interval[1, 10]"),
		lcase("Start", "2", "Interval(1, 5]"),
		lcase("Start", "-2147483648", "Interval[null, 5]"),
		lcase("Start", "null", "Interval(null, 5]"),
		lcase("Start", "1.0", "Interval[1.0, 10.0]"),
		lcase("Start", "1.00000001", "Interval(1.0, 10.0]"),
		lcase("Start", "1.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		lcase("Start", "@2016-05-01T00:00:00.000", "Interval[@2016-05-01T00:00:00.000, @2016-05-02T00:00:00.000]"),
		lcase("Start", "@T00:00:00.000", "Interval[@T00:00:00.000, @T23:59:59.599]"),
		lcase("Start", "@0001-01-01", "Interval[null as Date, null as Date]"),
		lcase("Start", "null", "Interval[null, null]"),
		lcase("Start", "null", "null"),
		lcase("End", "10", "Interval[1, 10]"),
		lcase("End", "4", "Interval[1, 5)"),
		lcase("End", "2147483647", "Interval[1, null]"),
		lcase("End", "null", "Interval[1, null)"),
		lcase("End", "10.0", "Interval[1.0, 10.0]"),
		lcase("End", "10.0'g'", "Interval[1.0 'g', 10.0 'g']"),
		lcase("End", "@2016-05-02T00:00:00.000", "Interval[@2016-05-01T00:00:00.000, @2016-05-02T00:00:00.000]"),
		lcase("End", "@T23:59:59.599", "Interval[@T00:00:00.000, @T23:59:59.599]"),
		lcase("End", "@2012-01-14", "Interval[@2012-01-01, @2012-01-15)"),
		lcase("End", "@9999-12-31", "Interval[null as Date, null as Date]"),
		lcase("Width", "9", "Interval[1, 10]"),
		lcase("Width", "11.0", "Interval[4.0, 15.0]"),
		lcase("Width", "5.0'g'", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Width", "4", "Interval[3, 7]"),
		lcase("Width", "null", "Interval[0, null)"),
		lcase("Width", "null", "null"),
		lcase("Size", "5", "Interval[3, 7]"),
		lcase("Size", "5", "Interval[3, 8)"),
		lcase("Size", "1.00000001", "Interval[1.0, 2.0]"),
		lcase("PointFrom", "null", "Interval[null, null]"),
		lcase("PointFrom", "1", "Interval[1, 1]"),
		lcase("PointFrom", "1.0", "Interval[1.0, 1.0]"),
		lcase("PointFrom", "1.0'cm'", "Interval[1.0 'cm', 1.0 'cm']"),
		lcase("PointFrom", "4", "Interval[4, 5)"),
		lcase("PointFrom", "error", "Interval[1, 4]"),
		lcase("PointFrom", "null", "null"),

		// Starts / Ends
		lcase("Ends", "null", "Interval[1, 10]", "Interval(null, null)"),
		lcase("Ends", "true", "Interval[4, 10]", "Interval[1, 10]"),
		lcase("Ends", "false", "Interval[44, 50]", "Interval[1, 10]"),
		lcase("Ends", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		lcase("Ends", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("Ends", "false", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("Ends", "true", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-01T, @2012-01-15T]"),
		lcase("Ends", "false", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-01T, @2012-01-16T]"),
		lcase("Ends", "true", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T01:59:59.999, @T10:59:59.999]"),
		lcase("Ends", "false", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T01:59:59.999, @T11:59:59.999]"),
		lcase("Ends", "null", "Interval[1, 5]", "null"),
		lcase("Starts", "null", "Interval[null, null]", "Interval[1, 10]"),
		lcase("Starts", "true", "Interval[4, 10]", "Interval[4, 15]"),
		lcase("Starts", "false", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("Starts", "true", "Interval[4.0, 10.0]", "Interval[4.0, 15.0]"),
		lcase("Starts", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		lcase("Starts", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Starts", "true", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-05T, @2012-01-27T]"),
		lcase("Starts", "false", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-06T, @2012-01-27T]"),
		lcase("Starts", "true", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T05:59:59.999, @T17:59:59.999]"),
		lcase("Starts", "false", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T04:59:59.999, @T17:59:59.999]"),

		// Except / Intersect / Union
		lcase("Except", "null", "Interval[null, null]", "Interval[null, null]"),
		lcase("Except", "Interval[1, 3]", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("Except", "null", "Interval[1, 10]", "Interval[3, 7]"),
		lcase("Except", "Interval[1.0, 3.99999999]", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("Except", "null", "Interval[1.0, 10.0]", "Interval[3.0, 7.0]"),
		lcase("Except", "Interval[1.0 'g', 4.99999999 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Except", "Interval[1, 2]", "Interval[1, 4]", "Interval[3, 6]"),
		lcase("Except", "Interval[@2012-01-05T, @2012-01-06T]", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-07T, @2012-01-15T]"),
		lcase("Except", "Interval[@2012-01-13T, @2012-01-16T]", "Interval[@2012-01-07T, @2012-01-16T]", "Interval[@2012-01-05T, @2012-01-12T]"),
		lcase("Except", "Interval[@T05:59:59.999, @T08:59:59.998]", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T08:59:59.999, @T10:59:59.999]"),
		lcase("Except", "Interval[@T11:00:00.000, @T11:59:59.999]", "Interval[@T08:59:59.999, @T11:59:59.999]", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		lcase("Except", "Interval[0, 2]", "Interval[0, 5]", "Interval[3, 7]"),
		lcase("Except", "Interval[0, 5]", "Interval[0, 5]", "Interval[7, 9]"),
		lcase("Except", "null", "Interval[3, 5]", "Interval[0, 7]"),
		lcase("Except", "null", "null", "Interval[-1, 7]"),
		lcase("Intersect", "Interval[5, null)", "Interval[1, 10]", "Interval[5, null)"),
		lcase("Intersect", "Interval[4, 10]", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("Intersect", "null", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("Intersect", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("Intersect", "null", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		lcase("Intersect", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Intersect", "null", "Interval[1.0 'g', 10.0 'g']", "Interval[11.0 'g', 20.0 'g']"),
		lcase("Intersect", "Interval[@2012-01-07T, @2012-01-10T]", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-07T, @2012-01-10T]"),
		lcase("Intersect", "Interval[@T04:59:59.999, @T06:59:59.999]", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T04:59:59.999, @T06:59:59.999]"),
		lcase("Intersect", "Interval[3, 5]", "Interval[1, 5]", "Interval[3, 7]"),
		lcase("Intersect", "null", "Interval[3, 5]", "null"),
		lcase("Union", "null", "Interval[null, null]", "Interval[1, 10]"),
		lcase("Union", "Interval[1, 15]", "Interval[1, 10]", "Interval[4, 15]"),
		lcase("Union", "null", "Interval[1, 10]", "Interval[44, 50]"),
		lcase("Union", "Interval[1.0, 15.0]", "Interval[1.0, 10.0]", "Interval[4.0, 15.0]"),
		lcase("Union", "null", "Interval[1.0, 10.0]", "Interval[14.0, 15.0]"),
		lcase("Union", "Interval[1.0 'g', 15.0 'g']", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		lcase("Union", "null", "Interval[1.0 'g', 10.0 'g']", "Interval[14.0 'g', 15.0 'g']"),
		lcase("Union", "Interval[@2012-01-05T, @2012-01-28T]", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-25T, @2012-01-28T]"),
		lcase("Union", "null", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-27T, @2012-01-28T]"),
		lcase("Union", "Interval[@T05:59:59.999, @T20:59:59.999]", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T10:59:59.999, @T20:59:59.999]"),
		lcase("Union", "null", "Interval[@T05:59:59.999, @T15:59:59.999]", "Interval[@T16:59:59.999, @T20:59:59.999]"),
		lcase("Union", "Interval[1, 20]", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("Union", "Interval[1, null)", "Interval[1, 10]", "Interval[5, null)"),

		// Includes / IncludedIn / proper forms
		lcase("Includes", "null", "Interval[1, 10]", "null"),
		lcase("Includes", "true", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("Includes", "false", "Interval[1, 10]", "Interval[44, 50]"),
		lcase("Includes", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("Includes", "false", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		lcase("Includes", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Includes", "true", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-07T, @2012-01-14T]"),
		lcase("Includes", "false", "Interval[@2012-01-05T, @2012-01-15T]", "Interval[@2012-01-04T, @2012-01-14T]"),
		lcase("Includes", "true", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T06:59:59.999, @T09:59:59.999]"),
		lcase("Includes", "false", "Interval[@T05:59:59.999, @T10:59:59.999]", "Interval[@T04:59:59.999, @T09:59:59.999]"),
		lcase("Includes", "false", "Interval[-1, 5]", "6"),
		lcase("IncludedIn", "null", "null", "Interval[1, 10]"),
		lcase("IncludedIn", "true", "Interval[4, 10]", "Interval[1, 10]"),
		lcase("IncludedIn", "false", "Interval[44, 50]", "Interval[1, 10]"),
		lcase("IncludedIn", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		lcase("IncludedIn", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("IncludedIn", "false", "Interval[11.0 'g', 20.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("IncludedIn", "true", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-05T, @2012-01-15T]"),
		lcase("IncludedIn", "false", "Interval[@2012-01-04T, @2012-01-14T]", "Interval[@2012-01-05T, @2012-01-15T]"),
		lcase("IncludedIn", "true", "Interval[@T06:59:59.999, @T09:59:59.999]", "Interval[@T05:59:59.999, @T10:59:59.999]"),
		lcase("IncludedIn", "null", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		lcaseP("IncludedIn", day, "true", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		lcaseP("IncludedIn", ms, "null", "Interval[@2017-09-01T00:00:00, @2017-09-01T00:00:00]", "Interval[@2017-09-01T00:00:00.000, @2017-12-30T23:59:59.999]"),
		lcase("IncludedIn", "false", "-1", "Interval[0, 7]"),
		lcase("IncludedIn", "false", "3", "null"),
		lcase("ProperIncludes", "true", "Interval[null as Integer, null as Integer]", "Interval[1, 10]"),
		lcase("ProperIncludes", "true", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("ProperIncludes", "false", "Interval[1, 10]", "Interval[4, 15]"),
		lcase("ProperIncludes", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("ProperIncludes", "false", "Interval[1.0, 10.0]", "Interval[4.0, 15.0]"),
		lcase("ProperIncludes", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("ProperIncludes", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		lcase("ProperIncludes", "true", "Interval[@2012-01-15T, @2012-01-28T]", "Interval[@2012-01-16T, @2012-01-27T]"),
		lcase("ProperIncludes", "false", "Interval[@2012-01-15T, @2012-01-28T]", "Interval[@2012-01-16T, @2012-01-29T]"),
		lcase("ProperIncludes", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "Interval[@T12:01:01.000, @T21:59:59.998]"),
		lcase("ProperIncludes", "false", "Interval[@T12:00:00.000, @T21:59:59.999]", "Interval[@T12:01:01.000, @T22:00:00.000]"),
		lcase("ProperIncludes", "false", "Interval[-1, 5]", "Interval[-1, 5]"),
		lcase("ProperIncludes", "null", "Interval[-1, 5]", "null"),
		lcase("ProperIncludedIn", "true", "Interval[1, 10]", "Interval[null, null]"),
		lcase("ProperIncludedIn", "true", "Interval[4, 10]", "Interval[1, 10]"),
		lcase("ProperIncludedIn", "false", "Interval[4, 15]", "Interval[1, 10]"),
		lcase("ProperIncludedIn", "true", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		lcase("ProperIncludedIn", "true", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("ProperIncludedIn", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 15.0 'g']"),
		lcase("ProperIncludedIn", "true", "Interval[@2012-01-16T, @2012-01-27T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		lcase("ProperIncludedIn", "false", "Interval[@2012-01-16T, @2012-01-29T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		lcase("ProperIncludedIn", "true", "Interval[@T12:01:01.000, @T21:59:59.998]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcase("ProperIncludedIn", "false", "Interval[@T12:01:01.000, @T22:00:00.000]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcase("ProperIncludedIn", "true", "Interval[@2014-02-02, @2014-02-05]", "Interval[@2014-02-01, @2014-02-05]"),

		// ProperContains / ProperIn with points
		lcase("ProperContains", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.001"),
		lcase("ProperContains", "false", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.000"),
		lcase("ProperContains", "null", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		lcaseP("ProperContains", second, "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:01"),
		lcaseP("ProperContains", second, "false", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		lcaseP("ProperContains", ms, "null", "Interval[@T12:00:00.001, @T21:59:59.999]", "@T12:00:00"),
		lcase("ProperContains", "false", "null", "3"),
		lcase("ProperContains", "true", "Interval[1, 5]", "3"),
		lcase("ProperIn", "true", "@T12:00:00.001", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcase("ProperIn", "false", "@T12:00:00.000", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcase("ProperIn", "null", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		lcaseP("ProperIn", second, "true", "@T12:00:01", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcaseP("ProperIn", second, "false", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		lcaseP("ProperIn", ms, "null", "@T12:00:00", "Interval[@T12:00:00.001, @T21:59:59.999]"),
		lcase("ProperIncludes", "true", "Interval[@T12:00:00.000, @T21:59:59.999]", "@T12:00:00.001"),
		lcase("ProperIncludedIn", "true", "@T12:00:00.001", "Interval[@T12:00:00.000, @T21:59:59.999]"),

		// Meets
		lcase("Meets", "null", "Interval(null, 5]", "Interval(null, 15)"),
		lcase("Meets", "true", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("Meets", "false", "Interval[1, 10]", "Interval[44, 50]"),
		lcase("Meets", "true", "Interval[3.01, 5.00000001]", "Interval[5.00000002, 8.50]"),
		lcase("Meets", "false", "Interval[3.01, 5.00000001]", "Interval[5.5, 8.50]"),
		lcase("Meets", "true", "Interval[3.01 'g', 5.00000001 'g']", "Interval[5.00000002 'g', 8.50 'g']"),
		lcase("Meets", "false", "Interval[3.01 'g', 5.00000001 'g']", "Interval[5.5 'g', 8.50 'g']"),
		lcase("Meets", "true", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-15T, @2012-01-25T]"),
		lcase("Meets", "false", "Interval[@2012-01-07T, @2012-01-14T]", "Interval[@2012-01-20T, @2012-01-25T]"),
		lcase("Meets", "true", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T10:00:00.000, @T19:59:59.999]"),
		lcase("Meets", "false", "Interval[@T04:59:59.999, @T09:59:59.999]", "Interval[@T10:12:00.000, @T19:59:59.999]"),
		lcase("Meets", "true", "Interval[6, 10]", "Interval[0, 5]"),
		lcase("Meets", "true", "Interval[@T03, @T04]", "Interval[@T05, @T06]"),
		lcase("Meets", "null", "Interval[6, 10]", "null"),
		lcaseP("Meets", day, "true", "Interval[@2012-01-01T10:00, @2012-01-07T23:00]", "Interval[@2012-01-08T02:00, @2012-01-09T00:00]"),
		lcase("MeetsBefore", "null", "Interval(null, 5]", "Interval(null, 25]"),
		lcase("MeetsBefore", "true", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("MeetsBefore", "false", "Interval[1, 10]", "Interval[44, 50]"),
		lcase("MeetsBefore", "true", "Interval[3.50000001, 5.00000011]", "Interval[5.00000012, 8.50]"),
		lcase("MeetsBefore", "false", "Interval[8.01, 15.00000001]", "Interval[15.00000000, 18.50]"),
		lcase("MeetsBefore", "true", "Interval[3.50000001 'g', 5.00000011 'g']", "Interval[5.00000012 'g', 8.50 'g']"),
		lcase("MeetsBefore", "false", "Interval[8.01 'g', 15.00000001 'g']", "Interval[15.00000000 'g', 18.50 'g']"),
		lcase("MeetsBefore", "true", "Interval[-5, -1]", "Interval[0, 5]"),
		lcase("MeetsAfter", "false", "Interval(null, 5]", "Interval[11, null)"),
		lcase("MeetsAfter", "true", "Interval[11, 20]", "Interval[1, 10]"),
		lcase("MeetsAfter", "false", "Interval[44, 50]", "Interval[1, 10]"),
		lcase("MeetsAfter", "true", "Interval[55.00000123, 128.032156]", "Interval[12.00258, 55.00000122]"),
		lcase("MeetsAfter", "false", "Interval[55.00000124, 150.222222]", "Interval[12.00258, 55.00000122]"),
		lcase("MeetsAfter", "true", "Interval[55.00000123 'g', 128.032156 'g']", "Interval[12.00258 'g', 55.00000122 'g']"),
		lcase("MeetsAfter", "false", "Interval[55.00000124 'g', 150.222222 'g']", "Interval[12.00258 'g', 55.00000122 'g']"),
		lcase("MeetsAfter", "false", "Interval[6, 10]", "Interval[0, 7]"),

		// Overlaps
		lcase("Overlaps", "null", "Interval[null, null]", "Interval[1, 10]"),
		lcase("Overlaps", "true", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("Overlaps", "true", "Interval[4, 10]", "Interval[4, 10]"),
		lcase("Overlaps", "true", "Interval[10, 15]", "Interval[4, 10]"),
		lcase("Overlaps", "false", "Interval[1, 10]", "Interval[11, 20]"),
		lcase("Overlaps", "true", "Interval[4, 10)", "Interval[4, 10)"),
		lcase("Overlaps", "true", "Interval[4, 11)", "Interval[10, 20]"),
		lcase("Overlaps", "true", "Interval[4, 10]", "Interval(9, 20]"),
		lcase("Overlaps", "true", "Interval[4, 11)", "Interval(9, 20]"),
		lcase("Overlaps", "false", "Interval[4, 10]", "Interval(10, 20]"),
		lcase("Overlaps", "false", "Interval[4, 10)", "Interval[10, 20]"),
		lcase("Overlaps", "false", "Interval[4, 10)", "Interval(10, 20]"),
		lcase("Overlaps", "false", "Interval[4, 10)", "Interval(9, 20]"),
		lcase("Overlaps", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("Overlaps", "false", "Interval[1.0, 10.0]", "Interval[11.0, 20.0]"),
		lcase("Overlaps", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("Overlaps", "false", "Interval[1.0 'g', 10.0 'g']", "Interval[11.0 'g', 20.0 'g']"),
		lcase("Overlaps", "true", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-15T, @2012-01-28T]"),
		lcase("Overlaps", "false", "Interval[@2012-01-05T, @2012-01-25T]", "Interval[@2012-01-26T, @2012-01-28T]"),
		lcase("Overlaps", "null", "Interval[@2012-02-25T, @2012-03-26T]", "Interval[@2012-01-10T, @2012-02T]"),
		lcase("Overlaps", "null", "Interval[@2012-01-25T, @2012-02-26T]", "Interval[@2012-02T, @2012-03-28T]"),
		lcase("Overlaps", "null", "Interval[@2012-02T, @2012-03T]", "Interval[@2011-01-10T, @2012T]"),
		lcase("Overlaps", "true", "Interval[@2012T, @2013-03T]", "Interval[@2012-02T, @2013-02T]"),
		lcase("Overlaps", "true", "Interval[@2012-02T, @2013T]", "Interval[@2012-03T, @2013-02T]"),
		lcase("Overlaps", "true", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T12:00:00.000, @T21:59:59.999]"),
		lcase("Overlaps", "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T20:00:00.000, @T21:59:59.999]"),
		lcase("Overlaps", "null", "Interval[6, 10]", "null"),
		lcase("OverlapsBefore", "null", "Interval[null, null]", "Interval[1, 10]"),
		lcase("OverlapsBefore", "true", "Interval[1, 10]", "Interval[4, 10]"),
		lcase("OverlapsBefore", "false", "Interval[4, 10]", "Interval[1, 10]"),
		lcase("OverlapsBefore", "false", "Interval[4, 10]", "Interval[4, 10]"),
		lcase("OverlapsBefore", "true", "Interval[4, 10]", "Interval(4, 10]"),
		lcase("OverlapsBefore", "true", "Interval(3, 10]", "Interval(4, 10]"),
		lcase("OverlapsBefore", "true", "Interval(3, 10]", "Interval[5, 10]"),
		lcase("OverlapsBefore", "false", "Interval(3, 10]", "Interval(3, 10]"),
		lcase("OverlapsBefore", "false", "Interval(3, 10]", "Interval[4, 10]"),
		lcase("OverlapsBefore", "false", "Interval[4, 10]", "Interval(3, 10]"),
		lcase("OverlapsBefore", "true", "Interval[1.0, 10.0]", "Interval[4.0, 10.0]"),
		lcase("OverlapsBefore", "false", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		lcase("OverlapsBefore", "true", "Interval[1.0 'g', 10.0 'g']", "Interval[5.0 'g', 10.0 'g']"),
		lcase("OverlapsBefore", "false", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("OverlapsAfter", "null", "Interval[null, null]", "Interval[1, 10]"),
		lcase("OverlapsAfter", "true", "Interval[4, 15]", "Interval[1, 10]"),
		lcase("OverlapsAfter", "false", "Interval[4, 10]", "Interval[1, 10]"),
		lcase("OverlapsAfter", "false", "Interval[4, 10]", "Interval[4, 10]"),
		lcase("OverlapsAfter", "true", "Interval[4, 11)", "Interval[4, 9]"),
		lcase("OverlapsAfter", "true", "Interval[4, 11)", "Interval[4, 10)"),
		lcase("OverlapsAfter", "true", "Interval[4, 10]", "Interval[4, 10)"),
		lcase("OverlapsAfter", "false", "Interval[4, 11)", "Interval[4, 11)"),
		lcase("OverlapsAfter", "false", "Interval[4, 11)", "Interval[4, 10]"),
		lcase("OverlapsAfter", "false", "Interval[4, 10]", "Interval[4, 11)"),
		lcase("OverlapsAfter", "true", "Interval[4.0, 15.0]", "Interval[1.0, 10.0]"),
		lcase("OverlapsAfter", "false", "Interval[4.0, 10.0]", "Interval[1.0, 10.0]"),
		lcase("OverlapsAfter", "true", "Interval[5.0 'g', 15.0 'g']", "Interval[1.0 'g', 10.0 'g']"),
		lcase("OverlapsAfter", "false", "Interval[5.0 'g', 10.0 'g']", "Interval[1.0 'g', 10.0 'g']"),

		// On or after / on or before (SameOrAfter / SameOrBefore), SameAs
		lcase("SameOrAfter", "null", "Interval[@2012-12-01, @2013-12-01]", "null"),
		lcaseP("SameOrAfter", month, "true", "Interval[@2012-12-01, @2013-12-01]", "@2012-11-15"),
		lcaseP("SameOrAfter", month, "false", "@2012-11-15", "Interval[@2012-12-01, @2013-12-01]"),
		lcaseP("SameOrAfter", hour, "true", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T09:59:59.999]"),
		lcaseP("SameOrAfter", hour, "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T11:59:59.999]"),
		lcase("SameOrAfter", "true", "Interval[6, 10]", "6"),
		lcase("SameOrAfter", "false", "2.5", "Interval[1.666, 2.50000001]"),
		lcase("SameOrAfter", "true", "2.5 'mg'", "Interval[1.666 'mg', 2.50000000 'mg']"),
		lcase("SameOrBefore", "null", "Interval[@2012-12-01, @2013-12-01]", "null"),
		lcaseP("SameOrBefore", month, "true", "Interval[@2012-10-01, @2012-11-01]", "@2012-11-15"),
		lcaseP("SameOrBefore", month, "false", "@2012-11-15", "Interval[@2012-10-01, @2013-12-01]"),
		lcaseP("SameOrBefore", hour, "true", "Interval[@T05:00:00.000, @T07:59:59.999]", "Interval[@T08:00:00.000, @T09:59:59.999]"),
		lcaseP("SameOrBefore", hour, "false", "Interval[@T10:00:00.000, @T19:59:59.999]", "Interval[@T08:00:00.000, @T11:59:59.999]"),
		lcase("SameOrBefore", "true", "Interval[4, 6]", "6"),
		lcase("SameOrBefore", "false", "1.6667", "Interval[1.666, 2.50000001]"),
		lcase("SameOrBefore", "true", "1.666 'mg'", "Interval[1.666 'mg', 2.50000000 'mg']"),
		lcase("SameAs", "true", "Interval[1, 5]", "Interval[1, 6)"),
		lcaseP("SameAs", day, "true", "Interval[@2012-01-01T10:00, @2012-01-05T10:00]", "Interval[@2012-01-01T12:00, @2012-01-05T23:00]"),
		lcaseP("SameAs", hour, "false", "Interval[@2012-01-01T10:00, @2012-01-05T10:00]", "Interval[@2012-01-01T12:00, @2012-01-05T23:00]"),
		lcase("SameAs", "null", "Interval[1, 5]", "null"),
	})
}

// Cases from the Collapse and Expand groups of CqlIntervalOperatorsTest.xml
// and the specification's examples.
func TestCollapseExpand(t *testing.T) {
	runLitCases(t, []litCase{
		lcase("Collapse", "{}", "{ Interval(null, null) }"),
		lcase("Collapse", "{ Interval[1, 10], Interval[12, 19] }", "{ Interval[1,5], Interval[3,7], Interval[12,19], Interval[7,10] }"),
		lcase("Collapse", "{ Interval[1, 19] }", "{ Interval[1,2], Interval[3,7], Interval[10,19], Interval[7,10] }"),
		lcase("Collapse", "{ Interval[4, 8] }", "{ Interval[4,6], Interval[7,8] }"),
		lcase("Collapse", "{ Interval[1.0, 10.0], Interval[12.0, 19.0] }", "{ Interval[1.0,5.0], Interval[3.0,7.0], Interval[12.0,19.0], Interval[7.0,10.0] }"),
		lcase("Collapse", "{ Interval[4.0, 8.0] }", "{ Interval[4.0,6.0], Interval[6.00000001,8.0] }"),
		lcase("Collapse", "{ Interval[1.0 'g', 10.0 'g'], Interval[12.0 'g', 19.0 'g'] }", "{ Interval[1.0 'g',5.0 'g'], Interval[3.0 'g',7.0 'g'], Interval[12.0 'g',19.0 'g'], Interval[7.0 'g',10.0 'g'] }"),
		lcase("Collapse", "{ Interval[@2012-01-01T, @2012-01-25T], Interval[@2012-05-10T, @2012-05-30T] }", "{ Interval[@2012-01-01T, @2012-01-15T], Interval[@2012-01-10T, @2012-01-25T], Interval[@2012-05-10T, @2012-05-25T], Interval[@2012-05-20T, @2012-05-30T] }"),
		lcase("Collapse", "{ Interval[@2012-01-01T, @2012-05-25T] }", "{ Interval[@2012-01-01T, @2012-01-15T], Interval[@2012-01-16T, @2012-05-25T] }"),
		lcase("Collapse", "{ Interval[@T01:59:59.999, @T15:59:59.999], Interval[@T17:59:59.999, @T22:59:59.999] }", "{ Interval[@T01:59:59.999, @T10:59:59.999], Interval[@T08:59:59.999, @T15:59:59.999], Interval[@T17:59:59.999, @T20:59:59.999], Interval[@T18:59:59.999, @T22:59:59.999] }"),
		lcase("Collapse", "{ Interval[@T01:59:59.999, @T15:59:59.999] }", "{ Interval[@T01:59:59.999, @T10:59:59.999], Interval[@T11:00:00.000, @T15:59:59.999] }"),
		lcase("Collapse", "{ Interval[1, 9] }", "{ Interval[1, 4], Interval[4, 8], Interval[7, 9] }"),
		lcase("Collapse", "null", "null"),
		lcase("Collapse", "{ Interval[1, 10] }", "{ null, Interval[1, 10], null }"),
		lcase("Collapse", "{ Interval[1, null) }", "{ Interval[5, null), Interval[1, 10] }"),
		lcase("Collapse", "{ Interval[1, 3], Interval[5, 6] }", "{ Interval[1, 3], Interval[5, 6] }", "1 '1'"),
		lcase("Collapse", "{ Interval[1, 6] }", "{ Interval[1, 3], Interval[5, 6] }", "2 '1'"),
		lcase("Collapse", "{ Interval[@2012-01-01T10:00, @2012-01-03T09:00] }", "{ Interval[@2012-01-01T10:00, @2012-01-01T12:00], Interval[@2012-01-02T08:00, @2012-01-03T09:00] }", "1 'day'"),

		lcase("Expand", "null", "null"),
		lcase("Expand", "{}", "{}"),
		lcase("Expand", "{}", "{ null }"),
		lcase("Expand", "{ Interval[@2018-01-01, @2018-01-01], Interval[@2018-01-02, @2018-01-02], Interval[@2018-01-03, @2018-01-03], Interval[@2018-01-04, @2018-01-04] }", "{ Interval[@2018-01-01, @2018-01-04] }", "1 'day'"),
		lcase("Expand", "{ @2018-01-01, @2018-01-02, @2018-01-03, @2018-01-04 }", "Interval[@2018-01-01, @2018-01-04]", "1 'day'"),
		lcase("Expand", "{ Interval[@2018-01-01, @2018-01-02], Interval[@2018-01-03, @2018-01-04] }", "{ Interval[@2018-01-01, @2018-01-04] }", "2 'days'"),
		lcase("Expand", "{ @2018-01-01, @2018-01-03 }", "Interval[@2018-01-01, @2018-01-04]", "2 'days'"),
		lcase("Expand", "{ Interval[@T10, @T10], Interval[@T11, @T11], Interval[@T12, @T12] }", "{ Interval[@T10:00, @T12:30] }", "1 'hour'"),
		lcase("Expand", "{ @T10, @T11, @T12 }", "Interval[@T10:00, @T12:30]", "1 'hour'"),
		lcase("Expand", "{ Interval[@T10, @T10], Interval[@T11, @T11], Interval[@T12, @T12] }", "{ Interval[@T10:00, @T12:30) }", "1 'hour'"),
		lcase("Expand", "{ @T10, @T11, @T12 }", "Interval[@T10:00, @T12:30)", "1 'hour'"),
		lcase("Expand", "{}", "{ Interval[@T10, @T10] }", "1 'minute'"),
		lcase("Expand", "{}", "Interval[@T10, @T10]", "1 'minute'"),
		lcase("Expand", "{ Interval[@2018-01-01, @2018-01-07], Interval[@2018-01-08, @2018-01-14] }", "{ Interval[@2018-01-01, @2018-01-16] }", "1 'week'"),
		lcase("Expand", "{ Interval[@2018-01, @2018-01], Interval[@2018-02, @2018-02] }", "{ Interval[@2018-01-15, @2018-02-20] }", "1 'month'"),
		lcase("Expand", "{ @2018-01-01, @2018-01-02 }", "Interval[@2018-01-01, @2018-01-02]"),
		lcase("Expand", "{ Interval[10.0, 10.0], Interval[11.0, 11.0], Interval[12.0, 12.0] }", "{ Interval[10.0, 12.5] }", "1 '1'"),
		lcase("Expand", "{ 10.0, 11.0, 12.0 }", "Interval[10.0, 12.5]", "1 '1'"),
		lcase("Expand", "{ Interval[10.0, 10.0], Interval[11.0, 11.0], Interval[12.0, 12.0] }", "{ Interval[10.0, 12.5) }", "1 '1'"),
		lcase("Expand", "{ 10.0, 11.0, 12.0 }", "Interval[10.0, 12.5)", "1 '1'"),
		lcase("Expand", "{ Interval[10.0, 10.0], Interval[10.1, 10.1], Interval[10.2, 10.2], Interval[10.3, 10.3], Interval[10.4, 10.4], Interval[10.5, 10.5], Interval[10.6, 10.6], Interval[10.7, 10.7], Interval[10.8, 10.8], Interval[10.9, 10.9] }", "{ Interval[10, 10] }", "0.1 '1'"),
		lcase("Expand", "{ 10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 10.8, 10.9 }", "Interval[10, 10]", "0.1 '1'"),
		lcase("Expand", "{ Interval[1, 1], Interval[2, 2], Interval[3, 3], Interval[4, 4], Interval[5, 5], Interval[6, 6], Interval[7, 7], Interval[8, 8], Interval[9, 9], Interval[10, 10] }", "{ Interval[1, 10] }"),
		lcase("Expand", "{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }", "Interval[1, 10]"),
		lcase("Expand", "{ Interval[1, 1], Interval[2, 2], Interval[3, 3], Interval[4, 4], Interval[5, 5], Interval[6, 6], Interval[7, 7], Interval[8, 8], Interval[9, 9] }", "{ Interval[1, 10) }"),
		lcase("Expand", "{ 1, 2, 3, 4, 5, 6, 7, 8, 9 }", "Interval[1, 10)"),
		lcase("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6], Interval[7, 8], Interval[9, 10] }", "{ Interval[1, 10] }", "2 '1'"),
		lcase("Expand", "{ 1, 3, 5, 7, 9 }", "Interval[1, 10]", "2 '1'"),
		lcase("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6], Interval[7, 8] }", "{ Interval[1, 10) }", "2 '1'"),
		lcase("Expand", "{ 1, 3, 5, 7 }", "Interval[1, 10)", "2 '1'"),
		lcase("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6] }", "{ Interval[3, 6], Interval[1, 4] }", "2 '1'"),
		lcase("Expand", "{ Interval[1, 2], Interval[3, 4], Interval[5, 6] }", "{ Interval[1, 4], Interval[4, 6] }", "2 '1'"),
		lcase("Expand", "{ Interval[1 'g', 1 'g'], Interval[2 'g', 2 'g'] }", "{ Interval[1.0 'g', 2.5 'g'] }", "1 'g'"),
		// Units have the precision of per: 1.0 is ten steps of 0.1.
		lcase("Expand", "{ Interval[1.0 'g', 1.9 'g'] }", "{ Interval[1.0 'g', 2.0 'g'] }", "1.0 'g'"),
		lcase("Expand", "{ 1.00, 1.25, 1.50, 1.75 }", "Interval[1.0, 2.0]", "0.25 '1'"),
		lcase("Expand", "{}", "{ Interval[1, null) }"),
		lcase("Expand", "{}", "{ Interval[1, null] }"),
		lcase("Expand", "error", "{ Interval[1, 10] }", "1 'day'"),
	})
}

// Semantics beyond the conformance suite: point types without a minimum
// (String), Long points, open null boundaries, precision handling.
func TestIntervalEdgeCases(t *testing.T) {
	day := value.Day
	runLitCases(t, []litCase{
		lcase("Contains", "true", "Interval['a', 'm']", "'c'"),
		lcase("Contains", "true", "Interval[null, 'm']", "'c'"),
		lcase("Contains", "false", "Interval[null, 'm']", "'x'"),
		lcase("Overlaps", "true", "Interval['a', 'm']", "Interval['k', null]"),
		lcase("Overlaps", "true", "Interval['a', 'm']", "Interval(null, 'c']"),
		lcase("Overlaps", "false", "Interval['d', 'm']", "Interval(null, 'c']"),
		lcase("Overlaps", "null", "Interval[5, 10]", "Interval[3, null)"),
		lcase("Before", "true", "Interval[null, 'b']", "Interval['c', null]"),
		lcase("Start", "null", "Interval[null, 'b']"),
		lcase("End", "5L", "Interval[1L, 5L]"),
		lcase("Width", "4L", "Interval[1L, 5L]"),
		lcase("Size", "5L", "Interval[1L, 5L]"),
		lcase("Meets", "true", "Interval[1L, 5L]", "Interval[6L, 9L]"),
		lcase("Expand", "{ 1L, 2L, 3L }", "Interval[1L, 3L]"),
		lcase("Union", "Interval(null, 10]", "Interval(null, 5]", "Interval[3, 10]"),
		// The start of the intersection is unknown (somewhere in 3..5).
		lcase("Intersect", "Interval(null, 5]", "Interval(null, 5]", "Interval[3, 10]"),
		lcase("Except", "null", "Interval(null, 5]", "Interval[3, 10]"),
		lcase("Except", "null", "Interval[1, 20]", "Interval(null, 10]"),
		lcase("Except", "Interval[11, 20]", "Interval[1, 20]", "Interval[null, 10]"),
		lcase("Includes", "null", "Interval[1, 20]", "Interval(null, 10]"),
		lcase("Includes", "false", "Interval[1, 20]", "Interval(null, 30]"),
		lcase("Before", "true", "Interval(null, 5]", "Interval[7, 10]"),
		// Seconds against milliseconds are uncertain when the seconds agree.
		lcase("In", "null", "@T12:00:00", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		lcase("In", "false", "@T11:59:59", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		lcaseP("In", value.Second, "true", "@T12:00:00", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		lcase("In", "true", "@T12:30", "Interval[@T12:00:00.001, @T13:00:00.000]"),
		// Dates compared at a coarser precision.
		lcaseP("Overlaps", value.Month, "true", "Interval[@2012-01-01, @2012-01-31]", "Interval[@2012-01-15, @2012-03-01]"),
		lcaseP("Before", day, "false", "Interval[@2012-01-01T10:00, @2012-01-31T10:00]", "Interval[@2012-01-31T23:00, @2012-03-01T00:00]"),
		lcase("Before", "true", "Interval[@2012-01-01T10:00, @2012-01-31T10:00]", "Interval[@2012-01-31T23:00, @2012-03-01T00:00]"),
		lcaseP("Starts", day, "true", "Interval[@2012-01-01T10:00, @2012-01-02T10:00]", "Interval[@2012-01-01T08:00, @2012-03-01T00:00]"),
		lcaseP("Ends", day, "true", "Interval[@2012-02-01T10:00, @2012-03-01T10:00]", "Interval[@2012-01-01T08:00, @2012-03-01T00:00]"),
		lcase("Collapse", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }"),
		lcase("Collapse", "{ Interval[1.0, 6.0] }", "{ Interval[1.0, 3.0], Interval[3.5, 6.0] }", "0.5 '1'"),
		lcase("Collapse", "{ Interval[@2012-01-01, @2012-01-10], Interval[@2012-01-12, @2012-01-20] }", "{ Interval[@2012-01-12, @2012-01-20], Interval[@2012-01-01, @2012-01-10] }"),
		lcase("Collapse", "{ Interval[@2012-01-01, @2012-01-20] }", "{ Interval[@2012-01-12, @2012-01-20], Interval[@2012-01-01, @2012-01-10] }", "2 'days'"),
		lcase("Expand", "{ Interval[1, 3], Interval[7, 9] }", "{ Interval[1, 4], Interval[6, 9] }", "3 '1'"),
		lcase("Expand", "error", "Interval[1, 10]", "0 '1'"),
		lcase("Expand", "{ @2012-01-01T10, @2012-01-01T11 }", "Interval[@2012-01-01T10:00, @2012-01-01T11:59]", "1 'h'"),
		lcase("Expand", "{ @T23 }", "Interval[@T23:00, @T23:59]", "1 'hour'"),
		lcase("Expand", "{ @T22 }", "Interval[@T22:00, @T23:59]", "2 'hours'"),
		lcase("Expand", "{ @9999-12-31 }", "Interval[@9999-12-31, @9999-12-31]"),
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
	iv := parseLit(t, "Interval[1, 1000000]")
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
	iv := parseLit(t, "Interval[1, 100000]")
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
	huge := parseLit(t, "Interval[-2000000000, 2000000000]")
	if _, err := callFitting(t, "Expand", value.Unset, huge); err == nil {
		t.Errorf("expanding 4e9 points: want an error")
	}
	// Milliseconds of a day, without a list size limit.
	ms := parseLit(t, "Interval[@2018-01-01T00:00:00.000, @2018-01-02T00:00:00.000]")
	if _, err := callFitting(t, "Expand", value.Unset, ms); err == nil {
		t.Errorf("expanding 86,400,001 milliseconds: want an error")
	}
}

// overlapIntervals is 1,000 intervals [10i, 10i+15], each overlapping
// only its neighbours: the shape of a typical query.
func overlapIntervals() []value.Value {
	ivs := make([]value.Value, 1000)
	for i := range ivs {
		ivs[i] = value.Interval{Low: value.Integer(i * 10), High: value.Integer(i*10 + 15),
			LowClosed: true, HighClosed: true, PointType: types.Integer}
	}
	return ivs
}

// Overlap tests over 1,000 intervals and their collapse give the right
// answers (their speed is BenchmarkOverlapsCollapse's).
func TestIntervalOverlapsMany(t *testing.T) {
	ivs := overlapIntervals()
	n := 0
	for _, a := range ivs[:200] {
		for _, b := range ivs {
			r, err := callFitting(t, "Overlaps", value.Unset, a, b)
			if err != nil {
				t.Fatal(err)
			}
			if r == value.Boolean(true) {
				n++
			}
		}
	}
	// Interval 0 overlaps itself and interval 1; each of 1..199 also the one before.
	if n != 2+199*3 {
		t.Errorf("%d overlaps, want %d", n, 2+199*3)
	}
	c, err := callFitting(t, "Collapse", value.Unset, value.List{Elems: ivs, ElemType: IntervalOf(types.Integer)})
	if err != nil {
		t.Fatal(err)
	}
	if got := value.Format(c); got != "{Interval[0, 10005]}" {
		t.Errorf("collapse = %s", got)
	}
}

// BenchmarkOverlapsCollapse is 200,000 overlap tests and a collapse of
// 1,000 intervals.
func BenchmarkOverlapsCollapse(b *testing.B) {
	ivs := overlapIntervals()
	for b.Loop() {
		for _, x := range ivs[:200] {
			for _, y := range ivs {
				if _, err := callFitting(b, "Overlaps", value.Unset, x, y); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := callFitting(b, "Collapse", value.Unset, value.List{Elems: ivs, ElemType: IntervalOf(types.Integer)}); err != nil {
			b.Fatal(err)
		}
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

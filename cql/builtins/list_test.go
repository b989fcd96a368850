package builtins

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Cases from CqlListOperatorsTest.xml (with the literal forms of
// DateTime(...) calls) and from the specification's examples.
func TestListOperators(t *testing.T) {
	b2Run(t, []b2Case{
		// Contains / In
		b2c("Contains", "true", "{ 'a', 'b', null }", "null"),
		b2c("Contains", "false", "{ null, 'b', 'c' }", "'a'"),
		b2c("Contains", "true", "{ 'a', 'b', 'c' }", "'a'"),
		b2c("Contains", "true", "{ @2012-10-05T, @2012-09-05T, @2012-01-01T }", "@2012-01-01T"),
		b2c("Contains", "false", "{ @2012-10-05T, @2012-09-05T, @2012-10-01T }", "@2012-01-01T"),
		b2c("Contains", "true", "{ @T15:59:59.999, @T05:59:59.999, @T20:59:59.999 }", "@T05:59:59.999"),
		b2c("Contains", "false", "{ @T15:59:59.999, @T05:59:59.999, @T20:59:59.999 }", "@T08:59:59.999"),
		b2c("Contains", "false", "null", "'a'"),
		b2c("Contains", "false", "{ 1, 3, 5, 7 }", "null"),
		b2c("In", "false", "null", "{}"),
		b2c("In", "true", "null", "{ 1, null }"),
		b2c("In", "false", "1", "null"),
		b2c("In", "true", "1", "{ 1, 2 }"),
		b2c("In", "false", "3", "{ 1, 2 }"),
		b2c("In", "true", "@2012-05-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("In", "false", "@2012-06-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("In", "true", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		b2c("In", "false", "@T16:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		b2c("In", "true", "1.0", "{ 1.00, 2.0 }"),

		// Distinct
		b2c("Distinct", "{}", "{}"),
		b2c("Distinct", "{ null }", "{ null, null, null }"),
		b2c("Distinct", "{ 'a', null }", "{ 'a', null, 'a', null }"),
		b2c("Distinct", "{ 1, 2, 3 }", "{ 1, 1, 2, 2, 3, 3 }"),
		b2c("Distinct", "{ 1, 2, 3 }", "{ 1, 2, 3, 1, 2, 3 }"),
		b2c("Distinct", "{ 'a', 'b', 'c' }", "{ 'a', 'a', 'b', 'b', 'c', 'c' }"),
		b2c("Distinct", "{ 'a', 'b', 'c' }", "{ 'a', 'b', 'c', 'a', 'b', 'c' }"),
		b2c("Distinct", "{ @2012-10-05T, @2012-01-01T }", "{ @2012-10-05T, @2012-01-01T, @2012-01-01T }"),
		b2c("Distinct", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999 }"),
		b2c("Distinct", "{ 1.0, 2.0 }", "{ 1.0, 1.00, 2.0 }"),
		b2c("Distinct", "null", "null"),

		// Except
		b2c("Except", "{}", "{}", "{}"),
		b2c("Except", "{ 1, 4 }", "{ 1, 2, 3, 4 }", "{ 2, 3 }"),
		b2c("Except", "{}", "{ 2, 3 }", "{ 1, 2, 3, 4 }"),
		b2c("Except", "{ @2012-05-10T }", "{ @2012-05-10T, @2014-12-10T, @2010-01-01T }", "{ @2014-12-10T, @2010-01-01T }"),
		b2c("Except", "{ @T15:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999 }", "{ @T20:59:59.999, @T12:59:59.999 }"),
		b2c("Except", "{ 1, 4 }", "{ 1, 4 }", "null"),
		b2c("Except", "{ 5, 7 }", "{ 1, 3, 5, 7, null }", "{ 1, 3, null }"),
		b2c("Except", "null", "null", "{ 1, 3, 5 }"),

		// Exists
		b2c("Exists", "false", "{}"),
		b2c("Exists", "false", "{ null }"),
		b2c("Exists", "true", "{ 1 }"),
		b2c("Exists", "true", "{ 1, 2 }"),
		b2c("Exists", "true", "{ @2012-05-10T, @2014-12-10T }"),
		b2c("Exists", "true", "{ @T15:59:59.999, @T20:59:59.999 }"),
		b2c("Exists", "false", "null"),

		// Flatten
		b2c("Flatten", "{}", "{ {}, {} }"),
		b2c("Flatten", "{ null, null }", "{ { null }, { null } }"),
		b2c("Flatten", "{ 1, 2, 3, 4 }", "{ { 1, 2 }, { 3, 4 } }"),
		b2c("Flatten", "{ @2012-05-10T, @2014-12-10T }", "{ { @2012-05-10T }, { @2014-12-10T } }"),
		b2c("Flatten", "{ @T15:59:59.999, @T20:59:59.999 }", "{ { @T15:59:59.999 }, { @T20:59:59.999 } }"),
		b2c("Flatten", "null", "null"),

		// First / Last
		b2c("First", "null", "{}"),
		b2c("First", "null", "{ null, 1 }"),
		b2c("First", "1", "{ 1, null }"),
		b2c("First", "1", "{ 1, 2 }"),
		b2c("First", "@2012-05-10T", "{ @2012-05-10T, @2014-12-10T }"),
		b2c("First", "@T15:59:59.999", "{ @T15:59:59.999, @T20:59:59.999 }"),
		b2c("First", "null", "null"),
		b2c("Last", "null", "{}"),
		b2c("Last", "1", "{ null, 1 }"),
		b2c("Last", "null", "{ 1, null }"),
		b2c("Last", "2", "{ 1, 2 }"),
		b2c("Last", "@2014-12-10T", "{ @2012-05-10T, @2014-12-10T }"),
		b2c("Last", "@T20:59:59.999", "{ @T15:59:59.999, @T20:59:59.999 }"),

		// Includes / IncludedIn
		b2c("Includes", "true", "{}", "{}"),
		b2c("Includes", "true", "{ null }", "{ null }"),
		b2c("Includes", "true", "{ 1, 2, 3 }", "{}"),
		b2c("Includes", "true", "{ 1, 2, 3 }", "{ 2 }"),
		b2c("Includes", "false", "{ 1, 2, 3 }", "{ 4 }"),
		b2c("Includes", "true", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T }"),
		b2c("Includes", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-11T }"),
		b2c("Includes", "true", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T15:59:59.999"),
		b2c("Includes", "false", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T16:59:59.999"),
		b2c("Includes", "null", "null", "{ 2 }"),
		b2c("Includes", "null", "{ 's', 'a', 'm' }", "null"),
		b2c("Includes", "false", "{ 1, 3 }", "{ 1, 3, 5 }"),
		b2c("IncludedIn", "true", "{}", "{}"),
		b2c("IncludedIn", "true", "{ null }", "{ null }"),
		b2c("IncludedIn", "true", "{}", "{ 1, 2, 3 }"),
		b2c("IncludedIn", "true", "{ 2 }", "{ 1, 2, 3 }"),
		b2c("IncludedIn", "false", "{ 4 }", "{ 1, 2, 3 }"),
		b2c("IncludedIn", "true", "{ @2012-05-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("IncludedIn", "false", "{ @2012-05-11T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("IncludedIn", "true", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		b2c("IncludedIn", "false", "@T16:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		b2c("IncludedIn", "null", "null", "{ 2 }"),
		b2c("IncludedIn", "null", "{ 's', 'a', 'm' }", "null"),

		// Indexer / IndexOf / Length
		b2c("Indexer", "null", "null", "1"),
		b2c("Indexer", "1", "{ 1, 2 }", "0"),
		b2c("Indexer", "2", "{ 1, 2 }", "1"),
		b2c("Indexer", "null", "{ 1, 2 }", "2"),
		b2c("Indexer", "null", "{ 1, 2 }", "-1"),
		b2c("Indexer", "null", "{ 1, 2 }", "null"),
		b2c("Indexer", "@2012-05-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "1"),
		b2c("Indexer", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "1"),
		b2c("IndexOf", "null", "{}", "null"),
		b2c("IndexOf", "null", "null", "1"),
		b2c("IndexOf", "null", "{ 1, null }", "null"),
		b2c("IndexOf", "0", "{ 1, 2 }", "1"),
		b2c("IndexOf", "1", "{ 1, 2 }", "2"),
		b2c("IndexOf", "-1", "{ 1, 2 }", "3"),
		b2c("IndexOf", "-1", "{}", "3"),
		b2c("IndexOf", "2", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "@2014-12-10T"),
		b2c("IndexOf", "1", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T15:59:59.999"),
		b2c("Length", "0", "{}"),
		b2c("Length", "2", "{ null, 1 }"),
		b2c("Length", "2", "{ 1, null }"),
		b2c("Length", "3", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("Length", "0", "null"),

		// Intersect
		b2c("Intersect", "{}", "{}", "{}"),
		b2c("Intersect", "{ 2, 3 }", "{ 1, 2, 3, 4 }", "{ 2, 3 }"),
		b2c("Intersect", "{ 2, 3 }", "{ 2, 3 }", "{ 1, 2, 3, 4 }"),
		b2c("Intersect", "{ @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T, @2014-12-10T, @2000-05-05T }"),
		b2c("Intersect", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "{ @T01:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		b2c("Intersect", "{ null, 3, 5 }", "{ null, 1, 3, 5 }", "{ null, 3, 5, 7 }"),
		b2c("Intersect", "null", "{ 1, 3, 5 }", "null"),

		// Proper containment of an element
		b2c("ProperContains", "false", "null", "'a'"),
		b2c("ProperContains", "false", "{}", "'a'"),
		b2c("ProperContains", "false", "{ 'a' }", "'a'"),
		b2c("ProperContains", "false", "{ null }", "null"),
		b2c("ProperContains", "false", "{ 's', 'u', 'n' }", "null"),
		b2c("ProperContains", "false", "{ null, null }", "null"),
		b2c("ProperContains", "true", "{ 's', 'u', 'n', null }", "null"),
		b2c("ProperContains", "true", "{ 'a', 'b' }", "'a'"),
		b2c("ProperContains", "false", "{ 'a', 'a' }", "'a'"),
		b2c("ProperContains", "false", "{ 'a', 'b' }", "'c'"),
		b2c("ProperContains", "null", "{ 'a', null }", "'a'"),
		b2c("ProperContains", "true", "{ 'a', 'b', null }", "'a'"),
		b2c("ProperContains", "true", "{ @T15:59:59, @T20:59:59.999, @T20:59:49.999 }", "@T15:59:59"),
		b2c("ProperContains", "null", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "@T15:59:59"),
		b2c("ProperIn", "false", "'a'", "null"),
		b2c("ProperIn", "false", "'a'", "{}"),
		b2c("ProperIn", "false", "'a'", "{ 'a' }"),
		b2c("ProperIn", "false", "null", "{ null }"),
		b2c("ProperIn", "false", "null", "{ 's', 'u', 'n' }"),
		b2c("ProperIn", "false", "null", "{ null, null }"),
		b2c("ProperIn", "true", "null", "{ 's', 'u', 'n', null }"),
		b2c("ProperIn", "true", "'a'", "{ 'a', 'b' }"),
		b2c("ProperIn", "false", "'a'", "{ 'a', 'a' }"),
		b2c("ProperIn", "false", "'c'", "{ 'a', 'b' }"),
		b2c("ProperIn", "null", "'a'", "{ 'a', null }"),
		b2c("ProperIn", "true", "'a'", "{ 'a', 'b', null }"),
		b2c("ProperIn", "true", "@T15:59:59", "{ @T15:59:59, @T20:59:59.999, @T20:59:49.999 }"),
		b2c("ProperIn", "null", "@T15:59:59", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),

		// Proper inclusion of lists; a null on the element side is the null element.
		b2c("ProperIncludes", "false", "{}", "{}"),
		b2c("ProperIncludes", "false", "{ null }", "{ null }"),
		b2c("ProperIncludes", "true", "{ 1, 2, 3 }", "{}"),
		b2c("ProperIncludes", "true", "{ 1, 2, 3 }", "{ 2 }"),
		b2c("ProperIncludes", "false", "{ 1, 2, 3 }", "{ 4 }"),
		b2c("ProperIncludes", "true", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T, @2014-12-10T }"),
		b2c("ProperIncludes", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("ProperIncludes", "true", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "{ @T15:59:59.999, @T20:59:59.999 }"),
		b2c("ProperIncludes", "false", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T14:59:22.999 }"),
		b2c("ProperIncludes", "null", "null", "{ 2 }"),
		b2c("ProperIncludes", "false", "{ 's', 'u', 'n' }", "null"),
		b2c("ProperIncludes", "true", "{ 's', 'u', 'n', null }", "null"),
		b2c("ProperIncludes", "true", "{ 'a', 'b' }", "'a'"),
		b2c("ProperIncludedIn", "false", "{}", "{}"),
		b2c("ProperIncludedIn", "false", "{ null }", "{ null }"),
		b2c("ProperIncludedIn", "true", "{}", "{ 1, 2, 3 }"),
		b2c("ProperIncludedIn", "true", "{ 2 }", "{ 1, 2, 3 }"),
		b2c("ProperIncludedIn", "false", "{ 4 }", "{ 1, 2, 3 }"),
		b2c("ProperIncludedIn", "true", "{ @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("ProperIncludedIn", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		b2c("ProperIncludedIn", "true", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),
		b2c("ProperIncludedIn", "false", "{ @T15:59:59.999, @T20:59:59.999, @T14:59:22.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),
		b2c("ProperIncludedIn", "null", "{ 's', 'u', 'n' }", "null"),
		b2c("ProperIncludedIn", "false", "null", "{ 's', 'u', 'n' }"),
		b2c("ProperIncludedIn", "true", "null", "{ 's', 'u', 'n', null }"),

		// SingletonFrom
		b2c("SingletonFrom", "null", "{}"),
		b2c("SingletonFrom", "null", "{ null }"),
		b2c("SingletonFrom", "1", "{ 1 }"),
		b2c("SingletonFrom", "error", "{ 1, 2 }"),
		b2c("SingletonFrom", "@2012-05-10T", "{ @2012-05-10T }"),
		b2c("SingletonFrom", "@T15:59:59.999", "{ @T15:59:59.999 }"),
		b2c("SingletonFrom", "null", "null"),

		// Skip / Tail / Take / Slice
		b2c("Skip", "null", "null", "3"),
		b2c("Skip", "{ 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "2"),
		b2c("Skip", "{ 4, 5 }", "{ 1, 2, 3, 4, 5 }", "3"),
		b2c("Skip", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "0"),
		b2c("Skip", "{}", "{ 1, 2, 3, 4, 5 }", "5"),
		b2c("Skip", "{}", "{ 1, 2, 3, 4, 5 }", "7"),
		b2c("Skip", "{ 1, 3, 5 }", "{ 1, 3, 5 }", "null"),
		b2c("Tail", "null", "null"),
		b2c("Tail", "{ 2, 3, 4 }", "{ 1, 2, 3, 4 }"),
		b2c("Tail", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }"),
		b2c("Tail", "{}", "{}"),
		b2c("Tail", "{}", "{ 1 }"),
		b2c("Take", "null", "null", "3"),
		b2c("Take", "{}", "{ 1, 2, 3 }", "null"),
		b2c("Take", "{}", "{ 1, 2, 3 }", "0"),
		b2c("Take", "{ 1, 2 }", "{ 1, 2, 3, 4 }", "2"),
		b2c("Take", "{ 1, 2, 3 }", "{ 1, 2, 3, 4 }", "3"),
		b2c("Take", "{ 1, 2, 3, 4 }", "{ 1, 2, 3, 4 }", "4"),
		b2c("Take", "{ 1, 2 }", "{ 1, 2 }", "3"),
		b2c("Slice", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }"),
		b2c("Slice", "{}", "{}"),
		b2c("Slice", "null", "null"),
		b2c("Slice", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "1"),
		b2c("Slice", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "null"),
		b2c("Slice", "{ 2, 3 }", "{ 1, 2, 3, 4, 5 }", "1", "3"),
		b2c("Slice", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "1", "null"),
		b2c("Slice", "{ 4, 5 }", "{ 1, 2, 3, 4, 5 }", "-2"),
		b2c("Slice", "{ 2, 3, 4 }", "{ 1, 2, 3, 4, 5 }", "1", "-1"),
		b2c("Slice", "{}", "{ 1, 2, 3, 4, 5 }", "5"),
		b2c("Slice", "{ 'a', 'b', 'c' }", "{ 'a', 'b', 'c' }", "-4"),
		b2c("Slice", "{}", "{ 'a', 'b', 'c' }", "4", "2"),

		// Union
		b2c("Union", "{}", "{}", "{}"),
		b2c("Union", "{ null }", "{ null }", "{ null }"),
		b2c("Union", "{ 1, 2, 3 }", "{ 1, 2, 3 }", "{}"),
		b2c("Union", "{ 1, 2, 3 }", "{ 1, 2, 3 }", "{ 2 }"),
		b2c("Union", "{ 1, 2, 3, 4 }", "{ 1, 2, 3 }", "{ 4 }"),
		b2c("Union", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T }", "{ @2012-05-10T, @2014-12-10T }"),
		b2c("Union", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999, @T10:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999 }", "{ @T10:59:59.999 }"),
		b2c("Union", "{ 4, 5 }", "null", "{ 4, 5 }"),
		b2c("Union", "{ 1, 2, 3 }", "{ 1, 2, 3, 3 }", "null"),
	})
}

func TestChildrenDescendents(t *testing.T) {
	inner := value.Tuple{Names: []string{"x", "ys"}, Values: []value.Value{value.Integer(1),
		value.List{Elems: []value.Value{value.String("a"), nil, value.String("b")}, ElemType: types.String}}}
	outer := value.Tuple{Names: []string{"i", "n", "z"}, Values: []value.Value{inner, nil, value.Boolean(true)}}
	for _, tc := range []struct {
		op   string
		arg  value.Value
		want string
	}{
		{"Children", nil, "null"},
		{"Descendents", nil, "null"},
		{"Children", value.Integer(3), "{}"},
		{"Children", outer, "{Tuple { x: 1, ys: {'a', null, 'b'} }, true}"},
		{"Descendents", outer, "{Tuple { x: 1, ys: {'a', null, 'b'} }, true, 1, 'a', 'b'}"},
		{"Descendents", value.List{Elems: []value.Value{inner, inner}}, "{1, 'a', 'b', 1, 'a', 'b'}"},
	} {
		got, err := b2Call(t, tc.op, value.Unset, tc.arg)
		if err != nil {
			t.Fatal(err)
		}
		if value.Format(got) != tc.want {
			t.Errorf("%s(%s) = %s, want %s", tc.op, value.Format(tc.arg), value.Format(got), tc.want)
		}
	}
}

// The set operators and membership must stay fast on large lists.
func TestListLargeSetOperations(t *testing.T) {
	const n = 5000
	mk := func(off int) value.List {
		es := make([]value.Value, n)
		for i := range es {
			es[i] = value.Integer(i + off)
		}
		return value.List{Elems: es, ElemType: types.Integer}
	}
	a, b := mk(0), mk(n/2)
	start := time.Now()
	u, err := b2Call(t, "Union", value.Unset, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(u.(value.List).Elems); got != n+n/2 {
		t.Errorf("union has %d elements, want %d", got, n+n/2)
	}
	x, _ := b2Call(t, "Intersect", value.Unset, a, b)
	if got := len(x.(value.List).Elems); got != n/2 {
		t.Errorf("intersect has %d elements, want %d", got, n/2)
	}
	e, _ := b2Call(t, "Except", value.Unset, a, b)
	if got := len(e.(value.List).Elems); got != n/2 {
		t.Errorf("except has %d elements, want %d", got, n/2)
	}
	in, _ := b2Call(t, "IncludedIn", value.Unset, a, b)
	if in != value.Boolean(false) {
		t.Errorf("included in = %v", in)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("set operations on %d elements took %v", n, d)
	}

	// Decimals take the general path (equality through value.Equal).
	ds := make([]value.Value, 1000)
	for i := range ds {
		ds[i] = value.MustDecimal(fmt.Sprintf("%d.5", i%500))
	}
	dl := value.List{Elems: ds, ElemType: types.Decimal}
	d, _ := b2Call(t, "Distinct", value.Unset, dl)
	if got := len(d.(value.List).Elems); got != 500 {
		t.Errorf("distinct decimals: %d elements, want 500", got)
	}
}

// Keyed (hashed) and linear set operations must agree, including on
// decimals with different scales and temporal values whose equality is
// uncertain.
func TestListKeyedMatchesLinear(t *testing.T) {
	lists := []string{
		"{ 1.0, 2.00, 3.5, 1.00, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, null, null }",
		"{ @2012-01-01T10:00, @2012-01-02T10:00, @2012-01-01T10:00, @2012-01-03T10:00, @2012-01-04T10:00, @2012-01-05T10:00, @2012-01-06T10:00, @2012-01-07T10:00, @2012-01-08T10:00, @2012-01-09T10:00 }",
		"{ @2012-01-01T10:00+01:00, @2012-01-01T09:00Z, @2012-01-01T10:00, @2012-01-03T10:00, @2012-01-04T10:00, @2012-01-05T10:00, @2012-01-06T10:00, @2012-01-07T10:00, @2012-01-08T10:00, @2012-01-09T10:00 }",
		"{ @T10:00:00, @T10:00:00.000, @T10:00:00.001, @T11:00:00, @T12:00:00, @T13:00:00, @T14:00:00, @T15:00:00, @T16:00:00, @T17:00:00 }",
		"{ @2012-01, @2012-01-01, @2012-02, @2012-03, @2012-04, @2012-05, @2012-06, @2012-07, @2012-08, @2012-09 }",
	}
	for _, src := range lists {
		l := b2Lit(t, src).(value.List)
		got := b2DistinctElems(l.Elems)
		var want []value.Value
		for _, e := range l.Elems {
			dup := false
			for _, o := range want {
				if b2ElemEq(o, e) == b2T {
					dup = true
				}
			}
			if !dup {
				want = append(want, e)
			}
		}
		if value.Format(value.List{Elems: got}) != value.Format(value.List{Elems: want}) {
			t.Errorf("distinct %s:\n got  %s\n want %s", src, value.Format(value.List{Elems: got}), value.Format(value.List{Elems: want}))
		}
		probes := append(append([]value.Value{}, l.Elems[:3]...), value.Integer(99), nil)
		s := b2NewSet(l.Elems[2:], probes)
		for i, p := range probes {
			if g, w := s.hasAt(i, p), b2ListHas(l.Elems[2:], p); g != w {
				t.Errorf("%s: membership of %s: keyed %v, linear %v", src, value.Format(p), g, w)
			}
		}
	}
}

func TestListSizeLimit(t *testing.T) {
	l := b2Lit(t, "{ { 1, 2, 3 }, { 4, 5 } }")
	o := Lookup("Flatten")[0]
	_, err := o.Fn(&Context{MaxListSize: 4}, []value.Value{l})
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a limit error", err)
	}
	c := &Context{Ctx: context.Background(), MaxListSize: 5}
	if _, err := o.Fn(c, []value.Value{l}); err != nil {
		t.Fatalf("unexpected error %v", err)
	}
}

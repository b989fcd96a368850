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
	runLitCases(t, []litCase{
		// Contains / In
		lcase("Contains", "true", "{ 'a', 'b', null }", "null"),
		lcase("Contains", "false", "{ null, 'b', 'c' }", "'a'"),
		lcase("Contains", "true", "{ 'a', 'b', 'c' }", "'a'"),
		lcase("Contains", "true", "{ @2012-10-05T, @2012-09-05T, @2012-01-01T }", "@2012-01-01T"),
		lcase("Contains", "false", "{ @2012-10-05T, @2012-09-05T, @2012-10-01T }", "@2012-01-01T"),
		lcase("Contains", "true", "{ @T15:59:59.999, @T05:59:59.999, @T20:59:59.999 }", "@T05:59:59.999"),
		lcase("Contains", "false", "{ @T15:59:59.999, @T05:59:59.999, @T20:59:59.999 }", "@T08:59:59.999"),
		lcase("Contains", "false", "null", "'a'"),
		lcase("Contains", "false", "{ 1, 3, 5, 7 }", "null"),
		lcase("In", "false", "null", "{}"),
		lcase("In", "true", "null", "{ 1, null }"),
		lcase("In", "false", "1", "null"),
		lcase("In", "true", "1", "{ 1, 2 }"),
		lcase("In", "false", "3", "{ 1, 2 }"),
		lcase("In", "true", "@2012-05-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("In", "false", "@2012-06-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("In", "true", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		lcase("In", "false", "@T16:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		lcase("In", "true", "1.0", "{ 1.00, 2.0 }"),

		// Distinct
		lcase("Distinct", "{}", "{}"),
		lcase("Distinct", "{ null }", "{ null, null, null }"),
		lcase("Distinct", "{ 'a', null }", "{ 'a', null, 'a', null }"),
		lcase("Distinct", "{ 1, 2, 3 }", "{ 1, 1, 2, 2, 3, 3 }"),
		lcase("Distinct", "{ 1, 2, 3 }", "{ 1, 2, 3, 1, 2, 3 }"),
		lcase("Distinct", "{ 'a', 'b', 'c' }", "{ 'a', 'a', 'b', 'b', 'c', 'c' }"),
		lcase("Distinct", "{ 'a', 'b', 'c' }", "{ 'a', 'b', 'c', 'a', 'b', 'c' }"),
		lcase("Distinct", "{ @2012-10-05T, @2012-01-01T }", "{ @2012-10-05T, @2012-01-01T, @2012-01-01T }"),
		lcase("Distinct", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999 }"),
		lcase("Distinct", "{ 1.0, 2.0 }", "{ 1.0, 1.00, 2.0 }"),
		lcase("Distinct", "null", "null"),

		// Except
		lcase("Except", "{}", "{}", "{}"),
		lcase("Except", "{ 1, 4 }", "{ 1, 2, 3, 4 }", "{ 2, 3 }"),
		lcase("Except", "{}", "{ 2, 3 }", "{ 1, 2, 3, 4 }"),
		lcase("Except", "{ @2012-05-10T }", "{ @2012-05-10T, @2014-12-10T, @2010-01-01T }", "{ @2014-12-10T, @2010-01-01T }"),
		lcase("Except", "{ @T15:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999 }", "{ @T20:59:59.999, @T12:59:59.999 }"),
		lcase("Except", "{ 1, 4 }", "{ 1, 4 }", "null"),
		lcase("Except", "{ 5, 7 }", "{ 1, 3, 5, 7, null }", "{ 1, 3, null }"),
		lcase("Except", "null", "null", "{ 1, 3, 5 }"),

		// Exists
		lcase("Exists", "false", "{}"),
		lcase("Exists", "false", "{ null }"),
		lcase("Exists", "true", "{ 1 }"),
		lcase("Exists", "true", "{ 1, 2 }"),
		lcase("Exists", "true", "{ @2012-05-10T, @2014-12-10T }"),
		lcase("Exists", "true", "{ @T15:59:59.999, @T20:59:59.999 }"),
		lcase("Exists", "false", "null"),

		// Flatten
		lcase("Flatten", "{}", "{ {}, {} }"),
		lcase("Flatten", "{ null, null }", "{ { null }, { null } }"),
		lcase("Flatten", "{ 1, 2, 3, 4 }", "{ { 1, 2 }, { 3, 4 } }"),
		lcase("Flatten", "{ @2012-05-10T, @2014-12-10T }", "{ { @2012-05-10T }, { @2014-12-10T } }"),
		lcase("Flatten", "{ @T15:59:59.999, @T20:59:59.999 }", "{ { @T15:59:59.999 }, { @T20:59:59.999 } }"),
		lcase("Flatten", "null", "null"),

		// First / Last
		lcase("First", "null", "{}"),
		lcase("First", "null", "{ null, 1 }"),
		lcase("First", "1", "{ 1, null }"),
		lcase("First", "1", "{ 1, 2 }"),
		lcase("First", "@2012-05-10T", "{ @2012-05-10T, @2014-12-10T }"),
		lcase("First", "@T15:59:59.999", "{ @T15:59:59.999, @T20:59:59.999 }"),
		lcase("First", "null", "null"),
		lcase("Last", "null", "{}"),
		lcase("Last", "1", "{ null, 1 }"),
		lcase("Last", "null", "{ 1, null }"),
		lcase("Last", "2", "{ 1, 2 }"),
		lcase("Last", "@2014-12-10T", "{ @2012-05-10T, @2014-12-10T }"),
		lcase("Last", "@T20:59:59.999", "{ @T15:59:59.999, @T20:59:59.999 }"),

		// Includes / IncludedIn
		lcase("Includes", "true", "{}", "{}"),
		lcase("Includes", "true", "{ null }", "{ null }"),
		lcase("Includes", "true", "{ 1, 2, 3 }", "{}"),
		lcase("Includes", "true", "{ 1, 2, 3 }", "{ 2 }"),
		lcase("Includes", "false", "{ 1, 2, 3 }", "{ 4 }"),
		lcase("Includes", "true", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T }"),
		lcase("Includes", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-11T }"),
		lcase("Includes", "true", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T15:59:59.999"),
		lcase("Includes", "false", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T16:59:59.999"),
		lcase("Includes", "null", "null", "{ 2 }"),
		lcase("Includes", "null", "{ 's', 'a', 'm' }", "null"),
		lcase("Includes", "false", "{ 1, 3 }", "{ 1, 3, 5 }"),
		lcase("IncludedIn", "true", "{}", "{}"),
		lcase("IncludedIn", "true", "{ null }", "{ null }"),
		lcase("IncludedIn", "true", "{}", "{ 1, 2, 3 }"),
		lcase("IncludedIn", "true", "{ 2 }", "{ 1, 2, 3 }"),
		lcase("IncludedIn", "false", "{ 4 }", "{ 1, 2, 3 }"),
		lcase("IncludedIn", "true", "{ @2012-05-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("IncludedIn", "false", "{ @2012-05-11T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("IncludedIn", "true", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		lcase("IncludedIn", "false", "@T16:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		lcase("IncludedIn", "null", "null", "{ 2 }"),
		lcase("IncludedIn", "null", "{ 's', 'a', 'm' }", "null"),

		// Indexer / IndexOf / Length
		lcase("Indexer", "null", "null", "1"),
		lcase("Indexer", "1", "{ 1, 2 }", "0"),
		lcase("Indexer", "2", "{ 1, 2 }", "1"),
		lcase("Indexer", "null", "{ 1, 2 }", "2"),
		lcase("Indexer", "null", "{ 1, 2 }", "-1"),
		lcase("Indexer", "null", "{ 1, 2 }", "null"),
		lcase("Indexer", "@2012-05-10T", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "1"),
		lcase("Indexer", "@T15:59:59.999", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "1"),
		lcase("IndexOf", "null", "{}", "null"),
		lcase("IndexOf", "null", "null", "1"),
		lcase("IndexOf", "null", "{ 1, null }", "null"),
		lcase("IndexOf", "0", "{ 1, 2 }", "1"),
		lcase("IndexOf", "1", "{ 1, 2 }", "2"),
		lcase("IndexOf", "-1", "{ 1, 2 }", "3"),
		lcase("IndexOf", "-1", "{}", "3"),
		lcase("IndexOf", "2", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "@2014-12-10T"),
		lcase("IndexOf", "1", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "@T15:59:59.999"),
		lcase("Length", "0", "{}"),
		lcase("Length", "2", "{ null, 1 }"),
		lcase("Length", "2", "{ 1, null }"),
		lcase("Length", "3", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("Length", "0", "null"),

		// Intersect
		lcase("Intersect", "{}", "{}", "{}"),
		lcase("Intersect", "{ 2, 3 }", "{ 1, 2, 3, 4 }", "{ 2, 3 }"),
		lcase("Intersect", "{ 2, 3 }", "{ 2, 3 }", "{ 1, 2, 3, 4 }"),
		lcase("Intersect", "{ @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T, @2014-12-10T, @2000-05-05T }"),
		lcase("Intersect", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T02:29:15.156, @T15:59:59.999, @T20:59:59.999 }", "{ @T01:29:15.156, @T15:59:59.999, @T20:59:59.999 }"),
		lcase("Intersect", "{ null, 3, 5 }", "{ null, 1, 3, 5 }", "{ null, 3, 5, 7 }"),
		lcase("Intersect", "null", "{ 1, 3, 5 }", "null"),

		// Proper containment of an element
		lcase("ProperContains", "false", "null", "'a'"),
		lcase("ProperContains", "false", "{}", "'a'"),
		lcase("ProperContains", "false", "{ 'a' }", "'a'"),
		lcase("ProperContains", "false", "{ null }", "null"),
		lcase("ProperContains", "false", "{ 's', 'u', 'n' }", "null"),
		lcase("ProperContains", "false", "{ null, null }", "null"),
		lcase("ProperContains", "true", "{ 's', 'u', 'n', null }", "null"),
		lcase("ProperContains", "true", "{ 'a', 'b' }", "'a'"),
		lcase("ProperContains", "false", "{ 'a', 'a' }", "'a'"),
		lcase("ProperContains", "false", "{ 'a', 'b' }", "'c'"),
		lcase("ProperContains", "null", "{ 'a', null }", "'a'"),
		lcase("ProperContains", "true", "{ 'a', 'b', null }", "'a'"),
		lcase("ProperContains", "true", "{ @T15:59:59, @T20:59:59.999, @T20:59:49.999 }", "@T15:59:59"),
		lcase("ProperContains", "null", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "@T15:59:59"),
		lcase("ProperIn", "false", "'a'", "null"),
		lcase("ProperIn", "false", "'a'", "{}"),
		lcase("ProperIn", "false", "'a'", "{ 'a' }"),
		lcase("ProperIn", "false", "null", "{ null }"),
		lcase("ProperIn", "false", "null", "{ 's', 'u', 'n' }"),
		lcase("ProperIn", "false", "null", "{ null, null }"),
		lcase("ProperIn", "true", "null", "{ 's', 'u', 'n', null }"),
		lcase("ProperIn", "true", "'a'", "{ 'a', 'b' }"),
		lcase("ProperIn", "false", "'a'", "{ 'a', 'a' }"),
		lcase("ProperIn", "false", "'c'", "{ 'a', 'b' }"),
		lcase("ProperIn", "null", "'a'", "{ 'a', null }"),
		lcase("ProperIn", "true", "'a'", "{ 'a', 'b', null }"),
		lcase("ProperIn", "true", "@T15:59:59", "{ @T15:59:59, @T20:59:59.999, @T20:59:49.999 }"),
		lcase("ProperIn", "null", "@T15:59:59", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),

		// Proper inclusion of lists; a null on the element side is the null element.
		lcase("ProperIncludes", "false", "{}", "{}"),
		lcase("ProperIncludes", "false", "{ null }", "{ null }"),
		lcase("ProperIncludes", "true", "{ 1, 2, 3 }", "{}"),
		lcase("ProperIncludes", "true", "{ 1, 2, 3 }", "{ 2 }"),
		lcase("ProperIncludes", "false", "{ 1, 2, 3 }", "{ 4 }"),
		lcase("ProperIncludes", "true", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2012-05-10T, @2014-12-10T }"),
		lcase("ProperIncludes", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("ProperIncludes", "true", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "{ @T15:59:59.999, @T20:59:59.999 }"),
		lcase("ProperIncludes", "false", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T14:59:22.999 }"),
		lcase("ProperIncludes", "null", "null", "{ 2 }"),
		lcase("ProperIncludes", "false", "{ 's', 'u', 'n' }", "null"),
		lcase("ProperIncludes", "true", "{ 's', 'u', 'n', null }", "null"),
		lcase("ProperIncludes", "true", "{ 'a', 'b' }", "'a'"),
		lcase("ProperIncludedIn", "false", "{}", "{}"),
		lcase("ProperIncludedIn", "false", "{ null }", "{ null }"),
		lcase("ProperIncludedIn", "true", "{}", "{ 1, 2, 3 }"),
		lcase("ProperIncludedIn", "true", "{ 2 }", "{ 1, 2, 3 }"),
		lcase("ProperIncludedIn", "false", "{ 4 }", "{ 1, 2, 3 }"),
		lcase("ProperIncludedIn", "true", "{ @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("ProperIncludedIn", "false", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }"),
		lcase("ProperIncludedIn", "true", "{ @T15:59:59.999, @T20:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),
		lcase("ProperIncludedIn", "false", "{ @T15:59:59.999, @T20:59:59.999, @T14:59:22.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T20:59:49.999 }"),
		lcase("ProperIncludedIn", "null", "{ 's', 'u', 'n' }", "null"),
		lcase("ProperIncludedIn", "false", "null", "{ 's', 'u', 'n' }"),
		lcase("ProperIncludedIn", "true", "null", "{ 's', 'u', 'n', null }"),

		// SingletonFrom
		lcase("SingletonFrom", "null", "{}"),
		lcase("SingletonFrom", "null", "{ null }"),
		lcase("SingletonFrom", "1", "{ 1 }"),
		lcase("SingletonFrom", "error", "{ 1, 2 }"),
		lcase("SingletonFrom", "@2012-05-10T", "{ @2012-05-10T }"),
		lcase("SingletonFrom", "@T15:59:59.999", "{ @T15:59:59.999 }"),
		lcase("SingletonFrom", "null", "null"),

		// Skip / Tail / Take / Slice
		lcase("Skip", "null", "null", "3"),
		lcase("Skip", "{ 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "2"),
		lcase("Skip", "{ 4, 5 }", "{ 1, 2, 3, 4, 5 }", "3"),
		lcase("Skip", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "0"),
		lcase("Skip", "{}", "{ 1, 2, 3, 4, 5 }", "5"),
		lcase("Skip", "{}", "{ 1, 2, 3, 4, 5 }", "7"),
		lcase("Skip", "{ 1, 3, 5 }", "{ 1, 3, 5 }", "null"),
		lcase("Tail", "null", "null"),
		lcase("Tail", "{ 2, 3, 4 }", "{ 1, 2, 3, 4 }"),
		lcase("Tail", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }"),
		lcase("Tail", "{}", "{}"),
		lcase("Tail", "{}", "{ 1 }"),
		lcase("Take", "null", "null", "3"),
		lcase("Take", "{}", "{ 1, 2, 3 }", "null"),
		lcase("Take", "{}", "{ 1, 2, 3 }", "0"),
		lcase("Take", "{ 1, 2 }", "{ 1, 2, 3, 4 }", "2"),
		lcase("Take", "{ 1, 2, 3 }", "{ 1, 2, 3, 4 }", "3"),
		lcase("Take", "{ 1, 2, 3, 4 }", "{ 1, 2, 3, 4 }", "4"),
		lcase("Take", "{ 1, 2 }", "{ 1, 2 }", "3"),
		lcase("Slice", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }"),
		lcase("Slice", "{}", "{}"),
		lcase("Slice", "null", "null"),
		lcase("Slice", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "1"),
		lcase("Slice", "{ 1, 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "null"),
		lcase("Slice", "{ 2, 3 }", "{ 1, 2, 3, 4, 5 }", "1", "3"),
		lcase("Slice", "{ 2, 3, 4, 5 }", "{ 1, 2, 3, 4, 5 }", "1", "null"),
		lcase("Slice", "{ 4, 5 }", "{ 1, 2, 3, 4, 5 }", "-2"),
		lcase("Slice", "{ 2, 3, 4 }", "{ 1, 2, 3, 4, 5 }", "1", "-1"),
		lcase("Slice", "{}", "{ 1, 2, 3, 4, 5 }", "5"),
		lcase("Slice", "{ 'a', 'b', 'c' }", "{ 'a', 'b', 'c' }", "-4"),
		lcase("Slice", "{}", "{ 'a', 'b', 'c' }", "4", "2"),

		// Union
		lcase("Union", "{}", "{}", "{}"),
		lcase("Union", "{ null }", "{ null }", "{ null }"),
		lcase("Union", "{ 1, 2, 3 }", "{ 1, 2, 3 }", "{}"),
		lcase("Union", "{ 1, 2, 3 }", "{ 1, 2, 3 }", "{ 2 }"),
		lcase("Union", "{ 1, 2, 3, 4 }", "{ 1, 2, 3 }", "{ 4 }"),
		lcase("Union", "{ @2001-09-11T, @2012-05-10T, @2014-12-10T }", "{ @2001-09-11T }", "{ @2012-05-10T, @2014-12-10T }"),
		lcase("Union", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999, @T10:59:59.999 }", "{ @T15:59:59.999, @T20:59:59.999, @T12:59:59.999 }", "{ @T10:59:59.999 }"),
		lcase("Union", "{ 4, 5 }", "null", "{ 4, 5 }"),
		lcase("Union", "{ 1, 2, 3 }", "{ 1, 2, 3, 3 }", "null"),
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
		got, err := callFitting(t, tc.op, value.Unset, tc.arg)
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
	u, err := callFitting(t, "Union", value.Unset, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(u.(value.List).Elems); got != n+n/2 {
		t.Errorf("union has %d elements, want %d", got, n+n/2)
	}
	x, _ := callFitting(t, "Intersect", value.Unset, a, b)
	if got := len(x.(value.List).Elems); got != n/2 {
		t.Errorf("intersect has %d elements, want %d", got, n/2)
	}
	e, _ := callFitting(t, "Except", value.Unset, a, b)
	if got := len(e.(value.List).Elems); got != n/2 {
		t.Errorf("except has %d elements, want %d", got, n/2)
	}
	in, _ := callFitting(t, "IncludedIn", value.Unset, a, b)
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
	d, _ := callFitting(t, "Distinct", value.Unset, dl)
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
		l := parseLit(t, src).(value.List)
		got, err := distinctElems(&Context{}, l.Elems)
		if err != nil {
			t.Fatal(err)
		}
		var want []value.Value
		for _, e := range l.Elems {
			dup := false
			for _, o := range want {
				if elemEq(o, e) == triTrue {
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
		s := newHashSet(l.Elems[2:], probes)
		for i, p := range probes {
			if g, w := s.hasAt(i, p), listHas(l.Elems[2:], p); g != w {
				t.Errorf("%s: membership of %s: keyed %v, linear %v", src, value.Format(p), g, w)
			}
		}
	}
}

func TestListSizeLimit(t *testing.T) {
	l := parseLit(t, "{ { 1, 2, 3 }, { 4, 5 } }")
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

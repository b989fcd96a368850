package parser

import (
	"reflect"
	"testing"

	"github.com/ccg-project/ccg/cql/ast"
)

var nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()

// reflectChildren counts the non-nil Node-valued fields (and elements of
// Node slices) of n, by reflection.
func reflectChildren(n ast.Node) int {
	v := reflect.ValueOf(n).Elem()
	count := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Slice && f.Type().Elem().Implements(nodeType):
			for j := 0; j < f.Len(); j++ {
				if !f.Index(j).IsNil() {
					count++
				}
			}
		case (f.Kind() == reflect.Interface || f.Kind() == reflect.Pointer) && f.Type().Implements(nodeType):
			if !f.IsNil() {
				count++
			}
		}
	}
	return count
}

// TestChildrenComplete checks that ast.Children returns every child node,
// for every kind of node found in the test libraries and the conformance
// expressions.
func TestChildrenComplete(t *testing.T) {
	srcs := []string{readBench(t)}
	for _, tc := range loadConformance(t) {
		srcs = append(srcs, "define X: "+tc.Expression)
	}
	seen := map[string]bool{}
	for _, src := range srcs {
		lib, errs := Parse("t", src)
		if len(errs) > 0 {
			continue
		}
		ast.Inspect(lib, func(n ast.Node) bool {
			name := reflect.TypeOf(n).Elem().Name()
			seen[name] = true
			if got, want := len(ast.Children(n)), reflectChildren(n); got != want {
				t.Errorf("%s: Children returns %d nodes, it has %d", name, got, want)
			}
			return true
		})
	}
	// Every node type of the package should have been exercised.
	for _, name := range []string{"Library", "LibraryIdentifier", "UsingDef", "IncludeDef", "CodeSystemDef",
		"ValueSetDef", "CodeSystemRef", "CodeDef", "CodeRef", "ConceptDef", "ParameterDef", "ContextDef",
		"ExpressionDef", "OperandDef", "FunctionDef", "NamedTypeSpec", "ListTypeSpec", "IntervalTypeSpec",
		"TupleElementSpec", "TupleTypeSpec", "ChoiceTypeSpec", "NullLiteral", "BooleanLiteral", "StringLiteral",
		"NumberLiteral", "LongNumberLiteral", "DateLiteral", "DateTimeLiteral", "TimeLiteral", "Quantity",
		"QuantityLiteral", "RatioLiteral", "IdentifierRef", "MemberAccess", "FunctionCall", "Indexer",
		"UnaryExpr", "BinaryExpr", "BetweenExpr", "ComponentFrom", "DurationOf", "DurationBetween",
		"TypeExtent", "SetAggregate", "IsExpr", "AsExpr", "ConvertExpr", "BooleanTest", "QuantityOffset",
		"TimingExpr", "IfExpr", "CaseItem", "CaseExpr", "ListSelector", "IntervalSelector", "TupleElement",
		"TupleSelector", "InstanceSelector", "CodeSelector", "ConceptSelector", "Retrieve", "AliasedSource",
		"LetClause", "Relationship", "ReturnClause", "AggregateClause", "SortItem", "SortClause", "Query"} {
		if !seen[name] {
			t.Errorf("no %s in the test inputs", name)
		}
	}
}

package ast

import "testing"

func TestPrintHandBuilt(t *testing.T) {
	num := func(s string) Expr { return &NumberLiteral{Text: s} }
	ref := func(s string) Expr { return &IdentifierRef{Name: s} }
	tests := []struct {
		node Node
		want string
	}{
		{&BinaryExpr{Op: OpAdd, Left: num("1"), Right: &BinaryExpr{Op: OpMultiply, Left: num("2"), Right: num("3")}}, `1 + (2 * 3)`},
		{&UnaryExpr{Op: OpNegate, Operand: num("2147483648")}, `-2147483648`},
		{&UnaryExpr{Op: OpNot, Operand: &BooleanLiteral{Value: true}}, `not true`},
		{&StringLiteral{Value: "it's\n\\"}, `'it\'s\n\\'`},
		{ref(`a "b"`), `"a \"b\""`},
		{&FunctionCall{Source: ref("L"), LibraryQualifier: "L", Name: "f", Args: []Expr{num("1")}}, `"L"."f"(1)`},
		{&FunctionCall{Source: ref("x"), Name: "f"}, `("x")."f"()`},
		{&QuantityLiteral{Quantity: &Quantity{Number: "5", Unit: "mg"}}, `5 'mg'`},
		{&QuantityLiteral{Quantity: &Quantity{Number: "3", Unit: "days", Calendar: true}}, `3 days`},
		{&IntervalSelector{LowClosed: true, Low: num("1"), High: num("2")}, `Interval[1, 2)`},
		{&TupleSelector{}, `Tuple { : }`},
		{&TimingExpr{Op: TimingBefore, Left: ref("A"), Right: ref("B"), LeftBoundary: BoundaryStart, OrOn: true,
			Offset: &QuantityOffset{Quantity: &Quantity{Number: "1", Unit: "day", Calendar: true}, Kind: OffsetLessThan}},
			`"A" starts less than 1 day on or before "B"`},
		{&TimingExpr{Op: TimingSameOrAfter, Left: ref("A"), Right: ref("B"), Precision: "day", RightBoundary: BoundaryEnd},
			`"A" same day or after end "B"`},
		{&DurationBetween{Precision: "year", Left: ref("a"), Right: ref("b"), Difference: true}, `difference in years between "a" and "b"`},
		{&ListTypeSpec{Elem: &NamedTypeSpec{Qualifiers: []string{"FHIR"}, Name: "Observation"}}, `List<"FHIR"."Observation">`},
		{&Retrieve{Type: &NamedTypeSpec{Name: "Condition"}, CodePath: "code", CodeComparator: "in", Codes: ref("VS")}, `["Condition": code in "VS"]`},
	}
	for _, tc := range tests {
		if got := Print(tc.node); got != tc.want {
			t.Errorf("Print = %s, want %s", got, tc.want)
		}
	}
}

func TestNumberLiteralIsDecimal(t *testing.T) {
	for text, want := range map[string]bool{"1": false, "1.0": true, "0.5": true, "123": false} {
		if got := (&NumberLiteral{Text: text}).IsDecimal(); got != want {
			t.Errorf("%s: IsDecimal = %v", text, got)
		}
	}
}

func TestInspectOrder(t *testing.T) {
	e := &BinaryExpr{Op: OpAdd, Left: &IdentifierRef{Name: "a"},
		Right: &UnaryExpr{Op: OpNegate, Operand: &IdentifierRef{Name: "b"}}}
	var names []string
	Inspect(e, func(n Node) bool {
		if r, ok := n.(*IdentifierRef); ok {
			names = append(names, r.Name)
		}
		_, isUnary := n.(*UnaryExpr)
		return !isUnary // do not descend into the negation
	})
	if len(names) != 1 || names[0] != "a" {
		t.Errorf("visited %v, want [a]", names)
	}
}

package parser

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ccg-project/ccg/cql/ast"
)

func TestExpressionShapes(t *testing.T) {
	tests := []struct{ src, want string }{
		// precedence and associativity
		{`1 + 2 * 3`, `(BinaryExpr Op=+ Left=(NumberLiteral Text="1") Right=(BinaryExpr Op=* Left=(NumberLiteral Text="2") Right=(NumberLiteral Text="3")))`},
		{`a div b mod c`, `(BinaryExpr Op=mod Left=(BinaryExpr Op=div Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b")) Right=(IdentifierRef Name="c"))`},
		{`a - -b`, `(BinaryExpr Op=- Left=(IdentifierRef Name="a") Right=(UnaryExpr Op=negate Operand=(IdentifierRef Name="b")))`},
		{`a & b`, `(BinaryExpr Op=& Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b"))`},
		{`not true = false`, `(BinaryExpr Op== Left=(UnaryExpr Op=not Operand=(BooleanLiteral Value=true)) Right=(BooleanLiteral))`},
		{`A or B xor C and D implies E`, `(BinaryExpr Op=implies Left=(BinaryExpr Op=xor Left=(BinaryExpr Op=or Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B")) Right=(BinaryExpr Op=and Left=(IdentifierRef Name="C") Right=(IdentifierRef Name="D"))) Right=(IdentifierRef Name="E"))`},
		{`{1} union {2} = {3}`, `(BinaryExpr Op=union Left=(ListSelector Elems=[(NumberLiteral Text="1")]) Right=(BinaryExpr Op== Left=(ListSelector Elems=[(NumberLiteral Text="2")]) Right=(ListSelector Elems=[(NumberLiteral Text="3")])))`},
		{`a | b`, `(BinaryExpr Op=union Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b"))`},
		{`a != b`, `(BinaryExpr Op=!= Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b"))`},
		{`a !~ b`, `(BinaryExpr Op=!~ Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b"))`},
		{`a <= b`, `(BinaryExpr Op=<= Left=(IdentifierRef Name="a") Right=(IdentifierRef Name="b"))`},
		{`X in day of Y`, `(BinaryExpr Op=in Left=(IdentifierRef Name="X") Right=(IdentifierRef Name="Y") Precision="day")`},
		{`L contains 3`, `(BinaryExpr Op=contains Left=(IdentifierRef Name="L") Right=(NumberLiteral Text="3"))`},
		{`if a then b else c + 1`, `(IfExpr Cond=(IdentifierRef Name="a") Then=(IdentifierRef Name="b") Else=(BinaryExpr Op=+ Left=(IdentifierRef Name="c") Right=(NumberLiteral Text="1")))`},
		{`case when a then 1 else 2 end`, `(CaseExpr Items=[(CaseItem When=(IdentifierRef Name="a") Then=(NumberLiteral Text="1"))] Else=(NumberLiteral Text="2"))`},
		{`case x when 1 then 'a' when 2 then 'b' else null end`, `(CaseExpr Comparand=(IdentifierRef Name="x") Items=[(CaseItem When=(NumberLiteral Text="1") Then=(StringLiteral Value="a")) (CaseItem When=(NumberLiteral Text="2") Then=(StringLiteral Value="b"))] Else=(NullLiteral))`},

		// literals
		{`1.50`, `(NumberLiteral Text="1.50")`},
		{`1L`, `(LongNumberLiteral Text="1")`},
		{`-2147483648`, `(UnaryExpr Op=negate Operand=(NumberLiteral Text="2147483648"))`},
		{`+5`, `(UnaryExpr Op=plus Operand=(NumberLiteral Text="5"))`},
		{`'it\'s\n\u0041'`, `(StringLiteral Value="it's\nA")`},
		{`@2012-01-01`, `(DateLiteral Text="2012-01-01")`},
		{`@2012-01-01T`, `(DateTimeLiteral Text="2012-01-01T")`},
		{`@2012-01-01T10:00:00.000Z`, `(DateTimeLiteral Text="2012-01-01T10:00:00.000Z")`},
		{`@2012-01-01T10:00-05:00 + 1 day`, `(BinaryExpr Op=+ Left=(DateTimeLiteral Text="2012-01-01T10:00-05:00") Right=(QuantityLiteral Quantity=(Quantity Number="1" Unit="day" Calendar=true)))`},
		{`@T10:00:00.000`, `(TimeLiteral Text="10:00:00.000")`},
		{`5 'mg'`, `(QuantityLiteral Quantity=(Quantity Number="5" Unit="mg"))`},
		{`3 years`, `(QuantityLiteral Quantity=(Quantity Number="3" Unit="years" Calendar=true))`},
		{`5 'mg':10 'mL'`, `(RatioLiteral Numerator=(Quantity Number="5" Unit="mg") Denominator=(Quantity Number="10" Unit="mL"))`},
		{`1:128`, `(RatioLiteral Numerator=(Quantity Number="1") Denominator=(Quantity Number="128"))`},
		{`null`, `(NullLiteral)`},

		// names, members, calls
		{`"Measurement Period"`, `(IdentifierRef Name="Measurement Period")`},
		{"`x y`", `(IdentifierRef Name="x y")`},
		{`Lib."Def"`, `(MemberAccess Source=(IdentifierRef Name="Lib") Name="Def")`},
		{`a.b[0].c`, `(MemberAccess Source=(Indexer Source=(MemberAccess Source=(IdentifierRef Name="a") Name="b") Index=(NumberLiteral Text="0")) Name="c")`},
		{`Foo.bar(1)`, `(FunctionCall Source=(IdentifierRef Name="Foo") LibraryQualifier="Foo" Name="bar" Args=[(NumberLiteral Text="1")])`},
		{`(Foo).bar(1)`, `(FunctionCall Source=(IdentifierRef Name="Foo") Name="bar" Args=[(NumberLiteral Text="1")])`},
		{`X.a.exists()`, `(FunctionCall Source=(MemberAccess Source=(IdentifierRef Name="X") Name="a") Name="exists")`},
		{`Date(2012, 1)`, `(FunctionCall Name="Date" Args=[(NumberLiteral Text="2012") (NumberLiteral Text="1")])`},
		{`Message(1, true, 'c', 'Error', 'm')`, `(FunctionCall Name="Message" Args=[(NumberLiteral Text="1") (BooleanLiteral Value=true) (StringLiteral Value="c") (StringLiteral Value="Error") (StringLiteral Value="m")])`},
		{`Now()`, `(FunctionCall Name="Now")`},
		{`$this.a`, `(MemberAccess Source=(SpecialRef Name="this") Name="a")`},
		{`%ctx`, `(ExternalConstant Name="ctx")`},
		{`P.period.start`, `(MemberAccess Source=(MemberAccess Source=(IdentifierRef Name="P") Name="period") Name="start")`},

		// unary forms
		{`exists X`, `(UnaryExpr Op=exists Operand=(IdentifierRef Name="X"))`},
		{`distinct {1} = {1}`, `(UnaryExpr Op=distinct Operand=(BinaryExpr Op== Left=(ListSelector Elems=[(NumberLiteral Text="1")]) Right=(ListSelector Elems=[(NumberLiteral Text="1")])))`},
		{`flatten X`, `(UnaryExpr Op=flatten Operand=(IdentifierRef Name="X"))`},
		{`singleton from X`, `(UnaryExpr Op=singleton from Operand=(IdentifierRef Name="X"))`},
		{`predecessor of 1`, `(UnaryExpr Op=predecessor of Operand=(NumberLiteral Text="1"))`},
		{`successor of 1`, `(UnaryExpr Op=successor of Operand=(NumberLiteral Text="1"))`},
		{`start of X`, `(UnaryExpr Op=start of Operand=(IdentifierRef Name="X"))`},
		{`end of X`, `(UnaryExpr Op=end of Operand=(IdentifierRef Name="X"))`},
		{`width of X`, `(UnaryExpr Op=width of Operand=(IdentifierRef Name="X"))`},
		{`size of X`, `(UnaryExpr Op=size of Operand=(IdentifierRef Name="X"))`},
		{`point from X`, `(UnaryExpr Op=point from Operand=(IdentifierRef Name="X"))`},
		{`minimum Integer`, `(TypeExtent Type=(NamedTypeSpec Name="Integer"))`},
		{`maximum System.DateTime`, `(TypeExtent Max=true Type=(NamedTypeSpec Qualifiers=["System"] Name="DateTime"))`},
		{`year from X`, `(ComponentFrom Component="year" Operand=(IdentifierRef Name="X"))`},
		{`date from X`, `(ComponentFrom Component="date" Operand=(IdentifierRef Name="X"))`},
		{`timezoneoffset from X`, `(ComponentFrom Component="timezoneoffset" Operand=(IdentifierRef Name="X"))`},
		{`duration in days of X`, `(DurationOf Precision="day" Operand=(IdentifierRef Name="X"))`},
		{`difference in days of X`, `(DurationOf Precision="day" Operand=(IdentifierRef Name="X") Difference=true)`},
		{`years between A and B`, `(DurationBetween Precision="year" Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B"))`},
		{`duration in months between A and B`, `(DurationBetween Precision="month" Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B"))`},
		{`difference in hours between A and B`, `(DurationBetween Precision="hour" Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Difference=true)`},
		{`collapse X per day`, `(SetAggregate Kind=collapse Operand=(IdentifierRef Name="X") PerPrecision="day")`},
		{`expand X per 2 days`, `(SetAggregate Kind=expand Operand=(IdentifierRef Name="X") Per=(QuantityLiteral Quantity=(Quantity Number="2" Unit="days" Calendar=true)))`},
		{`expand X`, `(SetAggregate Kind=expand Operand=(IdentifierRef Name="X"))`},

		// type operators and tests
		{`X is not null`, `(BooleanTest Operand=(IdentifierRef Name="X") Kind=null Not=true)`},
		{`X is false`, `(BooleanTest Operand=(IdentifierRef Name="X") Kind=false)`},
		{`X is Integer`, `(IsExpr Operand=(IdentifierRef Name="X") Type=(NamedTypeSpec Name="Integer"))`},
		{`X as FHIR.Observation`, `(AsExpr Operand=(IdentifierRef Name="X") Type=(NamedTypeSpec Qualifiers=["FHIR"] Name="Observation"))`},
		{`cast x as Integer`, `(AsExpr Operand=(IdentifierRef Name="x") Type=(NamedTypeSpec Name="Integer") Strict=true)`},
		{`(null as List<Interval<DateTime>>)`, `(AsExpr Operand=(NullLiteral) Type=(ListTypeSpec Elem=(IntervalTypeSpec Point=(NamedTypeSpec Name="DateTime"))))`},
		{`X as Choice<Integer, String>`, `(AsExpr Operand=(IdentifierRef Name="X") Type=(ChoiceTypeSpec Options=[(NamedTypeSpec Name="Integer") (NamedTypeSpec Name="String")]))`},
		{`X is Tuple { a Integer }`, `(IsExpr Operand=(IdentifierRef Name="X") Type=(TupleTypeSpec Elements=[(TupleElementSpec Name="a" Type=(NamedTypeSpec Name="Integer"))]))`},
		{`convert 5 'mg' to 'g'`, `(ConvertExpr Operand=(QuantityLiteral Quantity=(Quantity Number="5" Unit="mg")) ToUnit="g")`},
		{`convert '1' to Integer`, `(ConvertExpr Operand=(StringLiteral Value="1") ToType=(NamedTypeSpec Name="Integer"))`},
		{`X properly between 1 and 5`, `(BetweenExpr Operand=(IdentifierRef Name="X") Low=(NumberLiteral Text="1") High=(NumberLiteral Text="5") Properly=true)`},

		// selectors
		{`Interval(1, 5]`, `(IntervalSelector HighClosed=true Low=(NumberLiteral Text="1") High=(NumberLiteral Text="5"))`},
		{`Interval[null, null)`, `(IntervalSelector LowClosed=true Low=(NullLiteral) High=(NullLiteral))`},
		{`List<Integer>{}`, `(ListSelector ElemType=(NamedTypeSpec Name="Integer"))`},
		{`{}`, `(ListSelector)`},
		{`{:}`, `(TupleSelector)`},
		{`Tuple{code: 1, display: 2}`, `(TupleSelector Elems=[(TupleElement Name="code" Value=(NumberLiteral Text="1")) (TupleElement Name="display" Value=(NumberLiteral Text="2"))])`},
		{`{ a: 1 }.a`, `(MemberAccess Source=(TupleSelector Elems=[(TupleElement Name="a" Value=(NumberLiteral Text="1"))]) Name="a")`},
		{`Code { code: '1' }`, `(InstanceSelector Type=(NamedTypeSpec Name="Code") Elems=[(TupleElement Name="code" Value=(StringLiteral Value="1"))])`},
		{`Interval { low: 1, highClosed: false }`, `(InstanceSelector Type=(NamedTypeSpec Name="Interval") Elems=[(TupleElement Name="low" Value=(NumberLiteral Text="1")) (TupleElement Name="highClosed" Value=(BooleanLiteral))])`},
		{`System.Interval { high: 2 }`, `(InstanceSelector Type=(NamedTypeSpec Qualifiers=["System"] Name="Interval") Elems=[(TupleElement Name="high" Value=(NumberLiteral Text="2"))])`},
		{`Quantity { value: 5, unit: 'g' }`, `(InstanceSelector Type=(NamedTypeSpec Name="Quantity") Elems=[(TupleElement Name="value" Value=(NumberLiteral Text="5")) (TupleElement Name="unit" Value=(StringLiteral Value="g"))])`},
		{`Code 'x' from "S" display 'd'`, `(CodeSelector Code="x" System=(CodeSystemRef Name="S") Display="d")`},
		{`Code 'x' from L."S"`, `(CodeSelector Code="x" System=(CodeSystemRef Library="L" Name="S"))`},
		{`Concept { Code 'a' from "S" } display 'x'`, `(ConceptSelector Codes=[(CodeSelector Code="a" System=(CodeSystemRef Name="S"))] Display="x")`},

		// timing phrases
		{`X same day or after Y`, `(TimingExpr Left=(IdentifierRef Name="X") Right=(IdentifierRef Name="Y") Op=same or after Precision="day")`},
		{`X same as Y`, `(TimingExpr Left=(IdentifierRef Name="X") Right=(IdentifierRef Name="Y") Op=same as)`},
		{`X starts same day as start Y`, `(TimingExpr Left=(IdentifierRef Name="X") Right=(IdentifierRef Name="Y") Op=same as LeftBoundary=start RightBoundary=start Precision="day")`},
		{`A starts 3 days or less before start of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(UnaryExpr Op=start of Operand=(IdentifierRef Name="B")) Op=before LeftBoundary=start Offset=(QuantityOffset Quantity=(Quantity Number="3" Unit="days" Calendar=true) Kind=or less))`},
		{`A ends 1 day or more before end B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=before LeftBoundary=end RightBoundary=end Offset=(QuantityOffset Quantity=(Quantity Number="1" Unit="day" Calendar=true) Kind=or more))`},
		{`A less than 3 days after B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=after Offset=(QuantityOffset Quantity=(Quantity Number="3" Unit="days" Calendar=true) Kind=less than))`},
		{`A more than 3 days after B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=after Offset=(QuantityOffset Quantity=(Quantity Number="3" Unit="days" Calendar=true) Kind=more than))`},
		{`A 3 days before B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=before Offset=(QuantityOffset Quantity=(Quantity Number="3" Unit="days" Calendar=true) Kind=exact))`},
		{`X occurs 1 day after Y`, `(TimingExpr Left=(IdentifierRef Name="X") Right=(IdentifierRef Name="Y") Op=after Offset=(QuantityOffset Quantity=(Quantity Number="1" Unit="day" Calendar=true) Kind=exact))`},
		{`A on or after month of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=after Precision="month" OrOn=true)`},
		{`A before or on B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=before OrOn=true)`},
		{`A ends within 3 days of end B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=within LeftBoundary=end RightBoundary=end Within=(Quantity Number="3" Unit="days" Calendar=true))`},
		{`A properly within 1 day of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=within Properly=true Within=(Quantity Number="1" Unit="day" Calendar=true))`},
		{`A properly included in day of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=included in Precision="day" Properly=true)`},
		{`A starts during B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=included in LeftBoundary=start During=true)`},
		{`A includes start B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=includes RightBoundary=start)`},
		{`A properly includes day of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=includes Precision="day" Properly=true)`},
		{`A meets after B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=meets after)`},
		{`A meets B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=meets)`},
		{`A overlaps before day of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=overlaps before Precision="day")`},
		{`A starts B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=starts)`},
		{`A ends day of B`, `(TimingExpr Left=(IdentifierRef Name="A") Right=(IdentifierRef Name="B") Op=ends Precision="day")`},

		// retrieve and queries
		{`[Condition]`, `(Retrieve Type=(NamedTypeSpec Name="Condition"))`},
		{`[Condition: "VS"]`, `(Retrieve Type=(NamedTypeSpec Name="Condition") Codes=(IdentifierRef Name="VS"))`},
		{`[FHIR.Condition: code in "VS"]`, `(Retrieve Type=(NamedTypeSpec Qualifiers=["FHIR"] Name="Condition") CodePath="code" CodeComparator="in" Codes=(IdentifierRef Name="VS"))`},
		{`[Condition: code ~ Code '1' from "S"]`, `(Retrieve Type=(NamedTypeSpec Name="Condition") CodePath="code" CodeComparator="~" Codes=(CodeSelector Code="1" System=(CodeSystemRef Name="S")))`},
		{`[Patient -> Condition]`, `(Retrieve Context=(IdentifierRef Name="Patient") Type=(NamedTypeSpec Name="Condition"))`},
		{`[MedicationRequest: medication.code in "VS"]`, `(Retrieve Type=(NamedTypeSpec Name="MedicationRequest") CodePath="medication.code" CodeComparator="in" Codes=(IdentifierRef Name="VS"))`},
		{`[Encounter] E where E.period during "MP" return E.id`, `(Query Sources=[(AliasedSource Expr=(Retrieve Type=(NamedTypeSpec Name="Encounter")) Alias="E")] Where=(TimingExpr Left=(MemberAccess Source=(IdentifierRef Name="E") Name="period") Right=(IdentifierRef Name="MP") Op=included in During=true) Return=(ReturnClause Expr=(MemberAccess Source=(IdentifierRef Name="E") Name="id")))`},
		{`from [A] a, [B] b where a.x = b.y sort by x desc`, `(Query Sources=[(AliasedSource Expr=(Retrieve Type=(NamedTypeSpec Name="A")) Alias="a") (AliasedSource Expr=(Retrieve Type=(NamedTypeSpec Name="B")) Alias="b")] Where=(BinaryExpr Op== Left=(MemberAccess Source=(IdentifierRef Name="a") Name="x") Right=(MemberAccess Source=(IdentifierRef Name="b") Name="y")) Sort=(SortClause Items=[(SortItem Expr=(IdentifierRef Name="x") Desc=true)]))`},
		{`({1,2,3}) N aggregate distinct R starting 0: R + N`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="1") (NumberLiteral Text="2") (NumberLiteral Text="3")]) Alias="N")] Aggregate=(AggregateClause Distinct=true Name="R" Starting=(NumberLiteral Text="0") Expr=(BinaryExpr Op=+ Left=(IdentifierRef Name="R") Right=(IdentifierRef Name="N"))))`},
		{`({1}) N aggregate R starting (null as Integer): N`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="1")]) Alias="N")] Aggregate=(AggregateClause Name="R" Starting=(AsExpr Operand=(NullLiteral) Type=(NamedTypeSpec Name="Integer")) Expr=(IdentifierRef Name="N")))`},
		{`({1}) A let b: A + 1, c: 2 with ({2}) B such that B = A without [X] Y such that true where A > 0 return distinct A`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="1")]) Alias="A")] Lets=[(LetClause Name="b" Expr=(BinaryExpr Op=+ Left=(IdentifierRef Name="A") Right=(NumberLiteral Text="1"))) (LetClause Name="c" Expr=(NumberLiteral Text="2"))] Relationships=[(Relationship Source=(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="2")]) Alias="B") SuchThat=(BinaryExpr Op== Left=(IdentifierRef Name="B") Right=(IdentifierRef Name="A"))) (Relationship Without=true Source=(AliasedSource Expr=(Retrieve Type=(NamedTypeSpec Name="X")) Alias="Y") SuchThat=(BooleanLiteral Value=true))] Where=(BinaryExpr Op=> Left=(IdentifierRef Name="A") Right=(NumberLiteral Text="0")) Return=(ReturnClause Distinct=true Expr=(IdentifierRef Name="A")))`},
		{`({3,1}) A sort asc`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="3") (NumberLiteral Text="1")]) Alias="A")] Sort=(SortClause Items=[(SortItem)]))`},
		{`({3,1}) A sort descending`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="3") (NumberLiteral Text="1")]) Alias="A")] Sort=(SortClause Items=[(SortItem Desc=true)]))`},
		{`({3,1}) A return all A`, `(Query Sources=[(AliasedSource Expr=(ListSelector Elems=[(NumberLiteral Text="3") (NumberLiteral Text="1")]) Alias="A")] Return=(ReturnClause All=true Expr=(IdentifierRef Name="A")))`},
		{`Lib.Obs O where O.status = 'final' sort by date descending`, `(Query Sources=[(AliasedSource Expr=(MemberAccess Source=(IdentifierRef Name="Lib") Name="Obs") Alias="O")] Where=(BinaryExpr Op== Left=(MemberAccess Source=(IdentifierRef Name="O") Name="status") Right=(StringLiteral Value="final")) Sort=(SortClause Items=[(SortItem Expr=(IdentifierRef Name="date") Desc=true)]))`},
	}
	for _, tc := range tests {
		e, errs := ParseExpression(tc.src)
		if len(errs) > 0 {
			t.Errorf("%s: unexpected errors %v", tc.src, errs)
			continue
		}
		if got := dump(e); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func pos(l, c int) ast.Pos { return ast.Pos{Line: l, Col: c} }
func span(l1, c1, l2, c2 int) ast.Span {
	return ast.Span{Start: pos(l1, c1), End: pos(l2, c2)}
}

func TestLibraryWithPositions(t *testing.T) {
	src := `library Test version '1.0'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1' called FH
codesystem "LOINC": 'http://loinc.org'
valueset "VS": 'urn:oid:1' codesystems { "LOINC" }
code "C": '123' from "LOINC" display 'x'
concept "K": { "C" } display 'k'
parameter "MP" Interval<DateTime>
context Patient
define "A": 1 + 2
define private fluent function F(x Integer) returns Integer:
  x * 2
define function G(): external
`
	lib, errs := Parse("test.cql", src)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := &ast.Library{
		Span:        span(1, 1, 14, 1),
		Name:        "test.cql",
		Source:      src,
		Identifier:  &ast.LibraryIdentifier{Span: span(1, 1, 1, 27), Name: "Test", Version: "1.0"},
		Usings:      []*ast.UsingDef{{Span: span(2, 1, 2, 27), Model: "FHIR", Version: "4.0.1"}},
		Includes:    []*ast.IncludeDef{{Span: span(3, 1, 3, 46), Name: "FHIRHelpers", Version: "4.0.1", Alias: "FH"}},
		CodeSystems: []*ast.CodeSystemDef{{Span: span(4, 1, 4, 39), Name: "LOINC", ID: "http://loinc.org"}},
		ValueSets: []*ast.ValueSetDef{{Span: span(5, 1, 5, 51), Name: "VS", ID: "urn:oid:1",
			CodeSystems: []*ast.CodeSystemRef{{Span: span(5, 42, 5, 49), Name: "LOINC"}}}},
		Codes: []*ast.CodeDef{{Span: span(6, 1, 6, 41), Name: "C", Code: "123",
			System: &ast.CodeSystemRef{Span: span(6, 22, 6, 29), Name: "LOINC"}, Display: "x"}},
		Concepts: []*ast.ConceptDef{{Span: span(7, 1, 7, 33), Name: "K",
			Codes: []*ast.CodeRef{{Span: span(7, 16, 7, 19), Name: "C"}}, Display: "k"}},
		Parameters: []*ast.ParameterDef{{Span: span(8, 1, 8, 34), Name: "MP",
			Type: &ast.IntervalTypeSpec{Span: span(8, 16, 8, 34), Point: &ast.NamedTypeSpec{Span: span(8, 25, 8, 33), Name: "DateTime"}}}},
		Contexts: []*ast.ContextDef{{Span: span(9, 1, 9, 16), Name: "Patient"}},
		Statements: []ast.Statement{
			&ast.ExpressionDef{Span: span(10, 1, 10, 18), Context: "Patient", Name: "A",
				Expr: &ast.BinaryExpr{Span: span(10, 13, 10, 18), Op: ast.OpAdd,
					Left:  &ast.NumberLiteral{Span: span(10, 13, 10, 14), Text: "1"},
					Right: &ast.NumberLiteral{Span: span(10, 17, 10, 18), Text: "2"}}},
			&ast.FunctionDef{Span: span(11, 1, 12, 8), Access: ast.Private, Context: "Patient", Fluent: true, Name: "F",
				Operands:   []*ast.OperandDef{{Span: span(11, 34, 11, 43), Name: "x", Type: &ast.NamedTypeSpec{Span: span(11, 36, 11, 43), Name: "Integer"}}},
				ReturnType: &ast.NamedTypeSpec{Span: span(11, 53, 11, 60), Name: "Integer"},
				Body: &ast.BinaryExpr{Span: span(12, 3, 12, 8), Op: ast.OpMultiply,
					Left:  &ast.IdentifierRef{Span: span(12, 3, 12, 4), Name: "x"},
					Right: &ast.NumberLiteral{Span: span(12, 7, 12, 8), Text: "2"}}},
			&ast.FunctionDef{Span: span(13, 1, 13, 30), Context: "Patient", Name: "G", External: true},
		},
	}
	if diff := cmp.Diff(want, lib); diff != "" {
		t.Errorf("library mismatch (-want +got):\n%s", diff)
	}
}

func TestSpansAcrossLines(t *testing.T) {
	e, errs := ParseExpression("'a\nbc' + \"x\ny\"")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b := e.(*ast.BinaryExpr)
	if got, want := b.Left.GetSpan(), span(1, 1, 2, 4); got != want {
		t.Errorf("left span %v, want %v", got, want)
	}
	if got, want := b.GetSpan(), span(1, 1, 3, 3); got != want {
		t.Errorf("span %v, want %v", got, want)
	}
	// Columns count code points, not bytes.
	e, errs = ParseExpression("'héllo' + x")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, want := e.(*ast.BinaryExpr).Right.GetSpan(), span(1, 11, 1, 12); got != want {
		t.Errorf("span after non-ASCII text %v, want %v", got, want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	type werr struct {
		Line, Col int
		Msg       string // substring
	}
	tests := []struct {
		name string
		src  string
		want []werr
	}{
		{"missing expression", "library T\ndefine \"X\":\n", []werr{{3, 1, "end of input"}}},
		{"unclosed paren", "define X: (1 + 2\n", []werr{{2, 1, "unexpected end of input"}}},
		{"bad token", "define X: 1 + # 2", []werr{{1, 15, "unexpected character '#'"}}},
		{"two errors", "define X: 1 +\ndefine Y: (\ndefine Z: 3", []werr{{2, 1, ""}, {3, 1, ""}}},
		{"unterminated string", "define X: 'abc", []werr{{1, 11, "unterminated string literal"}}},
		{"unterminated quoted identifier", "define X: \"abc\ndefine Y: 1", []werr{{1, 11, "unterminated quoted identifier"}}},
		{"invalid escape", `define X: 'a\qb'`, []werr{{1, 11, `invalid escape sequence "\\q"`}}},
		{"lexer error hides its consequences", "define X: 1 # 2\ndefine Y: 1 +\ndefine Z: 3", []werr{{1, 13, "unexpected character '#'"}, {3, 1, "unexpected 'define'"}}},
		{"bad date literal", "define X: @x", []werr{{1, 11, "invalid date/time literal"}}},
		{"missing colon", "library T\ndefine X 1 + 2\ndefine Y: 2", []werr{{2, 10, "missing ':' at '1'"}}},
		{"missing else", "define X: if a then b", []werr{{1, 22, "unexpected end of input, expecting 'else'"}}},
		{"integer overflow", "define X: 2147483648", []werr{{1, 11, "Integer literal 2147483648 is out of range"}}},
		{"negative integer overflow", "define X: -2147483649", []werr{{1, 12, "Integer literal -2147483649 is out of range"}}},
		{"long overflow", "define X: 9223372036854775808L", []werr{{1, 11, "Long literal"}}},
		{"keyword as alias", "define X: [A] where", []werr{{1, 15, ""}}},
		{"timezone in time literal", "define X: @T06Z", []werr{{1, 15, ""}}},
		{"deep nesting", "define X: " + strings.Repeat("(", MaxNesting+1) + "1" + strings.Repeat(")", MaxNesting+1), []werr{{1, 11 + MaxNesting, "nested"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := Parse("t", tc.src)
			if len(errs) < len(tc.want) {
				t.Fatalf("got %d errors %v, want at least %d", len(errs), errs, len(tc.want))
			}
			for i, w := range tc.want {
				e := errs[i]
				if e.Line != w.Line || e.Col != w.Col || !strings.Contains(e.Message, w.Msg) || e.Code != CodeSyntax {
					t.Errorf("error %d = %d:%d %q [%s], want %d:%d containing %q", i, e.Line, e.Col, e.Message, e.Code, w.Line, w.Col, w.Msg)
				}
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	_, errs := Parse("t", "library T\ndefine X: "+strings.Repeat("not ", MaxTreeDepth)+"true\ndefine Y: 1 +")
	if len(errs) != 2 || !strings.Contains(errs[0].Message, "nested too deeply") || errs[0].Line != 2 ||
		errs[1].Line != 3 {
		t.Errorf("deep prefix chain: %v", errs)
	}
	// Long flat chains of binary operators are fine well below the limit.
	if _, errs := Parse("t", "define X: a"+strings.Repeat(" or a", 2000)); len(errs) > 0 {
		t.Errorf("2000-term or chain: %v", errs)
	}
}

func TestLiteralRanges(t *testing.T) {
	ok := []string{"2147483647", "-2147483648", "9223372036854775807L", "-9223372036854775808L", "2147483648L", "2147483648.0"}
	for _, src := range ok {
		if _, errs := ParseExpression(src); len(errs) > 0 {
			t.Errorf("%s: unexpected errors %v", src, errs)
		}
	}
	bad := []string{"2147483648", "+2147483648", "-(2147483648)", "-2147483649", "9223372036854775808L"}
	for _, src := range bad {
		if _, errs := ParseExpression(src); len(errs) == 0 {
			t.Errorf("%s: expected an out-of-range error", src)
		}
	}
}

func TestKeywordsAsNames(t *testing.T) {
	src := `library T
define function ToConcept(concept FHIR.CodeableConcept): concept.coding
define function ToString(value FHIR.date): value.value
define function "is"(identifier String) returns Boolean: external
define "code": Tuple { code: 1, display: 'x', version: '1', start: 2, end: 3 }.start
define "X": "code".display
`
	lib, errs := Parse("t", src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var names []string
	for _, s := range lib.Statements {
		switch d := s.(type) {
		case *ast.ExpressionDef:
			names = append(names, d.Name)
		case *ast.FunctionDef:
			names = append(names, d.Name)
		}
	}
	if diff := cmp.Diff([]string{"ToConcept", "ToString", "is", "code", "X"}, names); diff != "" {
		t.Error(diff)
	}
	f := lib.Statements[1].(*ast.FunctionDef)
	if got := dump(f.Operands[0].Type); got != `(NamedTypeSpec Qualifiers=["FHIR"] Name="date")` {
		t.Errorf("operand type %s", got)
	}
}

func TestParseNeverReturnsNilLibrary(t *testing.T) {
	for _, src := range []string{"", "library", "define", "@", "'", "\"", "`", "/*", "define X: [", "define X: Interval[1,"} {
		lib, _ := Parse("t", src)
		if lib == nil {
			t.Errorf("%q: nil library", src)
		}
	}
	lib, errs := Parse("t", "")
	if len(errs) > 0 || lib.Identifier != nil || len(lib.Statements) != 0 {
		t.Errorf("empty source: %v %v", errs, dump(lib))
	}
}

var _ = cmpopts.EquateEmpty

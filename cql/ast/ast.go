// Package ast is the abstract syntax tree of a CQL 1.5 library as produced by
// cql/parser. It is purely syntactic: names are not resolved and no types are
// assigned (that is the checker's job).
//
// Conventions:
//   - Every node embeds Span; positions are 1-based lines and 1-based columns
//     counted in Unicode code points. Span.End is exclusive: it is the
//     position just after the node's last character.
//   - Identifiers are stored unquoted: "Measurement Period" and `x` become
//     Measurement Period and x.
//   - String literals are stored unescaped ('it\'s' becomes it's).
//   - Date/time precisions (Precision fields) are stored normalised to the
//     singular lower-case keyword: "year", "month", "week", "day", "hour",
//     "minute", "second", "millisecond". "" means no precision was written.
//   - Optional sub-expressions are nil when absent.
package ast

import "fmt"

// Pos is a position in the source: 1-based line and 1-based column.
type Pos struct {
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Span is a source range. End is exclusive.
type Span struct {
	Start Pos
	End   Pos
}

// GetSpan returns the span itself; embedding Span gives every node this method.
func (s Span) GetSpan() Span { return s }

// Pos returns the start position.
func (s Span) Pos() Pos { return s.Start }

// Node is any syntax tree node.
type Node interface {
	GetSpan() Span
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// TypeSpec is a type specifier node.
type TypeSpec interface {
	Node
	typeSpecNode()
}

// Statement is a top-level definition: *ExpressionDef or *FunctionDef.
type Statement interface {
	Node
	statementNode()
}

// Access is the access modifier of a declaration.
type Access int

const (
	Public Access = iota
	Private
)

func (a Access) String() string {
	if a == Private {
		return "private"
	}
	return "public"
}

// ---------------------------------------------------------------------------
// Library and declarations

// Library is a whole CQL source file.
type Library struct {
	Span
	// Name is the file/library name given to the parser (used in messages).
	Name string
	// Source is the original source text (for error carets).
	Source string

	Identifier  *LibraryIdentifier // nil when the library has no header
	Usings      []*UsingDef
	Includes    []*IncludeDef
	CodeSystems []*CodeSystemDef
	ValueSets   []*ValueSetDef
	Codes       []*CodeDef
	Concepts    []*ConceptDef
	Parameters  []*ParameterDef
	Contexts    []*ContextDef
	// Statements holds *ExpressionDef and *FunctionDef in source order.
	Statements []Statement
}

// LibraryIdentifier is `library Name version 'x'`.
type LibraryIdentifier struct {
	Span
	// Qualifiers are the namespace parts before the name (library A.B.Name).
	Qualifiers []string
	Name       string
	Version    string // "" when absent
}

// UsingDef is `using FHIR version '4.0.1' called F`.
type UsingDef struct {
	Span
	Qualifiers []string
	Model      string
	Version    string
	Alias      string // local alias from `called`, "" when absent
}

// IncludeDef is `include Common version '1.0' called C`.
type IncludeDef struct {
	Span
	Qualifiers []string // namespace parts before Name
	Name       string   // last part of the library path
	Version    string
	Alias      string // `called` alias; "" when absent (then Name is the local name)
}

// LocalName is the name other statements use to refer to the include.
func (d *IncludeDef) LocalName() string {
	if d.Alias != "" {
		return d.Alias
	}
	return d.Name
}

// CodeSystemDef is `codesystem "LOINC": 'http://loinc.org' version 'x'`.
type CodeSystemDef struct {
	Span
	Access  Access
	Name    string
	ID      string
	Version string
}

// ValueSetDef is `valueset "VS": 'urn:oid:...' version 'x' codesystems { ... }`.
type ValueSetDef struct {
	Span
	Access      Access
	Name        string
	ID          string
	Version     string
	CodeSystems []*CodeSystemRef
}

// CodeSystemRef names a code system, optionally library qualified.
type CodeSystemRef struct {
	Span
	Library string // "" when unqualified
	Name    string
}

// CodeDef is `code "X": '123' from "LOINC" display 'x'`.
type CodeDef struct {
	Span
	Access  Access
	Name    string
	Code    string
	System  *CodeSystemRef
	Display string // "" when absent
}

// CodeRef names a code definition, optionally library qualified.
type CodeRef struct {
	Span
	Library string
	Name    string
}

// ConceptDef is `concept "C": { "Code1", "Code2" } display 'x'`.
type ConceptDef struct {
	Span
	Access  Access
	Name    string
	Codes   []*CodeRef
	Display string
}

// ParameterDef is `parameter "P" Interval<DateTime> default ...`.
type ParameterDef struct {
	Span
	Access  Access
	Name    string
	Type    TypeSpec // nil when absent
	Default Expr     // nil when absent
}

// ContextDef is `context Patient` (or `context FHIR.Patient`).
type ContextDef struct {
	Span
	Model string // qualifier, "" when absent
	Name  string
}

// ExpressionDef is `define [private] "Name": expr`.
type ExpressionDef struct {
	Span
	Access Access
	// Context is the name of the context in effect (from the latest preceding
	// context statement), "" when no context statement precedes it.
	Context string
	Name    string
	Expr    Expr
}

// OperandDef is one function parameter.
type OperandDef struct {
	Span
	Name string
	Type TypeSpec
}

// FunctionDef is `define [private] [fluent] function Name(a T, ...) returns R: body`
// or `... : external`.
type FunctionDef struct {
	Span
	Access     Access
	Context    string
	Fluent     bool
	Name       string
	Operands   []*OperandDef
	ReturnType TypeSpec // nil when absent
	Body       Expr     // nil when External
	External   bool
}

func (*ExpressionDef) statementNode() {}
func (*FunctionDef) statementNode()   {}

// ---------------------------------------------------------------------------
// Type specifiers

// NamedTypeSpec is a (possibly qualified) type name: Integer, FHIR.Observation.
type NamedTypeSpec struct {
	Span
	Qualifiers []string // e.g. ["FHIR"]; empty when unqualified
	Name       string
}

// Qualifier returns the qualifiers joined with '.', "" when unqualified.
func (n *NamedTypeSpec) Qualifier() string {
	s := ""
	for i, q := range n.Qualifiers {
		if i > 0 {
			s += "."
		}
		s += q
	}
	return s
}

// ListTypeSpec is List<T>.
type ListTypeSpec struct {
	Span
	Elem TypeSpec
}

// IntervalTypeSpec is Interval<T>.
type IntervalTypeSpec struct {
	Span
	Point TypeSpec
}

// TupleElementSpec is one element of a TupleTypeSpec.
type TupleElementSpec struct {
	Span
	Name string
	Type TypeSpec
}

// TupleTypeSpec is Tuple { a T, b U }.
type TupleTypeSpec struct {
	Span
	Elements []*TupleElementSpec
}

// ChoiceTypeSpec is Choice<A, B>.
type ChoiceTypeSpec struct {
	Span
	Options []TypeSpec
}

func (*NamedTypeSpec) typeSpecNode()    {}
func (*ListTypeSpec) typeSpecNode()     {}
func (*IntervalTypeSpec) typeSpecNode() {}
func (*TupleTypeSpec) typeSpecNode()    {}
func (*ChoiceTypeSpec) typeSpecNode()   {}

// ---------------------------------------------------------------------------
// Literals

// NullLiteral is `null`.
type NullLiteral struct{ Span }

// BooleanLiteral is `true` / `false`.
type BooleanLiteral struct {
	Span
	Value bool
}

// StringLiteral is '...', unescaped.
type StringLiteral struct {
	Span
	Value string
}

// NumberLiteral is an unsigned number as written: "1", "1.50". It is a
// Decimal when the text contains '.', otherwise an Integer. A leading minus
// sign is a separate Negate UnaryExpr. The parser guarantees that an Integer
// literal fits in 32 bits, except that "2147483648" appears as the direct
// operand of a Negate (the literal -2147483648); Long literals likewise.
type NumberLiteral struct {
	Span
	Text string
}

// IsDecimal reports whether the literal is a Decimal (has a '.').
func (n *NumberLiteral) IsDecimal() bool {
	for i := 0; i < len(n.Text); i++ {
		if n.Text[i] == '.' {
			return true
		}
	}
	return false
}

// LongNumberLiteral is `1L`; Text is the digits without the 'L'.
type LongNumberLiteral struct {
	Span
	Text string
}

// DateLiteral is @2012-01-01; Text is without '@' ("2012-01-01").
type DateLiteral struct {
	Span
	Text string
}

// DateTimeLiteral is @2012-01-01T10:00:00Z; Text is without '@'
// ("2012-01-01T10:00:00Z", or "2012-01-01T" for a date-only DateTime).
type DateTimeLiteral struct {
	Span
	Text string
}

// TimeLiteral is @T10:00; Text is without '@T' ("10:00").
type TimeLiteral struct {
	Span
	Text string
}

// Quantity is a number with an optional unit. It is both a node used inside
// other nodes (ratios, timing offsets) and, wrapped in QuantityLiteral, an
// expression.
type Quantity struct {
	Span
	Number string // unsigned number text as written ("5", "1.5")
	// Unit is the unit: for a quoted UCUM unit its unquoted text ('mg' -> mg);
	// for a calendar keyword the keyword as written ("day", "days", "year").
	// "" when no unit was written (a QuantityLiteral always had a unit
	// written, so there "" means the empty string unit '').
	Unit string
	// Calendar is true when Unit is a calendar duration keyword.
	Calendar bool
}

// QuantityLiteral is `5 'mg'` or `3 days`.
type QuantityLiteral struct {
	Span
	Quantity *Quantity
}

// RatioLiteral is `1 'mg' : 2 'mL'` (or `1:128`).
type RatioLiteral struct {
	Span
	Numerator   *Quantity
	Denominator *Quantity
}

func (*NullLiteral) exprNode()       {}
func (*BooleanLiteral) exprNode()    {}
func (*StringLiteral) exprNode()     {}
func (*NumberLiteral) exprNode()     {}
func (*LongNumberLiteral) exprNode() {}
func (*DateLiteral) exprNode()       {}
func (*DateTimeLiteral) exprNode()   {}
func (*TimeLiteral) exprNode()       {}
func (*QuantityLiteral) exprNode()   {}
func (*RatioLiteral) exprNode()      {}

// ---------------------------------------------------------------------------
// References, member access, calls

// IdentifierRef is a bare identifier: a definition, parameter, alias, let,
// operand, code system, value set, library alias ... (the checker resolves).
type IdentifierRef struct {
	Span
	Name string
}

// SpecialRef is one of the FHIRPath specials $this, $index, $total; Name is
// without the '$'.
type SpecialRef struct {
	Span
	Name string
}

// ExternalConstant is %name (or %'name'); Name is without the '%'.
type ExternalConstant struct {
	Span
	Name string
}

// MemberAccess is `Source.Name`. For `Lib.Def` the Source is the IdentifierRef
// Lib; the checker decides whether it names an included library.
type MemberAccess struct {
	Span
	Source Expr
	Name   string
}

// FunctionCall is a function invocation.
//
//   - `f(x)`: Source nil, LibraryQualifier "".
//   - `expr.f(x)` where expr is not a plain identifier: Source = expr
//     (fluent call), LibraryQualifier "".
//   - `Q.f(x)` where Q is a plain (unparenthesised) identifier: the parser
//     cannot tell a library alias from a fluent source, so it sets BOTH
//     LibraryQualifier = "Q" and Source = IdentifierRef{Q}. The checker uses
//     the library when Q names an include, otherwise the fluent source.
type FunctionCall struct {
	Span
	Source           Expr
	LibraryQualifier string
	Name             string
	Args             []Expr
}

// Indexer is `Source[Index]`.
type Indexer struct {
	Span
	Source Expr
	Index  Expr
}

func (*IdentifierRef) exprNode()    {}
func (*SpecialRef) exprNode()       {}
func (*ExternalConstant) exprNode() {}
func (*MemberAccess) exprNode()     {}
func (*FunctionCall) exprNode()     {}
func (*Indexer) exprNode()          {}

// ---------------------------------------------------------------------------
// Operators

// UnaryOp is the operator of a UnaryExpr.
type UnaryOp int

const (
	OpNot           UnaryOp = iota // not x
	OpNegate                       // -x
	OpPlus                         // +x (identity on numbers)
	OpExists                       // exists x
	OpDistinct                     // distinct x
	OpFlatten                      // flatten x
	OpSingletonFrom                // singleton from x
	OpPredecessor                  // predecessor of x
	OpSuccessor                    // successor of x
	OpStart                        // start of x
	OpEnd                          // end of x
	OpWidth                        // width of x
	OpSize                         // size of x
	OpPointFrom                    // point from x
)

var unaryNames = [...]string{"not", "negate", "plus", "exists", "distinct", "flatten",
	"singleton from", "predecessor of", "successor of", "start of", "end of", "width of",
	"size of", "point from"}

func (o UnaryOp) String() string {
	if int(o) >= 0 && int(o) < len(unaryNames) {
		return unaryNames[o]
	}
	return fmt.Sprintf("UnaryOp(%d)", int(o))
}

// UnaryExpr is a prefix operator applied to one operand.
type UnaryExpr struct {
	Span
	Op      UnaryOp
	Operand Expr
}

// BinaryOp is the operator of a BinaryExpr.
type BinaryOp int

const (
	OpAdd            BinaryOp = iota // +
	OpSubtract                       // -
	OpMultiply                       // *
	OpDivide                         // /
	OpDiv                            // div (truncated divide)
	OpMod                            // mod
	OpPower                          // ^
	OpConcat                         // &
	OpEqual                          // =
	OpNotEqual                       // !=
	OpEquivalent                     // ~
	OpNotEquivalent                  // !~
	OpLess                           // <
	OpGreater                        // >
	OpLessOrEqual                    // <=
	OpGreaterOrEqual                 // >=
	OpAnd                            // and
	OpOr                             // or
	OpXor                            // xor
	OpImplies                        // implies
	OpIn                             // in [precision of]
	OpContains                       // contains [precision of]
	OpUnion                          // union or |
	OpIntersect                      // intersect
	OpExcept                         // except
)

var binaryNames = [...]string{"+", "-", "*", "/", "div", "mod", "^", "&", "=", "!=", "~", "!~",
	"<", ">", "<=", ">=", "and", "or", "xor", "implies", "in", "contains", "union", "intersect",
	"except"}

func (o BinaryOp) String() string {
	if int(o) >= 0 && int(o) < len(binaryNames) {
		return binaryNames[o]
	}
	return fmt.Sprintf("BinaryOp(%d)", int(o))
}

// BinaryExpr is an infix operator.
type BinaryExpr struct {
	Span
	Op    BinaryOp
	Left  Expr
	Right Expr
	// Precision is set only for `in`/`contains` with `day of` etc.
	Precision string
}

// BetweenExpr is `Operand [properly] between Low and High`.
type BetweenExpr struct {
	Span
	Operand  Expr
	Low      Expr
	High     Expr
	Properly bool
}

// ComponentFrom is `year from x`, `date from x`, `time from x`,
// `timezoneoffset from x`. Component is the normalised singular keyword:
// one of the precisions or "date", "time", "timezoneoffset".
type ComponentFrom struct {
	Span
	Component string
	Operand   Expr
}

// DurationOf is `duration in days of x` (or `difference in days of x` when
// Difference is true): the duration/difference of an interval.
type DurationOf struct {
	Span
	Precision  string
	Operand    Expr
	Difference bool
}

// DurationBetween is `years between a and b` / `duration in years between a
// and b` (Difference false) or `difference in years between a and b`
// (Difference true).
type DurationBetween struct {
	Span
	Precision  string
	Left       Expr
	Right      Expr
	Difference bool
}

// TypeExtent is `minimum Integer` / `maximum DateTime`.
type TypeExtent struct {
	Span
	Max  bool
	Type *NamedTypeSpec
}

// SetAggregateKind distinguishes collapse and expand.
type SetAggregateKind int

const (
	Collapse SetAggregateKind = iota
	Expand
)

// SetAggregate is `collapse x [per q]` / `expand x [per q]`. Per is set when
// an expression (normally a quantity) follows `per`; PerPrecision is set when
// a bare precision keyword follows (`per day`); both empty when absent.
type SetAggregate struct {
	Span
	Kind         SetAggregateKind
	Operand      Expr
	Per          Expr
	PerPrecision string
}

// IsExpr is `x is T`.
type IsExpr struct {
	Span
	Operand Expr
	Type    TypeSpec
}

// AsExpr is `x as T` (Strict false) or `cast x as T` (Strict true).
type AsExpr struct {
	Span
	Operand Expr
	Type    TypeSpec
	Strict  bool
}

// ConvertExpr is `convert x to T` (ToType set) or `convert x to 'unit'`
// (ToUnit set; ToType nil).
type ConvertExpr struct {
	Span
	Operand Expr
	ToType  TypeSpec
	ToUnit  string
}

// BooleanTestKind is what `is [not] ...` tests for.
type BooleanTestKind int

const (
	TestNull BooleanTestKind = iota
	TestTrue
	TestFalse
)

// BooleanTest is `x is [not] null|true|false`.
type BooleanTest struct {
	Span
	Operand Expr
	Kind    BooleanTestKind
	Not     bool
}

func (*UnaryExpr) exprNode()       {}
func (*BinaryExpr) exprNode()      {}
func (*BetweenExpr) exprNode()     {}
func (*ComponentFrom) exprNode()   {}
func (*DurationOf) exprNode()      {}
func (*DurationBetween) exprNode() {}
func (*TypeExtent) exprNode()      {}
func (*SetAggregate) exprNode()    {}
func (*IsExpr) exprNode()          {}
func (*AsExpr) exprNode()          {}
func (*ConvertExpr) exprNode()     {}
func (*BooleanTest) exprNode()     {}

// ---------------------------------------------------------------------------
// Timing (interval operator phrases)

// TimingOp is the relationship of a TimingExpr.
type TimingOp int

const (
	// `same [precision] as`: SameAs; `same [precision] or before`: SameOrBefore;
	// `same [precision] or after`: SameOrAfter.
	TimingSameAs TimingOp = iota
	TimingSameOrBefore
	TimingSameOrAfter
	// `[properly] includes [precision of]`.
	TimingIncludes
	// `[properly] during|included in [precision of]` (see During flag).
	TimingIncludedIn
	// `[offset] before|after [precision of]`, with OrOn for
	// `on or before` / `before or on` (and after).
	TimingBefore
	TimingAfter
	// `[properly] within Quantity of`.
	TimingWithin
	// `meets`, `meets before`, `meets after` [precision of].
	TimingMeets
	TimingMeetsBefore
	TimingMeetsAfter
	// `overlaps`, `overlaps before`, `overlaps after` [precision of].
	TimingOverlaps
	TimingOverlapsBefore
	TimingOverlapsAfter
	// `starts [precision of]` and `ends [precision of]` (the Starts/Ends
	// interval relationships, not the left-boundary prefixes).
	TimingStarts
	TimingEnds
)

var timingNames = [...]string{"same as", "same or before", "same or after", "includes",
	"included in", "before", "after", "within", "meets", "meets before", "meets after",
	"overlaps", "overlaps before", "overlaps after", "starts", "ends"}

func (o TimingOp) String() string {
	if int(o) >= 0 && int(o) < len(timingNames) {
		return timingNames[o]
	}
	return fmt.Sprintf("TimingOp(%d)", int(o))
}

// Boundary selects an interval boundary in a timing phrase.
type Boundary int

const (
	BoundaryNone  Boundary = iota
	BoundaryStart          // `starts` (left) / `start` (right)
	BoundaryEnd            // `ends` (left) / `end` (right)
)

// OffsetKind qualifies a quantity offset in before/after phrases.
type OffsetKind int

const (
	OffsetExact    OffsetKind = iota // `3 days before`
	OffsetOrMore                     // `3 days or more before`
	OffsetOrLess                     // `3 days or less before`
	OffsetLessThan                   // `less than 3 days before`
	OffsetMoreThan                   // `more than 3 days before`
)

// QuantityOffset is the quantity in `3 days or less before`.
type QuantityOffset struct {
	Span
	Quantity *Quantity
	Kind     OffsetKind
}

// TimingExpr is `Left <interval operator phrase> Right`, e.g.
// `A starts 3 days or less before start of B`, `A during day of B`,
// `A same month or after B`, `A properly includes B`, `A within 3 days of end B`.
//
// LeftBoundary is from the `starts`/`ends` prefix on the phrase (`occurs` and
// no prefix give BoundaryNone). RightBoundary is from the trailing
// `start`/`end` keyword inside the phrase (`... before start B`); a right
// operand written `start of B` is an ordinary UnaryExpr OpStart instead.
type TimingExpr struct {
	Span
	Left  Expr
	Right Expr
	Op    TimingOp

	LeftBoundary  Boundary
	RightBoundary Boundary
	Precision     string
	// Properly: `properly includes`, `properly during`, `properly within`.
	Properly bool
	// During is true when IncludedIn was written `during` (vs `included in`).
	During bool
	// OrOn: `on or before`, `before or on`, `on or after`, `after or on`.
	OrOn bool
	// Offset is the quantity offset of before/after phrases, nil when absent.
	Offset *QuantityOffset
	// Within is the quantity of `within Q of`; nil for other ops.
	Within *Quantity
}

func (*TimingExpr) exprNode() {}

// ---------------------------------------------------------------------------
// Conditionals

// IfExpr is `if c then a else b`.
type IfExpr struct {
	Span
	Cond Expr
	Then Expr
	Else Expr
}

// CaseItem is `when x then y`.
type CaseItem struct {
	Span
	When Expr
	Then Expr
}

// CaseExpr is `case [comparand] when ... then ... else ... end`.
type CaseExpr struct {
	Span
	Comparand Expr // nil for a searched case
	Items     []*CaseItem
	Else      Expr
}

func (*IfExpr) exprNode()   {}
func (*CaseExpr) exprNode() {}

// ---------------------------------------------------------------------------
// Selectors

// ListSelector is `{a, b}` or `List<T>{a, b}`.
type ListSelector struct {
	Span
	ElemType TypeSpec // nil when not written
	Elems    []Expr
}

// IntervalSelector is `Interval[low, high)`.
type IntervalSelector struct {
	Span
	LowClosed  bool
	HighClosed bool
	Low        Expr
	High       Expr
}

// TupleElement is `name: value` in tuple and instance selectors.
type TupleElement struct {
	Span
	Name  string
	Value Expr
}

// TupleSelector is `Tuple { a: 1 }`, `{ a: 1 }` or `{ : }` / `Tuple { : }`.
type TupleSelector struct {
	Span
	Elems []*TupleElement
}

// InstanceSelector is `Code { code: '1', system: 'x' }`.
type InstanceSelector struct {
	Span
	Type  *NamedTypeSpec
	Elems []*TupleElement
}

// CodeSelector is `Code '123' from "LOINC" display 'x'`.
type CodeSelector struct {
	Span
	Code    string
	System  *CodeSystemRef
	Display string
}

// ConceptSelector is `Concept { Code '1' from "X", ... } display 'x'`.
type ConceptSelector struct {
	Span
	Codes   []*CodeSelector
	Display string
}

func (*ListSelector) exprNode()     {}
func (*IntervalSelector) exprNode() {}
func (*TupleSelector) exprNode()    {}
func (*InstanceSelector) exprNode() {}
func (*CodeSelector) exprNode()     {}
func (*ConceptSelector) exprNode()  {}

// ---------------------------------------------------------------------------
// Retrieve and queries

// Retrieve is `[Context -> Type: codePath in Codes]`.
type Retrieve struct {
	Span
	Context Expr // context path expression before `->`, nil when absent
	Type    *NamedTypeSpec
	// CodePath is the path as written (`code`, `medication.code`), "" when absent.
	CodePath string
	// CodeComparator is "in", "=" or "~"; "" when absent (then the
	// comparator is implied by the terminology: in for value sets, ~ for codes).
	CodeComparator string
	Codes          Expr // terminology expression, nil when absent
}

func (*Retrieve) exprNode() {}

// AliasedSource is `expr Alias` in a query source or relationship.
type AliasedSource struct {
	Span
	Expr  Expr
	Alias string
}

// LetClause is one `let name: expr`.
type LetClause struct {
	Span
	Name string
	Expr Expr
}

// Relationship is `with S A such that cond` / `without S A such that cond`.
type Relationship struct {
	Span
	Without  bool
	Source   *AliasedSource
	SuchThat Expr
}

// ReturnClause is `return [all|distinct] expr`.
type ReturnClause struct {
	Span
	Distinct bool // `return distinct`
	All      bool // `return all`
	Expr     Expr
}

// AggregateClause is `aggregate [all|distinct] R starting init: expr`.
type AggregateClause struct {
	Span
	Distinct bool
	All      bool
	Name     string
	Starting Expr // nil when absent
	Expr     Expr
}

// SortItem is one `expr asc|desc` (or, with Expr nil, the bare direction of
// `sort asc`).
type SortItem struct {
	Span
	Expr Expr
	Desc bool
}

// SortClause is `sort asc|desc` or `sort by item, item`.
type SortClause struct {
	Span
	Items []*SortItem
}

// Query is a CQL query.
type Query struct {
	Span
	Sources       []*AliasedSource
	Lets          []*LetClause
	Relationships []*Relationship
	Where         Expr // nil when absent
	Return        *ReturnClause
	Aggregate     *AggregateClause
	Sort          *SortClause
}

func (*Query) exprNode() {}

func (b Boundary) String() string {
	switch b {
	case BoundaryStart:
		return "start"
	case BoundaryEnd:
		return "end"
	}
	return "none"
}

func (k OffsetKind) String() string {
	switch k {
	case OffsetOrMore:
		return "or more"
	case OffsetOrLess:
		return "or less"
	case OffsetLessThan:
		return "less than"
	case OffsetMoreThan:
		return "more than"
	}
	return "exact"
}

func (k SetAggregateKind) String() string {
	if k == Expand {
		return "expand"
	}
	return "collapse"
}

func (k BooleanTestKind) String() string {
	switch k {
	case TestTrue:
		return "true"
	case TestFalse:
		return "false"
	}
	return "null"
}

package checker

import (
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Pos is a 1-based source position.
type Pos struct{ Line, Col int }

// Node is a checked, typed expression. The evaluator plans each Node once
// into a closure; Nodes are immutable after checking.
type Node interface {
	// Type is the static type of the expression.
	Type() types.Type
	// Position is where the expression starts in the source.
	Position() Pos
}

// Base carries the type and position shared by all nodes.
type Base struct {
	T types.Type
	P Pos
}

// Type implements Node.
func (b *Base) Type() types.Type { return b.T }

// Position implements Node.
func (b *Base) Position() Pos { return b.P }

// Literal is a constant value (including the null literal).
type Literal struct {
	Base
	Value value.Value
}

// Call invokes a resolved builtin overload. Arguments have already been
// wrapped in the conversions the overload needs.
type Call struct {
	Base
	Op        *builtins.Overload
	Name      string
	Args      []Node
	Precision value.Precision
	// Dispatch, when set, re-resolves the operator on the run-time types
	// of the arguments: Op and Args are only the fallback.
	Dispatch *Dispatch
}

// Dispatch is the run-time overload resolution of a call whose Any or
// choice-typed arguments left several overloads equally good at compile
// time (`O.value - P.value` with FHIR Observation values): the argument
// values, with model values converted as the chosen overload needs
// (FHIR.Quantity to System.Quantity), select the operator.
type Dispatch struct {
	Models *Matcher
	// Args are the arguments before any conversion.
	Args []Node
	// Convs are the conversions of the compile-time choice (Op).
	Convs []*Conv
	// Alt, when set, is a second operator whose overloads the run-time
	// types may select (IncludedIn for In on a choice of points and
	// intervals).
	Alt string
}

// Conv is a run-time conversion plan: a scalar implicit conversion, or an
// element-wise conversion of a list or interval.
type Conv struct {
	Kind types.Conversion
	// Elem converts the elements (List) or points (Interval) when non-nil.
	Elem *Conv
	// List / Interval tell which structure Elem applies to.
	List, Interval bool
	// Promote wraps a single value into a list (after converting it with
	// Elem when set).
	Promote bool
	// TupleElems converts the elements of a tuple (nil entries: as is).
	TupleElems []*Conv
	// Demote takes the single element of a list (null when empty; an
	// error when it has several), then converts it with Elem when set.
	Demote bool
	// IvlPromote makes the unit interval Interval[x, x] of a point (after
	// converting it with Elem when set); IvlDemote takes the point of a
	// unit interval (PointFrom: an error when it is not one), then
	// converts it with Elem when set.
	IvlPromote, IvlDemote bool
	// Dynamic, when set, chooses the conversion from the value's run-time
	// type (an argument of a choice type).
	Dynamic *Matcher
	// Cast, with Dynamic, makes a value whose run-time type does not
	// convert to Target null (an implicit cast of a choice to one of its
	// options).
	Cast bool
	// Target is the converted type.
	Target types.Type
	// Fn is a data model's conversion (FHIR.string to String); Then is
	// the conversion applied to its result.
	Fn   func(value.Value) (value.Value, error)
	Then *Conv
	// ExpandValueSet converts a value set to the List<Code> of its
	// expansion (by the terminology provider), then applies Then.
	ExpandValueSet bool
}

// Convert applies an implicit conversion to its operand.
type Convert struct {
	Base
	Conv    *Conv
	Operand Node
}

// And, Or are the three-valued logical operators, evaluated with
// short-circuiting.
type And struct {
	Base
	L, R Node
}

// Or is the three-valued or.
type Or struct {
	Base
	L, R Node
}

// If is if/then/else.
type If struct {
	Base
	Cond, Then, Else Node
}

// CaseItem is one when/then pair.
type CaseItem struct{ When, Then Node }

// Case is a (selected or standard) case expression. Comparand is nil for a
// standard case.
type Case struct {
	Base
	Comparand Node
	Items     []CaseItem
	Else      Node
}

// ListSel builds a list.
type ListSel struct {
	Base
	Elems []Node
}

// IntervalSel builds an interval, validating low <= high at run time.
type IntervalSel struct {
	Base
	Low, High             Node
	LowClosed, HighClosed bool
	// LowClosedExpr / HighClosedExpr are set by the Interval instance form.
	LowClosedExpr, HighClosedExpr Node
}

// TupleSel builds a tuple.
type TupleSel struct {
	Base
	Names []string
	Elems []Node
}

// InstanceSel builds an instance of a structured System type (Code,
// Concept, Quantity, Ratio, ...) from named elements.
type InstanceSel struct {
	Base
	// Model and Named are set for data model types; the model builds the value.
	Model    InstanceModel
	Named    *types.Named
	TypeName string
	Names    []string
	Elems    []Node
}

// Property reads an element of a tuple or a structured value. A list
// source yields the list of the elements' properties (flattened).
type Property struct {
	Base
	Source Node
	Name   string
	// Read, when set, reads the element from a value of the source (a
	// profile model's element mapped onto FHIR data: ReaderModel);
	// otherwise the value's own Property is used.
	Read func(value.Value) (value.Value, error)
	// ReadByType, on a source of a choice of profile types (the members of
	// a union of QICore retrieves), holds the Read of each option by the
	// run-time type of its values ("FHIR.ServiceRequest"); a value of
	// another type uses its own Property.
	ReadByType map[string]func(value.Value) (value.Value, error)
}

// Var reads a local slot (query alias, let, function operand, aggregate
// accumulator).
type Var struct {
	Base
	Name string
	Slot int
}

// DefRef evaluates (once per evaluation) an expression definition.
type DefRef struct {
	Base
	Lib  *Library
	Name string
}

// ParamRef reads a parameter of a library.
type ParamRef struct {
	Base
	Lib  *Library
	Name string
}

// FuncCall calls a user-defined function.
type FuncCall struct {
	Base
	Func *FuncDef
	Args []Node
}

// TermRef evaluates a terminology declaration (codesystem, valueset, code,
// concept) to its value.
type TermRef struct {
	Base
	Value value.Value
}

// TermIn is `code in "ValueSet"` / `code in "CodeSystem"` (Code, Concept,
// String or a list of them, which is true when any element is in).
type TermIn struct {
	Base
	Code       Node
	Set        Node
	CodeSystem bool
	// Models, when set, converts model values found at run time (in an
	// operand of type Any or a choice) to Code or Concept.
	Models *Matcher
}

// Is tests the run-time type of its operand.
type Is struct {
	Base
	Operand Node
	Target  types.Type
	// Models, when set, also accepts model values that convert implicitly
	// to a System target (a FHIR.Quantity value is a Quantity).
	Models *Matcher
}

// As casts its operand; non-strict casts yield null on mismatch, strict
// casts raise an error.
type As struct {
	Base
	Operand Node
	Target  types.Type
	Strict  bool
	// Models, when set, converts model values to a System target.
	Models *Matcher
}

// Retrieve is [Context -> Type: codePath comparator codes].
type Retrieve struct {
	Base
	DataType *types.Named
	CodePath string
	Codes    Node
	// CodeComparator is "in", "=" or "~" as written, "" when not written.
	CodeComparator string
	// Context is the context expression of a related-context retrieve
	// ([Mother -> Observation]), nil when there is none.
	Context Node
	// Profile is the profile type written ([QICore.MedicationNotRequested])
	// when DataType is the resource type it constrains (ProfileModel), and
	// Keep the rule a retrieved resource must meet for it (nil: all).
	Profile *types.Named
	Keep    func(value.Value) (bool, error)
}

// AliasedSource is one source of a query.
type AliasedSource struct {
	Alias  string
	Slot   int
	Source Node
}

// Let is a let clause.
type Let struct {
	Name string
	Slot int
	Expr Node
}

// With is a with/without relationship clause.
type With struct {
	Source  AliasedSource
	Such    Node
	Without bool
}

// SortItem is a sort by item; Expr nil means the element itself.
type SortItem struct {
	Expr Node
	Desc bool
}

// Aggregate is an aggregate clause.
type Aggregate struct {
	Name     string
	Slot     int
	Starting Node
	Expr     Node
	Distinct bool
}

// Query is a CQL query.
type Query struct {
	Base
	Sources []AliasedSource
	// SingleSource is true when the (only) source is not a list: the query
	// yields a single value.
	SingleSource bool
	// DynamicSource is set when the only source is of type Any: the query
	// is a list query when the value is a list, a single-value one otherwise.
	DynamicSource bool
	Lets          []Let
	Withs         []With
	Where         Node
	Return        Node
	// TupleReturn is set for multi-source queries without a return clause.
	TupleReturn bool
	Distinct    bool
	Sort        []SortItem
	// SortSlot holds the element being sorted while sort items evaluate.
	SortSlot int
	// SortModels, when set, converts data model sort keys to System
	// values (FHIR.dateTime to DateTime) before they are compared.
	SortModels *Matcher
	Aggregate  *Aggregate
}

// FuncDef is a checked user-defined function.
type FuncDef struct {
	Lib      *Library
	Name     string
	Params   []types.Type
	Names    []string
	Slots    []int
	Result   types.Type
	Body     Node
	External bool
	Fluent   bool
	Public   bool
	// Native, when set, implements the function instead of its body (for
	// external functions and natively implemented libraries).
	Native func(args []value.Value) (value.Value, error)
	// Frame is the number of local slots the body needs.
	Frame int
	P     Pos
}

// ExprDef is a checked expression definition.
type ExprDef struct {
	Name    string
	Body    Node
	Public  bool
	Context string
	Frame   int
	P       Pos
}

// ParamDef is a checked parameter.
type ParamDef struct {
	Name    string
	T       types.Type
	Default Node
	Frame   int
	Public  bool
	P       Pos
}

// Library is a checked library.
type Library struct {
	Name, Version string
	Includes      map[string]*Library
	Defs          map[string]*ExprDef
	DefOrder      []string
	Params        map[string]*ParamDef
	ParamOrder    []string
	Funcs         map[string][]*FuncDef
	// Terminology declarations by name.
	Terms map[string]Node
	// Private names the private parameters and terminology declarations.
	Private map[string]bool
}

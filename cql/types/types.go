// Package types is the CQL type system: the System model's named types, the
// generic List, Interval, Tuple and Choice types, and the rules the checker
// uses for subtyping and implicit conversion.
package types

import (
	"sort"
	"strings"
)

// Type is a CQL type. Types are compared with Equal, never with ==, because
// List, Interval, Tuple and Choice types are structural.
type Type interface {
	String() string
	isType()
}

// Named is a type identified by model and name, such as System.Integer or
// FHIR.Observation. Base is its supertype (nil means System.Any).
type Named struct {
	Model string
	Name  string
	Base  *Named
}

// List is List<Elem>.
type List struct{ Elem Type }

// Interval is Interval<Point>.
type Interval struct{ Point Type }

// Element is one named element of a Tuple type.
type Element struct {
	Name string
	Type Type
}

// Tuple is Tuple { name Type, ... } with its elements in declaration order.
type Tuple struct{ Elements []Element }

// Choice is Choice<A, B, ...>.
type Choice struct{ Options []Type }

// Var is a type parameter in a built-in operator signature (T in
// Count(List<T>)). Vars never appear in checked expressions.
type Var struct{ Name string }

func (*Named) isType()    {}
func (*List) isType()     {}
func (*Interval) isType() {}
func (*Tuple) isType()    {}
func (*Choice) isType()   {}
func (*Var) isType()      {}

func (n *Named) String() string {
	if n.Model == "" {
		return n.Name
	}
	return n.Model + "." + n.Name
}
func (l *List) String() string     { return "List<" + l.Elem.String() + ">" }
func (i *Interval) String() string { return "Interval<" + i.Point.String() + ">" }
func (v *Var) String() string      { return v.Name }
func (t *Tuple) String() string {
	var b strings.Builder
	b.WriteString("Tuple {")
	for i, e := range t.Elements {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" " + e.Name + " " + e.Type.String())
	}
	b.WriteString(" }")
	return b.String()
}
func (c *Choice) String() string {
	parts := make([]string, len(c.Options))
	for i, o := range c.Options {
		parts[i] = o.String()
	}
	return "Choice<" + strings.Join(parts, ", ") + ">"
}

func system(name string, base *Named) *Named { return &Named{Model: "System", Name: name, Base: base} }

// The System model.
var (
	Any      = system("Any", nil)
	Boolean  = system("Boolean", Any)
	Integer  = system("Integer", Any)
	Long     = system("Long", Any)
	Decimal  = system("Decimal", Any)
	String   = system("String", Any)
	Date     = system("Date", Any)
	DateTime = system("DateTime", Any)
	Time     = system("Time", Any)
	Quantity = system("Quantity", Any)
	Ratio    = system("Ratio", Any)
	Code     = system("Code", Any)
	Concept  = system("Concept", Any)
	Vocab    = system("Vocabulary", Any)
	ValueSet = system("ValueSet", Vocab)
	CodeSys  = system("CodeSystem", Vocab)
)

// Null is the type of the untyped null literal; it converts to every type.
var Null = &Named{Model: "System", Name: "Null"}

var systemTypes = map[string]*Named{}

func init() {
	for _, t := range []*Named{Any, Boolean, Integer, Long, Decimal, String, Date, DateTime, Time,
		Quantity, Ratio, Code, Concept, Vocab, ValueSet, CodeSys} {
		systemTypes[t.Name] = t
	}
}

// System returns the System model type with the given name.
func System(name string) (*Named, bool) {
	t, ok := systemTypes[name]
	return t, ok
}

// Equal reports whether a and b are the same type.
func Equal(a, b Type) bool {
	switch x := a.(type) {
	case *Named:
		y, ok := b.(*Named)
		return ok && x.Model == y.Model && x.Name == y.Name
	case *List:
		y, ok := b.(*List)
		return ok && Equal(x.Elem, y.Elem)
	case *Interval:
		y, ok := b.(*Interval)
		return ok && Equal(x.Point, y.Point)
	case *Var:
		y, ok := b.(*Var)
		return ok && x.Name == y.Name
	case *Tuple:
		y, ok := b.(*Tuple)
		if !ok || len(x.Elements) != len(y.Elements) {
			return false
		}
		for i := range x.Elements {
			if x.Elements[i].Name != y.Elements[i].Name || !Equal(x.Elements[i].Type, y.Elements[i].Type) {
				return false
			}
		}
		return true
	case *Choice:
		y, ok := b.(*Choice)
		if !ok || len(x.Options) != len(y.Options) {
			return false
		}
		for _, o := range x.Options {
			if !y.Has(o) {
				return false
			}
		}
		return true
	}
	return false
}

// Has reports whether t is one of the options of c.
func (c *Choice) Has(t Type) bool {
	for _, o := range c.Options {
		if Equal(o, t) {
			return true
		}
	}
	return false
}

// NewChoice builds a choice type of the distinct options, flattening nested
// choices. A single option is returned as itself.
func NewChoice(options ...Type) Type {
	var flat []Type
	var add func(t Type)
	add = func(t Type) {
		if c, ok := t.(*Choice); ok {
			for _, o := range c.Options {
				add(o)
			}
			return
		}
		for _, f := range flat {
			if Equal(f, t) {
				return
			}
		}
		flat = append(flat, t)
	}
	for _, o := range options {
		add(o)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	sort.SliceStable(flat, func(i, j int) bool { return flat[i].String() < flat[j].String() })
	return &Choice{Options: flat}
}

// SubtypeOf reports whether a value of type a is also of type b without any
// conversion: equal types, a named type's ancestors, Null to anything, a
// choice member to its choice, and covariance of List and Interval.
func SubtypeOf(a, b Type) bool {
	if Equal(a, b) {
		return true
	}
	if Equal(a, Null) {
		return true
	}
	if n, ok := b.(*Named); ok && n.Model == "System" && n.Name == "Any" {
		return true
	}
	if c, ok := b.(*Choice); ok {
		if ac, ok := a.(*Choice); ok {
			for _, o := range ac.Options {
				if !SubtypeOf(o, c) {
					return false
				}
			}
			return true
		}
		for _, o := range c.Options {
			if SubtypeOf(a, o) {
				return true
			}
		}
		return false
	}
	switch x := a.(type) {
	case *Named:
		for p := x.Base; p != nil; p = p.Base {
			if Equal(p, b) {
				return true
			}
		}
	case *List:
		if y, ok := b.(*List); ok {
			return SubtypeOf(x.Elem, y.Elem)
		}
	case *Interval:
		if y, ok := b.(*Interval); ok {
			return SubtypeOf(x.Point, y.Point)
		}
	case *Tuple:
		if y, ok := b.(*Tuple); ok && len(x.Elements) == len(y.Elements) {
			for i := range x.Elements {
				if x.Elements[i].Name != y.Elements[i].Name || !SubtypeOf(x.Elements[i].Type, y.Elements[i].Type) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// Conversion names an implicit conversion the checker may insert.
type Conversion int

// Implicit conversions, cheapest first. None means the types already match.
const (
	None Conversion = iota
	IntegerToLong
	IntegerToDecimal
	LongToDecimal
	IntegerToQuantity
	DecimalToQuantity
	DateToDateTime
	CodeToConcept
	NoConversion Conversion = -1
)

// ImplicitConversion returns the implicit conversion from a to b, None when a
// is already a subtype of b and NoConversion when there is none.
func ImplicitConversion(a, b Type) Conversion {
	if SubtypeOf(a, b) {
		return None
	}
	an, ok1 := a.(*Named)
	bn, ok2 := b.(*Named)
	if !ok1 || !ok2 {
		return NoConversion
	}
	switch {
	case Equal(an, Integer) && Equal(bn, Long):
		return IntegerToLong
	case Equal(an, Integer) && Equal(bn, Decimal):
		return IntegerToDecimal
	case Equal(an, Long) && Equal(bn, Decimal):
		return LongToDecimal
	case Equal(an, Integer) && Equal(bn, Quantity):
		return IntegerToQuantity
	case Equal(an, Decimal) && Equal(bn, Quantity):
		return DecimalToQuantity
	case Equal(an, Date) && Equal(bn, DateTime):
		return DateToDateTime
	case Equal(an, Code) && Equal(bn, Concept):
		return CodeToConcept
	}
	return NoConversion
}

// IsOrdered reports whether values of t have a total order usable in
// comparisons and as interval points.
func IsOrdered(t Type) bool {
	for _, o := range []*Named{Integer, Long, Decimal, String, Date, DateTime, Time, Quantity} {
		if Equal(t, o) {
			return true
		}
	}
	return false
}

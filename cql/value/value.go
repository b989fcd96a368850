// Package value holds the run-time values of CQL. The Go nil Value is CQL
// null. Values are immutable once built, so they may be shared between
// goroutines and evaluations.
package value

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/cockroachdb/apd/v3"
)

// Value is a CQL value. A nil Value is null.
type Value interface {
	// Type is the run-time type of the value.
	Type() types.Type
}

// Boolean is System.Boolean.
type Boolean bool

// Integer is System.Integer, a 32-bit signed integer.
type Integer int32

// Long is System.Long, a 64-bit signed integer.
type Long int64

// String is System.String.
type String string

// Decimal is System.Decimal: up to 28 significant digits and 8 digits after
// the point. The pointer is never nil and never mutated after construction.
type Decimal struct{ D *apd.Decimal }

// Precision is the precision of a Date, DateTime or Time value, from Year
// (coarsest) to Millisecond (finest).
type Precision int8

// Precisions of temporal values. Unset is used for "no precision given".
const (
	Unset Precision = iota - 1
	Year
	Month
	Day
	Hour
	Minute
	Second
	Millisecond
	// Week is valid only as the unit of DurationBetween and DifferenceBetween.
	Week
)

// Date is System.Date: year, month and day, known to Precision (Year..Day).
// Fields finer than the precision are zero.
type Date struct {
	Year, Month, Day int
	Precision        Precision
}

// DateTime is System.DateTime, known to Precision (Year..Millisecond).
// OffsetMinutes is the timezone offset east of UTC in minutes; HasOffset is
// false when the literal carried no offset (the evaluation request's offset
// then applies).
type DateTime struct {
	Year, Month, Day, Hour, Minute, Second, Millisecond int
	OffsetMinutes                                       int
	HasOffset                                           bool
	Precision                                           Precision
}

// Time is System.Time, known to Precision (Hour..Millisecond).
type Time struct {
	Hour, Minute, Second, Millisecond int
	Precision                         Precision
}

// Quantity is System.Quantity: a decimal value and a UCUM unit, or a
// calendar duration keyword (year, month, week, day, hour, minute, second,
// millisecond and their plurals). The unit "1" means dimensionless.
type Quantity struct {
	Value Decimal
	Unit  string
}

// Ratio is System.Ratio.
type Ratio struct {
	Numerator, Denominator Quantity
}

// Code is System.Code.
type Code struct {
	Code, System, Version, Display string
}

// Concept is System.Concept.
type Concept struct {
	Codes   []Code
	Display string
}

// Interval is Interval<T>. Low and High may be null (nil); an interval with
// a null closed boundary has an unknown boundary, one with a null open
// boundary is unbounded on that side. PointType is the static point type,
// so that even an interval with two null bounds knows its type.
type Interval struct {
	Low, High             Value
	LowClosed, HighClosed bool
	PointType             types.Type
}

// List is List<T>. ElemType is the static element type.
type List struct {
	Elems    []Value
	ElemType types.Type
}

// Tuple is a tuple value. Names and Values are parallel; Names are in the
// order of the tuple's type.
type Tuple struct {
	Names  []string
	Values []Value
	// TupleType is the static type when known, otherwise nil and Type()
	// infers it from the element values.
	TupleType *types.Tuple
}

// ValueSetRef is a reference to a declared value set, as evaluated from a
// valueset identifier.
type ValueSetRef struct {
	ID, Version string
	CodeSystems []CodeSystemRef
}

// CodeSystemRef is a reference to a declared code system.
type CodeSystemRef struct {
	ID, Version string
}

func (Boolean) Type() types.Type       { return types.Boolean }
func (Integer) Type() types.Type       { return types.Integer }
func (Long) Type() types.Type          { return types.Long }
func (String) Type() types.Type        { return types.String }
func (Decimal) Type() types.Type       { return types.Decimal }
func (Date) Type() types.Type          { return types.Date }
func (DateTime) Type() types.Type      { return types.DateTime }
func (Time) Type() types.Type          { return types.Time }
func (Quantity) Type() types.Type      { return types.Quantity }
func (Ratio) Type() types.Type         { return types.Ratio }
func (Code) Type() types.Type          { return types.Code }
func (Concept) Type() types.Type       { return types.Concept }
func (ValueSetRef) Type() types.Type   { return types.ValueSet }
func (CodeSystemRef) Type() types.Type { return types.CodeSys }
func (i Interval) Type() types.Type    { return &types.Interval{Point: i.PointType} }
func (l List) Type() types.Type        { return &types.List{Elem: l.ElemType} }

func (t Tuple) Type() types.Type {
	if t.TupleType != nil {
		return t.TupleType
	}
	tt := &types.Tuple{Elements: make([]types.Element, len(t.Names))}
	for i, n := range t.Names {
		var et types.Type = types.Any
		if t.Values[i] != nil {
			et = t.Values[i].Type()
		}
		tt.Elements[i] = types.Element{Name: n, Type: et}
	}
	return tt
}

// Get returns the value of the named tuple element and whether it exists.
func (t Tuple) Get(name string) (Value, bool) {
	for i, n := range t.Names {
		if n == name {
			return t.Values[i], true
		}
	}
	return nil, false
}

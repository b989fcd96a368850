package fhir

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"

	"github.com/ccg-project/ccg/cql/value"
)

// Equality and equivalence of FHIR values (CQL 1.5, "Equal" and
// "Equivalent" on structured values): two resources or complex elements
// are equal when they are of the same type and all their elements are
// equal, which for FHIR's JSON form is a deep comparison of the two
// objects (ids, extensions and nested elements included; numbers by
// value, so 1.0 equals 1.00). A primitive element (FHIR.string,
// FHIR.dateTime, a code) compares by its System value, so a FHIR.date is
// equal to the System.Date it holds; its id and extensions must match
// too when both sides are FHIR primitives. Unlike tuples, two FHIR values
// are never "unknown" to each other: the answer is true or false, as in
// the reference engine's FHIR model (deep equality of the elements).

var _ value.Model = (*Node)(nil)

// isPrimitive reports whether n is a FHIR primitive (or code) element.
func (n *Node) isPrimitive() bool {
	return n.obj == nil && (n.info.Kind == KindPrimitive || n.info.Kind == KindCode)
}

// EqualTo implements value.Model: CQL `=` between n and a non-null value.
func (n *Node) EqualTo(b value.Value) value.Value {
	if n.isPrimitive() {
		return n.primitiveEqual(b, value.Equal)
	}
	m, ok := b.(*Node)
	if !ok || m.obj == nil || m.info.Type.Name != n.info.Type.Name {
		return value.Boolean(false)
	}
	return value.Boolean(jsonEqual(n.obj, m.obj))
}

// EquivalentTo implements value.Model: CQL `~` between n and a non-null
// value. Primitives are equivalent by their System values (strings
// ignoring case and white space, decimals to the lesser precision);
// structured values as for EqualTo.
func (n *Node) EquivalentTo(b value.Value) bool {
	if n.isPrimitive() {
		r := n.primitiveEqual(b, func(x, y value.Value) value.Value { return value.Boolean(value.Equivalent(x, y)) })
		return r == value.Boolean(true)
	}
	return n.EqualTo(b) == value.Boolean(true)
}

// primitiveEqual compares the System value of primitive n with b (the
// System value of b when it is a FHIR primitive too) using cmp.
func (n *Node) primitiveEqual(b value.Value, cmp func(x, y value.Value) value.Value) value.Value {
	x, err := n.PrimitiveValue()
	if err != nil {
		return value.Boolean(false)
	}
	if m, ok := b.(*Node); ok {
		if !m.isPrimitive() || !jsonEqual(n.ext, m.ext) {
			return value.Boolean(false)
		}
		y, err := m.PrimitiveValue()
		if err != nil {
			return value.Boolean(false)
		}
		if x == nil || y == nil {
			// Elements carrying only extensions: equal when both have no value.
			return value.Boolean(x == nil && y == nil)
		}
		return cmp(x, y)
	}
	if x == nil {
		return nil
	}
	return cmp(x, b)
}

// jsonEqual compares two decoded JSON values deeply; numbers compare by
// value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		if reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer() {
			return true
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number, float64:
		xs, _ := numberText(x)
		ys, ok := numberText(b)
		if !ok {
			return false
		}
		if xs == ys {
			return true
		}
		xd, err1 := parseDecimal(xs)
		yd, err2 := parseDecimal(ys)
		return err1 == nil && err2 == nil && xd.D.Cmp(yd.D) == 0
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// HasElement reports whether n's type declares the element name, so that
// a property read on a value of a choice (the members of a union of
// resource types) can tell an element the run-time type lacks from a data
// error.
func (n *Node) HasElement(name string) bool {
	if n.isPrimitive() {
		return name == "value" || name == "id" || name == "extension"
	}
	if name == "resourceType" && n.info.Kind == KindResource {
		return true
	}
	_, ok := R4().ElementOf(n.info.Type, name)
	return ok
}

// nodeKey is the hash key of a structured FHIR value: its type and its
// JSON written canonically (object keys sorted, numbers without trailing
// zeros), so that keys are equal exactly when jsonEqual holds.
type nodeKey string

// HashKey implements value.HashKeyer for resources and complex elements;
// primitives have no key (their equality may be unknown, as for dates of
// different precisions).
func (n *Node) HashKey() (any, bool) {
	if n.obj == nil {
		return nil, false
	}
	b := make([]byte, 0, 256)
	b = append(b, n.info.Type.Name...)
	b = append(b, ':')
	b, ok := canonicalJSON(b, n.obj)
	if !ok {
		return nil, false
	}
	return nodeKey(b), true
}

func canonicalJSON(b []byte, v any) ([]byte, bool) {
	ok := true
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case bool:
		b = strconv.AppendBool(b, x)
	case string:
		b = strconv.AppendQuote(b, x)
	case json.Number, float64:
		s, _ := numberText(x)
		d, err := parseDecimal(s)
		if err != nil {
			return b, false
		}
		b = append(b, value.DecReduce(d).String()...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = canonicalJSON(b, e); !ok {
				return b, false
			}
		}
		b = append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			if b, ok = canonicalJSON(b, x[k]); !ok {
				return b, false
			}
		}
		b = append(b, '}')
	default:
		return b, false
	}
	return b, true
}

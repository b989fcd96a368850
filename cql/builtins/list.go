package builtins

// List operators: Exists, Distinct, Flatten, First, Last, SingletonFrom,
// Skip, Tail, Take, Slice, IndexOf, Indexer, Length, membership (Contains,
// In, ProperContains, ProperIn), inclusion (Includes, IncludedIn and their
// proper forms), the set operators Union, Intersect and Except, and the
// FHIRPath-derived Children and Descendents.
//
// Element comparisons use CQL equality (value.Equal) with the list rule that
// nulls are equal to each other. Set operators have set semantics: results
// hold each element once and keep the order of first appearance.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// b2RegisterLists registers the operators of this file (called from b2_init.go).
func b2RegisterLists() {
	b := types.Boolean
	i := types.Integer
	b2Reg("Exists", b, b2Exists, ListT)
	b2Reg("Distinct", ListT, b2Distinct, ListT)
	b2Reg("Flatten", ListT, b2Flatten, ListOf(ListT))
	b2Reg("First", T, b2First, ListT)
	b2Reg("Last", T, b2Last, ListT)
	b2Reg("SingletonFrom", T, b2SingletonFrom, ListT)
	b2Reg("Skip", ListT, b2Skip, ListT, i)
	b2Reg("Tail", ListT, b2Tail, ListT)
	b2Reg("Take", ListT, b2Take, ListT, i)
	b2Reg("Slice", ListT, b2Slice, ListT)
	b2Reg("Slice", ListT, b2Slice, ListT, i)
	b2Reg("Slice", ListT, b2Slice, ListT, i, i)
	b2Reg("IndexOf", i, b2IndexOf, ListT, T)
	b2Reg("Indexer", T, b2Indexer, ListT, i)
	b2Reg("Length", i, b2Length, ListT)

	b2Reg("Contains", b, b2ListContains, ListT, T)
	b2Reg("In", b, b2ListIn, T, ListT)
	// For an untyped null argument, which could be a list or an element, the
	// checker takes the overload registered first: the list-list one. For
	// Includes and IncludedIn that gives null, as the conformance suite
	// expects; the list-list ProperIncludes and ProperIncludedIn treat a
	// null on the element side as the null element (see b2ProperIncludes).
	b2Reg("Includes", b, b2Includes, ListT, ListT)
	b2Reg("Includes", b, b2ListContains, ListT, T)
	b2Reg("IncludedIn", b, b2IncludedIn, ListT, ListT)
	b2Reg("IncludedIn", b, b2ListIn, T, ListT)
	b2Reg("ProperIncludes", b, b2ProperIncludes, ListT, ListT)
	b2Reg("ProperIncludes", b, b2ListProperContains, ListT, T)
	b2Reg("ProperContains", b, b2ListProperContains, ListT, T)
	b2Reg("ProperIncludedIn", b, b2ProperIncludedIn, ListT, ListT)
	b2Reg("ProperIncludedIn", b, b2ListProperIn, T, ListT)
	b2Reg("ProperIn", b, b2ListProperIn, T, ListT)

	b2Reg("Union", ListT, b2Union, ListT, ListT)
	b2Reg("Intersect", ListT, b2Intersect, ListT, ListT)
	b2Reg("Except", ListT, b2Except, ListT, ListT)

	anyList := ListOf(types.Any)
	b2Reg("Children", anyList, b2Children, T)
	b2Reg("Descendents", anyList, b2Descendents, T)
}

// b2ListArg returns argument i as a list; null is true when it is null.
func b2ListArg(op string, a []value.Value, i int) (l value.List, null bool, err error) {
	if i >= len(a) || a[i] == nil {
		return value.List{}, true, nil
	}
	l, ok := a[i].(value.List)
	if !ok {
		return value.List{}, false, Errorf("%s: expected a list, got a value of type %s", op, a[i].Type())
	}
	return l, false, nil
}

// b2IntArg returns argument i as an int; null is true when it is null.
func b2IntArg(op string, a []value.Value, i int) (n int, null bool, err error) {
	if i >= len(a) || a[i] == nil {
		return 0, true, nil
	}
	switch x := a[i].(type) {
	case value.Integer:
		return int(x), false, nil
	case value.Long:
		return int(x), false, nil
	}
	return 0, false, Errorf("%s: expected an Integer, got a value of type %s", op, a[i].Type())
}

// b2MkList builds a list value with the element type of the template.
func b2MkList(elems []value.Value, elemType types.Type) value.List {
	if elemType == nil {
		elemType = types.Any
	}
	return value.List{Elems: elems, ElemType: elemType}
}

// b2ElemTypeOf picks the more specific element type of two lists.
func b2ElemTypeOf(l, r value.List) types.Type {
	if l.ElemType != nil && !types.Equal(l.ElemType, types.Any) {
		return l.ElemType
	}
	if r.ElemType != nil {
		return r.ElemType
	}
	return l.ElemType
}

func b2Exists(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Exists", a, 0)
	if err != nil || null {
		return b2FalseV, err
	}
	for _, e := range l.Elems {
		if e != nil {
			return b2TrueV, nil
		}
	}
	return b2FalseV, nil
}

// b2DistinctElems returns elems without duplicates (nulls count as equal),
// keeping first occurrences in order. It returns elems itself when there is
// nothing to remove.
func b2DistinctElems(elems []value.Value) []value.Value {
	if len(elems) < 2 {
		return elems
	}
	if len(elems) > 8 {
		if keys, ok := b2Keys(elems); ok {
			seen := make(map[any]struct{}, len(elems))
			sawNull := false
			var out []value.Value
			for i, e := range elems {
				dup := false
				if e == nil {
					dup = sawNull
					sawNull = true
				} else if _, ok := seen[keys[0][i]]; ok {
					dup = true
				} else {
					seen[keys[0][i]] = struct{}{}
				}
				if dup && out == nil {
					out = append(make([]value.Value, 0, len(elems)-1), elems[:i]...)
				} else if !dup && out != nil {
					out = append(out, e)
				}
			}
			if out == nil {
				return elems
			}
			return out
		}
	}
	out := make([]value.Value, 0, len(elems))
	for _, e := range elems {
		dup := false
		for _, o := range out {
			if b2ElemEq(o, e) == b2T {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

func b2Distinct(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Distinct", a, 0)
	if err != nil || null {
		return nil, err
	}
	return b2MkList(b2DistinctElems(l.Elems), l.ElemType), nil
}

func b2Flatten(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Flatten", a, 0)
	if err != nil || null {
		return nil, err
	}
	var et types.Type = types.Any
	if lt, ok := l.ElemType.(*types.List); ok {
		et = lt.Elem
	}
	n := 0
	for _, e := range l.Elems {
		if inner, ok := e.(value.List); ok {
			n += len(inner.Elems)
		} else if e != nil {
			n++
		}
	}
	if err := c.CheckListSize(n); err != nil {
		return nil, err
	}
	out := make([]value.Value, 0, n)
	for _, e := range l.Elems {
		switch x := e.(type) {
		case nil:
		case value.List:
			out = append(out, x.Elems...)
		default:
			out = append(out, x)
		}
	}
	return b2MkList(out, et), nil
}

func b2First(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("First", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	return l.Elems[0], nil
}

func b2Last(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Last", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	return l.Elems[len(l.Elems)-1], nil
}

func b2SingletonFrom(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("SingletonFrom", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	if len(l.Elems) > 1 {
		return nil, Errorf("singleton from: expected a list with at most one element, but found a list with %d elements", len(l.Elems))
	}
	return l.Elems[0], nil
}

// b2Sub returns elems[from:to] clamped to the list, as a new list value
// sharing the (immutable) backing array.
func b2Sub(l value.List, from, to int) value.List {
	n := len(l.Elems)
	from = max(0, min(from, n))
	to = max(from, min(to, n))
	return b2MkList(l.Elems[from:to:to], l.ElemType)
}

func b2Skip(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Skip", a, 0)
	if err != nil || null {
		return nil, err
	}
	n, nnull, err := b2IntArg("Skip", a, 1)
	if err != nil {
		return nil, err
	}
	if nnull {
		return l, nil
	}
	if n < 0 {
		// The specification makes a negative count give an empty list.
		return b2MkList([]value.Value{}, l.ElemType), nil
	}
	return b2Sub(l, n, len(l.Elems)), nil
}

func b2Tail(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Tail", a, 0)
	if err != nil || null {
		return nil, err
	}
	return b2Sub(l, 1, len(l.Elems)), nil
}

func b2Take(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Take", a, 0)
	if err != nil || null {
		return nil, err
	}
	n, nnull, err := b2IntArg("Take", a, 1)
	if err != nil {
		return nil, err
	}
	if nnull || n <= 0 {
		return b2MkList([]value.Value{}, l.ElemType), nil
	}
	return b2Sub(l, 0, n), nil
}

// b2Slice implements Slice(list[, start[, end]]) with negative indexes
// counting back from the end of the list.
func b2Slice(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Slice", a, 0)
	if err != nil || null {
		return nil, err
	}
	n := len(l.Elems)
	from, fnull, err := b2IntArg("Slice", a, 1)
	if err != nil {
		return nil, err
	}
	to, tnull, err := b2IntArg("Slice", a, 2)
	if err != nil {
		return nil, err
	}
	if fnull {
		from = 0
	} else if from < 0 {
		from = max(0, from+n)
	}
	if tnull {
		to = n
	} else if to < 0 {
		to = max(0, to+n)
	}
	return b2Sub(l, from, to), nil
}

func b2IndexOf(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("IndexOf", a, 0)
	if err != nil || null || a[1] == nil {
		return nil, err
	}
	x := a[1]
	unknown := false
	for i, e := range l.Elems {
		switch b2ElemEq(e, x) {
		case b2T:
			return value.Integer(i), nil
		case b2U:
			unknown = true
		}
	}
	if unknown {
		return nil, nil
	}
	return value.Integer(-1), nil
}

func b2Indexer(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Indexer", a, 0)
	if err != nil || null {
		return nil, err
	}
	i, inull, err := b2IntArg("Indexer", a, 1)
	if err != nil || inull || i < 0 || i >= len(l.Elems) {
		return nil, err
	}
	return l.Elems[i], nil
}

func b2Length(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Length", a, 0)
	if err != nil {
		return nil, err
	}
	if null {
		return value.Integer(0), nil
	}
	return value.Integer(len(l.Elems)), nil
}

// b2Set answers membership questions about a list, through a hash map when
// the elements allow it and by linear search otherwise.
type b2Set struct {
	elems   []value.Value
	m       map[any]struct{}
	probes  []any // keys of the values that will be looked up, by index
	hasNull bool
}

// b2NewSet prepares membership tests of the values probes against elems.
// Lookups then name a probe by its index (hasAt).
func b2NewSet(elems, probes []value.Value) *b2Set {
	s := &b2Set{elems: elems}
	if len(elems) > 8 && len(probes) > 1 {
		if keys, ok := b2Keys(elems, probes); ok {
			s.m = make(map[any]struct{}, len(elems))
			for i, e := range elems {
				if e == nil {
					s.hasNull = true
				} else {
					s.m[keys[0][i]] = struct{}{}
				}
			}
			s.probes = keys[1]
		}
	}
	return s
}

// hasAt reports whether probe i (whose value is x) is in the set: true,
// false, or unknown when no element is certainly equal but some comparison
// is uncertain.
func (s *b2Set) hasAt(i int, x value.Value) b2Tri {
	if s.m != nil {
		if x == nil {
			return b2TriBool(s.hasNull)
		}
		_, ok := s.m[s.probes[i]]
		return b2TriBool(ok)
	}
	return b2ListHas(s.elems, x)
}

// b2ListHas is the linear membership test.
func b2ListHas(elems []value.Value, x value.Value) b2Tri {
	r := b2F
	for _, e := range elems {
		switch b2ElemEq(e, x) {
		case b2T:
			return b2T
		case b2U:
			r = b2U
		}
	}
	return r
}

// b2ListContains is Contains(List<T>, T): a null list contains nothing; a
// null element is found when the list holds a null.
func b2ListContains(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("Contains", a, 0)
	if err != nil || null {
		return b2FalseV, err
	}
	return b2ListHas(l.Elems, a[1]).val(), nil
}

// b2ListIn is In(T, List<T>).
func b2ListIn(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("In", a, 1)
	if err != nil || null {
		return b2FalseV, err
	}
	return b2ListHas(l.Elems, a[0]).val(), nil
}

// b2ProperHas is the list-element form of "properly includes": the element
// is in the list and the list holds some other element. For a null element
// the other element is any non-null one; for a non-null element a null
// list element makes the answer uncertain.
func b2ProperHas(elems []value.Value, x value.Value) b2Tri {
	in := b2ListHas(elems, x)
	if in == b2F {
		return b2F
	}
	other := b2F
	for _, e := range elems {
		var ne b2Tri
		if x == nil {
			ne = b2TriBool(e != nil)
		} else if e == nil {
			ne = b2U
		} else {
			ne = b2Not(b2TriOf(value.Equal(e, x)))
		}
		other = b2Or(other, ne)
		if other == b2T {
			break
		}
	}
	return b2And(in, other)
}

func b2ListProperContains(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("ProperContains", a, 0)
	if err != nil || null {
		return b2FalseV, err
	}
	return b2ProperHas(l.Elems, a[1]).val(), nil
}

func b2ListProperIn(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b2ListArg("ProperIn", a, 1)
	if err != nil || null {
		return b2FalseV, err
	}
	return b2ProperHas(l.Elems, a[0]).val(), nil
}

// b2Included reports whether every element of sub is in super.
func b2Included(sub, super []value.Value) b2Tri {
	s := b2NewSet(super, sub)
	r := b2T
	for i, e := range sub {
		r = b2And(r, s.hasAt(i, e))
		if r == b2F {
			break
		}
	}
	return r
}

// b2Includes is Includes(List<T>, List<T>): null when either is null.
func b2Includes(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("Includes", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := b2ListArg("Includes", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	return b2Included(r.Elems, l.Elems).val(), nil
}

// b2IncludedIn is IncludedIn(List<T>, List<T>): null when either is null.
func b2IncludedIn(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("IncludedIn", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := b2ListArg("IncludedIn", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	return b2Included(l.Elems, r.Elems).val(), nil
}

// b2ProperIncluded: every element of sub is in super, and super holds an
// element that is not in sub.
func b2ProperIncluded(sub, super []value.Value) b2Tri {
	r := b2Included(sub, super)
	if r == b2F {
		return b2F
	}
	s := b2NewSet(sub, super)
	extra := b2F
	for i, e := range super {
		extra = b2Or(extra, b2Not(s.hasAt(i, e)))
		if extra == b2T {
			break
		}
	}
	return b2And(r, extra)
}

// b2ProperIncludes is ProperIncludes(List<T>, List<T>). A null first list
// gives null. A null second argument is treated as the null element (the
// list-element form), because an untyped null there is resolved to this
// overload: { 'a', null } properly includes null is true.
func b2ProperIncludes(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("ProperIncludes", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := b2ListArg("ProperIncludes", a, 1)
	if err != nil {
		return nil, err
	}
	if rnull {
		return b2ProperHas(l.Elems, nil).val(), nil
	}
	return b2ProperIncluded(r.Elems, l.Elems).val(), nil
}

// b2ProperIncludedIn is ProperIncludedIn(List<T>, List<T>), the mirror of
// b2ProperIncludes: a null second list gives null, a null first argument is
// the null element.
func b2ProperIncludedIn(_ *Context, a []value.Value) (value.Value, error) {
	r, rnull, err := b2ListArg("ProperIncludedIn", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	l, lnull, err := b2ListArg("ProperIncludedIn", a, 0)
	if err != nil {
		return nil, err
	}
	if lnull {
		return b2ProperHas(r.Elems, nil).val(), nil
	}
	return b2ProperIncluded(l.Elems, r.Elems).val(), nil
}

// b2Union is the distinct union; a null argument counts as an empty list.
func b2Union(c *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("Union", a, 0)
	if err != nil {
		return nil, err
	}
	r, rnull, err := b2ListArg("Union", a, 1)
	if err != nil {
		return nil, err
	}
	if lnull && rnull {
		return b2MkList([]value.Value{}, types.Any), nil
	}
	n := len(l.Elems) + len(r.Elems)
	if err := c.CheckListSize(n); err != nil {
		return nil, err
	}
	all := make([]value.Value, 0, n)
	all = append(all, l.Elems...)
	all = append(all, r.Elems...)
	return b2MkList(b2DistinctElems(all), b2ElemTypeOf(l, r)), nil
}

// b2Intersect keeps the distinct elements of the first list that are
// certainly in the second; null when either list is null.
func b2Intersect(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("Intersect", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := b2ListArg("Intersect", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	left := b2DistinctElems(l.Elems)
	s := b2NewSet(r.Elems, left)
	out := make([]value.Value, 0, min(len(left), len(r.Elems)))
	for i, e := range left {
		if s.hasAt(i, e) == b2T {
			out = append(out, e)
		}
	}
	return b2MkList(out, b2ElemTypeOf(l, r)), nil
}

// b2Except keeps the distinct elements of the first list that are not
// certainly in the second; a null second list counts as empty.
func b2Except(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := b2ListArg("Except", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, _, err := b2ListArg("Except", a, 1)
	if err != nil {
		return nil, err
	}
	left := b2DistinctElems(l.Elems)
	s := b2NewSet(r.Elems, left)
	out := make([]value.Value, 0, len(left))
	for i, e := range left {
		if s.hasAt(i, e) != b2T {
			out = append(out, e)
		}
	}
	return b2MkList(out, l.ElemType), nil
}

// b2ChildrenOf appends the children of v to out: the element values of a
// tuple (list-valued elements contribute their elements), and for a list
// the children of each element. Nulls are left out; other values have no
// children.
func b2ChildrenOf(out []value.Value, v value.Value) []value.Value {
	switch x := v.(type) {
	case value.Tuple:
		for _, e := range x.Values {
			if l, ok := e.(value.List); ok {
				for _, le := range l.Elems {
					if le != nil {
						out = append(out, le)
					}
				}
			} else if e != nil {
				out = append(out, e)
			}
		}
	case value.List:
		for _, e := range x.Elems {
			out = b2ChildrenOf(out, e)
		}
	}
	return out
}

// b2Children is Children(x): null for null.
func b2Children(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	return b2MkList(b2ChildrenOf([]value.Value{}, a[0]), types.Any), nil
}

// b2Descendents is Descendents(x): the children of x, their children, and
// so on, breadth first; null for null.
func b2Descendents(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	out := b2ChildrenOf([]value.Value{}, a[0])
	for i := 0; i < len(out); i++ {
		out = b2ChildrenOf(out, out[i])
		if err := c.CheckListSize(len(out)); err != nil {
			return nil, err
		}
		if i&1023 == 1023 {
			if err := b2Cancelled(c); err != nil {
				return nil, err
			}
		}
	}
	return b2MkList(out, types.Any), nil
}

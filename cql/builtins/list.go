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

// registerLists registers the operators of this file (called from collections.go).
func registerLists() {
	b := types.Boolean
	i := types.Integer
	reg("Exists", b, listExists, ListT)
	reg("Distinct", ListT, listDistinct, ListT)
	reg("Flatten", ListT, listFlatten, ListOf(ListT))
	reg("First", T, listFirst, ListT)
	reg("Last", T, listLast, ListT)
	reg("SingletonFrom", T, listSingletonFrom, ListT)
	reg("Skip", ListT, listSkip, ListT, i)
	reg("Tail", ListT, listTail, ListT)
	reg("Take", ListT, listTake, ListT, i)
	reg("Slice", ListT, listSlice, ListT)
	reg("Slice", ListT, listSlice, ListT, i)
	reg("Slice", ListT, listSlice, ListT, i, i)
	reg("IndexOf", i, listIndexOf, ListT, T)
	reg("Indexer", T, listIndexer, ListT, i)
	reg("Length", i, listLength, ListT)

	reg("Contains", b, listContains, ListT, T)
	reg("In", b, listIn, T, ListT)
	// For an untyped null argument, which could be a list or an element, the
	// checker takes the overload registered first: the list-list one. For
	// Includes and IncludedIn that gives null, as the conformance suite
	// expects; the list-list ProperIncludes and ProperIncludedIn treat a
	// null on the element side as the null element (see listProperIncludes).
	reg("Includes", b, listIncludes, ListT, ListT)
	reg("Includes", b, listContains, ListT, T)
	reg("IncludedIn", b, listIncludedIn, ListT, ListT)
	reg("IncludedIn", b, listIn, T, ListT)
	reg("ProperIncludes", b, listProperIncludes, ListT, ListT)
	reg("ProperIncludes", b, listProperContains, ListT, T)
	reg("ProperContains", b, listProperContains, ListT, T)
	reg("ProperIncludedIn", b, listProperIncludedIn, ListT, ListT)
	reg("ProperIncludedIn", b, listProperIn, T, ListT)
	reg("ProperIn", b, listProperIn, T, ListT)

	reg("Union", ListT, listUnion, ListT, ListT)
	reg("Intersect", ListT, listIntersect, ListT, ListT)
	reg("Except", ListT, listExcept, ListT, ListT)

	anyList := ListOf(types.Any)
	reg("Children", anyList, listChildren, T)
	reg("Descendents", anyList, listDescendents, T)
}

// listArg returns argument i as a list; null is true when it is null.
func listArg(op string, a []value.Value, i int) (l value.List, null bool, err error) {
	if i >= len(a) || a[i] == nil {
		return value.List{}, true, nil
	}
	l, ok := a[i].(value.List)
	if !ok {
		return value.List{}, false, Errorf("%s: expected a list, got a value of type %s", op, a[i].Type())
	}
	return l, false, nil
}

// intArg returns argument i as an int; null is true when it is null.
func intArg(op string, a []value.Value, i int) (n int, null bool, err error) {
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

// makeList builds a list value with the element type of the template.
func makeList(elems []value.Value, elemType types.Type) value.List {
	if elemType == nil {
		elemType = types.Any
	}
	return value.List{Elems: elems, ElemType: elemType}
}

// elemTypeOf picks the more specific element type of two lists.
func elemTypeOf(l, r value.List) types.Type {
	if l.ElemType != nil && !types.Equal(l.ElemType, types.Any) {
		return l.ElemType
	}
	if r.ElemType != nil {
		return r.ElemType
	}
	return l.ElemType
}

func listExists(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Exists", a, 0)
	if err != nil || null {
		return falseValue, err
	}
	for _, e := range l.Elems {
		if e != nil {
			return trueValue, nil
		}
	}
	return falseValue, nil
}

// distinctElems returns elems without duplicates (nulls count as equal),
// keeping first occurrences in order. It returns elems itself when there is
// nothing to remove.
func distinctElems(c *Context, elems []value.Value) ([]value.Value, error) {
	if len(elems) < 2 {
		return elems, nil
	}
	if len(elems) > 8 {
		if keys, ok := hashKeys(elems); ok {
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
				return elems, nil
			}
			return out, nil
		}
	}
	out := make([]value.Value, 0, len(elems))
	for _, e := range elems {
		if err := c.Tick(); err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			if elemEq(o, e) == triTrue {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out, nil
}

func listDistinct(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Distinct", a, 0)
	if err != nil || null {
		return nil, err
	}
	out, err := distinctElems(c, l.Elems)
	if err != nil {
		return nil, err
	}
	return makeList(out, l.ElemType), nil
}

func listFlatten(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Flatten", a, 0)
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
	return makeList(out, et), nil
}

func listFirst(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("First", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	return l.Elems[0], nil
}

func listLast(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Last", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	return l.Elems[len(l.Elems)-1], nil
}

func listSingletonFrom(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("SingletonFrom", a, 0)
	if err != nil || null || len(l.Elems) == 0 {
		return nil, err
	}
	if len(l.Elems) > 1 {
		return nil, Errorf("singleton from: expected a list with at most one element, but found a list with %d elements", len(l.Elems))
	}
	return l.Elems[0], nil
}

// subList returns elems[from:to] clamped to the list, as a new list value
// sharing the (immutable) backing array.
func subList(l value.List, from, to int) value.List {
	n := len(l.Elems)
	from = max(0, min(from, n))
	to = max(from, min(to, n))
	return makeList(l.Elems[from:to:to], l.ElemType)
}

func listSkip(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Skip", a, 0)
	if err != nil || null {
		return nil, err
	}
	n, nnull, err := intArg("Skip", a, 1)
	if err != nil {
		return nil, err
	}
	if nnull {
		return l, nil
	}
	if n < 0 {
		// The specification makes a negative count give an empty list.
		return makeList([]value.Value{}, l.ElemType), nil
	}
	return subList(l, n, len(l.Elems)), nil
}

func listTail(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Tail", a, 0)
	if err != nil || null {
		return nil, err
	}
	return subList(l, 1, len(l.Elems)), nil
}

func listTake(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Take", a, 0)
	if err != nil || null {
		return nil, err
	}
	n, nnull, err := intArg("Take", a, 1)
	if err != nil {
		return nil, err
	}
	if nnull || n <= 0 {
		return makeList([]value.Value{}, l.ElemType), nil
	}
	return subList(l, 0, n), nil
}

// listSlice implements Slice(list[, start[, end]]) with negative indexes
// counting back from the end of the list.
func listSlice(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Slice", a, 0)
	if err != nil || null {
		return nil, err
	}
	n := len(l.Elems)
	from, fnull, err := intArg("Slice", a, 1)
	if err != nil {
		return nil, err
	}
	to, tnull, err := intArg("Slice", a, 2)
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
	return subList(l, from, to), nil
}

func listIndexOf(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("IndexOf", a, 0)
	if err != nil || null || a[1] == nil {
		return nil, err
	}
	x := a[1]
	unknown := false
	for i, e := range l.Elems {
		switch elemEq(e, x) {
		case triTrue:
			return value.Integer(i), nil
		case triUnknown:
			unknown = true
		}
	}
	if unknown {
		return nil, nil
	}
	return value.Integer(-1), nil
}

func listIndexer(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Indexer", a, 0)
	if err != nil || null {
		return nil, err
	}
	i, inull, err := intArg("Indexer", a, 1)
	if err != nil || inull || i < 0 || i >= len(l.Elems) {
		return nil, err
	}
	return l.Elems[i], nil
}

func listLength(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Length", a, 0)
	if err != nil {
		return nil, err
	}
	if null {
		return value.Integer(0), nil
	}
	return value.Integer(len(l.Elems)), nil
}

// hashSet answers membership questions about a list, through a hash map when
// the elements allow it and by linear search otherwise.
type hashSet struct {
	elems   []value.Value
	m       map[any]struct{}
	probes  []any // keys of the values that will be looked up, by index
	hasNull bool
}

// newHashSet prepares membership tests of the values probes against elems.
// Lookups then name a probe by its index (hasAt).
func newHashSet(elems, probes []value.Value) *hashSet {
	s := &hashSet{elems: elems}
	if len(elems) > 8 && len(probes) > 1 {
		if keys, ok := hashKeys(elems, probes); ok {
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
func (s *hashSet) hasAt(i int, x value.Value) tri {
	if s.m != nil {
		if x == nil {
			return triBool(s.hasNull)
		}
		_, ok := s.m[s.probes[i]]
		return triBool(ok)
	}
	return listHas(s.elems, x)
}

// listHas is the linear membership test.
func listHas(elems []value.Value, x value.Value) tri {
	r := triFalse
	for _, e := range elems {
		switch elemEq(e, x) {
		case triTrue:
			return triTrue
		case triUnknown:
			r = triUnknown
		}
	}
	return r
}

// listContains is Contains(List<T>, T): a null list contains nothing; a
// null element is found when the list holds a null.
func listContains(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("Contains", a, 0)
	if err != nil || null {
		return falseValue, err
	}
	return listHas(l.Elems, a[1]).val(), nil
}

// listIn is In(T, List<T>).
func listIn(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("In", a, 1)
	if err != nil || null {
		return falseValue, err
	}
	return listHas(l.Elems, a[0]).val(), nil
}

// listProperHas is the list-element form of "properly includes": the element
// is in the list and the list holds some other element. For a null element
// the other element is any non-null one; for a non-null element a null
// list element makes the answer uncertain.
func listProperHas(elems []value.Value, x value.Value) tri {
	in := listHas(elems, x)
	if in == triFalse {
		return triFalse
	}
	other := triFalse
	for _, e := range elems {
		var ne tri
		if x == nil {
			ne = triBool(e != nil)
		} else if e == nil {
			ne = triUnknown
		} else {
			ne = triNot(triOf(value.Equal(e, x)))
		}
		other = triOr(other, ne)
		if other == triTrue {
			break
		}
	}
	return triAnd(in, other)
}

func listProperContains(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("ProperContains", a, 0)
	if err != nil || null {
		return falseValue, err
	}
	return listProperHas(l.Elems, a[1]).val(), nil
}

func listProperIn(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := listArg("ProperIn", a, 1)
	if err != nil || null {
		return falseValue, err
	}
	return listProperHas(l.Elems, a[0]).val(), nil
}

// listIncluded reports whether every element of sub is in super.
func listIncluded(sub, super []value.Value) tri {
	s := newHashSet(super, sub)
	r := triTrue
	for i, e := range sub {
		r = triAnd(r, s.hasAt(i, e))
		if r == triFalse {
			break
		}
	}
	return r
}

// listIncludes is Includes(List<T>, List<T>): null when either is null.
func listIncludes(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("Includes", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := listArg("Includes", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	return listIncluded(r.Elems, l.Elems).val(), nil
}

// listIncludedIn is IncludedIn(List<T>, List<T>): null when either is null.
func listIncludedIn(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("IncludedIn", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := listArg("IncludedIn", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	return listIncluded(l.Elems, r.Elems).val(), nil
}

// listProperIncluded: every element of sub is in super, and super holds an
// element that is not in sub.
func listProperIncluded(sub, super []value.Value) tri {
	r := listIncluded(sub, super)
	if r == triFalse {
		return triFalse
	}
	s := newHashSet(sub, super)
	extra := triFalse
	for i, e := range super {
		extra = triOr(extra, triNot(s.hasAt(i, e)))
		if extra == triTrue {
			break
		}
	}
	return triAnd(r, extra)
}

// listProperIncludes is ProperIncludes(List<T>, List<T>). A null first list
// gives null. A null second argument is treated as the null element (the
// list-element form), because an untyped null there is resolved to this
// overload: { 'a', null } properly includes null is true.
func listProperIncludes(_ *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("ProperIncludes", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := listArg("ProperIncludes", a, 1)
	if err != nil {
		return nil, err
	}
	if rnull {
		return listProperHas(l.Elems, nil).val(), nil
	}
	return listProperIncluded(r.Elems, l.Elems).val(), nil
}

// listProperIncludedIn is ProperIncludedIn(List<T>, List<T>), the mirror of
// listProperIncludes: a null second list gives null, a null first argument is
// the null element.
func listProperIncludedIn(_ *Context, a []value.Value) (value.Value, error) {
	r, rnull, err := listArg("ProperIncludedIn", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	l, lnull, err := listArg("ProperIncludedIn", a, 0)
	if err != nil {
		return nil, err
	}
	if lnull {
		return listProperHas(r.Elems, nil).val(), nil
	}
	return listProperIncluded(l.Elems, r.Elems).val(), nil
}

// listUnion is the distinct union; a null argument counts as an empty list.
func listUnion(c *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("Union", a, 0)
	if err != nil {
		return nil, err
	}
	r, rnull, err := listArg("Union", a, 1)
	if err != nil {
		return nil, err
	}
	if lnull && rnull {
		return makeList([]value.Value{}, types.Any), nil
	}
	n := len(l.Elems) + len(r.Elems)
	if err := c.CheckListSize(n); err != nil {
		return nil, err
	}
	all := make([]value.Value, 0, n)
	all = append(all, l.Elems...)
	all = append(all, r.Elems...)
	out, err := distinctElems(c, all)
	if err != nil {
		return nil, err
	}
	return makeList(out, elemTypeOf(l, r)), nil
}

// listIntersect keeps the distinct elements of the first list that are
// certainly in the second; null when either list is null.
func listIntersect(c *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("Intersect", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, rnull, err := listArg("Intersect", a, 1)
	if err != nil || rnull {
		return nil, err
	}
	left, err := distinctElems(c, l.Elems)
	if err != nil {
		return nil, err
	}
	s := newHashSet(r.Elems, left)
	out := make([]value.Value, 0, min(len(left), len(r.Elems)))
	for i, e := range left {
		if err := c.Tick(); err != nil {
			return nil, err
		}
		if s.hasAt(i, e) == triTrue {
			out = append(out, e)
		}
	}
	return makeList(out, elemTypeOf(l, r)), nil
}

// listExcept keeps the distinct elements of the first list that are not
// certainly in the second; a null second list counts as empty.
func listExcept(c *Context, a []value.Value) (value.Value, error) {
	l, lnull, err := listArg("Except", a, 0)
	if err != nil || lnull {
		return nil, err
	}
	r, _, err := listArg("Except", a, 1)
	if err != nil {
		return nil, err
	}
	left, err := distinctElems(c, l.Elems)
	if err != nil {
		return nil, err
	}
	s := newHashSet(r.Elems, left)
	out := make([]value.Value, 0, len(left))
	for i, e := range left {
		if err := c.Tick(); err != nil {
			return nil, err
		}
		if s.hasAt(i, e) != triTrue {
			out = append(out, e)
		}
	}
	return makeList(out, l.ElemType), nil
}

// childrenOf appends the children of v to out: the element values of a
// tuple (list-valued elements contribute their elements), and for a list
// the children of each element. Nulls are left out; other values have no
// children.
func childrenOf(out []value.Value, v value.Value) []value.Value {
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
			out = childrenOf(out, e)
		}
	}
	return out
}

// listChildren is Children(x): null for null.
func listChildren(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	return makeList(childrenOf([]value.Value{}, a[0]), types.Any), nil
}

// listDescendents is Descendents(x): the children of x, their children, and
// so on, breadth first; null for null.
func listDescendents(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	out := childrenOf([]value.Value{}, a[0])
	for i := 0; i < len(out); i++ {
		out = childrenOf(out, out[i])
		if err := c.CheckListSize(len(out)); err != nil {
			return nil, err
		}
		if i&1023 == 1023 {
			if err := cancelled(c); err != nil {
				return nil, err
			}
		}
	}
	return makeList(out, types.Any), nil
}

package fhir

import (
	"fmt"
	"sync"

	"github.com/ccg-project/ccg/cql/value"
)

// dataSource is the data set a BundleRetriever was built from: whether
// its primitives are read leniently, and the warnings of lenient reads.
// It is shared by concurrent evaluations.
type dataSource struct {
	strict   bool
	mu       sync.Mutex
	seen     map[string]bool
	warnings []*DataError
}

// lenient reports whether n, whose JSON value is not of the JSON type
// want that its FHIR type requires, may be read anyway; if so, the read
// is recorded as a warning (once per resource and path).
func (n *Node) lenient(want string) bool {
	if n.loc == nil || n.loc.src == nil || n.loc.src.strict {
		return false
	}
	w := n.errorf("FHIR.%s expects %s, found %s; read as %q", n.info.Type.Name, want, jsonKind(n.prim), fmt.Sprint(n.prim)).(*DataError)
	src := n.loc.src
	key := w.Resource + " " + w.Path
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.seen[key] {
		if src.seen == nil {
			src.seen = map[string]bool{}
		}
		src.seen[key] = true
		src.warnings = append(src.warnings, w)
	}
	return true
}

// withSource returns a copy of resource node n that reads its data as
// src says.
func withSource(n *Node, src *dataSource) *Node {
	c := *n
	if n.loc != nil {
		l := *n.loc
		l.src = src
		c.loc = &l
	} else {
		c.loc = &location{resType: n.TypeName(), resID: n.ID(), name: n.TypeName(), index: -1, src: src}
	}
	return &c
}

// Warnings returns the data warnings of evaluations so far: primitives
// that broke their JSON type rule harmlessly and were read leniently
// (never with BundleOptions.StrictData), in the order first met.
func (r *BundleRetriever) Warnings() []*DataError {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	return append([]*DataError(nil), r.src.warnings...)
}

// PrimitiveIssues lists the values of n (a resource or element, with the
// resources nested in it) that break a FHIR primitive's JSON type rule
// harmlessly: those a lenient BundleRetriever reads with a warning and a
// strict one refuses. Elements that cannot be read at all are not listed.
func PrimitiveIssues(n *Node) []*DataError {
	src := &dataSource{}
	m := R4()
	var walk func(v value.Value, depth int)
	walk = func(v value.Value, depth int) {
		if depth > maxJSONDepth {
			return
		}
		switch x := v.(type) {
		case value.List:
			for _, e := range x.Elems {
				walk(e, depth+1)
			}
		case *Node:
			if x.isPrimitive() {
				_, _ = x.PrimitiveValue() // a lenient read records the issue
				return
			}
			for t := x.info.Type; t != nil; t = t.Base {
				ti, ok := m.infoOf(t)
				if !ok {
					break
				}
				for _, e := range ti.Elements {
					if c, err := x.Property(e.Name); err == nil {
						walk(c, depth+1)
					}
				}
			}
		}
	}
	walk(withSource(n, src), 0)
	return src.warnings
}

package fhir

import (
	"fmt"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// A profile model (QI-Core, US Core) describes the FHIR resources a
// library reads with elements of System types: QICore Encounter.status is
// a String read from the FHIR element as "%value.value", Encounter.period
// an Interval<DateTime> read as "FHIRHelpers.ToInterval(%value)", and
// extensions appear as elements ("%parent.extension[url='...'].value").
// The data stays FHIR; a target is applied when the element is read.

// target is the parsed target of a profile model's element.
type target struct {
	convert bool // wrapped in a FHIRHelpers.ToX conversion
	steps   []targetStep
	list    bool
	elem    types.Type
}

// targetStep reads an element, keeping the occurrences that satisfy conds.
type targetStep struct {
	name  string
	conds []targetCond
}

// targetCond is path='literal' (url='http://...', coding.code='8480-6').
type targetCond struct {
	path []string
	lit  string
}

// parseTarget parses the forms of target the QI-Core and US Core ModelInfo
// use. Of a choice of targets ("System.Concept:...;System.ValueSet:...")
// the first is used.
func parseTarget(s, element string) (*target, error) {
	if first, _, ok := strings.Cut(s, ";"); ok && strings.HasPrefix(s, "System.") {
		_, s, _ = strings.Cut(first, ":")
	}
	t := &target{}
	if strings.HasPrefix(s, "FHIRHelpers.") {
		open := strings.IndexByte(s, '(')
		if open < 0 || !strings.HasSuffix(s, ")") {
			return nil, fmt.Errorf("target %q: unbalanced call", s)
		}
		t.convert, s = true, s[open+1:len(s)-1]
	}
	var path string
	switch {
	case s == "%value" || strings.HasPrefix(s, "%value."):
		path = element + strings.TrimPrefix(s, "%value")
	case strings.HasPrefix(s, "%parent."):
		path = strings.TrimPrefix(s, "%parent.")
	default:
		return nil, fmt.Errorf("target %q is not a path from %%value or %%parent", s)
	}
	for _, p := range splitTop(path, '.') {
		st := targetStep{name: p}
		if i := strings.IndexByte(p, '['); i >= 0 {
			if !strings.HasSuffix(p, "]") {
				return nil, fmt.Errorf("target %q: unbalanced [", s)
			}
			st.name = p[:i]
			if inner := p[i+1 : len(p)-1]; inner != "x" {
				for _, c := range splitTop(inner, ',') {
					lhs, rhs, ok := strings.Cut(c, "=")
					if !ok || len(rhs) < 2 || rhs[0] != '\'' || rhs[len(rhs)-1] != '\'' {
						return nil, fmt.Errorf("target %q: condition %q is not path='value'", s, c)
					}
					st.conds = append(st.conds, targetCond{path: strings.Split(lhs, "."), lit: rhs[1 : len(rhs)-1]})
				}
			}
		}
		t.steps = append(t.steps, st)
	}
	return t, nil
}

// splitTop splits s at sep outside brackets and quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// read applies the target to the FHIR value src holding the element.
func (t *target) read(src value.Value) (value.Value, error) {
	cur := []value.Value{src}
	for _, st := range t.steps {
		next, err := navigate(cur, st.name)
		if err != nil {
			return nil, err
		}
		if len(st.conds) > 0 {
			kept := next[:0:0]
			for _, v := range next {
				ok, err := st.matches(v)
				if err != nil {
					return nil, err
				}
				if ok {
					kept = append(kept, v)
				}
			}
			next = kept
		}
		cur = next
	}
	if t.convert {
		for i, v := range cur {
			c, err := toSystem(v)
			if err != nil {
				return nil, err
			}
			cur[i] = c
		}
	}
	if t.list {
		return value.List{Elems: cur, ElemType: t.elem}, nil
	}
	if len(cur) == 0 {
		return nil, nil
	}
	return cur[0], nil
}

func (st *targetStep) matches(v value.Value) (bool, error) {
	for _, c := range st.conds {
		vals := []value.Value{v}
		for _, p := range c.path {
			var err error
			if vals, err = navigate(vals, p); err != nil {
				return false, err
			}
		}
		found := false
		for _, x := range vals {
			s, err := toSystem(x)
			if err != nil {
				return false, err
			}
			if str, ok := s.(value.String); ok && string(str) == c.lit {
				found = true
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// navigate reads element name of each value, flattening lists.
func navigate(vals []value.Value, name string) ([]value.Value, error) {
	var out []value.Value
	for _, v := range vals {
		n, ok := v.(*Node)
		if !ok {
			continue
		}
		r, err := n.Property(name)
		if err != nil {
			return nil, err
		}
		switch x := r.(type) {
		case nil:
		case value.List:
			for _, e := range x.Elems {
				if e != nil {
					out = append(out, e)
				}
			}
		default:
			out = append(out, r)
		}
	}
	return out, nil
}

// toSystem converts a FHIR value to the System value FHIRHelpers gives it
// (a primitive to its value, CodeableConcept to Concept, Period to
// Interval<DateTime>, ...); other values are returned as they are.
func toSystem(v value.Value) (value.Value, error) {
	n, ok := v.(*Node)
	if !ok {
		return v, nil
	}
	if _, fn, ok := R4().ImplicitConversion(n.Type()); ok {
		return fn(v)
	}
	return v, nil
}

// PropertyReader returns how the element name of the profile type t is
// read from FHIR data, when the element has a target; the checker attaches
// it to the property so that the evaluator applies it.
func (m *Model) PropertyReader(t *types.Named, name string) (func(value.Value) (value.Value, error), error) {
	if m.name == ModelName {
		return nil, nil
	}
	el, ok := m.ElementOf(t, name)
	if !ok || el.Target == "" {
		return nil, nil
	}
	tg, err := parseTarget(el.Target, name)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", t, name, err)
	}
	tg.list, tg.elem = el.List, el.One
	return tg.read, nil
}

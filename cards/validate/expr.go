package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Library is what the expression check needs to know of a CQL library.
type Library struct {
	// Ref is the reference the library was found by.
	Ref string
	// Name is the CQL library's name.
	Name string
	// Defines are its expression definitions; nil when it did not
	// compile (its compile errors are reported on their own).
	Defines map[string]bool
}

// Libraries finds a Library by reference ("url", "url|version" or
// "Library/id"); ok is false when the content has none.
type Libraries func(ref string) (lib Library, ok bool)

// Inline compiles a text/cql expression that is no define's name against
// the given libraries (CPG's inline CQL); nil when it compiles.
type Inline func(expr string, libs []Library) error

// cqlLanguage tells the expression languages that name CQL.
func cqlLanguage(lang string) (identifier, ok bool) {
	switch lang {
	case "text/cql-identifier", "text/cql.identifier", "text/cql.name":
		return true, true
	case "text/cql", "text/cql-expression", "text/cql.expression":
		return false, true
	}
	return false, false
}

// Expressions checks that every CQL expression a PlanDefinition or an
// ActivityDefinition names resolves: each library it names (its own
// library list and an expression's reference) is in the content, and each
// condition's and dynamicValue's expression is a define of one of them or,
// for text/cql, an expression that compiles against them (inline may be
// nil: then it must be a define). Each violation names the resource and
// the element, e.g. PlanDefinition/x action[0].condition[0].expression.
func Expressions(resources []Resource, libs Libraries, inline Inline) []Violation {
	var out []Violation
	for _, r := range resources {
		t := str(r, "resourceType")
		if t != "PlanDefinition" && t != "ActivityDefinition" {
			continue
		}
		c := &exprChecker{checker: checker{res: r}, libs: libs, inline: inline}
		var own []Library
		for i, l := range list(r, "library") {
			ref, _ := l.(string)
			lib, ok := libs(ref)
			lib.Ref = ref
			if !ok {
				c.add(fmt.Sprintf("library[%d]", i), "Library %s is not in the content", ref)
				c.broken = true
				continue
			}
			own = append(own, lib)
		}
		c.own = own
		if t == "PlanDefinition" {
			c.actions(list(r, "action"), "action")
		}
		c.dynamicValues(list(r, "dynamicValue"), "")
		out = append(out, c.out...)
	}
	return out
}

type exprChecker struct {
	checker
	libs   Libraries
	inline Inline
	own    []Library
	broken bool // a library of the resource is missing: reported once
}

func (c *exprChecker) actions(actions []any, path string) {
	for i, a := range actions {
		am := obj(a)
		p := fmt.Sprintf("%s[%d]", path, i)
		for j, cd := range list(am, "condition") {
			c.expression(obj(obj(cd)["expression"]), fmt.Sprintf("%s.condition[%d].expression", p, j))
		}
		c.dynamicValues(list(am, "dynamicValue"), p+".")
		c.actions(list(am, "action"), p+".action")
	}
}

func (c *exprChecker) dynamicValues(dvs []any, prefix string) {
	for j, dv := range dvs {
		c.expression(obj(obj(dv)["expression"]), fmt.Sprintf("%sdynamicValue[%d].expression", prefix, j))
	}
}

func (c *exprChecker) expression(e map[string]any, path string) {
	src := str(e, "expression")
	identifier, isCQL := cqlLanguage(str(e, "language"))
	if e == nil || src == "" || !isCQL {
		return
	}
	libs := c.own
	if ref := str(e, "reference"); ref != "" {
		lib, ok := c.libs(ref)
		lib.Ref = ref
		if !ok {
			c.add(path+".reference", "Library %s is not in the content", ref)
			return
		}
		libs = append([]Library{lib}, libs...)
	}
	if len(libs) == 0 {
		if !c.broken {
			c.add(path, "CQL %q names no Library: give the %s a library (or the expression a reference)", src, str(c.res, "resourceType"))
		}
		return
	}
	var names []string
	for _, l := range libs {
		if l.Defines == nil {
			return // did not compile: its errors are reported
		}
		if l.Defines[src] {
			return
		}
		names = append(names, l.Name)
	}
	var inlineErr error
	if c.inline != nil {
		if inlineErr = c.inline(src, libs); inlineErr == nil {
			return
		}
	}
	msg := fmt.Sprintf("no define %q in library %s", src, strings.Join(names, ", "))
	if near := nearest(src, libs); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	if !identifier && inlineErr != nil {
		msg += "; as a CQL expression: " + inlineErr.Error()
	}
	c.add(path, "%s", msg)
}

// nearest is the define of libs closest to name (case-insensitively the
// same, or within a third of its length in edits), "" when none is.
func nearest(name string, libs []Library) string {
	best, bestD := "", len(name)/3+1
	var all []string
	for _, l := range libs {
		for d := range l.Defines {
			all = append(all, d)
		}
	}
	sort.Strings(all)
	for _, d := range all {
		if strings.EqualFold(d, name) {
			return d
		}
		if dist := levenshtein.ComputeDistance(strings.ToLower(d), strings.ToLower(name)); dist < bestD {
			best, bestD = d, dist
		}
	}
	return best
}

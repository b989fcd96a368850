// Package lint finds CCG content that is valid but will not behave as its
// author most likely meant. Its findings are warnings: a package with them
// still validates and publishes.
//
// The one check so far is the "not already done" condition. A CARD fires
// while its conditions are true; once a Guideline Performer has acted on
// it, the data-in Bundle holds the CARD's request or its Resulting Data
// (for a reqlab CARD, a ServiceRequest). Unless some condition reads that
// resource type, nothing can turn the CARD off, and it fires again on
// every $apply, until `ccg perform` gives up.
package lint

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/parser"
)

// Warning is one finding, in the shape of a validation violation.
type Warning = validate.Violation

// NotAlreadyDone warns about every CARD none of whose CQL conditions reads
// (directly or through the definitions and functions it uses, in its own
// or included libraries of the package) a resource type its Action or its
// Resulting Data is recorded as. CARDs with a FHIRPath condition, or whose
// libraries are not in the package or do not parse, are not judged.
func NotAlreadyDone(resources []validate.Resource) []Warning {
	libs := map[string]*library{} // by canonical url and by CQL name
	for _, r := range resources {
		if validate.Classify(r) != validate.KindLibrary {
			continue
		}
		l := parseLibrary(r)
		if l == nil {
			continue
		}
		if u, _ := r["url"].(string); u != "" {
			libs[u] = l
		}
		libs[l.name] = l
	}
	var out []Warning
	for _, r := range resources {
		if validate.Classify(r) != validate.KindCARD {
			continue
		}
		typ, ok := cards.Lookup(cardType(r))
		if !ok {
			continue
		}
		var main *library
		if ls, _ := r["library"].([]any); len(ls) > 0 {
			s, _ := ls[0].(string)
			main = libs[validate.Canonical(s)]
		}
		done := map[string]bool{typ.Request: true, typ.Result: true}
		reads, judged, n := map[string]bool{}, true, 0
		for _, a := range objs(r["action"]) {
			for _, c := range objs(a["condition"]) {
				e, _ := c["expression"].(map[string]any)
				lang, _ := e["language"].(string)
				text, _ := e["expression"].(string)
				rd, ok := main.condition(libs, lang, text)
				judged = judged && ok
				n++
				for t := range rd {
					reads[t] = true
				}
			}
		}
		if !judged || n == 0 {
			continue
		}
		hit := false
		for t := range done {
			hit = hit || reads[t]
		}
		if hit {
			continue
		}
		want := sortedKeys(done)
		// A Task's outcome is what the data shows (the Condition of a
		// propdx, the Observation of a collect).
		example := typ.Request
		if example == "Task" {
			example = typ.Result
		}
		out = append(out, Warning{Resource: validate.Label(r), Path: "action.condition",
			Message: fmt.Sprintf("no condition reads %s, so nothing turns this %s CARD off once it has been acted on: "+
				"it fires again on every $apply (ccg perform gives up after --max-rounds). "+
				"Add a \"not already done\" condition, e.g. `not exists [%s: \"the code\"]`",
				strings.Join(want, " or "), typ.Code, example)})
	}
	return out
}

// library is a parsed CQL library: its definitions and functions by name
// and its includes by local name.
type library struct {
	name     string
	defs     map[string]ast.Expr
	funcs    map[string][]ast.Expr
	includes map[string]string // local name -> library name
}

func parseLibrary(r validate.Resource) *library {
	for _, c := range objs(r["content"]) {
		ct, _ := c["contentType"].(string)
		data, _ := c["data"].(string)
		if !strings.HasPrefix(ct, "text/cql") || data == "" {
			continue
		}
		src, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil
		}
		tree, errs := parser.Parse("lint", string(src))
		if len(errs) > 0 || tree == nil {
			return nil
		}
		l := &library{defs: map[string]ast.Expr{}, funcs: map[string][]ast.Expr{}, includes: map[string]string{}}
		if tree.Identifier != nil {
			l.name = tree.Identifier.Name
		}
		for _, inc := range tree.Includes {
			l.includes[inc.LocalName()] = inc.Name
		}
		for _, st := range tree.Statements {
			switch d := st.(type) {
			case *ast.ExpressionDef:
				l.defs[d.Name] = d.Expr
			case *ast.FunctionDef:
				if d.Body != nil {
					l.funcs[d.Name] = append(l.funcs[d.Name], d.Body)
				}
			}
		}
		return l
	}
	return nil
}

// condition returns the resource types a CARD condition reads; ok is
// false when it cannot be followed (no library, an unknown definition, a
// language other than CQL, CQL that does not parse: the profile and CQL
// checks report those).
func (l *library) condition(libs map[string]*library, lang, text string) (reads map[string]bool, ok bool) {
	if l == nil {
		return nil, false
	}
	if lang != "text/cql-identifier" && lang != "text/cql" && lang != "text/cql-expression" {
		return nil, false
	}
	if x := l.defs[text]; x != nil {
		return l.reads(libs, x, map[ast.Node]bool{}), true
	}
	if lang == "text/cql-identifier" {
		return nil, false
	}
	x, errs := parser.ParseExpression(text)
	if len(errs) > 0 {
		return nil, false
	}
	return l.reads(libs, x, map[ast.Node]bool{}), true
}

// reads returns the resource types retrieved by x and by every definition
// and function it refers to, following includes into libs.
func (l *library) reads(libs map[string]*library, x ast.Expr, seen map[ast.Node]bool) map[string]bool {
	out := map[string]bool{}
	var visit func(l *library, n ast.Node)
	follow := func(l *library, x ast.Expr) {
		if x != nil && !seen[x] {
			seen[x] = true
			visit(l, x)
		}
	}
	visit = func(l *library, n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Retrieve:
				if n.Type != nil {
					out[n.Type.Name] = true
				}
			case *ast.IdentifierRef:
				follow(l, l.defs[n.Name])
			case *ast.MemberAccess:
				if id, ok := n.Source.(*ast.IdentifierRef); ok {
					if inc := libs[l.includes[id.Name]]; inc != nil {
						follow(inc, inc.defs[n.Name])
					}
				}
			case *ast.FunctionCall:
				target := l
				if n.LibraryQualifier != "" {
					target = libs[l.includes[n.LibraryQualifier]]
				}
				if target != nil {
					for _, body := range target.funcs[n.Name] {
						follow(target, body)
					}
				}
			}
			return true
		})
	}
	visit(l, x)
	return out
}

// cardType is the ccg-card-type-cs code of a CARD's topic.
func cardType(r validate.Resource) string {
	for _, t := range objs(r["topic"]) {
		for _, c := range objs(t["coding"]) {
			sys, _ := c["system"].(string)
			if strings.HasSuffix(sys, "/QRPH/CCG/CodeSystem/ccg-card-type-cs") {
				code, _ := c["code"].(string)
				return code
			}
		}
	}
	return ""
}

func objs(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

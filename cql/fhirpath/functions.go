package fhirpath

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"github.com/cockroachdb/apd/v3"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// arity is the number of arguments of each function: min and max.
var arity = map[string][2]int{
	"empty": {0, 0}, "exists": {0, 1}, "all": {1, 1}, "allTrue": {0, 0}, "anyTrue": {0, 0}, "allFalse": {0, 0},
	"anyFalse": {0, 0}, "subsetOf": {1, 1}, "supersetOf": {1, 1}, "count": {0, 0}, "distinct": {0, 0},
	"isDistinct": {0, 0}, "where": {1, 1}, "select": {1, 1}, "repeat": {1, 1}, "ofType": {1, 1},
	"as": {1, 1}, "is": {1, 1}, "single": {0, 0}, "first": {0, 0}, "last": {0, 0}, "tail": {0, 0},
	"skip": {1, 1}, "take": {1, 1}, "intersect": {1, 1}, "exclude": {1, 1}, "union": {1, 1},
	"combine": {1, 1}, "iif": {2, 3}, "toBoolean": {0, 0}, "convertsToBoolean": {0, 0},
	"toInteger": {0, 0}, "convertsToInteger": {0, 0}, "toLong": {0, 0}, "convertsToLong": {0, 0},
	"toDate": {0, 0}, "convertsToDate": {0, 0}, "toDateTime": {0, 0}, "convertsToDateTime": {0, 0},
	"toDecimal": {0, 0}, "convertsToDecimal": {0, 0}, "toQuantity": {0, 1}, "convertsToQuantity": {0, 1},
	"toString": {0, 0}, "convertsToString": {0, 0}, "toTime": {0, 0}, "convertsToTime": {0, 0},
	"indexOf": {1, 1}, "lastIndexOf": {1, 1}, "substring": {1, 2}, "startsWith": {1, 1}, "endsWith": {1, 1},
	"contains": {1, 1}, "upper": {0, 0}, "lower": {0, 0}, "replace": {2, 2}, "matches": {1, 1},
	"matchesFull": {1, 1}, "replaceMatches": {2, 2}, "length": {0, 0}, "toChars": {0, 0}, "trim": {0, 0},
	"split": {1, 1}, "join": {0, 1}, "encode": {1, 1}, "decode": {1, 1}, "escape": {1, 1}, "unescape": {1, 1},
	"abs": {0, 0}, "ceiling": {0, 0}, "exp": {0, 0}, "floor": {0, 0}, "ln": {0, 0}, "log": {1, 1},
	"power": {1, 1}, "round": {0, 1}, "sqrt": {0, 0}, "truncate": {0, 0}, "children": {0, 0},
	"descendants": {0, 0}, "trace": {1, 2}, "now": {0, 0}, "timeOfDay": {0, 0}, "today": {0, 0},
	"not": {0, 0}, "extension": {1, 1}, "hasValue": {0, 0}, "getValue": {0, 0}, "resolve": {0, 0},
	"memberOf": {1, 1}, "conformsTo": {1, 1}, "htmlChecks": {0, 0}, "aggregate": {1, 2},
	"sum": {0, 0}, "min": {0, 0}, "max": {0, 0}, "avg": {0, 0}, "precision": {0, 0},
	"lowBoundary": {0, 1}, "sort": {0, 9}, "highBoundary": {0, 1}, "comparable": {1, 1}, "type": {0, 0},
	"yearOf": {0, 0}, "monthOf": {0, 0}, "dayOf": {0, 0}, "hourOf": {0, 0}, "minuteOf": {0, 0},
	"secondOf": {0, 0}, "millisecondOf": {0, 0}, "timezoneOffsetOf": {0, 0}, "dateOf": {0, 0}, "timeOf": {0, 0},
}

func (ev *evaluator) call(x *ast.FunctionCall, focus []value.Value, fr *frame) ([]value.Value, error) {
	in := focus
	if x.Source != nil {
		var err error
		if in, err = ev.eval(x.Source, focus, fr); err != nil {
			return nil, err
		}
	}
	ar, ok := arity[x.Name]
	if !ok {
		return nil, errAt(x, "unknown function %s()", x.Name)
	}
	if len(x.Args) < ar[0] || len(x.Args) > ar[1] {
		return nil, errAt(x, "%s() takes %d to %d arguments, found %d", x.Name, ar[0], ar[1], len(x.Args))
	}
	// arg evaluates argument i against the function's input collection.
	arg := func(i int) ([]value.Value, error) { return ev.eval(x.Args[i], focus, fr) }
	// singleArg evaluates argument i to at most one System value.
	singleArg := func(i int) (value.Value, error) { return ev.single(x.Args[i], focus, fr) }
	switch x.Name {
	case "where", "select", "all", "exists", "repeat":
		if x.Name == "exists" && len(x.Args) == 0 {
			return boolColl(len(in) > 0), nil
		}
		return ev.iterate(x, in, fr)
	case "aggregate":
		return ev.aggregate(x, in, fr)
	case "sort":
		return ev.sort(x, in, fr)
	case "iif":
		if len(in) > 1 {
			return nil, errAt(x, "iif() on a collection of %d items", len(in))
		}
		sub := fr
		if x.Source != nil {
			sub = &frame{this: first(in), outer: fr}
			if fr != nil {
				sub.index, sub.total = fr.index, fr.total
			}
		}
		c, err := ev.eval(x.Args[0], in, sub)
		if err != nil {
			return nil, err
		}
		if len(c) == 1 {
			if _, isB := System(c[0]).(value.Boolean); !isB {
				return nil, errAt(x.Args[0], "the criterion of iif() must be a Boolean, found %s", typeOf(c[0]))
			}
		}
		b, err := singletonBool(x.Args[0], c)
		if err != nil {
			return nil, err
		}
		if b != nil && bool(*b) {
			return ev.eval(x.Args[1], in, sub)
		}
		if len(x.Args) == 3 {
			return ev.eval(x.Args[2], in, sub)
		}
		return nil, nil
	case "ofType", "as", "is":
		name := typeArgName(x.Args[0])
		switch x.Name {
		case "ofType":
			if !knownType(name) {
				return nil, errAt(x, "unknown type %s", name)
			}
			return ofType(in, name), nil
		case "as":
			return ev.asColl(x, in, name)
		}
		return ev.isColl(x, in, name)
	case "trace":
		name, err := singleArg(0)
		if err != nil {
			return nil, err
		}
		items := in
		if len(x.Args) == 2 {
			if items, err = ev.mapItems(x.Args[1], in, fr); err != nil {
				return nil, err
			}
		}
		if ev.env.Trace != nil {
			s, _ := name.(value.String)
			ev.env.Trace(string(s), items)
		}
		return in, nil
	case "empty":
		return boolColl(len(in) == 0), nil
	case "count":
		return []value.Value{value.Integer(len(in))}, nil
	case "distinct":
		return distinct(in), nil
	case "isDistinct":
		return boolColl(len(distinct(in)) == len(in)), nil
	case "first":
		return one(first(in)), nil
	case "last":
		if len(in) == 0 {
			return nil, nil
		}
		return in[len(in)-1:], nil
	case "tail":
		if len(in) < 2 {
			return nil, nil
		}
		return in[1:], nil
	case "single":
		if len(in) > 1 {
			return nil, errAt(x, "single() on a collection of %d items", len(in))
		}
		return in, nil
	case "skip", "take":
		n, err := singleArg(0)
		if err != nil {
			return nil, err
		}
		i, ok := n.(value.Integer)
		if !ok {
			return nil, errAt(x, "%s() needs an Integer", x.Name)
		}
		k := max(0, min(int(i), len(in)))
		if x.Name == "skip" {
			return in[k:], nil
		}
		return in[:k], nil
	case "union", "combine", "intersect", "exclude", "subsetOf", "supersetOf":
		other, err := arg(0)
		if err != nil {
			return nil, err
		}
		switch x.Name {
		case "union":
			return distinct(append(append([]value.Value(nil), in...), other...)), nil
		case "combine":
			return append(append([]value.Value(nil), in...), other...), nil
		case "intersect":
			return intersect(in, other), nil
		case "exclude":
			return exclude(in, other), nil
		case "subsetOf":
			return boolColl(len(exclude(in, other)) == 0), nil
		}
		return boolColl(len(exclude(other, in)) == 0), nil
	case "allTrue", "anyTrue", "allFalse", "anyFalse":
		want := x.Name == "allTrue" || x.Name == "anyTrue"
		all := strings.HasPrefix(x.Name, "all")
		for _, v := range in {
			b, ok := System(v).(value.Boolean)
			if !ok {
				return nil, errAt(x, "%s() on a non-Boolean item", x.Name)
			}
			if all && bool(b) != want {
				return boolColl(false), nil
			}
			if !all && bool(b) == want {
				return boolColl(true), nil
			}
		}
		return boolColl(all), nil
	case "not":
		b, err := singletonBool(x, in)
		if err != nil || b == nil {
			return nil, err
		}
		return boolColl(!bool(*b)), nil
	case "children":
		return children(in)
	case "descendants":
		var out []value.Value
		level := in
		for len(level) > 0 {
			next, err := children(level)
			if err != nil {
				return nil, err
			}
			out = append(out, next...)
			if err := ev.b.CheckListSize(len(out)); err != nil {
				return nil, errAt(x, "descendants(): %v", err)
			}
			level = next
		}
		return out, nil
	case "now":
		return []value.Value{ev.b.Now}, nil
	case "today":
		n := ev.b.Now
		return []value.Value{value.Date{Year: n.Year, Month: n.Month, Day: n.Day, Precision: value.Day}}, nil
	case "timeOfDay":
		n := ev.b.Now
		return []value.Value{value.Time{Hour: n.Hour, Minute: n.Minute, Second: n.Second, Millisecond: n.Millisecond, Precision: value.Millisecond}}, nil
	case "extension":
		url, err := singleArg(0)
		if err != nil {
			return nil, err
		}
		exts, err := ev.navigate(x, in, "extension")
		if err != nil {
			return nil, err
		}
		var out []value.Value
		for _, e := range exts {
			u, err := ev.navigate(x, []value.Value{e}, "url")
			if err != nil {
				return nil, err
			}
			if len(u) == 1 && url != nil && System(u[0]) == url {
				out = append(out, e)
			}
		}
		return out, nil
	case "hasValue":
		if len(in) != 1 {
			return boolColl(false), nil
		}
		n, ok := in[0].(*fhir.Node)
		return boolColl(ok && n.Raw() == nil && n.Primitive() != nil), nil
	case "getValue":
		if len(in) == 1 {
			if n, ok := in[0].(*fhir.Node); ok && n.Raw() == nil && n.Primitive() != nil {
				return one(System(n)), nil
			}
		}
		return nil, nil
	case "resolve":
		return ev.resolve(in), nil
	case "memberOf":
		return ev.memberOf(x, in, singleArg)
	case "conformsTo":
		url, err := singleArg(0)
		if err != nil {
			return nil, err
		}
		return conformsTo(x, in, url)
	case "htmlChecks":
		if len(in) != 1 {
			return nil, nil
		}
		s, ok := System(in[0]).(value.String)
		return boolColl(ok && htmlOK(string(s))), nil
	case "type":
		var out []value.Value
		for _, v := range in {
			ns, name := "System", ""
			if n, ok := v.(*fhir.Node); ok {
				ns, name = "FHIR", n.TypeName()
			} else if t, ok := v.Type().(*types.Named); ok {
				name = t.Name
			}
			out = append(out, value.Tuple{Names: []string{"namespace", "name"}, Values: []value.Value{value.String(ns), value.String(name)}})
		}
		return out, nil
	case "sum", "min", "max", "avg":
		return ev.aggregateOp(x, in)
	case "join":
		sep := value.Value(value.String(""))
		if len(x.Args) == 1 {
			var err error
			if sep, err = singleArg(0); err != nil {
				return nil, err
			}
		}
		parts := make([]string, len(in))
		for i, v := range in {
			s, ok := System(v).(value.String)
			if !ok {
				return nil, errAt(x, "join() needs Strings, found %s", typeOf(v))
			}
			parts[i] = string(s)
		}
		s, _ := sep.(value.String)
		return []value.Value{value.String(strings.Join(parts, string(s)))}, nil
	}
	return ev.scalar(x, in, singleArg)
}

func first(in []value.Value) value.Value {
	if len(in) == 0 {
		return nil
	}
	return in[0]
}

// typeArgName is the type named by the argument of ofType/as/is.
func typeArgName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.IdentifierRef:
		return x.Name
	case *ast.MemberAccess:
		if id, ok := x.Source.(*ast.IdentifierRef); ok {
			return id.Name + "." + x.Name
		}
	case *ast.StringLiteral:
		return x.Value
	}
	return ""
}

// iterate runs where, select, all, exists(criteria) and repeat, whose
// argument is evaluated once per input item with $this and $index.
func (ev *evaluator) iterate(x *ast.FunctionCall, in []value.Value, fr *frame) ([]value.Value, error) {
	crit := x.Args[0]
	var out []value.Value
	if x.Name == "repeat" {
		seen := []value.Value{}
		level := in
		for len(level) > 0 {
			var next []value.Value
			for i, v := range level {
				r, err := ev.eval(crit, []value.Value{v}, &frame{this: v, index: i, outer: fr})
				if err != nil {
					return nil, err
				}
				if err := ev.b.CheckListSize(len(seen) + len(r)); err != nil {
					return nil, errAt(x, "repeat(): %v", err)
				}
				for _, item := range r {
					if err := ev.b.Tick(); err != nil {
						return nil, err
					}
					if !member(item, seen) {
						seen = append(seen, item)
						next = append(next, item)
					}
				}
			}
			out = append(out, next...)
			level = next
		}
		return out, nil
	}
	for i, v := range in {
		r, err := ev.eval(crit, []value.Value{v}, &frame{this: v, index: i, outer: fr})
		if err != nil {
			return nil, err
		}
		if x.Name == "select" {
			out = append(out, r...)
			continue
		}
		b, err := singletonBool(crit, r)
		if err != nil {
			return nil, err
		}
		ok := b != nil && bool(*b)
		switch x.Name {
		case "where":
			if ok {
				out = append(out, v)
			}
		case "all":
			if !ok {
				return boolColl(false), nil
			}
		case "exists":
			if ok {
				return boolColl(true), nil
			}
		}
	}
	switch x.Name {
	case "all":
		return boolColl(true), nil
	case "exists":
		return boolColl(false), nil
	}
	return out, nil
}

// mapItems evaluates x once per item ($this) and concatenates.
func (ev *evaluator) mapItems(x ast.Expr, in []value.Value, fr *frame) ([]value.Value, error) {
	var out []value.Value
	for i, v := range in {
		r, err := ev.eval(x, []value.Value{v}, &frame{this: v, index: i, outer: fr})
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

func (ev *evaluator) aggregate(x *ast.FunctionCall, in []value.Value, fr *frame) ([]value.Value, error) {
	var total []value.Value
	if len(x.Args) == 2 {
		var err error
		if total, err = ev.eval(x.Args[1], in, fr); err != nil {
			return nil, err
		}
	}
	for i, v := range in {
		r, err := ev.eval(x.Args[0], []value.Value{v}, &frame{this: v, index: i, total: total, outer: fr})
		if err != nil {
			return nil, err
		}
		total = r
	}
	return total, nil
}

func (ev *evaluator) aggregateOp(x *ast.FunctionCall, in []value.Value) ([]value.Value, error) {
	if len(in) == 0 {
		if x.Name == "sum" {
			return []value.Value{value.Integer(0)}, nil
		}
		return nil, nil
	}
	elems := make([]value.Value, len(in))
	var common value.Value
	for i, v := range in {
		elems[i] = operand(v)
		if common == nil || types.Equal(common.Type(), types.Integer) {
			common = elems[i]
		}
	}
	for i := range elems {
		elems[i], _ = unify(elems[i], common)
	}
	name := map[string]string{"sum": "Sum", "min": "Min", "max": "Max", "avg": "Avg"}[x.Name]
	v, err := ev.op(x, name, value.List{Elems: elems, ElemType: types.Any})
	return one(v), err
}

// children lists the child elements of every item.
func children(in []value.Value) ([]value.Value, error) {
	var out []value.Value
	for _, v := range in {
		n, ok := v.(*fhir.Node)
		if !ok || n.Raw() == nil {
			continue
		}
		keys := make([]string, 0, len(n.Raw()))
		for k := range n.Raw() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		done := map[string]bool{}
		for _, k := range keys {
			name := elementName(n, strings.TrimPrefix(k, "_"))
			if name == "" || done[name] {
				continue
			}
			done[name] = true
			p, err := n.Property(name)
			if err != nil {
				return nil, err
			}
			out = append(out, one(p)...)
		}
	}
	return out, nil
}

// elementName maps a JSON key to its element: valueQuantity to value.
func elementName(n *fhir.Node, key string) string {
	m := fhir.R4()
	t, _ := n.Type().(*types.Named)
	if key == "resourceType" || t == nil {
		return ""
	}
	if _, ok := m.ElementOf(t, key); ok {
		return key
	}
	for i := len(key) - 1; i > 0; i-- {
		if e, ok := m.ElementOf(t, key[:i]); ok && e.Choice != nil {
			return key[:i]
		}
	}
	return ""
}

// resolve finds the resources that References (or reference strings)
// name: contained resources of %resource, Bundle entries of
// %rootResource, then Env.Resolve.
func (ev *evaluator) resolve(in []value.Value) []value.Value {
	var out []value.Value
	for _, v := range in {
		var ref string
		switch x := v.(type) {
		case *fhir.Node:
			if x.Raw() == nil {
				s, _ := System(x).(value.String)
				ref = string(s)
			} else if r, _ := x.Property("reference"); r != nil {
				s, _ := System(r).(value.String)
				ref = string(s)
			}
		case value.String:
			ref = string(x)
		}
		if ref == "" {
			continue
		}
		if r := ev.findResource(ref); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (ev *evaluator) findResource(ref string) value.Value {
	for _, root := range ev.resource {
		n, ok := root.(*fhir.Node)
		if !ok || n.Raw() == nil {
			continue
		}
		if id, ok := strings.CutPrefix(ref, "#"); ok {
			cs, _ := n.Property("contained")
			for _, c := range one(cs) {
				if cn, ok := c.(*fhir.Node); ok && cn.ID() == id {
					return c
				}
			}
			continue
		}
		entries, err := n.Get("entry")
		if err != nil {
			continue
		}
		for _, e := range one(entries) {
			en := e.(*fhir.Node)
			full, _ := en.Property("fullUrl")
			res, _ := en.Property("resource")
			rn, ok := res.(*fhir.Node)
			if !ok {
				continue
			}
			if f, _ := System(full).(value.String); string(f) == ref || strings.HasSuffix(ref, rn.TypeName()+"/"+rn.ID()) && rn.ID() != "" {
				return rn
			}
		}
	}
	if ev.env.Resolve != nil {
		return ev.env.Resolve(ref)
	}
	return nil
}

func (ev *evaluator) memberOf(x *ast.FunctionCall, in []value.Value, singleArg func(int) (value.Value, error)) ([]value.Value, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > 1 {
		return nil, errAt(x, "memberOf() on a collection of %d items", len(in))
	}
	url, err := singleArg(0)
	if err != nil || url == nil {
		return nil, err
	}
	u, ok := url.(value.String)
	if !ok {
		return nil, errAt(x, "memberOf() needs a value set URL")
	}
	if ev.env.Terminology == nil {
		return nil, errAt(x, "memberOf(): no terminology is available")
	}
	var codes []value.Code
	c, err := fhir.ToSystem(in[0])
	if err != nil {
		return nil, errAt(x, "%v", err)
	}
	switch c := c.(type) {
	case value.Code:
		codes = []value.Code{c}
	case value.Concept:
		codes = c.Codes
	case value.String:
		codes = []value.Code{{Code: string(c)}}
	default:
		return nil, errAt(x, "memberOf() needs a code, Coding or CodeableConcept, found %s", typeOf(in[0]))
	}
	id, version, _ := strings.Cut(string(u), "|")
	for _, code := range codes {
		ok, err := ev.env.Terminology.InValueSet(ev.b.Ctx, code, value.ValueSetRef{ID: id, Version: version})
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		if ok {
			return boolColl(true), nil
		}
	}
	return boolColl(false), nil
}

const coreProfiles = "http://hl7.org/fhir/StructureDefinition/"

// conformsTo knows the core profiles (the resource types); other
// profiles are an error.
func conformsTo(x ast.Node, in []value.Value, url value.Value) ([]value.Value, error) {
	if len(in) == 0 || url == nil {
		return nil, nil
	}
	u, _ := url.(value.String)
	name, ok := strings.CutPrefix(string(u), coreProfiles)
	if _, known := fhir.R4().Info(name); !ok || !known {
		return nil, errAt(x, "conformsTo(): profile %s is not known", u)
	}
	var out []value.Value
	for _, v := range in {
		n, isNode := v.(*fhir.Node)
		out = append(out, value.Boolean(isNode && nodeIs(n, name)))
	}
	return out, nil
}

// htmlOK applies FHIR's narrative rules: well-formed XHTML without
// scripts, forms, event attributes or external objects.
func htmlOK(s string) bool {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(se.Name.Local) {
			case "script", "form", "object", "embed", "iframe", "applet", "base", "link", "meta", "input", "button":
				return false
			}
			for _, a := range se.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					return false
				}
			}
		}
	}
}

var (
	htmlEscaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	jsonEscaper   = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	jsonUnescaper = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n", `\r`, "\r", `\t`, "\t", `\/`, "/")
)

// quantityText is a Quantity as FHIRPath writes it: 1 'wk', 4 days.
func quantityText(q value.Quantity) string {
	n := q.Value.D.Text('f')
	if calendarUnit(q.Unit) {
		return n + " " + q.Unit
	}
	return n + " '" + q.Unit + "'"
}

func encode(s, enc string) (string, bool) {
	switch enc {
	case "base64":
		return base64.StdEncoding.EncodeToString([]byte(s)), true
	case "urlbase64":
		return base64.URLEncoding.EncodeToString([]byte(s)), true
	case "hex":
		return hex.EncodeToString([]byte(s)), true
	}
	return "", false
}

func decode(s, enc string) (string, bool) {
	var b []byte
	var err error
	switch enc {
	case "base64":
		b, err = base64.StdEncoding.DecodeString(s)
	case "urlbase64":
		b, err = base64.URLEncoding.DecodeString(s)
	case "hex":
		b, err = hex.DecodeString(s)
	default:
		return "", false
	}
	return string(b), err == nil
}

func escape(s, kind string, un bool) (string, bool) {
	switch kind {
	case "html":
		if un {
			return html.UnescapeString(s), true
		}
		return htmlEscaper.Replace(s), true
	case "json":
		if un {
			return jsonUnescaper.Replace(s), true
		}
		return jsonEscaper.Replace(s), true
	}
	return "", false
}

// builtinOf names the CQL builtin a FHIRPath function of one input item
// (and its arguments) is.
var builtinOf = map[string]string{
	"toBoolean": "ToBoolean", "convertsToBoolean": "ConvertsToBoolean", "toInteger": "ToInteger",
	"convertsToInteger": "ConvertsToInteger", "toLong": "ToLong", "convertsToLong": "ConvertsToLong",
	"toDate": "ToDate", "convertsToDate": "ConvertsToDate", "toDateTime": "ToDateTime",
	"convertsToDateTime": "ConvertsToDateTime", "toDecimal": "ToDecimal", "convertsToDecimal": "ConvertsToDecimal",
	"toString": "ToString", "convertsToString": "ConvertsToString", "toTime": "ToTime",
	"convertsToTime": "ConvertsToTime", "startsWith": "StartsWith", "endsWith": "EndsWith",
	"upper": "Upper", "lower": "Lower", "length": "Length",
	"abs": "Abs", "ceiling": "Ceiling", "exp": "Exp", "floor": "Floor", "ln": "Ln", "log": "Log",
	"power": "Power", "round": "Round", "truncate": "Truncate", "precision": "Precision",
	"substring": "Substring",
}

// scalar runs the functions of one input item: conversions, string and
// math functions. An empty input or argument gives empty.
func (ev *evaluator) scalar(x *ast.FunctionCall, in []value.Value, singleArg func(int) (value.Value, error)) ([]value.Value, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > 1 {
		return nil, errAt(x, "%s() on a collection of %d items", x.Name, len(in))
	}
	v := operand(in[0])
	args := make([]value.Value, len(x.Args))
	for i := range x.Args {
		a, err := singleArg(i)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, nil
		}
		args[i] = a
	}
	str := func() (string, bool) { s, ok := v.(value.String); return string(s), ok }
	argStr := func(i int) string { s, _ := args[i].(value.String); return string(s) }
	switch x.Name {
	case "convertsToQuantity", "toQuantity":
		q, err := ev.toQuantity(x, v, args)
		if x.Name == "convertsToQuantity" {
			return boolColl(err == nil && q != nil), nil
		}
		if err != nil || q == nil {
			return nil, nil
		}
		return []value.Value{q}, nil
	case "toString":
		if q, ok := v.(value.Quantity); ok {
			return []value.Value{value.String(quantityText(q))}, nil
		}
	case "indexOf", "lastIndexOf", "contains", "replace", "matches", "matchesFull", "replaceMatches", "toChars", "trim", "split",
		"encode", "decode", "escape", "unescape":
		s, ok := str()
		if !ok {
			return nil, errAt(x, "%s() needs a String, found %s", x.Name, typeOf(v))
		}
		return ev.stringFn(x, s, args, argStr)
	case "sqrt":
		h := value.MustDecimal("0.5")
		a, _ := promoteTo2(v)
		r, err := ev.op(x, "Power", a, h)
		return one(r), err
	case "comparable":
		a, b := v, operand(args[0])
		qa, ok1 := a.(value.Quantity)
		qb, ok2 := b.(value.Quantity)
		return boolColl(ok1 && ok2 && value.CanConvertUnit(qa.Unit, qb.Unit)), nil
	case "yearOf", "monthOf", "dayOf", "hourOf", "minuteOf", "secondOf", "millisecondOf", "timezoneOffsetOf", "dateOf", "timeOf":
		return component(x.Name, v), nil
	case "lowBoundary", "highBoundary":
		return ev.boundary(x, v, args)
	case "round":
		if len(args) == 0 {
			args = append(args, value.Integer(0))
		}
		v, _ = promoteTo2(v)
	case "power", "log":
		if x.Name == "log" {
			v, _ = promoteTo2(v)
			args[0], _ = promoteTo2(args[0])
		} else {
			v, args[0] = unify(v, args[0])
		}
	case "ceiling", "floor", "exp", "ln", "truncate":
		v, _ = promoteTo2(v)
	}
	name, ok := builtinOf[x.Name]
	if !ok {
		return nil, errAt(x, "%s() is not supported", x.Name)
	}
	r, err := ev.op(x, name, append([]value.Value{v}, args...)...)
	return one(r), err
}

func (ev *evaluator) toQuantity(x ast.Node, v value.Value, args []value.Value) (value.Value, error) {
	var q value.Value
	switch v := v.(type) {
	case value.String:
		q = parseQuantity(string(v))
	case value.Boolean:
		n := int64(0)
		if v {
			n = 1
		}
		q = value.Quantity{Value: value.DecimalFromInt(n), Unit: "1"}
	default:
		var err error
		if q, err = ev.op(x, "ToQuantity", v); err != nil {
			return nil, err
		}
	}
	if q == nil || len(args) == 0 {
		return q, nil
	}
	u, _ := args[0].(value.String)
	return value.ConvertQuantity(q.(value.Quantity), string(u))
}

// parseQuantity reads FHIRPath quantity text: 5, 5 'mg', 4 days.
func parseQuantity(s string) value.Value {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	d, err := value.NewDecimal(num)
	if err != nil {
		return nil
	}
	unit = strings.TrimSpace(unit)
	switch {
	case unit == "":
		unit = "1"
	case len(unit) >= 2 && unit[0] == '\'' && unit[len(unit)-1] == '\'':
		unit = unit[1 : len(unit)-1]
	case calendarUnit(unit):
	default:
		return nil
	}
	return value.Quantity{Value: d, Unit: unit}
}

func calendarUnit(u string) bool {
	switch strings.TrimSuffix(u, "s") {
	case "year", "month", "week", "day", "hour", "minute", "second", "millisecond":
		return true
	}
	return false
}

func component(name string, v value.Value) []value.Value {
	var f [8]int
	var p value.Precision
	var off *int
	switch t := v.(type) {
	case value.Date:
		f, p = [8]int{t.Year, t.Month, t.Day}, t.Precision
	case value.DateTime:
		f, p = [8]int{t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Millisecond}, t.Precision
		if t.HasOffset {
			off = &t.OffsetMinutes
		}
		switch name {
		case "dateOf":
			return []value.Value{value.Date{Year: t.Year, Month: t.Month, Day: t.Day, Precision: min(p, value.Day)}}
		case "timeOf":
			if p < value.Hour {
				return nil
			}
			return []value.Value{value.Time{Hour: t.Hour, Minute: t.Minute, Second: t.Second, Millisecond: t.Millisecond, Precision: p}}
		}
	case value.Time:
		f, p = [8]int{0, 0, 0, t.Hour, t.Minute, t.Second, t.Millisecond}, t.Precision
	default:
		return nil
	}
	idx := map[string]value.Precision{"yearOf": value.Year, "monthOf": value.Month, "dayOf": value.Day, "hourOf": value.Hour,
		"minuteOf": value.Minute, "secondOf": value.Second, "millisecondOf": value.Millisecond}
	if name == "timezoneOffsetOf" {
		if off == nil {
			return nil
		}
		d, _ := value.DecDiv(value.DecimalFromInt(int64(*off)), value.DecimalFromInt(60))
		return []value.Value{d}
	}
	i, ok := idx[name]
	if !ok || i > p {
		return nil
	}
	return []value.Value{value.Integer(f[i])}
}

func (ev *evaluator) stringFn(x *ast.FunctionCall, s string, args []value.Value, argStr func(int) string) ([]value.Value, error) {
	str := func(r string) []value.Value { return []value.Value{value.String(r)} }
	switch x.Name {
	case "indexOf":
		return []value.Value{value.Integer(strings.Index(s, argStr(0)))}, nil
	case "lastIndexOf":
		return []value.Value{value.Integer(strings.LastIndex(s, argStr(0)))}, nil
	case "contains":
		return boolColl(strings.Contains(s, argStr(0))), nil
	case "replace":
		return str(strings.ReplaceAll(s, argStr(0), argStr(1))), nil
	case "matches", "matchesFull", "replaceMatches":
		if x.Name == "replaceMatches" && argStr(0) == "" {
			return str(s), nil
		}
		re, err := compileRegexp(argStr(0), x.Name == "matchesFull")
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		if x.Name == "replaceMatches" {
			return str(re.ReplaceAllString(s, argStr(1))), nil
		}
		return boolColl(re.MatchString(s)), nil
	case "toChars":
		var out []value.Value
		for _, r := range s {
			out = append(out, value.String(string(r)))
		}
		return out, nil
	case "trim":
		return str(strings.TrimSpace(s)), nil
	case "split":
		var out []value.Value
		for _, p := range strings.Split(s, argStr(0)) {
			out = append(out, value.String(p))
		}
		return out, nil
	case "encode", "decode", "escape", "unescape":
		var r string
		var ok bool
		switch x.Name {
		case "encode":
			r, ok = encode(s, argStr(0))
		case "decode":
			r, ok = decode(s, argStr(0))
		default:
			r, ok = escape(s, argStr(0), x.Name == "unescape")
		}
		if !ok {
			return nil, nil
		}
		return str(r), nil
	}
	return nil, errAt(x, "%s() is not supported", x.Name)
}

// boundary is lowBoundary/highBoundary: for numbers and quantities the
// least or greatest value the input's precision allows (1.587 stands for
// [1.5865, 1.5875)), floored or ceiled to precision digits (default 8);
// for dates and times CQL's LowBoundary/HighBoundary.
func (ev *evaluator) boundary(x *ast.FunctionCall, v value.Value, args []value.Value) ([]value.Value, error) {
	high := x.Name == "highBoundary"
	var p value.Value
	if len(args) == 1 {
		p = args[0]
	}
	pi, ok := p.(value.Integer)
	if p != nil && !ok {
		return nil, errAt(x, "%s() needs an Integer precision", x.Name)
	}
	dec := func(d value.Decimal) (value.Decimal, bool) {
		places := 8
		if p != nil {
			places = int(pi)
		}
		if places < 0 || places > value.MaxScale {
			return value.Decimal{}, false
		}
		half := apd.New(5, d.D.Exponent-1)
		if d.D.Exponent > 0 {
			half = apd.New(5, -1)
		}
		r := new(apd.Decimal)
		c := apd.BaseContext.WithPrecision(60)
		if high {
			c.Add(r, d.D, half)
			c.Rounding = apd.RoundCeiling
		} else {
			c.Sub(r, d.D, half)
			c.Rounding = apd.RoundFloor
		}
		if _, err := c.Quantize(r, r, -int32(places)); err != nil {
			return value.Decimal{}, false
		}
		out, err := value.DecimalFromApd(r)
		return out, err == nil
	}
	switch t := v.(type) {
	case value.Integer:
		if d, ok := dec(value.DecimalFromInt(int64(t))); ok {
			return []value.Value{d}, nil
		}
		return nil, nil
	case value.Decimal:
		if d, ok := dec(t); ok {
			return []value.Value{d}, nil
		}
		return nil, nil
	case value.Quantity:
		if d, ok := dec(t.Value); ok {
			return []value.Value{value.Quantity{Value: d, Unit: t.Unit}}, nil
		}
		return nil, nil
	case value.Date, value.DateTime, value.Time:
		if p == nil {
			p = value.Integer(8)
			switch v.(type) {
			case value.DateTime:
				p = value.Integer(17)
			case value.Time:
				p = value.Integer(9)
			}
		}
		name := "LowBoundary"
		if high {
			name = "HighBoundary"
		}
		for _, o := range builtins.Lookup(name) {
			if len(o.Params) == 2 && types.Equal(o.Params[0], v.Type()) {
				r, err := o.Fn(ev.b, []value.Value{v, p})
				if err != nil {
					return nil, errAt(x, "%v", err)
				}
				return one(r), nil
			}
		}
	}
	return nil, errAt(x, "%s() is not defined for %s", x.Name, typeOf(v))
}

// sort orders the input by each argument in turn ($this when none); an
// argument written -key sorts descending.
func (ev *evaluator) sort(x *ast.FunctionCall, in []value.Value, fr *frame) ([]value.Value, error) {
	type keyed struct {
		v    value.Value
		keys []value.Value
	}
	keysOf := x.Args
	desc := make([]bool, len(keysOf))
	for i, k := range keysOf {
		if u, ok := k.(*ast.UnaryExpr); ok && u.Op == ast.OpNegate {
			keysOf[i], desc[i] = u.Operand, true
		}
	}
	items := make([]keyed, len(in))
	for i, v := range in {
		items[i].v = v
		if len(keysOf) == 0 {
			items[i].keys = []value.Value{operand(v)}
		}
		for _, k := range keysOf {
			r, err := ev.eval(k, []value.Value{v}, &frame{this: v, index: i, outer: fr})
			if err != nil {
				return nil, err
			}
			if len(r) > 1 {
				return nil, errAt(k, "a sort key must be one item, found %d", len(r))
			}
			var kv value.Value
			if len(r) == 1 {
				kv = operand(r[0])
			}
			items[i].keys = append(items[i].keys, kv)
		}
	}
	sort.SliceStable(items, func(a, b int) bool {
		for k := range items[a].keys {
			x, y := unify(items[a].keys[k], items[b].keys[k])
			// empty keys sort first, in both directions
			c := 0
			switch {
			case x == nil && y == nil:
			case x == nil:
				return true
			case y == nil:
				return false
			default:
				c, _ = value.Compare(x, y)
			}
			if k < len(desc) && desc[k] {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	out := make([]value.Value, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, nil
}

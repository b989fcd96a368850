package fhirpath

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

type evaluator struct {
	env      *Env
	b        *builtins.Context
	input    []value.Value
	resource []value.Value
}

// frame holds $this, $index and $total inside a function's argument.
type frame struct {
	this  value.Value
	index int
	total []value.Value
	outer *frame
}

func errAt(n ast.Node, format string, args ...any) error {
	p := n.GetSpan().Start
	return &Error{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func one(v value.Value) []value.Value {
	if v == nil {
		return nil
	}
	if l, ok := v.(value.List); ok {
		return l.Elems
	}
	return []value.Value{v}
}

func boolColl(b bool) []value.Value { return []value.Value{value.Boolean(b)} }

func (ev *evaluator) eval(x ast.Expr, focus []value.Value, fr *frame) ([]value.Value, error) {
	if err := ev.b.Tick(); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *ast.NullLiteral:
		return nil, nil
	case *ast.BooleanLiteral:
		return boolColl(x.Value), nil
	case *ast.StringLiteral:
		return []value.Value{value.String(x.Value)}, nil
	case *ast.NumberLiteral:
		if x.IsDecimal() {
			d, err := value.NewDecimal(x.Text)
			if err != nil {
				return nil, errAt(x, "%v", err)
			}
			return []value.Value{d}, nil
		}
		v, err := parseInteger(x.Text)
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{v}, nil
	case *ast.LongNumberLiteral:
		v, err := parseLong(x.Text)
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{v}, nil
	case *ast.DateLiteral:
		d, err := fhir.ParseDate(x.Text)
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{d}, nil
	case *ast.DateTimeLiteral:
		if strings.HasSuffix(x.Text, "T") {
			d, err := fhir.ParseDate(strings.TrimSuffix(x.Text, "T"))
			if err != nil {
				return nil, errAt(x, "%v", err)
			}
			return []value.Value{value.DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision}}, nil
		}
		dt, err := parseDateTime(x.Text)
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{dt}, nil
	case *ast.TimeLiteral:
		t, err := fhir.ParseTime(x.Text)
		if err != nil && hourOnly.MatchString(x.Text) {
			t, err = fhir.ParseTime(x.Text + ":00")
			t.Precision = value.Hour
		}
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{t}, nil
	case *ast.QuantityLiteral:
		q, err := quantityLit(x.Quantity)
		if err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{q}, nil
	case *ast.ListSelector:
		var out []value.Value
		for _, e := range x.Elems {
			v, err := ev.eval(e, focus, fr)
			if err != nil {
				return nil, err
			}
			out = append(out, v...)
		}
		return out, nil
	case *ast.SpecialRef:
		if fr == nil {
			if x.Name == "this" {
				return focus, nil
			}
			return nil, errAt(x, "$%s is only defined inside a function's argument", x.Name)
		}
		switch x.Name {
		case "this":
			return one(fr.this), nil
		case "index":
			return []value.Value{value.Integer(fr.index)}, nil
		case "total":
			return fr.total, nil
		}
		return nil, errAt(x, "unknown $%s", x.Name)
	case *ast.ExternalConstant:
		return ev.constant(x)
	case *ast.IdentifierRef:
		return ev.identifier(x, focus)
	case *ast.MemberAccess:
		src, err := ev.eval(x.Source, focus, fr)
		if err != nil {
			return nil, err
		}
		return ev.navigate(x, src, x.Name)
	case *ast.Indexer:
		src, err := ev.eval(x.Source, focus, fr)
		if err != nil {
			return nil, err
		}
		idx, err := ev.single(x.Index, focus, fr)
		if err != nil || idx == nil {
			return nil, err
		}
		i, ok := idx.(value.Integer)
		if !ok {
			return nil, errAt(x.Index, "an index must be an Integer")
		}
		if i < 0 || int(i) >= len(src) {
			return nil, nil
		}
		return src[i : i+1], nil
	case *ast.FunctionCall:
		return ev.call(x, focus, fr)
	case *ast.UnaryExpr:
		return ev.unary(x, focus, fr)
	case *ast.BinaryExpr:
		return ev.binary(x, focus, fr)
	case *ast.IsExpr:
		in, err := ev.eval(x.Operand, focus, fr)
		if err != nil {
			return nil, err
		}
		return ev.isColl(x, in, typeSpecName(x.Type))
	case *ast.AsExpr:
		in, err := ev.eval(x.Operand, focus, fr)
		if err != nil {
			return nil, err
		}
		return ev.asColl(x, in, typeSpecName(x.Type))
	case *ast.IfExpr:
		c, err := ev.boolean(x.Cond, focus, fr)
		if err != nil {
			return nil, err
		}
		if c != nil && bool(*c) {
			return ev.eval(x.Then, focus, fr)
		}
		return ev.eval(x.Else, focus, fr)
	}
	return nil, errAt(x, "this CQL expression is not FHIRPath")
}

// hourOnly is a time of hours alone (14), which FHIRPath literals allow
// and FHIR data does not.
var hourOnly = regexp.MustCompile(`^\d\d$`)

var hourDateTime = regexp.MustCompile(`^(.*T\d\d)(Z|[+-]\d\d:\d\d)?$`)

func parseDateTime(text string) (value.DateTime, error) {
	dt, err := fhir.ParseDateTime(text)
	if m := hourDateTime.FindStringSubmatch(text); err != nil && m != nil {
		dt, err = fhir.ParseDateTime(m[1] + ":00" + m[2])
		dt.Precision = value.Hour
	}
	return dt, err
}

func quantityLit(q *ast.Quantity) (value.Quantity, error) {
	d, err := value.NewDecimal(q.Number)
	if err != nil {
		return value.Quantity{}, err
	}
	unit := q.Unit
	if !q.Calendar && unit == "" {
		unit = "1"
	}
	return value.Quantity{Value: d, Unit: unit}, nil
}

func typeSpecName(t ast.TypeSpec) string {
	if n, ok := t.(*ast.NamedTypeSpec); ok {
		if q := n.Qualifier(); q != "" {
			return q + "." + n.Name
		}
		return n.Name
	}
	return fmt.Sprint(t)
}

// constant is %name.
func (ev *evaluator) constant(x *ast.ExternalConstant) ([]value.Value, error) {
	switch x.Name {
	case "context":
		return ev.input, nil
	case "resource", "rootResource":
		return ev.resource, nil
	case "ucum":
		return []value.Value{value.String("http://unitsofmeasure.org")}, nil
	case "sct":
		return []value.Value{value.String("http://snomed.info/sct")}, nil
	case "loinc":
		return []value.Value{value.String("http://loinc.org")}, nil
	}
	if v, ok := ev.env.Vars[x.Name]; ok {
		return one(v), nil
	}
	if s, ok := strings.CutPrefix(x.Name, "vs-"); ok {
		return []value.Value{value.String("http://hl7.org/fhir/ValueSet/" + s)}, nil
	}
	if s, ok := strings.CutPrefix(x.Name, "ext-"); ok {
		return []value.Value{value.String("http://hl7.org/fhir/StructureDefinition/" + s)}, nil
	}
	return nil, errAt(x, "unknown environment variable %%%s", x.Name)
}

// identifier is a name at the start of a path: a type name selecting the
// input items of that type (Patient.name on a Patient), a resource type
// naming other resources (Env.Resources), or an element of the focus.
func (ev *evaluator) identifier(x *ast.IdentifierRef, focus []value.Value) ([]value.Value, error) {
	name := x.Name
	if isTypeName(name) {
		var out []value.Value
		for _, v := range focus {
			if n, ok := v.(*fhir.Node); ok && nodeIs(n, name) {
				out = append(out, v)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		if ti, ok := fhir.R4().Info(name); ok && ti.Kind == fhir.KindResource {
			if ev.env.Resources != nil {
				return ev.env.Resources(name), nil
			}
			if len(focus) > 0 {
				return nil, errAt(x, "the expression is about %s, but the input is %s", name, Format(focus))
			}
			return nil, nil
		}
	}
	return ev.navigate(x, focus, name)
}

func isTypeName(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// navigate selects element name of every item of src, flattening.
func (ev *evaluator) navigate(at ast.Node, src []value.Value, name string) ([]value.Value, error) {
	var out []value.Value
	// An element no item of the input has is an error (a misspelt name);
	// in a mixed collection (descendants()) the items without it are
	// passed over.
	var unknown error
	known := false
	for _, v := range src {
		switch x := v.(type) {
		case *fhir.Node:
			if !hasElement(x, name) {
				if unknown == nil {
					unknown = errAt(at, "FHIR.%s has no element %q", x.TypeName(), name)
				}
				continue
			}
			known = true
			p, err := x.Property(name)
			if err != nil {
				return nil, errAt(at, "%v", err)
			}
			out = append(out, one(p)...)
		case value.Tuple:
			if p, ok := x.Get(name); ok {
				known = true
				out = append(out, one(p)...)
			}
		case value.Quantity:
			known = known || name == "value" || name == "unit"
			switch name {
			case "value":
				out = append(out, x.Value)
			case "unit":
				out = append(out, value.String(x.Unit))
			}
		default:
			if unknown == nil {
				unknown = errAt(at, "%s has no element %q", typeOf(v), name)
			}
		}
	}
	if unknown != nil && !known {
		return nil, unknown
	}
	return out, nil
}

// hasElement reports whether the node's type has element name.
func hasElement(n *fhir.Node, name string) bool {
	if n.Raw() == nil {
		return name == "id" || name == "extension"
	}
	t, ok := n.Type().(*types.Named)
	if !ok {
		return false
	}
	if _, ok := fhir.R4().ElementOf(t, name); ok {
		return true
	}
	return name == "resourceType" && n.Info().Kind == fhir.KindResource
}

func typeOf(v value.Value) string {
	if n, ok := v.(*fhir.Node); ok {
		return "FHIR." + n.TypeName()
	}
	if v == nil {
		return "null"
	}
	return v.Type().String()
}

// single evaluates x to at most one item (singleton evaluation).
func (ev *evaluator) single(x ast.Expr, focus []value.Value, fr *frame) (value.Value, error) {
	out, err := ev.eval(x, focus, fr)
	if err != nil {
		return nil, err
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return System(out[0]), nil
	}
	return nil, errAt(x, "expected one item, found %d", len(out))
}

// boolean evaluates x as a Boolean: a single Boolean, or a single item
// of another type (true), or empty (nil).
func (ev *evaluator) boolean(x ast.Expr, focus []value.Value, fr *frame) (*value.Boolean, error) {
	out, err := ev.eval(x, focus, fr)
	if err != nil {
		return nil, err
	}
	return singletonBool(x, out)
}

func singletonBool(at ast.Node, out []value.Value) (*value.Boolean, error) {
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		if b, ok := System(out[0]).(value.Boolean); ok {
			return &b, nil
		}
		t := value.Boolean(true)
		return &t, nil
	}
	return nil, errAt(at, "expected one Boolean, found %d items", len(out))
}

// nodeIs reports whether a FHIR node is of the named type or a subtype
// ("Resource", "DomainResource", "FHIR.Quantity").
func nodeIs(n *fhir.Node, name string) bool { return nodeOf(n, name, false) }

// nodeOf is nodeIs; exact leaves out the derivation of FHIR primitives
// (a code is a string for is, not for as and ofType).
func nodeOf(n *fhir.Node, name string, exact bool) bool {
	name = strings.TrimPrefix(name, "FHIR.")
	t := n.TypeName()
	if n.Info().Kind == fhir.KindCode {
		t = "code" // the ModelInfo's binding types (AdministrativeGender)
	}
	for ; t != ""; t = primitiveBase[t] {
		if t == name {
			return true
		}
		if exact {
			break
		}
	}
	ti, ok := fhir.R4().Info(name)
	if !ok {
		return false
	}
	return types.SubtypeOf(n.Type(), ti.Type)
}

// primitiveBase is the FHIR primitive a primitive type is derived from
// in the FHIR specification (the ModelInfo derives them all from Element).
var primitiveBase = map[string]string{"code": "string", "id": "string", "markdown": "string",
	"url": "uri", "canonical": "uri", "oid": "uri", "uuid": "uri", "positiveInt": "integer", "unsignedInt": "integer"}

// isType reports whether v is of the named type: a FHIR type for nodes,
// a System type for System values (unqualified names match both).
func isType(v value.Value, name string, exact bool) bool {
	if n, ok := v.(*fhir.Node); ok {
		if strings.HasPrefix(name, "System.") {
			return false
		}
		return nodeOf(n, name, exact)
	}
	if v == nil || strings.HasPrefix(name, "FHIR.") {
		return false
	}
	t, ok := types.System(strings.TrimPrefix(name, "System."))
	return ok && types.SubtypeOf(v.Type(), t)
}

func knownType(name string) bool {
	if _, ok := types.System(strings.TrimPrefix(name, "System.")); ok && !strings.HasPrefix(name, "FHIR.") {
		return true
	}
	_, ok := fhir.R4().Info(strings.TrimPrefix(name, "FHIR."))
	return ok && !strings.HasPrefix(name, "System.")
}

func (ev *evaluator) isColl(at ast.Node, in []value.Value, name string) ([]value.Value, error) {
	if !knownType(name) && !strings.Contains(name, ".") {
		return nil, errAt(at, "unknown type %s", name)
	}
	switch len(in) {
	case 0:
		return nil, nil
	case 1:
		return boolColl(isType(in[0], name, false)), nil
	}
	return nil, errAt(at, "is: expected one item, found %d", len(in))
}

func (ev *evaluator) asColl(at ast.Node, in []value.Value, name string) ([]value.Value, error) {
	if !knownType(name) {
		return nil, errAt(at, "unknown type %s", name)
	}
	if len(in) > 1 {
		return nil, errAt(at, "as: expected one item, found %d", len(in))
	}
	return ofType(in, name), nil
}

func ofType(in []value.Value, name string) []value.Value {
	var out []value.Value
	for _, v := range in {
		if isType(v, name, true) {
			out = append(out, v)
		}
	}
	return out
}

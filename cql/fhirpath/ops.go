package fhirpath

import (
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/ast"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// op calls the CQL builtin name on args, choosing the overload by the
// arguments' run-time types, first exactly, then with CQL's implicit
// conversions (Integer to Long, Decimal or Quantity, Date to DateTime).
func (ev *evaluator) op(at ast.Node, name string, args ...value.Value) (value.Value, error) {
	for _, promote := range []bool{false, true} {
		for _, o := range builtins.Lookup(name) {
			if o.Fn == nil || len(o.Params) != len(args) {
				continue
			}
			conv, ok := fit(o.Params, args, promote)
			if !ok {
				continue
			}
			v, err := o.Fn(ev.b, conv)
			if err != nil {
				return nil, errAt(at, "%v", err)
			}
			return v, nil
		}
	}
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = typeOf(a)
	}
	return nil, errAt(at, "%s is not defined for (%s)", name, strings.Join(names, ", "))
}

func fit(params []types.Type, args []value.Value, promote bool) ([]value.Value, bool) {
	out := make([]value.Value, len(args))
	for i, p := range params {
		a := args[i]
		switch pt := p.(type) {
		case *types.Var:
			out[i] = a
			continue
		case *types.List:
			l, ok := a.(value.List)
			if !ok {
				return nil, false
			}
			if _, v := pt.Elem.(*types.Var); !v {
				for _, e := range l.Elems {
					if e != nil && !types.Equal(e.Type(), pt.Elem) {
						return nil, false
					}
				}
				l.ElemType = pt.Elem
			}
			out[i] = l
			continue
		case *types.Interval:
			if _, ok := a.(value.Interval); !ok {
				return nil, false
			}
			out[i] = a
			continue
		}
		if a == nil || types.Equal(a.Type(), p) {
			out[i] = a
			continue
		}
		if c, ok := promoteTo(a, p); promote && ok {
			out[i] = c
			continue
		}
		return nil, false
	}
	return out, true
}

// promoteTo applies CQL's implicit conversion of v to t, if there is one.
func promoteTo(v value.Value, t types.Type) (value.Value, bool) {
	switch {
	case types.Equal(t, types.Decimal):
		switch x := v.(type) {
		case value.Integer:
			return value.DecimalFromInt(int64(x)), true
		case value.Long:
			return value.DecimalFromInt(int64(x)), true
		}
	case types.Equal(t, types.Long):
		if x, ok := v.(value.Integer); ok {
			return value.Long(x), true
		}
	case types.Equal(t, types.Quantity):
		switch x := v.(type) {
		case value.Integer:
			return value.Quantity{Value: value.DecimalFromInt(int64(x)), Unit: "1"}, true
		case value.Decimal:
			return value.Quantity{Value: x, Unit: "1"}, true
		}
	case types.Equal(t, types.DateTime):
		if d, ok := v.(value.Date); ok {
			return value.DateTime{Year: d.Year, Month: d.Month, Day: d.Day, Precision: d.Precision}, true
		}
	}
	return nil, false
}

// operand turns an item into the value operators work on: FHIR
// primitives and Quantities become System values.
func operand(v value.Value) value.Value {
	n, ok := v.(*fhir.Node)
	if !ok {
		return v
	}
	if n.Raw() == nil {
		return System(v)
	}
	if nodeIs(n, "Quantity") {
		if q, err := fhir.ToQuantity(n); err == nil && q != nil {
			return q
		}
	}
	return v
}

// unify brings two operands to a common type where CQL converts
// implicitly (Integer and Decimal, a number and a Quantity, a Date and a
// DateTime).
func unify(a, b value.Value) (value.Value, value.Value) {
	if a == nil || b == nil || types.Equal(a.Type(), b.Type()) {
		return a, b
	}
	if c, ok := promoteTo(a, b.Type()); ok {
		return c, b
	}
	if c, ok := promoteTo(b, a.Type()); ok {
		return a, c
	}
	return a, b
}

func (ev *evaluator) unary(x *ast.UnaryExpr, focus []value.Value, fr *frame) ([]value.Value, error) {
	in, err := ev.eval(x.Operand, focus, fr)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case ast.OpNegate, ast.OpPlus:
		if len(in) == 0 {
			return nil, nil
		}
		if len(in) > 1 {
			return nil, errAt(x, "expected one item, found %d", len(in))
		}
		v := operand(in[0])
		if x.Op == ast.OpPlus {
			return []value.Value{v}, nil
		}
		r, err := ev.op(x, "Negate", v)
		return one(r), err
	case ast.OpNot:
		b, err := singletonBool(x, in)
		if err != nil || b == nil {
			return nil, err
		}
		return boolColl(!bool(*b)), nil
	case ast.OpExists:
		return boolColl(len(in) > 0), nil
	case ast.OpDistinct:
		return distinct(in), nil
	}
	return nil, errAt(x, "%s is not FHIRPath", x.Op)
}

var arith = map[ast.BinaryOp]string{ast.OpAdd: "Add", ast.OpSubtract: "Subtract", ast.OpMultiply: "Multiply",
	ast.OpDivide: "Divide", ast.OpDiv: "TruncatedDivide", ast.OpMod: "Modulo", ast.OpPower: "Power",
	ast.OpLess: "Less", ast.OpGreater: "Greater", ast.OpLessOrEqual: "LessOrEqual", ast.OpGreaterOrEqual: "GreaterOrEqual"}

func (ev *evaluator) binary(x *ast.BinaryExpr, focus []value.Value, fr *frame) ([]value.Value, error) {
	switch x.Op {
	case ast.OpAnd, ast.OpOr, ast.OpXor, ast.OpImplies:
		return ev.logic(x, focus, fr)
	}
	l, err := ev.eval(x.Left, focus, fr)
	if err != nil {
		return nil, err
	}
	r, err := ev.eval(x.Right, focus, fr)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case ast.OpUnion:
		return distinct(append(append([]value.Value(nil), l...), r...)), nil
	case ast.OpIntersect:
		return intersect(l, r), nil
	case ast.OpExcept:
		return exclude(l, r), nil
	case ast.OpEqual, ast.OpNotEqual:
		eq := equalColl(l, r)
		if eq == nil {
			return nil, nil
		}
		return boolColl(*eq == (x.Op == ast.OpEqual)), nil
	case ast.OpEquivalent, ast.OpNotEquivalent:
		return boolColl(equivColl(l, r) == (x.Op == ast.OpEquivalent)), nil
	case ast.OpIn, ast.OpContains:
		item, coll := l, r
		if x.Op == ast.OpContains {
			item, coll = r, l
		}
		if len(item) == 0 {
			return nil, nil
		}
		if len(item) > 1 {
			return nil, errAt(x, "%s: expected one item, found %d", x.Op, len(item))
		}
		return boolColl(member(item[0], coll)), nil
	case ast.OpConcat:
		a, err := stringOrEmpty(x.Left, l)
		if err != nil {
			return nil, err
		}
		b, err := stringOrEmpty(x.Right, r)
		if err != nil {
			return nil, err
		}
		if err := ev.b.CheckStringLen(len(a) + len(b)); err != nil {
			return nil, errAt(x, "%v", err)
		}
		return []value.Value{value.String(a + b)}, nil
	}
	name, ok := arith[x.Op]
	if !ok {
		return nil, errAt(x, "%s is not FHIRPath", x.Op)
	}
	if len(l) == 0 || len(r) == 0 {
		return nil, nil
	}
	if len(l) > 1 || len(r) > 1 {
		return nil, errAt(x, "%s: expected one item on each side, found %d and %d", x.Op, len(l), len(r))
	}
	a, b := align(unify(operand(l[0]), operand(r[0])))
	if x.Op == ast.OpAdd {
		if s, ok := a.(value.String); ok {
			if t, ok := b.(value.String); ok {
				if err := ev.b.CheckStringLen(len(s) + len(t)); err != nil {
					return nil, errAt(x, "%v", err)
				}
				return []value.Value{s + t}, nil
			}
		}
	}
	if q, ok := b.(value.Quantity); ok && (x.Op == ast.OpAdd || x.Op == ast.OpSubtract) && (q.Unit == "a" || q.Unit == "mo") {
		switch a.(type) {
		case value.Date, value.DateTime, value.Time:
			return nil, errAt(x, "a date or time moves by calendar durations (years, months), not by UCUM '%s'", q.Unit)
		}
	}
	if x.Op == ast.OpDivide {
		// FHIRPath's / is Decimal division also on Integers.
		a, _ = promoteTo2(a)
		b, _ = promoteTo2(b)
	}
	switch x.Op {
	case ast.OpLess, ast.OpGreater, ast.OpLessOrEqual, ast.OpGreaterOrEqual:
		if !comparable(a, b) {
			return nil, errAt(x, "cannot compare %s with %s", typeOf(a), typeOf(b))
		}
	}
	v, err := ev.op(x, name, a, b)
	return one(v), err
}

// align gives two DateTimes or Times known to the second and to the
// millisecond the millisecond precision: FHIRPath counts seconds with
// their fraction as one precision.
func align(a, b value.Value) (value.Value, value.Value) {
	switch x := a.(type) {
	case value.DateTime:
		if y, ok := b.(value.DateTime); ok && x.Precision >= value.Second && y.Precision >= value.Second {
			x.Precision, y.Precision = value.Millisecond, value.Millisecond
			return x, y
		}
	case value.Time:
		if y, ok := b.(value.Time); ok && x.Precision >= value.Second && y.Precision >= value.Second {
			x.Precision, y.Precision = value.Millisecond, value.Millisecond
			return x, y
		}
	}
	return a, b
}

func promoteTo2(v value.Value) (value.Value, bool) {
	if c, ok := promoteTo(v, types.Decimal); ok {
		return c, true
	}
	return v, false
}

func comparable(a, b value.Value) bool {
	if _, ok := a.(value.Quantity); ok {
		_, ok2 := b.(value.Quantity)
		return ok2
	}
	return types.Equal(a.Type(), b.Type())
}

func stringOrEmpty(at ast.Node, c []value.Value) (string, error) {
	switch len(c) {
	case 0:
		return "", nil
	case 1:
		if s, ok := operand(c[0]).(value.String); ok {
			return string(s), nil
		}
		return "", errAt(at, "& needs Strings, found %s", typeOf(c[0]))
	}
	return "", errAt(at, "&: expected one item, found %d", len(c))
}

func (ev *evaluator) logic(x *ast.BinaryExpr, focus []value.Value, fr *frame) ([]value.Value, error) {
	l, err := ev.boolean(x.Left, focus, fr)
	if err != nil {
		return nil, err
	}
	// short cuts that do not need the right operand
	if l != nil {
		switch {
		case x.Op == ast.OpAnd && !bool(*l), x.Op == ast.OpOr && bool(*l):
			return boolColl(bool(*l)), nil
		case x.Op == ast.OpImplies && !bool(*l):
			return boolColl(true), nil
		}
	}
	r, err := ev.boolean(x.Right, focus, fr)
	if err != nil {
		return nil, err
	}
	var res *bool
	t, f := true, false
	switch x.Op {
	case ast.OpAnd:
		switch {
		case r != nil && !bool(*r):
			res = &f
		case l != nil && r != nil:
			res = &t
		}
	case ast.OpOr:
		switch {
		case r != nil && bool(*r):
			res = &t
		case l != nil && r != nil:
			res = &f
		}
	case ast.OpXor:
		if l != nil && r != nil {
			v := bool(*l) != bool(*r)
			res = &v
		}
	case ast.OpImplies:
		switch {
		case r != nil && bool(*r):
			res = &t
		case l != nil && r != nil:
			res = &f
		}
	}
	if res == nil {
		return nil, nil
	}
	return boolColl(*res), nil
}

// itemEqual is FHIRPath = on two items: nil when unknown (different
// precisions).
func itemEqual(a, b value.Value) *bool {
	na, aNode := a.(*fhir.Node)
	nb, bNode := b.(*fhir.Node)
	if aNode && bNode && na.Raw() != nil && nb.Raw() != nil {
		r := na.String() == nb.String()
		return &r
	}
	x, y := align(unify(operand(a), operand(b)))
	if dx, ok := x.(value.DateTime); ok {
		if dy, ok := y.(value.DateTime); ok && dx.HasOffset != dy.HasOffset {
			return nil
		}
	}
	if _, isNode := x.(*fhir.Node); isNode {
		f := false
		return &f
	}
	if _, isNode := y.(*fhir.Node); isNode {
		f := false
		return &f
	}
	switch v := value.Equal(x, y).(type) {
	case value.Boolean:
		r := bool(v)
		return &r
	}
	return nil
}

func equalColl(l, r []value.Value) *bool {
	if len(l) == 0 || len(r) == 0 {
		return nil
	}
	f, t := false, true
	if len(l) != len(r) {
		return &f
	}
	for i := range l {
		eq := itemEqual(l[i], r[i])
		if eq == nil {
			return nil
		}
		if !*eq {
			return &f
		}
	}
	return &t
}

func itemEquiv(a, b value.Value) bool {
	na, aNode := a.(*fhir.Node)
	nb, bNode := b.(*fhir.Node)
	if aNode && bNode && na.Raw() != nil && nb.Raw() != nil {
		return na.String() == nb.String()
	}
	x, y := align(unify(operand(a), operand(b)))
	if dx, ok := x.(value.Decimal); ok {
		if dy, ok := y.(value.Decimal); ok {
			return decimalEquiv(dx, dy)
		}
	}
	return value.Equivalent(x, y)
}

// decimalEquiv compares two decimals at the precision of the less
// precise one.
func decimalEquiv(a, b value.Decimal) bool {
	p := min(a.Scale(), b.Scale())
	ra, err1 := value.DecRound(a, p)
	rb, err2 := value.DecRound(b, p)
	return err1 == nil && err2 == nil && value.DecCmp(ra, rb) == 0
}

// equivColl is ~ on collections: the same items in any order.
func equivColl(l, r []value.Value) bool {
	if len(l) != len(r) {
		return false
	}
	used := make([]bool, len(r))
outer:
	for _, a := range l {
		for j, b := range r {
			if !used[j] && itemEquiv(a, b) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func member(v value.Value, coll []value.Value) bool {
	for _, c := range coll {
		if eq := itemEqual(v, c); eq != nil && *eq {
			return true
		}
	}
	return false
}

func distinct(in []value.Value) []value.Value {
	var out []value.Value
	for _, v := range in {
		if !member(v, out) {
			out = append(out, v)
		}
	}
	return out
}

func intersect(l, r []value.Value) []value.Value {
	var out []value.Value
	for _, v := range l {
		if member(v, r) && !member(v, out) {
			out = append(out, v)
		}
	}
	return out
}

func exclude(l, r []value.Value) []value.Value {
	var out []value.Value
	for _, v := range l {
		if !member(v, r) {
			out = append(out, v)
		}
	}
	return out
}

func parseInteger(text string) (value.Value, error) {
	i, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		return nil, err
	}
	return value.Integer(i), nil
}

func parseLong(text string) (value.Value, error) {
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, err
	}
	return value.Long(i), nil
}

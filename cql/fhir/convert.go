package fhir

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// UCUMSystem is the code system URL of UCUM units.
const UCUMSystem = "http://unitsofmeasure.org"

const calendarUnitsSystem = "http://hl7.org/fhirpath/CodeSystem/calendar-units"

// calendarUnits maps UCUM time units to the CQL calendar duration words,
// as FHIRHelpers does when building System quantities.
var calendarUnits = map[string]string{
	"ms": "millisecond", "s": "second", "min": "minute", "h": "hour",
	"d": "day", "wk": "week", "mo": "month", "a": "year",
}

// str reads element name of a complex node as a Go string ("" if absent).
func (n *Node) str(name string) (string, error) {
	if n.obj != nil {
		switch x := n.obj[name].(type) {
		case string:
			return x, nil
		case nil:
			return "", nil
		}
	}
	v, err := n.Property(name)
	if err != nil || v == nil {
		return "", err
	}
	switch x := v.(type) {
	case value.String:
		return string(x), nil
	case *Node:
		pv, err := x.PrimitiveValue()
		if err != nil {
			return "", err
		}
		if s, ok := pv.(value.String); ok {
			return string(s), nil
		}
		return "", x.errorf("expected a string value")
	}
	return "", n.errorf("element %s is not a string", name)
}

func (n *Node) primitive(name string) (value.Value, error) {
	v, err := n.Property(name)
	if err != nil || v == nil {
		return nil, err
	}
	if p, ok := v.(*Node); ok {
		return p.PrimitiveValue()
	}
	return v, nil
}

func asNode(v value.Value, want string) (*Node, error) {
	n, ok := v.(*Node)
	if !ok {
		return nil, &DataError{Msg: "expected FHIR." + want + ", got " + v.Type().String()}
	}
	return n, nil
}

// ToCode converts a FHIR.Coding to a System.Code (FHIRHelpers.ToCode).
func ToCode(v value.Value) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(value.Code); ok {
		return v, nil // already converted
	}
	n, err := asNode(v, "Coding")
	if err != nil {
		return nil, err
	}
	return n.toCode()
}

func (n *Node) toCode() (value.Code, error) {
	var c value.Code
	var err error
	if c.Code, err = n.str("code"); err != nil {
		return c, err
	}
	if c.System, err = n.str("system"); err != nil {
		return c, err
	}
	if c.Version, err = n.str("version"); err != nil {
		return c, err
	}
	if c.Display, err = n.str("display"); err != nil {
		return c, err
	}
	return c, nil
}

// codings returns the codings of a CodeableConcept as System codes.
func (n *Node) codings() ([]value.Code, error) {
	raw, _ := n.obj["coding"].([]any)
	out := make([]value.Code, 0, len(raw))
	ti := R4().infos["Coding"]
	for i, r := range raw {
		if r == nil {
			continue
		}
		obj, ok := r.(map[string]any)
		if !ok {
			return nil, n.loc.child("coding", i).err("expected a JSON object for FHIR.Coding")
		}
		c := &Node{info: ti, obj: obj, loc: n.loc.child("coding", i)}
		code, err := c.toCode()
		if err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, nil
}

// ToConcept converts a FHIR.CodeableConcept to a System.Concept.
func ToConcept(v value.Value) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(value.Concept); ok {
		return v, nil // already converted
	}
	n, err := asNode(v, "CodeableConcept")
	if err != nil {
		return nil, err
	}
	codes, err := n.codings()
	if err != nil {
		return nil, err
	}
	text, err := n.str("text")
	if err != nil {
		return nil, err
	}
	return value.Concept{Codes: codes, Display: text}, nil
}

// ToQuantity converts a FHIR.Quantity (or Age, Duration, ...) to a
// System.Quantity: the UCUM code (else the unit, else '1') is the unit,
// with UCUM time units turned into calendar durations. A quantity with a
// comparator, or with a unit system other than UCUM, cannot be converted.
func ToQuantity(v value.Value) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(value.Quantity); ok {
		return v, nil // already converted
	}
	n, err := asNode(v, "Quantity")
	if err != nil {
		return nil, err
	}
	q, ok, err := n.toQuantity()
	if err != nil || !ok {
		return nil, err
	}
	return q, nil
}

func (n *Node) toQuantity() (value.Quantity, bool, error) {
	var q value.Quantity
	val, err := n.primitive("value")
	if err != nil || val == nil {
		return q, false, err
	}
	d, ok := val.(value.Decimal)
	if !ok {
		return q, false, n.errorf("Quantity.value is not a decimal")
	}
	cmp, err := n.str("comparator")
	if err != nil {
		return q, false, err
	}
	if cmp != "" {
		return q, false, n.errorf("a FHIR Quantity with comparator %q cannot be converted to a System Quantity", cmp)
	}
	sys, err := n.str("system")
	if err != nil {
		return q, false, err
	}
	code, err := n.str("code")
	if err != nil {
		return q, false, err
	}
	unit, err := n.str("unit")
	if err != nil {
		return q, false, err
	}
	if sys != "" && sys != UCUMSystem && sys != calendarUnitsSystem {
		return q, false, n.errorf("invalid FHIR Quantity unit %s (%s|%s): only UCUM units convert", unit, sys, code)
	}
	u := code
	if u == "" {
		u = unit
	}
	if u == "" {
		u = "1"
	}
	if w, ok := calendarUnits[u]; ok {
		u = w
	}
	return value.Quantity{Value: d, Unit: u}, true, nil
}

// ToRatio converts a FHIR.Ratio to a System.Ratio.
func ToRatio(v value.Value) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(value.Ratio); ok {
		return v, nil // already converted
	}
	n, err := asNode(v, "Ratio")
	if err != nil {
		return nil, err
	}
	num, err := n.Property("numerator")
	if err != nil {
		return nil, err
	}
	den, err := n.Property("denominator")
	if err != nil {
		return nil, err
	}
	nq, err := ToQuantity(num)
	if err != nil {
		return nil, err
	}
	dq, err := ToQuantity(den)
	if err != nil {
		return nil, err
	}
	if nq == nil || dq == nil {
		return nil, nil
	}
	return value.Ratio{Numerator: nq.(value.Quantity), Denominator: dq.(value.Quantity)}, nil
}

// ToInterval converts a FHIR.Period to an Interval<DateTime> (a missing
// start makes the low boundary open, so unknown; a missing end leaves the
// closed high boundary null, so the period is ongoing) and a FHIR.Range to
// an Interval<Quantity>.
func ToInterval(v value.Value) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(value.Interval); ok {
		return v, nil // already converted
	}
	n, ok := v.(*Node)
	if !ok {
		return nil, &DataError{Msg: "expected FHIR.Period or FHIR.Range, got " + v.Type().String()}
	}
	switch {
	case types.SubtypeOf(n.info.Type, R4().infos["Period"].Type):
		lo, err := n.primitive("start")
		if err != nil {
			return nil, err
		}
		hi, err := n.primitive("end")
		if err != nil {
			return nil, err
		}
		return value.Interval{Low: lo, High: hi, LowClosed: lo != nil, HighClosed: true, PointType: types.DateTime}, nil
	case types.SubtypeOf(n.info.Type, R4().infos["Range"].Type):
		var bounds [2]value.Value
		for i, name := range []string{"low", "high"} {
			b, err := n.Property(name)
			if err != nil {
				return nil, err
			}
			if bounds[i], err = ToQuantity(b); err != nil {
				return nil, err
			}
		}
		return value.Interval{Low: bounds[0], High: bounds[1], LowClosed: true, HighClosed: true, PointType: types.Quantity}, nil
	}
	return nil, n.errorf("cannot convert FHIR.%s to an interval", n.info.Type.Name)
}

// ToSystem converts a FHIR value to the System value FHIRHelpers gives it:
// primitives to their value, Coding to Code, CodeableConcept to Concept,
// Quantity to Quantity, Ratio to Ratio, Period and Range to intervals.
// Other values (System values, resources, other datatypes) are returned
// unchanged.
func ToSystem(v value.Value) (value.Value, error) {
	n, ok := v.(*Node)
	if !ok {
		return v, nil
	}
	switch n.info.Kind {
	case KindPrimitive, KindCode:
		return n.PrimitiveValue()
	case KindResource:
		return v, nil
	}
	m := R4()
	is := func(name string) bool { return types.SubtypeOf(n.info.Type, m.infos[name].Type) }
	switch {
	case is("Coding"):
		return ToCode(v)
	case is("CodeableConcept"):
		return ToConcept(v)
	case is("Quantity"):
		return ToQuantity(v)
	case is("Ratio"):
		return ToRatio(v)
	case is("Period"), is("Range"):
		return ToInterval(v)
	}
	return v, nil
}

// NativeFunc is a Go implementation of a FHIRHelpers function.
type NativeFunc func(args []value.Value) (value.Value, error)

func unary(f func(value.Value) (value.Value, error)) NativeFunc {
	return func(args []value.Value) (value.Value, error) {
		if len(args) != 1 {
			return nil, &DataError{Msg: "FHIRHelpers conversions take one argument"}
		}
		return f(args[0])
	}
}

func primitiveFn(args []value.Value) (value.Value, error) {
	if len(args) != 1 {
		return nil, &DataError{Msg: "FHIRHelpers conversions take one argument"}
	}
	if args[0] == nil {
		return nil, nil
	}
	n, ok := args[0].(*Node)
	if !ok {
		return args[0], nil
	}
	return n.PrimitiveValue()
}

// FHIRHelpersNatives are Go implementations of the FHIRHelpers 4.0.1
// conversion functions, by function name. An engine may call these instead
// of evaluating the CQL bodies; both give the same results.
var FHIRHelpersNatives = map[string]NativeFunc{
	"ToCode":     unary(ToCode),
	"ToConcept":  unary(ToConcept),
	"ToQuantity": unary(ToQuantity),
	"ToRatio":    unary(ToRatio),
	"ToInterval": unary(ToInterval),
	"ToString":   primitiveFn,
	"ToBoolean":  primitiveFn,
	"ToInteger":  primitiveFn,
	"ToDecimal":  primitiveFn,
	"ToDateTime": primitiveFn,
	"ToDate":     primitiveFn,
	"ToTime":     primitiveFn,
}

// ImplicitConversion implements the checker's Converter: FHIR primitives
// (and bound code types) convert to their System value type, Coding to
// Code, CodeableConcept to Concept, Quantity (and its specialisations) to
// Quantity, Ratio to Ratio, Period to Interval<DateTime> and Range to
// Interval<Quantity>, as the FHIRHelpers functions do. fn runs the
// conversion natively.
func (m *Model) ImplicitConversion(from types.Type) (types.Type, func(value.Value) (value.Value, error), bool) {
	c, ok := m.ConversionTo(from)
	if !ok {
		return nil, nil, false
	}
	fn := FHIRHelpersNatives[c.Function]
	if fn == nil {
		return nil, nil, false
	}
	return c.To, func(v value.Value) (value.Value, error) { return fn([]value.Value{v}) }, true
}

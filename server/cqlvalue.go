package server

import (
	"encoding/json"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// The encoding of CQL values as Parameters.parameter, following the CQL
// Parameters profile of Using CQL with FHIR (cql-parameters) and the
// mapping of CQL types to FHIR types:
//
//	null                 _valueBoolean with data-absent-reason "unknown"
//	Boolean, Integer,    valueBoolean, valueInteger, valueDecimal,
//	Decimal, String      valueString
//	Long                 valueString (R4 has no 64-bit integer)
//	Date, DateTime, Time valueDate, valueDateTime, valueTime when FHIR's
//	                     type holds the value exactly; otherwise (a DateTime
//	                     with a time but no offset, or at hour or minute
//	                     precision; a Time above second precision)
//	                     valueString with the CQL literal (@2012-01-01T10)
//	Quantity, Ratio      valueQuantity, valueRatio (UCUM)
//	Code, Concept        valueCoding, valueCodeableConcept
//	Interval             valuePeriod (Date, DateTime) or valueRange
//	                     (Integer, Long, Decimal, Quantity) when both
//	                     boundaries are present and closed; otherwise parts
//	                     low, lowClosed, high, highClosed
//	List                 one parameter per element, all with the same name;
//	                     an element that is itself a list is a parameter
//	                     with one "element" part per element; the empty list
//	                     is _valueBoolean with cqf-isEmptyList
//	Tuple                a parameter with one part per element; the empty
//	                     tuple is _valueBoolean with cqf-isEmptyTuple
//	FHIR resource        resource
//	FHIR element         value[x] of its FHIR type
//
// Every top-level parameter carries the cqf-cqlType extension naming the
// CQL type of its value.

const (
	extIsEmptyList  = "http://hl7.org/fhir/StructureDefinition/cqf-isEmptyList"
	extIsEmptyTuple = "http://hl7.org/fhir/StructureDefinition/cqf-isEmptyTuple"
)

// valueParameters renders v, of static type typ (nil: v's run-time type),
// as the parameters named name.
func valueParameters(name string, v value.Value, typ types.Type) []Parameter {
	typ = orType(typ, v)
	if l, ok := v.(value.List); ok {
		elemType := types.Type(nil)
		if lt, ok := typ.(*types.List); ok {
			elemType = lt.Elem
		}
		if len(l.Elems) == 0 {
			p := flagParameter(name, extIsEmptyList)
			p.Extension = cqlTypeExt(typ)
			return []Parameter{p}
		}
		out := make([]Parameter, 0, len(l.Elems))
		for _, e := range l.Elems {
			et := elemType
			if et == nil || et == types.Any {
				et = nil
			}
			if inner, ok := e.(value.List); ok && len(inner.Elems) > 0 {
				var it types.Type
				if lt, ok := et.(*types.List); ok {
					it = lt.Elem
				}
				p := Parameter{Name: name, Extension: cqlTypeExt(orType(et, e))}
				for _, ie := range inner.Elems {
					p.Part = append(p.Part, valueParameters("element", ie, it)...)
				}
				out = append(out, p)
				continue
			}
			out = append(out, valueParameter(name, e, et))
		}
		return out
	}
	return []Parameter{valueParameter(name, v, typ)}
}

// orType is the type to report for v: its run-time type, unless that is
// vaguer than the static type t (an element or point type Any, as for an
// empty list) or v is null.
func orType(t types.Type, v value.Value) types.Type {
	if v == nil {
		return t
	}
	rt := v.Type()
	if iv, ok := v.(value.Interval); ok && iv.PointType == nil {
		pt := types.Type(types.Any)
		for _, b := range []value.Value{iv.Low, iv.High} {
			if b != nil {
				pt = b.Type()
			}
		}
		rt = &types.Interval{Point: pt}
	}
	if t != nil && kind(t) == kind(rt) && hasAny(rt) && !hasAny(t) {
		return t
	}
	return rt
}

// hasAny reports whether t is Any or has Any as an element or point type.
func hasAny(t types.Type) bool {
	switch x := t.(type) {
	case *types.List:
		return hasAny(x.Elem)
	case *types.Interval:
		return hasAny(x.Point)
	case *types.Tuple:
		for _, e := range x.Elements {
			if hasAny(e.Type) {
				return true
			}
		}
		return false
	}
	return t == nil || t == types.Any
}

// kind classifies a type as list, interval, tuple or other.
func kind(t types.Type) int {
	switch t.(type) {
	case *types.List:
		return 1
	case *types.Interval:
		return 2
	case *types.Tuple:
		return 3
	}
	return 0
}

func cqlTypeExt(t types.Type) []Extension {
	if t == nil {
		return nil
	}
	s := t.String()
	return []Extension{{URL: extCQLType, ValueString: &s}}
}

// flagParameter is a parameter without a value whose _valueBoolean
// carries the extension url: data-absent-reason "unknown" for null,
// cqf-isEmptyList or cqf-isEmptyTuple true.
func flagParameter(name, url string) Parameter {
	ext := Extension{URL: url}
	if url == extDataAbsentReason {
		unknown := "unknown"
		ext.ValueCode = &unknown
	} else {
		t := true
		ext.ValueBoolean = &t
	}
	return Parameter{Name: name, ValueBooleanElement: &Element{Extension: []Extension{ext}}}
}

// valueParameter renders a value that is not a non-empty list as one
// parameter.
func valueParameter(name string, v value.Value, typ types.Type) Parameter {
	typ = orType(typ, v)
	if v == nil {
		p := flagParameter(name, extDataAbsentReason)
		p.Extension = cqlTypeExt(typ)
		return p
	}
	p := Parameter{Name: name, Extension: cqlTypeExt(typ)}
	switch x := v.(type) {
	case *fhir.Node:
		fhirNodeValue(&p, x)
		return p
	case value.Boolean:
		b := bool(x)
		p.ValueBoolean = &b
		return p
	case value.Integer:
		i := int32(x)
		p.ValueInteger = &i
		return p
	case value.Long:
		s := longText(x)
		p.ValueString = &s
		return p
	case value.Decimal:
		if s := x.String(); isJSONNumber(s) {
			p.ValueDecimal = json.Number(s)
			return p
		}
	case value.String:
		s := string(x)
		p.ValueString = &s
		return p
	case value.Date:
		if s, ok := fhirDate(x); ok {
			p.ValueDate = &s
			return p
		}
	case value.DateTime:
		if s, ok := fhirDateTime(x); ok {
			p.ValueDateTime = &s
			return p
		}
	case value.Time:
		if s, ok := fhirTime(x); ok {
			p.ValueTime = &s
			return p
		}
	case value.Quantity:
		if q, ok := fhirQuantity(x); ok {
			p.ValueQuantity = &q
			return p
		}
	case value.Ratio:
		n, ok1 := fhirQuantity(x.Numerator)
		d, ok2 := fhirQuantity(x.Denominator)
		if ok1 && ok2 {
			p.ValueRatio = &Ratio{Numerator: &n, Denominator: &d}
			return p
		}
	case value.Code:
		c := fhirCoding(x)
		p.ValueCoding = &c
		return p
	case value.Concept:
		cc := CodeableConcept{Text: x.Display}
		for _, c := range x.Codes {
			cc.Coding = append(cc.Coding, fhirCoding(c))
		}
		p.ValueCodeableConcept = &cc
		return p
	case value.Interval:
		intervalValue(&p, x)
		return p
	case value.Tuple:
		if len(x.Names) == 0 {
			e := flagParameter(name, extIsEmptyTuple)
			e.Extension = p.Extension
			return e
		}
		var tt *types.Tuple
		if t, ok := typ.(*types.Tuple); ok {
			tt = t
		}
		for i, n := range x.Names {
			var et types.Type
			if tt != nil {
				for _, el := range tt.Elements {
					if el.Name == n {
						et = el.Type
					}
				}
			}
			p.Part = append(p.Part, valueParameters(n, x.Values[i], et)...)
		}
		return p
	}
	s := value.Format(v)
	p.ValueString = &s
	return p
}

func longText(l value.Long) string {
	s := value.Format(l)
	return s[:len(s)-1] // without the L suffix
}

func fhirCoding(c value.Code) Coding {
	return Coding{System: c.System, Version: c.Version, Code: c.Code, Display: c.Display}
}

// intervalValue renders an interval as a Period or Range when FHIR's type
// holds it exactly, otherwise as low/lowClosed/high/highClosed parts.
func intervalValue(p *Parameter, iv value.Interval) {
	if iv.LowClosed && iv.HighClosed && iv.Low != nil && iv.High != nil {
		switch lo := iv.Low.(type) {
		case value.Date:
			hi, ok := iv.High.(value.Date)
			s, ok1 := fhirDate(lo)
			e, ok2 := fhirDate(hi)
			if ok && ok1 && ok2 {
				p.ValuePeriod = &Period{Start: s, End: e}
				return
			}
		case value.DateTime:
			hi, ok := iv.High.(value.DateTime)
			s, ok1 := fhirDateTime(lo)
			e, ok2 := fhirDateTime(hi)
			if ok && ok1 && ok2 {
				p.ValuePeriod = &Period{Start: s, End: e}
				return
			}
		case value.Integer, value.Long, value.Decimal, value.Quantity:
			l, ok1 := rangeQuantity(iv.Low)
			h, ok2 := rangeQuantity(iv.High)
			if ok1 && ok2 {
				p.ValueRange = &Range{Low: &l, High: &h}
				return
			}
		}
	}
	var pt types.Type
	if it, ok := orType(nil, iv).(*types.Interval); ok {
		pt = it.Point
	}
	lc, hc := iv.LowClosed, iv.HighClosed
	p.Part = []Parameter{
		valueParameter("low", iv.Low, pt),
		{Name: "lowClosed", ValueBoolean: &lc},
		valueParameter("high", iv.High, pt),
		{Name: "highClosed", ValueBoolean: &hc},
	}
	for i := range p.Part {
		p.Part[i].Extension = nil
	}
}

// rangeQuantity is a numeric or Quantity boundary as a Range's Quantity:
// numbers are unity quantities (UCUM "1").
func rangeQuantity(v value.Value) (Quantity, bool) {
	switch x := v.(type) {
	case value.Integer:
		return Quantity{Value: json.Number(value.Format(x)), System: ucumSystem, Code: "1"}, true
	case value.Long:
		return Quantity{Value: json.Number(longText(x)), System: ucumSystem, Code: "1"}, true
	case value.Decimal:
		s := x.String()
		if !isJSONNumber(s) {
			return Quantity{}, false
		}
		return Quantity{Value: json.Number(s), System: ucumSystem, Code: "1"}, true
	case value.Quantity:
		return fhirQuantity(x)
	}
	return Quantity{}, false
}

// fhirNodeValue renders a FHIR value: a resource as resource, a primitive
// by its System value, another element as value[x] of its FHIR type.
func fhirNodeValue(p *Parameter, n *fhir.Node) {
	if _, isResource := n.Raw()["resourceType"]; isResource {
		if b, err := n.MarshalJSON(); err == nil {
			p.Resource = b
			return
		}
	}
	if n.Raw() == nil {
		if v, err := n.PrimitiveValue(); err == nil && v != nil {
			ext := p.Extension
			*p = valueParameter(p.Name, v, nil)
			p.Extension = ext
			return
		}
	}
	if b, err := n.MarshalJSON(); err == nil {
		name := n.TypeName()
		if name != "" {
			p.ValueKey = "value" + upperFirst(name)
			p.ValueRaw = b
			return
		}
	}
	s := n.String()
	p.ValueString = &s
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

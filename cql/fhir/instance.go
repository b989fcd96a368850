package fhir

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// NewInstance builds a FHIR value from an instance selector such as
// `Observation { id: id { value: 'x' }, status: ObservationStatus { value: 'final' } }`.
// names and vals are parallel. Element values may be FHIR values, System
// values (for primitives' `value`, or converted into the element's
// primitive type), lists of either, or null.
func (m *Model) NewInstance(t *types.Named, names []string, vals []value.Value) (value.Value, error) {
	if t == nil || t.Model != ModelName {
		return nil, fmt.Errorf("cannot build an instance of %v with the FHIR model", t)
	}
	ti, ok := m.infos[t.Name]
	if !ok {
		return nil, fmt.Errorf("unknown FHIR type %s", t.Name)
	}
	if len(names) != len(vals) {
		return nil, fmt.Errorf("instance of FHIR.%s: %d names for %d values", t.Name, len(names), len(vals))
	}
	if ti.Kind == KindPrimitive || ti.Kind == KindCode {
		n := &Node{info: ti}
		for i, name := range names {
			v := vals[i]
			if v == nil {
				continue
			}
			switch name {
			case "value":
				j, err := systemToJSON(unwrapPrimitive(v))
				if err != nil {
					return nil, fmt.Errorf("FHIR.%s.value: %v", t.Name, err)
				}
				n.prim = j
			case "id", "extension":
				if n.ext == nil {
					n.ext = map[string]any{}
				}
				j, err := m.toJSON(v)
				if err != nil {
					return nil, fmt.Errorf("FHIR.%s.%s: %v", t.Name, name, err)
				}
				n.ext[name] = j
			default:
				return nil, fmt.Errorf("FHIR.%s has no element %q", t.Name, name)
			}
		}
		n.loc = &location{resType: t.Name, name: t.Name, index: -1}
		return n, nil
	}
	obj := map[string]any{}
	if ti.Kind == KindResource {
		obj["resourceType"] = t.Name
	}
	for i, name := range names {
		v := vals[i]
		if v == nil {
			continue
		}
		el, ok := m.ElementOf(t, name)
		if !ok {
			return nil, fmt.Errorf("FHIR.%s has no element %q", t.Name, name)
		}
		if l, isList := v.(value.List); isList && len(l.Elems) == 0 {
			continue
		}
		key := name
		if el.Choice != nil {
			n, ok := v.(*Node)
			if !ok {
				return nil, fmt.Errorf("FHIR.%s.%s: a choice element needs a FHIR value, got %s", t.Name, name, v.Type())
			}
			found := false
			for _, o := range el.Choice {
				if types.SubtypeOf(n.info.Type, o.Type) {
					key, found = name+o.Suffix, true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("FHIR.%s.%s cannot hold FHIR.%s", t.Name, name, n.TypeName())
			}
		}
		if err := m.putElement(obj, key, v); err != nil {
			return nil, fmt.Errorf("FHIR.%s.%s: %v", t.Name, name, err)
		}
	}
	n := &Node{info: ti, obj: obj}
	id, _ := obj["id"].(string)
	n.loc = &location{resType: t.Name, resID: id, name: t.Name, index: -1}
	return n, nil
}

// putElement stores a value under key, splitting primitives into the value
// and its "_key" companion.
func (m *Model) putElement(obj map[string]any, key string, v value.Value) error {
	if l, ok := v.(value.List); ok {
		vals := make([]any, len(l.Elems))
		exts := make([]any, len(l.Elems))
		hasExt := false
		for i, e := range l.Elems {
			if n, ok := e.(*Node); ok && n.obj == nil {
				vals[i] = n.prim
				if n.ext != nil {
					exts[i], hasExt = n.ext, true
				}
				continue
			}
			j, err := m.toJSON(e)
			if err != nil {
				return err
			}
			vals[i] = j
		}
		obj[key] = vals
		if hasExt {
			obj["_"+key] = exts
		}
		return nil
	}
	if n, ok := v.(*Node); ok && n.obj == nil {
		if n.prim != nil {
			obj[key] = n.prim
		}
		if n.ext != nil {
			obj["_"+key] = n.ext
		}
		return nil
	}
	j, err := m.toJSON(v)
	if err != nil {
		return err
	}
	obj[key] = j
	return nil
}

func unwrapPrimitive(v value.Value) value.Value {
	if n, ok := v.(*Node); ok && n.obj == nil {
		pv, err := n.PrimitiveValue()
		if err == nil {
			return pv
		}
	}
	return v
}

// toJSON converts a value to the JSON held by a Node.
func (m *Model) toJSON(v value.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *Node:
		if x.obj != nil {
			return x.obj, nil
		}
		return x.prim, nil
	case value.List:
		out := make([]any, len(x.Elems))
		for i, e := range x.Elems {
			j, err := m.toJSON(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case value.Code:
		obj := map[string]any{}
		putStr(obj, "system", x.System)
		putStr(obj, "version", x.Version)
		putStr(obj, "code", x.Code)
		putStr(obj, "display", x.Display)
		return obj, nil
	case value.Concept:
		obj := map[string]any{}
		var codings []any
		for _, c := range x.Codes {
			j, _ := m.toJSON(c)
			codings = append(codings, j)
		}
		if codings != nil {
			obj["coding"] = codings
		}
		putStr(obj, "text", x.Display)
		return obj, nil
	case value.Quantity:
		obj := map[string]any{"value": json.Number(x.Value.D.String())}
		if x.Unit != "" {
			u := x.Unit
			for k, w := range calendarUnits {
				if w == strings.TrimSuffix(u, "s") {
					u = k
				}
			}
			obj["unit"], obj["system"], obj["code"] = x.Unit, UCUMSystem, u
		}
		return obj, nil
	}
	return systemToJSON(v)
}

func putStr(obj map[string]any, k, v string) {
	if v != "" {
		obj[k] = v
	}
}

// systemToJSON writes a System primitive value as FHIR JSON.
func systemToJSON(v value.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case value.String:
		return string(x), nil
	case value.Boolean:
		return bool(x), nil
	case value.Integer:
		return json.Number(fmt.Sprint(int32(x))), nil
	case value.Long:
		return json.Number(fmt.Sprint(int64(x))), nil
	case value.Decimal:
		return json.Number(x.D.String()), nil
	case value.Date:
		return FormatDate(x), nil
	case value.DateTime:
		return FormatDateTime(x), nil
	case value.Time:
		return FormatTime(x), nil
	}
	return nil, fmt.Errorf("cannot store a %s in FHIR data", v.Type())
}

package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

type typesNamed = types.Named

func jsonNumber(s string) json.Number { return json.Number(s) }

// cqlParameters converts the $apply "parameters" Parameters resource to
// CQL parameter values (valueString, valueBoolean, valueInteger,
// valueDecimal, valueDate, valueDateTime, valueTime, valueCode,
// valueCoding, valueCodeableConcept, valueQuantity, valuePeriod; resources as FHIR
// values).
func cqlParameters(p map[string]any) (map[string]value.Value, error) {
	if p == nil {
		return nil, nil
	}
	if fj.Type(p) != "Parameters" {
		return nil, fmt.Errorf("parameters must be a Parameters resource, got %q", fj.Type(p))
	}
	out := map[string]value.Value{}
	for i, par := range fj.Objs(p, "parameter") {
		name := fj.Str(par, "name")
		if name == "" {
			return nil, fmt.Errorf("parameter[%d] has no name", i)
		}
		v, err := fhirToCQL(par)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func fhirToCQL(par map[string]any) (value.Value, error) {
	for k, v := range par {
		if !strings.HasPrefix(k, "value") && k != "resource" {
			continue
		}
		switch k {
		case "valueString", "valueId", "valueUri", "valueUrl", "valueCanonical", "valueMarkdown":
			s, _ := v.(string)
			return value.String(s), nil
		case "valueCode":
			s, _ := v.(string)
			return value.String(s), nil
		case "valueBoolean":
			b, _ := v.(bool)
			return value.Boolean(b), nil
		case "valueInteger", "valuePositiveInt", "valueUnsignedInt":
			n, err := strconv.ParseInt(fmt.Sprint(v), 10, 32)
			if err != nil {
				return nil, err
			}
			return value.Integer(n), nil
		case "valueDecimal":
			return value.NewDecimal(fmt.Sprint(v))
		case "valueDate":
			return value.ParseDate(fmt.Sprint(v))
		case "valueDateTime", "valueInstant":
			return value.ParseDateTime(fmt.Sprint(v))
		case "valueTime":
			return value.ParseTime(fmt.Sprint(v))
		case "valueCoding":
			m, _ := v.(map[string]any)
			return value.Code{System: fj.Str(m, "system"), Code: fj.Str(m, "code"), Version: fj.Str(m, "version"), Display: fj.Str(m, "display")}, nil
		case "valueCodeableConcept":
			m, _ := v.(map[string]any)
			var c value.Concept
			for _, cd := range fj.Objs(m, "coding") {
				c.Codes = append(c.Codes, value.Code{System: fj.Str(cd, "system"), Code: fj.Str(cd, "code"), Version: fj.Str(cd, "version"), Display: fj.Str(cd, "display")})
			}
			c.Display = fj.Str(m, "text")
			return c, nil
		case "valueQuantity":
			m, _ := v.(map[string]any)
			d, err := value.NewDecimal(fmt.Sprint(m["value"]))
			if err != nil {
				return nil, err
			}
			unit := firstNonEmpty(fj.Str(m, "code"), fj.Str(m, "unit"), "1")
			return value.Quantity{Value: d, Unit: unit}, nil
		case "valuePeriod":
			m, _ := v.(map[string]any)
			return periodToInterval(m)
		case "resource":
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			return fhir.R4().ParseResource(b)
		default:
			return nil, fmt.Errorf("%s is not supported", k)
		}
	}
	return nil, nil
}

// periodToInterval reads a Period as a closed Interval<DateTime> (a
// missing end is unbounded).
func periodToInterval(m map[string]any) (value.Value, error) {
	iv := value.Interval{LowClosed: true, HighClosed: true, PointType: types.DateTime}
	for _, b := range []struct {
		key string
		dst *value.Value
		cl  *bool
	}{{"start", &iv.Low, &iv.LowClosed}, {"end", &iv.High, &iv.HighClosed}} {
		s := fj.Str(m, b.key)
		if s == "" {
			*b.cl = false
			continue
		}
		dt, err := value.ParseDateTime(s)
		if err != nil {
			return nil, fmt.Errorf("Period.%s: %v", b.key, err)
		}
		*b.dst = dt
	}
	return iv, nil
}

// ParametersResource writes CQL parameter values as the Parameters
// resource of $apply's "parameters" (read back by the engine as the same
// values): System values as value[x], intervals of DateTime as closed
// Periods, FHIR resources as resource.
func ParametersResource(params map[string]value.Value) (map[string]any, error) {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		v := params[n]
		p := map[string]any{"name": n}
		switch x := v.(type) {
		case nil:
			return nil, fmt.Errorf("parameter %q: null cannot be sent in a Parameters resource", n)
		case *fhir.Node:
			if x.Info().Kind != fhir.KindResource {
				return nil, fmt.Errorf("parameter %q: a FHIR %s cannot be sent", n, x.TypeName())
			}
			p["resource"] = toFHIR(x, "")
		case value.Interval:
			lo, hi := x.Low, x.High
			var err error
			if lo != nil && !x.LowClosed {
				lo, err = value.Successor(lo)
			}
			if hi != nil && !x.HighClosed && err == nil {
				hi, err = value.Predecessor(hi)
			}
			_, dt1 := lo.(value.DateTime)
			_, dt2 := hi.(value.DateTime)
			if err != nil || !dt1 && lo != nil || !dt2 && hi != nil {
				return nil, fmt.Errorf("parameter %q: only intervals of DateTime can be sent (as a Period)", n)
			}
			p["valuePeriod"] = toFHIR(value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true}, "")
		case value.String, value.Boolean, value.Integer, value.Decimal, value.Date, value.DateTime, value.Time,
			value.Quantity, value.Code, value.Concept:
			p["value"+choiceSuffix(v, nil)] = toFHIR(v, "")
		default:
			return nil, fmt.Errorf("parameter %q: a %s cannot be sent in a Parameters resource", n, v.Type())
		}
		out = append(out, p)
	}
	return map[string]any{"resourceType": "Parameters", "parameter": out}, nil
}

// toFHIR converts a CQL value to FHIR JSON for an element of FHIR type
// want ("" when unknown): Codes become Codings (CodeableConcepts when want
// is CodeableConcept), resources become References when want is
// Reference.
func toFHIR(v value.Value, want string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case *fhir.Node:
		if x.Info().Kind == fhir.KindResource && (want == "Reference" || want == "") && want != x.TypeName() {
			if want == "Reference" {
				return fj.Reference(x.TypeName() + "/" + x.ID())
			}
		}
		b, err := x.MarshalJSON()
		if err != nil {
			return nil
		}
		d, err := fj.Decode(b)
		if err != nil {
			return nil
		}
		return d
	case value.String:
		if want == "CodeableConcept" {
			return map[string]any{"text": string(x)}
		}
		return string(x)
	case value.Code:
		c := fj.Coding(x.System, x.Code, x.Display)
		if x.Version != "" {
			c["version"] = x.Version
		}
		if want == "CodeableConcept" {
			return map[string]any{"coding": []any{c}}
		}
		return c
	case value.Concept:
		var codings []any
		for _, c := range x.Codes {
			codings = append(codings, toFHIR(c, "Coding"))
		}
		m := map[string]any{"coding": codings}
		if x.Display != "" {
			m["text"] = x.Display
		}
		return m
	case value.Quantity:
		m := map[string]any{"value": value.ToJSON(x.Value)}
		if x.Unit != "" && x.Unit != "1" {
			m["unit"] = x.Unit
			m["system"] = "http://unitsofmeasure.org"
			m["code"] = x.Unit
		}
		return m
	case value.List:
		var out []any
		for _, e := range x.Elems {
			out = append(out, toFHIR(e, want))
		}
		return out
	case value.Interval:
		m := map[string]any{}
		if x.Low != nil {
			m["start"] = toFHIR(x.Low, "")
		}
		if x.High != nil {
			m["end"] = toFHIR(x.High, "")
		}
		return m
	}
	return value.ToJSON(v)
}

// choiceSuffix is the JSON suffix of value[x] for a CQL value.
func choiceSuffix(v value.Value, opts []fhir.ChoiceOption) string {
	var s string
	switch x := v.(type) {
	case value.String:
		s = "String"
	case value.Boolean:
		s = "Boolean"
	case value.Integer, value.Long:
		s = "Integer"
	case value.Decimal:
		s = "Decimal"
	case value.Date:
		s = "Date"
	case value.DateTime:
		s = "DateTime"
	case value.Time:
		s = "Time"
	case value.Quantity:
		s = "Quantity"
	case value.Code:
		s = "CodeableConcept"
		if !hasOption(opts, s) {
			s = "Coding"
		}
	case value.Concept:
		s = "CodeableConcept"
	case value.Interval:
		s = "Period"
	case *fhir.Node:
		s = x.TypeName()
		if x.Info().Kind == fhir.KindResource {
			s = "Reference"
		} else if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
	case value.List:
		if len(x.Elems) > 0 {
			return choiceSuffix(x.Elems[0], opts)
		}
	}
	if len(opts) > 0 && !hasOption(opts, s) {
		if hasOption(opts, "String") {
			return "String"
		}
	}
	return s
}

func hasOption(opts []fhir.ChoiceOption, s string) bool {
	for _, o := range opts {
		if o.Suffix == s {
			return true
		}
	}
	return false
}

func namedOf(t types.Type) string {
	switch x := t.(type) {
	case *types.Named:
		return x.Name
	case *types.List:
		return namedOf(x.Elem)
	}
	return ""
}

// setPath sets a dynamic value at a dot path of a resource, guided by the
// FHIR R4 model: repeating elements use (and create) their first item or
// the item named by an index ("input[1].value"), choice elements get the
// suffix of the value's type ("input.value" + String -> valueString).
func setPath(res map[string]any, path string, v value.Value) error {
	if path == "" {
		return fmt.Errorf("dynamicValue without a path")
	}
	if v == nil {
		return nil
	}
	m := fhir.R4()
	typ := fj.Type(res)
	cur := res
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		name, idx := seg, -1
		if j := strings.IndexByte(seg, '['); j > 0 && strings.HasSuffix(seg, "]") {
			n, err := strconv.Atoi(seg[j+1 : len(seg)-1])
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("bad index in path %q", path)
			}
			name, idx = seg[:j], n
		}
		var el *fhir.Element
		if named, ok := m.ResolveType(typ); ok && typ != "" {
			el, _ = m.ElementOf(named, name)
		}
		last := i == len(segs)-1
		if el != nil && len(el.Choice) > 0 && !strings.Contains(name, "[") {
			suffix := choiceSuffix(v, el.Choice)
			key := name + suffix
			if last {
				cur[key] = toFHIR(v, suffix)
				return nil
			}
			name, typ = key, suffix
			el = nil
		}
		list := el != nil && el.List
		if last {
			want := ""
			if el != nil {
				want = namedOf(el.One)
			}
			fv := toFHIR(v, want)
			if list {
				if l, ok := fv.([]any); ok {
					cur[name] = l
				} else if idx >= 0 {
					l := fj.List(cur, name)
					for len(l) <= idx {
						l = append(l, nil)
					}
					l[idx] = fv
					cur[name] = l
				} else {
					cur[name] = []any{fv}
				}
			} else {
				if l, ok := fv.([]any); ok && len(l) > 0 && el != nil {
					fv = l[0]
				}
				cur[name] = fv
			}
			return nil
		}
		next := map[string]any{}
		if el != nil {
			typ = namedOf(el.One)
		} else {
			typ = ""
		}
		if list || idx >= 0 {
			l := fj.List(cur, name)
			if idx < 0 {
				idx = 0
			}
			for len(l) <= idx {
				l = append(l, map[string]any{})
			}
			if o, ok := l[idx].(map[string]any); ok {
				next = o
			} else {
				l[idx] = next
			}
			cur[name] = l
		} else {
			if o := fj.Obj(cur, name); o != nil {
				next = o
			} else {
				cur[name] = next
			}
		}
		cur = next
	}
	return nil
}

// setPlain sets a value on a RequestGroup action (title, description, ...).
func setPlain(m map[string]any, path string, v value.Value) error {
	if path == "" {
		return fmt.Errorf("dynamicValue without a path")
	}
	segs := strings.Split(path, ".")
	cur := m
	for _, s := range segs[:len(segs)-1] {
		next := fj.Obj(cur, s)
		if next == nil {
			next = map[string]any{}
			cur[s] = next
		}
		cur = next
	}
	if v != nil {
		cur[segs[len(segs)-1]] = toFHIR(v, "")
	}
	return nil
}

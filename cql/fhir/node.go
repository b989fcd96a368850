package fhir

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Node is a FHIR resource, datatype, backbone element or primitive as a CQL
// value. It wraps the decoded JSON (numbers kept as json.Number) and knows
// its FHIR type. Nodes are immutable and may be shared.
type Node struct {
	info *TypeInfo
	// obj holds the JSON object of complex types and resources.
	obj map[string]any
	// prim is the JSON value of a primitive (string, json.Number or bool);
	// ext is its "_name" companion object with id and extension.
	prim any
	ext  map[string]any
	loc  *location
}

// location tells where a node is, for error messages.
type location struct {
	resType, resID string
	parent         *location
	name           string
	index          int // -1 when not a list item
	// src is the data set the resource was read from (nil: read strictly).
	src *dataSource
}

func (l *location) child(name string, index int) *location {
	if l == nil {
		return &location{name: name, index: index}
	}
	return &location{resType: l.resType, resID: l.resID, parent: l, name: name, index: index, src: l.src}
}

func (l *location) path() string {
	if l == nil {
		return ""
	}
	if l.parent == nil {
		return l.name
	}
	p := l.parent.path()
	s := l.name
	if l.index >= 0 {
		s += "[" + strconv.Itoa(l.index) + "]"
	}
	if p == "" {
		return s
	}
	return p + "." + s
}

// DataError reports FHIR data that does not fit the model: a wrong JSON
// type, a malformed date, an unknown resource type.
type DataError struct {
	Resource string // "Observation/obs-1"
	Path     string // "Observation.value.value"
	Msg      string
}

func (e *DataError) Error() string {
	r := e.Resource
	if r == "" {
		r = "FHIR data"
	}
	if e.Path != "" {
		return fmt.Sprintf("%s at %s: %s", r, e.Path, e.Msg)
	}
	return r + ": " + e.Msg
}

func (n *Node) errorf(format string, args ...any) error {
	e := &DataError{Msg: fmt.Sprintf(format, args...)}
	if n.loc != nil {
		e.Resource = n.loc.resType
		if n.loc.resID != "" {
			e.Resource += "/" + n.loc.resID
		}
		e.Path = n.loc.path()
	}
	return e
}

// Type implements value.Value: the node's FHIR type.
func (n *Node) Type() types.Type { return n.info.Type }

// Info is the description of the node's FHIR type.
func (n *Node) Info() *TypeInfo { return n.info }

// TypeName is the FHIR type name ("Observation", "Quantity", "dateTime").
func (n *Node) TypeName() string { return n.info.Type.Name }

// Raw returns the JSON object of a complex node, nil for primitives.
func (n *Node) Raw() map[string]any { return n.obj }

// Primitive returns the JSON value of a primitive node.
func (n *Node) Primitive() any { return n.prim }

// ID is the resource or element id, "" when absent.
func (n *Node) ID() string {
	if n.obj != nil {
		s, _ := n.obj["id"].(string)
		return s
	}
	if n.ext != nil {
		s, _ := n.ext["id"].(string)
		return s
	}
	return ""
}

// Location is the node's resource and path, e.g. "Observation/o1 Observation.value".
func (n *Node) Location() string {
	if n.loc == nil {
		return ""
	}
	r := n.loc.resType
	if n.loc.resID != "" {
		r += "/" + n.loc.resID
	}
	return r + " " + n.loc.path()
}

// MarshalJSON writes the node's FHIR JSON (for a primitive, its value).
func (n *Node) MarshalJSON() ([]byte, error) {
	if n.obj != nil {
		return json.Marshal(n.obj)
	}
	return json.Marshal(n.prim)
}

// String is the node's JSON text.
func (n *Node) String() string {
	b, err := n.MarshalJSON()
	if err != nil {
		return "<" + n.TypeName() + ">"
	}
	return string(b)
}

// DecodeJSON decodes JSON text keeping numbers exact (as json.Number).
func DecodeJSON(data []byte) (any, error) {
	return decodeJSON(data)
}

// entryResources returns the resources of a Bundle's entries, in order.
func entryResources(bundle map[string]any) []map[string]any {
	entries, _ := bundle["entry"].([]any)
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		em, _ := e.(map[string]any)
		if r, ok := em["resource"].(map[string]any); ok {
			out = append(out, r)
		}
	}
	return out
}

// decodeObject decodes a JSON object (a resource or Bundle) given as text.
func decodeObject(data []byte) (map[string]any, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, &DataError{Msg: "invalid JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &DataError{Msg: "expected a JSON object"}
	}
	return obj, nil
}

// ParseResource decodes a FHIR JSON resource.
func (m *Model) ParseResource(data []byte) (*Node, error) {
	v, err := DecodeJSON(data)
	if err != nil {
		return nil, &DataError{Msg: "invalid JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &DataError{Msg: "a FHIR resource must be a JSON object"}
	}
	return m.ResourceNode(obj)
}

// ResourceNode wraps a decoded resource object.
func (m *Model) ResourceNode(obj map[string]any) (*Node, error) {
	return m.resourceNode(obj, nil, "")
}

func (m *Model) resourceNode(obj map[string]any, parent *location, name string) (*Node, error) {
	rt, _ := obj["resourceType"].(string)
	id, _ := obj["id"].(string)
	ti, ok := m.infos[rt]
	if !ok || ti.Kind != KindResource {
		where := ""
		if parent != nil {
			where = parent.path()
		}
		if rt == "" {
			return nil, &DataError{Resource: where, Msg: "resource without a resourceType"}
		}
		return nil, &DataError{Resource: where, Msg: fmt.Sprintf("unknown resource type %q", rt)}
	}
	return &Node{info: ti, obj: obj, loc: &location{resType: rt, resID: id, name: rt, index: -1}}, nil
}

// Property returns element name of the node: a Node, a List of Nodes for
// repeating elements (empty when absent), a System value for the value of
// a primitive, or nil when absent. Choice elements resolve to the option
// present in the data.
func (n *Node) Property(name string) (value.Value, error) {
	if n.obj == nil {
		return n.primitiveProperty(name)
	}
	m := R4()
	el, ok := m.ElementOf(n.info.Type, name)
	if !ok {
		if name == "resourceType" && n.info.Kind == KindResource {
			return value.String(n.info.Type.Name), nil
		}
		return nil, n.errorf("%s has no element %q", n.info.Type.Name, name)
	}
	if el.Choice != nil {
		for _, o := range el.Choice {
			key := name + o.Suffix
			raw, has := n.obj[key]
			var ext any
			if !has {
				ext, has = n.obj["_"+key]
			}
			if !has {
				continue
			}
			ti := m.infos[o.Type.Name]
			return m.wrap(ti, raw, ext, n.loc.child(key, -1), n)
		}
		return nil, nil
	}
	raw, has := n.obj[name]
	ext, hasExt := n.obj["_"+name]
	one, _ := el.One.(*types.Named)
	if el.List {
		out := value.List{ElemType: el.One}
		if !has && !hasExt {
			return out, nil
		}
		items, ok := raw.([]any)
		if raw != nil && !ok {
			return nil, n.loc.child(name, -1).err("expected a JSON array for repeating element %s", name)
		}
		exts, _ := ext.([]any)
		size := len(items)
		if len(exts) > size {
			size = len(exts)
		}
		out.Elems = make([]value.Value, 0, size)
		for i := 0; i < size; i++ {
			var r, x any
			if i < len(items) {
				r = items[i]
			}
			if i < len(exts) {
				x = exts[i]
			}
			v, err := m.wrapNamed(one, r, x, n.loc.child(name, i), n)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.Elems = append(out.Elems, v)
			}
		}
		return out, nil
	}
	if !has && !hasExt {
		return nil, nil
	}
	return m.wrapNamed(one, raw, ext, n.loc.child(name, -1), n)
}

func (l *location) err(format string, args ...any) error {
	return (&Node{loc: l}).errorf(format, args...)
}

func (m *Model) wrapNamed(t *types.Named, raw, ext any, loc *location, parent *Node) (value.Value, error) {
	if t == nil {
		return nil, loc.err("element has no type")
	}
	if t.Model == "System" {
		// Element.id and Extension.url are System.String.
		if raw == nil {
			return nil, nil
		}
		s, ok := raw.(string)
		if !ok {
			return nil, loc.err("expected a JSON string")
		}
		return value.String(s), nil
	}
	ti, ok := m.infos[t.Name]
	if !ok {
		return nil, loc.err("unknown type %s", t.Name)
	}
	return m.wrap(ti, raw, ext, loc, parent)
}

func (m *Model) wrap(ti *TypeInfo, raw, ext any, loc *location, parent *Node) (value.Value, error) {
	switch ti.Kind {
	case KindPrimitive, KindCode:
		if raw == nil && ext == nil {
			return nil, nil
		}
		n := &Node{info: ti, prim: raw, loc: loc}
		if ext != nil {
			x, ok := ext.(map[string]any)
			if !ok {
				return nil, loc.err("expected a JSON object for the primitive's id and extensions")
			}
			n.ext = x
		}
		switch raw.(type) {
		case nil, string, bool, json.Number, float64:
		default:
			return nil, loc.err("expected a primitive JSON value for FHIR.%s, found %s", ti.Type.Name, jsonKind(raw))
		}
		return n, nil
	case KindResource:
		if raw == nil {
			return nil, nil
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, loc.err("expected a JSON object for a resource, found %s", jsonKind(raw))
		}
		r, err := m.resourceNode(obj, loc, "")
		if err != nil {
			return nil, err
		}
		r.loc = loc
		if rt, _ := obj["resourceType"].(string); rt != "" {
			id, _ := obj["id"].(string)
			r.loc = &location{resType: rt, resID: id, name: rt, index: -1, src: loc.src}
		}
		return r, nil
	default:
		if raw == nil {
			return nil, nil
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, loc.err("expected a JSON object for FHIR.%s, found %s", ti.Type.Name, jsonKind(raw))
		}
		return &Node{info: ti, obj: obj, loc: loc}, nil
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (n *Node) primitiveProperty(name string) (value.Value, error) {
	switch name {
	case "value":
		return n.PrimitiveValue()
	case "id":
		if n.ext == nil {
			return nil, nil
		}
		if s, ok := n.ext["id"].(string); ok {
			return value.String(s), nil
		}
		return nil, nil
	case "extension":
		out := value.List{ElemType: R4().infos["Extension"].Type}
		if n.ext == nil {
			return out, nil
		}
		raw, ok := n.ext["extension"].([]any)
		if !ok {
			return out, nil
		}
		m := R4()
		ti := m.infos["Extension"]
		for i, r := range raw {
			v, err := m.wrap(ti, r, nil, n.loc.child("extension", i), n)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.Elems = append(out.Elems, v)
			}
		}
		return out, nil
	}
	if n.obj == nil && n.info.Kind != KindPrimitive && n.info.Kind != KindCode {
		return nil, nil
	}
	return nil, n.errorf("FHIR.%s has no element %q", n.info.Type.Name, name)
}

// PrimitiveValue converts the value of a primitive node to its System
// value: Boolean, Integer, Decimal, String, DateTime, Date or Time.
//
// Data read through a lenient BundleRetriever (the default) may break the
// JSON type rule of a primitive harmlessly, as HAPI's lenient parser
// allows: a number or boolean where a string is expected (a code written
// 5) is read as its text, and a string holding a number or boolean where
// one is expected ("5.2" for a decimal) as that value; each such read is
// recorded as a warning naming the resource and path. Strict data, and
// values that do not read as the type at all, are errors.
func (n *Node) PrimitiveValue() (value.Value, error) {
	if n.prim == nil {
		return nil, nil
	}
	vt := n.info.ValueType
	if vt == nil {
		return nil, n.errorf("FHIR.%s is not a primitive", n.info.Type.Name)
	}
	switch vt.Name {
	case "Boolean":
		b, ok := n.prim.(bool)
		if !ok {
			if s, isStr := n.prim.(string); isStr && (s == "true" || s == "false") && n.lenient("a JSON boolean") {
				return value.Boolean(s == "true"), nil
			}
			return nil, n.errorf("expected a JSON boolean for FHIR.%s, found %s", n.info.Type.Name, jsonKind(n.prim))
		}
		return value.Boolean(b), nil
	case "Integer":
		s, ok := numberText(n.prim)
		if !ok {
			s, ok = n.prim.(string)
			if _, err := strconv.ParseInt(s, 10, 32); !ok || err != nil || !n.lenient("a JSON number") {
				return nil, n.errorf("expected a JSON number for FHIR.%s, found %s", n.info.Type.Name, jsonKind(n.prim))
			}
		}
		i, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, n.errorf("invalid FHIR.%s %s", n.info.Type.Name, s)
		}
		return value.Integer(i), nil
	case "Decimal":
		s, ok := numberText(n.prim)
		if !ok {
			s, ok = n.prim.(string)
			if _, err := parseDecimal(s); !ok || err != nil || !n.lenient("a JSON number") {
				return nil, n.errorf("expected a JSON number for FHIR.decimal, found %s", jsonKind(n.prim))
			}
		}
		d, err := parseDecimal(s)
		if err != nil {
			return nil, n.errorf("invalid decimal %s", s)
		}
		return d, nil
	}
	s, ok := n.prim.(string)
	if !ok {
		switch x := n.prim.(type) {
		case json.Number, float64:
			s, ok = numberText(x)
		case bool:
			s, ok = strconv.FormatBool(x), true
		}
		if !ok || !n.lenient("a JSON string") {
			return nil, n.errorf("expected a JSON string for FHIR.%s, found %s", n.info.Type.Name, jsonKind(n.prim))
		}
	}
	switch vt.Name {
	case "DateTime":
		dt, err := ParseDateTime(s)
		if err != nil {
			return nil, n.errorf("%v", err)
		}
		return dt, nil
	case "Date":
		d, err := ParseDate(s)
		if err != nil {
			return nil, n.errorf("%v", err)
		}
		return d, nil
	case "Time":
		t, err := ParseTime(s)
		if err != nil {
			return nil, n.errorf("%v", err)
		}
		return t, nil
	}
	return value.String(s), nil
}

func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// Get is Property for a dotted path ("code.coding"), flattening lists.
func (n *Node) Get(path string) (value.Value, error) {
	var cur value.Value = n
	for _, part := range strings.Split(path, ".") {
		next, err := propertyOf(cur, part)
		if err != nil {
			return nil, err
		}
		cur = next
		if cur == nil {
			return nil, nil
		}
	}
	return cur, nil
}

// propertyOf navigates a Node or a List of Nodes (flattening).
func propertyOf(v value.Value, name string) (value.Value, error) {
	switch x := v.(type) {
	case *Node:
		return x.Property(name)
	case value.List:
		out := value.List{ElemType: types.Any}
		for _, e := range x.Elems {
			r, err := propertyOf(e, name)
			if err != nil {
				return nil, err
			}
			switch y := r.(type) {
			case nil:
			case value.List:
				out.Elems = append(out.Elems, y.Elems...)
				out.ElemType = y.ElemType
			default:
				out.Elems = append(out.Elems, y)
				out.ElemType = y.Type()
			}
		}
		return out, nil
	}
	return nil, nil
}

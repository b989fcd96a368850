// Package fhirjson has small helpers for FHIR resources held as decoded
// JSON (map[string]any): typed field access, references, deep copies and
// walking the resources of a Bundle, including Bundles nested in it.
package fhirjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Resource is a FHIR resource or element as decoded JSON.
type Resource = map[string]any

// Str returns m[k] when it is a string.
func Str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return s
}

// Obj returns m[k] when it is an object.
func Obj(m map[string]any, k string) map[string]any {
	if m == nil {
		return nil
	}
	o, _ := m[k].(map[string]any)
	return o
}

// List returns m[k] when it is an array.
func List(m map[string]any, k string) []any {
	if m == nil {
		return nil
	}
	l, _ := m[k].([]any)
	return l
}

// Objs returns the objects of array m[k].
func Objs(m map[string]any, k string) []map[string]any {
	var out []map[string]any
	for _, v := range List(m, k) {
		if o, ok := v.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// Type is the resourceType of r.
func Type(r map[string]any) string { return Str(r, "resourceType") }

// ID is the id of r.
func ID(r map[string]any) string { return Str(r, "id") }

// Ref is "Type/id" of r.
func Ref(r map[string]any) string { return Type(r) + "/" + ID(r) }

// SplitRef splits a relative reference "Type/id" (an absolute URL's last
// two segments, a "|version" or "/_history/n" suffix ignored). ok is false
// when s has no such shape.
func SplitRef(s string) (typ, id string, ok bool) {
	s, _, _ = strings.Cut(s, "|")
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(strings.TrimSuffix(s, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	typ, id = parts[len(parts)-2], parts[len(parts)-1]
	if typ == "" || id == "" || typ[0] < 'A' || typ[0] > 'Z' {
		return "", "", false
	}
	return typ, id, true
}

// Canonical strips "|version" from a canonical reference.
func Canonical(s string) string {
	s, _, _ = strings.Cut(s, "|")
	return s
}

// CanonicalVersion returns the "|version" part of a canonical, "" when none.
func CanonicalVersion(s string) string {
	_, v, _ := strings.Cut(s, "|")
	return v
}

// Clone deep-copies decoded JSON.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Clone(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = Clone(e)
		}
		return l
	default:
		return v
	}
}

// CloneObj deep-copies an object.
func CloneObj(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return Clone(m).(map[string]any)
}

// Decode parses JSON keeping numbers as json.Number.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// DecodeObj parses a JSON object.
func DecodeObj(data []byte) (map[string]any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object, got %s", jsonKind(v))
	}
	return m, nil
}

// jsonKind names the kind of a decoded JSON value that is not an object.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// Marshal writes v as indented JSON without HTML escaping, with
// "resourceType" (then "id") first in every object, the other keys sorted.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, "\n"); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// MarshalCompact is Marshal without indentation.
func MarshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, ""); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any, nl string) error {
	ind := ""
	if nl != "" {
		ind = nl + "  "
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if k != "resourceType" && k != "id" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if _, ok := x["id"]; ok {
			keys = append([]string{"id"}, keys...)
		}
		if _, ok := x["resourceType"]; ok {
			keys = append([]string{"resourceType"}, keys...)
		}
		if len(keys) == 0 {
			buf.WriteString("{}")
			return nil
		}
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(ind)
			writeString(buf, k)
			buf.WriteByte(':')
			if nl != "" {
				buf.WriteByte(' ')
			}
			if err := writeJSON(buf, x[k], ind); err != nil {
				return err
			}
		}
		buf.WriteString(nl)
		buf.WriteByte('}')
		return nil
	case []any:
		if len(x) == 0 {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(ind)
			if err := writeJSON(buf, e, ind); err != nil {
				return err
			}
		}
		buf.WriteString(nl)
		buf.WriteByte(']')
		return nil
	case string:
		writeString(buf, x)
		return nil
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
		return nil
	case json.Number:
		if x == "" {
			buf.WriteString("0")
		} else {
			buf.WriteString(string(x))
		}
		return nil
	case []map[string]any:
		l := make([]any, len(x))
		for i, m := range x {
			l[i] = m
		}
		return writeJSON(buf, l, nl)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	if plain(s) {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

// Entry is a resource found in a Bundle, with its fullUrl and where it is
// (FHIRPath-like, "Bundle.entry[3].resource" or, nested,
// "Bundle.entry[5].resource.entry[1].resource").
type Entry struct {
	Resource map[string]any
	FullURL  string
	Path     string
}

// Entries lists the resources of a Bundle, depth first; resources of
// Bundles nested in entries follow the nested Bundle. depth bounds nesting.
func Entries(bundle map[string]any) []Entry {
	var out []Entry
	var walk func(b map[string]any, path string, depth int)
	walk = func(b map[string]any, path string, depth int) {
		for i, e := range List(b, "entry") {
			em, _ := e.(map[string]any)
			r := Obj(em, "resource")
			if r == nil {
				continue
			}
			p := path + ".entry[" + itoa(i) + "].resource"
			out = append(out, Entry{Resource: r, FullURL: Str(em, "fullUrl"), Path: p})
			if Type(r) == "Bundle" && depth < 8 {
				walk(r, p, depth+1)
			}
		}
	}
	walk(bundle, "Bundle", 0)
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// plain reports whether s needs no escaping in JSON.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// Coding is a FHIR Coding.
func Coding(system, code, display string) map[string]any {
	m := map[string]any{"code": code}
	if system != "" {
		m["system"] = system
	}
	if display != "" {
		m["display"] = display
	}
	return m
}

// Concept is a CodeableConcept with one coding.
func Concept(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{Coding(system, code, display)}}
}

// Reference is {"reference": ref}.
func Reference(ref string) map[string]any { return map[string]any{"reference": ref} }

package fhir

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccg-project/ccg/cql/types"
)

// FHIR XML support: a resource in the XML format is read into the same
// JSON structure as the JSON format, using the model to tell repeating
// elements, choice elements and primitive types apart.

const fhirNS = "http://hl7.org/fhir"

// ParseXMLResource decodes a FHIR resource in XML.
func (m *Model) ParseXMLResource(data []byte) (*Node, error) {
	obj, err := m.DecodeXML(data)
	if err != nil {
		return nil, err
	}
	return m.ResourceNode(obj)
}

// DecodeXML converts a FHIR XML resource into its JSON form.
func (m *Model) DecodeXML(data []byte) (map[string]any, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, &DataError{Msg: "empty XML document"}
		}
		if err != nil {
			return nil, &DataError{Msg: "invalid XML: " + err.Error()}
		}
		if se, ok := tok.(xml.StartElement); ok {
			return m.xmlResource(d, se, 0)
		}
	}
}

func (m *Model) xmlResource(d *xml.Decoder, se xml.StartElement, depth int) (map[string]any, error) {
	if se.Name.Space != "" && se.Name.Space != fhirNS {
		return nil, &DataError{Msg: fmt.Sprintf("element %s is not in the FHIR namespace", se.Name.Local)}
	}
	ti, ok := m.infos[se.Name.Local]
	if !ok || ti.Kind != KindResource {
		return nil, &DataError{Msg: fmt.Sprintf("unknown resource type %q", se.Name.Local)}
	}
	obj := map[string]any{"resourceType": se.Name.Local}
	if err := m.xmlChildren(d, ti.Type, obj, depth); err != nil {
		return nil, err
	}
	return obj, nil
}

func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// xmlElement finds the model element for an XML child name: a plain
// element, or a choice element with its type suffix.
func (m *Model) xmlElement(t *types.Named, name string) (*Element, *types.Named, string, bool) {
	if el, ok := m.ElementOf(t, name); ok {
		if el.Choice == nil {
			one, _ := el.One.(*types.Named)
			return el, one, name, true
		}
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] < 'A' || name[i] > 'Z' {
			continue
		}
		el, ok := m.ElementOf(t, name[:i])
		if !ok || el.Choice == nil {
			continue
		}
		for _, o := range el.Choice {
			if o.Suffix == name[i:] {
				return el, o.Type, name, true
			}
		}
	}
	return nil, nil, "", false
}

// xmlChildren reads the children of the current element into obj.
func (m *Model) xmlChildren(d *xml.Decoder, t *types.Named, obj map[string]any, depth int) error {
	if depth > 64 {
		return &DataError{Msg: "XML nested too deep"}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return &DataError{Msg: "invalid XML: " + err.Error()}
		}
		switch x := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			name := x.Name.Local
			if t.Name == "Narrative" && name == "div" {
				var inner struct {
					Inner []byte `xml:",innerxml"`
				}
				if err := d.DecodeElement(&inner, &x); err != nil {
					return &DataError{Msg: "invalid XML narrative: " + err.Error()}
				}
				obj["div"] = `<div xmlns="http://www.w3.org/1999/xhtml">` + string(inner.Inner) + `</div>`
				continue
			}
			el, typ, key, ok := m.xmlElement(t, name)
			if !ok {
				// Like unknown JSON properties, elements outside the R4
				// model (such as STU3 leftovers) are ignored.
				if err := d.Skip(); err != nil {
					return &DataError{Msg: "invalid XML: " + err.Error()}
				}
				continue
			}
			val, ext, err := m.xmlValue(d, x, typ, depth)
			if err != nil {
				return err
			}
			if el.List {
				list, _ := obj[key].([]any)
				exts, _ := obj["_"+key].([]any)
				for len(exts) < len(list) && ext != nil {
					exts = append(exts, nil)
				}
				obj[key] = append(list, val)
				if ext != nil || exts != nil {
					if ext != nil {
						exts = append(exts, ext)
					} else {
						exts = append(exts, nil)
					}
					obj["_"+key] = exts
				}
			} else {
				if val != nil {
					obj[key] = val
				}
				if ext != nil {
					obj["_"+key] = ext
				}
			}
		}
	}
}

// xmlValue reads one element of type typ: a primitive's value (and its id
// and extensions), a complex value, or a contained resource.
func (m *Model) xmlValue(d *xml.Decoder, se xml.StartElement, typ *types.Named, depth int) (any, map[string]any, error) {
	if typ == nil {
		return nil, nil, &DataError{Msg: "element without a type"}
	}
	if typ.Model == "System" { // Element.id, Extension.url are attributes; tolerate elements
		v, _ := attr(se, "value")
		return v, nil, d.Skip()
	}
	ti := m.infos[typ.Name]
	switch ti.Kind {
	case KindResource:
		var res map[string]any
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, nil, &DataError{Msg: "invalid XML: " + err.Error()}
			}
			if inner, ok := tok.(xml.StartElement); ok {
				if res, err = m.xmlResource(d, inner, depth+1); err != nil {
					return nil, nil, err
				}
			}
			if _, ok := tok.(xml.EndElement); ok {
				return res, nil, nil
			}
		}
	case KindPrimitive, KindCode:
		var val any
		if s, ok := attr(se, "value"); ok {
			switch ti.ValueType.Name {
			case "Boolean":
				switch s {
				case "true":
					val = true
				case "false":
					val = false
				default:
					return nil, nil, &DataError{Msg: fmt.Sprintf("invalid boolean %q in <%s>", s, se.Name.Local)}
				}
			case "Integer", "Decimal":
				val = json.Number(strings.TrimSpace(s))
			default:
				val = s
			}
		}
		ext := map[string]any{}
		if id, ok := attr(se, "id"); ok {
			ext["id"] = id
		}
		if err := m.xmlChildren(d, m.infos["Element"].Type, ext, depth+1); err != nil {
			return nil, nil, err
		}
		if len(ext) == 0 {
			ext = nil
		}
		return val, ext, nil
	}
	obj := map[string]any{}
	if id, ok := attr(se, "id"); ok {
		obj["id"] = id
	}
	if typ.Name == "Extension" {
		if u, ok := attr(se, "url"); ok {
			obj["url"] = u
		}
	}
	if err := m.xmlChildren(d, typ, obj, depth+1); err != nil {
		return nil, nil, err
	}
	return obj, nil, nil
}

// LoadResources reads every FHIR resource file (.json or .xml) in dir (not
// recursively), in name order.
func (m *Model) LoadResources(dir string) ([]*Node, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*Node
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".xml")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		var n *Node
		if strings.HasSuffix(name, ".xml") {
			n, err = m.ParseXMLResource(data)
		} else {
			n, err = m.ParseResource(data)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, n)
	}
	return out, nil
}

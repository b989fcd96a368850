// Package modelinfo reads CQL ModelInfo documents (the XML format of the
// cqframework translator, namespace urn:hl7-org:elm-modelinfo:r1) into a
// plain description of a data model: its types with their base types and
// elements, the element types (named, list, interval and choice types, in
// CQL notation), primary code paths, target and label mappings, contexts,
// the patient birth-date path, implicit conversions and the models it
// requires. The FHIR R4 model of cql/fhir is generated from the ModelInfo of
// FHIR 4.0.1; profile models such as QI-Core and US Core load the same way.
package modelinfo

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ModelInfo is one model.
type ModelInfo struct {
	Name    string // FHIR, QICore, ...
	Version string
	URL     string
	// TargetURL is the URL of the model this one profiles (QI-Core:
	// http://hl7.org/fhir); TargetQualifier its qualifier in ELM.
	TargetURL, TargetQualifier string
	// PatientClassName is the type of the Patient context (qualified as
	// written: "FHIR.Patient", or "Patient" meaning this model's).
	PatientClassName string
	// PatientBirthDatePropertyName is the path from a patient to its birth
	// date ("birthDate.value" in FHIR, "birthDate" in QI-Core).
	PatientBirthDatePropertyName string
	// Required lists the models this one includes (System is implied and
	// left out).
	Required    []ModelRef
	Types       []TypeInfo
	Conversions []Conversion
	Contexts    []Context
}

// ModelRef names a required model.
type ModelRef struct{ Name, Version string }

// TypeInfo is one class of the model.
type TypeInfo struct {
	// Name is the unqualified type name ("Observation",
	// "Observation.Component"); Namespace is the model name.
	Namespace, Name string
	// BaseType is the qualified base type ("FHIR.DomainResource",
	// "System.Any").
	BaseType string
	// Identifier is the canonical URL of the profile or structure;
	// Label the name libraries may use instead of Name; Target the
	// type the profile maps to, where it says.
	Identifier, Label, Target string
	Retrievable               bool
	// PrimaryCodePath is the element retrieves filter on by default.
	PrimaryCodePath string
	Elements        []Element
}

// QualifiedName is Namespace.Name.
func (t *TypeInfo) QualifiedName() string {
	if t.Namespace == "" {
		return t.Name
	}
	return t.Namespace + "." + t.Name
}

// Element is one element of a class.
type Element struct {
	Name string
	// Type is the element type in CQL notation, with qualified names:
	// "FHIR.string", "List<FHIR.Identifier>", "Interval<System.DateTime>",
	// "Choice<FHIR.dateTime, FHIR.Period>"; "System.Any" when the
	// ModelInfo gives none.
	Type string
	// Target is the path or expression the element maps to in the
	// target model ("%value.value", "FHIRHelpers.ToInterval(%value)"),
	// empty when it maps to the element of the same name.
	Target string
}

// Conversion is an implicit conversion the model declares.
type Conversion struct {
	// From and To are qualified type names; Function is qualified by
	// library ("FHIRHelpers.ToString").
	From, To, Function string
}

// Context is a context the model defines (`context Patient`).
type Context struct {
	Name string
	// Type is the qualified type of the context.
	Type       string
	KeyElement string
	// BirthDateElement is set on the Patient context.
	BirthDateElement string
}

// Type returns the type of the named class, or nil.
func (m *ModelInfo) Type(name string) *TypeInfo {
	for i := range m.Types {
		if m.Types[i].Name == name {
			return &m.Types[i]
		}
	}
	return nil
}

// Parse reads a ModelInfo document.
func Parse(r io.Reader) (*ModelInfo, error) {
	var doc xmlModelInfo
	dec := xml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("modelinfo: %w", err)
	}
	if doc.XMLName.Local != "modelInfo" {
		return nil, fmt.Errorf("modelinfo: root element is %s, not modelInfo", doc.XMLName.Local)
	}
	if doc.Name == "" {
		return nil, fmt.Errorf("modelinfo: the modelInfo element has no name")
	}
	m := &ModelInfo{Name: doc.Name, Version: doc.Version, URL: doc.URL, TargetURL: doc.TargetURL,
		TargetQualifier: doc.TargetQualifier, PatientClassName: doc.PatientClassName,
		PatientBirthDatePropertyName: doc.PatientBirthDatePropertyName}
	models := map[string]bool{"System": true, m.Name: true}
	for _, r := range doc.Required {
		models[r.Name] = true
		if r.Name != "System" {
			m.Required = append(m.Required, ModelRef{Name: r.Name, Version: r.Version})
		}
	}
	q := func(name string) string { return qualify(name, models, m.Name) }
	for _, t := range doc.Types {
		if t.Kind != "" && t.Kind != "ClassInfo" && !strings.HasSuffix(t.Kind, ":ClassInfo") {
			continue // simple, profile and tuple type infos do not occur in the published models
		}
		ns := t.Namespace
		name := t.Name
		if ns == "" {
			ns = m.Name
			if i := strings.IndexByte(name, '.'); i > 0 && name[:i] == m.Name {
				name = name[i+1:]
			}
		}
		if name == "" {
			return nil, fmt.Errorf("modelinfo: %s: a typeInfo without a name", m.Name)
		}
		base := q(t.BaseType)
		if base == "" {
			base = "System.Any" // as a few published profile types leave it
		}
		ti := TypeInfo{Namespace: ns, Name: name, BaseType: base,
			Identifier: t.Identifier, Label: t.Label, Target: t.Target,
			Retrievable: t.Retrievable, PrimaryCodePath: t.PrimaryCodePath}
		for _, e := range t.Elements {
			typ, err := elementType(e, q)
			if err != nil {
				return nil, fmt.Errorf("modelinfo: %s.%s.%s: %v", m.Name, name, e.Name, err)
			}
			ti.Elements = append(ti.Elements, Element{Name: e.Name, Type: typ, Target: e.Target})
		}
		m.Types = append(m.Types, ti)
	}
	for _, c := range doc.Conversions {
		m.Conversions = append(m.Conversions, Conversion{From: q(c.FromType),
			To: q(c.ToType), Function: c.FunctionName})
	}
	for _, c := range doc.Contexts {
		typ := ""
		if c.ContextType != nil {
			typ = q(joinName(c.ContextType.Namespace, c.ContextType.ModelName, c.ContextType.Name))
		}
		m.Contexts = append(m.Contexts, Context{Name: c.Name, Type: typ, KeyElement: c.KeyElement,
			BirthDateElement: c.BirthDateElement})
	}
	sort.SliceStable(m.Types, func(i, j int) bool { return m.Types[i].Name < m.Types[j].Name })
	return m, nil
}

// qualify prefixes an unqualified type name with the model name. A name
// is qualified when its first segment names System, the model itself or a
// model it requires; otherwise a dotted name is a nested type of the model
// ("Observation.Component").
func qualify(name string, models map[string]bool, model string) string {
	if name == "" {
		return ""
	}
	if i := strings.IndexByte(name, '<'); i > 0 && strings.HasSuffix(name, ">") {
		// List<T>, Interval<T> (conversions to intervals name their type so)
		return name[:i+1] + qualify(name[i+1:len(name)-1], models, model) + ">"
	}
	if i := strings.IndexByte(name, '.'); i > 0 && models[name[:i]] {
		return name
	}
	return model + "." + name
}

func joinName(ns, modelName, name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	if ns == "" {
		ns = modelName
	}
	if ns == "" {
		return name
	}
	return ns + "." + name
}

// elementType renders the type of an element in CQL notation.
func elementType(e xmlElement, q func(string) string) (string, error) {
	switch {
	case e.ElementTypeSpecifier != nil:
		return spec(*e.ElementTypeSpecifier, q)
	case e.TypeSpecifier != nil:
		return spec(*e.TypeSpecifier, q)
	case e.ElementType != "":
		return q(e.ElementType), nil
	case e.Type != "":
		return q(e.Type), nil
	}
	// Published profile models have a few untyped extension elements
	// (QI-Core 4.1.1 ServiceRequest.appropriatenessScore); they hold
	// anything.
	return "System.Any", nil
}

func spec(s xmlSpec, q func(string) string) (string, error) {
	kind := s.Kind
	if i := strings.IndexByte(kind, ':'); i >= 0 {
		kind = kind[i+1:]
	}
	switch kind {
	case "NamedTypeSpecifier", "":
		n := joinName(s.Namespace, s.ModelName, s.Name)
		if n == "" {
			return "", fmt.Errorf("a named type specifier without a name")
		}
		return q(n), nil
	case "ListTypeSpecifier":
		el, err := inner(s.ElementType, s.ElementTypeSpecifier, q)
		if err != nil {
			return "", err
		}
		return "List<" + el + ">", nil
	case "IntervalTypeSpecifier":
		pt, err := inner(s.PointType, s.PointTypeSpecifier, q)
		if err != nil {
			return "", err
		}
		return "Interval<" + pt + ">", nil
	case "ChoiceTypeSpecifier":
		parts := make([]string, 0, len(s.Choices))
		for _, c := range append(s.Choices, s.Types...) {
			p, err := spec(c, q)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			return "", fmt.Errorf("an empty choice")
		}
		return "Choice<" + strings.Join(parts, ", ") + ">", nil
	}
	return "", fmt.Errorf("unsupported type specifier %s", s.Kind)
}

func inner(attr string, sp *xmlSpec, q func(string) string) (string, error) {
	if sp != nil {
		return spec(*sp, q)
	}
	if attr == "" {
		return "", fmt.Errorf("a type specifier without its element type")
	}
	return q(attr), nil
}

// The XML document.

type xmlModelInfo struct {
	XMLName                      xml.Name
	Name                         string          `xml:"name,attr"`
	Version                      string          `xml:"version,attr"`
	URL                          string          `xml:"url,attr"`
	TargetURL                    string          `xml:"targetUrl,attr"`
	TargetQualifier              string          `xml:"targetQualifier,attr"`
	PatientClassName             string          `xml:"patientClassName,attr"`
	PatientBirthDatePropertyName string          `xml:"patientBirthDatePropertyName,attr"`
	Required                     []xmlRequired   `xml:"requiredModelInfo"`
	Types                        []xmlTypeInfo   `xml:"typeInfo"`
	Conversions                  []xmlConversion `xml:"conversionInfo"`
	Contexts                     []xmlContext    `xml:"contextInfo"`
}

type xmlRequired struct {
	Name    string `xml:"name,attr"`
	Version string `xml:"version,attr"`
}

type xmlTypeInfo struct {
	Kind            string       `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	Namespace       string       `xml:"namespace,attr"`
	Name            string       `xml:"name,attr"`
	BaseType        string       `xml:"baseType,attr"`
	Identifier      string       `xml:"identifier,attr"`
	Label           string       `xml:"label,attr"`
	Target          string       `xml:"target,attr"`
	Retrievable     bool         `xml:"retrievable,attr"`
	PrimaryCodePath string       `xml:"primaryCodePath,attr"`
	Elements        []xmlElement `xml:"element"`
}

type xmlElement struct {
	Name                 string   `xml:"name,attr"`
	ElementType          string   `xml:"elementType,attr"`
	Type                 string   `xml:"type,attr"`
	Target               string   `xml:"target,attr"`
	ElementTypeSpecifier *xmlSpec `xml:"elementTypeSpecifier"`
	TypeSpecifier        *xmlSpec `xml:"typeSpecifier"`
}

type xmlSpec struct {
	Kind                 string    `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	Namespace            string    `xml:"namespace,attr"`
	ModelName            string    `xml:"modelName,attr"`
	Name                 string    `xml:"name,attr"`
	ElementType          string    `xml:"elementType,attr"`
	PointType            string    `xml:"pointType,attr"`
	ElementTypeSpecifier *xmlSpec  `xml:"elementTypeSpecifier"`
	PointTypeSpecifier   *xmlSpec  `xml:"pointTypeSpecifier"`
	Choices              []xmlSpec `xml:"choice"`
	Types                []xmlSpec `xml:"type"`
}

type xmlConversion struct {
	FunctionName string `xml:"functionName,attr"`
	FromType     string `xml:"fromType,attr"`
	ToType       string `xml:"toType,attr"`
}

type xmlContext struct {
	Name             string   `xml:"name,attr"`
	KeyElement       string   `xml:"keyElement,attr"`
	BirthDateElement string   `xml:"birthDateElement,attr"`
	ContextType      *xmlSpec `xml:"contextType"`
}

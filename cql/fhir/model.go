// Package fhir is the FHIR R4 (4.0.1) data model of the CQL engine: the
// model the checker resolves FHIR types and element types with (built from
// the FHIR 4.0.1 ModelInfo, model_gen.go), the run-time representation of
// FHIR resources and datatypes, the conversions FHIRHelpers defines,
// retrieval from Bundles and FHIR servers, terminology services, and
// library resolution from FHIR Library resources and directories of .cql
// files. Profile models on FHIR R4 (QI-Core, US Core) are built from their
// ModelInfo the same way (profile.go) and read FHIR data through the
// ModelInfo's element targets (target.go).
package fhir

//go:generate go run ./internal/gen/fhirgen -o model_gen.go

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql/modelinfo"
	"github.com/ccg-project/ccg/cql/types"
)

// Kind classifies a FHIR type.
type Kind int8

// Kinds of FHIR types.
const (
	KindPrimitive Kind = iota // boolean, string, dateTime, ... (has a System-typed value)
	KindCode                  // a code-valued element bound to a required value set (ObservationStatus)
	KindComplex               // datatypes and backbone elements
	KindResource
	// KindSystem is a type of a profile model that stands for a System
	// type (QICore.EncounterStatus is a System.String).
	KindSystem
)

// ChoiceOption is one type of a choice element (value[x]); Suffix is what
// follows the element name in JSON (valueQuantity -> "Quantity").
type ChoiceOption struct {
	Suffix string
	Type   *types.Named
}

// Element describes one element of a FHIR type.
type Element struct {
	Name string
	// Type is the CQL type of the element: List<T> for repeating elements,
	// a Choice for value[x] elements, the FHIR type otherwise.
	Type types.Type
	// One is the element type of a single occurrence (the FHIR type, or the
	// choice).
	One    types.Type
	List   bool
	Choice []ChoiceOption
	// Target is how a profile model's element is read from the FHIR
	// resource ("%value.value", "FHIRHelpers.ToInterval(%value)"), empty
	// when it is the FHIR element of the same name.
	Target string
}

// TypeInfo describes a FHIR type.
type TypeInfo struct {
	Type *types.Named
	Kind Kind
	// Elements are the elements the type declares, in ModelInfo order;
	// Element also finds those of its base types.
	Elements []*Element
	byName   map[string]*Element
	// ValueType is the System type of a primitive's value element.
	ValueType *types.Named
	// PrimaryCodePath is the element retrieves filter on by default.
	PrimaryCodePath string
	// PatientPaths are the elements referring to the subject patient.
	PatientPaths []string
	// Identifier is the canonical URL of the type's StructureDefinition.
	Identifier string
	// Target is the FHIR resource type a profile constrains when its name
	// differs (QICore.MedicationNotRequested: MedicationRequest).
	Target string
	base   *TypeInfo
}

// Element returns the named element of the type or of a base type.
func (t *TypeInfo) Element(name string) (*Element, bool) {
	for ; t != nil; t = t.base {
		if e, ok := t.byName[name]; ok {
			return e, true
		}
	}
	return nil, false
}

// Conversion is an implicit conversion from a FHIR type to a System type
// performed by a FHIRHelpers function.
type Conversion struct {
	From, To types.Type
	Library  string // "FHIRHelpers"
	Function string // "ToString", "ToQuantity", ...
}

// Model is a data model built from a ModelInfo: the FHIR 4.0.1 model (R4),
// or a profile model such as QI-Core or US Core (LoadModel), whose types
// are the profiles of the FHIR resources they constrain.
type Model struct {
	name, version, url string
	infos              map[string]*TypeInfo
	// labels maps the labels of types that differ from their names.
	labels        map[string]string
	conversions   []Conversion
	contexts      map[string]string // context name -> type name
	birthDatePath string
}

// ModelName is the name libraries use in `using FHIR version '4.0.1'`.
const (
	ModelName    = "FHIR"
	ModelVersion = "4.0.1"
	ModelURL     = "http://hl7.org/fhir"
)

// Name is the model's name ("FHIR", "QICore").
func (m *Model) Name() string { return m.name }

// Version is the model version ("4.0.1").
func (m *Model) Version() string { return m.version }

// URL is the model's namespace URL.
func (m *Model) URL() string { return m.url }

// patientPathNames are elements that tie a resource to the patient it is about.
var patientPathNames = []string{"subject", "patient", "for", "beneficiary", "individual"}

var (
	r4Once sync.Once
	r4     *Model
)

// R4 returns the FHIR 4.0.1 model. It is built once and shared.
func R4() *Model {
	r4Once.Do(func() { r4 = build() })
	return r4
}

// build builds the model from its ModelInfo (model_gen.go).
func build() *Model {
	m, err := NewModel(r4Info)
	if err == nil && m.name != ModelName {
		err = fmt.Errorf("the model is %s", m.name)
	}
	if err != nil {
		panic("fhir: the generated FHIR 4.0.1 ModelInfo is inconsistent: " + err.Error())
	}
	return m
}

// NewModel builds a model from a ModelInfo whose types are all in the
// model's own namespace (FHIR, QICore, USCore): a type's base type is one
// of the model's types or a System type (the code types of the profile
// models, QICore.EncounterStatus, are System.String).
func NewModel(mi *modelinfo.ModelInfo) (*Model, error) {
	m := &Model{name: mi.Name, version: mi.Version, url: mi.URL, infos: make(map[string]*TypeInfo, len(mi.Types)),
		birthDatePath: mi.PatientBirthDatePropertyName, contexts: map[string]string{}, labels: map[string]string{}}
	if m.name == "" || m.name == "System" {
		return nil, fmt.Errorf("the ModelInfo has no model name")
	}
	for i := range mi.Types {
		t := &mi.Types[i]
		if t.Namespace != m.name {
			return nil, fmt.Errorf("type %s is not in the %s namespace", t.QualifiedName(), m.name)
		}
		m.infos[t.Name] = &TypeInfo{Type: m.named(t.Name), byName: make(map[string]*Element, len(t.Elements)),
			PrimaryCodePath: t.PrimaryCodePath, Identifier: t.Identifier, Target: t.Target}
		if t.Label != "" && t.Label != t.Name {
			m.labels[t.Label] = t.Name
		}
	}
	for i := range mi.Types {
		t := &mi.Types[i]
		ti := m.infos[t.Name]
		if t.BaseType == "System.Any" || t.BaseType == "" {
			continue
		}
		if sys, ok := strings.CutPrefix(t.BaseType, "System."); ok {
			st, ok := types.System(sys)
			if !ok {
				return nil, fmt.Errorf("%s: unknown base type %s", t.Name, t.BaseType)
			}
			ti.Type.Base = st
			continue
		}
		b, ok := m.infos[strings.TrimPrefix(t.BaseType, m.name+".")]
		if !ok {
			return nil, fmt.Errorf("%s: unknown base type %s", t.Name, t.BaseType)
		}
		ti.base, ti.Type.Base = b, b.Type
	}
	for i := range mi.Types {
		t := &mi.Types[i]
		ti := m.infos[t.Name]
		ti.Kind = kindOf(ti)
		ti.Elements = make([]*Element, 0, len(t.Elements))
		for _, e := range t.Elements {
			el, err := m.element(e.Name, e.Type)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %v", t.Name, e.Name, err)
			}
			el.Target = e.Target
			ti.addElem(el)
		}
	}
	for _, ti := range m.infos {
		if ti.Kind == KindSystem {
			ti.ValueType = ti.Type.Base
			continue
		}
		if ti.Kind == KindPrimitive || ti.Kind == KindCode {
			if e, ok := ti.Element("value"); ok {
				ti.ValueType, _ = e.One.(*types.Named)
			}
			if (ti.ValueType == nil || ti.ValueType.Model != "System") && m.name != ModelName {
				// The extension types of profile models (QICore.birthTime)
				// are lower-case but hold elements, not a value.
				ti.Kind, ti.ValueType = KindComplex, nil
			} else if ti.ValueType == nil || ti.ValueType.Model != "System" {
				return nil, fmt.Errorf("primitive %s has no System-typed value", ti.Type.Name)
			}
		}
		if ti.Kind == KindResource {
			for _, n := range patientPathNames {
				if e, ok := ti.byName[n]; ok && refersToPatient(e) {
					ti.PatientPaths = append(ti.PatientPaths, n)
				}
			}
		}
	}
	for _, c := range mi.Contexts {
		m.contexts[c.Name] = strings.TrimPrefix(c.Type, m.name+".")
	}
	for _, c := range mi.Conversions {
		from, err := m.parseType(c.From)
		if err != nil {
			return nil, fmt.Errorf("conversion %s: %v", c.Function, err)
		}
		to, err := m.parseType(c.To)
		if err != nil {
			return nil, fmt.Errorf("conversion %s: %v", c.Function, err)
		}
		lib, fn, _ := strings.Cut(c.Function, ".")
		m.conversions = append(m.conversions, Conversion{From: from, To: to, Library: lib, Function: fn})
	}
	return m, nil
}

// kindOf classifies a type by its place in the hierarchy: resources derive
// from Resource; primitives are the lower-case types with a System value
// (dateTime, code); code types are the value set bindings that only hold a
// string value (ObservationStatus); everything else is complex.
func kindOf(ti *TypeInfo) Kind {
	if ti.base == nil && ti.Type.Base != nil && ti.Type.Base.Model == "System" {
		return KindSystem
	}
	for b := ti; b != nil; b = b.base {
		if b.Type.Name == "Resource" {
			return KindResource
		}
	}
	name := ti.Type.Name
	if c := name[0]; c >= 'a' && c <= 'z' {
		return KindPrimitive
	}
	if ti.Identifier == "" && ti.base != nil && ti.base.Type.Name == "Element" && !strings.Contains(name, ".") {
		return KindCode
	}
	return KindComplex
}

func refersToPatient(e *Element) bool {
	if n, ok := e.One.(*types.Named); ok {
		return n.Name == "Reference"
	}
	return false
}

// quantityProfiles are the types of the ModelInfo that are constraint
// profiles of Quantity in the R4 StructureDefinitions rather than types of
// their own: a choice element holding one is written valueQuantity in JSON
// and XML (unlike Age or Duration, which are types: valueAge).
var quantityProfiles = map[string]string{"SimpleQuantity": "Quantity", "MoneyQuantity": "Quantity"}

// element builds the element of a type from its ModelInfo type.
func (m *Model) element(name, typ string) (*Element, error) {
	t, err := m.parseType(typ)
	if err != nil {
		return nil, err
	}
	el := &Element{Name: name, Type: t, One: t}
	if l, ok := t.(*types.List); ok {
		el.List, el.One = true, l.Elem
	}
	if c, ok := el.One.(*types.Choice); ok {
		for _, o := range c.Options {
			if n, ok := o.(*types.Named); ok && n.Model == m.name {
				suffix := n.Name
				if p, ok := quantityProfiles[suffix]; ok {
					suffix = p
				}
				el.Choice = append(el.Choice, ChoiceOption{Suffix: strings.ToUpper(suffix[:1]) + suffix[1:], Type: n})
			}
		}
	}
	return el, nil
}

// parseType resolves a type in the CQL notation of package modelinfo
// ("FHIR.string", "List<FHIR.Identifier>", "Choice<FHIR.dateTime,
// FHIR.Period>", "Interval<System.DateTime>").
func (m *Model) parseType(s string) (types.Type, error) {
	s = strings.TrimSpace(s)
	if inner, ok := generic(s, "List"); ok {
		e, err := m.parseType(inner)
		if err != nil {
			return nil, err
		}
		return &types.List{Elem: e}, nil
	}
	if inner, ok := generic(s, "Interval"); ok {
		p, err := m.parseType(inner)
		if err != nil {
			return nil, err
		}
		return &types.Interval{Point: p}, nil
	}
	if inner, ok := generic(s, "Choice"); ok {
		var opts []types.Type
		depth, start := 0, 0
		for i := 0; i <= len(inner); i++ {
			if i < len(inner) {
				switch inner[i] {
				case '<':
					depth++
				case '>':
					depth--
				}
				if inner[i] != ',' || depth > 0 {
					continue
				}
			}
			o, err := m.parseType(inner[start:i])
			if err != nil {
				return nil, err
			}
			opts = append(opts, o)
			start = i + 1
		}
		return types.NewChoice(opts...), nil
	}
	if n, ok := strings.CutPrefix(s, "System."); ok {
		if t, ok := types.System(n); ok {
			return t, nil
		}
		return nil, fmt.Errorf("unknown type %s", s)
	}
	if ti, ok := m.infos[strings.TrimPrefix(s, m.name+".")]; ok {
		if b := ti.Type.Base; ti.base == nil && b != nil && b.Model == "System" {
			// A profile model's code and extension types stand for their
			// System type (QICore.EncounterStatus is read as a String).
			return b, nil
		}
		return ti.Type, nil
	}
	return nil, fmt.Errorf("unknown type %s", s)
}

// generic returns the argument of name<...>.
func generic(s, name string) (string, bool) {
	if strings.HasPrefix(s, name+"<") && strings.HasSuffix(s, ">") {
		return s[len(name)+1 : len(s)-1], true
	}
	return "", false
}

func (m *Model) named(name string) *types.Named { return &types.Named{Model: m.name, Name: name} }

func (ti *TypeInfo) addElem(e *Element) {
	if _, ok := ti.byName[e.Name]; ok {
		return
	}
	ti.Elements = append(ti.Elements, e)
	ti.byName[e.Name] = e
}

// Info returns the description of a FHIR type by name ("Observation",
// "FHIR.Observation", "Observation.Component", "dateTime").
func (m *Model) Info(name string) (*TypeInfo, bool) {
	name = strings.TrimPrefix(name, m.name+".")
	ti, ok := m.infos[name]
	if !ok {
		if n, isLabel := m.labels[name]; isLabel {
			ti, ok = m.infos[n]
		}
	}
	return ti, ok
}

// ResolveType resolves a type name as written in CQL (qualified or not) to
// the FHIR type.
func (m *Model) ResolveType(name string) (*types.Named, bool) {
	ti, ok := m.Info(name)
	if !ok {
		return nil, false
	}
	return ti.Type, true
}

// TypeNames lists every type of the model.
func (m *Model) TypeNames() []string {
	out := make([]string, 0, len(m.infos))
	for n := range m.infos {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// infoOf returns the TypeInfo of a FHIR named type.
func (m *Model) infoOf(t types.Type) (*TypeInfo, bool) {
	n, ok := t.(*types.Named)
	if !ok || n.Model != m.name {
		return nil, false
	}
	ti, ok := m.infos[n.Name]
	return ti, ok
}

// PropertyType returns the type of element name of the FHIR type t,
// searching the base types. Lists and choices of FHIR types are lifted by
// the checker, which calls this for each named type.
func (m *Model) PropertyType(t types.Type, name string) (types.Type, bool) {
	for n, _ := t.(*types.Named); n != nil; n = n.Base {
		ti, ok := m.infoOf(n)
		if !ok {
			return nil, false
		}
		if e, ok := ti.byName[name]; ok {
			return e.Type, true
		}
	}
	return nil, false
}

// ElementOf returns the element description of t.name, searching bases.
func (m *Model) ElementOf(t *types.Named, name string) (*Element, bool) {
	for n := t; n != nil; n = n.Base {
		ti, ok := m.infoOf(n)
		if !ok {
			return nil, false
		}
		if e, ok := ti.byName[name]; ok {
			return e, true
		}
	}
	return nil, false
}

// PrimaryCodePath returns the default code path of retrieves of a resource
// type, "" when it has none.
func (m *Model) PrimaryCodePath(typeName string) string {
	if ti, ok := m.Info(typeName); ok {
		return ti.PrimaryCodePath
	}
	return ""
}

// Retrievable reports whether [T] is allowed: T is a resource type.
func (m *Model) Retrievable(typeName string) bool {
	ti, ok := m.Info(typeName)
	return ok && ti.Kind == KindResource && ti.Type.Name != "Resource" && ti.Type.Name != "DomainResource"
}

// PatientBirthDatePath is the path from a Patient to its birth date value,
// used by AgeInYears(), AgeInYearsAt(...) and the like in Patient context.
func (m *Model) PatientBirthDatePath() string { return m.birthDatePath }

// PatientType is the type of the Patient context.
func (m *Model) PatientType() *types.Named { return m.infos["Patient"].Type }

// ContextType returns the type of a context (`context Patient`).
func (m *Model) ContextType(name string) (*types.Named, bool) {
	if t, ok := m.contexts[name]; ok {
		return m.ResolveType(t)
	}
	return nil, false
}

// Conversions lists the implicit conversions from FHIR types to System
// types that FHIRHelpers functions perform.
func (m *Model) Conversions() []Conversion { return m.conversions }

// ConversionTo returns the FHIRHelpers function converting values of type
// from (or a base type of it) to a System type.
func (m *Model) ConversionTo(from types.Type) (Conversion, bool) {
	n, ok := from.(*types.Named)
	for ; ok && n != nil; n = n.Base {
		for _, c := range m.conversions {
			if types.Equal(c.From, n) {
				return c, true
			}
		}
	}
	return Conversion{}, false
}

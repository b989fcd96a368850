// Package fhir is the FHIR R4 (4.0.1) data model of the CQL engine: the
// model info the checker resolves FHIR types and element types with, the
// run-time representation of FHIR resources and datatypes, the conversions
// FHIRHelpers defines, retrieval from Bundles and FHIR servers, terminology
// services, and library resolution from FHIR Library resources and
// directories of .cql files.
package fhir

//go:generate go run ./internal/gen/fhirgen -o model_gen.go

import (
	"sort"
	"strings"
	"sync"

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
)

const (
	kindComplex  = KindComplex
	kindResource = KindResource
)

type genElem struct {
	Name  string
	Types string
	List  bool
}

type genType struct {
	Name  string
	Base  string
	Kind  Kind
	Elems []genElem
}

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
}

// TypeInfo describes a FHIR type.
type TypeInfo struct {
	Type     *types.Named
	Kind     Kind
	Elements []*Element
	byName   map[string]*Element
	// ValueType is the System type of a primitive's value element.
	ValueType *types.Named
	// PrimaryCodePath is the element retrieves filter on by default.
	PrimaryCodePath string
	// PatientPaths are the elements referring to the subject patient.
	PatientPaths []string
}

// Element returns the named element of the type.
func (t *TypeInfo) Element(name string) (*Element, bool) {
	e, ok := t.byName[name]
	return e, ok
}

// Conversion is an implicit conversion from a FHIR type to a System type
// performed by a FHIRHelpers function.
type Conversion struct {
	From, To types.Type
	Library  string // "FHIRHelpers"
	Function string // "ToString", "ToQuantity", ...
}

// Model is the FHIR 4.0.1 model.
type Model struct {
	infos       map[string]*TypeInfo
	conversions []Conversion
}

// ModelName is the name libraries use in `using FHIR version '4.0.1'`.
const (
	ModelName    = "FHIR"
	ModelVersion = "4.0.1"
	ModelURL     = "http://hl7.org/fhir"
)

// Name is the model's name, "FHIR".
func (m *Model) Name() string { return ModelName }

// Version is the model version, "4.0.1".
func (m *Model) Version() string { return ModelVersion }

// URL is the model's namespace URL.
func (m *Model) URL() string { return ModelURL }

// primitives maps each FHIR primitive to its base primitive and System type.
var primitives = []struct{ name, base, system string }{
	{"boolean", "", "Boolean"},
	{"integer", "", "Integer"},
	{"positiveInt", "integer", "Integer"},
	{"unsignedInt", "integer", "Integer"},
	{"decimal", "", "Decimal"},
	{"string", "", "String"},
	{"code", "string", "String"},
	{"id", "string", "String"},
	{"markdown", "string", "String"},
	{"uri", "", "String"},
	{"url", "uri", "String"},
	{"canonical", "uri", "String"},
	{"oid", "uri", "String"},
	{"uuid", "uri", "String"},
	{"base64Binary", "", "String"},
	{"xhtml", "", "String"},
	{"instant", "", "DateTime"},
	{"dateTime", "", "DateTime"},
	{"date", "", "Date"},
	{"time", "", "Time"},
}

// Binding names used by published FHIRHelpers libraries whose Go models
// name the value set differently; they are declared as code types so that
// such libraries resolve.
var extraCodeTypes = []string{
	"NutritiionOrderIntent", "Messageheader_Response_Request", "FHIRAllTypes", "FHIRDefinedType",
	"FHIRResourceType", "ResourceType", "Status", "Use", "MimeType", "CurrencyCode", "SPDXLicense",
}

// primaryCodePaths are the default code filters of retrieves.
var primaryCodePaths = map[string]string{
	"Observation": "code", "Condition": "code", "Procedure": "code", "AllergyIntolerance": "code",
	"MedicationRequest": "medication", "MedicationAdministration": "medication",
	"MedicationStatement": "medication", "MedicationDispense": "medication", "Medication": "code",
	"Encounter": "type", "Immunization": "vaccineCode", "ImmunizationRecommendation": "recommendation.vaccineCode",
	"DiagnosticReport": "code", "ServiceRequest": "code", "Communication": "category",
	"CommunicationRequest": "category", "DeviceRequest": "code", "Goal": "category", "CarePlan": "category",
	"CareTeam": "category", "Task": "code", "Coverage": "type", "Claim": "type", "Device": "type",
	"Flag": "code", "RiskAssessment": "code", "Specimen": "type", "Location": "type",
	"Organization": "type", "EpisodeOfCare": "type", "ClinicalImpression": "code", "DetectedIssue": "code",
	"Consent": "category", "AdverseEvent": "event", "ActivityDefinition": "topic", "PlanDefinition": "topic",
	"Questionnaire": "code", "Appointment": "serviceType", "List": "code", "DocumentReference": "type",
	"Composition": "type", "BodyStructure": "location", "ImagingStudy": "procedureCode", "Library": "topic",
	"Measure": "topic", "FamilyMemberHistory": "relationship", "NutritionOrder": "oralDiet.type",
	"ProcedureRequest": "code", "ReferralRequest": "type", "SupplyRequest": "item", "SupplyDelivery": "type",
	"DeviceUseStatement": "device.code", "GuidanceResponse": "module", "HealthcareService": "type",
	"Practitioner": "qualification.code", "PractitionerRole": "code", "Substance": "code",
	"ChargeItem": "code", "Contract": "type", "EnrollmentRequest": "coverage", "Group": "code",
	"MeasureReport": "measure", "MedicationKnowledge": "code", "ResearchStudy": "category",
	"QuestionnaireResponse": "questionnaire", "Schedule": "serviceType", "Slot": "serviceType",
	"VisionPrescription": "lensSpecification.product", "RequestGroup": "code", "Media": "type",
	"MolecularSequence": "type", "Provenance": "activity", "Basic": "code", "Patient": "",
}

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

func named(name string) *types.Named { return &types.Named{Model: ModelName, Name: name} }

func build() *Model {
	m := &Model{infos: make(map[string]*TypeInfo, len(genTypes)+64)}
	add := func(name string, kind Kind) *TypeInfo {
		ti := &TypeInfo{Type: named(name), Kind: kind, byName: map[string]*Element{}}
		m.infos[name] = ti
		return ti
	}
	element := add("Element", KindComplex)
	add("BackboneElement", KindComplex).Type.Base = element.Type
	resource := add("Resource", KindResource)
	add("DomainResource", KindResource).Type.Base = resource.Type
	for _, p := range primitives {
		ti := add(p.name, KindPrimitive)
		ti.ValueType, _ = types.System(p.system)
	}
	for _, p := range primitives {
		if p.base != "" {
			m.infos[p.name].Type.Base = m.infos[p.base].Type
		} else {
			m.infos[p.name].Type.Base = element.Type
		}
	}
	// Code-valued types: bound codes are codes.
	codeType := m.infos["code"].Type
	addCode := func(name string) {
		if _, ok := m.infos[name]; ok {
			return
		}
		ti := add(name, KindCode)
		ti.Type.Base = codeType
		ti.ValueType = types.String
	}
	genNames := make(map[string]bool, len(genTypes))
	for i := range genTypes {
		genNames[genTypes[i].Name] = true
	}
	for i := range genTypes {
		for _, e := range genTypes[i].Elems {
			t := e.Types
			if strings.IndexByte(t, '|') >= 0 || genNames[t] || strings.HasPrefix(t, "System.") {
				continue // choices only hold datatypes and primitives
			}
			if _, ok := m.infos[t]; !ok {
				addCode(t)
			}
		}
	}
	for _, n := range extraCodeTypes {
		addCode(n)
	}
	for _, g := range genTypes {
		if _, ok := m.infos[g.Name]; ok {
			continue
		}
		ti := add(g.Name, g.Kind)
		ti.byName = make(map[string]*Element, len(g.Elems)+2)
		ti.Elements = make([]*Element, 0, len(g.Elems)+2)
	}
	for _, g := range genTypes {
		ti := m.infos[g.Name]
		if ti.Type.Name == "Element" || ti.Type.Name == "BackboneElement" || ti.Type.Name == "Resource" || ti.Type.Name == "DomainResource" {
			continue
		}
		if ti.Type.Base == nil {
			if b, ok := m.infos[g.Base]; ok {
				ti.Type.Base = b.Type
			} else {
				ti.Type.Base = element.Type
			}
		}
		for _, ge := range g.Elems {
			m.addElement(ti, ge.Name, ge.Types, ge.List)
		}
	}
	// Profiles of Quantity that CQL libraries name as types.
	for _, n := range []string{"SimpleQuantity", "MoneyQuantity"} {
		if _, ok := m.infos[n]; ok {
			continue
		}
		q := m.infos["Quantity"]
		ti := add(n, KindComplex)
		ti.Type.Base = q.Type
		for _, e := range q.Elements {
			ti.addElem(e)
		}
	}
	// Base types' own elements.
	m.addElement(element, "id", "System.String", false)
	m.addElement(element, "extension", "Extension", true)
	m.addElement(m.infos["BackboneElement"], "id", "System.String", false)
	m.addElement(m.infos["BackboneElement"], "extension", "Extension", true)
	m.addElement(m.infos["BackboneElement"], "modifierExtension", "Extension", true)
	for _, n := range []string{"Resource", "DomainResource"} {
		ti := m.infos[n]
		m.addElement(ti, "id", "id", false)
		m.addElement(ti, "meta", "Meta", false)
		m.addElement(ti, "implicitRules", "uri", false)
		m.addElement(ti, "language", "code", false)
	}
	dr := m.infos["DomainResource"]
	m.addElement(dr, "text", "Narrative", false)
	m.addElement(dr, "contained", "Resource", true)
	m.addElement(dr, "extension", "Extension", true)
	m.addElement(dr, "modifierExtension", "Extension", true)
	for _, ti := range m.infos {
		if ti.Kind == KindResource && ti.Type.Base != nil && ti.Type.Base.Name == "DomainResource" {
			if _, ok := ti.byName["contained"]; !ok {
				m.addElement(ti, "contained", "Resource", true)
			}
		}
		if ti.Kind == KindPrimitive || ti.Kind == KindCode {
			m.addElement(ti, "id", "System.String", false)
			m.addElement(ti, "extension", "Extension", true)
			ti.addElem(&Element{Name: "value", Type: ti.ValueType, One: ti.ValueType})
		}
		if ti.Kind == KindResource {
			if p, ok := primaryCodePaths[ti.Type.Name]; ok {
				ti.PrimaryCodePath = p
			}
			for _, n := range patientPathNames {
				if e, ok := ti.byName[n]; ok && refersToPatient(e) {
					ti.PatientPaths = append(ti.PatientPaths, n)
				}
			}
		}
	}
	m.buildConversions()
	return m
}

func refersToPatient(e *Element) bool {
	if n, ok := e.One.(*types.Named); ok {
		return n.Name == "Reference"
	}
	return false
}

func (m *Model) addElement(ti *TypeInfo, name, typeList string, list bool) {
	if _, ok := ti.byName[name]; ok {
		return
	}
	var opts []string
	if strings.IndexByte(typeList, '|') < 0 {
		opts = []string{typeList}
	} else {
		opts = strings.Split(typeList, "|")
	}
	resolve := func(t string) *types.Named {
		if strings.HasPrefix(t, "System.") {
			s, _ := types.System(strings.TrimPrefix(t, "System."))
			return s
		}
		if i, ok := m.infos[t]; ok {
			return i.Type
		}
		return m.infos["string"].Type
	}
	el := &Element{Name: name, List: list}
	if len(opts) == 1 {
		el.One = resolve(opts[0])
	} else {
		ts := make([]types.Type, len(opts))
		for i, o := range opts {
			n := resolve(o)
			ts[i] = n
			el.Choice = append(el.Choice, ChoiceOption{Suffix: strings.ToUpper(o[:1]) + o[1:], Type: n})
		}
		el.One = types.NewChoice(ts...)
	}
	el.Type = el.One
	if list {
		el.Type = &types.List{Elem: el.One}
	}
	ti.addElem(el)
}

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
	name = strings.TrimPrefix(name, ModelName+".")
	ti, ok := m.infos[name]
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
	if !ok || n.Model != ModelName {
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
func (m *Model) PatientBirthDatePath() string { return "birthDate.value" }

// PatientType is the type of the Patient context.
func (m *Model) PatientType() *types.Named { return m.infos["Patient"].Type }

// ContextType returns the type of a context (`context Patient`).
func (m *Model) ContextType(name string) (*types.Named, bool) {
	if name == "Patient" || name == "Practitioner" || name == "Encounter" {
		return m.ResolveType(name)
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

func (m *Model) buildConversions() {
	add := func(from string, to types.Type, fn string) {
		m.conversions = append(m.conversions, Conversion{From: m.infos[from].Type, To: to, Library: "FHIRHelpers", Function: fn})
	}
	add("Coding", types.Code, "ToCode")
	add("CodeableConcept", types.Concept, "ToConcept")
	add("Quantity", types.Quantity, "ToQuantity")
	add("Ratio", types.Ratio, "ToRatio")
	add("Period", &types.Interval{Point: types.DateTime}, "ToInterval")
	add("Range", &types.Interval{Point: types.Quantity}, "ToInterval")
	fns := map[string]string{"Boolean": "ToBoolean", "Integer": "ToInteger", "Decimal": "ToDecimal",
		"String": "ToString", "DateTime": "ToDateTime", "Date": "ToDate", "Time": "ToTime"}
	for _, p := range primitives {
		st, _ := types.System(p.system)
		add(p.name, st, fns[p.system])
	}
	var codes []string
	for n, ti := range m.infos {
		if ti.Kind == KindCode {
			codes = append(codes, n)
		}
	}
	sort.Strings(codes)
	for _, n := range codes {
		add(n, types.String, "ToString")
	}
}

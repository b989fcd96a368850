package fhir

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cql/modelinfo"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// LoadModelDir builds the models of the ModelInfo documents of a folder:
// its .xml files whose root element is modelInfo (other XML files, such as
// FHIR resources beside a package's CQL, are left alone). The ModelInfo of
// FHIR 4.0.1 is skipped: that model is built in (R4); another FHIR version
// is an error. Models come in the order of their file names.
func LoadModelDir(dir string) ([]*Model, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Model
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		model, version, ok := modelInfoRoot(b)
		if !ok {
			continue
		}
		if model == ModelName {
			if version == ModelVersion {
				continue
			}
			return nil, fmt.Errorf("%s: FHIR %s: only FHIR %s is supported (built in)", name, version, ModelVersion)
		}
		mi, err := modelinfo.Parse(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m, err := NewModel(mi)
		if err != nil {
			return nil, fmt.Errorf("%s: modelinfo %s %s: %w", name, mi.Name, mi.Version, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// modelInfoRoot reads the root element of an XML document: ok is whether
// it is a modelInfo, name and version its attributes.
func modelInfoRoot(b []byte) (name, version string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", "", false
		}
		if se, isStart := tok.(xml.StartElement); isStart {
			if se.Name.Local != "modelInfo" {
				return "", "", false
			}
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "name":
					name = a.Value
				case "version":
					version = a.Value
				}
			}
			return name, version, true
		}
	}
}

// profileRule is what a resource of a profile's base type must hold to fit
// a profile the ModelInfo does not describe beyond its base type: QI-Core's
// negation profiles (the IG's "positive and negative statements": a
// MedicationNotRequested is a MedicationRequest with doNotPerform true, an
// ObservationNotDone an Observation with status cancelled) and the
// profiles told apart by a category slice (US Core's laboratory results,
// QI-Core 6's encounter diagnoses, the FHIR vital signs profiles by their
// fixed LOINC code). Exactly one of its fields is set.
type profileRule struct {
	// doNotPerform: the element doNotPerform is true, or the modifier
	// extension of that URL is (R4 DeviceRequest has no doNotPerform).
	doNotPerform bool
	ext          string
	// status: the element status has one of these codes.
	status []string
	// category: a coding of the element category has one of these codes.
	category []string
	// loinc: a coding of the element code is one of these LOINC codes.
	loinc []string
}

const deviceDoNotPerform = "http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform"

// negationRules are the negation profiles of QI-Core 4.1.1 and 6.0.0 by
// name (6.0.0 renamed ObservationNotDone, TaskNotDone and
// MedicationDispenseNotDone to ObservationCancelled, TaskRejected and
// MedicationDispenseDeclined).
var negationRules = map[string]profileRule{
	"MedicationNotRequested":          {doNotPerform: true},
	"ServiceNotRequested":             {doNotPerform: true},
	"DeviceNotRequested":              {ext: deviceDoNotPerform},
	"ProcedureNotDone":                {status: []string{"not-done"}},
	"ImmunizationNotDone":             {status: []string{"not-done"}},
	"CommunicationNotDone":            {status: []string{"not-done"}},
	"MedicationAdministrationNotDone": {status: []string{"not-done"}},
	"MedicationDispenseNotDone":       {status: []string{"declined"}},
	"MedicationDispenseDeclined":      {status: []string{"declined"}},
	"ObservationNotDone":              {status: []string{"cancelled"}},
	"ObservationCancelled":            {status: []string{"cancelled"}},
	"TaskNotDone":                     {status: []string{"rejected"}},
	"TaskRejected":                    {status: []string{"rejected"}},
}

// categoryRules are the profiles whose category slice sets them apart
// from the other profiles of their base type.
var categoryRules = map[string]profileRule{
	"LaboratoryResultObservation":                {category: []string{"laboratory"}},
	"LaboratoryResultObservationProfile":         {category: []string{"laboratory"}},
	"USCoreLaboratoryResultObservationProfile":   {category: []string{"laboratory"}},
	"DiagnosticReportLab":                        {category: []string{"LAB"}},
	"DiagnosticReportProfileLaboratoryReporting": {category: []string{"LAB"}},
	"ConditionEncounterDiagnosis":                {category: []string{"encounter-diagnosis"}},
	"ConditionEncounterDiagnosisProfile":         {category: []string{"encounter-diagnosis"}},
	"ConditionProblemsHealthConcerns":            {category: []string{"problem-list-item", "health-concern"}},
	"ConditionProblemsHealthConcernsProfile":     {category: []string{"problem-list-item", "health-concern"}},
}

// vitalSigns are the FHIR R4 vital signs profiles (in QI-Core 4.1.1 and US
// Core 3.1.1 under their FHIR names) and the LOINC code each fixes.
var vitalSigns = map[string]profileRule{
	"observation-bp":          {loinc: []string{"85354-9"}},
	"observation-bodyheight":  {loinc: []string{"8302-2"}},
	"observation-bodyweight":  {loinc: []string{"29463-7"}},
	"observation-bmi":         {loinc: []string{"39156-5"}},
	"observation-bodytemp":    {loinc: []string{"8310-5"}},
	"observation-headcircum":  {loinc: []string{"9843-4"}},
	"observation-heartrate":   {loinc: []string{"8867-4"}},
	"observation-resprate":    {loinc: []string{"9279-1"}},
	"observation-oxygensat":   {loinc: []string{"2708-6"}},
	"observation-vitalspanel": {loinc: []string{"85353-1"}},
}

// fits reports whether a resource meets the rule.
func (r profileRule) fits(obj map[string]any) bool {
	switch {
	case r.doNotPerform:
		b, _ := obj["doNotPerform"].(bool)
		return b
	case r.ext != "":
		exts, _ := obj["modifierExtension"].([]any)
		for _, e := range exts {
			if em, _ := e.(map[string]any); em != nil && em["url"] == r.ext {
				b, _ := em["valueBoolean"].(bool)
				return b
			}
		}
		return false
	case r.status != nil:
		s, _ := obj["status"].(string)
		return slices.Contains(r.status, s)
	}
	element, codes, system := "category", r.category, ""
	if r.loinc != nil {
		element, codes, system = "code", r.loinc, "http://loinc.org"
	}
	ccs, isList := obj[element].([]any)
	if !isList {
		ccs = []any{obj[element]}
	}
	for _, cc := range ccs {
		ccm, _ := cc.(map[string]any)
		codings, _ := ccm["coding"].([]any)
		for _, c := range codings {
			if cm, _ := c.(map[string]any); cm != nil && (system == "" || cm["system"] == system) {
				if code, _ := cm["code"].(string); slices.Contains(codes, code) {
					return true
				}
			}
		}
	}
	return false
}

// declares reports whether a resource names the profile in meta.profile
// (with or without a |version).
func declares(obj map[string]any, url string) bool {
	meta, _ := obj["meta"].(map[string]any)
	profiles, _ := meta["profile"].([]any)
	for _, p := range profiles {
		s, _ := p.(string)
		if s == url || strings.HasPrefix(s, url+"|") {
			return true
		}
	}
	return false
}

// RetrieveTarget implements the checker's ProfileModel for profile models:
// a retrieve of a profile reads the FHIR resources of the type it
// constrains (the reference engine's default "retrieve by base type") and
// keeps those that fit the profile. A resource fits a profile it names in
// meta.profile. Otherwise it fits a negation profile
// (QICore.MedicationNotRequested, ProcedureNotDone, ObservationNotDone ...)
// when it meets the profile's doNotPerform or status rule; it fits the
// positive profile named after its type (QICore.MedicationRequest,
// Procedure, Observation) unless it meets the rule of one of that type's
// negation profiles or names one in meta.profile; it fits a profile set
// apart by category (US Core laboratory results, QI-Core 6 encounter
// diagnoses) when it has the category; a FHIR vital signs profile
// (observation-bp ...) when it has its LOINC code; and any other profile of
// its type.
func (m *Model) RetrieveTarget(t *types.Named) (*types.Named, func(value.Value) (bool, error), bool) {
	if m.name == ModelName || t.Model != m.name {
		return nil, nil, false
	}
	ti, ok := m.infos[t.Name]
	if !ok || ti.Kind != KindResource {
		return nil, nil, false
	}
	name := ti.Target
	if name == "" {
		name = t.Name
	}
	base, ok := R4().infos[name]
	if !ok || base.Kind != KindResource {
		return nil, nil, false
	}
	url := ti.Identifier
	rule, ok := negationRules[t.Name]
	if !ok {
		rule, ok = categoryRules[t.Name]
	}
	if !ok {
		rule, ok = vitalSigns[t.Name]
	}
	if ok {
		return base.Type, keepIf(func(obj map[string]any) bool { return declares(obj, url) || rule.fits(obj) }), true
	}
	if t.Name != name {
		return base.Type, nil, true
	}
	// The positive profile: leave out what fits the type's negation profiles.
	type negation struct {
		url  string
		rule profileRule
	}
	var negs []negation
	for _, n := range slices.Sorted(maps.Keys(negationRules)) {
		if ni, ok := m.infos[n]; ok && ni.Target == name {
			negs = append(negs, negation{ni.Identifier, negationRules[n]})
		}
	}
	if len(negs) == 0 {
		return base.Type, nil, true
	}
	return base.Type, keepIf(func(obj map[string]any) bool {
		if declares(obj, url) {
			return true
		}
		for _, n := range negs {
			if declares(obj, n.url) || n.rule.fits(obj) {
				return false
			}
		}
		return true
	}), true
}

// keepIf turns a test of a resource's JSON into a retrieve's keep rule.
func keepIf(fits func(map[string]any) bool) func(value.Value) (bool, error) {
	return func(v value.Value) (bool, error) {
		n, ok := v.(*Node)
		return ok && fits(n.obj), nil
	}
}

// DataType implements the checker's ProfileModel: the values of a profile
// model's resource profiles are the FHIR resources they constrain, those
// of its other classes the FHIR types of the same name (QICore.Reference
// values are FHIR.Reference values).
func (m *Model) DataType(t *types.Named) (*types.Named, bool) {
	if m.name == ModelName || t.Model != m.name {
		return nil, false
	}
	if base, _, ok := m.RetrieveTarget(t); ok {
		return base, true
	}
	if ti, ok := R4().infos[t.Name]; ok {
		return ti.Type, true
	}
	return nil, false
}

package fhir

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
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

// notDoneStatus is the status a "not done" profile of QI-Core fixes on the
// resource it constrains (the resource's status value set has the code);
// the "not requested" profiles are the requests with doNotPerform true.
var notDoneStatus = map[string]string{
	"Procedure": "not-done", "Immunization": "not-done", "Communication": "not-done",
	"MedicationAdministration": "not-done", "MedicationDispense": "declined",
}

// RetrieveTarget implements the checker's ProfileModel for profile models:
// a retrieve of a profile reads the FHIR resources of the type it
// constrains (the reference engine's default "retrieve by base type"), the
// negation profiles (QICore.MedicationNotRequested, ProcedureNotDone) only
// those with doNotPerform true or the "not done" status.
func (m *Model) RetrieveTarget(t *types.Named) (*types.Named, func(value.Value) (bool, error), bool) {
	if m.name == ModelName || t.Model != m.name {
		return nil, nil, false
	}
	ti, ok := m.infos[t.Name]
	if !ok || ti.Kind != KindResource {
		return nil, nil, false
	}
	r4 := R4()
	name := ti.Target
	if name == "" {
		name = t.Name
	}
	base, ok := r4.infos[name]
	if !ok || base.Kind != KindResource {
		return nil, nil, false
	}
	var keep func(value.Value) (bool, error)
	switch {
	case strings.HasSuffix(t.Name, "NotRequested"):
		keep = elementIs("doNotPerform", value.Boolean(true))
	case strings.HasSuffix(t.Name, "NotDone") && notDoneStatus[name] != "":
		keep = elementIs("status", value.String(notDoneStatus[name]))
	}
	return base.Type, keep, true
}

// elementIs keeps the resources whose element name has the given value.
func elementIs(name string, want value.Value) func(value.Value) (bool, error) {
	return func(v value.Value) (bool, error) {
		n, ok := v.(*Node)
		if !ok {
			return false, nil
		}
		e, err := n.Property(name)
		if err != nil || e == nil {
			return false, err
		}
		s, err := toSystem(e)
		if err != nil {
			return false, err
		}
		return s == want, nil
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

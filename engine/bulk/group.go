package bulk

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// How a resource line joins a patient (Line.Kind).
const (
	// OfPatient resources name their patient (the Patient itself, or a
	// subject/patient/for/beneficiary reference to a Patient).
	OfPatient = iota
	// OfEncounter resources name only an Encounter (encounter or context):
	// they reach their patient through it.
	OfEncounter
	// Shared resources belong to no patient (Practitioner, Organization,
	// Location, Medication ...); a patient's data-in holds those its
	// resources reference.
	Shared
)

// sharedTypes are the resource types outside the Patient compartment that
// patient data references.
var sharedTypes = map[string]bool{
	"Practitioner": true, "PractitionerRole": true, "Organization": true, "Location": true,
	"Medication": true, "Device": true, "Substance": true, "HealthcareService": true, "Endpoint": true,
}

// Line is one resource read from an input line.
type Line struct {
	File string
	Line int
	// Type and ID are the resource's; Ref is "Type/id".
	Type, ID string
	Kind     int
	// Key is the Patient reference ("Patient/id") for OfPatient, the
	// Encounter reference for OfEncounter and the resource's own reference
	// for Shared.
	Key string
	// JSON is the resource.
	JSON []byte
}

// Ref is the line's "Type/id".
func (l *Line) Ref() string { return l.Type + "/" + l.ID }

// DeadLetter is an input line (or a patient) that could not be used.
type DeadLetter struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Patient is set for a patient whose resources could not be applied.
	Patient string `json:"patient,omitempty"`
	Error   string `json:"error"`
	// Text is the start of the line (at most 200 bytes).
	Text string `json:"text,omitempty"`
}

func deadLine(file string, n int, raw []byte, format string, a ...any) *DeadLetter {
	text := string(raw)
	if len(text) > 200 {
		text = text[:200]
	}
	return &DeadLetter{File: file, Line: n, Error: fmt.Sprintf(format, a...), Text: text}
}

// head is the part of a resource that says where it belongs.
type head struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Subject      json.RawMessage
	Patient      json.RawMessage
	For          json.RawMessage
	Beneficiary  json.RawMessage
	Encounter    json.RawMessage
	Context      json.RawMessage
}

// refOf reads the reference of a Reference-valued element ("" when it is
// absent or not a Reference).
func refOf(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var r struct {
		Reference string `json:"reference"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	return r.Reference
}

// ParseLine reads one NDJSON line of file (line numbers start at 1). A
// line that is not a FHIR resource, or a patient resource that names
// neither a Patient nor an Encounter, is a dead letter. A Bundle is
// returned unclassified: Lines splits it.
func ParseLine(file string, n int, raw []byte) (*Line, *DeadLetter) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			kind := map[string]string{"array": "an array", "string": "a string", "number": "a number", "bool": "a boolean"}[te.Value]
			return nil, deadLine(file, n, raw, "not a FHIR resource: the line is %s, not a JSON object", cmp.Or(kind, te.Value))
		}
		return nil, deadLine(file, n, raw, "malformed JSON: %v", err)
	}
	if h.ResourceType == "" {
		return nil, deadLine(file, n, raw, "not a FHIR resource: no resourceType")
	}
	if h.ID == "" {
		return nil, deadLine(file, n, raw, "%s without an id", h.ResourceType)
	}
	l := &Line{File: file, Line: n, Type: h.ResourceType, ID: h.ID, JSON: raw}
	if h.ResourceType == "Patient" {
		l.Kind, l.Key = OfPatient, "Patient/"+h.ID
		return l, nil
	}
	if h.ResourceType == "Bundle" {
		return l, nil // Lines splits it
	}
	for _, f := range []json.RawMessage{h.Subject, h.Patient, h.For, h.Beneficiary} {
		if typ, id, ok := fj.SplitRef(refOf(f)); ok && typ == "Patient" {
			l.Kind, l.Key = OfPatient, "Patient/"+id
			return l, nil
		}
	}
	for _, f := range []json.RawMessage{h.Encounter, h.Context} {
		if typ, id, ok := fj.SplitRef(refOf(f)); ok && typ == "Encounter" {
			l.Kind, l.Key = OfEncounter, "Encounter/"+id
			return l, nil
		}
	}
	if sharedTypes[h.ResourceType] {
		l.Kind, l.Key = Shared, l.Ref()
		return l, nil
	}
	return nil, deadLine(file, n, raw, "%s/%s names no Patient (subject, patient, for, beneficiary) and no Encounter", h.ResourceType, h.ID)
}

// Lines parses an input line that may be a Bundle (one Bundle per patient,
// or any Bundle): a Bundle's resources, nested Bundles included, are
// returned as lines of their own at the Bundle's line; a resource line is
// returned alone.
func Lines(file string, n int, raw []byte) ([]*Line, []*DeadLetter) {
	l, dl := ParseLine(file, n, raw)
	if dl != nil {
		return nil, []*DeadLetter{dl}
	}
	if l.Type != "Bundle" {
		return []*Line{l}, nil
	}
	b, err := fj.DecodeObj(raw)
	if err != nil {
		return nil, []*DeadLetter{deadLine(file, n, raw, "malformed JSON: %v", err)}
	}
	var lines []*Line
	var dead []*DeadLetter
	for _, e := range fj.Entries(b) {
		if fj.Type(e.Resource) == "Bundle" {
			continue
		}
		js, err := fj.MarshalCompact(e.Resource)
		if err != nil {
			dead = append(dead, deadLine(file, n, nil, "%s: %v", e.Path, err))
			continue
		}
		el, edl := ParseLine(file, n, js)
		if edl != nil {
			edl.Error = e.Path + ": " + edl.Error
			dead = append(dead, edl)
			continue
		}
		lines = append(lines, el)
	}
	return lines, dead
}

// References lists the "Type/id" references found anywhere in a resource.
func References(r map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "reference" {
					if s, ok := x.(string); ok {
						if t, id, ok := fj.SplitRef(s); ok {
							out = append(out, t+"/"+id)
						}
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(r)
	return out
}

// PatientData builds the CCG data-in Bundle of patient ("Patient/id") from
// the resources grouped to it (in any order: they are put in file and line
// order) and the shared resources (by "Type/id"). The present Encounter is
// the patient's in-progress Encounter (the latest started when there are
// several); the IPS document is made of a Composition, the Patient and the
// patient's other resources. It returns the Bundle, the subject and the
// encounter for $apply.
func PatientData(patient string, lines []*Line, shared func(ref string) []byte) (bundle map[string]any, subject, encounter string, err error) {
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].File != lines[j].File {
			return lines[i].File < lines[j].File
		}
		return lines[i].Line < lines[j].Line
	})
	var pat map[string]any
	var encs, clinical []map[string]any
	refs := map[string]bool{}
	for _, l := range lines {
		r, err := fj.DecodeObj(l.JSON)
		if err != nil {
			return nil, "", "", fmt.Errorf("%s:%d: %v", l.File, l.Line, err)
		}
		switch {
		case l.Type == "Patient" && l.Key == patient:
			pat = r
		case l.Type == "Encounter":
			encs = append(encs, r)
		default:
			clinical = append(clinical, r)
		}
		for _, ref := range References(r) {
			refs[ref] = true
		}
	}
	if pat == nil {
		return nil, "", "", fmt.Errorf("no Patient resource for %s in the input (%d resources name it)", patient, len(lines))
	}
	var present map[string]any
	for _, e := range encs {
		if fj.Str(e, "status") != "in-progress" || datain.NormalizeRef("Patient", fj.Str(fj.Obj(e, "subject"), "reference")) != patient {
			continue
		}
		if present == nil || later(e, present) {
			present = e
		}
	}
	if present == nil {
		return nil, "", "", fmt.Errorf("%s has no in-progress Encounter (%d Encounters)", patient, len(encs))
	}
	top := append([]map[string]any{}, encs...)
	sharedRefs := make([]string, 0, len(refs))
	for ref := range refs {
		sharedRefs = append(sharedRefs, ref)
	}
	sort.Strings(sharedRefs)
	for _, ref := range sharedRefs {
		if js := shared(ref); js != nil {
			r, err := fj.DecodeObj(js)
			if err != nil {
				return nil, "", "", fmt.Errorf("%s: %v", ref, err)
			}
			top = append(top, r)
		}
	}
	return assemble(pat, top, clinical), patient, fj.Ref(present), nil
}

// later reports whether Encounter a started after b (ids break ties).
func later(a, b map[string]any) bool {
	sa, sb := fj.Str(fj.Obj(a, "period"), "start"), fj.Str(fj.Obj(b, "period"), "start")
	ta, ea := time.Parse(time.RFC3339, sa)
	tb, eb := time.Parse(time.RFC3339, sb)
	if ea == nil && eb == nil && !ta.Equal(tb) {
		return ta.After(tb)
	}
	if sa != sb {
		return sa > sb
	}
	return fj.ID(a) < fj.ID(b)
}

// fullURL is a resource's stable urn:uuid (a name-based UUID of "Type/id").
func fullURL(r map[string]any) string {
	return "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(fj.Ref(r))).String()
}

func entry(r map[string]any) map[string]any {
	return map[string]any{"fullUrl": fullURL(r), "resource": r}
}

// assemble builds a data-in Bundle: top (the Encounters and the shared
// resources), then the IPS document: a Composition (dated at the present
// Encounter's start, authored by the first Practitioner of top), the
// Patient and the clinical resources.
func assemble(patient map[string]any, top, clinical []map[string]any) map[string]any {
	pid := fj.ID(patient)
	date := EncounterStart.Format(time.RFC3339)
	author := fj.Ref(patient)
	for _, r := range top {
		if fj.Type(r) == "Encounter" && fj.Str(r, "status") == "in-progress" {
			if s := fj.Str(fj.Obj(r, "period"), "start"); s != "" {
				date = s
			}
		}
	}
	for _, r := range top {
		if fj.Type(r) == "Practitioner" {
			author = fj.Ref(r)
			break
		}
	}
	comp := map[string]any{"resourceType": "Composition", "id": "ips-" + pid, "status": "final",
		"type":    fj.Concept(loinc, "60591-5", "Patient summary Document"),
		"subject": fj.Reference(fj.Ref(patient)), "date": date, "author": []any{fj.Reference(author)},
		"title": "Patient summary"}
	docEntries := []any{entry(comp), entry(patient)}
	entries := make([]any, 0, len(top)+1)
	for _, r := range top {
		entries = append(entries, entry(r))
	}
	for _, r := range clinical {
		if fj.Type(r) == "Composition" {
			// The document has one Composition (bdl-ips-1): the
			// patient's own go beside it.
			entries = append(entries, entry(r))
			continue
		}
		docEntries = append(docEntries, entry(r))
	}
	doc := map[string]any{"resourceType": "Bundle", "id": "ips-" + pid, "type": "document", "timestamp": date,
		"identifier": map[string]any{"system": "urn:ietf:rfc:3986", "value": fullURL(comp)}, "entry": docEntries}
	entries = append(entries, map[string]any{"fullUrl": fullURL(doc), "resource": doc})
	return map[string]any{"resourceType": "Bundle", "id": "data-in-" + pid, "type": "collection", "entry": entries}
}

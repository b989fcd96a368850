// Package datain checks the contextual content ("data-in") Bundle of an
// Apply Guideline [QRPH-64] submission against CCG_DataIn_Bundle and the
// prose of Volume 3 ("Contextual Content (Data-in) Bundle"), and indexes
// what the engine needs from it: the subject Patient, the in-progress
// Encounter, the IPS document, the Practitioner and the Patient Plans.
//
// Choices where the FSH and the prose differ (the prose wins):
//   - Practitioner, PractitionerRole, Location and Organization are
//     required by the FSH slices (1..1) but "if applicable" in the prose:
//     they are optional here.
//   - entry.fullUrl (1.. in the FSH) is not required: the engine resolves
//     references by "Type/id" as well.
//   - the IPS document is required (type document, a Composition first
//     and the subject Patient in it or beside it).
package datain

import (
	"fmt"
	"reflect"
	"strings"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// Issue is one problem with a submission, answered as an
// OperationOutcome.issue.
type Issue struct {
	// Severity is error or warning.
	Severity string
	// Code is an issue-type code: required, value, invariant, not-found.
	Code string
	// Expression is the FHIRPath-like location: "Bundle.type",
	// "Bundle.entry[2].resource.status", "Parameters.parameter('subject')".
	Expression string
	Message    string
}

func (i Issue) String() string { return i.Expression + ": " + i.Message }

// Data is a data-in Bundle with its parts found.
type Data struct {
	Bundle  map[string]any
	Entries []fj.Entry
	// Patient and Encounter are the subject and the present encounter.
	Patient, Encounter map[string]any
	// IPS is the IPS document Bundle; nil when absent (lenient mode).
	IPS map[string]any
	// Practitioner is the first Practitioner (or PractitionerRole) found.
	Practitioner map[string]any
	// PatientPlans are the canonicals in the IPS CarePlans'
	// activity.detail.instantiatesCanonical.
	PatientPlans []string
	// Warnings are problems that do not reject the submission.
	Warnings []Issue

	byRef map[string]map[string]any
}

// Resolve finds a resource of the Bundle by "Type/id" or fullUrl.
func (d *Data) Resolve(ref string) map[string]any {
	if r, ok := d.byRef[ref]; ok {
		return r
	}
	if t, id, ok := fj.SplitRef(ref); ok {
		return d.byRef[t+"/"+id]
	}
	return nil
}

// Resources lists the resources of a type (in the Bundle and the Bundles
// nested in it), each once.
func (d *Data) Resources(typ string) []map[string]any {
	var out []map[string]any
	seen := map[string]bool{}
	for _, e := range d.Entries {
		if fj.Type(e.Resource) != typ {
			continue
		}
		k := fj.Ref(e.Resource)
		if fj.ID(e.Resource) != "" && seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e.Resource)
	}
	return out
}

// Index indexes a Bundle without validating it.
func Index(bundle map[string]any) *Data {
	d := &Data{Bundle: bundle, Entries: fj.Entries(bundle), byRef: map[string]map[string]any{}}
	for _, e := range d.Entries {
		r := e.Resource
		if fj.ID(r) != "" {
			if _, dup := d.byRef[fj.Ref(r)]; !dup {
				d.byRef[fj.Ref(r)] = r
			}
		}
		if e.FullURL != "" {
			d.byRef[e.FullURL] = r
		}
		switch fj.Type(r) {
		case "Practitioner", "PractitionerRole":
			if d.Practitioner == nil || fj.Type(d.Practitioner) == "PractitionerRole" && fj.Type(r) == "Practitioner" {
				d.Practitioner = r
			}
		case "Bundle":
			if fj.Str(r, "type") == "document" && d.IPS == nil {
				d.IPS = r
			}
		case "CarePlan":
			for _, a := range fj.Objs(r, "activity") {
				for _, c := range fj.List(fj.Obj(a, "detail"), "instantiatesCanonical") {
					if s, ok := c.(string); ok && s != "" {
						d.PatientPlans = append(d.PatientPlans, s)
					}
				}
			}
		}
	}
	return d
}

func (d *Data) pathOf(r map[string]any) string {
	for _, e := range d.Entries {
		if sameMap(e.Resource, r) {
			return e.Path
		}
	}
	return "Bundle"
}

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// NormalizeRef turns a subject or encounter parameter into "Type/id":
// "Patient/p1" stays, a bare "p1" becomes "Patient/p1".
func NormalizeRef(typ, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if t, id, ok := fj.SplitRef(s); ok {
		return t + "/" + id
	}
	return typ + "/" + s
}

// Options select how strictly Check validates.
type Options struct {
	// Lenient skips the CCG-specific rules (IPS document, Bundle type
	// collection, encounter required) for generic CPG $apply requests.
	Lenient bool
}

// Check validates the data-in Bundle for subject ("Patient/id") and
// encounter ("Encounter/id"). It returns the indexed data and every error
// found; the submission is acceptable when no issue has severity error.
func Check(bundle map[string]any, subject, encounter string, opts Options) (*Data, []Issue) {
	var issues []Issue
	add := func(code, expr, format string, a ...any) {
		issues = append(issues, Issue{Severity: "error", Code: code, Expression: expr, Message: fmt.Sprintf(format, a...)})
	}
	if bundle == nil {
		if opts.Lenient {
			bundle = map[string]any{"resourceType": "Bundle", "type": "collection"}
		} else {
			add("required", "Parameters.parameter('data')", "the data-in Bundle (parameter data) is required")
			return nil, issues
		}
	}
	if fj.Type(bundle) != "Bundle" {
		add("structure", "Parameters.parameter('data').resource", "data must be a Bundle, got %q", fj.Type(bundle))
		return nil, issues
	}
	d := Index(bundle)
	if !opts.Lenient && fj.Str(bundle, "type") != "collection" {
		add("value", "Bundle.type", "the data-in Bundle must have type collection, got %q", fj.Str(bundle, "type"))
	}
	for i, e := range fj.Objs(bundle, "entry") {
		if fj.Obj(e, "resource") == nil {
			add("required", fmt.Sprintf("Bundle.entry[%d].resource", i), "every entry needs a resource")
		}
		for _, k := range []string{"search", "request", "response"} {
			if _, ok := e[k]; ok && !opts.Lenient {
				add("structure", fmt.Sprintf("Bundle.entry[%d].%s", i, k), "a data-in Bundle entry must not have %s", k)
			}
		}
	}
	// subject
	switch {
	case subject == "":
		add("required", "Parameters.parameter('subject')", "the subject parameter is required (a Patient reference)")
	case !strings.HasPrefix(subject, "Patient/"):
		add("value", "Parameters.parameter('subject')", "the subject must be a Patient reference, got %q", subject)
	default:
		d.Patient = d.byRef[subject]
		if d.Patient == nil && !opts.Lenient {
			add("not-found", "Parameters.parameter('subject')", "the subject %s is not in the data-in Bundle", subject)
		}
	}
	// encounter
	switch {
	case encounter == "":
		if !opts.Lenient {
			add("required", "Parameters.parameter('encounter')", "the encounter parameter is required (an Encounter reference)")
		}
	case !strings.HasPrefix(encounter, "Encounter/"):
		add("value", "Parameters.parameter('encounter')", "the encounter must be an Encounter reference, got %q", encounter)
	default:
		d.Encounter = d.byRef[encounter]
		if d.Encounter == nil {
			add("not-found", "Parameters.parameter('encounter')", "the encounter %s is not in the data-in Bundle", encounter)
			break
		}
		if opts.Lenient {
			break
		}
		p := d.pathOf(d.Encounter)
		if s := fj.Str(d.Encounter, "status"); s != "in-progress" {
			add("value", p+".status", "the Encounter must be in-progress, got %q", s)
		}
		period := fj.Obj(d.Encounter, "period")
		if fj.Str(period, "start") == "" {
			add("required", p+".period.start", "the Encounter's start timestamp is required")
		}
		if _, ok := period["end"]; ok {
			add("value", p+".period.end", "an in-progress Encounter must not have an end timestamp")
		}
		if ref := fj.Str(fj.Obj(d.Encounter, "subject"), "reference"); ref != "" && strings.HasPrefix(subject, "Patient/") && NormalizeRef("Patient", ref) != subject {
			add("value", p+".subject", "the Encounter is about %s, not the subject %s", ref, subject)
		}
	}
	if !opts.Lenient {
		checkIPS(d, subject, add)
	}
	for i, e := range fj.Objs(bundle, "entry") {
		if fj.Str(e, "fullUrl") == "" && fj.Obj(e, "resource") != nil {
			d.Warnings = append(d.Warnings, Issue{Severity: "warning", Code: "required", Expression: fmt.Sprintf("Bundle.entry[%d].fullUrl", i), Message: "CCG_DataIn_Bundle entries should carry a fullUrl"})
		}
	}
	return d, issues
}

func checkIPS(d *Data, subject string, add func(code, expr, format string, a ...any)) {
	var ips map[string]any
	ipsPath := ""
	for i, e := range fj.Objs(d.Bundle, "entry") {
		r := fj.Obj(e, "resource")
		if fj.Type(r) == "Bundle" && fj.Str(r, "type") == "document" {
			ips, ipsPath = r, fmt.Sprintf("Bundle.entry[%d].resource", i)
			break
		}
	}
	if ips == nil {
		add("required", "Bundle.entry", "the data-in Bundle must hold the patient's IPS document (a Bundle of type document)")
		return
	}
	d.IPS = ips
	entries := fj.Objs(ips, "entry")
	if len(entries) == 0 || fj.Type(fj.Obj(entries[0], "resource")) != "Composition" {
		add("invariant", ipsPath+".entry[0].resource", "an IPS document starts with its Composition")
	}
	seen := false
	for i, e := range entries {
		if fj.Type(fj.Obj(e, "resource")) != "Composition" {
			continue
		}
		if !seen {
			seen = true
			continue
		}
		add("invariant", fmt.Sprintf("%s.entry[%d].resource", ipsPath, i), "an IPS document has a single Composition (bdl-ips-1)")
	}
	hasPatient := false
	for _, e := range entries {
		if fj.Type(fj.Obj(e, "resource")) == "Patient" {
			hasPatient = true
		}
	}
	if !hasPatient {
		add("required", ipsPath+".entry", "the IPS document must hold the Patient")
	}
	if subject != "" && d.Patient != nil {
		if comp := fj.Obj(entries0(entries), "resource"); comp != nil {
			if ref := fj.Str(fj.Obj(comp, "subject"), "reference"); ref != "" && NormalizeRef("Patient", ref) != subject && d.Resolve(ref) != nil && fj.Ref(d.Resolve(ref)) != subject {
				add("value", ipsPath+".entry[0].resource.subject", "the IPS document is about %s, not the subject %s", ref, subject)
			}
		}
	}
}

func entries0(e []map[string]any) map[string]any {
	if len(e) == 0 {
		return nil
	}
	return e[0]
}

// Defaults picks the subject and encounter of a Bundle when the caller
// gave none: the only Patient, and that patient's only in-progress
// Encounter.
func Defaults(bundle map[string]any) (subject, encounter string, err error) {
	d := Index(bundle)
	pats := d.Resources("Patient")
	if len(pats) != 1 {
		return "", "", fmt.Errorf("the Bundle holds %d Patients; give the subject explicitly", len(pats))
	}
	subject = fj.Ref(pats[0])
	var encs []string
	for _, e := range d.Resources("Encounter") {
		if fj.Str(e, "status") != "in-progress" {
			continue
		}
		ref := fj.Str(fj.Obj(e, "subject"), "reference")
		if ref != "" && NormalizeRef("Patient", ref) != subject {
			continue
		}
		encs = append(encs, fj.Ref(e))
	}
	if len(encs) != 1 {
		return subject, "", fmt.Errorf("the Bundle holds %d in-progress Encounters of %s; give the encounter explicitly", len(encs), subject)
	}
	return subject, encs[0], nil
}

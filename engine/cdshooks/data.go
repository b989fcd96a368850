package cdshooks

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// callData are the resources of one call and the data-in Bundle made of
// them.
type callData struct {
	bundle map[string]any
	// byRef holds every resource by "Type/id"; drafts are the references
	// of context.draftOrders.
	byRef  map[string]map[string]any
	order  []map[string]any
	drafts map[string]bool
}

func (d *callData) add(r map[string]any) {
	if fj.Type(r) == "" || fj.Type(r) == "OperationOutcome" {
		return
	}
	k := fj.Ref(r)
	if fj.ID(r) == "" {
		k += "#" + strconv.Itoa(len(d.order))
	}
	if _, dup := d.byRef[k]; dup {
		return
	}
	d.byRef[k] = r
	d.order = append(d.order, r)
}

// addAll adds a prefetch value: a resource, or the entries of a Bundle.
func (d *callData) addAll(r map[string]any) {
	if fj.Type(r) != "Bundle" {
		d.add(r)
		return
	}
	for _, e := range fj.Objs(r, "entry") {
		d.add(fj.Obj(e, "resource"))
	}
}

var tokenRE = regexp.MustCompile(`\{\{\s*context\.([A-Za-z]+)\s*\}\}`)

// resolveTemplate replaces the {{context.X}} tokens of a prefetch template
// by the request's context fields; false when a token has no value (the
// template does not apply to this call).
func resolveTemplate(tmpl string, ctx map[string]any) (string, bool) {
	ok := true
	out := tokenRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		s, _ := ctx[tokenRE.FindStringSubmatch(m)[1]].(string)
		if s == "" {
			ok = false
		}
		return s
	})
	return out, ok && !strings.Contains(out, "{{")
}

// gather collects the call's resources: each prefetch template's result
// from the prefetch, else from the FHIR server; then the draft orders.
// It answers 412 when a template's data can be had from neither, or the
// patient is missing.
func (h *Handler) gather(ctx context.Context, svc *service, req *hookRequest) (*callData, error) {
	var fs *fhirServer
	if req.fhirServer != "" {
		var err error
		if fs, err = newFHIRServer(h, req.fhirServer, req.token); err != nil {
			return nil, errorf(http.StatusBadRequest, "%v", err)
		}
	}
	d := &callData{byRef: map[string]map[string]any{}, drafts: map[string]bool{}}
	keys := make([]string, 0, len(svc.Prefetch))
	for k := range svc.Prefetch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var missing []string
	for _, key := range keys {
		rel, ok := resolveTemplate(svc.Prefetch[key], req.context)
		if !ok {
			continue
		}
		if m, ok := req.prefetch[key].(map[string]any); ok && fj.Type(m) != "" && fj.Type(m) != "OperationOutcome" {
			d.addAll(m)
			continue
		}
		if fs == nil {
			missing = append(missing, key)
			continue
		}
		rs, err := fs.fetch(ctx, rel)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return nil, errorf(http.StatusPreconditionFailed, "prefetch %q could not be read from fhirServer: %v", key, err)
		}
		for _, r := range rs {
			d.add(r)
		}
	}
	if len(missing) > 0 {
		return nil, errorf(http.StatusPreconditionFailed, "the prefetch lacks %s and the request names no fhirServer to read them from", strings.Join(missing, ", "))
	}
	for _, r := range req.draftOrders {
		d.add(r)
		d.drafts[fj.Ref(r)] = true
	}
	patient := d.byRef["Patient/"+req.patientID]
	if patient == nil {
		return nil, errorf(http.StatusPreconditionFailed, "Patient/%s is neither in the prefetch nor on the fhirServer", req.patientID)
	}
	base := ""
	if fs != nil {
		base = fs.base.String() + "/"
	}
	if svc.folder {
		d.bundle = d.dataIn(req, patient, base)
	} else {
		d.bundle = bundle("collection", d.order, base)
	}
	return d, nil
}

func bundle(typ string, rs []map[string]any, base string) map[string]any {
	entries := make([]any, 0, len(rs))
	for _, r := range rs {
		e := map[string]any{"resource": r}
		if base != "" && fj.ID(r) != "" {
			e["fullUrl"] = base + fj.Ref(r)
		}
		entries = append(entries, e)
	}
	return map[string]any{"resourceType": "Bundle", "type": typ, "entry": entries}
}

// besideIPS are the types a CCG data-in Bundle holds beside the IPS
// document: the encounter's participants and setting.
var besideIPS = map[string]bool{"Practitioner": true, "PractitionerRole": true, "Organization": true, "Location": true, "RelatedPerson": true}

// dataIn makes a CCG_DataIn Bundle for a Folder: the patient, the present
// encounter, the user and the draft orders beside an IPS document that
// ccg assembles from the patient's other resources (a Composition naming
// them, the patient, the resources).
func (d *callData) dataIn(req *hookRequest, patient map[string]any, base string) map[string]any {
	top := []map[string]any{patient}
	clinical := []map[string]any{patient}
	var sectionEntries []any
	for _, r := range d.order {
		ref := fj.Ref(r)
		switch {
		case sameResource(r, patient):
		case d.drafts[ref], besideIPS[fj.Type(r)], ref == "Encounter/"+req.encounterID:
			top = append(top, r)
		default:
			clinical = append(clinical, r)
			sectionEntries = append(sectionEntries, fj.Reference(ref))
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	comp := map[string]any{"resourceType": "Composition", "id": "cds-" + req.hookInstance, "status": "final",
		"type":    fj.Concept("http://loinc.org", "60591-5", "Patient summary Document"),
		"subject": fj.Reference(fj.Ref(patient)), "date": now,
		"author": []any{fj.Reference(req.userID)},
		"title":  "Patient summary assembled by ccg from a CDS Hooks request",
	}
	if len(sectionEntries) > 0 {
		comp["section"] = []any{map[string]any{"title": "Patient data of the CDS Hooks request", "entry": sectionEntries}}
	}
	ips := bundle("document", append([]map[string]any{comp}, clinical...), base)
	ips["identifier"] = map[string]any{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:" + req.hookInstance}
	ips["timestamp"] = now
	out := bundle("collection", top, base)
	out["entry"] = append(out["entry"].([]any), map[string]any{"fullUrl": "urn:uuid:" + req.hookInstance, "resource": ips})
	return out
}

func sameResource(a, b map[string]any) bool {
	return fj.Ref(a) == fj.Ref(b) && fj.ID(a) != ""
}

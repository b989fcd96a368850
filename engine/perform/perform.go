// Package perform is a Guideline Performer: it turns the recommended
// Actions of an Apply Guideline [QRPH-64] response into the normative
// Resulting Data of Volume 3 and adds them to the data-in Bundle for the
// next round, until the engine returns an empty RequestGroup.
//
// Resulting Data by CARD type (each references the present Encounter):
//
//	provide   CommunicationRequest      -> Communication (completed)
//	collect   Task (questionnaire)      -> Observation (final)
//	reqlab, reqrad, reqproc, reqref
//	          ServiceRequest            -> ServiceRequest (draft, intent order)
//	propdx    Task (propose diagnosis)  -> Condition (confirmed, active)
//	orderrx   MedicationRequest         -> MedicationRequest (active, intent order)
//	disprx    Task (dispense)           -> MedicationDispense (completed)
//	adminrx   Task (administer)         -> MedicationAdministration (completed)
//	reqvx     MedicationRequest         -> Immunization (completed)
//	stoprx    Task (stop)               -> the focus MedicationRequest, status stopped
//	stopsrv   Task (stop)               -> the focus ServiceRequest, status revoked
//
// Collect Information: the Observation's code is the Questionnaire item's
// code (else the Task's "code" input) and its value the item's first
// initial value; without one, a deterministic default by item type
// (boolean false, integer/decimal 0, quantity 0 in the item's unit,
// string/text "", choice/coding the first answerOption). Without a
// Questionnaire the Observation is recorded cancelled with
// dataAbsentReason asked-unknown.
package perform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cards"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/google/uuid"
)

// Resolver finds a definitional resource by canonical (the Questionnaire
// of a Collect Information Task); nil or an error means unavailable.
type Resolver func(ctx context.Context, canonical string) (map[string]any, error)

// Performer processes $apply responses.
type Performer struct {
	Resolve Resolver
	// Created, when set, is called by Loop for every new Resulting Data
	// resource (not for updates) before it is added to the data-in
	// Bundle; an error stops the loop.
	Created func(ctx context.Context, r Result) error
	// Now is the timestamp of the Resulting Data; nil means time.Now.
	Now func() time.Time
}

// Result is one Resulting Data resource.
type Result struct {
	// Request is the reference of the request processed ("Task/ad-x").
	Request string
	// Resource is the Resulting Data; Replaces tells that it updates a
	// resource already in the data-in Bundle (stop CARDs).
	Resource map[string]any
	Replaces bool
}

// Actions returns the requests the RequestGroup of an $apply Bundle
// recommends, in action order.
func Actions(resp map[string]any) (rg map[string]any, requests []map[string]any, err error) {
	entries := fj.Objs(resp, "entry")
	if len(entries) == 0 || fj.Type(fj.Obj(entries[0], "resource")) != "RequestGroup" {
		return nil, nil, errors.New("the $apply response does not start with a RequestGroup")
	}
	rg = fj.Obj(entries[0], "resource")
	byRef := map[string]map[string]any{}
	for _, e := range entries[1:] {
		r := fj.Obj(e, "resource")
		byRef[fj.Ref(r)] = r
		if u := fj.Str(e, "fullUrl"); u != "" {
			byRef[u] = r
		}
	}
	var walk func(actions []map[string]any)
	walk = func(actions []map[string]any) {
		for _, a := range actions {
			if ref := fj.Str(fj.Obj(a, "resource"), "reference"); ref != "" {
				if r := byRef[ref]; r != nil {
					requests = append(requests, r)
				}
			}
			walk(fj.Objs(a, "action"))
		}
	}
	walk(fj.Objs(rg, "action"))
	return rg, requests, nil
}

// Process makes the Resulting Data of every request of an $apply response.
func (p *Performer) Process(ctx context.Context, resp, data map[string]any, round int) ([]Result, error) {
	rg, reqs, err := Actions(resp)
	if err != nil {
		return nil, err
	}
	enc := fj.Str(fj.Obj(rg, "encounter"), "reference")
	subj := fj.Str(fj.Obj(rg, "subject"), "reference")
	var out []Result
	for _, r := range reqs {
		res, err := p.result(ctx, r, data, subj, enc, round)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fj.Ref(r), err)
		}
		out = append(out, res)
	}
	return out, nil
}

// stamp is the timestamp of Resulting Data: Now when set, else the
// present Encounter's start (so that runs are reproducible and the data
// fall within the encounter), else the wall clock.
func (p *Performer) stamp(data map[string]any, enc string) string {
	if p.Now != nil {
		return p.Now().UTC().Format(time.RFC3339)
	}
	if e := find(data, enc); e != nil {
		if s := fj.Str(fj.Obj(e, "period"), "start"); s != "" {
			return s
		}
	}
	return time.Now().UTC().Format(time.RFC3339)
}

func hasProfile(r map[string]any, suffix string) bool {
	for _, v := range fj.List(fj.Obj(r, "meta"), "profile") {
		if s, _ := v.(string); strings.HasSuffix(s, suffix) {
			return true
		}
	}
	return false
}

func taskCode(r map[string]any) string {
	for _, c := range fj.Objs(fj.Obj(r, "code"), "coding") {
		if fj.Str(c, "system") == cards.ActivityTypeSystem {
			return fj.Str(c, "code")
		}
	}
	return ""
}

func taskInput(r map[string]any, kind string) map[string]any {
	for _, in := range fj.Objs(r, "input") {
		if fj.Str(fj.Obj(in, "type"), "text") == kind {
			return in
		}
		for _, c := range fj.Objs(fj.Obj(in, "type"), "coding") {
			if fj.Str(c, "code") == kind {
				return in
			}
		}
	}
	return nil
}

func profile(name string) map[string]any {
	return map[string]any{"profile": []any{cards.CPG + name}}
}

func instantiates(r map[string]any) []any {
	if u := fj.Str(r, "instantiatesUri"); u != "" {
		return []any{u}
	}
	if l := fj.List(r, "instantiatesCanonical"); l != nil {
		return fj.Clone(l).([]any)
	}
	for _, x := range fj.Objs(r, "extension") {
		if strings.HasSuffix(fj.Str(x, "url"), "workflow-instantiatesCanonical") {
			return []any{fj.Str(x, "valueCanonical")}
		}
	}
	return nil
}

func (p *Performer) result(ctx context.Context, req, data map[string]any, subj, enc string, round int) (Result, error) {
	now := p.stamp(data, enc)
	id := func(typ string) string { return fmt.Sprintf("%s-%s-%d", strings.ToLower(typ), fj.ID(req), round) }
	subjRef, encRef := fj.Reference(subj), fj.Reference(enc)
	reqRef := fj.Reference(fj.Ref(req))
	res := Result{Request: fj.Ref(req)}
	switch fj.Type(req) {
	case "CommunicationRequest":
		c := map[string]any{"resourceType": "Communication", "id": id("Communication"), "meta": profile("cpg-communication"),
			"basedOn": []any{reqRef}, "status": "completed", "subject": subjRef, "encounter": encRef, "sent": now}
		if ic := instantiates(req); ic != nil {
			c["instantiatesCanonical"] = ic
		}
		for _, k := range []string{"category", "payload", "priority"} {
			if v, ok := req[k]; ok {
				c[k] = fj.Clone(v)
			}
		}
		// the request's category (the ActivityDefinition's code) is what
		// was communicated about
		if cats := fj.List(req, "category"); len(cats) > 0 {
			c["topic"] = fj.Clone(cats[0])
		}
		c["recipient"] = []any{subjRef}
		res.Resource = c
	case "ServiceRequest":
		s := fj.CloneObj(req)
		s["id"] = id("ServiceRequest")
		s["status"], s["intent"] = "draft", "order"
		s["encounter"], s["authoredOn"] = encRef, now
		delete(s, "basedOn")
		res.Resource = s
	case "MedicationRequest":
		if hasProfile(req, "cpg-immunizationrequest") {
			im := map[string]any{"resourceType": "Immunization", "id": id("Immunization"), "meta": profile("cpg-immunization"),
				"status": "completed", "patient": subjRef, "encounter": encRef, "occurrenceDateTime": now, "recorded": now}
			if v := fj.Obj(req, "medicationCodeableConcept"); v != nil {
				im["vaccineCode"] = fj.Clone(v)
			} else {
				im["vaccineCode"] = map[string]any{"text": "unspecified vaccine"}
			}
			res.Resource = im
			break
		}
		m := fj.CloneObj(req)
		m["id"] = id("MedicationRequest")
		m["status"], m["intent"] = "active", "order"
		m["encounter"], m["authoredOn"] = encRef, now
		delete(m, "basedOn")
		res.Resource = m
	case "Task":
		r, replaces, err := p.task(ctx, req, data, subjRef, encRef, now, id)
		if err != nil {
			return res, err
		}
		res.Resource, res.Replaces = r, replaces
	default:
		return res, fmt.Errorf("no Resulting Data is defined for a %s", fj.Type(req))
	}
	return res, nil
}

// firstInput is the first Task.input with a value of the given element.
func firstInput(req map[string]any, key string) map[string]any {
	for _, in := range fj.Objs(req, "input") {
		if _, ok := in[key]; ok {
			return in
		}
	}
	return nil
}

func medication(req map[string]any) map[string]any {
	in := taskInput(req, "medication")
	if in == nil {
		if in = firstInput(req, "valueCodeableConcept"); in == nil {
			in = firstInput(req, "valueReference")
		}
	}
	if in != nil {
		if v := fj.Obj(in, "valueCodeableConcept"); v != nil {
			return map[string]any{"medicationCodeableConcept": fj.Clone(v)}
		}
		if v := fj.Obj(in, "valueReference"); v != nil {
			return map[string]any{"medicationReference": fj.Clone(v)}
		}
	}
	return map[string]any{"medicationCodeableConcept": map[string]any{"text": "unspecified medication"}}
}

func (p *Performer) task(ctx context.Context, req, data, subjRef, encRef map[string]any, now string, id func(string) string) (map[string]any, bool, error) {
	focus := fj.Str(fj.Obj(req, "focus"), "reference")
	switch code := taskCode(req); code {
	case "collect-information":
		return p.observation(ctx, req, subjRef, encRef, now, id), false, nil
	case "propose-diagnosis":
		c := map[string]any{"resourceType": "Condition", "id": id("Condition"), "meta": profile("cpg-condition"),
			"clinicalStatus":     fj.Concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
			"verificationStatus": fj.Concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
			"subject":            subjRef, "encounter": encRef, "recordedDate": now}
		in := taskInput(req, "code")
		if in == nil {
			in = firstInput(req, "valueCodeableConcept")
		}
		if in != nil {
			c["code"] = fj.Clone(in["valueCodeableConcept"])
		}
		return c, false, nil
	case "dispense-medication":
		d := map[string]any{"resourceType": "MedicationDispense", "id": id("MedicationDispense"), "meta": profile("cpg-medicationdispense"),
			"status": "completed", "subject": subjRef, "context": encRef, "whenHandedOver": now}
		for k, v := range medication(req) {
			d[k] = v
		}
		if focus != "" {
			d["authorizingPrescription"] = []any{fj.Reference(focus)}
		}
		return d, false, nil
	case "administer-medication":
		a := map[string]any{"resourceType": "MedicationAdministration", "id": id("MedicationAdministration"), "meta": profile("cpg-medicationadministration"),
			"status": "completed", "subject": subjRef, "context": encRef, "effectiveDateTime": now}
		for k, v := range medication(req) {
			a[k] = v
		}
		if focus != "" {
			a["request"] = fj.Reference(focus)
		}
		return a, false, nil
	case "stop-activity":
		if focus == "" {
			return nil, false, errors.New("a stop Task needs a focus (the order to stop)")
		}
		target := find(data, focus)
		if target == nil {
			return nil, false, fmt.Errorf("the order to stop, %s, is not in the data-in Bundle", focus)
		}
		u := fj.CloneObj(target)
		switch fj.Type(u) {
		case "MedicationRequest":
			u["status"] = "stopped"
		case "ServiceRequest":
			u["status"] = "revoked"
		default:
			return nil, false, fmt.Errorf("cannot stop a %s", fj.Type(u))
		}
		u["encounter"], u["authoredOn"] = encRef, now
		return u, true, nil
	default:
		return nil, false, fmt.Errorf("no Resulting Data is defined for a Task with code %q", code)
	}
}

func (p *Performer) observation(ctx context.Context, req, subjRef, encRef map[string]any, now string, id func(string) string) map[string]any {
	o := map[string]any{"resourceType": "Observation", "id": id("Observation"), "meta": profile("cpg-observation"),
		"subject": subjRef, "encounter": encRef, "effectiveDateTime": now, "issued": now}
	if in := taskInput(req, "code"); in != nil {
		o["code"] = fj.Clone(in["valueCodeableConcept"])
	}
	var q map[string]any
	if in := taskInput(req, "questionnaire"); in != nil && p.Resolve != nil {
		q, _ = p.Resolve(ctx, fj.Str(in, "valueCanonical"))
	}
	var item map[string]any
	if q != nil {
		item = firstAnswerable(fj.Objs(q, "item"))
	}
	if item == nil {
		o["status"] = "cancelled"
		o["dataAbsentReason"] = fj.Concept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "asked-unknown", "Asked But Unknown")
		if _, ok := o["code"]; !ok {
			o["code"] = map[string]any{"text": "unknown"}
		}
		return o
	}
	if codes := fj.List(item, "code"); len(codes) > 0 {
		o["code"] = map[string]any{"coding": fj.Clone(codes)}
	}
	o["status"] = "final"
	k, v := answer(item)
	o[k] = v
	return o
}

func firstAnswerable(items []map[string]any) map[string]any {
	for _, it := range items {
		if fj.Str(it, "type") != "group" && fj.Str(it, "type") != "display" {
			return it
		}
		if sub := firstAnswerable(fj.Objs(it, "item")); sub != nil {
			return sub
		}
	}
	return nil
}

// answer is the deterministic answer of a Questionnaire item as an
// Observation value[x].
func answer(item map[string]any) (string, any) {
	for _, in := range fj.Objs(item, "initial") {
		for k, v := range in {
			if strings.HasPrefix(k, "value") {
				if k == "valueDecimal" || k == "valueInteger" {
					if fj.Str(item, "type") == "quantity" || unit(item) != nil {
						q := map[string]any{"value": v}
						for uk, uv := range unit(item) {
							q[uk] = uv
						}
						return "valueQuantity", q
					}
				}
				if k == "valueCoding" {
					return "valueCodeableConcept", map[string]any{"coding": []any{fj.Clone(v)}}
				}
				return k, fj.Clone(v)
			}
		}
	}
	switch fj.Str(item, "type") {
	case "boolean":
		return "valueBoolean", false
	case "integer":
		return "valueInteger", json.Number("0")
	case "decimal", "quantity":
		q := map[string]any{"value": json.Number("0")}
		for k, v := range unit(item) {
			q[k] = v
		}
		return "valueQuantity", q
	case "choice", "open-choice":
		for _, opt := range fj.Objs(item, "answerOption") {
			if c := fj.Obj(opt, "valueCoding"); c != nil {
				return "valueCodeableConcept", map[string]any{"coding": []any{fj.Clone(c)}}
			}
			if s := fj.Str(opt, "valueString"); s != "" {
				return "valueString", s
			}
		}
	case "date":
		return "valueDateTime", "1970-01-01"
	}
	return "valueString", ""
}

func unit(item map[string]any) map[string]any {
	for _, x := range fj.Objs(item, "extension") {
		if u := fj.Str(x, "url"); strings.HasSuffix(u, "questionnaire-unit") || strings.HasSuffix(u, "questionnaire-unitOption") {
			c := fj.Obj(x, "valueCoding")
			return map[string]any{"unit": firstNonEmpty(fj.Str(c, "display"), fj.Str(c, "code")), "system": fj.Str(c, "system"), "code": fj.Str(c, "code")}
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func find(data map[string]any, ref string) map[string]any {
	t, id, ok := fj.SplitRef(ref)
	if !ok {
		return nil
	}
	for _, e := range fj.Entries(data) {
		if fj.Type(e.Resource) == t && fj.ID(e.Resource) == id {
			return e.Resource
		}
	}
	return nil
}

// Add puts Resulting Data into the data-in Bundle: updates replace the
// resource of the same type and id wherever it is (the IPS document
// included); new resources are appended with a urn:uuid fullUrl.
func Add(data map[string]any, results []Result) {
	for _, r := range results {
		if r.Replaces && replace(data, r.Resource, 0) {
			continue
		}
		full := "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(fj.Ref(r.Resource))).String()
		data["entry"] = append(fj.List(data, "entry"), map[string]any{"fullUrl": full, "resource": r.Resource})
	}
}

func replace(b, r map[string]any, depth int) bool {
	done := false
	for _, e := range fj.Objs(b, "entry") {
		res := fj.Obj(e, "resource")
		if fj.Type(res) == fj.Type(r) && fj.ID(res) == fj.ID(r) {
			e["resource"] = fj.CloneObj(r)
			done = true
		} else if fj.Type(res) == "Bundle" && depth < 8 && replace(res, r, depth+1) {
			done = true
		}
	}
	return done
}

// ApplyFunc calls $apply with a data-in Bundle and returns the response
// Bundle.
type ApplyFunc func(ctx context.Context, data map[string]any) (map[string]any, error)

// Round is one iteration of the loop.
type Round struct {
	N        int
	Response map[string]any
	Results  []Result
}

// Loop calls apply, processes the recommended actions and calls again
// with the Resulting Data added, until the RequestGroup is empty (or
// maxRounds rounds ran: an error). each is called after every round.
func (p *Performer) Loop(ctx context.Context, apply ApplyFunc, data map[string]any, maxRounds int, each func(Round)) (map[string]any, error) {
	if maxRounds <= 0 {
		maxRounds = 20
	}
	data = fj.CloneObj(data)
	for n := 1; n <= maxRounds; n++ {
		resp, err := apply(ctx, data)
		if err != nil {
			return data, fmt.Errorf("round %d: %w", n, err)
		}
		results, err := p.Process(ctx, resp, data, n)
		if err != nil {
			return data, fmt.Errorf("round %d: %w", n, err)
		}
		if each != nil {
			each(Round{N: n, Response: resp, Results: results})
		}
		if len(results) == 0 {
			return data, nil
		}
		if p.Created != nil {
			for _, r := range results {
				if r.Replaces {
					continue
				}
				if err := p.Created(ctx, r); err != nil {
					return data, fmt.Errorf("round %d: %s: %w", n, fj.Ref(r.Resource), err)
				}
			}
		}
		Add(data, results)
	}
	return data, fmt.Errorf("the RequestGroup was still not empty after %d rounds", maxRounds)
}

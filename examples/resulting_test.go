package examples_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The normative Resulting Data of each CARD (IHE CCG Volume 3, "Normative
// Action and Resulting Data Formats"): what the Guideline Performer
// records after processing the CARD's action. Once it is in the data-in
// Bundle the CARD must fall silent. Each CARD lists every outcome the
// profile allows (done and not done); each one alone must silence it.

// dataIn is a decoded data-in Bundle under edit.
type dataIn struct {
	bundle    map[string]any
	patient   string // "Patient/id"
	encounter string // "Encounter/id"
	start     string // encounter period.start
	n         int
}

func parseDataIn(t *testing.T, b []byte) *dataIn {
	t.Helper()
	d := &dataIn{}
	if err := json.Unmarshal(b, &d.bundle); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.all() {
		switch str(r, "resourceType") {
		case "Patient":
			d.patient = "Patient/" + str(r, "id")
		case "Encounter":
			if str(r, "status") == "in-progress" {
				d.encounter = "Encounter/" + str(r, "id")
				d.start = str(obj(r["period"]), "start")
			}
		}
	}
	if d.patient == "" || d.encounter == "" || d.start == "" {
		t.Fatalf("data-in without patient or in-progress encounter")
	}
	return d
}

// all lists the resources of the Bundle and of the Bundles inside it.
func (d *dataIn) all() []map[string]any {
	var out []map[string]any
	var walk func(b map[string]any)
	walk = func(b map[string]any) {
		for _, e := range list(b, "entry") {
			r := obj(obj(e)["resource"])
			if r == nil {
				continue
			}
			out = append(out, r)
			if str(r, "resourceType") == "Bundle" {
				walk(r)
			}
		}
	}
	walk(d.bundle)
	return out
}

// add records a new resource of the present encounter.
func (d *dataIn) add(r map[string]any) {
	d.n++
	typ := str(r, "resourceType")
	r["id"] = fmt.Sprintf("result-%d", d.n)
	d.bundle["entry"] = append(list(d.bundle, "entry"), map[string]any{
		"fullUrl":  "https://ccg.example.org/fhir/" + typ + "/" + r["id"].(string),
		"resource": r,
	})
}

// update changes, in place, every resource of a type for which match holds
// (the "updated" MedicationRequest / ServiceRequest of the Stop CARDs).
func (d *dataIn) update(typ string, match func(map[string]any) bool, change func(map[string]any)) int {
	n := 0
	for _, r := range d.all() {
		if str(r, "resourceType") == typ && match(r) {
			change(r)
			n++
		}
	}
	return n
}

func (d *dataIn) bytes(t *testing.T) []byte {
	b, err := json.Marshal(d.bundle)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ref(s string) map[string]any { return map[string]any{"reference": s} }

func concept(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}}
}

func hasCode(cc any, codes ...string) bool {
	for _, c := range list(obj(cc), "coding") {
		for _, want := range codes {
			if str(obj(c), "code") == want {
				return true
			}
		}
	}
	return false
}

const (
	loinc  = "http://loinc.org"
	sct    = "http://snomed.info/sct"
	rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	cvx    = "http://hl7.org/fhir/sid/cvx"
	ucum   = "http://unitsofmeasure.org"
	topics = "https://ccg.example.org/fhir/CodeSystem/ccg-example-topics"
)

var notDoneReason = concept(sct, "183944003", "Procedure refused")

type outcome struct {
	name  string
	apply func(t *testing.T, d *dataIn)
}

func observation(code, display string, status string) outcome {
	return outcome{"Observation " + status, func(t *testing.T, d *dataIn) {
		o := map[string]any{"resourceType": "Observation", "status": status, "code": concept(loinc, code, display),
			"subject": ref(d.patient), "encounter": ref(d.encounter), "effectiveDateTime": d.start}
		if status == "final" {
			o["valueQuantity"] = map[string]any{"value": 126, "unit": "mmHg", "system": ucum, "code": "mm[Hg]"}
		} else {
			o["dataAbsentReason"] = concept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "asked-declined", "Asked But Declined")
		}
		d.add(o)
	}}
}

func serviceRequest(system, code, display, status string) outcome {
	return outcome{"ServiceRequest " + status, func(t *testing.T, d *dataIn) {
		d.add(map[string]any{"resourceType": "ServiceRequest", "status": status, "intent": "proposal",
			"code": concept(system, code, display), "subject": ref(d.patient), "encounter": ref(d.encounter), "authoredOn": d.start})
	}}
}

func condition(code, display, verification string) outcome {
	return outcome{"Condition " + verification, func(t *testing.T, d *dataIn) {
		d.add(map[string]any{"resourceType": "Condition",
			"verificationStatus": concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification, verification),
			"code":               concept(sct, code, display), "subject": ref(d.patient), "encounter": ref(d.encounter)})
	}}
}

func medicationRequest(code, display, status string) outcome {
	return outcome{"MedicationRequest " + status, func(t *testing.T, d *dataIn) {
		m := map[string]any{"resourceType": "MedicationRequest", "status": status, "intent": "order",
			"medicationCodeableConcept": concept(rxnorm, code, display), "subject": ref(d.patient), "encounter": ref(d.encounter), "authoredOn": d.start}
		if status == "cancelled" {
			m["statusReason"] = concept(sct, "183944003", "Procedure refused")
		}
		d.add(m)
	}}
}

// stop sets the active orders with one of codes to status (stopped or
// revoked), pointing them at the present encounter.
func stop(typ, status string, codes ...string) outcome {
	return outcome{typ + " " + status, func(t *testing.T, d *dataIn) {
		path := "code"
		if typ == "MedicationRequest" {
			path = "medicationCodeableConcept"
		}
		n := d.update(typ, func(r map[string]any) bool {
			return str(r, "status") == "active" && hasCode(r[path], codes...)
		}, func(r map[string]any) {
			r["status"] = status
			r["encounter"] = ref(d.encounter)
			r["authoredOn"] = d.start
		})
		if n == 0 {
			t.Fatalf("no active %s with codes %v to %s", typ, codes, status)
		}
	}}
}

var resultingData = map[string][]outcome{
	"htn-card-collect-sbp": {observation("8480-6", "Systolic blood pressure", "final"), observation("8480-6", "Systolic blood pressure", "cancelled")},
	"htn-card-propdx":      {condition("38341003", "Hypertensive disorder, systemic arterial", "confirmed"), condition("38341003", "Hypertensive disorder, systemic arterial", "entered-in-error")},
	"htn-card-orderrx":     {medicationRequest("197361", "amlodipine 5 MG Oral Tablet", "draft"), medicationRequest("197361", "amlodipine 5 MG Oral Tablet", "active"), medicationRequest("197361", "amlodipine 5 MG Oral Tablet", "cancelled")},
	"htn-card-reqlab":      {serviceRequest(loinc, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "draft"), serviceRequest(loinc, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "revoked")},
	"htn-card-reqproc":     {serviceRequest(sct, "29303009", "Electrocardiographic procedure", "draft"), serviceRequest(sct, "29303009", "Electrocardiographic procedure", "revoked")},
	"htn-card-reqrad":      {serviceRequest(sct, "306005", "Echography of kidney", "draft"), serviceRequest(sct, "306005", "Echography of kidney", "revoked")},
	"htn-card-reqref":      {serviceRequest(sct, "306206005", "Referral to service", "draft"), serviceRequest(sct, "306206005", "Referral to service", "revoked")},
	"htn-card-stoprx":      {stop("MedicationRequest", "stopped", "314076", "29046", "3827", "35296", "52175", "69749")},

	"t2d-card-propdx":  {condition("44054006", "Diabetes mellitus type 2", "confirmed"), condition("44054006", "Diabetes mellitus type 2", "entered-in-error")},
	"t2d-card-provide": {communication("completed"), communication("not-done")},
	"t2d-card-reqlab":  {serviceRequest(loinc, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "draft"), serviceRequest(loinc, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "revoked")},
	"t2d-card-orderrx": {medicationRequest("861007", "metformin hydrochloride 500 MG Oral Tablet", "draft"), medicationRequest("861007", "metformin hydrochloride 500 MG Oral Tablet", "cancelled")},
	"t2d-card-disprx":  {dispense("completed"), dispense("cancelled")},
	"t2d-card-stoprx":  {stop("MedicationRequest", "stopped", "861007", "6809")},
	"t2d-card-reqvx":   {immunization("150", "Influenza, injectable, quadrivalent, preservative free", "completed"), immunization("150", "Influenza, injectable, quadrivalent, preservative free", "not-done")},
	"t2d-card-pneumo":  {immunization("216", "Pneumococcal conjugate PCV 20", "completed"), immunization("216", "Pneumococcal conjugate PCV 20", "not-done")},
	"t2d-card-statin":  {medicationRequest("83367", "atorvastatin", "draft"), medicationRequest("83367", "atorvastatin", "active"), medicationRequest("83367", "atorvastatin", "cancelled")},
	"t2d-card-adminrx": {administration("completed"), administration("not-done")},
	"t2d-card-stopsrv": {stop("ServiceRequest", "revoked", "4548-4", "17856-6")},
}

func communication(status string) outcome {
	return outcome{"Communication " + status, func(t *testing.T, d *dataIn) {
		c := map[string]any{"resourceType": "Communication", "status": status, "topic": concept(topics, "diabetes-self-management", "Diabetes self-management education"),
			"subject": ref(d.patient), "encounter": ref(d.encounter)}
		if status == "not-done" {
			c["statusReason"] = notDoneReason
		}
		d.add(c)
	}}
}

func dispense(status string) outcome {
	return outcome{"MedicationDispense " + status, func(t *testing.T, d *dataIn) {
		m := map[string]any{"resourceType": "MedicationDispense", "status": status,
			"medicationCodeableConcept": concept(rxnorm, "861007", "metformin hydrochloride 500 MG Oral Tablet"),
			"subject":                   ref(d.patient), "context": ref(d.encounter)}
		if status == "cancelled" {
			m["statusReasonCodeableConcept"] = notDoneReason
		}
		d.add(m)
	}}
}

func immunization(code, display, status string) outcome {
	return outcome{"Immunization " + status, func(t *testing.T, d *dataIn) {
		i := map[string]any{"resourceType": "Immunization", "status": status,
			"vaccineCode": concept(cvx, code, display),
			"patient":     ref(d.patient), "encounter": ref(d.encounter), "occurrenceDateTime": d.start}
		if status == "not-done" {
			i["statusReason"] = concept("http://terminology.hl7.org/CodeSystem/v3-ActReason", "PATOBJ", "patient objection")
		}
		d.add(i)
	}}
}

func administration(status string) outcome {
	return outcome{"MedicationAdministration " + status, func(t *testing.T, d *dataIn) {
		a := map[string]any{"resourceType": "MedicationAdministration", "status": status,
			"medicationCodeableConcept": concept(rxnorm, "4850", "glucose"),
			"subject":                   ref(d.patient), "context": ref(d.encounter), "effectiveDateTime": d.start}
		if status == "not-done" {
			a["statusReason"] = []any{notDoneReason}
		}
		d.add(a)
	}}
}

// TestResultingDataSilencesCards adds each CARD's Resulting Data to every
// data-in Bundle the CARD fires for and checks that the CARD no longer
// fires while the other CARDs keep their answers (except for the next
// steps listed in followOn).
func TestResultingDataSilencesCards(t *testing.T) {
	// Resulting Data that, besides silencing its own CARD, moves the
	// patient to the next step of the guideline: a confirmed diagnosis
	// makes the CARDs for diagnosed patients applicable.
	followOn := map[string][]string{
		"hypertension/02-raised-readings/htn-card-propdx/Condition confirmed":    {"htn-card-orderrx", "htn-card-reqlab", "htn-card-reqproc"},
		"diabetes/01-high-hba1c-undiagnosed/t2d-card-propdx/Condition confirmed": {"t2d-card-pneumo", "t2d-card-provide", "t2d-card-reqvx", "t2d-card-statin"},
	}
	for _, name := range examples {
		ex := loadExample(t, name)
		for key, b := range dataInFiles(t, name) {
			for _, card := range wantFires[key] {
				outs, ok := resultingData[card]
				if !ok {
					t.Errorf("%s: no Resulting Data defined", card)
					continue
				}
				for _, o := range outs {
					t.Run(key+"/"+card+"/"+strings.ReplaceAll(o.name, " ", "-"), func(t *testing.T) {
						d := parseDataIn(t, b)
						o.apply(t, d)
						got := ex.firing(t, d.bytes(t))
						if contains(got, card) {
							t.Errorf("%s still fires after %s", card, o.name)
						}
						next := followOn[key+"/"+card+"/"+o.name]
						for _, other := range wantFires[key] {
							if other != card && !contains(got, other) {
								t.Errorf("%s stopped firing after the Resulting Data of %s (%s)", other, card, o.name)
							}
						}
						var started []string
						for _, g := range got {
							if !contains(wantFires[key], g) {
								started = append(started, g)
							}
						}
						if diff := cmp.Diff(next, started); diff != "" {
							t.Errorf("CARDs that started firing after the Resulting Data of %s (%s) (-want +got):\n%s", card, o.name, diff)
						}
					})
				}
			}
		}
	}
	for card := range resultingData {
		found := false
		for _, ids := range wantFires {
			found = found || contains(ids, card)
		}
		if !found {
			t.Errorf("resultingData lists %s, which fires for no patient", card)
		}
	}
}

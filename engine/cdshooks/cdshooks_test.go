package cdshooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/cdshooks"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func TestDiscovery(t *testing.T) {
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	svcs := services(t, srv.URL)
	want := map[string]string{
		"htn-folder":                   "patient-view", // a CCG Folder without triggers
		"cds-order-check-order-select": "order-select",
		"cds-order-check-order-sign":   "order-sign",
		"cds-encounter-start":          "encounter-start",
		"cds-patient-view":             "patient-view",
	}
	got := map[string]string{}
	for id, s := range svcs {
		got[id] = fj.Str(s, "hook")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("services (-want +got):\n%s", d) // the CARDs are parts of the Folder, not services
	}
	htn := svcs["htn-folder"]
	if fj.Str(htn, "title") != "Hypertension in adults (example CCG Folder)" || !strings.Contains(fj.Str(htn, "description"), "raised blood pressure") {
		t.Errorf("htn-folder title/description: %v", htn)
	}
	if !strings.Contains(fj.Str(htn, "usageRequirements"), "encounterId") {
		t.Errorf("htn-folder usageRequirements: %q", fj.Str(htn, "usageRequirements"))
	}
	// prefetch templates come from the CQL retrieves of the Folder's CARDs
	wantPrefetch := map[string]any{
		"patient": "Patient/{{context.patientId}}", "encounter": "Encounter/{{context.encounterId}}", "user": "{{context.userId}}",
		"conditions":         "Condition?patient={{context.patientId}}",
		"encounters":         "Encounter?patient={{context.patientId}}",
		"medicationRequests": "MedicationRequest?patient={{context.patientId}}",
		"observations":       "Observation?patient={{context.patientId}}",
		"procedures":         "Procedure?patient={{context.patientId}}",
		"serviceRequests":    "ServiceRequest?patient={{context.patientId}}",
	}
	if d := cmp.Diff(wantPrefetch, fj.Obj(htn, "prefetch")); d != "" {
		t.Errorf("htn-folder prefetch (-want +got):\n%s", d)
	}
	// every retrieve of Observation in the test library filters by a listed
	// code: the search asks for it
	if got := fj.Str(fj.Obj(svcs["cds-patient-view"], "prefetch"), "observations"); got != "Observation?patient={{context.patientId}}&code=http%3A%2F%2Floinc.org%7C2160-0" {
		t.Errorf("cds-patient-view observations template: %q", got)
	}
}

// ehrContext is the context of a hook call for an example patient.
func ehrContext(d *patientData) map[string]any {
	return map[string]any{"userId": "Practitioner/" + fj.ID(d.first("Practitioner")), "patientId": fj.ID(d.first("Patient")),
		"encounterId": fj.ID(d.first("Encounter"))}
}

func hookCall(hook string, ctx, prefetch map[string]any) map[string]any {
	m := map[string]any{"hook": hook, "hookInstance": uuid.NewString(), "context": ctx}
	if prefetch != nil {
		m["prefetch"] = prefetch
	}
	return m
}

// summaries are the card summaries and, per card, the types and actions
// its suggestions propose ("create Task").
func summaries(resp map[string]any) ([]string, [][]string) {
	var sums []string
	var acts [][]string
	for _, c := range fj.Objs(resp, "cards") {
		sums = append(sums, fj.Str(c, "summary"))
		var a []string
		for _, s := range fj.Objs(c, "suggestions") {
			for _, x := range fj.Objs(s, "actions") {
				a = append(a, fj.Str(x, "type")+" "+firstNonEmpty(fj.Type(fj.Obj(x, "resource")), fj.Str(x, "resourceId")))
			}
		}
		acts = append(acts, a)
	}
	return sums, acts
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// TestFolderPatientViewMatchesApply drives the hypertension Folder the way
// a CDS client does, with the prefetch its discovery asks for, for every
// example patient: the cards are the RequestGroup actions $apply gives
// for the example's data-in Bundle, and every card obeys the CDS Hooks
// field rules and every proposed resource is valid R4.
func TestFolderPatientViewMatchesApply(t *testing.T) {
	eng := newEngine(t)
	srv := newServer(t, eng, cdshooks.Config{})
	tmpl := fj.Obj(services(t, srv.URL)["htn-folder"], "prefetch")
	fired := 0
	for _, file := range examples(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			d := exampleData(t, file)
			ctx := ehrContext(d)
			status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx)))
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, resp)
			}
			checkResponse(t, resp)
			validateR4(t, resp)
			res, err := eng.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "htn-folder", Subject: "Patient/" + fj.Str(ctx, "patientId"),
				Encounter: "Encounter/" + fj.Str(ctx, "encounterId"), Data: readJSON(t, file)})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			var wantActs [][]string
			typeOf := map[string]string{} // fullUrl -> resource type
			for _, e := range fj.Objs(res.Bundle, "entry") {
				typeOf[fj.Str(e, "fullUrl")] = fj.Type(fj.Obj(e, "resource"))
			}
			for _, a := range fj.Objs(res.RequestGroup, "action") {
				want = append(want, fj.Str(a, "title"))
				typ := typeOf[fj.Str(fj.Obj(a, "resource"), "reference")]
				if typ == "Task" && strings.Contains(fj.Str(a, "title"), "Stop") {
					wantActs = append(wantActs, []string{"update MedicationRequest", "create Task"})
				} else {
					wantActs = append(wantActs, []string{"create " + typ})
				}
			}
			got, gotActs := summaries(resp)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("cards (-$apply's actions +CDS Hooks cards):\n%s", d)
			}
			if d := cmp.Diff(wantActs, gotActs); d != "" {
				t.Errorf("suggested actions (-want +got):\n%s", d)
			}
			fired += len(got)
		})
	}
	if fired == 0 {
		t.Error("no example fired a card: the comparison proves nothing")
	}
}

// TestPrefetchMissingFetchesFromFHIRServer: without a prefetch (or with a
// partial one) the service reads the rest from the client's FHIR server
// with the access token of fhirAuthorization, and answers as with the
// prefetch.
func TestPrefetchMissingFetchesFromFHIRServer(t *testing.T) {
	eng := newEngine(t)
	srv := newServer(t, eng, cdshooks.Config{})
	tmpl := fj.Obj(services(t, srv.URL)["htn-folder"], "prefetch")
	d := exampleData(t, "../../examples/hypertension/data-in/06-pregnant-on-acei.json")
	fhir := newFHIRServer(t, d)
	ctx := ehrContext(d)
	_, withPrefetch := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx)))
	wantSums, wantActs := summaries(withPrefetch)
	if len(wantSums) == 0 {
		t.Fatal("example 06 fires no card")
	}
	for _, tc := range []struct {
		name     string
		prefetch map[string]any
	}{
		{"no prefetch", nil},
		{"patient only", map[string]any{"patient": d.first("Patient"), "observations": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fhir.requests, fhir.auth = nil, nil
			call := hookCall("patient-view", ctx, tc.prefetch)
			call["fhirServer"] = fhir.URL + "/fhir"
			call["fhirAuthorization"] = map[string]any{"access_token": "ehr-token-1", "token_type": "Bearer", "expires_in": 300,
				"scope": "user/Patient.read user/Observation.read", "subject": "ccg"}
			status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", call)
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, resp)
			}
			checkResponse(t, resp)
			gotSums, gotActs := summaries(resp)
			if d := cmp.Diff(wantSums, gotSums); d != "" {
				t.Errorf("cards (-with prefetch +fetched):\n%s", d)
			}
			if d := cmp.Diff(wantActs, gotActs); d != "" {
				t.Errorf("actions (-with prefetch +fetched):\n%s", d)
			}
			want := len(tmpl)
			if tc.prefetch != nil {
				want-- // the patient came with the prefetch
			}
			if len(fhir.requests) != want {
				t.Errorf("FHIR server got %d requests, want %d: %v", len(fhir.requests), want, fhir.requests)
			}
			for i, a := range fhir.auth {
				if a != "Bearer ehr-token-1" {
					t.Errorf("request %s: Authorization %q", fhir.requests[i], a)
				}
				if tc.prefetch != nil && strings.HasPrefix(fhir.requests[i], "/fhir/Patient/") {
					t.Errorf("the patient was prefetched but read again: %s", fhir.requests[i])
				}
			}
		})
	}
}

// orderData is a patient with a draft lisinopril order.
func orderData() (*patientData, map[string]any) {
	d := &patientData{resources: []map[string]any{
		{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-02-03"},
		{"resourceType": "Practitioner", "id": "dr1", "name": []any{map[string]any{"family": "Osler"}}},
		{"resourceType": "Encounter", "id": "e1", "status": "in-progress", "class": map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
			"subject": map[string]any{"reference": "Patient/p1"}, "period": map[string]any{"start": "2026-11-21T09:00:00Z"}},
	}}
	draft := map[string]any{"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
		"medicationCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076", "display": "lisinopril 10 MG Oral Tablet"}}},
		"subject":                   map[string]any{"reference": "Patient/p1"}}
	return d, draft
}

// TestOrderHooks: order-select and order-sign with draftOrders: the draft
// ACE inhibitor order is to be deleted (a delete action naming it), and a
// creatinine test created; the urgent one is a warning.
func TestOrderHooks(t *testing.T) {
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	svcs := services(t, srv.URL)
	d, draft := orderData()
	for _, hook := range []string{"order-select", "order-sign"} {
		t.Run(hook, func(t *testing.T) {
			id := "cds-order-check-" + hook
			ctx := map[string]any{"userId": "Practitioner/dr1", "patientId": "p1", "encounterId": "e1",
				"draftOrders": map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{map[string]any{"resource": draft}}}}
			if hook == "order-select" {
				ctx["selections"] = []any{"MedicationRequest/draft-1"}
			}
			status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/"+id, hookCall(hook, ctx, d.prefetch(fj.Obj(svcs[id], "prefetch"), ctx)))
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, resp)
			}
			checkResponse(t, resp)
			validateR4(t, resp)
			sums, acts := summaries(resp)
			if d := cmp.Diff([]string{"Do not order an ACE inhibitor here", "Check renal function before an ACE inhibitor"}, sums); d != "" {
				t.Fatalf("cards (-want +got):\n%s", d)
			}
			if d := cmp.Diff([][]string{{"delete MedicationRequest/draft-1"}, {"create ServiceRequest"}}, acts); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
			cards := fj.Objs(resp, "cards")
			for i, want := range []string{"warning", "warning"} {
				if got := fj.Str(cards[i], "indicator"); got != want {
					t.Errorf("card %d indicator %q, want %q", i, got, want)
				}
			}
			src := fj.Obj(cards[0], "source")
			if fj.Str(src, "label") != "ccg tests" || fj.Str(src, "url") != "https://ccg.example.org/docs/cds-hooks-test" {
				t.Errorf("source: %v", src)
			}
			if l := fj.Objs(cards[0], "links"); len(l) != 1 || fj.Str(l[0], "label") != "Test guideline" {
				t.Errorf("links: %v", l)
			}
		})
	}
}

// TestEncounterStart: a group action becomes one card whose suggestions
// are its sub-actions (selectionBehavior at-most-one), and an action the
// PlanDefinition requires (requiredBehavior must) a system action.
func TestEncounterStart(t *testing.T) {
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	svcs := services(t, srv.URL)
	d, _ := orderData()
	ctx := map[string]any{"userId": "Practitioner/dr1", "patientId": "p1", "encounterId": "e1"}
	status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/cds-encounter-start", hookCall("encounter-start", ctx, d.prefetch(fj.Obj(svcs["cds-encounter-start"], "prefetch"), ctx)))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, resp)
	}
	checkResponse(t, resp)
	validateR4(t, resp)
	sums, acts := summaries(resp)
	if d := cmp.Diff([]string{"Baseline tests at the start of the encounter", "Record blood pressure at every adult encounter"}, sums); d != "" {
		t.Fatalf("cards (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"create ServiceRequest", "create ServiceRequest"}, nil}, acts); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	group := fj.Objs(resp, "cards")[0]
	if fj.Str(group, "selectionBehavior") != "at-most-one" {
		t.Errorf("selectionBehavior %q, want at-most-one", fj.Str(group, "selectionBehavior"))
	}
	var labels []string
	for _, s := range fj.Objs(group, "suggestions") {
		labels = append(labels, fj.Str(s, "label"))
	}
	if d := cmp.Diff([]string{"Measure serum creatinine", "Measure blood pressure"}, labels); d != "" {
		t.Errorf("suggestion labels (-want +got):\n%s", d)
	}
	sys := fj.Objs(resp, "systemActions")
	if len(sys) != 1 || fj.Str(sys[0], "type") != "create" || fj.Type(fj.Obj(sys[0], "resource")) != "ServiceRequest" {
		t.Errorf("systemActions: %v", sys)
	}
}

// TestPatientViewGeneric: a generic PlanDefinition's card fires without a
// creatinine result and not with one (an empty cards array).
func TestPatientViewGeneric(t *testing.T) {
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	tmpl := fj.Obj(services(t, srv.URL)["cds-patient-view"], "prefetch")
	d, _ := orderData()
	ctx := map[string]any{"userId": "Practitioner/dr1", "patientId": "p1"} // no encounter: patient-view's is optional
	status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/cds-patient-view", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx)))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, resp)
	}
	checkResponse(t, resp)
	validateR4(t, resp)
	if sums, _ := summaries(resp); !cmp.Equal(sums, []string{"Check renal function"}) {
		t.Errorf("cards: %v", sums)
	}
	d.resources = append(d.resources, map[string]any{"resourceType": "Observation", "id": "cr1", "status": "final",
		"code":    map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "2160-0"}}},
		"subject": map[string]any{"reference": "Patient/p1"}, "valueQuantity": map[string]any{"value": 0.9, "unit": "mg/dL"}})
	status, resp = do(t, http.MethodPost, srv.URL+"/cds-services/cds-patient-view", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx)))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, resp)
	}
	checkResponse(t, resp)
	if cards, ok := resp["cards"].([]any); !ok || len(cards) != 0 {
		t.Errorf("with a creatinine result: cards %v, want []", resp["cards"])
	}
}

// TestErrors: malformed calls are 400, unknown services 404, data that
// cannot be had 412; each a JSON object with an error message and no card.
func TestErrors(t *testing.T) {
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	tmpl := fj.Obj(services(t, srv.URL)["htn-folder"], "prefetch")
	d := exampleData(t, "../../examples/hypertension/data-in/03-untreated.json")
	ctx := ehrContext(d)
	good := func() map[string]any { return hookCall("patient-view", fj.CloneObj(ctx), d.prefetch(tmpl, ctx)) }
	with := func(f func(m map[string]any)) map[string]any { m := good(); f(m); return m }
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(failing.Close)
	cases := []struct {
		name    string
		path    string
		body    any
		status  int
		message string
	}{
		{"bad JSON", "htn-folder", []byte(`{"hook": "patient-view",`), 400, "not a JSON object"},
		{"not an object", "htn-folder", []byte(`[1, 2]`), 400, "not a JSON object"},
		{"unknown service", "no-such-service", good(), 404, "no CDS service"},
		{"a CARD is not a service", "htn-card-stoprx", good(), 404, "no CDS service"},
		{"wrong hook", "htn-folder", with(func(m map[string]any) { m["hook"] = "order-sign" }), 400, "answers the patient-view hook"},
		{"no hook", "htn-folder", with(func(m map[string]any) { delete(m, "hook") }), 400, "hook is required"},
		{"hookInstance not a UUID", "htn-folder", with(func(m map[string]any) { m["hookInstance"] = "x" }), 400, "hookInstance must be a UUID"},
		{"no context", "htn-folder", with(func(m map[string]any) { delete(m, "context") }), 400, "context is required"},
		{"no patientId", "htn-folder", with(func(m map[string]any) {
			m["context"] = map[string]any{"userId": "Practitioner/x", "encounterId": "e"}
		}), 400, "context.patientId is required"},
		{"patientId not a string", "htn-folder", with(func(m map[string]any) { m["context"].(map[string]any)["patientId"] = 7 }), 400, "context.patientId must be a string"},
		{"Folder without encounter", "htn-folder", with(func(m map[string]any) {
			m["context"] = map[string]any{"userId": "Practitioner/x", "patientId": "p"}
		}), 400, "context.encounterId is required"},
		{"order-sign without draftOrders", "cds-order-check-order-sign", hookCall("order-sign", map[string]any{"userId": "Practitioner/dr1", "patientId": "p1"}, nil), 400, "context.draftOrders is required"},
		{"selection not a draft order", "cds-order-check-order-select", hookCall("order-select", map[string]any{"userId": "Practitioner/dr1", "patientId": "p1",
			"selections": []any{"MedicationRequest/x"}, "draftOrders": map[string]any{"resourceType": "Bundle", "type": "collection"}}, nil), 400, "not a draft order"},
		{"fhirAuthorization without fhirServer", "htn-folder", with(func(m map[string]any) {
			m["fhirAuthorization"] = map[string]any{"access_token": "t", "token_type": "Bearer"}
		}), 400, "fhirAuthorization needs fhirServer"},
		{"token over plain http", "htn-folder", with(func(m map[string]any) {
			m["fhirServer"] = "http://ehr.example.org/fhir"
			m["fhirAuthorization"] = map[string]any{"access_token": "t", "token_type": "Bearer"}
		}), 400, "only sent over https"},
		{"prefetch missing, no fhirServer", "htn-folder", with(func(m map[string]any) { delete(m["prefetch"].(map[string]any), "observations") }), 412, "prefetch lacks observations"},
		{"FHIR server failing", "htn-folder", with(func(m map[string]any) {
			delete(m, "prefetch")
			m["fhirServer"] = failing.URL
		}), 412, "500 Internal Server Error"},
		{"patient missing", "htn-folder", with(func(m map[string]any) {
			m["prefetch"].(map[string]any)["patient"] = nil
			m["fhirServer"] = newFHIRServer(t, &patientData{}).URL
		}), 412, "neither in the prefetch nor on the fhirServer"},
		{"data not CCG data-in", "htn-folder", with(func(m map[string]any) {
			enc := fj.CloneObj(d.first("Encounter"))
			enc["status"] = "finished"
			m["prefetch"].(map[string]any)["encounter"] = enc
		}), 412, "must be in-progress"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/"+tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, resp)
			}
			if _, hasCards := resp["cards"]; hasCards || len(resp) != 1 || !strings.Contains(fj.Str(resp, "error"), tc.message) {
				t.Errorf("answer %v, want only an error containing %q", resp, tc.message)
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	srv := newServer(t, newEngine(t), cdshooks.Config{Logger: zap.New(core)})
	card, sugg := uuid.NewString(), uuid.NewString()
	good := map[string]any{"feedback": []any{
		map[string]any{"card": card, "outcome": "accepted", "acceptedSuggestions": []any{map[string]any{"id": sugg}}, "outcomeTimestamp": "2026-11-21T12:01:00Z"},
		map[string]any{"card": uuid.NewString(), "outcome": "overridden", "outcomeTimestamp": "2026-11-21T12:02:00Z",
			"overrideReason": map[string]any{"reason": map[string]any{"code": "patient-refused", "system": "http://example.org/reasons", "display": "Patient refused"}}},
	}}
	if status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder/feedback", good); status != http.StatusOK {
		t.Fatalf("feedback: %d %v", status, resp)
	}
	entries := logs.FilterMessage("CDS Hooks feedback").All()
	if len(entries) != 2 {
		t.Fatalf("%d feedback log entries, want 2", len(entries))
	}
	f := entries[0].ContextMap()
	if f["card"] != card || f["outcome"] != "accepted" || f["service"] != "htn-folder" {
		t.Errorf("logged %v", f)
	}
	if r := entries[1].ContextMap()["overrideReason"]; r != "patient-refused" {
		t.Errorf("override reason logged as %v", r)
	}
	for _, tc := range []struct {
		path   string
		body   any
		status int
	}{
		{"htn-folder/feedback", []byte(`{`), 400},
		{"htn-folder/feedback", map[string]any{"feedback": []any{map[string]any{"card": card, "outcome": "liked", "outcomeTimestamp": "2026-11-21T12:01:00Z"}}}, 400},
		{"htn-folder/feedback", map[string]any{"feedback": []any{map[string]any{"card": card, "outcome": "accepted", "outcomeTimestamp": "2026-11-21T12:01:00Z"}}}, 400},
		{"nope/feedback", good, 404},
	} {
		if status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/"+tc.path, tc.body); status != tc.status || fj.Str(resp, "error") == "" {
			t.Errorf("%s %v: %d %v, want %d with an error", tc.path, tc.body, status, resp, tc.status)
		}
	}
}

// TestAudited: a call is audited as $apply is, a submission before it is
// evaluated and a response after (naming the CARDs that fired), also
// when the call is refused.
func TestAudited(t *testing.T) {
	st, err := audit.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := newServer(t, newEngine(t), cdshooks.Config{Audit: st, Software: "ccg-test"})
	tmpl := fj.Obj(services(t, srv.URL)["htn-folder"], "prefetch")
	d := exampleData(t, "../../examples/hypertension/data-in/06-pregnant-on-acei.json")
	ctx := ehrContext(d)
	if status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx))); status != http.StatusOK {
		t.Fatalf("%d %v", status, resp)
	}
	bad := hookCall("patient-view", map[string]any{"userId": "Practitioner/x", "patientId": fj.Str(ctx, "patientId")}, nil)
	if status, _ := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", bad); status != http.StatusBadRequest {
		t.Fatalf("bad call: %d", status)
	}
	recs, err := st.Search(context.Background(), audit.Query{Patient: "Patient/" + fj.Str(ctx, "patientId")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(recs) - 1; i >= 0; i-- { // oldest first
		r := recs[i]
		got = append(got, r.Kind+" "+r.Outcome)
		desc := fj.Str(r.Resource, "outcomeDesc")
		if r.Kind == audit.KindSubmission && !strings.Contains(desc, "htn-folder") {
			t.Errorf("submission outcomeDesc %q does not name the Folder", desc)
		}
		if i == len(recs)-2 && !strings.Contains(desc, "htn-card-stoprx") {
			t.Errorf("response outcomeDesc %q does not name the CARD that fired", desc)
		}
	}
	want := []string{"submission 0", "response 0", "submission 0", "response 4"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("audit events (-want +got):\n%s", d)
	}
}

// TestFetchBounds: reads from the client's FHIR server follow a search's
// next pages on that server, and are bounded in size and time (412).
func TestFetchBounds(t *testing.T) {
	d := exampleData(t, "../../examples/hypertension/data-in/06-pregnant-on-acei.json")
	ctx := ehrContext(d)
	// the Observations come in pages of one
	var obs []any
	for _, r := range d.resources {
		if fj.Type(r) == "Observation" {
			obs = append(obs, r)
		}
	}
	if len(obs) < 2 {
		t.Fatal("example 06 has fewer than two Observations")
	}
	var pages atomic.Int32
	fhir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := d.answer(r.URL.RequestURI())
		if r.URL.Path == "/Observation" {
			pages.Add(1)
			i, _ := strconv.Atoi(r.URL.Query().Get("page"))
			res = map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"resource": obs[i]}}}
			if i+1 < len(obs) {
				res["link"] = []any{map[string]any{"relation": "next", "url": "http://" + r.Host + "/Observation?patient=x&page=" + strconv.Itoa(i+1)}}
			}
		}
		if res == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		raw, _ := fj.MarshalCompact(res)
		w.Write(raw)
	}))
	t.Cleanup(fhir.Close)
	srv := newServer(t, newEngine(t), cdshooks.Config{})
	call := hookCall("patient-view", ctx, nil)
	call["fhirServer"] = fhir.URL
	_, paged := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", call)
	tmpl := fj.Obj(services(t, srv.URL)["htn-folder"], "prefetch")
	_, whole := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", hookCall("patient-view", ctx, d.prefetch(tmpl, ctx)))
	gotSums, _ := summaries(paged)
	wantSums, _ := summaries(whole)
	if int(pages.Load()) != len(obs) || len(wantSums) == 0 || !cmp.Equal(gotSums, wantSums) {
		t.Errorf("paged search: %d pages read (want %d), cards %v, want %v", pages.Load(), len(obs), gotSums, wantSums)
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	for _, tc := range []struct {
		name    string
		cfg     cdshooks.Config
		server  string
		message string
	}{
		{"answer too large", cdshooks.Config{MaxFetchBytes: 64}, fhir.URL, "larger than 64 bytes"},
		{"server too slow", cdshooks.Config{FetchTimeout: 50 * time.Millisecond}, slow.URL, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, newEngine(t), tc.cfg)
			call := hookCall("patient-view", ctx, nil)
			call["fhirServer"] = tc.server
			status, resp := do(t, http.MethodPost, srv.URL+"/cds-services/htn-folder", call)
			if status != http.StatusPreconditionFailed || !strings.Contains(fj.Str(resp, "error"), tc.message) {
				t.Errorf("%d %v, want 412 naming %q", status, resp, tc.message)
			}
		})
	}
}

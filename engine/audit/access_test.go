package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// TestAccessEventIsR4 decodes access events with the R4 model, refusing
// unknown elements, and checks the elements R4 requires.
func TestAccessEventIsR4(t *testing.T) {
	for _, a := range []*Access{
		{Recorded: time.Now(), Interaction: "operation", Action: "E", Outcome: OutcomeMinor, OutcomeDesc: "401 no token",
			Address: "10.0.0.1", Observer: "ccg/test", Method: "POST", Path: "/$cql"},
		{Recorded: time.Now(), Interaction: "search-type", Action: "R", Subject: "svc", Issuer: "ccg", ClientID: "c1",
			Observer: "ccg/test", Method: "GET", Path: "/AuditEvent", Query: "patient=Patient/p1", Patient: "Patient/p1"},
		{Recorded: time.Now(), Interaction: "read", Action: "R", Subject: "svc", Issuer: "https://idp", Observer: "ccg/test",
			Method: "GET", Path: "/AuditEvent/x", Resource: "AuditEvent/x", Outcome: OutcomeSerious},
	} {
		b, err := json.Marshal(a.AuditEvent())
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var ev struct {
			fhir.AuditEvent
			ResourceType string `json:"resourceType"`
		}
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("not an R4 AuditEvent: %v\n%s", err, b)
		}
		if ev.ResourceType != "AuditEvent" || ev.Type.Code == nil || ev.Recorded == "" || len(ev.Agent) != 2 || ev.Source.Observer.Display == nil {
			t.Errorf("required elements missing: %s", b)
		}
		for _, ag := range ev.Agent {
			if ag.Requestor == false && ag.Who == nil {
				t.Errorf("agent without who: %s", b)
			}
		}
		for _, e := range ev.Entity {
			if e.What == nil && e.Query == nil {
				t.Errorf("entity without what or query: %s", b)
			}
		}
		if ev.Outcome == nil || ev.Action == nil {
			t.Errorf("outcome or action missing: %s", b)
		}
	}
}

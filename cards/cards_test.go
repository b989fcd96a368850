package cards

import (
	"testing"

	"github.com/ccg-project/ccg/cards/validate"
)

func TestTable(t *testing.T) {
	if len(All()) != 13 {
		t.Fatalf("%d CARD types", len(All()))
	}
	for code := range validate.CardTypes {
		ct, ok := Lookup(code)
		if !ok {
			t.Errorf("%s: not in the table", code)
			continue
		}
		if ct.Request == "" || ct.Profile == "" || ct.Result == "" || ct.ResultProfile == "" {
			t.Errorf("%s: incomplete %+v", code, ct)
		}
		if (ct.Request == "Task") != (ct.TaskCode != "") {
			t.Errorf("%s: Task CARDs and only they have a Task code", code)
		}
	}
	want := map[string][2]string{
		"provide": {"CommunicationRequest", "Communication"}, "collect": {"Task", "Observation"},
		"reqlab": {"ServiceRequest", "ServiceRequest"}, "propdx": {"Task", "Condition"},
		"orderrx": {"MedicationRequest", "MedicationRequest"}, "disprx": {"Task", "MedicationDispense"},
		"adminrx": {"Task", "MedicationAdministration"}, "reqvx": {"MedicationRequest", "Immunization"},
		"stoprx": {"Task", "MedicationRequest"}, "stopsrv": {"Task", "ServiceRequest"},
	}
	// The four "Request a Service" types and only they carry a category;
	// a procedure order is any procedure, not surgery (a blood pressure
	// measurement is a reqproc).
	cats := map[string]string{"reqlab": "Laboratory procedure", "reqrad": "Imaging", "reqproc": "Procedure", "reqref": "Patient referral"}
	for _, ct := range All() {
		code, display := ct.ServiceCategory()
		if display != cats[ct.Code] || (code == "") != (display == "") {
			t.Errorf("%s: category %s %q, want %q", ct.Code, code, display, cats[ct.Code])
		}
	}
	for code, w := range want {
		ct, _ := Lookup(code)
		if ct.Request != w[0] || ct.Result != w[1] {
			t.Errorf("%s: %s -> %s, want %s -> %s", code, ct.Request, ct.Result, w[0], w[1])
		}
	}
}

func TestOfActivity(t *testing.T) {
	ad := map[string]any{"topic": []any{map[string]any{"coding": []any{
		map[string]any{"system": "http://other", "code": "x"},
		map[string]any{"system": "http://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs", "code": "reqvx"}}}}}
	ct, ok := OfActivity(ad)
	if !ok || ct.Code != "reqvx" || ct.Profile != CPG+"cpg-immunizationrequest" {
		t.Errorf("OfActivity = %+v %v", ct, ok)
	}
	if _, ok := OfActivity(map[string]any{}); ok {
		t.Error("an ActivityDefinition without topic has a CARD type")
	}
}

package cdshooks_test

import (
	"fmt"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// validateR4 checks every FHIR resource a response proposes (suggestion
// and system actions) with an independent R4 validator, google/fhir's
// validating JSON parser.
func validateR4(t testing.TB, resp map[string]any) {
	t.Helper()
	for _, e := range r4Errors(t, resp) {
		t.Error(e)
	}
}

func r4Errors(t testing.TB, resp map[string]any) []string {
	t.Helper()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	var actions []map[string]any
	for _, c := range fj.Objs(resp, "cards") {
		for _, s := range fj.Objs(c, "suggestions") {
			actions = append(actions, fj.Objs(s, "actions")...)
		}
	}
	actions = append(actions, fj.Objs(resp, "systemActions")...)
	for _, a := range actions {
		r := fj.Obj(a, "resource")
		if r == nil {
			continue
		}
		b, err := fj.MarshalCompact(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.UnmarshalR4(b); err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s action) is not valid R4: %v", fj.Ref(r), fj.Str(a, "type"), err))
		}
	}
	return errs
}

// TestR4ValidatorRefuses: the validator the tests rely on refuses what is
// not R4 (a Task without status and intent, a ServiceRequest based on a
// RequestGroup).
func TestR4ValidatorRefuses(t *testing.T) {
	action := func(r map[string]any) map[string]any {
		return map[string]any{"systemActions": []any{map[string]any{"type": "create", "description": "d", "resource": r}}}
	}
	for _, r := range []map[string]any{
		{"resourceType": "Task", "id": "t"},
		{"resourceType": "ServiceRequest", "id": "s", "status": "draft", "intent": "proposal", "subject": map[string]any{"reference": "Patient/p"},
			"basedOn": []any{map[string]any{"reference": "RequestGroup/rg"}}},
	} {
		if errs := r4Errors(t, action(r)); len(errs) == 0 {
			t.Errorf("%s/%s passes the validator", r["resourceType"], r["id"])
		}
	}
}

package fhir

import (
	"testing"

	"github.com/ccg-project/ccg/cql/value"
)

func TestNewInstance(t *testing.T) {
	m := R4()
	mk := func(typ string, kv ...any) value.Value {
		t.Helper()
		var names []string
		var vals []value.Value
		for i := 0; i < len(kv); i += 2 {
			names = append(names, kv[i].(string))
			if kv[i+1] == nil {
				vals = append(vals, nil)
			} else {
				vals = append(vals, kv[i+1].(value.Value))
			}
		}
		v, err := m.NewInstance(mustType(t, m, typ), names, vals)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		return v
	}
	id := mk("id", "value", value.String("o-1"))
	status := mk("ObservationStatus", "value", value.String("final"))
	canon := mk("canonical", "value", value.String("http://x/sd"))
	ext := mk("Extension", "url", value.String("http://x/ext"), "value", canon)
	coding := mk("Coding", "system", mk("uri", "value", value.String("http://loinc.org")), "code", mk("code", "value", value.String("29463-7")))
	cc := mk("CodeableConcept", "coding", value.List{Elems: []value.Value{coding}})
	eff := mk("dateTime", "value", value.DateTime{Year: 2024, Month: 2, Day: 3, Hour: 4, Minute: 5, Second: 6, HasOffset: true, Precision: value.Second})
	obs := mk("Observation", "id", id, "extension", value.List{Elems: []value.Value{ext}}, "status", status, "code", cc, "effective", eff, "issued", nil).(*Node)
	got := obs.String()
	want := `{"code":{"coding":[{"code":"29463-7","system":"http://loinc.org"}]},"effectiveDateTime":"2024-02-03T04:05:06Z","extension":[{"url":"http://x/ext","valueCanonical":"http://x/sd"}],"id":"o-1","resourceType":"Observation","status":"final"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Round trip through navigation.
	if v, err := obs.Get("status.value"); err != nil || v != value.String("final") {
		t.Errorf("status.value = %v %v", v, err)
	}
	if v, err := obs.Get("effective"); err != nil || v.(*Node).TypeName() != "dateTime" {
		t.Errorf("effective = %v %v", v, err)
	}
	if _, err := m.NewInstance(mustType(t, m, "Observation"), []string{"nosuch"}, []value.Value{value.String("x")}); err == nil {
		t.Errorf("unknown element accepted")
	}
	if _, err := m.NewInstance(mustType(t, m, "Observation"), []string{"value"}, []value.Value{value.String("x")}); err == nil {
		t.Errorf("System value in a choice accepted")
	}
}

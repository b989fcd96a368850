package fhirjson

import (
	"encoding/json"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	src := `{"id":"x","resourceType":"Patient","a":[1,2.50,"q\"uote","é\n",true,null,{}],"b":{"z":1,"m":[]}}`
	v, err := Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarshalCompact(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"resourceType":"Patient","id":"x","a":[1,2.50,"q\"uote","é\n",true,null,{}],"b":{"m":[],"z":1}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not valid JSON")
	}
	ind, _ := Marshal(v)
	var a, b any
	json.Unmarshal(ind, &a)
	json.Unmarshal(got, &b)
	if !json.Valid(ind) {
		t.Error("indented form is not valid JSON")
	}
}

func TestSplitRef(t *testing.T) {
	for in, want := range map[string]string{"Patient/p1": "Patient p1", "http://x/fhir/Encounter/e1/_history/2": "Encounter e1",
		"http://x/PlanDefinition/a|1.0": "PlanDefinition a", "p1": " ", "urn:uuid:1": " "} {
		typ, id, _ := SplitRef(in)
		if typ+" "+id != want {
			t.Errorf("SplitRef(%q) = %q %q", in, typ, id)
		}
	}
}

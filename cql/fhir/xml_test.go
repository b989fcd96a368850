package fhir

import (
	"encoding/json"
	"testing"

	"github.com/ccg-project/ccg/cql/value"
	"github.com/google/go-cmp/cmp"
)

func TestXMLResource(t *testing.T) {
	src := `<?xml version="1.0" encoding="UTF-8"?>
<Observation xmlns="http://hl7.org/fhir">
  <id value="o1"/>
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Hb</p></div></text>
  <status value="final"><extension url="http://x"><valueString value="why"/></extension></status>
  <category><text value="a"/></category>
  <category><text value="b"/></category>
  <code><coding><system value="http://loinc.org"/><code value="718-7"/></coding></code>
  <subject><reference value="Patient/p1"/></subject>
  <effectiveDateTime value="2024-01-02T03:04:05Z"/>
  <valueQuantity><value value="10.50"/><unit value="g/dL"/></valueQuantity>
  <component><code><text value="c"/></code><valueBoolean value="true"/></component>
</Observation>`
	obj, err := R4().DecodeXML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(obj)
	want := `{"_status":{"extension":[{"url":"http://x","valueString":"why"}]},"category":[{"text":"a"},{"text":"b"}],"code":{"coding":[{"code":"718-7","system":"http://loinc.org"}]},"component":[{"code":{"text":"c"},"valueBoolean":true}],"effectiveDateTime":"2024-01-02T03:04:05Z","id":"o1","resourceType":"Observation","status":"final","subject":{"reference":"Patient/p1"},"text":{"div":"\u003cdiv xmlns=\"http://www.w3.org/1999/xhtml\"\u003e\u003cp\u003eHb\u003c/p\u003e\u003c/div\u003e","status":"generated"},"valueQuantity":{"unit":"g/dL","value":10.50}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Error(diff)
	}
	n, err := R4().ParseXMLResource([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := n.Get("value.value"); err != nil || v.(interface{ String() string }).String() != "10.50" {
		t.Errorf("value = %v %v", v, err)
	}
	bundle := `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Patient><id value="p"/><birthDate value="2000-01-01"/></Patient></resource></entry></Bundle>`
	b, err := R4().ParseXMLResource([]byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.Get("entry.resource.birthDate.value")
	if l, ok := v.(value.List); err != nil || !ok || len(l.Elems) != 1 || l.Elems[0] != (value.Date{Year: 2000, Month: 1, Day: 1, Precision: value.Day}) {
		t.Errorf("nested resource: %v %v", v, err)
	}
	if n, err := R4().ParseXMLResource([]byte(`<Patient xmlns="http://hl7.org/fhir"><id value="x"/><bogus value="1"><a/></bogus><active value="true"/></Patient>`)); err != nil {
		t.Errorf("unknown elements are skipped: %v", err)
	} else if v, _ := n.Get("active.value"); v != value.Boolean(true) {
		t.Errorf("active after an unknown element = %v", v)
	}
	for _, bad := range []string{`<Nope xmlns="http://hl7.org/fhir"/>`, `<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/></Patient>`, `<Patient`, ``} {
		if _, err := R4().ParseXMLResource([]byte(bad)); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
}

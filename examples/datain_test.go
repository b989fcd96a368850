package examples_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/engine/datain"
)

// TestDataInBundles holds every data-in file to the CCG_DataIn_Bundle
// shape (checked by the engine's own data-in validator as well): one
// patient, an in-progress Encounter, an IPS document with the Composition
// first and a CarePlan that leads, through the Patient Plans, to the
// example's Folder; and everything recorded in the present encounter
// references it.
func TestDataInBundles(t *testing.T) {
	for _, name := range examples {
		ex := loadExample(t, name)
		folderURL := str(ex.folder, "url")
		for key, raw := range dataInFiles(t, name) {
			t.Run(key, func(t *testing.T) {
				var b map[string]any
				if err := json.Unmarshal(raw, &b); err != nil {
					t.Fatal(err)
				}
				if str(b, "type") != "collection" {
					t.Errorf("Bundle.type %q, want collection", str(b, "type"))
				}
				d := parseDataIn(t, raw)
				if _, issues := datain.Check(b, d.patient, d.encounter, datain.Options{}); len(issues) > 0 {
					for _, is := range issues {
						t.Errorf("data-in check: %s (%s)", is, is.Severity)
					}
				}
				byRef := map[string]map[string]any{}
				patients := map[string]bool{}
				var docs []map[string]any
				for _, r := range d.all() {
					byRef[str(r, "resourceType")+"/"+str(r, "id")] = r
					switch str(r, "resourceType") {
					case "Patient":
						patients[str(r, "id")] = true
					case "Bundle":
						if str(r, "type") == "document" {
							docs = append(docs, r)
						}
					}
				}
				if len(patients) != 1 {
					t.Errorf("%d patients, want 1", len(patients))
				}
				if len(docs) != 1 {
					t.Fatalf("%d IPS documents, want 1", len(docs))
				}
				ips := list(docs[0], "entry")
				if len(ips) == 0 || str(obj(obj(ips[0])["resource"]), "resourceType") != "Composition" {
					t.Errorf("the IPS document does not start with a Composition")
				}
				enc := byRef[d.encounter]
				if p := obj(enc["period"]); str(p, "end") != "" {
					t.Errorf("the in-progress Encounter has an end")
				}
				// Every entry has a fullUrl.
				var walk func(m map[string]any)
				walk = func(m map[string]any) {
					for _, e := range list(m, "entry") {
						if str(obj(e), "fullUrl") == "" {
							t.Errorf("entry without fullUrl: %s", label(obj(obj(e)["resource"])))
						}
						if r := obj(obj(e)["resource"]); str(r, "resourceType") == "Bundle" {
							walk(r)
						}
					}
				}
				walk(b)
				// CarePlan -> Patient Plans -> Folder.
				found := false
				for _, r := range d.all() {
					if str(r, "resourceType") != "CarePlan" {
						continue
					}
					for _, a := range list(r, "activity") {
						for _, c := range list(obj(obj(a)["detail"]), "instantiatesCanonical") {
							for _, pd := range d.all() {
								if str(pd, "resourceType") == "PlanDefinition" && str(pd, "url") == c {
									for _, pa := range list(pd, "action") {
										found = found || str(obj(pa), "definitionCanonical") == folderURL
									}
								}
							}
						}
					}
				}
				if !found {
					t.Errorf("no CarePlan leads through Patient Plans to %s", folderURL)
				}
				// Resources of this encounter (top level, other than the
				// context resources) reference it.
				context := map[string]bool{"Patient": true, "Encounter": true, "Practitioner": true, "PractitionerRole": true,
					"Location": true, "Organization": true, "Bundle": true, "PlanDefinition": true}
				for _, e := range list(b, "entry") {
					r := obj(obj(e)["resource"])
					if context[str(r, "resourceType")] {
						continue
					}
					ref := str(obj(r["encounter"]), "reference")
					if ref == "" {
						ref = str(obj(r["context"]), "reference")
					}
					if ref != d.encounter {
						t.Errorf("%s is recorded in this encounter but references %q", label(r), ref)
					}
				}
				// Type/id references resolve within the Bundle.
				var refs func(v any)
				refs = func(v any) {
					switch x := v.(type) {
					case map[string]any:
						if s, ok := x["reference"].(string); ok && strings.Count(s, "/") == 1 {
							if byRef[s] == nil {
								t.Errorf("reference %q does not resolve", s)
							}
						}
						for _, y := range x {
							refs(y)
						}
					case []any:
						for _, y := range x {
							refs(y)
						}
					}
				}
				refs(b)
			})
		}
	}
}

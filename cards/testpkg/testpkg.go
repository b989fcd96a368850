// Package testpkg generates small, valid CCG guideline packages for tests:
// an ImplementationGuide, a Folder, one CARD with its ActivityDefinition and
// a Library with trivial CQL.
package testpkg

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"github.com/ccg-project/ccg/cards/fhirpkg"
)

// Options shape the generated package.
type Options struct {
	Name        string // npm name, e.g. "@ccg/hypertension"
	Version     string // semver
	Description string
	Publisher   string
	FHIRVersion string // default 4.0.1
	CQL         string // Library source; default a trivial library
	// Canonical is the base of the resources' canonical URLs (default
	// http://example.org/fhir); packages of different publishers need
	// different bases.
	Canonical string
}

func (o *Options) defaults() {
	if o.Name == "" {
		o.Name = "ccg.test.guideline"
	}
	if o.Version == "" {
		o.Version = "1.0.0"
	}
	if o.Description == "" {
		o.Description = "Test CCG guideline " + o.Name
	}
	if o.Publisher == "" {
		o.Publisher = "CCG Test Publisher"
	}
	if o.FHIRVersion == "" {
		o.FHIRVersion = "4.0.1"
	}
	if o.Canonical == "" {
		o.Canonical = "http://example.org/fhir"
	}
	if o.CQL == "" {
		o.CQL = "library TestLogic version '1.0.0'\n\ndefine \"Applies\": true\n"
	}
}

func uuidFor(s string) string {
	h := fnv.New128a()
	h.Write([]byte(s))
	b := h.Sum(nil)
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func narrative(s string) map[string]any {
	return map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">` + s + `</div>`}
}

// Files returns the package's files (paths below package/), including a
// generated .index.json.
func Files(o Options) map[string][]byte {
	o.defaults()
	base := o.Canonical
	date := "2025-01-15T10:00:00Z"
	igID := uuidFor(o.Name + "@" + o.Version)
	ig := map[string]any{
		"resourceType": "ImplementationGuide", "id": igID, "url": "urn:uuid:" + igID,
		"version": o.Version, "name": "TestGuideline", "title": "Test guideline " + o.Name,
		"status": "active", "date": date, "publisher": o.Publisher, "packageId": fhirpkg.PackageID(o.Name),
		"fhirVersion": []any{o.FHIRVersion},
	}
	lib := map[string]any{
		"resourceType": "Library", "id": "test-logic", "url": base + "/Library/test-logic",
		"version": "1.0.0", "name": "TestLogic", "title": "Test logic", "status": "active",
		"date": date, "publisher": o.Publisher, "text": narrative("Trivial test logic"),
		"type":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}}},
		"content": []any{map[string]any{"contentType": "text/cql", "data": base64.StdEncoding.EncodeToString([]byte(o.CQL))}},
	}
	ad := map[string]any{
		"resourceType": "ActivityDefinition", "id": "test-provide-ad", "url": base + "/ActivityDefinition/test-provide-ad",
		"version": "1.0.0", "name": "TestProvideActivity", "title": "Provide test information", "status": "active",
		"date": date, "publisher": o.Publisher, "kind": "CommunicationRequest",
		"topic": []any{map[string]any{"coding": []any{map[string]any{"system": "https://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs", "code": "provide"}}}},
	}
	card := map[string]any{
		"resourceType": "PlanDefinition", "id": "test-card", "url": base + "/PlanDefinition/test-card",
		"version": "1.0.0", "name": "TestCARD", "title": "Test CARD", "status": "active",
		"date": date, "publisher": o.Publisher, "text": narrative("A test CARD"),
		"type":            map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "eca-rule"}}},
		"relatedArtifact": []any{map[string]any{"type": "documentation", "url": "https://example.org/evidence"}},
		"library":         []any{base + "/Library/test-logic"},
		"action": []any{map[string]any{
			"title":               "Provide information",
			"condition":           []any{map[string]any{"kind": "applicability", "expression": map[string]any{"language": "text/cql-identifier", "expression": "Applies"}}},
			"definitionCanonical": base + "/ActivityDefinition/test-provide-ad",
		}},
	}
	folder := map[string]any{
		"resourceType": "PlanDefinition", "id": "test-folder", "url": base + "/PlanDefinition/test-folder",
		"version": "1.0.0", "name": "TestFolder", "title": "Test CCG Folder", "status": "active",
		"date": date, "publisher": o.Publisher, "text": narrative("A test CCG Folder"),
		"type":   map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol"}}},
		"action": []any{map[string]any{"title": "Test CARD", "definitionCanonical": base + "/PlanDefinition/test-card"}},
	}
	manifest := map[string]any{
		"name": o.Name, "version": o.Version, "description": o.Description,
		"fhirVersions": []any{o.FHIRVersion}, "keywords": []any{"ccg", "guideline"},
		"author": o.Publisher, "license": "CC0-1.0", "dependencies": map[string]any{},
	}
	files := map[string][]byte{}
	put := func(name string, v any) {
		b, _ := json.MarshalIndent(v, "", "  ")
		files[name] = b
	}
	put("package.json", manifest)
	put("ImplementationGuide-"+igID+".json", ig)
	put("Library-test-logic.json", lib)
	put("ActivityDefinition-test-provide-ad.json", ad)
	put("PlanDefinition-test-card.json", card)
	put("PlanDefinition-test-folder.json", folder)
	out, err := fhirpkg.WithIndex(files)
	if err != nil {
		panic("testpkg: " + err.Error()) // generated content always parses
	}
	return out
}

// Tarball returns the package as a .tgz.
func Tarball(o Options) []byte {
	b, err := fhirpkg.WriteTarball(Files(o))
	if err != nil {
		panic("testpkg: " + err.Error())
	}
	return b
}

package ui

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
)

// bigFolder is a package with a Folder of n CARDs, each with two
// conditions naming defines of one library and an ActivityDefinition.
func bigFolder(tb testing.TB, n int) *content.Package {
	tb.Helper()
	const base = "http://example.org/fhir"
	topic := func(code string) []any {
		return []any{map[string]any{"coding": []any{map[string]any{"system": cards.CodeSystem, "code": code}}}}
	}
	var cql strings.Builder
	cql.WriteString("library Big version '1.0.0'\nusing FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\ncontext Patient\n\n")
	var res []map[string]any
	var folderActions []any
	types := cards.Codes()
	for i := range n {
		fmt.Fprintf(&cql, "define \"Needs %d\":\n  exists [Observation] O\n    where O.status = 'final'\n\ndefine \"Not Done %d\":\n  not exists [ServiceRequest]\n\n", i, i)
		code := types[i%len(types)]
		ad := map[string]any{"resourceType": "ActivityDefinition", "id": fmt.Sprintf("ad-%d", i), "url": fmt.Sprintf("%s/ActivityDefinition/ad-%d", base, i),
			"version": "1.0.0", "name": fmt.Sprintf("AD%d", i), "title": fmt.Sprintf("Activity %d", i), "status": "active", "kind": "ServiceRequest",
			"intent": "proposal", "topic": topic(code), "code": map[string]any{"text": fmt.Sprintf("service %d", i)}}
		card := map[string]any{"resourceType": "PlanDefinition", "id": fmt.Sprintf("card-%d", i), "url": fmt.Sprintf("%s/PlanDefinition/card-%d", base, i),
			"version": "1.0.0", "name": fmt.Sprintf("Card%d", i), "title": fmt.Sprintf("CARD number %d", i), "status": "active", "topic": topic(code),
			"type":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "eca-rule"}}},
			"library": []any{base + "/Library/Big"},
			"action": []any{map[string]any{"title": fmt.Sprintf("Do %d", i), "definitionCanonical": ad["url"], "condition": []any{
				map[string]any{"kind": "applicability", "expression": map[string]any{"language": "text/cql-identifier", "expression": fmt.Sprintf("Needs %d", i)}},
				map[string]any{"kind": "applicability", "expression": map[string]any{"language": "text/cql-identifier", "expression": fmt.Sprintf("Not Done %d", i)}},
			}}}}
		res = append(res, ad, card)
		folderActions = append(folderActions, map[string]any{"title": card["title"], "definitionCanonical": card["url"]})
	}
	res = append(res, map[string]any{"resourceType": "Library", "id": "Big", "url": base + "/Library/Big", "version": "1.0.0", "name": "Big", "status": "active",
		"type":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}}},
		"content": []any{map[string]any{"contentType": "text/cql", "data": base64.StdEncoding.EncodeToString([]byte(cql.String()))}}},
		map[string]any{"resourceType": "PlanDefinition", "id": "big-folder", "url": base + "/PlanDefinition/big-folder", "version": "1.0.0", "name": "BigFolder",
			"title": "A Folder of many CARDs", "status": "active",
			"type":   map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol"}}},
			"action": folderActions})
	p, err := content.FromResources("ccg.test.big", "1.0.0", res, content.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range p.OfType("Library") {
		if lib := p.Library(l["url"].(string)); lib == nil || lib.CQL == nil {
			tb.Fatalf("the library did not compile: %v", p.Problems)
		}
	}
	return p
}

// BenchmarkFolderPage renders the Folder page of a package with 50
// CARDs (the server's time: routing, building the tree, highlighting the
// CQL of 100 conditions, the template).
func BenchmarkFolderPage(b *testing.B) {
	eng := engine.New(engine.Options{})
	eng.Load(bigFolder(b, 50))
	e := echo.New()
	New(Config{Engine: eng}).Mount(e)
	req := httptest.NewRequest(http.MethodGet, "/ui/folder?package=ccg.test.big&id=big-folder", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `<article class="card">`) != 50 ||
		strings.Count(rec.Body.String(), `<pre class="cql">`) != 100 {
		b.Fatalf("%d: the page does not show 50 CARDs with 2 conditions each:\n%.2000s", rec.Code, rec.Body.String())
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
	}
}

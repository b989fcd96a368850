package measure_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/measure"
)

// examplePackage loads examples/measure, the README's example Measure.
func examplePackage(t testing.TB) *content.Package {
	t.Helper()
	p, err := measure.LoadFolder(filepath.Join("..", "..", "examples", "measure"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func exampleData(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "diabetes", "data-in", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEvaluateMeasureHTTP(t *testing.T) {
	pkg := examplePackage(t)
	e := echo.New()
	measure.Mount(e, measure.HTTPConfig{Packages: func() []*content.Package { return []*content.Package{pkg} }})
	bundle := exampleData(t, "05-hypoglycaemia.json")
	body := `{"resourceType":"Parameters","parameter":[{"name":"data","resource":` + bundle + `}]}`
	bad := `{"resourceType":"Parameters","parameter":[{"name":"practitioner","valueString":"Practitioner/x"}]}`
	for _, tc := range []struct {
		name, method, target, body string
		status                     int
		want                       []string
	}{
		{"instance POST", "POST", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31&subject=Patient/t2d-05-hypoglycaemia", body, 200,
			[]string{`"type":"individual"`, `"subject":{"reference":"Patient/t2d-05-hypoglycaemia"}`, `"count":1`, `"measure":"http://example.org/ccg/Measure/diabetes-hba1c|1.0.0"`}},
		{"type level by canonical, population", "POST", "/Measure/$evaluate-measure?measure=http://example.org/ccg/Measure/diabetes-hba1c&periodStart=2026-01-01&periodEnd=2026-12-31&reportType=population", body, 200,
			[]string{`"type":"summary"`, `"measureScore":{"value":1}`}},
		{"subject-list", "POST", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31&reportType=subject-list", body, 200,
			[]string{`"type":"subject-list"`, `"resourceType":"List"`, `"subjectResults":{"reference":"#subjects-1-numerator"}`}},
		{"GET without data", "GET", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31", "", 200,
			[]string{`"type":"summary"`, `"count":0`}},
		{"unknown measure", "GET", "/Measure/nosuch/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31", "", 404, []string{`"code":"not-found"`, "nosuch"}},
		{"bad period", "GET", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-13-01&periodEnd=2026-12-31", "", 400, []string{`"code":"value"`, "periodStart"}},
		{"period reversed", "GET", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2027-01-01&periodEnd=2026-12-31", "", 400, []string{"after periodEnd"}},
		{"half a period", "GET", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01", "", 400, []string{"both periodStart and periodEnd"}},
		{"unsupported parameter", "POST", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31", bad, 400, []string{`"code":"not-supported"`, "practitioner"}},
		{"bad report type", "GET", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31&reportType=everything", "", 400, []string{"reportType"}},
		{"subject not in data", "POST", "/Measure/diabetes-hba1c/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31&subject=Patient/nobody", body, 400, []string{"Patient/nobody"}},
		{"type level without measure", "GET", "/Measure/$evaluate-measure?periodStart=2026-01-01&periodEnd=2026-12-31", "", 400, []string{"measure"}},
		{"body not Parameters", "POST", "/Measure/diabetes-hba1c/$evaluate-measure", bundle, 400, []string{"Parameters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/fhir+json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("answer lacks %s:\n%s", w, rec.Body)
				}
			}
			var r map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if fj.Type(r) == "MeasureReport" {
				checkR4(t, r)
			} else if fj.Type(r) != "OperationOutcome" || rec.Code < 400 {
				t.Errorf("a %d answer with a %s", rec.Code, fj.Type(r))
			}
		})
	}
}

// TestScoring checks the population rules on synthetic measures over the
// example data: a proportion measure whose exclusion removes members from
// the denominator, a cohort and a continuous-variable measure.
func TestScoring(t *testing.T) {
	src := `library Scoring version '1'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1' called FHIRHelpers
parameter "Measurement Period" Interval<DateTime>
context Patient
define "IP": true
define "Male": Patient.gender.value = 'male'
define "Encounters": [Encounter]
define function "Days"(E Encounter): 2
`
	pop := func(code, expr string, ext ...any) map[string]any {
		p := map[string]any{"code": fj.Concept("http://terminology.hl7.org/CodeSystem/measure-population", code, ""),
			"criteria": map[string]any{"language": "text/cql-identifier", "expression": expr}}
		if len(ext) > 0 {
			p["extension"] = ext
		}
		return p
	}
	scoring := func(s string) map[string]any {
		return fj.Concept("http://terminology.hl7.org/CodeSystem/measure-scoring", s, "")
	}
	lib := map[string]any{"resourceType": "Library", "id": "Scoring", "url": "http://example.org/Library/Scoring", "status": "active",
		"type":    fj.Concept("http://terminology.hl7.org/CodeSystem/library-type", "logic-library", ""),
		"content": []any{map[string]any{"contentType": "text/cql", "data": b64(src)}}}
	prop := map[string]any{"resourceType": "Measure", "id": "prop", "status": "draft", "library": []any{"http://example.org/Library/Scoring"},
		"scoring": scoring("proportion"),
		"group": []any{map[string]any{"population": []any{pop("initial-population", "IP"), pop("denominator", "IP"),
			pop("denominator-exclusion", "Male"), pop("numerator", "IP")}}}}
	cohort := map[string]any{"resourceType": "Measure", "id": "cohort", "status": "draft", "library": []any{"http://example.org/Library/Scoring"},
		"scoring": scoring("cohort"), "group": []any{map[string]any{"population": []any{pop("initial-population", "Male")}}}}
	cv := map[string]any{"resourceType": "Measure", "id": "cv", "status": "draft", "library": []any{"http://example.org/Library/Scoring"},
		"scoring":   scoring("continuous-variable"),
		"extension": []any{map[string]any{"url": "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-populationBasis", "valueCode": "Encounter"}},
		"group": []any{map[string]any{"population": []any{pop("initial-population", "Encounters"), pop("measure-population", "Encounters"),
			pop("measure-observation", "Days", map[string]any{"url": "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-aggregateMethod", "valueCode": "sum"})}}}}
	pkg, err := content.FromResources("scoring", "1", []map[string]any{lib, prop, cohort, cv}, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := measure.ReadData(filepath.Join("..", "..", "examples", "diabetes", "data-in"))
	if err != nil {
		t.Fatal(err)
	}
	period, err := measure.ParsePeriod("2026-01-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	counts := func(id string) (map[string]any, map[string]any) {
		m, err := measure.Find([]*content.Package{pkg}, id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Evaluate(t.Context(), data, measure.Options{Period: period, Type: measure.Summary})
		if err != nil {
			t.Fatal(err)
		}
		checkR4(t, r)
		out := map[string]any{}
		g := fj.Objs(r, "group")[0]
		for _, p := range fj.Objs(g, "population") {
			out[popCode(p)] = p["count"]
		}
		return out, fj.Obj(g, "measureScore")
	}
	c, score := counts("prop")
	// 8 patients, 4 of them male: excluded, so out of the denominator and numerator.
	if c["initial-population"] != 8 || c["denominator-exclusion"] != 4 || c["denominator"] != 4 || c["numerator"] != 4 || score["value"] == nil {
		t.Errorf("proportion: %v, score %v", c, score)
	}
	if c, score := counts("cohort"); c["initial-population"] != 4 || score != nil {
		t.Errorf("cohort: %v, score %v", c, score)
	}
	c, score = counts("cv")
	n := len(data.Patients()) // one Encounter per example patient
	if c["initial-population"] != n || c["measure-population"] != n || c["measure-observation"] != n || fmt.Sprint(score["value"]) != fmt.Sprint(2*n) {
		t.Errorf("continuous-variable: %v, score %v", c, score)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		start, end string
		ok         bool
	}{
		{"2026", "2026", true},
		{"2026-02", "2026-02", true},
		{"2026-01-01", "2026-12-31", true},
		{"2019-01-01T00:00:00-07:00", "2019-12-31T23:59:59-07:00", true},
		{"2026-02-30", "2026-12-31", false},
		{"26", "2026", false},
		{"2026-13", "2026-12", false},
		{"2027-01-01", "2026-12-31", false},
		{"2026-01-01", "yesterday", false},
	} {
		_, err := measure.ParsePeriod(tc.start, tc.end)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePeriod(%q, %q): %v, want ok=%v", tc.start, tc.end, err, tc.ok)
		}
		if e, isErr := measure.IsError(err); err != nil && (!isErr || e.Status != 400) {
			t.Errorf("ParsePeriod(%q, %q): %v is not a 400", tc.start, tc.end, err)
		}
	}
}

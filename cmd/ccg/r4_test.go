package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// TestEveryOutputIsR4 runs every resource the project writes through the
// R4 validating parser (validate.R4, google/fhir): the reviewed $apply
// outputs of the examples and of the engine's fixture, the example
// packages and data, and what a live `ccg serve` answers — $apply with
// and without explain, its errors, the AuditEvents it records, reads of
// definitions, $cql results of every kind and its errors, the
// CapabilityStatement and the OperationDefinitions. 0 problems allowed.
func TestEveryOutputIsR4(t *testing.T) {
	checked := 0
	check := func(t *testing.T, what string, body []byte) {
		t.Helper()
		var r map[string]any
		if err := json.Unmarshal(body, &r); err != nil {
			t.Errorf("%s: not JSON: %v\n%.300s", what, err, body)
			return
		}
		if r["resourceType"] == nil {
			t.Errorf("%s: not a resource:\n%.300s", what, body)
			return
		}
		checked++
		for _, v := range validate.R4(r) {
			t.Errorf("%s: %s", what, v)
		}
	}

	t.Run("files", func(t *testing.T) {
		var files []string
		for _, pat := range []string{"../../examples/*/expected/*.json", "../../examples/*/package/*.json", "../../examples/*/data-in/*.json",
			"../../testdata/apply/golden/*.json", "../../testdata/apply/package/*.json", "../../testdata/apply/data-in/*.json"} {
			m, _ := filepath.Glob(pat)
			files = append(files, m...)
		}
		if len(files) < 50 {
			t.Fatalf("only %d files found", len(files))
		}
		for _, f := range files {
			if filepath.Base(f) == "package.json" || filepath.Base(f) == ".index.json" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// the engine's goldens hold "<time>" where the clock shows
			b = bytes.ReplaceAll(b, []byte(`"<time>"`), []byte(`"2024-03-01T12:00:00Z"`))
			check(t, f, b)
		}
	})

	t.Run("serve", func(t *testing.T) {
		out := startServe(t, "--packages", "../../examples/*/package", "--auth", "off")
		m := regexp.MustCompile(`ccg serve: ready at (http://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no ready line:\n%s", out)
		}
		base := m[1]
		call := func(method, path string, body any, want int) []byte {
			t.Helper()
			var rd io.Reader
			if body != nil {
				b, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				rd = bytes.NewReader(b)
			}
			req, err := http.NewRequest(method, base+path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/fhir+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Errorf("%s %s: status %d, want %d\n%.500s", method, path, resp.StatusCode, want, b)
			}
			return b
		}
		get := func(path string, want int) {
			t.Helper()
			check(t, "GET "+path, call(http.MethodGet, path, nil, want))
		}
		post := func(path string, body any, want int) {
			t.Helper()
			check(t, "POST "+path, call(http.MethodPost, path, body, want))
		}

		get("/metadata", 200)
		get("/OperationDefinition/cql-cql", 200)
		get("/OperationDefinition/cql-library-evaluate", 200)
		get("/OperationDefinition/none", 404)
		get("/PlanDefinition/htn-folder", 200)
		get("/PlanDefinition/none", 404)

		// $apply for every example patient, with and without explain
		folders := map[string]string{"hypertension": "htn-folder", "diabetes": "t2d-folder"}
		for name, folder := range folders {
			files, _ := filepath.Glob(filepath.Join("../../examples", name, "data-in", "*.json"))
			for i, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				data, err := fj.DecodeObj(raw)
				if err != nil {
					t.Fatal(err)
				}
				subject, encounter, err := datain.Defaults(data)
				if err != nil {
					t.Fatal(err)
				}
				path := "/PlanDefinition/" + folder + "/$apply"
				if i%2 == 1 {
					path += "?_explain=true"
				}
				post(path, applyParams(subject, encounter, data), 200)
			}
		}
		// a data-in Bundle that is not one: 400 OperationOutcome
		post("/PlanDefinition/htn-folder/$apply", applyParams("Patient/p", "", map[string]any{"resourceType": "Patient"}), 400)
		post("/PlanDefinition/none/$apply", applyParams("Patient/p", "", map[string]any{"resourceType": "Bundle", "type": "collection"}), 400)
		// the audit trail those calls left
		get("/AuditEvent?_count=1000", 200)

		// $cql results of every shape, and its errors
		for _, expr := range []string{"1 + 1", "Interval[1, 5]", "{1, 2, 3}", "Tuple { a: 1, b: 'x' }", "null", "{}", "5 'mg'",
			"@2024-01-01T10:00:00Z", "Message(1, true, 'W1', 'Warning', 'a warning')",
			"Code { code: '1', system: 'http://x' }", "1 / 0", "Interval[@2024-01-01, @2024-02-01]", "'text'", "true", "1.5", "@T10:00"} {
			post("/$cql", map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "expression", "valueString": expr}}}, 200)
		}
		post("/$cql", map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "expression", "valueString": "1 +"}}}, 400)
		post("/Library/$evaluate", map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "url", "valueCanonical": "http://example.org/Library/none"}}}, 400)
	})
	if checked < 100 {
		t.Errorf("only %d resources checked", checked)
	}
	t.Logf("%d resources checked against R4", checked)
}

// applyParams is the $apply Parameters for a subject, an encounter and a
// data-in Bundle.
func applyParams(subject, encounter string, data map[string]any) map[string]any {
	ps := []any{map[string]any{"name": "subject", "valueString": subject}}
	if encounter != "" {
		ps = append(ps, map[string]any{"name": "encounter", "valueString": encounter})
	}
	ps = append(ps, map[string]any{"name": "data", "resource": data})
	return map[string]any{"resourceType": "Parameters", "parameter": ps}
}

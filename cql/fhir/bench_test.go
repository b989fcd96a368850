package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// bigBundle builds a data-in Bundle of n resources for one patient:
// observations over 20 LOINC-like codes with quantities, plus conditions
// and encounters.
func bigBundle(n int) []byte {
	entries := []any{map[string]any{"resource": map[string]any{"resourceType": "Patient", "id": "p", "birthDate": "1990-01-01", "gender": "female"}}}
	for i := 1; i < n; i++ {
		var r map[string]any
		switch i % 5 {
		case 0:
			r = map[string]any{"resourceType": "Condition", "id": fmt.Sprintf("c%d", i), "subject": map[string]any{"reference": "Patient/p"},
				"code": map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": fmt.Sprint(1000 + i%7)}}}}
		case 1:
			r = map[string]any{"resourceType": "Encounter", "id": fmt.Sprintf("e%d", i), "status": "finished", "subject": map[string]any{"reference": "Patient/p"},
				"class":  map[string]any{"code": "AMB"},
				"type":   []any{map[string]any{"coding": []any{map[string]any{"system": "http://example.org/enc", "code": fmt.Sprint(i % 3)}}}},
				"period": map[string]any{"start": fmt.Sprintf("2024-%02d-%02dT10:00:00Z", 1+i%12, 1+i%28)}}
		default:
			r = map[string]any{"resourceType": "Observation", "id": fmt.Sprintf("o%d", i), "status": "final", "subject": map[string]any{"reference": "Patient/p"},
				"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": fmt.Sprintf("1000-%d", i%20)}}},
				"effectiveDateTime": fmt.Sprintf("2024-%02d-%02d", 1+i%12, 1+i%28),
				"valueQuantity":     map[string]any{"value": json.Number(fmt.Sprintf("%d.%d", 5+i%15, i%10)), "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "g/dL"}}
		}
		entries = append(entries, map[string]any{"resource": r})
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	return b
}

// BenchmarkBundleRetrieveFilter: index a 500-resource Bundle, then retrieve
// observations by code and keep those above a threshold (values converted
// with FHIRHelpers semantics).
func BenchmarkBundleRetrieveFilter(b *testing.B) {
	data := bigBundle(500)
	obs, _ := fhir.R4().ResolveType("Observation")
	codes := value.List{ElemType: types.Code}
	for i := 0; i < 4; i++ {
		codes.Elems = append(codes.Elems, value.Code{System: "http://loinc.org", Code: fmt.Sprintf("1000-%d", i)})
	}
	limit, _ := value.NewDecimal("12")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{})
		if err != nil {
			b.Fatal(err)
		}
		kept := 0
		for round := 0; round < 10; round++ { // many retrieves share the index
			vs, err := r.Retrieve(ctx, obs, "", codes)
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range vs {
				q, err := v.(*fhir.Node).Get("value")
				if err != nil {
					b.Fatal(err)
				}
				sq, err := fhir.ToQuantity(q)
				if err != nil {
					b.Fatal(err)
				}
				if value.DecCmp(sq.(value.Quantity).Value, limit) > 0 {
					kept++
				}
			}
		}
		if kept == 0 {
			b.Fatal("nothing kept")
		}
	}
}

// BenchmarkRetrieveOnly measures one coded retrieve on an indexed Bundle.
func BenchmarkRetrieveOnly(b *testing.B) {
	r, err := fhir.NewBundleRetriever(bigBundle(500), fhir.BundleOptions{})
	if err != nil {
		b.Fatal(err)
	}
	obs, _ := fhir.R4().ResolveType("Observation")
	code := value.Code{System: "http://loinc.org", Code: "1000-3"}
	ctx := context.Background()
	r.Retrieve(ctx, obs, "", code)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Retrieve(ctx, obs, "", code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCQLOverBundle evaluates a CQL query over the 500-resource Bundle.
func BenchmarkCQLOverBundle(b *testing.B) {
	src := `library B using FHIR version '4.0.1' include FHIRHelpers version '4.0.1'
codesystem "LOINC": 'http://loinc.org'
code "X": '1000-3' from "LOINC"
context Patient
define High: Count([Observation: "X"] O where (O.value as FHIR.Quantity) > 12 'g/dL' and O.status = 'final')`
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("B", src)
	if errs != nil {
		b.Fatal(errs)
	}
	data := bigBundle(500)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{})
		if err != nil {
			b.Fatal(err)
		}
		v, err := lib.Eval(ctx, "High", cql.EvalOptions{Retriever: r})
		if err != nil || v == nil {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkCheckLibraryOnePatient evaluates every definition of
// CCGFHIRChecks for one patient, after compilation (data indexed once).
func BenchmarkCheckLibraryOnePatient(b *testing.B) {
	term := ancTerminology(b)
	dir := filepath.Join("..", "..", "testdata", "fhir")
	env, _ := newEnv(b, filepath.Join(dir, "cql"))
	src, _ := os.ReadFile(filepath.Join(dir, "cql", "CCGFHIRChecks.cql"))
	lib, errs := env.Compile("CCGFHIRChecks.cql", string(src))
	if errs != nil {
		b.Fatal(errs)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "anc-patient-amina.json"))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: "amina", Terminology: term})
		if err != nil {
			b.Fatal(err)
		}
		for _, res := range lib.EvalAll(ctx, cql.EvalOptions{Retriever: r, Terminology: term}) {
			if res.Err != nil {
				b.Fatal(res.Name, res.Err)
			}
		}
	}
}

// BenchmarkANCLibraryOnePatient evaluates every definition of a WHO ANC
// decision-table library for one patient, after compilation; the patient's
// Bundle is indexed once per iteration.
func BenchmarkANCLibraryOnePatient(b *testing.B) {
	for _, c := range []struct{ lib, bundle, patient string }{
		{"ANCDT01", "ANCDT01-central-cyanosis.json", "dt01-central-cyanosis"},
		{"ANCDT04", "ANCDT04-earliest-reading-counts.json", "dt04-earliest-reading-counts"},
	} {
		b.Run(c.lib, func(b *testing.B) {
			ancDir := corpusDir(b, "who-smart-anc", "input", "cql")
			term := ancTerminology(b)
			env, _ := newEnv(b, ancDir)
			src, _ := os.ReadFile(filepath.Join(ancDir, c.lib+".cql"))
			lib, errs := env.Compile(c.lib+".cql", string(src))
			if errs != nil {
				b.Skipf("%s does not compile yet: %v", c.lib, errs[0])
			}
			data, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "fhir", "anc", c.bundle))
			ctx := context.Background()
			params := map[string]value.Value{"encounter": value.String("Encounter/contact-today")}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := fhir.NewBundleRetriever(data, fhir.BundleOptions{PatientID: c.patient, Terminology: term})
				if err != nil {
					b.Fatal(err)
				}
				for _, res := range lib.EvalAll(ctx, cql.EvalOptions{Retriever: r, Terminology: term, Parameters: params}) {
					if res.Err != nil {
						b.Fatal(res.Name, res.Err)
					}
				}
			}
		})
	}
}

// BenchmarkResourceSetOperators: intersect, except and union of the
// observations of a 2000-resource Bundle (resources compared as structured
// values, through their hash keys).
func BenchmarkResourceSetOperators(b *testing.B) {
	r, err := fhir.NewBundleRetriever(bigBundle(2000), fhir.BundleOptions{})
	if err != nil {
		b.Fatal(err)
	}
	env := cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(fhir.NewLibraryResolver()))
	lib, errs := env.Compile("Sets.cql", `library Sets version '1'
using FHIR version '4.0.1'
context Patient
define "All": [Observation]
define "Some": [Observation] O where O.id.value != 'o2'
define X: Count("All" intersect "Some") + Count("All" except "Some") + Count("All" union "Some")`)
	if errs != nil {
		b.Fatal(errs)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := lib.Eval(ctx, "X", cql.EvalOptions{Retriever: r})
		if err != nil {
			b.Fatal(err)
		}
		if v != value.Integer(1199+1+1200) { // 1200 observations, "Some" lacks one
			b.Fatalf("X = %v", v)
		}
	}
}

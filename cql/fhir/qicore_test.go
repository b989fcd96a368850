package fhir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// qicoreEnv builds an environment with FHIR R4 and the models of
// ../shared/models (QI-Core 4.1.1 and 6.0.0, US Core 3.1.1 and 6.1.0) for
// the libraries of the ecqm-content-qicore-2023 corpus.
func qicoreEnv(t testing.TB) (*cql.Env, string) {
	t.Helper()
	return qicoreEnvWith(t, qicoreModels(t))
}

func qicoreModels(t testing.TB) []*fhir.Model {
	t.Helper()
	models, err := fhir.LoadModelDir(sharedtest.Dir(t, "models"))
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 4 {
		t.Fatalf("%d profile models in ../shared/models, want QI-Core 4.1.1, 6.0.0 and US Core 3.1.1, 6.1.0", len(models))
	}
	return models
}

func qicoreEnvWith(t testing.TB, models []*fhir.Model) (*cql.Env, string) {
	t.Helper()
	dir := corpusDir(t, "ecqm-content-qicore-2023", "input", "cql")
	res := fhir.NewLibraryResolver()
	if err := res.AddDir(dir); err != nil {
		t.Fatal(err)
	}
	opts := []cql.Option{cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res)}
	for _, m := range models {
		opts = append(opts, cql.WithModel(m))
	}
	return cql.NewEnv(opts...), dir
}

// TestCompileQICore compiles every library of ecqm-content-qicore-2023
// (QI-Core 4.1.1 measures and their helper libraries: FHIRHelpers 4.3.000,
// QICoreCommon, CQMCommon, SupplementalDataElements,
// CumulativeMedicationDuration ...).
func TestCompileQICore(t *testing.T) {
	env, dir := qicoreEnv(t)
	compileAll(t, env, dir, minCompiledQICore)
}

// minCompiledQICore is every library of the corpus.
const minCompiledQICore = 41

func TestQICoreUsingVersion(t *testing.T) {
	env, _ := qicoreEnv(t)
	for _, c := range []struct{ src, err string }{
		{"library A using QICore version '4.1.1' define X: [Encounter]", ""},
		{"library A using QICore version '6.0.0' define X: [Encounter]", ""},
		{"library A using USCore version '3.1.1' define X: [PatientProfile]", ""},
		{"library A using QICore version '5.0.0' define X: 1", "model QICore version 5.0.0 is not available"},
	} {
		_, errs := env.Compile("A.cql", c.src)
		switch {
		case c.err == "" && len(errs) > 0:
			t.Errorf("%s: %v", c.src, errs)
		case c.err != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), c.err)):
			t.Errorf("%s: errors %v, want %q", c.src, errs, c.err)
		}
	}
}

// hivValueSets are the value sets of HIVScreeningFHIR the synthetic
// patients need, with just the codes they use.
var hivValueSets = map[string][2]string{
	"2.16.840.1.113883.3.464.1003.101.12.1001": {"http://www.ama-assn.org/go/cpt", "99213"}, // Office Visit
	"2.16.840.1.113762.1.4.1056.50":            {"http://loinc.org", "56888-1"},             // HIV lab tests
	"2.16.840.1.113883.3.464.1003.120.12.1003": {"http://snomed.info/sct", "86406008"},      // HIV
	"2.16.840.1.113883.3.464.1003.101.12.1025": {"http://www.ama-assn.org/go/cpt", "99395"}, // Preventive 18+
	"2.16.840.1.113883.3.464.1003.101.12.1022": {"http://www.ama-assn.org/go/cpt", "99381"}, // Preventive initial 0-17
	"2.16.840.1.113883.3.464.1003.101.12.1023": {"http://www.ama-assn.org/go/cpt", "99385"}, // Preventive initial 18+
	"2.16.840.1.113883.3.464.1003.101.12.1024": {"http://www.ama-assn.org/go/cpt", "99391"}, // Preventive established 0-17
}

// TestQICoreHIVScreening evaluates the measure HIVScreeningFHIR (QI-Core
// 4.1.1) for synthetic patients: QI-Core retrieves read the FHIR
// resources, Encounter.status, .class and .period are read through the
// QI-Core targets (String, Code, Interval<DateTime>).
func TestQICoreHIVScreening(t *testing.T) {
	env, dir := qicoreEnv(t)
	src, err := os.ReadFile(filepath.Join(dir, "HIVScreeningFHIR.cql"))
	if err != nil {
		t.Fatal(err)
	}
	lib, errs := env.Compile("HIVScreeningFHIR.cql", string(src))
	if errs != nil {
		t.Fatal(errs)
	}
	vs := fhir.NewValueSetStore()
	for oid, c := range hivValueSets {
		js := fmt.Sprintf(`{"resourceType":"ValueSet","url":"http://cts.nlm.nih.gov/fhir/ValueSet/%s","status":"active",
			"expansion":{"timestamp":"2024-01-01","contains":[{"system":%q,"code":%q}]}}`, oid, c[0], c[1])
		if err := vs.AddJSON([]byte(js)); err != nil {
			t.Fatal(err)
		}
	}
	const patient = `{"resource":{"resourceType":"Patient","id":"p","gender":"female","birthDate":"1980-05-01"}}`
	const visit = `{"resource":{"resourceType":"Encounter","id":"e","status":"%s","subject":{"reference":"Patient/p"},
		"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
		"type":[{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99213"}]}],
		"period":{"start":"2024-03-01T10:00:00Z","end":"2024-03-01T10:30:00Z"}}}`
	const test = `{"resource":{"resourceType":"Observation","id":"o","status":"%s","subject":{"reference":"Patient/p"},
		"code":{"coding":[{"system":"http://loinc.org","code":"56888-1"}]},"effectiveDateTime":"2024-03-01T10:15:00Z"}}`
	const hiv = `{"resource":{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},
		"code":{"coding":[{"system":"http://snomed.info/sct","code":"86406008"}]},"onsetDateTime":"2020-01-01"}}`
	for _, c := range []struct {
		name    string
		entries []string
		want    map[string]bool
	}{
		{"tested", []string{patient, fmt.Sprintf(visit, "finished"), fmt.Sprintf(test, "final")},
			map[string]bool{"Initial Population": true, "Denominator": true, "Numerator": true, "Denominator Exclusions": false}},
		{"test not final", []string{patient, fmt.Sprintf(visit, "finished"), fmt.Sprintf(test, "preliminary")},
			map[string]bool{"Initial Population": true, "Numerator": false}},
		{"visit cancelled", []string{patient, fmt.Sprintf(visit, "cancelled"), fmt.Sprintf(test, "final")},
			map[string]bool{"Initial Population": false, "Numerator": true}},
		{"known HIV", []string{patient, fmt.Sprintf(visit, "finished"), hiv},
			map[string]bool{"Initial Population": true, "Numerator": false, "Denominator Exclusions": true}},
	} {
		bundle := `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(c.entries, ",") + `]}`
		r, err := fhir.NewBundleRetriever([]byte(bundle), fhir.BundleOptions{Terminology: vs})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]value.Value{}
		for _, res := range lib.EvalAll(context.Background(), cql.EvalOptions{Retriever: r, Terminology: vs}) {
			if res.Err != nil {
				t.Errorf("%s: %s: %v", c.name, res.Name, res.Err)
			}
			got[res.Name] = res.Value
		}
		for name, want := range c.want {
			if got[name] != value.Boolean(want) {
				t.Errorf("%s: %s = %v, want %v", c.name, name, got[name], want)
			}
		}
	}
}

// TestQICoreNegationProfiles: a retrieve of a profile keeps the resources
// of its base type that fit it: the negation profiles those with
// doNotPerform true or their "not done" status, the positive profile of the
// same type the others; meta.profile decides when present; profiles set
// apart by category need it, the FHIR vital signs profiles their code. A
// FHIR Procedure is a QICore.Procedure in type tests and casts unless it is
// not done. An element of a union of profiles is read through the target
// of the profile of each value (QICore.ServiceRequest.authoredOn is a
// System DateTime).
func TestQICoreNegationProfiles(t *testing.T) {
	env, _ := qicoreEnv(t)
	const notReq = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-mednotrequested"
	const notDone6 = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-observationcancelled"
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p"}},
{"resource":{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","doNotPerform":true,"subject":{"reference":"Patient/p"},"medicationCodeableConcept":{"text":"x"}}},
{"resource":{"resourceType":"MedicationRequest","id":"m2","status":"active","intent":"order","subject":{"reference":"Patient/p"},"medicationCodeableConcept":{"text":"y"}}},
{"resource":{"resourceType":"MedicationRequest","id":"m3","meta":{"profile":["` + notReq + `|4.1.1"]},"status":"completed","intent":"order","subject":{"reference":"Patient/p"},"medicationCodeableConcept":{"text":"z"}}},
{"resource":{"resourceType":"Procedure","id":"x1","status":"not-done","subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"Procedure","id":"x2","status":"completed","subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"Observation","id":"o1","status":"cancelled","code":{"text":"a"},"subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"b"},"subject":{"reference":"Patient/p"},
  "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}]}},
{"resource":{"resourceType":"Observation","id":"o4","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"Observation","id":"o3","meta":{"profile":["` + notDone6 + `"]},"status":"final","code":{"text":"c"},"subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"ServiceRequest","id":"s1","status":"completed","intent":"order","doNotPerform":true,"code":{"text":"s"},"subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"ServiceRequest","id":"s2","status":"completed","intent":"order","authoredOn":"2024-04-02T09:00:00Z","code":{"text":"s"},"subject":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"DeviceRequest","id":"d1","status":"completed","intent":"order","subject":{"reference":"Patient/p"},"codeCodeableConcept":{"text":"d"},
  "modifierExtension":[{"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform","valueBoolean":true}]}},
{"resource":{"resourceType":"DeviceRequest","id":"d2","status":"completed","intent":"order","subject":{"reference":"Patient/p"},"codeCodeableConcept":{"text":"d"}}},
{"resource":{"resourceType":"Task","id":"t1","status":"rejected","intent":"order","for":{"reference":"Patient/p"}}},
{"resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"},"code":{"text":"c"},
  "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis"}]}]}},
{"resource":{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p"},"code":{"text":"c"},
  "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"problem-list-item"}]}]}}]}`
	r, err := fhir.NewBundleRetriever([]byte(bundle), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version string
		want    map[string]string
	}{
		{"4.1.1", map[string]string{
			"[MedicationNotRequested] M return M.id":                   "{'m1', 'm3'}",
			"[MedicationRequest] M return M.id":                        "{'m2'}",
			"[ProcedureNotDone] P return P.id":                         "{'x1'}",
			"[Procedure] P return P.id":                                "{'x2'}",
			"[ObservationNotDone] O return O.id":                       "{'o1'}",
			"[Observation] O return O.id":                              "{'o2', 'o4', 'o3'}",
			"[\"observation-bp\"] O return O.id":                       "{'o4'}",
			"[USCoreLaboratoryResultObservationProfile] O return O.id": "{'o2'}",
			"[ServiceNotRequested] S return S.id":                      "{'s1'}",
			"[ServiceRequest] S return S.id":                           "{'s2'}",
			"[DeviceNotRequested] D return D.id":                       "{'d1'}",
			"[DeviceRequest] D return D.id":                            "{'d2'}",
			"[TaskNotDone] T return T.id":                              "{'t1'}",
			"[Task] T return T.id":                                     "{}",
			"([ServiceRequest] union [Procedure]) X where X.authoredOn is not null return X.authoredOn + 1 day": "{@2024-04-03T09:00:00Z}",
			"[Condition] C return C.id": "{'c1', 'c2'}",
			"([MedicationRequest] union [Procedure]) X where X is Procedure return (X as Procedure).status": "{'completed'}",
		}},
		{"6.0.0", map[string]string{
			"[ObservationCancelled] O return O.id":            "{'o1', 'o3'}",
			"[LaboratoryResultObservation] O return O.id":     "{'o2'}",
			"[ConditionEncounterDiagnosis] C return C.id":     "{'c1'}",
			"[ConditionProblemsHealthConcerns] C return C.id": "{'c2'}",
			"[TaskRejected] T return T.id":                    "{'t1'}",
			// m3 names the QI-Core 4 URL of MedicationNotRequested, which 6.0.0 renamed.
			"[MedicationRequest] M return M.id": "{'m2', 'm3'}",
		}},
	} {
		src := "library N using QICore version '" + c.version + "'\ncontext Patient\n"
		var names []string
		for expr := range c.want {
			names = append(names, expr)
		}
		slices.Sort(names)
		for i, expr := range names {
			src += fmt.Sprintf("define D%d: %s\n", i, expr)
		}
		lib, errs := env.Compile("N.cql", src)
		if errs != nil {
			t.Fatal(c.version, errs)
		}
		for _, res := range lib.EvalAll(context.Background(), cql.EvalOptions{Retriever: r}) {
			var i int
			if _, err := fmt.Sscanf(res.Name, "D%d", &i); err != nil {
				continue
			}
			if w := c.want[names[i]]; res.Err != nil || value.Format(res.Value) != w {
				t.Errorf("QICore %s: %s = %v (%v), want %s", c.version, names[i], value.Format(res.Value), res.Err, w)
			}
		}
	}
}

// BenchmarkCompileQICoreMeasure compiles the largest QI-Core measure of the
// corpus with all its includes (a fresh environment each time, so nothing
// is cached); the models are loaded once.
func BenchmarkCompileQICoreMeasure(b *testing.B) {
	// 151 KB of CQL with its 8 includes (SevereObstetricComplicationsFHIR
	// is the largest file alone, 122 KB with its includes).
	const name = "UseofHighRiskMedicationsintheElderlyFHIR.cql"
	models := qicoreModels(b)
	_, dir := qicoreEnvWith(b, models)
	src, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env, _ := qicoreEnvWith(b, models)
		if _, errs := env.Compile(name, string(src)); errs != nil {
			b.Fatal(errs)
		}
	}
}

// TestQICoreExtensions reads QI-Core extension elements: Patient.race is
// the us-core-race extension, its ombCategory the Codes of its nested
// extensions; birthsex the code string of us-core-birthsex.
func TestQICoreExtensions(t *testing.T) {
	env, _ := qicoreEnv(t)
	lib, errs := env.Compile("X.cql", `library X using QICore version '4.1.1'
context Patient
define Race: Patient.race.ombCategory C return C.code
define BirthSex: Patient.birthsex
define Gender: Patient.gender
define Active: Patient.active`)
	if errs != nil {
		t.Fatal(errs)
	}
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p","gender":"female","extension":[
{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race","extension":[
  {"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2106-3"}},
  {"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2028-9"}},
  {"url":"text","valueString":"White, Asian"}]},
{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex","valueCode":"F"}]}}]}`
	r, err := fhir.NewBundleRetriever([]byte(bundle), fhir.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Race": "{'2106-3', '2028-9'}", "BirthSex": "'F'", "Gender": "'female'", "Active": "null"}
	for _, res := range lib.EvalAll(context.Background(), cql.EvalOptions{Retriever: r}) {
		if w, ok := want[res.Name]; ok {
			if res.Err != nil || value.Format(res.Value) != w {
				t.Errorf("%s = %v (%v), want %s", res.Name, value.Format(res.Value), res.Err, w)
			}
		}
	}
}

// BenchmarkLoadModelDir reads and builds the four profile models of
// ../shared/models.
func BenchmarkLoadModelDir(b *testing.B) {
	dir := sharedtest.Dir(b, "models")
	for i := 0; i < b.N; i++ {
		if _, err := fhir.LoadModelDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

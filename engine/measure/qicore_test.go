package measure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/measure"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

// This file evaluates the measures of ecqm-content-qicore-2023 (the
// libraries that have a Measure in input/resources/measure) for synthetic
// patients, with the populations each patient must reach stated per case:
// the defines of the measure library evaluated with the CQL engine, then
// the MeasureReport of the same patient, whose population counts must be
// those of the defines under the proportion, cohort and
// continuous-variable rules.
//
// The corpus has no value set expansions, so the test builds a synthetic
// terminology from the value sets the corpus CQL declares: every value set
// holds one code, its declared name in the system synSystem (value sets
// declared under the same name by several libraries share it). A patient's
// resources carry those codes: vs("Office Visit") is the CodeableConcept of
// a code of the value set "Office Visit".

const synSystem = "urn:ccg-test:value-set-name"

// res is a FHIR resource under construction.
type res map[string]any

// vs is a CodeableConcept holding the synthetic code of a value set.
func vs(name string) map[string]any {
	return map[string]any{"coding": []any{coding(synSystem, name)}}
}

// cc is a CodeableConcept of one code.
func cc(system, code string) map[string]any {
	return map[string]any{"coding": []any{coding(system, code)}}
}

func coding(system, code string) map[string]any {
	return map[string]any{"system": system, "code": code}
}

func period(start, end string) map[string]any { return map[string]any{"start": start, "end": end} }

func qty(v float64, unit string) map[string]any {
	return map[string]any{"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
}

func patient(birthDate, gender string) res {
	return res{"resourceType": "Patient", "birthDate": birthDate, "gender": gender}
}

// encounter is a finished ambulatory encounter of a value set's type.
func encounter(typeVS, start, end string) res {
	return res{"resourceType": "Encounter", "status": "finished", "type": []any{vs(typeVS)},
		"class": coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"), "period": period(start, end)}
}

// inpatient is a finished inpatient encounter.
func inpatient(typeVS, start, end string) res {
	e := encounter(typeVS, start, end)
	e["class"] = coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP")
	return e
}

// condition is an active, confirmed encounter diagnosis.
func condition(codeVS, onset string) res {
	return res{"resourceType": "Condition", "code": vs(codeVS), "onsetDateTime": onset, "recordedDate": onset,
		"clinicalStatus":     cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
		"verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
		"category":           []any{cc("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis")}}
}

// observation is a final observation; value is nil, a quantity (qty) or a
// CodeableConcept.
func observation(codeVS, effective string, val map[string]any) res {
	o := res{"resourceType": "Observation", "status": "final", "code": vs(codeVS), "effectiveDateTime": effective, "issued": effective}
	switch {
	case val == nil:
	case val["coding"] != nil:
		o["valueCodeableConcept"] = val
	default:
		o["valueQuantity"] = val
	}
	return o
}

// notDoneReason is QI-Core's extension giving the reason an event did not
// happen.
func notDoneReason(reasonVS string) []any {
	return []any{map[string]any{"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-notDoneReason",
		"valueCodeableConcept": vs(reasonVS)}}
}

// observationNotDone is a cancelled observation (QI-Core
// ObservationNotDone) with the reason it was not done.
func observationNotDone(codeVS, issued, reasonVS string) res {
	return res{"resourceType": "Observation", "status": "cancelled", "code": vs(codeVS), "issued": issued,
		"extension": notDoneReason(reasonVS)}
}

// procedure is a completed procedure.
func procedure(codeVS, start, end string) res {
	return res{"resourceType": "Procedure", "status": "completed", "code": vs(codeVS), "performedPeriod": period(start, end)}
}

// medRequest is an active order of a medication of a value set.
func medRequest(medVS, authored string) res {
	return res{"resourceType": "MedicationRequest", "status": "active", "intent": "order", "medicationCodeableConcept": vs(medVS),
		"authoredOn": authored}
}

// mddVisit is an ambulatory visit for major depressive disorder.
func mddVisit(start, end string) res {
	return encounter("Office Visit", start, end).with("reasonCode", []any{vs("Major Depressive Disorder Active")})
}

// suicideRiskAssessment is the procedure of SNOMED CT 225337009, the direct
// code the MDD measures name.
func suicideRiskAssessment(start, end string) res {
	return res{"resourceType": "Procedure", "status": "completed", "code": cc("http://snomed.info/sct", "225337009"),
		"performedPeriod": period(start, end)}
}

// bloodPressure is a vital signs blood pressure (LOINC 85354-9, the code
// of the observation-bp profile) of systolic and diastolic components
// (LOINC 8480-6, 8462-4, the direct codes the measure names).
func bloodPressure(effective string, systolic, diastolic float64) res {
	return res{"resourceType": "Observation", "status": "final", "code": cc("http://loinc.org", "85354-9"),
		"category":          []any{cc("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")},
		"effectiveDateTime": effective,
		"component": []any{
			map[string]any{"code": cc("http://loinc.org", "8480-6"), "valueQuantity": qty(systolic, "mm[Hg]")},
			map[string]any{"code": cc("http://loinc.org", "8462-4"), "valueQuantity": qty(diastolic, "mm[Hg]")},
		}}
}

// dischargeOrder is a medication ordered at discharge.
func dischargeOrder(medVS, authored string) res {
	return medRequest(medVS, authored).with("category",
		[]any{cc("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "discharge")})
}

// strokeStay is a non-elective inpatient stay whose principal diagnosis
// (rank 1) is the Condition of the given id.
func strokeStay(start, end, conditionID string) res {
	return inpatient("Nonelective Inpatient Encounter", start, end).with("diagnosis",
		[]any{map[string]any{"condition": map[string]any{"reference": "Condition/" + conditionID}, "rank": 1}})
}

// medicare is the patient's Medicare coverage.
func medicare() res {
	return res{"resourceType": "Coverage", "status": "active", "type": vs("Medicare payer"),
		"payor": []any{map[string]any{"display": "CMS"}}}
}

// stemiVisit is a finished emergency department visit for STEMI.
func stemiVisit(start, end string) res {
	return encounter("ED", start, end).with("reasonCode", []any{vs("STEMI")},
		"class", coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "EMER"))
}

// adultDepressionScreen is a final adult depression screening (LOINC
// 73832-8) with a negative or positive result (SNOMED CT 428171000124102,
// 428181000124104): the direct codes the measure names.
func adultDepressionScreen(effective string, positive bool) res {
	result := "428171000124102"
	if positive {
		result = "428181000124104"
	}
	return res{"resourceType": "Observation", "status": "final", "code": cc("http://loinc.org", "73832-8"),
		"effectiveDateTime": effective, "valueCodeableConcept": cc("http://snomed.info/sct", result)}
}

// problem is an active, confirmed problem-list condition.
func problem(codeVS, onset string) res {
	return condition(codeVS, onset).with("category",
		[]any{cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")})
}

// bmi is a vital signs body mass index (LOINC 39156-5, the code of the
// observation-bmi profile).
func bmi(effective string, kgm2 float64) res {
	return res{"resourceType": "Observation", "status": "final", "code": cc("http://loinc.org", "39156-5"),
		"category":          []any{cc("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")},
		"effectiveDateTime": effective, "valueQuantity": qty(kgm2, "kg/m2")}
}

// with sets fields of a resource.
func (r res) with(kv ...any) res {
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

// measureCase is a synthetic patient of a measure and the populations it
// must reach: the count of each population (1 or 0 for a boolean
// population basis, the number of encounters or procedures otherwise).
type measureCase struct {
	measure, name string
	data          []res
	want          map[string]int
}

// bundle turns a case's resources into a Bundle of patient p: ids r0, r1
// ... and the reference to the patient where the resource type keeps it.
func (c measureCase) bundle() []byte {
	var entries []any
	for i, r := range c.data {
		r = clone(r)
		typ := r["resourceType"].(string)
		if typ == "Patient" {
			r["id"] = "p"
		} else {
			if r["id"] == nil {
				r["id"] = fmt.Sprintf("r%d", i)
			}
			ref := map[string]any{"reference": "Patient/p"}
			switch typ {
			case "Coverage":
				r["beneficiary"] = ref
			case "AllergyIntolerance", "Immunization", "Claim", "MedicationAdministration":
				r["patient"] = ref
				if typ == "MedicationAdministration" {
					delete(r, "patient")
					r["subject"] = ref
				}
			case "Task":
				r["for"] = ref
			case "Location", "Practitioner", "Organization", "Medication":
			default:
				r["subject"] = ref
			}
		}
		entries = append(entries, map[string]any{"fullUrl": fmt.Sprintf("urn:uuid:%s-%v", typ, r["id"]), "resource": r})
	}
	b, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	if err != nil {
		panic(err)
	}
	return b
}

// clone copies a resource (cases are shared by the two evaluation paths).
func clone(r res) res {
	out := res{}
	for k, v := range r {
		out[k] = v
	}
	return out
}

// valueSets lists the value set names the synthetic codes of a case use.
func (c measureCase) valueSets() []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["system"] == synSystem {
				out = append(out, x["code"].(string))
			}
			for _, e := range x {
				walk(e)
			}
		case res:
			walk(map[string]any(x))
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, r := range c.data {
		walk(r)
	}
	return out
}

// synthetic is the synthetic terminology, the value set names it knows and
// its value sets as a Bundle.
type synthetic struct {
	*fhir.ValueSetStore
	names  map[string]bool
	bundle []byte
}

func (s synthetic) Has(name string) bool { return s.names[name] }

var valueSetDecl = regexp.MustCompile(`(?m)^valueset "([^"]+)": '([^']+)'`)

// qicoreSetup builds the CQL environment of the corpus (FHIR R4 and the
// models of ../shared/models) and the measure package of an IG folder made
// of the corpus and the synthetic terminology.
func qicoreSetup(t *testing.T) (env *cql.Env, dir string, terms synthetic, pkg *content.Package) {
	t.Helper()
	root := sharedtest.Dir(t, "corpus", "ecqm-content-qicore-2023")
	models, err := fhir.LoadModelDir(sharedtest.Dir(t, "models"))
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(root, "input", "cql")
	res := fhir.NewLibraryResolver()
	if err := res.AddDir(dir); err != nil {
		t.Fatal(err)
	}
	opts := []cql.Option{cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res)}
	for _, m := range models {
		opts = append(opts, cql.WithModel(m))
	}
	env = cql.NewEnv(opts...)
	terms = syntheticTerminology(t, dir)
	// The IG folder: links to the corpus's CQL files and Measures (the
	// folder loader does not follow links to folders), the synthetic value
	// sets.
	ig := t.TempDir()
	cqls, err := filepath.Glob(filepath.Join(dir, "*.cql"))
	if err != nil {
		t.Fatal(err)
	}
	measures, err := filepath.Glob(filepath.Join(root, "input", "resources", "measure", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for d, files := range map[string][]string{"cql": cqls, "resources/measure": measures, "vocabulary": nil} {
		if err := os.MkdirAll(filepath.Join(ig, "input", d), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.Symlink(f, filepath.Join(ig, "input", d, filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(ig, "input", "vocabulary", "synthetic.json"), terms.bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	if pkg, err = content.LoadPath(ig, content.Options{Models: models}); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkg.Problems {
		if strings.HasPrefix(p.Message, "CQL") {
			t.Errorf("%s: %s", p.Resource, p.Message)
		}
	}
	return env, dir, terms, pkg
}

// syntheticTerminology declares, for every value set of the corpus CQL, an
// expansion holding the code of its name.
func syntheticTerminology(t *testing.T, dir string) synthetic {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.cql"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	store := synthetic{ValueSetStore: fhir.NewValueSetStore(), names: map[string]bool{}}
	var entries []any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range valueSetDecl.FindAllStringSubmatch(string(b), -1) {
			name, url := m[1], m[2]
			store.names[name] = true
			if seen[url] {
				continue
			}
			seen[url] = true
			vs := map[string]any{"resourceType": "ValueSet", "url": url, "status": "active",
				"expansion": map[string]any{"timestamp": "2024-01-01", "contains": []any{coding(synSystem, name)}}}
			if err := store.AddResource(vs); err != nil {
				t.Fatal(err)
			}
			entries = append(entries, map[string]any{"resource": vs})
		}
	}
	store.bundle, err = json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// measureLibraries lists the measures of the corpus: the names of its
// Measure resources (each names its library after itself).
func measureLibraries(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "..", "resources", "measure", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	return out
}

// TestQICoreMeasures evaluates every measure of ecqm-content-qicore-2023
// for the synthetic patients of qicoreMeasureCases: each measure has at
// least one patient in its Numerator and one outside it, or is in
// qicoreMeasureSkips with the reason.
func TestQICoreMeasures(t *testing.T) {
	env, dir, terms, pkg := qicoreSetup(t)
	byMeasure := map[string][]measureCase{}
	for _, c := range qicoreMeasureCases {
		byMeasure[c.measure] = append(byMeasure[c.measure], c)
	}
	measures := measureLibraries(t, dir)
	if len(measures) != 25 {
		t.Errorf("%d Measures in the corpus, want 25", len(measures))
	}
	for name := range byMeasure {
		if !slices.Contains(measures, name) {
			t.Errorf("cases of %s, which is not a measure of the corpus", name)
		}
	}
	covered := 0
	for _, name := range measures {
		cases := byMeasure[name]
		if reason, skip := qicoreMeasureSkips[name]; skip {
			if len(cases) > 0 {
				t.Errorf("%s is skipped (%s) but has cases", name, reason)
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			in, out := false, false
			for _, c := range cases {
				n, ok := c.want[numeratorOf(name)]
				in = in || ok && n > 0
				out = out || ok && n == 0
			}
			if !in || !out {
				t.Fatalf("%s needs a patient in its Numerator and one outside it (or a skip with a reason)", name)
			}
			src, err := os.ReadFile(filepath.Join(dir, name+".cql"))
			if err != nil {
				t.Fatal(err)
			}
			lib, errs := env.Compile(name+".cql", string(src))
			if errs != nil {
				t.Fatal(errs)
			}
			mp, start, end, url := measureInfo(t, dir, name)
			params := map[string]value.Value{
				"Measurement Period": mp,
				"Provider":           nil, // AttributionModel's parameter without a default: no provider
			}
			m, err := measure.Find([]*content.Package{pkg}, url) // some Measures have no id
			if reason, ok := qicoreReportSkips[name]; ok {
				if err == nil || !strings.Contains(err.Error(), "has no expression definition") {
					t.Errorf("%s is in qicoreReportSkips (%s), but the measure evaluator takes it (%v)", name, reason, err)
				}
				m = nil
			} else if err != nil {
				t.Fatal(err)
			}
			period, err := measure.ParsePeriod(start, end)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				for _, n := range c.valueSets() {
					if !terms.Has(n) {
						t.Errorf("%s: no value set of the corpus is called %q", c.name, n)
					}
				}
				r, err := fhir.NewBundleRetriever(c.bundle(), fhir.BundleOptions{Terminology: terms})
				if err != nil {
					t.Fatal(c.name, err)
				}
				got := map[string]int{}
				var diff []string
				for pop, want := range c.want {
					v, err := lib.Eval(context.Background(), pop, cql.EvalOptions{Retriever: r, Terminology: terms, Parameters: params})
					if err != nil {
						t.Errorf("%s: %s: %v", c.name, pop, err)
						continue
					}
					got[pop] = populationCount(v)
					if got[pop] != want {
						diff = append(diff, fmt.Sprintf("%s = %d (%s), want %d", pop, got[pop], value.Format(v), want))
					}
				}
				if len(diff) > 0 {
					slices.Sort(diff)
					t.Errorf("%s:\n  %s", c.name, strings.Join(diff, "\n  "))
				}
				eval := func(expr string) (value.Value, error) {
					return lib.Eval(context.Background(), expr, cql.EvalOptions{Retriever: r, Terminology: terms, Parameters: params})
				}
				if m != nil {
					checkReport(t, c, m, period, eval)
				}
			}
		})
		covered++
	}
	t.Logf("%d of %d measures evaluated for synthetic patients (%d cases); skipped: %d", covered, len(measures), len(qicoreMeasureCases), len(qicoreMeasureSkips))
}

// checkReport evaluates a case with the measure evaluator (the path of
// ccg measure eval and $evaluate-measure) and checks each population count
// of the individual MeasureReport against the defines of its criteria
// (evaluated by eval) under the scoring rules: a proportion's Denominator
// is in the Initial Population, its exclusions and Numerator in the
// Denominator, the Numerator not excluded, its exceptions neither excluded
// nor in the Numerator, and the reported Denominator without its
// exclusions and exceptions; a continuous variable's Measure Population in the
// Initial Population and its exclusions in the Measure Population.
func checkReport(t *testing.T, c measureCase, m *measure.Measure, period measure.Period, eval func(string) (value.Value, error)) {
	t.Helper()
	data, err := measure.ParseData(c.bundle())
	if err != nil {
		t.Fatal(c.name, err)
	}
	report, err := m.Evaluate(context.Background(), data, measure.Options{Period: period, Type: measure.Individual,
		Subjects: []string{"p"}, Subject: "Patient/p"})
	if err != nil {
		t.Errorf("%s: MeasureReport: %v", c.name, err)
		return
	}
	groups := fj.Objs(report, "group")
	for gi, g := range fj.Objs(m.Resource, "group") {
		var scoring string
		for _, cd := range fj.Objs(fj.Obj(m.Resource, "scoring"), "coding") {
			scoring = fj.Str(cd, "code")
		}
		for _, e := range fj.Objs(g, "extension") {
			if strings.HasSuffix(fj.Str(e, "url"), "cqfm-scoring") {
				for _, cd := range fj.Objs(fj.Obj(e, "valueCodeableConcept"), "coding") {
					scoring = fj.Str(cd, "code")
				}
			}
		}
		members := map[string]map[string]bool{}
		for _, p := range fj.Objs(g, "population") {
			code := populationCode(p)
			expr := fj.Str(fj.Obj(p, "criteria"), "expression")
			if expr == "" || code == "measure-observation" {
				continue
			}
			v, err := eval(expr)
			if err != nil {
				t.Errorf("%s: %s: %v", c.name, expr, err)
				return
			}
			members[code] = memberSet(v)
		}
		want := map[string]int{}
		in := func(code string, of ...string) map[string]bool {
			out := map[string]bool{}
			for k := range members[code] {
				ok := true
				for _, o := range of {
					neg := strings.HasPrefix(o, "-")
					if members[strings.TrimPrefix(o, "-")][k] == neg {
						ok = false
					}
				}
				if ok {
					out[k] = true
				}
			}
			members[code] = out
			return out
		}
		switch scoring {
		case "proportion", "ratio":
			want["initial-population"] = len(in("initial-population"))
			want["denominator"] = len(in("denominator", "initial-population"))
			want["denominator-exclusion"] = len(in("denominator-exclusion", "denominator"))
			want["numerator"] = len(in("numerator", "denominator", "-denominator-exclusion"))
			want["numerator-exclusion"] = len(in("numerator-exclusion", "numerator"))
			want["denominator-exception"] = len(in("denominator-exception", "denominator", "-denominator-exclusion", "-numerator"))
			// The reported Denominator leaves out its exclusions and
			// exceptions (the reference engine's reports, which
			// engine/measure follows).
			want["denominator"] = len(in("denominator", "-denominator-exclusion", "-denominator-exception"))
		case "continuous-variable":
			want["initial-population"] = len(in("initial-population"))
			want["measure-population"] = len(in("measure-population", "initial-population"))
			want["measure-population-exclusion"] = len(in("measure-population-exclusion", "measure-population"))
		default:
			want["initial-population"] = len(in("initial-population"))
		}
		if gi >= len(groups) {
			t.Errorf("%s: MeasureReport has %d groups, want %d", c.name, len(groups), gi+1)
			return
		}
		for _, p := range fj.Objs(groups[gi], "population") {
			code := populationCode(p)
			w, ok := want[code]
			if !ok {
				continue
			}
			if got := fmt.Sprint(p["count"]); got != fmt.Sprint(w) {
				t.Errorf("%s: MeasureReport group %d %s count %s, want %d (from the defines)", c.name, gi+1, code, got, w)
			}
		}
	}
}

// populationCode is the measure-population code of a population.
func populationCode(p map[string]any) string {
	for _, cd := range fj.Objs(fj.Obj(p, "code"), "coding") {
		return fj.Str(cd, "code")
	}
	return ""
}

// memberSet is what a population criterion holds: the patient for true,
// the resources of a list by type and id.
func memberSet(v value.Value) map[string]bool {
	out := map[string]bool{}
	switch x := v.(type) {
	case value.Boolean:
		if x {
			out["Patient/p"] = true
		}
	case value.List:
		for _, e := range x.Elems {
			if n, ok := e.(*fhir.Node); ok {
				out[n.TypeName()+"/"+n.ID()] = true
			}
		}
	}
	return out
}

// measureInfo reads the measurement period of a measure, the
// effectivePeriod of its Measure as the measure evaluator takes it by
// default, as a CQL interval and as its start and end dates; and the
// Measure's canonical url.
func measureInfo(t *testing.T, dir, measure string) (mp value.Value, start, end, url string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "..", "resources", "measure", measure+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		URL             string
		EffectivePeriod struct{ Start, End string } `json:"effectivePeriod"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	_, v, err := cql.ParseParameter(fmt.Sprintf("MP=Interval[@%sT00:00:00.000Z, @%sT23:59:59.999Z]", m.EffectivePeriod.Start, m.EffectivePeriod.End))
	if err != nil {
		t.Fatal(err)
	}
	return v, m.EffectivePeriod.Start, m.EffectivePeriod.End, m.URL
}

// numeratorOf is the population a measure's patients must be in and out
// of: its Numerator, or the one qicoreMeasureTarget names.
func numeratorOf(measure string) string {
	if t, ok := qicoreMeasureTarget[measure]; ok {
		return t.population
	}
	return "Numerator"
}

// populationCount is 1 or 0 for a boolean population, the size of a list
// population (null: 0).
func populationCount(v value.Value) int {
	switch x := v.(type) {
	case value.Boolean:
		if x {
			return 1
		}
	case value.List:
		return len(x.Elems)
	}
	return 0
}

// qicoreMeasureTarget names, for the measures without a population
// "Numerator", the population their cases show patients in and out of, and
// why.
var qicoreMeasureTarget = map[string]struct{ population, reason string }{
	"MPPPatientLevel":                          {"Initial Population", "its Measure names Denominator and Numerator, which its library does not define"},
	"MPPEncounterLevel":                        {"Initial Population", "its Measure names Denominator and Numerator, which its library does not define"},
	"HybridHospitalWideMortalityFHIR":          {"Initial Population", "a cohort measure"},
	"HybridHospitalWideReadmissionFHIR":        {"Initial Population", "a cohort measure"},
	"UseofHighRiskMedicationsintheElderlyFHIR": {"Numerator 1", "three groups: Numerator 1 (any high-risk medication), 2 (antipsychotics, benzodiazepines), 3 (either)"},
}

// qicoreReportSkips are the measures the measure evaluator refuses, with
// the reason: only their defines are checked.
var qicoreReportSkips = map[string]string{
	"MPPPatientLevel":                       "the Measure names Denominator and Numerator, which its library does not define",
	"MPPEncounterLevel":                     "the Measure names Denominator and Numerator, which its library does not define",
	"DischargedonAntithromboticTherapyFHIR": "the Measure names Denominator Exceptions, which its library has in a comment",
}

// qicoreMeasureSkips are the measures without synthetic patients yet, with
// the reason.
var qicoreMeasureSkips = map[string]string{
	"DepressionRemissionatTwelveMonthsFHIR": "not written yet: needs PHQ-9 scores around an index event 10 to 14 months apart",
	"GMCSAU2024FHIR":                        "not written yet: continuous-variable malnutrition scores over screening, assessment, diagnosis and care plan observations",
	"SevereObstetricComplicationsFHIR":      "not written yet: delivery encounters with gestational age, severe complications and transfusion procedures",
}

// qicoreMeasureCases are the synthetic patients, by measure.
var qicoreMeasureCases = []measureCase{
	{"HIVScreeningFHIR", "tested during an office visit", []res{
		patient("1980-05-01", "female"),
		encounter("Office Visit", "2024-03-01T10:00:00Z", "2024-03-01T10:30:00Z"),
		observation("Human Immunodeficiency Virus (HIV) Laboratory Test Codes (Ab and Ag)", "2024-03-01T10:15:00Z", nil),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1}},
	{"HIVScreeningFHIR", "test not final", []res{
		patient("1980-05-01", "female"),
		encounter("Office Visit", "2024-03-01T10:00:00Z", "2024-03-01T10:30:00Z"),
		observation("Human Immunodeficiency Virus (HIV) Laboratory Test Codes (Ab and Ag)", "2024-03-01T10:15:00Z", nil).with("status", "preliminary"),
	}, map[string]int{"Initial Population": 1, "Numerator": 0}},
	{"HIVScreeningFHIR", "visit cancelled", []res{
		patient("1980-05-01", "female"),
		encounter("Office Visit", "2024-03-01T10:00:00Z", "2024-03-01T10:30:00Z").with("status", "cancelled"),
		observation("Human Immunodeficiency Virus (HIV) Laboratory Test Codes (Ab and Ag)", "2024-03-01T10:15:00Z", nil),
	}, map[string]int{"Initial Population": 0, "Numerator": 1}},
	{"HIVScreeningFHIR", "known HIV", []res{
		patient("1980-05-01", "female"),
		encounter("Office Visit", "2024-03-01T10:00:00Z", "2024-03-01T10:30:00Z"),
		condition("HIV", "2020-01-01"),
	}, map[string]int{"Initial Population": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"HIVSTITestingFHIR", "HIV, tested for chlamydia, gonorrhea and syphilis", []res{
		patient("1990-01-01", "male"),
		encounter("Office Visit", "2024-02-01T09:00:00Z", "2024-02-01T09:30:00Z"),
		condition("HIV", "2023-06-01"),
		observation("Chlamydia Screening", "2024-02-01T09:10:00Z", cc("http://snomed.info/sct", "260385009")),
		observation("Gonorrhea Screening", "2024-02-01T09:10:00Z", cc("http://snomed.info/sct", "260385009")),
		observation("Syphilis Tests", "2024-02-01T09:10:00Z", cc("http://snomed.info/sct", "260385009")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1}},
	{"HIVSTITestingFHIR", "HIV, no syphilis result", []res{
		patient("1990-01-01", "male"),
		encounter("Office Visit", "2024-02-01T09:00:00Z", "2024-02-01T09:30:00Z"),
		condition("HIV", "2023-06-01"),
		observation("Chlamydia Screening", "2024-02-01T09:10:00Z", cc("http://snomed.info/sct", "260385009")),
		observation("Gonorrhea Screening", "2024-02-01T09:10:00Z", cc("http://snomed.info/sct", "260385009")),
		observation("Syphilis Tests", "2024-02-01T09:10:00Z", nil),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"HIVSTITestingFHIR", "12 years old", []res{
		patient("2012-03-01", "male"),
		encounter("Office Visit", "2024-02-01T09:00:00Z", "2024-02-01T09:30:00Z"),
		condition("HIV", "2023-06-01"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"HIVViralSuppressionFHIR", "last viral load below 200 copies/mL", []res{
		patient("1970-01-01", "female"),
		condition("HIV", "2020-01-01"),
		encounter("Telephone Visits", "2024-03-01T09:00:00Z", "2024-03-01T09:20:00Z"),
		observation("HIV Viral Load", "2024-04-01T09:00:00Z", qty(5000, "{copies}/mL")),
		observation("HIV Viral Load", "2024-10-01T09:00:00Z", qty(150, "{copies}/mL")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1}},
	{"HIVViralSuppressionFHIR", "last viral load 5000 copies/mL", []res{
		patient("1970-01-01", "female"),
		condition("HIV", "2020-01-01"),
		encounter("Telephone Visits", "2024-03-01T09:00:00Z", "2024-03-01T09:20:00Z"),
		observation("HIV Viral Load", "2024-04-01T09:00:00Z", qty(150, "{copies}/mL")),
		observation("HIV Viral Load", "2024-10-01T09:00:00Z", qty(5000, "{copies}/mL")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"HIVViralSuppressionFHIR", "first visit after day 240", []res{
		patient("1970-01-01", "female"),
		condition("HIV", "2020-01-01"),
		encounter("Telephone Visits", "2024-10-01T09:00:00Z", "2024-10-01T09:20:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"KidneyHealthEvaluationFHIR", "diabetic with eGFR and uACR", []res{
		patient("1960-01-01", "female"),
		condition("Diabetes", "2015-01-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
		observation("Estimated Glomerular Filtration Rate", "2024-05-01T09:10:00Z", qty(75, "mL/min/{1.73_m2}")),
		observation("Urine Albumin Creatinine Ratio", "2024-05-01T09:10:00Z", qty(20, "mg/g")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1}},
	{"KidneyHealthEvaluationFHIR", "diabetic with eGFR only", []res{
		patient("1960-01-01", "female"),
		condition("Diabetes", "2015-01-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
		observation("Estimated Glomerular Filtration Rate", "2024-05-01T09:10:00Z", qty(75, "mL/min/{1.73_m2}")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 0}},
	{"KidneyHealthEvaluationFHIR", "end stage renal disease", []res{
		patient("1960-01-01", "female"),
		condition("Diabetes", "2015-01-01"),
		condition("End Stage Renal Disease", "2022-01-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"KidneyHealthEvaluationFHIR", "visit not ambulatory", []res{
		patient("1960-01-01", "female"),
		condition("Diabetes", "2015-01-01"),
		inpatient("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 0}},
	{"MPPPatientLevel", "office visit in the first 240 days", []res{
		patient("1970-01-01", "male"),
		encounter("Office Visit", "2024-02-01T09:00:00Z", "2024-02-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 1}},
	{"MPPPatientLevel", "office visit in December", []res{
		patient("1970-01-01", "male"),
		encounter("Office Visit", "2024-12-01T09:00:00Z", "2024-12-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 0}},
	{"MPPEncounterLevel", "two stroke admissions and one for another diagnosis", []res{
		patient("1950-01-01", "male"),
		inpatient("Nonelective Inpatient Encounter", "2024-02-01T09:00:00Z", "2024-02-05T09:00:00Z").with("id", "e1",
			"diagnosis", []any{map[string]any{"condition": map[string]any{"reference": "Condition/c1"}, "rank": 1}}),
		condition("Ischemic Stroke", "2024-02-01").with("id", "c1"),
		inpatient("Nonelective Inpatient Encounter", "2024-06-01T09:00:00Z", "2024-06-03T09:00:00Z").with("id", "e2",
			"diagnosis", []any{map[string]any{"condition": map[string]any{"reference": "Condition/c2"}, "rank": 1}}),
		condition("Hemorrhagic Stroke", "2024-06-01").with("id", "c2"),
		inpatient("Nonelective Inpatient Encounter", "2024-08-01T09:00:00Z", "2024-08-03T09:00:00Z").with("id", "e3",
			"diagnosis", []any{map[string]any{"condition": map[string]any{"reference": "Condition/c3"}, "rank": 1}}),
		condition("Diabetes", "2024-08-01").with("id", "c3"),
	}, map[string]int{"Initial Population": 2}},
	{"MPPEncounterLevel", "stroke as a secondary diagnosis", []res{
		patient("1950-01-01", "male"),
		inpatient("Nonelective Inpatient Encounter", "2024-02-01T09:00:00Z", "2024-02-05T09:00:00Z").with("id", "e1",
			"diagnosis", []any{map[string]any{"condition": map[string]any{"reference": "Condition/c1"}, "rank": 2}}),
		condition("Ischemic Stroke", "2024-02-01").with("id", "c1"),
	}, map[string]int{"Initial Population": 0}},
	{"DementiaCognitiveAssessmentFHIR", "cognition assessed at a dementia visit", []res{
		patient("1940-01-01", "female"),
		condition("Dementia & Mental Degenerations", "2022-01-01"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		encounter("Patient Provider Interaction", "2024-06-01T09:00:00Z", "2024-06-01T09:30:00Z"),
		observation("Cognitive Assessment", "2024-03-01T09:15:00Z", cc("http://snomed.info/sct", "260385009")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1, "Denominator Exceptions": 0}},
	{"DementiaCognitiveAssessmentFHIR", "patient declined the assessment", []res{
		patient("1940-01-01", "female"),
		condition("Dementia & Mental Degenerations", "2022-01-01"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		encounter("Patient Provider Interaction", "2024-06-01T09:00:00Z", "2024-06-01T09:30:00Z"),
		observationNotDone("Cognitive Assessment", "2024-03-01T09:15:00Z", "Patient Reason"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0, "Denominator Exceptions": 1}},
	{"DementiaCognitiveAssessmentFHIR", "one visit only", []res{
		patient("1940-01-01", "female"),
		condition("Dementia & Mental Degenerations", "2022-01-01"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		observation("Cognitive Assessment", "2024-03-01T09:15:00Z", cc("http://snomed.info/sct", "260385009")),
	}, map[string]int{"Initial Population": 0, "Numerator": 1}},
	{"POAGOpticNerveEvaluationFHIR", "cup to disc ratio and optic disc exam", []res{
		patient("1950-01-01", "male"),
		condition("Primary Open-Angle Glaucoma", "2020-01-01"),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
		observation("Cup to Disc Ratio", "2024-04-01T09:20:00Z", qty(0.4, "1")),
		observation("Optic Disc Exam for Structural Abnormalities", "2024-04-01T09:30:00Z", cc("http://snomed.info/sct", "260385009")),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1, "Denominator Exceptions": 0}},
	{"POAGOpticNerveEvaluationFHIR", "optic disc exam not done for a medical reason", []res{
		patient("1950-01-01", "male"),
		condition("Primary Open-Angle Glaucoma", "2020-01-01"),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
		observation("Cup to Disc Ratio", "2024-04-01T09:20:00Z", qty(0.4, "1")),
		observationNotDone("Optic Disc Exam for Structural Abnormalities", "2024-04-01T09:30:00Z", "Medical Reason"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0, "Denominator Exceptions": 1}},
	{"POAGOpticNerveEvaluationFHIR", "glaucoma refuted", []res{
		patient("1950-01-01", "male"),
		condition("Primary Open-Angle Glaucoma", "2020-01-01").with("verificationStatus",
			cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"DRCommunicationWithPhysicianManagingDiabetesFHIR", "severity and macular edema communicated", []res{
		patient("1960-01-01", "female"),
		condition("Diabetic Retinopathy", "2021-01-01"),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
		observation("Macular Exam", "2024-04-01T09:20:00Z", cc("http://snomed.info/sct", "260385009")),
		res{"resourceType": "Communication", "status": "completed", "reasonCode": []any{vs("Level of Severity of Retinopathy Findings")},
			"sent": "2024-04-02T09:00:00Z"},
		res{"resourceType": "Communication", "status": "completed", "reasonCode": []any{vs("Macular edema absent (situation)")},
			"sent": "2024-04-02T09:00:00Z"},
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1, "Denominator Exceptions": 0}},
	{"DRCommunicationWithPhysicianManagingDiabetesFHIR", "severity not communicated for a patient reason", []res{
		patient("1960-01-01", "female"),
		condition("Diabetic Retinopathy", "2021-01-01"),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
		observation("Macular Exam", "2024-04-01T09:20:00Z", cc("http://snomed.info/sct", "260385009")),
		res{"resourceType": "Communication", "status": "not-done", "reasonCode": []any{vs("Level of Severity of Retinopathy Findings")},
			"statusReason": vs("Patient Reason"), "extension": []any{map[string]any{
				"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-recorded", "valueDateTime": "2024-04-01T09:40:00Z"}}},
		res{"resourceType": "Communication", "status": "completed", "reasonCode": []any{vs("Macular edema absent (situation)")},
			"sent": "2024-04-02T09:00:00Z"},
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0, "Denominator Exceptions": 1}},
	{"DRCommunicationWithPhysicianManagingDiabetesFHIR", "no macular exam", []res{
		patient("1960-01-01", "female"),
		condition("Diabetic Retinopathy", "2021-01-01"),
		encounter("Ophthalmological Services", "2024-04-01T09:00:00Z", "2024-04-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 0, "Numerator": 0}},
	{"Cataracts2040BCVAwithin90DaysFHIR", "two surgeries, 20/40 after the first only", []res{
		patient("1950-01-01", "male"),
		procedure("Cataract Surgery", "2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z"),
		procedure("Cataract Surgery", "2024-06-01T09:00:00Z", "2024-06-01T10:00:00Z"),
		observation("Best Corrected Visual Acuity Exam Using Snellen Chart", "2024-04-01T09:00:00Z", vs("Visual Acuity 20/40 or Better")),
		observation("Best Corrected Visual Acuity Exam Using Snellen Chart", "2024-10-01T09:00:00Z", vs("Visual Acuity 20/40 or Better")),
	}, map[string]int{"Initial Population": 2, "Denominator": 2, "Denominator Exclusions": 0, "Numerator": 1}},
	{"Cataracts2040BCVAwithin90DaysFHIR", "glaucoma before the surgery", []res{
		patient("1950-01-01", "male"),
		procedure("Cataract Surgery", "2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z"),
		condition("Glaucoma", "2020-01-01"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"Cataracts2040BCVAwithin90DaysFHIR", "surgery in November", []res{
		patient("1950-01-01", "male"),
		procedure("Cataract Surgery", "2024-11-01T09:00:00Z", "2024-11-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"AdultMajorDepressiveDisorderMDDSuicideRiskAssessmentFHIR", "two new episodes, risk assessed at the first", []res{
		patient("1980-01-01", "female"),
		mddVisit("2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z"),
		suicideRiskAssessment("2024-02-01T09:10:00Z", "2024-02-01T09:30:00Z"),
		mddVisit("2024-09-01T09:00:00Z", "2024-09-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 2, "Denominator": 2, "Numerator": 1}},
	{"AdultMajorDepressiveDisorderMDDSuicideRiskAssessmentFHIR", "follow-up visit within 104 days is no new episode", []res{
		patient("1980-01-01", "female"),
		mddVisit("2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z"),
		mddVisit("2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z"),
		suicideRiskAssessment("2024-03-01T09:10:00Z", "2024-03-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"ChildandAdolescentMajorDepressiveDisorderMDDSuicideRiskAssessmentFHIR", "risk assessed at one of two visits", []res{
		patient("2012-01-01", "male"),
		mddVisit("2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z"),
		suicideRiskAssessment("2024-02-01T09:10:00Z", "2024-02-01T09:30:00Z"),
		mddVisit("2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 2, "Denominator": 2, "Numerator": 1}},
	{"ChildandAdolescentMajorDepressiveDisorderMDDSuicideRiskAssessmentFHIR", "not assessed", []res{
		patient("2012-01-01", "male"),
		mddVisit("2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"ChildandAdolescentMajorDepressiveDisorderMDDSuicideRiskAssessmentFHIR", "adult", []res{
		patient("1980-01-01", "male"),
		mddVisit("2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"ControllingHighBloodPressureFHIR", "controlled on the last reading day (lowest of two)", []res{
		patient("1970-01-01", "male"),
		condition("Essential Hypertension", "2020-01-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
		bloodPressure("2024-05-01T09:10:00Z", 150, 95),
		bloodPressure("2024-11-01T09:10:00Z", 150, 95),
		bloodPressure("2024-11-01T09:40:00Z", 130, 85),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1}},
	{"ControllingHighBloodPressureFHIR", "uncontrolled on the last reading day", []res{
		patient("1970-01-01", "male"),
		condition("Essential Hypertension", "2020-01-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
		bloodPressure("2024-05-01T09:10:00Z", 120, 80),
		bloodPressure("2024-11-01T09:10:00Z", 150, 95),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 0}},
	{"ControllingHighBloodPressureFHIR", "pregnant", []res{
		patient("1990-01-01", "female"),
		condition("Essential Hypertension", "2020-01-01"),
		condition("Pregnancy", "2024-03-01"),
		encounter("Office Visit", "2024-05-01T09:00:00Z", "2024-05-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"UseofHighRiskMedicationsintheElderlyFHIR", "antispasmodic ordered twice", []res{
		patient("1950-01-01", "female"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		medRequest("Antispasmodics", "2024-03-01T09:20:00Z"),
		medRequest("Antispasmodics", "2024-05-01T09:20:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator 1": 1, "Numerator 3": 1}},
	{"UseofHighRiskMedicationsintheElderlyFHIR", "antispasmodic ordered once", []res{
		patient("1950-01-01", "female"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		medRequest("Antispasmodics", "2024-03-01T09:20:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator 1": 0, "Numerator 2": 0, "Numerator 3": 0}},
	{"UseofHighRiskMedicationsintheElderlyFHIR", "the second order is a do-not-perform one", []res{
		patient("1950-01-01", "female"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
		medRequest("Antispasmodics", "2024-03-01T09:20:00Z"),
		medRequest("Antispasmodics", "2024-05-01T09:20:00Z").with("doNotPerform", true),
	}, map[string]int{"Initial Population": 1, "Numerator 1": 0}},
	{"UseofHighRiskMedicationsintheElderlyFHIR", "60 years old", []res{
		patient("1964-01-01", "female"),
		encounter("Office Visit", "2024-03-01T09:00:00Z", "2024-03-01T09:30:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator 1": 0}},
	{"SafeUseofOpioidsConcurrentPrescribingFHIR", "opioid and benzodiazepine at discharge", []res{
		patient("1970-01-01", "male"),
		inpatient("Encounter Inpatient", "2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z"),
		dischargeOrder("Schedule II & III Opioid Medications", "2024-04-05T10:00:00Z"),
		dischargeOrder("Schedule IV Benzodiazepines", "2024-04-05T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusion": 0, "Numerator": 1}},
	{"SafeUseofOpioidsConcurrentPrescribingFHIR", "opioid alone at discharge", []res{
		patient("1970-01-01", "male"),
		inpatient("Encounter Inpatient", "2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z"),
		dischargeOrder("Schedule II & III Opioid Medications", "2024-04-05T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusion": 0, "Numerator": 0}},
	{"SafeUseofOpioidsConcurrentPrescribingFHIR", "cancer diagnosis of the stay", []res{
		patient("1970-01-01", "male"),
		inpatient("Encounter Inpatient", "2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z").with("diagnosis",
			[]any{map[string]any{"condition": map[string]any{"reference": "Condition/c1"}}}),
		condition("All Primary and Secondary Cancer", "2024-04-01").with("id", "c1"),
		dischargeOrder("Schedule II & III Opioid Medications", "2024-04-05T10:00:00Z"),
		dischargeOrder("Schedule IV Benzodiazepines", "2024-04-05T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator Exclusion": 1, "Numerator": 1}},
	{"SafeUseofOpioidsConcurrentPrescribingFHIR", "opioid ordered in hospital, not at discharge", []res{
		patient("1970-01-01", "male"),
		inpatient("Encounter Inpatient", "2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z"),
		medRequest("Schedule II & III Opioid Medications", "2024-04-02T10:00:00Z"),
	}, map[string]int{"Initial Population": 0, "Numerator": 0}},
	{"DischargedonAntithromboticTherapyFHIR", "ischemic stroke, antithrombotic ordered", []res{
		patient("1950-01-01", "female"),
		strokeStay("2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z", "c1"),
		condition("Ischemic Stroke", "2024-04-01").with("id", "c1"),
		dischargeOrder("Antithrombotic Therapy for Ischemic Stroke", "2024-04-05T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1}},
	{"DischargedonAntithromboticTherapyFHIR", "ischemic stroke, antithrombotic not ordered for a medical reason", []res{
		patient("1950-01-01", "female"),
		strokeStay("2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z", "c1"),
		condition("Ischemic Stroke", "2024-04-01").with("id", "c1"),
		dischargeOrder("Antithrombotic Therapy for Ischemic Stroke", "2024-04-05T10:00:00Z").with("doNotPerform", true,
			"status", "completed", "reasonCode", []any{vs("Medical Reason For Not Providing Treatment")}),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"DischargedonAntithromboticTherapyFHIR", "hemorrhagic stroke", []res{
		patient("1950-01-01", "female"),
		strokeStay("2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z", "c1"),
		condition("Hemorrhagic Stroke", "2024-04-01").with("id", "c1"),
		dischargeOrder("Antithrombotic Therapy for Ischemic Stroke", "2024-04-05T10:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator": 0, "Numerator": 0}},
	{"DischargedonAntithromboticTherapyFHIR", "ischemic stroke, discharged to hospice", []res{
		patient("1950-01-01", "female"),
		strokeStay("2024-04-01T09:00:00Z", "2024-04-05T12:00:00Z", "c1").with("hospitalization",
			map[string]any{"dischargeDisposition": vs("Discharged to Home for Hospice Care")}),
		condition("Ischemic Stroke", "2024-04-01").with("id", "c1"),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"HybridHospitalWideMortalityFHIR", "Medicare patient, two stays, one in the period", []res{
		patient("1950-01-01", "male"),
		medicare(),
		inpatient("Encounter Inpatient", "2024-08-01T09:00:00Z", "2024-08-05T12:00:00Z"),
		inpatient("Encounter Inpatient", "2024-03-01T09:00:00Z", "2024-03-05T12:00:00Z"),
	}, map[string]int{"Initial Population": 1}},
	{"HybridHospitalWideMortalityFHIR", "no Medicare coverage", []res{
		patient("1950-01-01", "male"),
		inpatient("Encounter Inpatient", "2024-08-01T09:00:00Z", "2024-08-05T12:00:00Z"),
	}, map[string]int{"Initial Population": 0}},
	{"HybridHospitalWideReadmissionFHIR", "Medicare patient, two stays in the period", []res{
		patient("1950-01-01", "male"),
		medicare(),
		inpatient("Encounter Inpatient", "2024-08-01T09:00:00Z", "2024-08-05T12:00:00Z"),
		inpatient("Encounter Inpatient", "2024-09-01T09:00:00Z", "2024-09-05T12:00:00Z"),
	}, map[string]int{"Initial Population": 2}},
	{"HybridHospitalWideReadmissionFHIR", "64 years old at admission", []res{
		patient("1960-01-01", "male"),
		medicare(),
		inpatient("Encounter Inpatient", "2024-08-01T09:00:00Z", "2024-08-05T12:00:00Z"),
	}, map[string]int{"Initial Population": 0}},
	{"AppropriateTreatmentforSTEMIFHIR", "transferred to acute care within 45 minutes", []res{
		patient("1960-01-01", "male"),
		stemiVisit("2024-04-01T09:00:00Z", "2024-04-01T09:40:00Z").with("hospitalization",
			map[string]any{"dischargeDisposition": vs("Discharge To Acute Care Facility")}),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1}},
	{"AppropriateTreatmentforSTEMIFHIR", "transferred after 3 hours", []res{
		patient("1960-01-01", "male"),
		stemiVisit("2024-04-01T09:00:00Z", "2024-04-01T12:00:00Z").with("hospitalization",
			map[string]any{"dischargeDisposition": vs("Discharge To Acute Care Facility")}),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 0}},
	{"AppropriateTreatmentforSTEMIFHIR", "on an oral anticoagulant", []res{
		patient("1960-01-01", "male"),
		stemiVisit("2024-04-01T09:00:00Z", "2024-04-01T12:00:00Z"),
		medRequest("Oral Anticoagulant Medications", "2024-01-01T09:00:00Z"),
	}, map[string]int{"Initial Population": 1, "Denominator Exclusions": 1, "Numerator": 0}},
	{"PCSDepressionScreenAndFollowUpFHIR", "adult screened negative", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Screen for Depression", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		adultDepressionScreen("2024-04-01T09:10:00Z", false),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1, "Denominator Exceptions": 0}},
	{"PCSDepressionScreenAndFollowUpFHIR", "adult screened positive, referred", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Screen for Depression", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		adultDepressionScreen("2024-04-01T09:10:00Z", true),
		res{"resourceType": "ServiceRequest", "status": "active", "intent": "order", "code": vs("Referral for Adult Depression"),
			"authoredOn": "2024-04-02T09:00:00Z"},
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1}},
	{"PCSDepressionScreenAndFollowUpFHIR", "adult screened positive, referral not requested", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Screen for Depression", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		adultDepressionScreen("2024-04-01T09:10:00Z", true),
		res{"resourceType": "ServiceRequest", "status": "active", "intent": "order", "code": vs("Referral for Adult Depression"),
			"authoredOn": "2024-04-02T09:00:00Z", "doNotPerform": true},
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"PCSDepressionScreenAndFollowUpFHIR", "screening declined", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Screen for Depression", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		res{"resourceType": "Observation", "status": "cancelled", "code": cc("http://loinc.org", "73832-8"), "issued": "2024-04-01T09:10:00Z",
			"extension": []any{map[string]any{"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-notDoneReason",
				"valueCodeableConcept": cc("http://snomed.info/sct", "720834000")}}},
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0, "Denominator Exceptions": 1}},
	{"StatinTherapyforthePreventionandTreatmentofCardiovascularDiseaseFHIR", "angina, statin ordered", []res{
		patient("1960-01-01", "male"),
		problem("Stable and Unstable Angina", "2019-01-01"),
		encounter("Office Visit", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		medRequest("Moderate Intensity Statin Therapy", "2024-04-01T09:20:00Z"),
	}, map[string]int{"Initial Population 1": 1, "Denominator 1": 1, "Denominator Exclusions": 0, "Numerator": 1, "Denominator Exceptions": 0}},
	{"StatinTherapyforthePreventionandTreatmentofCardiovascularDiseaseFHIR", "angina, statin not ordered for a medical reason", []res{
		patient("1960-01-01", "male"),
		problem("Stable and Unstable Angina", "2019-01-01"),
		encounter("Office Visit", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		medRequest("Moderate Intensity Statin Therapy", "2024-04-01T09:20:00Z").with("doNotPerform", true,
			"status", "completed", "reasonCode", []any{vs("Medical Reason")}),
	}, map[string]int{"Initial Population 1": 1, "Numerator": 0, "Denominator Exceptions": 1}},
	{"StatinTherapyforthePreventionandTreatmentofCardiovascularDiseaseFHIR", "angina only as an encounter diagnosis", []res{
		patient("1960-01-01", "male"),
		condition("Stable and Unstable Angina", "2019-01-01"),
		encounter("Office Visit", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
	}, map[string]int{"Initial Population 1": 0, "Numerator": 0}},
	{"PCSBMIScreenAndFollowUpFHIR", "normal BMI", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Evaluate BMI", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		bmi("2024-04-01T09:10:00Z", 22),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Denominator Exclusions": 0, "Numerator": 1, "Denominator Exceptions": 0}},
	{"PCSBMIScreenAndFollowUpFHIR", "high BMI, follow-up for overweight", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Evaluate BMI", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		bmi("2024-04-01T09:10:00Z", 31),
		procedure("Follow Up for Above Normal BMI", "2024-04-01T09:20:00Z", "2024-04-01T09:25:00Z").with("reasonCode",
			[]any{vs("Overweight or Obese")}),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 1}},
	{"PCSBMIScreenAndFollowUpFHIR", "high BMI, no follow-up", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Evaluate BMI", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		bmi("2024-04-01T09:10:00Z", 31),
	}, map[string]int{"Initial Population": 1, "Denominator": 1, "Numerator": 0}},
	{"PCSBMIScreenAndFollowUpFHIR", "an observation coded as body weight is no BMI", []res{
		patient("1980-01-01", "female"),
		encounter("Encounter to Evaluate BMI", "2024-04-01T09:00:00Z", "2024-04-01T09:30:00Z"),
		bmi("2024-04-01T09:10:00Z", 22).with("code", cc("http://loinc.org", "29463-7"), "valueQuantity", qty(22, "kg/m2")),
	}, map[string]int{"Initial Population": 1, "Numerator": 0}},
}

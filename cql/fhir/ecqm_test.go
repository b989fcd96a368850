package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// ecqmPatient is one test patient of a measure: a folder of resources by
// type, with the expected MeasureReport when the corpus has one.
type ecqmPatient struct {
	dir       string
	resources []json.RawMessage
	// ids are the Patient resources of the folder (a few folders hold
	// the same patient twice, under two ids); each is a subject.
	ids    []string
	period value.Value // nil: the library default
}

// TestECQMCorpus evaluates, for every test patient of every measure of
// ecqm-content-r4-2021, every define of the measure's main library with
// the Measurement Period of the patient's expected MeasureReport (or the
// library default, or for a library without one the Measure's
// effectivePeriod), and requires no evaluation errors.
//
// Content errors of the corpus itself, which do not fail here:
//   - TJCOverallFHIR and IntensiveCareUnitVenousThromboembolismProphylaxisFHIR
//     read ComfortMeasure.performed on "Intervention Comfort Measures", a
//     union of ServiceRequests and Procedures; R4's ServiceRequest has no
//     performed element, so for ServiceRequests the read is null (as for
//     any element a union member's type lacks) and only authoredOn counts.
//   - Eight test resources break a FHIR primitive rule harmlessly (a
//     decimal written as a JSON string, a code as a number): they are read
//     leniently, with a warning each (logged).
func TestECQMCorpus(t *testing.T) {
	root := corpusDir(t, "ecqm-content-r4-2021", "input")
	env, _ := newEnv(t, filepath.Join(root, "cql"))
	vs := fhir.NewValueSetStore()
	if err := vs.LoadDir(filepath.Join(root, "vocabulary", "valueset")); err != nil {
		t.Fatal(err)
	}
	measures := ecqmMeasures(t, filepath.Join(root, "tests"))
	if len(measures) == 0 {
		t.Fatal("no measures with test patients")
	}
	evals, errCount, warnings, patients := 0, 0, 0, 0
	for _, name := range sortedKeys(measures) {
		src, err := os.ReadFile(filepath.Join(root, "cql", name+".cql"))
		if err != nil {
			t.Errorf("measure %s: no main library: %v", name, err)
			continue
		}
		lib, errs := env.Compile(name+".cql", string(src))
		if errs != nil {
			t.Errorf("measure %s does not compile:\n%v", name, errs)
			continue
		}
		for _, p := range measures[name] {
			for _, id := range p.ids {
				patients++
				r, err := ecqmRetriever(p, id, vs)
				if err != nil {
					t.Errorf("%s: %v", p.dir, err)
					continue
				}
				mp := p.period
				if mp == nil {
					// The main library's default, given to its helper
					// libraries too; for a library without one, the
					// effective period of its Measure.
					if mp, err = ecqmDefaultPeriod(env, root, name); err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
				}
				opts := cql.EvalOptions{Retriever: r, Terminology: vs, Parameters: map[string]value.Value{"Measurement Period": mp}}
				for _, res := range lib.EvalAll(context.Background(), opts) {
					evals++
					if res.Err == nil {
						continue
					}
					errCount++
					if errCount <= 60 {
						t.Errorf("%s (Patient/%s) %s/%s: %v", filepath.Base(p.dir), id, name, res.Name, res.Err)
					}
				}
				for _, w := range r.Warnings() {
					warnings++
					t.Logf("%s: data warning: %v", filepath.Base(p.dir), w)
				}
			}
		}
	}
	t.Logf("%d measures, %d test patients, %d define evaluations, %d errors, %d data warnings",
		len(measures), patients, evals, errCount, warnings)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ecqmMeasures finds the test patients by measure: tests/<Measure>/<patient>
// and tests/measure/<Measure>/<patient>, each patient a folder of resource
// type folders. tests/Touchstone holds TestScript XML, not patients.
func ecqmMeasures(t *testing.T, tests string) map[string][]ecqmPatient {
	out := map[string][]ecqmPatient{}
	addMeasure := func(name, dir string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		// Some measures keep the expected MeasureReports beside the
		// patient folders, named measurereport-<patient folder>.json.
		reports := map[string]value.Value{}
		for _, e := range entries {
			if f, ok := strings.CutPrefix(e.Name(), "measurereport-"); ok && !e.IsDir() {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if reports[strings.TrimSuffix(f, ".json")], err = ecqmReportPeriod(b); err != nil {
					t.Fatalf("%s: %v", e.Name(), err)
				}
			}
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			p, ok := ecqmLoadPatient(t, filepath.Join(dir, e.Name()))
			if p.period == nil {
				p.period = reports[e.Name()]
			}
			if ok {
				out[name] = append(out[name], p)
			}
		}
	}
	entries, err := os.ReadDir(tests)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch {
		case !e.IsDir() || e.Name() == "Touchstone":
		case e.Name() == "measure":
			sub, err := os.ReadDir(filepath.Join(tests, "measure"))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range sub {
				if m.IsDir() {
					addMeasure(m.Name(), filepath.Join(tests, "measure", m.Name()))
				}
			}
		default:
			addMeasure(e.Name(), filepath.Join(tests, e.Name()))
		}
	}
	return out
}

// ecqmLoadPatient reads a test patient folder: every JSON resource below
// it, and the period of its MeasureReport. ok is false for a folder
// without a Patient.
func ecqmLoadPatient(t *testing.T, dir string) (ecqmPatient, bool) {
	p := ecqmPatient{dir: dir}
	hasPatient := false
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		switch head.ResourceType {
		case "MeasureReport":
			if p.period, err = ecqmReportPeriod(b); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
		case "Patient":
			hasPatient = true
			p.ids = append(p.ids, head.ID)
			p.resources = append(p.resources, b)
		default:
			p.resources = append(p.resources, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, hasPatient
}

// ecqmReportPeriod reads the period of a MeasureReport.
func ecqmReportPeriod(b []byte) (value.Value, error) {
	var mr struct {
		Period struct{ Start, End string } `json:"period"`
	}
	if err := json.Unmarshal(b, &mr); err != nil {
		return nil, err
	}
	return ecqmPeriod(mr.Period.Start, mr.Period.End)
}

// ecqmPeriod is a MeasureReport period as the Measurement Period: a
// closed Interval<DateTime> from the start of the first day to the end of
// the last.
func ecqmPeriod(start, end string) (value.Value, error) {
	parse := func(s string, last bool) (value.Value, error) {
		if len(s) == 10 {
			if last {
				s += "T23:59:59.999"
			} else {
				s += "T00:00:00.000"
			}
		}
		return fhir.ParseDateTime(s)
	}
	lo, err := parse(start, false)
	if err != nil {
		return nil, err
	}
	hi, err := parse(end, true)
	if err != nil {
		return nil, err
	}
	return value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true, PointType: lo.Type()}, nil
}

// ecqmRetriever puts a test patient's resources in a Bundle, with
// Patient/id as the subject.
func ecqmRetriever(p ecqmPatient, id string, vs *fhir.ValueSetStore) (*fhir.BundleRetriever, error) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i, r := range p.resources {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"resource":`)
		b.Write(r)
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return fhir.NewBundleRetriever([]byte(b.String()), fhir.BundleOptions{PatientID: id, Terminology: vs})
}

// ecqmDefaultPeriod evaluates the default of a measure library's
// Measurement Period, or without one, reads the effectivePeriod of its
// Measure resource.
func ecqmDefaultPeriod(env *cql.Env, root, measure string) (value.Value, error) {
	src := "library ECQMDefaultPeriod\ninclude " + measure + " called M\ndefine MP: M.\"Measurement Period\"\n"
	lib, errs := env.Compile("ECQMDefaultPeriod", src)
	if errs != nil {
		return nil, errs
	}
	v, err := lib.Eval(context.Background(), "MP", cql.EvalOptions{})
	if err == nil || !strings.Contains(err.Error(), "has no default") {
		return v, err
	}
	b, err := os.ReadFile(filepath.Join(root, "resources", "measure", measure+".json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		EffectivePeriod struct{ Start, End string } `json:"effectivePeriod"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return ecqmPeriod(m.EffectivePeriod.Start, m.EffectivePeriod.End)
}

package measure_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/measure"
	"github.com/ccg-project/ccg/internal/sharedtest"
)

var (
	ecqmOnce sync.Once
	ecqmPkg  *content.Package
	ecqmErr  error
)

// ecqm loads ../shared/corpus/ecqm-content-r4-2021 once per test binary.
func ecqm(t testing.TB) (*content.Package, string) {
	root := sharedtest.Dir(t, "corpus", "ecqm-content-r4-2021")
	ecqmOnce.Do(func() { ecqmPkg, ecqmErr = measure.LoadFolder(root) })
	if ecqmErr != nil {
		t.Fatal(ecqmErr)
	}
	return ecqmPkg, root
}

// ecqmMeasureDirs are the test folders by measure id: tests/<Measure> and
// tests/measure/<Measure> (tests/Touchstone holds TestScripts).
func ecqmMeasureDirs(t testing.TB, root string) map[string][]string {
	tests := filepath.Join(root, "input", "tests")
	out := map[string][]string{}
	for _, base := range []string{tests, filepath.Join(tests, "measure")} {
		entries, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() && e.Name() != "Touchstone" && !(base == tests && e.Name() == "measure") {
				out[e.Name()] = append(out[e.Name()], filepath.Join(base, e.Name()))
			}
		}
	}
	return out
}

// expectedReport is a MeasureReport of the corpus.
type expectedReport struct {
	file    string
	subject string // patient id
	report  map[string]any
}

// ecqmExpected finds the expected MeasureReports below a measure's test
// folder and the patient folder of each Patient.
//
// A report's subject is the id of a Patient of the folders, or (for
// DischargedonAntithromboticTherapyFHIR's denex-EXM104, whose report names
// Patient/denex-EXM104 while its Patient is Patient-denex-EXM104) the name
// of the folder holding the patient.
func ecqmExpected(t testing.TB, dir string) (reports []expectedReport, patients map[string]patientFolder) {
	patients = map[string]patientFolder{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r, err := fj.DecodeObj(b)
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		switch fj.Type(r) {
		case "MeasureReport":
			_, id, _ := fj.SplitRef(fj.Str(fj.Obj(r, "subject"), "reference"))
			reports = append(reports, expectedReport{file: p, subject: id, report: r})
		case "Patient":
			rel, _ := filepath.Rel(dir, p)
			folder := strings.Split(filepath.ToSlash(rel), "/")[0]
			pf := patientFolder{dir: filepath.Join(dir, folder), id: fj.ID(r)}
			patients[pf.id] = pf
			if _, ok := patients[folder]; !ok {
				patients[folder] = pf
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return reports, patients
}

type patientFolder struct{ dir, id string }

// ecqmContentErrors are the measures of the content that cannot be
// evaluated, with the reason.
var ecqmContentErrors = map[string]string{
	"BCSEHEDISMY2022": `its denominator-exclusion criterion "Denominator Exclusions" names no define of library BCSEHEDISMY2022`,
}

// findMeasure prepares a measure of the content; ok is false (with a log
// line) for test folders without a Measure resource and for the known
// content errors, and any other failure fails the test.
func findMeasure(t *testing.T, pkg *content.Package, name string) (*measure.Measure, bool) {
	m, err := measure.Find([]*content.Package{pkg}, name)
	if e, ok := measure.IsError(err); ok && e.Status == 404 {
		t.Logf("skipped %s: the content has no Measure resource %s (%v)", name, name, err)
		return nil, false
	}
	if reason, known := ecqmContentErrors[name]; known {
		if err == nil {
			t.Errorf("%s is listed as a content error (%s) but prepares", name, reason)
			return m, true
		}
		t.Logf("skipped %s: content error: %s (%v)", name, reason, err)
		return nil, false
	}
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return nil, false
	}
	return m, true
}

// ecqmWrongReports are expected MeasureReports (by folder, relative to the
// corpus root) that contradict the measure's own CQL or their patient's
// data; their counts are compared and logged but left out of the
// agreement rate that must reach 98%. Every entry must still disagree
// somewhere (a stale entry fails the test).
var ecqmWrongReports = map[string]string{
	"input/tests/FHIR347/": "FHIR347 defines Denominator N as Initial Population N, with no denominator exclusion or " +
		"exception for these patients, yet its reports give initial-population 1 in all three groups with denominator 0 " +
		"in the groups the patient is not meant for (the reports count the patient in every initial population), " +
		"and they expect patients in groups their data do not qualify for (denomexcl2 has an ASCVD diagnosis, I25.110, " +
		"which Initial Population 2 rules out, yet its exclusion is expected in group 2)",
	"input/tests/measure/DiabetesHemoglobinA1cHbA1cPoorControl9FHIR/no-ip-CMS122-Patient/": "the folder's patient (born " +
		"1965, active type 1 diabetes since 2009, an office visit and an HbA1c of 9.1% in 2019) has the data of " +
		"numer-CMS122-Patient and meets the initial population; its sibling no-ip-CMS122 (born 1941) is the patient " +
		"the no-ip report describes",
	"input/tests/HybridHWRFHIR/ip-EXM529-case2/": "the measure's Inpatient Encounters need only some Medicare Coverage " +
		"of the patient, with no timing; case2's Coverage starts 8 days after the encounter and the report expects no " +
		"initial population, a coverage-during-encounter rule the CQL does not state",
}

func wrongReport(rel string) (string, bool) {
	for prefix := range ecqmWrongReports {
		if strings.HasPrefix(filepath.ToSlash(rel), prefix) {
			return prefix, true
		}
	}
	return "", false
}

// TestECQMIndividualReports evaluates, for every expected MeasureReport of
// the eCQM content's tests, its Measure for its patient (the patient's
// folder as the data, the report's period) and compares every population
// count; at least 98% must agree. Every report is checked to be valid R4.
//
// Test folders whose measure has no Measure resource in input/resources
// (Exam125FHIR: its reports name BreastCancerScreeningFHIR, which the
// content does not hold) are skipped, with a log line.
func TestECQMIndividualReports(t *testing.T) {
	pkg, root := ecqm(t)
	dirs := ecqmMeasureDirs(t, root)
	comparisons, agree, wrongComparisons, wrongAgree := 0, 0, 0, 0
	wrongSeen := map[string]int{}
	var disagreements []string
	for _, name := range sortedNames(dirs) {
		m, ok := findMeasure(t, pkg, name)
		if !ok {
			continue
		}
		for _, dir := range dirs[name] {
			reports, patients := ecqmExpected(t, dir)
			for _, exp := range reports {
				rel, _ := filepath.Rel(root, exp.file)
				pf, ok := patients[exp.subject]
				if !ok {
					t.Errorf("%s: Patient/%s is in no patient folder", rel, exp.subject)
					continue
				}
				data, err := measure.ReadData(pf.dir)
				if err != nil {
					t.Fatal(err)
				}
				per := fj.Obj(exp.report, "period")
				period, err := measure.ParsePeriod(fj.Str(per, "start"), fj.Str(per, "end"))
				if err != nil {
					t.Fatalf("%s: %v", rel, err)
				}
				got, err := m.Evaluate(context.Background(), data, measure.Options{Period: period, Type: measure.Individual, Subjects: []string{pf.id}})
				if err != nil {
					t.Errorf("%s: %v", rel, err)
					continue
				}
				checkR4(t, got)
				gotGroups := fj.Objs(got, "group")
				for gi, g := range fj.Objs(exp.report, "group") {
					for _, p := range fj.Objs(g, "population") {
						code := popCode(p)
						want := fmt.Sprint(p["count"])
						have := "absent"
						if gi < len(gotGroups) {
							if gp := findPop(gotGroups[gi], code); gp != nil {
								have = fmt.Sprint(gp["count"])
							}
						}
						prefix, wrong := wrongReport(rel)
						if wrong {
							wrongComparisons++
						} else {
							comparisons++
						}
						if have == want {
							if wrong {
								wrongAgree++
							} else {
								agree++
							}
							continue
						}
						why := ""
						if wrong {
							wrongSeen[prefix]++
							why = " (listed: the report contradicts its measure or data)"
						}
						disagreements = append(disagreements, fmt.Sprintf("%s (Patient/%s) group %d %s: expected %s, got %s%s", rel, exp.subject, gi+1, code, want, have, why))
					}
				}
			}
		}
	}
	for _, d := range disagreements {
		t.Logf("disagreement: %s", d)
	}
	if comparisons == 0 {
		t.Fatal("no population counts compared")
	}
	for prefix, reason := range ecqmWrongReports {
		if wrongSeen[prefix] == 0 {
			t.Errorf("%s is listed as contradicting its measure (%s) but now agrees: remove it from ecqmWrongReports", prefix, reason)
		} else {
			t.Logf("listed reports %s: %d disagreements: %s", prefix, wrongSeen[prefix], reason)
		}
	}
	all := float64(agree+wrongAgree) / float64(comparisons+wrongComparisons)
	t.Logf("population counts, all expected reports: %d of %d agree (%.1f%%)", agree+wrongAgree, comparisons+wrongComparisons, 100*all)
	rate := float64(agree) / float64(comparisons)
	t.Logf("population counts, without the listed reports: %d of %d agree (%.1f%%)", agree, comparisons, 100*rate)
	if rate < 0.98 {
		t.Errorf("only %.1f%% of population counts agree with the expected MeasureReports (need 98%%)", 100*rate)
	}
}

// TestECQMPopulationIsSumOfIndividuals evaluates every measure over all of
// its test patients at once (summary and subject-list reports) and
// requires each population count to be the sum of the patients'
// individual counts, and each subject list to name the patients whose
// individual count is not zero.
func TestECQMPopulationIsSumOfIndividuals(t *testing.T) {
	pkg, root := ecqm(t)
	dirs := ecqmMeasureDirs(t, root)
	checked := 0
	for _, name := range sortedNames(dirs) {
		m, ok := findMeasure(t, pkg, name)
		if !ok {
			continue
		}
		for _, dir := range dirs[name] {
			rel, _ := filepath.Rel(root, dir)
			data, err := measure.ReadData(dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			period, ok, err := m.DefaultPeriod(ctx)
			if err != nil || !ok {
				t.Fatalf("%s: no default period: %v", name, err)
			}
			summary, err := m.Evaluate(ctx, data, measure.Options{Period: period, Type: measure.Summary})
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				continue
			}
			checkR4(t, summary)
			list, err := m.Evaluate(ctx, data, measure.Options{Period: period, Type: measure.SubjectList})
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			checkR4(t, list)
			sums := map[string]int{}
			nonzero := map[string][]string{}
			for _, id := range data.Patients() {
				ind, err := m.Evaluate(ctx, data, measure.Options{Period: period, Type: measure.Individual, Subjects: []string{id}})
				if err != nil {
					t.Fatalf("%s Patient/%s: %v", rel, id, err)
				}
				checkR4(t, ind)
				for gi, g := range fj.Objs(ind, "group") {
					for pi, p := range fj.Objs(g, "population") {
						k := fmt.Sprintf("%d %d", gi, pi)
						n := count(p)
						sums[k] += n
						if n > 0 {
							nonzero[k] = append(nonzero[k], "Patient/"+id)
						}
					}
				}
			}
			contained := map[string]map[string]any{}
			for _, c := range fj.Objs(list, "contained") {
				contained["#"+fj.ID(c)] = c
			}
			for gi, g := range fj.Objs(summary, "group") {
				lg := fj.Objs(list, "group")[gi]
				for pi, p := range fj.Objs(g, "population") {
					k := fmt.Sprintf("%d %d", gi, pi)
					checked++
					if count(p) != sums[k] {
						t.Errorf("%s group %d %s: population count %d, sum of the individual counts %d", rel, gi+1, popCode(p), count(p), sums[k])
					}
					lp := fj.Objs(lg, "population")[pi]
					if count(lp) != count(p) {
						t.Errorf("%s group %d %s: subject-list count %d, summary %d", rel, gi+1, popCode(p), count(lp), count(p))
					}
					if popCode(p) == "measure-observation" {
						continue
					}
					var names []string
					for _, e := range fj.Objs(contained[fj.Str(fj.Obj(lp, "subjectResults"), "reference")], "entry") {
						names = append(names, fj.Str(fj.Obj(e, "item"), "reference"))
					}
					if strings.Join(names, ",") != strings.Join(nonzero[k], ",") {
						t.Errorf("%s group %d %s: subject list %v, patients counted %v", rel, gi+1, popCode(p), names, nonzero[k])
					}
				}
			}
			t.Logf("%s: %d patients; %s", rel, len(data.Patients()), countsLine(summary))
		}
	}
	if checked == 0 {
		t.Fatal("no population compared")
	}
}

func countsLine(r map[string]any) string {
	var parts []string
	for _, g := range fj.Objs(r, "group") {
		for _, p := range fj.Objs(g, "population") {
			parts = append(parts, fmt.Sprintf("%s %d", popCode(p), count(p)))
		}
		if s := fj.Obj(g, "measureScore"); s != nil {
			parts = append(parts, fmt.Sprintf("score %v", s["value"]))
		}
	}
	return strings.Join(parts, ", ")
}

func popCode(p map[string]any) string {
	for _, c := range fj.Objs(fj.Obj(p, "code"), "coding") {
		return fj.Str(c, "code")
	}
	return ""
}

func findPop(g map[string]any, code string) map[string]any {
	for _, p := range fj.Objs(g, "population") {
		if popCode(p) == code {
			return p
		}
	}
	return nil
}

func count(p map[string]any) int {
	var n int
	fmt.Sscan(fmt.Sprint(p["count"]), &n)
	return n
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package measure_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/measure"
)

// benchMeasure is an eCQM of the corpus with its test patients: a
// proportion measure over a boolean basis with supplemental data.
const benchMeasure = "ColorectalCancerScreeningsFHIR"

func benchSetup(b *testing.B) (*measure.Measure, *measure.Data, measure.Period) {
	pkg, root := ecqm(b)
	m, err := measure.Find([]*content.Package{pkg}, benchMeasure)
	if err != nil {
		b.Fatal(err)
	}
	data, err := measure.ReadData(filepath.Join(root, "input", "tests", benchMeasure))
	if err != nil {
		b.Fatal(err)
	}
	period, err := measure.ParsePeriod("2019-01-01", "2019-12-31")
	if err != nil {
		b.Fatal(err)
	}
	return m, data, period
}

// BenchmarkECQMIndividual is one individual report of an eCQM (one test
// patient of the measure's 45, the other patients' data beside it).
func BenchmarkECQMIndividual(b *testing.B) {
	m, data, period := benchSetup(b)
	id := data.Patients()[0]
	opts := measure.Options{Period: period, Type: measure.Individual, Subjects: []string{id}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Evaluate(context.Background(), data, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECQMPopulation is the population report of an eCQM over all of
// its test patients.
func BenchmarkECQMPopulation(b *testing.B) {
	m, data, period := benchSetup(b)
	opts := measure.Options{Period: period, Type: measure.Summary}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Evaluate(context.Background(), data, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data.Patients())), "patients/op")
}

package pipeline

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ccg-project/ccg/engine/bulk"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set size in MiB.
func peakRSS() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

func median(x []float64) float64 {
	sort.Float64s(x)
	return x[len(x)/2]
}

// BenchmarkBulkApply runs the whole pipeline (read, group, $apply of the
// 13-CARD Folder, write) over 2,000 generated patients (CCG_BULK_PATIENTS
// to change) on Beam's direct runner. It reports the median patients per
// second of CPU time (user + system: patients per second per core), per
// second of wall time, and the process's peak RSS.
func BenchmarkBulkApply(b *testing.B) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	if s := testPatients(b); s != 200 {
		n = s
	}
	in := filepath.Join(b.TempDir(), "in")
	if _, err := bulk.Generate(in, bulk.GenerateOptions{Patients: n, Seed: testSeed}); err != nil {
		b.Fatal(err)
	}
	files, err := InputFiles([]string{in})
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Packages: []string{testPackage}, Plan: testPlan, Now: testNow, Files: files}
	var perCPU, perWall []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opts.Out = filepath.Join(b.TempDir(), "out"+strconv.Itoa(i))
		c0, w0 := cpuTime(), time.Now()
		runPipeline(b, opts)
		c, w := cpuTime()-c0, time.Since(w0)
		perCPU = append(perCPU, float64(n)/c.Seconds())
		perWall = append(perWall, float64(n)/w.Seconds())
	}
	b.ReportMetric(median(perCPU), "patients/cpu-s")
	b.ReportMetric(median(perWall), "patients/s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}

// BenchmarkPatientApply is the per-patient work of the pipeline without
// Beam: parse the patient's lines, build the data-in Bundle, $apply the
// 13-CARD Folder, encode the result.
func BenchmarkPatientApply(b *testing.B) {
	eng, err := bulk.Engine([]string{testPackage}, false)
	if err != nil {
		b.Fatal(err)
	}
	now, _ := time.Parse(time.RFC3339, testNow)
	app := &bulk.Applier{Engine: eng, Plan: testPlan, Now: now}
	shared := map[string][]byte{}
	for k := 0; k < 20; k++ {
		js, _ := fj.MarshalCompact(bulk.Practitioner(k))
		shared[fj.Ref(bulk.Practitioner(k))] = js
	}
	type patient struct {
		ref string
		raw [][]byte
	}
	var pats []patient
	for i := 0; i < 500; i++ {
		var p patient
		for _, r := range bulk.Patient(testSeed, i, 20) {
			js, _ := fj.MarshalCompact(r)
			p.raw = append(p.raw, js)
		}
		p.ref = "Patient/" + fj.ID(bulk.Patient(testSeed, i, 20)[0])
		pats = append(pats, p)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pats[i%len(pats)]
		var ls []*bulk.Line
		for k, raw := range p.raw {
			l, dl := bulk.ParseLine("x.ndjson", k+1, raw)
			if dl != nil {
				b.Fatal(dl.Error)
			}
			if l.Kind == bulk.OfEncounter {
				l.Kind, l.Key = bulk.OfPatient, p.ref
			}
			ls = append(ls, l)
		}
		if _, err := app.Apply(ctx, p.ref, ls, func(r string) []byte { return shared[r] }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "patients/s")
}

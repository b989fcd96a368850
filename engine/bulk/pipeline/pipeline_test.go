package pipeline

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/direct"
	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/bulk"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/uuidtest"
)

const (
	testPackage = "../../../testdata/apply/package"
	testPlan    = "ccgtest-folder"
	testNow     = "2026-11-21T12:00:00Z"
	testSeed    = 7
)

// testPatients is the population of TestApplyPipeline: 200 in `make test`,
// CCG_BULK_PATIENTS (10,000 in `make bulk-test`) when set.
func testPatients(t testing.TB) int {
	if s := os.Getenv("CCG_BULK_PATIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CCG_BULK_PATIENTS=%q is not a positive number", s)
		}
		return n
	}
	return 200
}

func runPipeline(t testing.TB, o Options) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	Build(s, o)
	if _, err := direct.Execute(context.Background(), p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
}

func readLines(t testing.TB, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestApplyPipeline runs bulk $apply of the 13-CARD Folder over a generated
// population with planted bad lines on Beam's direct runner, and checks
// that the results of a sample of 100 patients equal an in-process $apply
// (what `ccg apply` does) of the same patient's data-in Bundle, that every
// planted line is a dead letter naming its file and line, and that the
// aggregate's per-CARD counts are the sums over the per-patient Bundles.
func TestApplyPipeline(t *testing.T) {
	n := testPatients(t)
	const bad = 12
	in, out := filepath.Join(t.TempDir(), "in"), filepath.Join(t.TempDir(), "out")
	sum, err := bulk.Generate(in, bulk.GenerateOptions{Patients: n, Seed: testSeed, BadLines: bad, Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	files, err := InputFiles([]string{in})
	if err != nil {
		t.Fatal(err)
	}
	runPipeline(t, Options{Packages: []string{testPackage}, Plan: testPlan, Now: testNow, Files: files, Out: out})

	// Per-patient results.
	results := map[string]map[string]any{}
	for _, l := range readLines(t, filepath.Join(out, ResultsFile)) {
		b, err := fj.DecodeObj([]byte(l))
		if err != nil {
			t.Fatalf("results line: %v", err)
		}
		rg := fj.Obj(fj.Entries(b)[0].Resource, "subject")
		results[fj.Str(rg, "reference")] = b
	}
	if len(results) != n {
		t.Fatalf("%d result Bundles for %d patients", len(results), n)
	}

	// Dead letters: exactly the planted lines, each at its file and line.
	dead := readLines(t, filepath.Join(out, DeadLettersFile))
	if len(dead) != bad || sum.BadLines != bad {
		t.Fatalf("%d dead letters for %d planted lines:\n%s", len(dead), bad, strings.Join(dead, "\n"))
	}
	for _, d := range dead {
		var dl bulk.DeadLetter
		if err := json.Unmarshal([]byte(d), &dl); err != nil {
			t.Fatal(err)
		}
		if dl.File == "" || dl.Line < 1 || dl.Error == "" {
			t.Errorf("dead letter without file, line or error: %s", d)
			continue
		}
		if got := lineOf(t, dl.File, dl.Line); !isPlanted(got) {
			t.Errorf("dead letter %s:%d (%s) is not a planted line: %s", dl.File, dl.Line, dl.Error, got)
		}
	}

	// Aggregate = sums over the Bundles.
	var agg bulk.Aggregate
	if err := json.Unmarshal([]byte(readLines(t, filepath.Join(out, AggregateFile))[0]), &agg); err != nil {
		t.Fatal(err)
	}
	counted := map[string]int{}
	withGaps := 0
	for _, b := range results {
		cards := firedCards(b)
		if len(cards) > 0 {
			withGaps++
		}
		for _, c := range cards {
			counted[c]++
		}
	}
	aggCards := map[string]int{}
	for k, v := range agg.Cards {
		aggCards[fj.Canonical(k)] += v
	}
	if d := cmp.Diff(counted, aggCards); d != "" {
		t.Errorf("aggregate per-CARD counts differ from the sum of the Bundles (-bundles +aggregate):\n%s", d)
	}
	if agg.Patients != n || agg.WithGaps != withGaps || agg.DeadLetters != bad || len(agg.CardErrors) > 0 {
		t.Errorf("aggregate %+v; want %d patients, %d with gaps, %d dead letters, no CARD errors", agg, n, withGaps, bad)
	}
	if len(aggCards) != 13 {
		t.Errorf("%d CARDs fired for somebody, want all 13: %v", len(aggCards), aggCards)
	}
	for c, k := range aggCards {
		if k == n {
			t.Errorf("CARD %s fired for every patient", c)
		}
		t.Logf("%-60s %5.1f%%", c, 100*float64(k)/float64(n))
	}

	// A sample of 100 patients against the in-process $apply.
	eng := engine.New(engine.Options{})
	if _, err := eng.LoadPath(testPackage, content.Options{}); err != nil {
		t.Fatal(err)
	}
	now, _ := time.Parse(time.RFC3339, testNow)
	step := max(1, n/100)
	checked := 0
	for i := 0; i < n && checked < 100; i += step {
		checked++
		// As `ccg apply --data FILE` reads it.
		data := roundTrip(t, bulk.DataIn(testSeed, i, 0))
		subject, encounter := "Patient/"+fj.ID(bulkPatient(data)), ""
		for _, e := range fj.Entries(data) {
			if fj.Type(e.Resource) == "Encounter" {
				encounter = fj.Ref(e.Resource)
			}
		}
		res, err := eng.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: testPlan, Subject: subject, Encounter: encounter, Data: data, Now: now})
		if err != nil {
			t.Fatalf("in-process apply of %s: %v", subject, err)
		}
		want := roundTrip(t, res.Bundle)
		got, ok := results[subject]
		if !ok {
			t.Errorf("no bulk result for %s", subject)
			continue
		}
		if d := cmp.Diff(comparable(t, want), comparable(t, got)); d != "" {
			t.Errorf("%s: bulk result differs from the in-process $apply (-in-process +bulk):\n%s", subject, d)
		}
	}
	if checked < min(100, n) {
		t.Errorf("only %d patients compared", checked)
	}
}

func bulkPatient(dataIn map[string]any) map[string]any {
	for _, e := range fj.Entries(dataIn) {
		if fj.Type(e.Resource) == "Patient" {
			return e.Resource
		}
	}
	return nil
}

// firedCards lists the CARD canonicals (no version) of the request
// resources of an $apply Bundle: the workflow-instantiatesCanonical
// extension, instantiatesUri (Tasks) or a PlanDefinition in
// instantiatesCanonical (MedicationRequest, ServiceRequest).
func firedCards(b map[string]any) []string {
	var out []string
	for _, e := range fj.Entries(b)[1:] {
		r := e.Resource
		cands := []any{fj.Str(r, "instantiatesUri")}
		cands = append(cands, fj.List(r, "instantiatesCanonical")...)
		for _, x := range fj.Objs(r, "extension") {
			if fj.Str(x, "url") == "http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical" {
				cands = append(cands, fj.Str(x, "valueCanonical"))
			}
		}
		for _, c := range cands {
			if s, _ := c.(string); strings.Contains(s, "/PlanDefinition/") {
				out = append(out, fj.Canonical(s))
				break
			}
		}
	}
	return out
}

func roundTrip(t testing.TB, v map[string]any) map[string]any {
	b, err := fj.MarshalCompact(v)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// comparable is an answer without its generated ids, fullUrls and
// timestamps, and with the urn:uuid references (new in every answer)
// numbered by where they first appear, so that what refers to what is
// still compared.
func comparable(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(stripVolatile(v))
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal([]byte(uuidtest.Number(string(b))), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// stripVolatile drops generated ids, fullUrls and timestamps.
func stripVolatile(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch k {
			case "id", "fullUrl", "authoredOn", "timestamp", "lastUpdated":
				continue
			}
			out[k] = stripVolatile(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = stripVolatile(x)
		}
		return out
	}
	return v
}

// lineOf reads line n (from 1) of a gzipped or plain file.
func lineOf(t testing.TB, file string, n int) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(file, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<26)
	for k := 1; sc.Scan(); k++ {
		if k == n {
			return sc.Text()
		}
	}
	t.Fatalf("%s has no line %d", file, n)
	return ""
}

func isPlanted(line string) bool {
	for _, b := range bulk.PlantedLines() {
		if line == b {
			return true
		}
	}
	return false
}

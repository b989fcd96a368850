// Package pipeline is the Apache Beam pipeline of `ccg bulk apply`: it
// reads FHIR Bulk Data NDJSON (or Bundles), groups the resources by
// patient, runs a PlanDefinition's $apply per patient with the guideline
// engine and writes the per-patient Bundles, a dead-letter file and the
// per-CARD aggregate.
//
// The pipeline is linked only into cmd/ccg-bulk: Beam's dependency tree
// (gRPC services, cloud storage clients, the Dataflow, Flink, Spark and
// Prism runners) would double the build time and the size of the server
// binary cmd/ccg (figures in cmd/ccg-bulk's documentation).
//
// Stages:
//
//	files ──read──▶ lines ─┬─▶ of a patient ───────────────────────┐
//	                       ├─▶ of an encounter ─CoGBK(encounter)──▶├─GBK(patient)─▶ $apply ─▶ results.ndjson
//	                       ├─▶ shared (Practitioner...) ──side input──────────────┘      └──▶ aggregate.json
//	                       └─▶ dead letters ──────────────────────────────────────────────▶ dead-letters.ndjson
package pipeline

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // output files
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/ccg-project/ccg/engine/bulk"
)

func init() {
	register.DoFn4x1[context.Context, string, func(bulk.Line), func(string), error](&readFn{})
	register.Function3x0(encounterOf)
	register.Emitter1[bulk.Line]()
	register.DoFn5x0[bulk.Line, func(string, bulk.Line), func(string, bulk.Line), func(bulk.Line), func(string, string)](&splitFn{})
	register.Emitter2[string, bulk.Line]()
	register.Emitter2[string, string]()
	register.DoFn5x0[string, func(*bulk.Line) bool, func(*string) bool, func(string, bulk.Line), func(string)](&encounterJoinFn{})
	register.Iter1[bulk.Line]()
	register.Iter1[string]()
	register.Emitter1[string]()
	register.DoFn7x1[context.Context, string, func(*bulk.Line) bool, func(*bulk.Line) bool, func(string), func(Tally), func(string), error](&applyFn{})
	register.Emitter1[Tally]()
	register.DoFn2x0[string, func(Tally)](&deadTallyFn{})
	register.Combiner3[bulk.Aggregate, Tally, string](&aggregateFn{})
	beam.RegisterType(reflect.TypeOf((*bulk.Line)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Tally)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*bulk.Aggregate)(nil)).Elem())
}

// Options configure a run of the apply pipeline.
type Options struct {
	// Packages are the CCG package folders or .tgz files; Plan the
	// PlanDefinition id.
	Packages []string
	Plan     string
	// Strict refuses packages with problems.
	Strict bool
	// Now is the evaluation time as RFC 3339 ("" = the time of each
	// patient's $apply).
	Now string
	// Files are the input files (NDJSON, optionally gzipped, or JSON
	// Bundles); Out the output folder.
	Files []string
	Out   string
}

// Output file names inside Options.Out.
const (
	ResultsFile     = "results.ndjson"
	DeadLettersFile = "dead-letters.ndjson"
	AggregateFile   = "aggregate.json"
)

// InputFiles expands --input arguments: a folder stands for its .ndjson,
// .ndjson.gz, .json and .json.gz files, anything else is a glob pattern.
// It is an error when nothing matches.
func InputFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			ents, err := os.ReadDir(a)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, e := range ents {
				name := strings.TrimSuffix(e.Name(), ".gz")
				if !e.IsDir() && (strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".json")) {
					files = append(files, filepath.Join(a, e.Name()))
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("--input %s: no .ndjson or .json files in the folder", a)
			}
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %v", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("--input %s: no such file or folder, and no file matches the pattern", a)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	return files, nil
}

// Build adds the apply pipeline to s.
func Build(s beam.Scope, o Options) {
	files := beam.Create(s.Scope("files"), toAny(o.Files)...)
	lines, readDead := beam.ParDo2(s.Scope("read"), &readFn{}, files)
	ofPatient, ofEncounter, shared, dead := beam.ParDo4(s.Scope("split"), &splitFn{}, lines)
	encPatient := beam.ParDo(s.Scope("encounter-patients"), encounterOf, ofPatient)
	joined := beam.CoGroupByKey(s.Scope("by-encounter"), ofEncounter, encPatient)
	viaEncounter, joinDead := beam.ParDo2(s.Scope("resolve-encounters"), &encounterJoinFn{}, joined)
	byPatient := beam.GroupByKey(s.Scope("by-patient"), beam.Flatten(s, ofPatient, viaEncounter))
	results, tallies, applyDead := beam.ParDo3(s.Scope("apply"), &applyFn{Packages: o.Packages, Plan: o.Plan, Strict: o.Strict, Now: o.Now},
		byPatient, beam.SideInput{Input: shared})
	allDead := beam.Flatten(s, readDead, beam.DropKey(s, dead), joinDead, applyDead)
	deadTallies := beam.ParDo(s.Scope("count-dead"), &deadTallyFn{}, allDead)
	agg := beam.Combine(s.Scope("aggregate"), &aggregateFn{}, beam.Flatten(s, tallies, deadTallies))
	textio.Write(s.Scope("write-results"), filepath.Join(o.Out, ResultsFile), results)
	textio.Write(s.Scope("write-dead-letters"), filepath.Join(o.Out, DeadLettersFile), allDead)
	textio.Write(s.Scope("write-aggregate"), filepath.Join(o.Out, AggregateFile), agg)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// ---- reading ----

// readFn reads the lines of one input file (gzipped when it starts with
// the gzip magic bytes). An NDJSON file gives a line per resource; a JSON
// file holding one resource (a Bundle) over several lines is read whole.
type readFn struct{}

func (f *readFn) ProcessElement(ctx context.Context, file string, emit func(bulk.Line), emitDead func(string)) error {
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		defer gz.Close()
		r = bufio.NewReaderSize(gz, 1<<20)
	}
	name := strings.TrimSuffix(file, ".gz")
	if strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, ".ndjson") {
		raw, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			emitDead(deadJSON(&bulk.DeadLetter{File: file, Line: 1, Error: "malformed JSON: " + err.Error()}))
			return nil
		}
		emitLines(file, 1, buf.Bytes(), emit, emitDead)
		return nil
	}
	rd := r.(*bufio.Reader)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := rd.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			emitLines(file, n, t, emit, emitDead)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", file, n, err)
		}
	}
}

func emitLines(file string, n int, raw []byte, emit func(bulk.Line), emitDead func(string)) {
	lines, dead := bulk.Lines(file, n, raw)
	for _, l := range lines {
		emit(*l)
	}
	for _, d := range dead {
		emitDead(deadJSON(d))
	}
}

func deadJSON(d *bulk.DeadLetter) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// splitFn sorts the lines by how they reach their patient.
type splitFn struct{}

func (f *splitFn) ProcessElement(l bulk.Line, ofPatient, ofEncounter func(string, bulk.Line), shared func(bulk.Line), dead func(string, string)) {
	switch l.Kind {
	case bulk.OfPatient:
		ofPatient(l.Key, l)
	case bulk.OfEncounter:
		ofEncounter(l.Key, l)
	case bulk.Shared:
		shared(l)
	default:
		dead(l.Key, deadJSON(&bulk.DeadLetter{File: l.File, Line: l.Line, Error: fmt.Sprintf("unknown kind %d", l.Kind)}))
	}
}

// encounterOf maps an Encounter line to (Encounter/id, its patient).
func encounterOf(patient string, l bulk.Line, emit func(string, string)) {
	if l.Type == "Encounter" {
		emit(l.Ref(), patient)
	}
}

// encounterJoinFn gives the resources that name only an Encounter the
// patient of that Encounter.
type encounterJoinFn struct{}

func (f *encounterJoinFn) ProcessElement(enc string, lines func(*bulk.Line) bool, patients func(*string) bool, emit func(string, bulk.Line), emitDead func(string)) {
	var patient string
	var p string
	for patients(&p) {
		if patient == "" || p < patient {
			patient = p
		}
	}
	var l bulk.Line
	for lines(&l) {
		if patient == "" {
			emitDead(deadJSON(&bulk.DeadLetter{File: l.File, Line: l.Line,
				Error: fmt.Sprintf("%s names %s, which is not in the input, and no Patient", l.Ref(), enc)}))
			continue
		}
		l.Kind, l.Key = bulk.OfPatient, patient
		emit(patient, l)
	}
}

// ---- $apply ----

// Tally is what one patient (or dead letter) adds to the aggregate.
type Tally struct {
	Applied bool
	Fired   []string
	Errors  []string
	Dead    int
}

// applyFn runs $apply for one patient. The engine with the compiled
// packages is built once per worker process (bulk.Engine) in Setup.
type applyFn struct {
	Packages []string
	Plan     string
	Strict   bool
	Now      string

	app    *bulk.Applier
	shared map[string][]byte
}

func (f *applyFn) Setup() error {
	eng, err := bulk.Engine(f.Packages, f.Strict)
	if err != nil {
		return err
	}
	f.app = &bulk.Applier{Engine: eng, Plan: f.Plan}
	if f.Now != "" {
		if f.app.Now, err = time.Parse(time.RFC3339, f.Now); err != nil {
			return fmt.Errorf("--now: %v", err)
		}
	}
	if _, ok := eng.PlanDefinition(f.Plan); !ok {
		return fmt.Errorf("no PlanDefinition %q in the packages %s", f.Plan, strings.Join(f.Packages, ", "))
	}
	return nil
}

func (f *applyFn) ProcessElement(ctx context.Context, patient string, lines func(*bulk.Line) bool, shared func(*bulk.Line) bool,
	emitResult func(string), emitTally func(Tally), emitDead func(string)) error {
	if f.shared == nil {
		f.shared = map[string][]byte{}
		var l bulk.Line
		for shared(&l) {
			f.shared[l.Ref()] = l.JSON
		}
	}
	var ls []*bulk.Line
	var l bulk.Line
	for lines(&l) {
		c := l
		ls = append(ls, &c)
	}
	o, err := f.app.Apply(ctx, patient, ls, func(ref string) []byte { return f.shared[ref] })
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		emitDead(deadJSON(&bulk.DeadLetter{Patient: patient, Error: err.Error()}))
		return nil
	}
	emitResult(string(o.Bundle))
	emitTally(Tally{Applied: true, Fired: o.Fired, Errors: o.Errors})
	return nil
}

type deadTallyFn struct{}

func (deadTallyFn) ProcessElement(_ string, emit func(Tally)) { emit(Tally{Dead: 1}) }

// aggregateFn sums the tallies into the aggregate JSON.
type aggregateFn struct{}

func (aggregateFn) CreateAccumulator() bulk.Aggregate { return bulk.Aggregate{} }

func (aggregateFn) AddInput(a bulk.Aggregate, t Tally) bulk.Aggregate {
	if t.Applied {
		a.Add(&bulk.Outcome{Fired: t.Fired, Errors: t.Errors})
	}
	a.DeadLetters += t.Dead
	return a
}

func (aggregateFn) MergeAccumulators(a, b bulk.Aggregate) bulk.Aggregate {
	a.Merge(&b)
	return a
}

func (aggregateFn) ExtractOutput(a bulk.Aggregate) string {
	if a.Cards == nil {
		a.Cards = map[string]int{}
	}
	b, _ := json.Marshal(a)
	return string(b)
}

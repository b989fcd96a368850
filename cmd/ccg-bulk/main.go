// Command ccg-bulk runs ccg's population pipelines on Apache Beam:
//
//	ccg-bulk apply --package DIR|TGZ --plan ID --input DIR|GLOB --out DIR [--runner direct|prism|universal|flink|spark|dataflow] [Beam flags]
//
// `ccg bulk apply` runs this program (found next to the ccg binary or on
// PATH); `go run ./cmd/ccg-bulk apply ...` runs it from a checkout.
//
// Why a separate binary: Beam is linked here and not into cmd/ccg, the
// server. Measured on the 2-core development machine, cmd/ccg builds from an
// empty cache in 275 CPU-seconds to 51 MB; this program, the engine plus
// Beam (its runners, gRPC services and cloud storage clients), is 166 MB,
// and Beam alone compiles in about 284 CPU-seconds: linking it into cmd/ccg
// would double both its build time and its size, the threshold issue 15
// names (README.md, "Populations: ccg bulk on Apache Beam").
//
// Beam's own flags (--runner, --endpoint, --environment_type, --job_name,
// the Dataflow --project/--region/--staging_location ...) are accepted
// beside the command's. The default runner is Beam's direct runner: it runs
// the pipeline in this process, needs no setup and works offline.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/ccg-project/ccg/engine/bulk"
	"github.com/ccg-project/ccg/engine/bulk/pipeline"
)

const usageLine = "usage: ccg-bulk apply --package DIR|TGZ --plan ID --input DIR|GLOB --out DIR [--now TIME] [--strict] [--runner NAME] [Beam flags]"

// The command's flags live on the process's flag set, beside Beam's, so
// that worker processes started by a portable runner parse them too.
var (
	packages multi
	plan     = flag.String("plan", "", "PlanDefinition `ID` to apply per patient (a Folder or a CARD)")
	inputs   multi
	out      = flag.String("out", "", "output `DIR` (results.ndjson, dead-letters.ndjson, aggregate.json)")
	now      = flag.String("now", "", "evaluation `TIME` (RFC 3339; default: the time of each $apply)")
	strict   = flag.Bool("strict", false, "refuse packages with profile violations or CQL errors")
	verbose  = flag.Bool("v", false, "show Beam's informational log")
)

func init() {
	flag.Var(&packages, "package", "CCG package `DIR` or .tgz (repeatable)")
	flag.Var(&inputs, "input", "input `DIR` (its .ndjson[.gz] and .json[.gz] files) or glob (repeatable)")
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "apply" {
		// Beam starts worker processes of this binary with its own flags
		// and no command: beam.Init runs the worker and does not return.
		flag.CommandLine.Parse(args)
		beam.Init()
		fmt.Fprintln(stderr, usageLine)
		return 2
	}
	flag.CommandLine.SetOutput(stderr)
	flag.CommandLine.Usage = func() {
		fmt.Fprintln(stderr, usageLine)
		flag.PrintDefaults()
	}
	if err := flag.CommandLine.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if flag.NArg() > 0 || len(packages) == 0 || *plan == "" || len(inputs) == 0 || *out == "" {
		fmt.Fprintln(stderr, "ccg-bulk apply: --package, --plan, --input and --out are required, and nothing else")
		fmt.Fprintln(stderr, usageLine)
		return 2
	}
	if *runners.Runner == "" {
		*runners.Runner = "direct"
	}
	if !*verbose {
		log.SetLogger(quietLogger{stderr})
	}
	beam.Init()
	files, err := pipeline.InputFiles(inputs)
	if err != nil {
		fmt.Fprintf(stderr, "ccg-bulk apply: %v\n", err)
		return 1
	}
	// Load the packages here too, so that a bad package or plan is one
	// clear error before the pipeline starts.
	eng, err := bulk.Engine(packages, *strict)
	if err != nil {
		fmt.Fprintf(stderr, "ccg-bulk apply: %v\n", err)
		return 1
	}
	if _, ok := eng.PlanDefinition(*plan); !ok {
		fmt.Fprintf(stderr, "ccg-bulk apply: no PlanDefinition %q in %s\n", *plan, strings.Join(packages, ", "))
		return 1
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "ccg-bulk apply: %v\n", err)
		return 1
	}
	p, s := beam.NewPipelineWithRoot()
	pipeline.Build(s, pipeline.Options{Packages: packages, Plan: *plan, Strict: *strict, Now: *now, Files: files, Out: *out})
	if err := beamx.Run(ctx, p); err != nil {
		fmt.Fprintf(stderr, "ccg-bulk apply: %v\n", err)
		return 1
	}
	return summarize(stdout, stderr, *out)
}

// summarize makes sure every output file exists (Beam writes none for an
// empty collection) and prints the aggregate's counts.
func summarize(stdout, stderr io.Writer, dir string) int {
	for _, f := range []string{pipeline.ResultsFile, pipeline.DeadLettersFile} {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				fmt.Fprintf(stderr, "ccg-bulk apply: %v\n", err)
				return 1
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, pipeline.AggregateFile))
	if err != nil {
		// A remote runner wrote the outputs elsewhere.
		fmt.Fprintf(stdout, "ccg-bulk apply: done; outputs in %s\n", dir)
		return 0
	}
	var agg bulk.Aggregate
	if err := json.Unmarshal(raw, &agg); err != nil {
		fmt.Fprintf(stderr, "ccg-bulk apply: %s: %v\n", pipeline.AggregateFile, err)
		return 1
	}
	fmt.Fprintf(stdout, "%d patients applied, %d with CARDs fired, %d dead letters; outputs in %s\n", agg.Patients, agg.WithGaps, agg.DeadLetters, dir)
	return 0
}

// quietLogger passes on Beam's warnings and errors only.
type quietLogger struct{ w io.Writer }

func (q quietLogger) Log(_ context.Context, sev log.Severity, _ int, msg string) {
	if sev >= log.SevWarn {
		fmt.Fprintf(q.w, "beam: %s\n", msg)
	}
}

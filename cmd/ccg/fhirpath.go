package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql/conformance"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/fhirpath"
	fpconf "github.com/ccg-project/ccg/cql/fhirpath/conformance"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	register(&command{
		Name:    "fhirpath eval",
		Args:    "EXPR [--resource FILE] [--now DATETIME]",
		Summary: "evaluate a FHIRPath expression on a FHIR resource (JSON or XML) and print the items",
		Run:     runFHIRPathEval,
	})
	register(&command{
		Name:    "fhirpath spec-tests",
		Args:    "DIR [--json FILE] [--skip FILE] [--run REGEXP] [-v]",
		Summary: "run the FHIRPath test suite (tests-fhir-r4.xml and its input/) and print pass rates",
		Run:     runFHIRPathSpecTests,
	})
}

func runFHIRPathEval(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "fhirpath eval")
	resFile := fs.String("resource", "", "evaluate on the FHIR resource in `FILE` (.json or .xml); without it the input is empty")
	nowFlag := fs.String("now", "", "evaluate as of `DATETIME` (RFC 3339) instead of the current time")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "fhirpath eval takes one expression")
	}
	now := time.Now()
	if *nowFlag != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return usageError(e, fs, "bad --now: %v", err)
		}
	}
	x, err := fhirpath.Parse(pos[0])
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	var input []value.Value
	if *resFile != "" {
		data, err := os.ReadFile(*resFile)
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
			return exitFailure
		}
		var n *fhir.Node
		if strings.HasSuffix(strings.ToLower(*resFile), ".xml") {
			n, err = fhir.R4().ParseXMLResource(data)
		} else {
			n, err = fhir.R4().ParseResource(data)
		}
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %s: %v\n", *resFile, err)
			return exitFailure
		}
		input = []value.Value{n}
	}
	out, err := x.Eval(ctx, input, &fhirpath.Env{Now: now})
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	for _, v := range out {
		if n, ok := v.(*fhir.Node); ok && n.Raw() != nil {
			fmt.Fprintln(e.Stdout, n.String())
			continue
		}
		fmt.Fprintln(e.Stdout, value.Format(fhirpath.System(v)))
	}
	return exitOK
}

func runFHIRPathSpecTests(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "fhirpath spec-tests")
	jsonOut := fs.String("json", "", "write every test's result to `FILE` as JSON")
	skipFile := fs.String("skip", "", "skip the tests listed in `FILE` (name and reason per line)")
	runRE := fs.String("run", "", "run only tests whose name matches `REGEXP`")
	verbose := fs.Bool("v", false, "print every failing test")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "fhirpath spec-tests takes the suite's directory")
	}
	suite, err := fpconf.LoadDir(pos[0])
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	var opts fpconf.Options
	if *skipFile != "" {
		if opts.Skip, err = conformance.LoadSkipList(*skipFile); err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
			return exitUsage
		}
	}
	if *runRE != "" {
		re, err := regexp.Compile(*runRE)
		if err != nil {
			return usageError(e, fs, "bad --run pattern: %v", err)
		}
		kept := suite.Tests[:0]
		for _, t := range suite.Tests {
			if re.MatchString(t.Name) {
				kept = append(kept, t)
			}
		}
		suite.Tests = kept
	}
	rep := fpconf.Run(ctx, suite, opts)
	if *verbose {
		for _, r := range rep.Results {
			if r.Outcome == fpconf.Fail {
				fmt.Fprintf(e.Stdout, "FAIL %s/%s: %s\n    expected %s, got %s: %s\n", r.Group, r.Name,
					oneLine(r.Expression), r.Expected, r.Actual, oneLine(r.Error))
			}
		}
	}
	return finishSpecTests(e, rep, *jsonOut, rep.Failed)
}

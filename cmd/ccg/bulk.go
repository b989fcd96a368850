package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/ccg-project/ccg/engine/bulk"
)

func init() {
	register(&command{
		Name:    "bulk generate",
		Args:    "--patients N --out DIR [--seed S] [--bad-lines N] [--gzip]",
		Summary: "write a synthetic population as FHIR Bulk Data NDJSON (one file per resource type)",
		Run:     runBulkGenerate,
	})
	register(&command{
		Name:    "bulk apply",
		Args:    "--package DIR|TGZ --plan ID --input DIR|GLOB --out DIR [--now TIME] [--strict] [--runner NAME] [Beam flags]",
		Summary: "apply a PlanDefinition to every patient of Bulk Data NDJSON on Apache Beam (runs ccg-bulk)",
		Run:     runBulkApply,
	})
}

func runBulkGenerate(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "bulk generate")
	n := fs.Int("patients", 0, "number of `N` patients")
	seed := fs.Uint64("seed", 1, "random `SEED`: the same seed writes the same population")
	out := fs.String("out", "", "output `DIR`")
	bad := fs.Int("bad-lines", 0, "plant `N` malformed or unresolvable lines (for dead-letter tests)")
	gz := fs.Bool("gzip", false, "write Type.ndjson.gz files")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "bulk generate takes no positional arguments, got %q", pos)
	}
	if *n <= 0 || *out == "" || *bad < 0 {
		return usageError(e, fs, "--patients (at least 1) and --out are required; --bad-lines must not be negative")
	}
	sum, err := bulk.Generate(*out, bulk.GenerateOptions{Patients: *n, Seed: *seed, BadLines: *bad, Gzip: *gz})
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg bulk generate: %v\n", err)
		return exitFailure
	}
	names := make([]string, 0, len(sum.Files))
	for name := range sum.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(e.Stdout, "%8d lines  %s\n", sum.Files[name], filepath.Join(*out, name))
	}
	fmt.Fprintf(e.Stdout, "%d patients, %d resources, %d bad lines\n", *n, sum.Resources, sum.BadLines)
	return exitOK
}

// runBulkApply runs the ccg-bulk program, which links Apache Beam (kept out
// of this binary: see cmd/ccg-bulk), with the same arguments.
func runBulkApply(ctx context.Context, e *env, args []string) int {
	for _, a := range args {
		if isHelpFlag(a) {
			fmt.Fprintf(e.Stderr, "usage: ccg bulk apply %s\n\nRuns the ccg-bulk program (go build -o bin/ccg-bulk ./cmd/ccg-bulk); run 'ccg-bulk apply -h' for its flags.\n", commands["bulk apply"].Args)
			return exitOK
		}
	}
	bin, err := bulkBinary()
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg bulk apply: %v\n", err)
		return exitFailure
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"apply"}, args...)...)
	cmd.Stdout, cmd.Stderr = e.Stdout, e.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return ee.ExitCode()
		}
		fmt.Fprintf(e.Stderr, "ccg bulk apply: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// bulkBinary finds ccg-bulk next to this executable, then on PATH.
func bulkBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "ccg-bulk")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("ccg-bulk"); err == nil {
		return p, nil
	}
	return "", errors.New("the ccg-bulk program (Apache Beam pipelines) is neither next to ccg nor on PATH; " +
		"build it with 'go build -o bin/ccg-bulk ./cmd/ccg-bulk' beside bin/ccg, or run 'go run ./cmd/ccg-bulk apply ...'")
}

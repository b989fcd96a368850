package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/measure"
)

func init() {
	register(&command{
		Name:    "measure eval",
		Args:    "--package DIR --measure ID --period-start DATE --period-end DATE --data BUNDLE [--subject Patient/ID] [--report-type individual|population|subject-list]",
		Summary: "evaluate a FHIR Measure over patient data ($evaluate-measure offline) and print the MeasureReport",
		Run:     runMeasureEval,
	})
}

func runMeasureEval(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "measure eval")
	pkgPath := fs.String("package", "", "IG source folder (input/cql, input/resources, input/vocabulary) or CCG package `DIR` or .tgz")
	measureID := fs.String("measure", "", "Measure `ID` or canonical url")
	start := fs.String("period-start", "", "measurement period start `DATE` (YYYY-MM-DD or a dateTime)")
	end := fs.String("period-end", "", "measurement period end `DATE` (YYYY-MM-DD or a dateTime)")
	dataPath := fs.String("data", "", "patient data: a Bundle `FILE` or a folder of JSON resources")
	subject := fs.String("subject", "", "`Patient/ID` (an individual report) or Group/ID of the data; default: every patient")
	reportType := fs.String("report-type", "", "report `TYPE`: individual, population or subject-list (default: individual with --subject Patient/ID, else population)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "measure eval takes no positional arguments, got %q", pos)
	}
	if *pkgPath == "" || *measureID == "" || *start == "" || *end == "" || *dataPath == "" {
		return usageError(e, fs, "--package, --measure, --period-start, --period-end and --data are required")
	}
	fail := func(err error) int {
		fmt.Fprintf(e.Stderr, "ccg measure eval: %v\n", err)
		return exitFailure
	}
	var pkg *content.Package
	var err error
	if fi, statErr := os.Stat(filepath.Join(*pkgPath, "input", "cql")); statErr == nil && fi.IsDir() {
		pkg, err = measure.LoadFolder(*pkgPath)
	} else {
		pkg, err = content.LoadPath(*pkgPath, content.Options{})
	}
	if err != nil {
		return fail(err)
	}
	m, err := measure.Find([]*content.Package{pkg}, *measureID)
	if err != nil {
		return fail(err)
	}
	period, err := measure.ParsePeriod(*start, *end)
	if err != nil {
		return fail(err)
	}
	data, err := measure.ReadData(*dataPath)
	if err != nil {
		return fail(fmt.Errorf("--data %s: %w", *dataPath, err))
	}
	opts := measure.Options{Period: period}
	if err := measure.Subjects(data, *subject, *reportType, &opts); err != nil {
		return fail(err)
	}
	report, err := m.Evaluate(ctx, data, opts)
	if err != nil {
		return fail(err)
	}
	out, err := fj.Marshal(report)
	if err != nil {
		return fail(err)
	}
	e.Stdout.Write(out)
	return exitOK
}

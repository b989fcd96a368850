package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/load"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

func init() {
	register(&command{
		Name:    "apply",
		Args:    "--package DIR|TGZ|FILE [--plan ID | --url URL] --data FILE|DIR [--subject Patient/ID] [--encounter Encounter/ID] [--param NAME=CQL-LITERAL]... [--now DATETIME] [--explain] [--strict] [--strict-data] [--lenient]",
		Summary: "apply a CCG PlanDefinition to a data-in Bundle offline ($apply) and print the Bundle",
		Run:     runApply,
	})
}

func runApply(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "apply")
	var pkgs multiFlag
	fs.Var(&pkgs, "package", "guideline content (repeatable): a package `DIR` or .tgz, an IG source folder, a folder of resources, a Bundle")
	planID := fs.String("plan", "", "PlanDefinition `ID` (a Folder, a CARD or Patient Plans); empty: the patient's Patient Plans")
	planURL := fs.String("url", "", "PlanDefinition canonical `URL` instead of --plan")
	dataFile := fs.String("data", "", "data-in Bundle `FILE` (JSON), or a resource file or folder of resources (JSON or XML)")
	subject := fs.String("subject", "", "subject `Patient/ID` (default: the Bundle's only Patient)")
	encounter := fs.String("encounter", "", "`Encounter/ID` (default: the patient's in-progress Encounter)")
	explain := fs.Bool("explain", false, "add the explain Parameters (which condition gave what)")
	nowFlag := addNowFlag(fs)
	params := addParamFlag(fs)
	strictData := strictDataFlag(fs)
	strict := fs.Bool("strict", false, "fail when a package has profile violations or CQL errors")
	lenient := fs.Bool("lenient", false, "do not hold the data to CCG_DataIn_Bundle (generic CPG PlanDefinitions)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "apply takes no positional arguments, got %q", pos)
	}
	if len(pkgs) == 0 || *dataFile == "" {
		return usageError(e, fs, "--package and --data are required")
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		return usageError(e, fs, "%v", err)
	}
	eng := engine.New(engine.Options{})
	if code := loadPackages(e, eng, pkgs, *strict); code != exitOK {
		return code
	}
	bundle, ok := readDataIn(e, "apply", *dataFile, subject, encounter, *lenient)
	if !ok {
		return exitFailure
	}
	res, err := eng.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: *planID, URL: *planURL, Subject: *subject, Encounter: *encounter,
		Data: bundle, CQLParameters: params, StrictData: *strictData, Explain: *explain, Lenient: *lenient, Now: now})
	if err != nil {
		var re *engine.RequestError
		if errors.As(err, &re) {
			for _, is := range re.Issues {
				fmt.Fprintf(e.Stderr, "ccg apply: %s\n", is)
			}
			return exitFailure
		}
		fmt.Fprintf(e.Stderr, "ccg apply: %v\n", err)
		return exitFailure
	}
	out, err := fj.Marshal(res.Bundle)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg apply: %v\n", err)
		return exitFailure
	}
	e.Stdout.Write(out)
	printDataWarnings(e.Stderr, res.DataWarnings)
	// The Bundle (with its CARD errors OperationOutcome) is printed either
	// way; a CARD that failed at run time makes the run a failure.
	for _, ce := range res.Errors {
		fmt.Fprintf(e.Stderr, "ccg apply: CARD %s did not fire: %s (%s)\n", ce.Card, ce.Message, ce.Expression)
	}
	if len(res.Errors) > 0 {
		return exitFailure
	}
	return exitOK
}

// loadPackages loads guideline content (cards/load: package folders and
// tarballs, IG source folders, folders of resources, Bundles), printing
// its problems and warnings once per kind, with a count.
func loadPackages(e *env, eng *engine.Engine, paths []string, strict bool) int {
	for _, p := range paths {
		pkg, err := eng.LoadPath(p, content.Options{})
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
			return exitFailure
		}
		for _, line := range problemReport(pkg) {
			fmt.Fprintf(e.Stderr, "ccg: %s\n", line)
		}
		if strict && len(pkg.Problems) > 0 {
			fmt.Fprintf(e.Stderr, "ccg: package %s has %d problems (--strict)\n", pkg.Name, len(pkg.Problems))
			return exitFailure
		}
	}
	return exitOK
}

// problemReport describes a loaded package's problems and warnings: a
// count, then each kind once (content.Grouped).
func problemReport(pkg *content.Package) []string {
	var out []string
	for _, set := range []struct {
		what string
		list []content.Problem
	}{{"problems", pkg.Problems}, {"warnings", pkg.Warnings}} {
		if len(set.list) == 0 {
			continue
		}
		groups := content.Grouped(set.list)
		out = append(out, fmt.Sprintf("%s (%s): %d %s of %d kinds", pkg.Name, pkg.Source, len(set.list), set.what, len(groups)))
		for _, g := range groups {
			out = append(out, "  "+g)
		}
	}
	return out
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// readDataIn reads the data-in Bundle for apply or perform (cmd) from file
// and fills subject and encounter from it where they were not given (see
// datain.Defaults). The encounter may stay empty only when
// encounterOptional. ok is false after an error has been printed.
func readDataIn(e *env, cmd, file string, subject, encounter *string, encounterOptional bool) (bundle map[string]any, ok bool) {
	bundle, err := readData(file)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg %s: %v\n", cmd, err)
		return nil, false
	}
	if *subject == "" || *encounter == "" {
		s, enc, derr := datain.Defaults(bundle)
		if *subject == "" {
			*subject = s
		}
		if *encounter == "" {
			*encounter = enc
		}
		if *subject == "" || (*encounter == "" && !encounterOptional) {
			fmt.Fprintf(e.Stderr, "ccg %s: %v\n", cmd, derr)
			return nil, false
		}
	}
	return bundle, true
}

// readData reads a data-in Bundle (JSON), or one resource, a folder of
// resources or an XML file (cards/load) as a collection Bundle.
func readData(file string) (map[string]any, error) {
	if fi, err := os.Stat(file); err == nil && (fi.IsDir() || strings.EqualFold(filepath.Ext(file), ".xml")) {
		c, err := load.Path(file, fhirpkg.Limits{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(c.Problems) > 0 {
			return nil, fmt.Errorf("%s", c.Problems[0])
		}
		return c.AsBundle(), nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	bundle, err := fj.DecodeObj(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if t := fj.Type(bundle); t != "Bundle" && t != "" {
		// one resource
		return map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{map[string]any{"resource": bundle}}}, nil
	}
	return bundle, nil
}

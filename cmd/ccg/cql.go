package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/conformance"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

func init() {
	register(&command{
		Name:    "cql eval",
		Args:    "FILE.cql [--expr NAME] [--json] [--param NAME=CQL-LITERAL]... [--data BUNDLE.json [--subject Patient/ID] [--strict-data]] [--valuesets DIR] [--modelinfo DIR] [--now DATETIME] [--interval-promotion] [--interval-demotion]",
		Summary: "evaluate a CQL library's definitions and print their values",
		Run:     runCQLEval,
	})
	register(&command{
		Name:    "cql check",
		Args:    "FILE.cql|DIR [--modelinfo DIR] [--interval-promotion] [--interval-demotion]",
		Summary: "compile CQL files and report every error",
		Run:     runCQLCheck,
	})
	register(&command{
		Name:    "cql spec-tests",
		Args:    "DIR [--json FILE] [--skip FILE] [--run REGEXP] [--timeout D] [--cql-version V] [-v]",
		Summary: "run the CQL conformance suite (XML test files) and print pass rates",
		Run:     runCQLSpecTests,
	})
}

func runCQLEval(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "cql eval")
	expr := fs.String("expr", "", "evaluate only the definition `NAME` and print just its value")
	asJSON := fs.Bool("json", false, "print JSON instead of CQL literals")
	var setup cqlSetup
	fs.StringVar(&setup.dataFile, "data", "", "read retrieves from the FHIR Bundle in `FILE` (JSON)")
	fs.StringVar(&setup.patient, "subject", "", "the subject `Patient/ID` (or bare ID) in the --data Bundle (default: its only Patient)")
	fs.StringVar(&setup.valueSets, "valuesets", "", "load ValueSet resources (JSON) from `DIR` for value set membership")
	modelInfoFlag(fs, &setup)
	nowFlag := addNowFlag(fs)
	params := addParamFlag(fs)
	strictData := strictDataFlag(fs)
	ivl := intervalFlags(fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "cql eval takes one CQL file")
	}
	path := pos[0]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		return usageError(e, fs, "%v", err)
	}
	setup.patient = strings.TrimPrefix(setup.patient, "Patient/")
	setup.strictData = *strictData
	if setup.patient != "" && setup.dataFile == "" {
		return usageError(e, fs, "--subject needs --data")
	}
	// Included libraries are looked for among the .cql files next to FILE.
	if setup.files, err = siblingCQLFiles(path); err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	cenv, err := setup.env()
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	cenv = ivl.apply(cenv)
	lib, errs := cenv.Compile(path, string(src))
	if len(errs) > 0 {
		printCompileErrors(e.Stderr, errs, path, string(src))
		return exitFailure
	}
	if err := lib.CheckParameters(params); err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %s: %s\n", path, strings.ReplaceAll(err.Error(), "\n", "\nccg: "+path+": "))
		return exitFailure
	}
	opts := cql.EvalOptions{Now: now, Parameters: params, OnMessage: func(m cql.Message) { printMessage(e.Stderr, m, path, lib.Name) }}

	if setup.data != nil {
		defer func() {
			var ws []string
			for _, w := range setup.data.Warnings() {
				ws = append(ws, w.Error())
			}
			printDataWarnings(e.Stderr, ws)
		}()
	}
	if *expr != "" {
		if !slices.Contains(lib.Defines(), *expr) {
			fmt.Fprintf(e.Stderr, "ccg: %s has no definition named %q\n", path, *expr)
			return exitFailure
		}
		v, err := lib.Eval(ctx, *expr, opts)
		if err != nil {
			printEvalError(e.Stderr, err, path, lib.Name, string(src))
			return exitFailure
		}
		if *asJSON {
			return writeJSON(e, value.ToJSON(v))
		}
		fmt.Fprintln(e.Stdout, value.Format(v))
		return exitOK
	}

	results := lib.EvalAll(ctx, opts)
	failed := false
	var obj orderedJSON
	for _, r := range results {
		if r.Err != nil {
			failed = true
			printEvalError(e.Stderr, r.Err, path, lib.Name, string(src))
			continue
		}
		if *asJSON {
			obj = append(obj, jsonField{r.Name, value.ToJSON(r.Value)})
			continue
		}
		fmt.Fprintf(e.Stdout, "%s: %s\n", r.Name, value.Format(r.Value))
	}
	if *asJSON {
		if code := writeJSON(e, obj); code != exitOK {
			return code
		}
	}
	if failed {
		return exitFailure
	}
	return exitOK
}

func runCQLCheck(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "cql check")
	var setup cqlSetup
	modelInfoFlag(fs, &setup)
	ivl := intervalFlags(fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "cql check takes one file or directory")
	}
	files, err := cqlFiles(pos[0])
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	if len(files) == 0 {
		fmt.Fprintf(e.Stderr, "ccg: no .cql files in %s\n", pos[0])
		return exitFailure
	}
	// Included libraries are resolved among the files being checked (for
	// a single file, the .cql files of its folder, as cql eval does), by
	// the name and version of their library declarations.
	libs := files
	if st, err := os.Stat(pos[0]); err == nil && !st.IsDir() {
		if libs, err = siblingCQLFiles(pos[0]); err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
			return exitFailure
		}
	}
	setup.files = libs
	cenv, err := setup.env()
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	cenv = ivl.apply(cenv)
	nerr, nbad := 0, 0
	seen, err := newErrorSet(libs)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	for _, f := range files {
		if ctx.Err() != nil {
			fmt.Fprintln(e.Stderr, "ccg: interrupted")
			return exitFailure
		}
		src, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
			nerr++
			nbad++
			continue
		}
		if _, errs := cenv.Compile(f, string(src)); len(errs) > 0 {
			errs = seen.filter(errs, f, string(src))
			printCompileErrors(e.Stderr, errs, f, string(src))
			nerr += len(errs)
			nbad++
		}
	}
	if nerr > 0 {
		fmt.Fprintf(e.Stderr, "%d of %d files have errors (%d errors)\n", nbad, len(files), nerr)
		return exitFailure
	}
	fmt.Fprintf(e.Stdout, "%d files ok\n", len(files))
	return exitOK
}

// errorSet keeps the compile errors of cql check already printed, so that
// an error of a library is printed once, not again for every library
// that includes it; errors of included libraries name the library's file.
type errorSet struct {
	files   map[string]string // library name -> file
	printed map[string]bool
}

func newErrorSet(files []string) (*errorSet, error) {
	s := &errorSet{files: map[string]string{}, printed: map[string]bool{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if name, _, ok := fhir.ParseLibraryHeader(string(b)); ok {
			if _, dup := s.files[name]; !dup {
				s.files[name] = f
			}
		}
	}
	return s, nil
}

// filter returns the errors of compiling file (source src) not printed
// before, with included libraries' errors placed in their files.
func (s *errorSet) filter(errs cql.Errors, file, src string) cql.Errors {
	var out cql.Errors
	for _, err := range errs {
		c := *err
		if f, ok := s.files[c.Library]; ok && c.Library != file {
			c.Library = f
		}
		key := fmt.Sprintf("%s:%d:%d:%s:%s", c.Library, c.Line, c.Col, c.Code, c.Message)
		if s.printed[key] {
			continue
		}
		s.printed[key] = true
		out = append(out, &c)
	}
	return out
}

// ivlFlags are the --interval-promotion and --interval-demotion flags of
// the cql commands.
type ivlFlags struct{ promotion, demotion *bool }

// modelInfoFlag adds --modelinfo, the folder of ModelInfo documents
// (QI-Core, US Core) `using` declarations may name.
func modelInfoFlag(fs *flag.FlagSet, s *cqlSetup) {
	fs.StringVar(&s.modelDir, "modelinfo", "", "load the ModelInfo documents (QI-Core, US Core ... as .xml) of `DIR` for `using` declarations")
}

func intervalFlags(fs *flag.FlagSet) ivlFlags {
	return ivlFlags{
		promotion: fs.Bool("interval-promotion", false, "let a point stand for the unit interval Interval[x, x] where an interval is expected"),
		demotion:  fs.Bool("interval-demotion", false, "let a unit interval stand for its point where a point is expected"),
	}
}

// apply returns env with the interval conversions the flags turn on.
func (f ivlFlags) apply(env *cql.Env) *cql.Env {
	if !*f.promotion && !*f.demotion {
		return env
	}
	return env.With(cql.WithIntervalPromotion(*f.promotion), cql.WithIntervalDemotion(*f.demotion))
}

// cqlFiles returns path if it is a file, or every .cql file under path.
func cqlFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".cql") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func runCQLSpecTests(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "cql spec-tests")
	jsonOut := fs.String("json", "", "write every test's result to `FILE` as JSON")
	skipFile := fs.String("skip", "", "skip the tests listed in `FILE` (name and reason per line)")
	runRE := fs.String("run", "", "run only tests whose name matches `REGEXP`")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit for each test")
	version := fs.String("cql-version", "1.5", "CQL version under test; tests of later versions are skipped (empty: run all)")
	verbose := fs.Bool("v", false, "print every failing test")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "cql spec-tests takes one directory of XML test files")
	}
	suites, err := conformance.LoadDir(pos[0])
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	opts := conformance.Options{Timeout: *timeout, Version: *version}
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
		for _, s := range suites {
			kept := s.Tests[:0]
			for _, t := range s.Tests {
				if re.MatchString(t.Name) {
					kept = append(kept, t)
				}
			}
			s.Tests = kept
		}
	}
	rep := conformance.Run(ctx, suites, opts)
	if *verbose {
		for _, r := range rep.Results {
			if r.Outcome == conformance.Fail {
				fmt.Fprintf(e.Stdout, "FAIL %s %s/%s: %s\n    %s\n", r.File, r.Group, r.Name,
					oneLine(r.Expression), oneLine(r.Error))
			}
		}
	}
	return finishSpecTests(e, rep, *jsonOut, rep.Failed)
}

// specReport is the report of a conformance suite run (the CQL or the
// FHIRPath suite).
type specReport interface {
	WriteSummary(io.Writer) error
	WriteJSON(io.Writer) error
}

// finishSpecTests prints rep's summary, writes it as JSON to jsonOut when
// set, and returns the exit code: a failure when failed tests > 0.
func finishSpecTests(e *env, rep specReport, jsonOut string, failed int) int {
	if err := rep.WriteSummary(e.Stdout); err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	if jsonOut != "" {
		var buf bytes.Buffer
		err := rep.WriteJSON(&buf)
		if err == nil {
			err = os.WriteFile(jsonOut, buf.Bytes(), 0o644)
		}
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg: writing %s: %v\n", jsonOut, err)
			return exitFailure
		}
	}
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// printCompileErrors prints each error as "lib:line:col: message" followed
// by the source line and a caret under the column.
func printCompileErrors(w io.Writer, errs cql.Errors, name, src string) {
	for _, err := range errs {
		if err == nil {
			continue
		}
		fmt.Fprintln(w, err.Error())
		caret := ""
		if c := strings.TrimRight(err.Caret(), "\n"); c != "" {
			caret = "    " + strings.ReplaceAll(c, "\n", "\n    ")
		} else if err.Library == "" || err.Library == name {
			caret = caretAt(src, err.Line, err.Col)
		}
		if caret != "" {
			fmt.Fprintln(w, caret)
		}
	}
}

// printEvalError prints a run-time error with its position and, when it
// is in the file being run, the source line with a caret.
// Errors in the file's own library are reported against the file path,
// like compile errors; errors in included libraries keep the library name.
// printMessage prints a message of the Message operator as
// file:line:col: severity: code: message.
func printMessage(w io.Writer, m cql.Message, path, libName string) {
	lib := m.Library
	if lib == "" || lib == path || lib == libName {
		lib = path
	}
	fmt.Fprintf(w, "%s:%d:%d: %s: %s: %s\n", lib, m.Line, m.Col, m.Severity, m.Code, m.Text)
}

func printEvalError(w io.Writer, err error, path, libName, src string) {
	var ee *cql.EvalError
	if !errors.As(err, &ee) {
		fmt.Fprintf(w, "%s: %v\n", path, err)
		return
	}
	own := ee.Library == "" || ee.Library == path || ee.Library == libName
	lib := ee.Library
	if own {
		lib = path
	}
	fmt.Fprintf(w, "%s:%d:%d: %s\n", lib, ee.Line, ee.Col, ee.Message)
	if own {
		if caret := caretAt(src, ee.Line, ee.Col); caret != "" {
			fmt.Fprintln(w, caret)
		}
	}
}

// caretAt renders line of src (1-based) with a caret under column col
// (1-based), keeping tabs so the caret lines up.
func caretAt(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	text := strings.TrimRight(lines[line-1], "\r")
	var pad strings.Builder
	for i, r := range []rune(text) {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return "    " + text + "\n    " + pad.String() + "^"
}

// jsonField and orderedJSON write a JSON object whose keys keep their
// order (definitions in source order).
type jsonField struct {
	Key   string
	Value any
}

type orderedJSON []jsonField

func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSON(e *env, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(e.Stdout, string(b))
	return exitOK
}

// addNowFlag adds --now, the evaluation time of cql eval and apply.
func addNowFlag(fs *flag.FlagSet) *string {
	return fs.String("now", "", "evaluate as of `DATETIME` (RFC 3339, e.g. 2024-01-31T09:00:00Z) instead of the current time")
}

// parseNow reads --now; "" is the current time.
func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad --now: %v", err)
	}
	return t, nil
}

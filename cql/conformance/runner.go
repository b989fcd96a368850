package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/value"
)

// Outcome is the result of one test.
type Outcome string

// Test outcomes.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip"
)

// Result is the outcome of one test.
type Result struct {
	Name       string  `json:"name"`
	Group      string  `json:"group"`
	File       string  `json:"file"`
	Outcome    Outcome `json:"outcome"`
	Expression string  `json:"expression"`
	// Expected is the expected output's text, or "error" for a test whose
	// expression must fail.
	Expected string `json:"expected"`
	// Actual is the value the expression produced, as a CQL literal, or
	// "error" when it failed to compile or evaluate.
	Actual string `json:"actual,omitempty"`
	// Error explains a failure (the engine's error, a mismatch, a timeout)
	// or a skip (the reason).
	Error string `json:"error,omitempty"`
	// Millis is how long the test took.
	Millis float64 `json:"ms"`
}

// Options configure Run.
type Options struct {
	// Workers is the number of tests run at once; 0 means GOMAXPROCS.
	Workers int
	// Timeout bounds each test; 0 means 10 seconds. A test that does not
	// finish in time fails.
	Timeout time.Duration
	// Skip maps test names to the reason they are not run.
	Skip map[string]string
	// Version is the CQL version under test ("1.5"). Tests introduced in a
	// later version, or retired before it, are skipped. Empty: run all.
	Version string
	// Now is the evaluation timestamp; zero means the time Run starts.
	Now time.Time
	// NewEnv makes the environment tests compile in (one per worker);
	// nil means cql.NewEnv().
	NewEnv func() *cql.Env
}

// FileSummary counts the results of one file.
type FileSummary struct {
	File    string `json:"file"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
}

// Percent is the pass rate among the tests that ran.
func (f FileSummary) Percent() float64 {
	if f.Passed+f.Failed == 0 {
		return 0
	}
	return 100 * float64(f.Passed) / float64(f.Passed+f.Failed)
}

// Report is the outcome of a run, in file and test order.
type Report struct {
	Results []Result      `json:"tests"`
	Files   []FileSummary `json:"files"`
	Passed  int           `json:"passed"`
	Failed  int           `json:"failed"`
	Skipped int           `json:"skipped"`
}

// Run runs the tests of suites and reports every result. It returns early
// (with the results so far marked as failures) only if ctx is cancelled.
func Run(ctx context.Context, suites []*Suite, opts Options) *Report {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.NewEnv == nil {
		opts.NewEnv = func() *cql.Env { return cql.NewEnv() }
	}
	var tests []*Test
	for _, s := range suites {
		tests = append(tests, s.Tests...)
	}
	results := make([]Result, len(tests))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var env *cql.Env
			for i := range jobs {
				t := tests[i]
				if reason, skip := skipReason(t, opts); skip {
					results[i] = Result{Name: t.Name, Group: t.Group, File: t.File, Outcome: Skip,
						Expression: t.Expression, Expected: expectedText(t), Error: reason}
					continue
				}
				if env == nil {
					env = newEnvSafe(opts.NewEnv)
				}
				results[i] = runTest(ctx, env, t, opts)
			}
		}()
	}
	for i := range tests {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return summarize(suites, results)
}

// newEnvSafe calls newEnv, returning nil if it panics (every test then
// fails with a clear message instead of crashing the run).
func newEnvSafe(newEnv func() *cql.Env) (env *cql.Env) {
	defer func() {
		if recover() != nil {
			env = nil
		}
	}()
	return newEnv()
}

func skipReason(t *Test, opts Options) (string, bool) {
	if r, ok := opts.Skip[t.Name]; ok {
		return r, true
	}
	if opts.Version != "" {
		if t.Version != "" && compareVersions(t.Version, opts.Version) > 0 {
			return fmt.Sprintf("needs CQL %s (this is CQL %s)", t.Version, opts.Version), true
		}
		if t.VersionTo != "" && compareVersions(t.VersionTo, opts.Version) < 0 {
			return fmt.Sprintf("applies up to CQL %s (this is CQL %s)", t.VersionTo, opts.Version), true
		}
	}
	return "", false
}

// compareVersions compares dotted version numbers ("1.4" < "1.5" < "1.10").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func expectedText(t *Test) string {
	switch {
	case t.ExpectsError():
		return "error"
	case len(t.Outputs) == 0:
		return "null"
	case len(t.Outputs) == 1:
		return t.Outputs[0]
	}
	return "{" + strings.Join(t.Outputs, ", ") + "}"
}

// errTimeout is reported when a test does not finish in time.
var errTimeout = errors.New("timed out")

// runTest runs one test in its own goroutine, so that a panic or an
// engine that ignores the deadline fails the test instead of the run.
func runTest(ctx context.Context, env *cql.Env, t *Test, opts Options) Result {
	start := time.Now()
	res := Result{Name: t.Name, Group: t.Group, File: t.File, Expression: t.Expression, Expected: expectedText(t)}
	tctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	type outcome struct {
		actual string
		err    string
		ok     bool
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{actual: "error", err: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())}
			}
		}()
		a, ok, err := check(tctx, env, t, opts.Now)
		done <- outcome{actual: a, ok: ok, err: err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-tctx.Done():
		// Give an engine that checks ctx a moment to return its own error.
		select {
		case o = <-done:
		case <-time.After(time.Second):
			o = outcome{err: fmt.Sprintf("%v after %v", errTimeout, opts.Timeout)}
		}
	}
	res.Millis = float64(time.Since(start).Microseconds()) / 1000
	res.Actual, res.Error = o.actual, o.err
	if o.ok {
		res.Outcome = Pass
	} else {
		res.Outcome = Fail
	}
	return res
}

// check compiles and evaluates the test. It returns the actual value's
// text, whether the test passed and, when it did not (or when an expected
// error occurred), the explanation.
func check(ctx context.Context, env *cql.Env, t *Test, now time.Time) (actual string, ok bool, msg string) {
	if env == nil {
		return "", false, "cql.NewEnv panicked"
	}
	got, err := evalDefine(ctx, env, t.Name, "Expression", t.Expression, now)
	if err != nil {
		if t.ExpectsError() {
			return "error", true, err.Error()
		}
		return "error", false, err.Error()
	}
	actual = value.Format(got)
	if t.ExpectsError() {
		return actual, false, "expected an error, got " + actual
	}
	want, err := evalDefine(ctx, env, t.Name+".output", "Output", expectedText(t), now)
	if err != nil {
		return actual, false, "the expected output does not evaluate: " + err.Error()
	}
	if sameValue(got, want) {
		return actual, true, ""
	}
	return actual, false, fmt.Sprintf("got %s, want %s", actual, value.Format(want))
}

// evalDefine compiles src as the only definition of a library and
// evaluates it.
func evalDefine(ctx context.Context, env *cql.Env, libName, define, src string, now time.Time) (value.Value, error) {
	lib, errs := env.Compile(libName, LibrarySource(define, src))
	if len(errs) > 0 {
		return nil, errs
	}
	if lib == nil {
		return nil, errors.New("compile returned neither a library nor errors")
	}
	return lib.Eval(ctx, define, cql.EvalOptions{Now: now})
}

// LibrarySource is the library a test expression is compiled in: the
// expression is on line 4, starting at column 1.
func LibrarySource(define, expr string) string {
	return "library ConformanceTest version '1'\n\ndefine \"" + define + "\":\n" + expr + "\n"
}

// sameValue is the suite's notion of a matching result: both null, the
// same CQL literal text, or equal by CQL equality once the expected value's
// Integers are converted to Decimals where the result has Decimals — the
// implicit conversion `=` itself applies (the suite writes { 10, 11, 12 }
// for a list of Decimals).
func sameValue(got, want value.Value) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	if value.Format(got) == value.Format(want) {
		return true
	}
	b, ok := value.Equal(got, promote(want, got)).(value.Boolean)
	return ok && bool(b)
}

// promote converts the Integers of want to Decimals where the matching
// part of got is a Decimal, through lists, intervals and tuples.
func promote(want, got value.Value) value.Value {
	switch w := want.(type) {
	case value.Integer:
		if _, ok := got.(value.Decimal); ok {
			return value.DecimalFromInt(int64(w))
		}
	case value.List:
		g, ok := got.(value.List)
		if !ok || len(g.Elems) != len(w.Elems) {
			return want
		}
		elems := make([]value.Value, len(w.Elems))
		for i := range w.Elems {
			elems[i] = promote(w.Elems[i], g.Elems[i])
		}
		return value.List{Elems: elems, ElemType: g.ElemType}
	case value.Interval:
		g, ok := got.(value.Interval)
		if !ok {
			return want
		}
		w.Low, w.High, w.PointType = promote(w.Low, g.Low), promote(w.High, g.High), g.PointType
		return w
	case value.Tuple:
		g, ok := got.(value.Tuple)
		if !ok {
			return want
		}
		vals := make([]value.Value, len(w.Values))
		for i, n := range w.Names {
			gv, _ := g.Get(n)
			vals[i] = promote(w.Values[i], gv)
		}
		return value.Tuple{Names: w.Names, Values: vals}
	}
	return want
}

func summarize(suites []*Suite, results []Result) *Report {
	r := &Report{Results: results}
	index := map[string]int{}
	for _, s := range suites {
		index[s.File] = len(r.Files)
		r.Files = append(r.Files, FileSummary{File: s.File})
	}
	for _, res := range results {
		f := &r.Files[index[res.File]]
		switch res.Outcome {
		case Pass:
			f.Passed++
			r.Passed++
		case Skip:
			f.Skipped++
			r.Skipped++
		default:
			f.Failed++
			r.Failed++
		}
	}
	return r
}

// WriteSummary writes one line per file, "File.xml  passed/total (pct%)"
// where total counts the tests that ran, then "N passed, N failed, N skipped".
func (r *Report) WriteSummary(w io.Writer) error {
	width := 0
	for _, f := range r.Files {
		width = max(width, len(f.File))
	}
	for _, f := range r.Files {
		if _, err := fmt.Fprintf(w, "%-*s  %d/%d (%.1f%%)\n", width, f.File, f.Passed, f.Passed+f.Failed, f.Percent()); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", r.Passed, r.Failed, r.Skipped)
	return err
}

// WriteJSON writes the whole report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

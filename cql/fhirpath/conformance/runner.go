package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/fhirpath"
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
	Outcome    Outcome `json:"outcome"`
	Expression string  `json:"expression"`
	// Expected is the expected items, or "error".
	Expected string `json:"expected"`
	// Actual is what the expression gave, or "error".
	Actual string `json:"actual,omitempty"`
	// Error explains a failure or a skip.
	Error string `json:"error,omitempty"`
}

// GroupSummary counts the results of one group.
type GroupSummary struct {
	Group   string `json:"group"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
}

// Percent is the pass rate among the tests that ran.
func (g GroupSummary) Percent() float64 {
	if g.Passed+g.Failed == 0 {
		return 0
	}
	return 100 * float64(g.Passed) / float64(g.Passed+g.Failed)
}

// Report is the outcome of a run, in suite order.
type Report struct {
	Results []Result       `json:"tests"`
	Groups  []GroupSummary `json:"groups"`
	Passed  int            `json:"passed"`
	Failed  int            `json:"failed"`
	Skipped int            `json:"skipped"`
}

// Options configure Run.
type Options struct {
	// Skip maps test names to the reason they are not run.
	Skip map[string]string
	// Now is the evaluation time; zero means the time Run starts.
	Now time.Time
}

// Run runs every test of s.
func Run(ctx context.Context, s *Suite, opts Options) *Report {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	inputs := map[string]inputResult{}
	r := &Report{}
	groups := map[string]int{}
	for _, t := range s.Tests {
		res := runTest(ctx, s, t, opts, inputs)
		r.Results = append(r.Results, res)
		gi, ok := groups[t.Group]
		if !ok {
			gi = len(r.Groups)
			groups[t.Group] = gi
			r.Groups = append(r.Groups, GroupSummary{Group: t.Group})
		}
		g := &r.Groups[gi]
		switch res.Outcome {
		case Pass:
			g.Passed++
			r.Passed++
		case Skip:
			g.Skipped++
			r.Skipped++
		default:
			g.Failed++
			r.Failed++
		}
	}
	return r
}

type inputResult struct {
	node *fhir.Node
	err  error
}

// loadInput reads an input resource, XML or JSON by its extension.
func loadInput(dir, name string) (*fhir.Node, error) {
	data, err := os.ReadFile(filepath.Join(dir, "input", name))
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".xml") {
		return fhir.R4().ParseXMLResource(data)
	}
	return fhir.R4().ParseResource(data)
}

func runTest(ctx context.Context, s *Suite, t *Test, opts Options, inputs map[string]inputResult) Result {
	res := Result{Name: t.Name, Group: t.Group, Expression: t.Expression, Expected: expected(t)}
	if reason, ok := opts.Skip[t.Name]; ok {
		res.Outcome, res.Error = Skip, reason
		return res
	}
	var input []value.Value
	if t.InputFile != "" {
		in, ok := inputs[t.InputFile]
		if !ok {
			in.node, in.err = loadInput(s.Dir, t.InputFile)
			inputs[t.InputFile] = in
		}
		if in.err != nil {
			res.Outcome, res.Error = Fail, fmt.Sprintf("input %s: %v", t.InputFile, in.err)
			return res
		}
		input = []value.Value{in.node}
	}
	out, err := evaluate(ctx, t, input, opts.Now)
	if err != nil {
		res.Actual = "error"
		if t.ExpectsError() {
			res.Outcome = Pass
		} else {
			res.Outcome, res.Error = Fail, err.Error()
		}
		return res
	}
	res.Actual = fhirpath.Format(out)
	if t.ExpectsError() {
		res.Outcome, res.Error = Fail, "expected an error"
		return res
	}
	if msg := compare(out, t.Outputs); msg != "" {
		res.Outcome, res.Error = Fail, msg
		return res
	}
	res.Outcome = Pass
	return res
}

func evaluate(ctx context.Context, t *Test, input []value.Value, now time.Time) ([]value.Value, error) {
	x, err := fhirpath.Parse(t.Expression)
	if err != nil {
		return nil, err
	}
	env := &fhirpath.Env{Now: now, Vars: map[string]value.Value{}}
	out, err := x.Eval(ctx, input, env)
	if err != nil {
		return nil, err
	}
	if t.Predicate {
		if len(out) == 1 {
			if _, ok := fhirpath.System(out[0]).(value.Boolean); ok {
				return out, nil
			}
		}
		return []value.Value{value.Boolean(len(out) > 0)}, nil
	}
	return out, nil
}

func expected(t *Test) string {
	if t.ExpectsError() {
		return "error"
	}
	parts := make([]string, len(t.Outputs))
	for i, o := range t.Outputs {
		parts[i] = o.Type + " " + o.Text
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// compare checks the items against the expected outputs, in order; it
// returns "" when they match.
func compare(out []value.Value, want []Output) string {
	if len(out) != len(want) {
		return fmt.Sprintf("got %d items, want %d", len(out), len(want))
	}
	for i, w := range want {
		if !sameItem(out[i], w) {
			return fmt.Sprintf("item %d: got %s, want %s %s", i, fhirpath.Format(out[i:i+1]), w.Type, w.Text)
		}
	}
	return ""
}

func sameItem(got value.Value, w Output) bool {
	v := fhirpath.System(got)
	text := strings.TrimSpace(w.Text)
	switch w.Type {
	case "boolean":
		b, ok := v.(value.Boolean)
		return ok && (text == "true") == bool(b) && (text == "true" || text == "false")
	case "integer":
		i, ok := v.(value.Integer)
		return ok && fmt.Sprint(int32(i)) == text
	case "decimal":
		d, ok := v.(value.Decimal)
		want, err := value.NewDecimal(text)
		return ok && err == nil && value.DecCmp(d, want) == 0
	case "date":
		d, ok := v.(value.Date)
		return ok && "@"+fhir.FormatDate(d) == text
	case "dateTime":
		dt, ok := v.(value.DateTime)
		want, err := fhir.ParseDateTime(strings.TrimPrefix(text, "@"))
		return ok && err == nil && dt == want
	case "time":
		tm, ok := v.(value.Time)
		want, err := fhir.ParseTime(strings.TrimPrefix(text, "@T"))
		return ok && err == nil && tm == want
	case "Quantity":
		q, ok := v.(value.Quantity)
		return ok && q.String() == text
	case "":
		return literalText(v) == text
	}
	// string, code, id, uri ...
	s, ok := v.(value.String)
	return ok && string(s) == text
}

// literalText is a value as a FHIRPath literal, for outputs given
// without a type.
func literalText(v value.Value) string {
	switch x := v.(type) {
	case value.Decimal:
		return x.D.Text('f')
	case value.Date:
		return "@" + fhir.FormatDate(x)
	case value.DateTime:
		return "@" + fhir.FormatDateTime(x)
	case value.Time:
		return "@T" + fhir.FormatTime(x)
	case value.Quantity:
		return x.Value.D.Text('f') + " '" + x.Unit + "'"
	case value.String:
		return string(x)
	case nil:
		return ""
	}
	return value.Format(v)
}

// WriteSummary writes one line per group, "group  passed/ran (pct%)",
// then "N passed, N failed, N skipped".
func (r *Report) WriteSummary(w io.Writer) error {
	width := 0
	for _, g := range r.Groups {
		width = max(width, len(g.Group))
	}
	for _, g := range r.Groups {
		if _, err := fmt.Fprintf(w, "%-*s  %d/%d (%.1f%%)\n", width, g.Group, g.Passed, g.Passed+g.Failed, g.Percent()); err != nil {
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

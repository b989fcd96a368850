// Package measure evaluates FHIR R4 Measures (Measure/$evaluate-measure)
// with ccg's CQL engine and writes MeasureReports.
//
// A Measure's population criteria, stratifiers and supplemental data are
// the names of expression definitions (text/cql-identifier, also spelled
// text/cql.identifier) of its first library; measure observations are CQL
// functions of that library. Scoring: proportion, ratio,
// continuous-variable and cohort, each group with its own scoring and
// population basis (the cqfm-scoring and cqfm-populationBasis extensions,
// else the Measure's; basis "boolean" by default). With a boolean basis
// the subject (the patient) is the member of a population whose criterion
// is true; with a resource basis (Encounter, ...) the members are the
// resources the criterion returns.
//
// Populations follow the CQF Measures rules, as the expected
// MeasureReports of the eCQM content (ecqm-content-r4-2021) count them:
// every population is drawn from its parent (denominator and numerator
// from the initial population, the numerator from the denominator in a
// proportion measure, measure-population from the initial population);
// exclusions and exceptions count only inside their parent population;
// members excluded (denominator-exclusion, numerator-exclusion,
// measure-population-exclusion) or excepted (denominator-exception, only
// for members not in the numerator) are removed from the parent's count,
// so the proportion score is numerator / denominator and a ratio's is
// numerator / denominator (or, with measure observations, the aggregated
// numerator observations over the aggregated denominator observations).
// A continuous-variable score aggregates the observations of the measure
// population with the cqfm-aggregateMethod of the measure-observation
// (sum, average, median, min, max, count; average by default). Cohort
// measures have no score.
//
// Reports: individual (one patient), subject-list (the counts and, per
// population, a contained List of the subjects) and summary (the counts
// over every subject of the data). Supplemental data are contained
// Observations (the cqf-measureInfo extension names the Measure and the
// supplemental data element), referenced from evaluatedResource; in an
// individual report one per value, in a summary one per distinct value
// with its count. Supplemental data elements that are resources are
// referenced from evaluatedResource directly.
package measure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// Extension and code system URLs the evaluator reads or writes.
const (
	extPopulationBasis   = "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-populationBasis"
	extScoring           = "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-scoring"
	extAggregateMethod   = "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-aggregateMethod"
	extCriteriaReference = "http://hl7.org/fhir/us/cqfmeasures/StructureDefinition/cqfm-criteriaReference"
	extMeasureInfo       = "http://hl7.org/fhir/StructureDefinition/cqf-measureInfo"
	populationSystem     = "http://terminology.hl7.org/CodeSystem/measure-population"
	// PeriodParameter is the CQL parameter the measurement period is given to.
	PeriodParameter = "Measurement Period"
)

// Report types of a MeasureReport (R4 MeasureReport.type).
const (
	Individual  = "individual"
	SubjectList = "subject-list"
	Summary     = "summary"
)

// Error is a request the evaluator refuses, with the HTTP status and
// OperationOutcome issue code that say why.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Measure is a Measure resource with its compiled library, ready to
// evaluate. It is immutable and safe for concurrent use.
type Measure struct {
	Resource map[string]any
	pkg      *content.Package
	lib      *content.Library
	scoring  string
	groups   []group
	sdes     []criterion
}

type criterion struct {
	id   string
	code map[string]any // CodeableConcept
	expr string
}

type population struct {
	criterion
	typ       string // measure-population code
	aggregate string // measure-observation: cqfm-aggregateMethod
	target    string // measure-observation: the population code it observes
}

type group struct {
	id      string
	code    map[string]any
	scoring string
	basis   string
	pops    []population
	strats  []criterion
}

// ReportType reads a report type: the R4 MeasureReport.type codes and the
// operation's reportType values (subject, population).
func ReportType(s string) (string, error) {
	switch s {
	case "subject", "individual":
		return Individual, nil
	case "subject-list":
		return SubjectList, nil
	case "population", "summary":
		return Summary, nil
	}
	return "", errorf(http.StatusBadRequest, "value", "reportType %q is not one of subject (individual), subject-list, population (summary)", s)
}

// Find looks a Measure up in packages by id ("x" or "Measure/x") or
// canonical ("url" or "url|version") and prepares it.
func Find(pkgs []*content.Package, ref string) (*Measure, error) {
	id := strings.TrimPrefix(ref, "Measure/")
	for _, p := range pkgs {
		r := p.Resource("Measure", id)
		if r == nil && strings.Contains(ref, "/") {
			if c := p.ByCanonical(ref); c != nil && fj.Type(c) == "Measure" {
				r = c
			}
		}
		if r != nil {
			return New(p, r)
		}
	}
	return nil, errorf(http.StatusNotFound, "not-found", "Measure %s is in no loaded package", ref)
}

// New prepares Measure resource r of package p: its first library must be
// a compiled CQL library of p.
func New(p *content.Package, r map[string]any) (m *Measure, err error) {
	m = &Measure{Resource: r, pkg: p}
	name := fj.Ref(r)
	libs := fj.List(r, "library")
	if len(libs) == 0 {
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s names no library", name)
	}
	ref, _ := libs[0].(string)
	m.lib = p.Library(ref)
	if m.lib == nil {
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s: library %s is not in package %s", name, ref, p.Name)
	}
	if m.lib.CQL == nil {
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s: library %s does not compile: %v", name, ref, m.lib.Errors)
	}
	defines := map[string]bool{}
	for _, d := range m.lib.CQL.Defines() {
		defines[d] = true
	}
	defer func() {
		if err == nil {
			err = m.checkDefines(defines)
		}
	}()
	m.scoring = firstCode(fj.Obj(r, "scoring"))
	basis := extCode(r, extPopulationBasis)
	for gi, g := range fj.Objs(r, "group") {
		gr := group{id: fj.Str(g, "id"), code: fj.Obj(g, "code"), scoring: m.scoring, basis: basis}
		if s := extCode(g, extScoring); s != "" {
			gr.scoring = s
		}
		if b := extCode(g, extPopulationBasis); b != "" {
			gr.basis = b
		}
		if gr.basis == "" {
			gr.basis = "boolean"
		}
		switch gr.scoring {
		case "proportion", "ratio", "continuous-variable", "cohort":
		default:
			return nil, errorf(http.StatusUnprocessableEntity, "not-supported", "%s group[%d]: scoring %q is not one of proportion, ratio, continuous-variable, cohort", name, gi, gr.scoring)
		}
		var obs []int
		for pi, pp := range fj.Objs(g, "population") {
			c, err := m.criterion(pp, fmt.Sprintf("group[%d].population[%d]", gi, pi))
			if err != nil {
				return nil, err
			}
			pop := population{criterion: c, typ: firstCode(fj.Obj(pp, "code"))}
			if pop.typ == "measure-observation" {
				pop.aggregate = extCode(pp, extAggregateMethod)
				obs = append(obs, len(gr.pops))
				for _, e := range fj.Objs(pp, "extension") {
					if fj.Str(e, "url") == extCriteriaReference {
						pop.target = fj.Str(e, "valueString")
					}
				}
			}
			gr.pops = append(gr.pops, pop)
		}
		if err := gr.resolveObservations(obs); err != nil {
			return nil, fmt.Errorf("%s group[%d]: %w", name, gi, err)
		}
		for si, s := range fj.Objs(g, "stratifier") {
			if len(fj.Objs(s, "component")) > 0 {
				return nil, errorf(http.StatusUnprocessableEntity, "not-supported", "%s group[%d].stratifier[%d]: stratifier components are not supported", name, gi, si)
			}
			c, err := m.criterion(s, fmt.Sprintf("group[%d].stratifier[%d]", gi, si))
			if err != nil {
				return nil, err
			}
			gr.strats = append(gr.strats, c)
		}
		m.groups = append(m.groups, gr)
	}
	for i, s := range fj.Objs(r, "supplementalData") {
		c, err := m.criterion(s, fmt.Sprintf("supplementalData[%d]", i))
		if err != nil {
			return nil, err
		}
		if c.id == "" {
			c.id = fmt.Sprintf("sde-%d", i+1)
		}
		m.sdes = append(m.sdes, c)
	}
	return m, nil
}

// checkDefines refuses a Measure whose criteria name no define of its
// library (measure observations name functions, checked when compiled).
func (m *Measure) checkDefines(defines map[string]bool) error {
	var crits []criterion
	for _, g := range m.groups {
		for _, p := range g.pops {
			if p.typ != "measure-observation" {
				crits = append(crits, p.criterion)
			}
		}
		crits = append(crits, g.strats...)
	}
	for _, c := range append(crits, m.sdes...) {
		if !defines[c.expr] {
			return errorf(http.StatusUnprocessableEntity, "processing", "%s: library %s has no expression definition %q", fj.Ref(m.Resource), m.lib.CQL.Name, c.expr)
		}
	}
	return nil
}

// criterion reads the criteria of a population, stratifier or
// supplemental data element: the name of a define (or, for a measure
// observation, a function) of the measure's library.
func (m *Measure) criterion(obj map[string]any, path string) (criterion, error) {
	c := criterion{id: fj.Str(obj, "id"), code: fj.Obj(obj, "code")}
	crit := fj.Obj(obj, "criteria")
	lang := fj.Str(crit, "language")
	c.expr = fj.Str(crit, "expression")
	if lang != "text/cql-identifier" && lang != "text/cql.identifier" && lang != "text/cql" {
		return c, errorf(http.StatusUnprocessableEntity, "not-supported", "%s %s.criteria: language %q is not supported (text/cql-identifier)", fj.Ref(m.Resource), path, lang)
	}
	if c.expr == "" {
		return c, errorf(http.StatusUnprocessableEntity, "invalid", "%s %s.criteria: no expression", fj.Ref(m.Resource), path)
	}
	return c, nil
}

// resolveObservations sets the population each measure observation
// observes: its cqfm-criteriaReference (a population id), else the
// measure population (continuous-variable) or, for a ratio, the
// denominator and numerator in the order the observations are listed.
func (g *group) resolveObservations(obs []int) error {
	byID := map[string]string{}
	for _, p := range g.pops {
		if p.id != "" {
			byID[p.id] = p.typ
		}
	}
	ratioOrder := []string{"denominator", "numerator"}
	for n, i := range obs {
		p := &g.pops[i]
		switch {
		case p.target != "":
			t, ok := byID[p.target]
			if !ok {
				return errorf(http.StatusUnprocessableEntity, "invalid", "measure-observation %s: criteriaReference %q names no population of the group", p.expr, p.target)
			}
			p.target = t
		case g.scoring == "continuous-variable":
			p.target = "measure-population"
		case g.scoring == "ratio" && n < len(ratioOrder):
			p.target = ratioOrder[n]
		default:
			return errorf(http.StatusUnprocessableEntity, "invalid", "measure-observation %s: no population to observe (give a cqfm-criteriaReference)", p.expr)
		}
	}
	return nil
}

func firstCode(cc map[string]any) string {
	for _, c := range fj.Objs(cc, "coding") {
		if code := fj.Str(c, "code"); code != "" {
			return code
		}
	}
	return ""
}

func extCode(r map[string]any, url string) string {
	for _, e := range fj.Objs(r, "extension") {
		if fj.Str(e, "url") == url {
			if c := fj.Str(e, "valueCode"); c != "" {
				return c
			}
			return firstCode(fj.Obj(e, "valueCodeableConcept"))
		}
	}
	return ""
}

// Period is a measurement period as the request gave it (dates or
// dateTimes) and as the CQL Interval<DateTime> it stands for.
type Period struct {
	Start, End string
	interval   value.Interval
}

// ParsePeriod reads periodStart and periodEnd: FHIR dates (YYYY,
// YYYY-MM or YYYY-MM-DD: the period runs from the start of the first day
// to the end of the last) or dateTimes.
func ParsePeriod(start, end string) (Period, error) {
	parse := func(name, s string, last bool) (value.DateTime, error) {
		t := s
		switch len(s) {
		case 4: // YYYY
			if last {
				t += "-12-31"
			} else {
				t += "-01-01"
			}
		case 7: // YYYY-MM
			if last {
				if ym, err := time.Parse("2006-01", s); err == nil {
					t = ym.AddDate(0, 1, -1).Format("2006-01-02")
				}
			} else {
				t += "-01"
			}
		}
		if len(t) == 10 && !strings.Contains(t, "T") {
			if last {
				t += "T23:59:59.999"
			} else {
				t += "T00:00:00.000"
			}
		}
		dt, err := fhir.ParseDateTime(t)
		if err != nil || len(t) < 10 {
			return value.DateTime{}, errorf(http.StatusBadRequest, "value", "%s %q is not a FHIR date (YYYY-MM-DD) or dateTime", name, s)
		}
		return dt, nil
	}
	lo, err := parse("periodStart", start, false)
	if err != nil {
		return Period{}, err
	}
	hi, err := parse("periodEnd", end, true)
	if err != nil {
		return Period{}, err
	}
	if c, ok := value.Compare(lo, hi); ok && c > 0 {
		return Period{}, errorf(http.StatusBadRequest, "value", "periodStart %s is after periodEnd %s", start, end)
	}
	return Period{Start: start, End: end, interval: value.Interval{Low: lo, High: hi, LowClosed: true, HighClosed: true, PointType: lo.Type()}}, nil
}

// EffectivePeriod is the Measure's effectivePeriod, the period used when
// a request gives none; ok is false when the Measure has none.
func (m *Measure) EffectivePeriod() (Period, bool, error) {
	ep := fj.Obj(m.Resource, "effectivePeriod")
	if fj.Str(ep, "start") == "" || fj.Str(ep, "end") == "" {
		return Period{}, false, nil
	}
	p, err := ParsePeriod(fj.Str(ep, "start"), fj.Str(ep, "end"))
	return p, err == nil, err
}

// DefaultPeriod is the default of the library's "Measurement Period"
// parameter, else the Measure's effectivePeriod; ok is false when there
// is neither. The report period names the days of the default.
func (m *Measure) DefaultPeriod(ctx context.Context) (Period, bool, error) {
	for _, p := range m.lib.CQL.Parameters() {
		if p.Name != PeriodParameter || !p.HasDefault {
			continue
		}
		lib, err := m.pkg.InlineCQL(m.lib.CQL.Name+"."+quoteID(PeriodParameter), []*content.Library{m.lib})
		if err != nil {
			return Period{}, false, err
		}
		v, err := lib.Eval(ctx, content.InlineDefine, cql.EvalOptions{})
		if err != nil {
			return Period{}, false, err
		}
		iv, ok := v.(value.Interval)
		lo, okLo := iv.Low.(value.DateTime)
		hi, okHi := iv.High.(value.DateTime)
		if !ok || !okLo || !okHi {
			break
		}
		return Period{Start: lo.Date().String(), End: hi.Date().String(), interval: iv}, true, nil
	}
	return m.EffectivePeriod()
}

// Options tune an evaluation.
type Options struct {
	// Period is the measurement period.
	Period Period
	// Type is the report type: Individual, SubjectList or Summary.
	Type string
	// Subjects are the patient ids to evaluate, in order; nil means every
	// Patient of the data.
	Subjects []string
	// Subject is the report's subject reference ("Patient/x", "Group/g"),
	// "" for none.
	Subject string
	// Now is the evaluation time (zero: the current time).
	Now time.Time
	// MaxBytes and MaxStringLen bound each CQL evaluation (see
	// cql.EvalOptions; 0: its defaults).
	MaxBytes, MaxStringLen int
}

// Data is the patient data of an evaluation: resources parsed once,
// retrieved per patient.
type Data struct {
	roots    []*fhir.Node
	patients []string
	groups   map[string][]string
}

// ParseData reads a Bundle (or a single resource) of patient data.
func ParseData(b []byte) (*Data, error) {
	n, err := fhir.R4().ParseResource(b)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "invalid", "data: %v", err)
	}
	d := &Data{roots: []*fhir.Node{n}, groups: map[string][]string{}}
	d.index(n, 0)
	return d, nil
}

func (d *Data) index(n *fhir.Node, depth int) {
	raw := n.Raw()
	switch n.TypeName() {
	case "Patient":
		for _, p := range d.patients {
			if p == n.ID() {
				return
			}
		}
		d.patients = append(d.patients, n.ID())
	case "Group":
		var ids []string
		for _, mem := range fj.Objs(raw, "member") {
			if t, id, ok := fj.SplitRef(fj.Str(fj.Obj(mem, "entity"), "reference")); ok && t == "Patient" {
				ids = append(ids, id)
			}
		}
		d.groups[n.ID()] = ids
	case "Bundle":
		if depth > 8 {
			return
		}
		for _, e := range fj.Objs(raw, "entry") {
			if r := fj.Obj(e, "resource"); r != nil {
				if c, err := fhir.R4().ResourceNode(r); err == nil {
					d.index(c, depth+1)
				}
			}
		}
	}
}

// Patients are the ids of the data's Patients, in data order.
func (d *Data) Patients() []string { return d.patients }

// GroupMembers are the Patient ids of the members of Group id in the data.
func (d *Data) GroupMembers(id string) ([]string, bool) {
	m, ok := d.groups[id]
	return m, ok
}

// Evaluate evaluates the measure for the subjects of data and writes the
// MeasureReport of the requested type.
func (m *Measure) Evaluate(ctx context.Context, data *Data, opts Options) (map[string]any, error) {
	subjects := opts.Subjects
	if subjects == nil {
		subjects = data.Patients()
	}
	if opts.Type == Individual && len(subjects) != 1 {
		return nil, errorf(http.StatusBadRequest, "value", "an individual report needs exactly one subject (subject=Patient/ID); the data holds %d patients", len(subjects))
	}
	acc := m.newAccumulator()
	for _, s := range subjects {
		res, err := m.evalSubject(ctx, data, s, opts)
		if err != nil {
			return nil, err
		}
		acc.add(res)
	}
	return m.report(acc, opts), nil
}

// subjectResult is what one patient contributes to a report.
type subjectResult struct {
	subject string // "Patient/id"
	groups  []groupResult
	sdes    [][]value.Value // per supplemental data element, its values
}

type groupResult struct {
	// members by population code, after the population rules.
	members map[string][]string
	// observations by observed population code: member -> value.
	obs map[string]map[string]float64
	// strata per stratifier: member -> stratum key; values by key.
	strata []map[string]string
	values []map[string]value.Value
}

func (m *Measure) evalSubject(ctx context.Context, data *Data, id string, opts Options) (*subjectResult, error) {
	terms := m.pkg.Terminology()
	r, err := fhir.NewBundleRetrieverFromNodes(data.roots, fhir.BundleOptions{PatientID: id, Terminology: terms})
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "not-found", "subject Patient/%s: %v", id, err)
	}
	eo := cql.EvalOptions{Now: opts.Now, Retriever: r, Terminology: terms, MaxBytes: opts.MaxBytes, MaxStringLen: opts.MaxStringLen,
		Parameters: map[string]value.Value{PeriodParameter: opts.Period.interval}}
	results := map[string]cql.Result{}
	for _, res := range m.lib.CQL.EvalAll(ctx, eo) {
		results[res.Name] = res
	}
	get := func(expr string) (value.Value, error) {
		res, ok := results[expr]
		if !ok {
			return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s: library %s has no expression definition %q", fj.Ref(m.Resource), m.lib.CQL.Name, expr)
		}
		if res.Err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, errorf(http.StatusUnprocessableEntity, "processing", "Patient/%s: %s: %v", id, expr, res.Err)
		}
		return res.Value, nil
	}
	subject := "Patient/" + id
	out := &subjectResult{subject: subject}
	for _, g := range m.groups {
		gr, err := m.evalGroup(ctx, g, subject, get, eo)
		if err != nil {
			return nil, err
		}
		out.groups = append(out.groups, gr)
	}
	for _, s := range m.sdes {
		v, err := get(s.expr)
		if err != nil {
			return nil, err
		}
		out.sdes = append(out.sdes, flatten(v))
	}
	return out, nil
}

func flatten(v value.Value) []value.Value {
	switch x := v.(type) {
	case nil:
		return nil
	case value.List:
		var out []value.Value
		for _, e := range x.Elems {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []value.Value{v}
}

// members are the members of a population criterion's result.
func members(v value.Value, basis, subject, expr string) ([]string, error) {
	if basis == "boolean" {
		switch x := v.(type) {
		case nil:
			return nil, nil
		case value.Boolean:
			if x {
				return []string{subject}, nil
			}
			return nil, nil
		}
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s is %s, not Boolean (the population basis is boolean)", expr, v.Type())
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range flatten(v) {
		k, ok := resourceKey(e)
		if !ok {
			return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s holds %s, not %s resources (the population basis)", expr, e.Type(), basis)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

func resourceKey(v value.Value) (string, bool) {
	n, ok := v.(*fhir.Node)
	if !ok || n.Info().Kind != fhir.KindResource {
		return "", false
	}
	return n.TypeName() + "/" + n.ID(), true
}

func (m *Measure) evalGroup(ctx context.Context, g group, subject string, get func(string) (value.Value, error), eo cql.EvalOptions) (groupResult, error) {
	gr := groupResult{members: map[string][]string{}, obs: map[string]map[string]float64{}}
	raw := map[string][]string{}
	has := map[string]bool{}
	for _, p := range g.pops {
		if p.typ == "measure-observation" {
			continue
		}
		v, err := get(p.expr)
		if err != nil {
			return gr, err
		}
		ms, err := members(v, g.basis, subject, p.expr)
		if err != nil {
			return gr, err
		}
		raw[p.typ] = ms
		has[p.typ] = true
	}
	ip := raw["initial-population"]
	set := gr.members
	set["initial-population"] = ip
	switch g.scoring {
	case "proportion", "ratio":
		den := intersect(raw["denominator"], ip)
		if !has["denominator"] {
			den = ip
		}
		denex := intersect(raw["denominator-exclusion"], den)
		den = minus(den, denex)
		numBase := den
		if g.scoring == "ratio" {
			numBase = ip
		}
		num := intersect(raw["numerator"], numBase)
		numex := intersect(raw["numerator-exclusion"], num)
		num = minus(num, numex)
		var denexcep []string
		if g.scoring == "proportion" {
			denexcep = intersect(raw["denominator-exception"], minus(den, num))
			den = minus(den, denexcep)
		}
		set["denominator"], set["denominator-exclusion"], set["denominator-exception"] = den, denex, denexcep
		set["numerator"], set["numerator-exclusion"] = num, numex
	case "continuous-variable":
		mp := intersect(raw["measure-population"], ip)
		if !has["measure-population"] {
			mp = ip
		}
		mpex := intersect(raw["measure-population-exclusion"], mp)
		set["measure-population"], set["measure-population-exclusion"] = minus(mp, mpex), mpex
	}
	for _, p := range g.pops {
		if p.typ != "measure-observation" {
			continue
		}
		target := g.popByType(p.target)
		if target == nil {
			return gr, errorf(http.StatusUnprocessableEntity, "invalid", "measure-observation %s observes %s, which the group does not define", p.expr, p.target)
		}
		obs, err := m.observe(ctx, g, p, target.expr, subject, set[p.target], eo)
		if err != nil {
			return gr, err
		}
		gr.obs[p.target] = obs
	}
	for _, s := range g.strats {
		v, err := get(s.expr)
		if err != nil {
			return gr, err
		}
		strata, vals := stratify(v, g.basis, subject, set)
		gr.strata = append(gr.strata, strata)
		gr.values = append(gr.values, vals)
	}
	return gr, nil
}

func (g group) popByType(typ string) *population {
	for i := range g.pops {
		if g.pops[i].typ == typ {
			return &g.pops[i]
		}
	}
	return nil
}

// observe evaluates a measure observation function for the members of
// the population it observes: with a boolean basis called with no
// argument, with a resource basis once per member resource.
func (m *Measure) observe(ctx context.Context, g group, p population, popExpr, subject string, in []string, eo cql.EvalOptions) (map[string]float64, error) {
	out := map[string]float64{}
	if len(in) == 0 {
		return out, nil
	}
	name := m.lib.CQL.Name
	var expr string
	if g.basis == "boolean" {
		expr = fmt.Sprintf("%s.%s()", name, quoteID(p.expr))
	} else {
		expr = fmt.Sprintf("(%s.%s) P return all Tuple { member: P, observation: %s.%s(P) }", name, quoteID(popExpr), name, quoteID(p.expr))
	}
	lib, err := m.pkg.InlineCQL(expr, []*content.Library{m.lib})
	if err != nil {
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s: measure-observation %s: %v", fj.Ref(m.Resource), p.expr, err)
	}
	v, err := lib.Eval(ctx, content.InlineDefine, eo)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errorf(http.StatusUnprocessableEntity, "processing", "%s: measure-observation %s: %v", subject, p.expr, err)
	}
	keep := map[string]bool{}
	for _, k := range in {
		keep[k] = true
	}
	if g.basis == "boolean" {
		if f, ok := number(v); ok {
			out[subject] = f
		}
		return out, nil
	}
	for _, e := range flatten(v) {
		t, ok := e.(value.Tuple)
		if !ok || len(t.Values) != 2 {
			continue
		}
		k, ok := resourceKey(t.Values[0])
		if !ok || !keep[k] {
			continue
		}
		if f, ok := number(t.Values[1]); ok {
			out[k] = f
		}
	}
	return out, nil
}

func quoteID(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// number reads an observation's value: Integer, Long, Decimal or a
// Quantity's value.
func number(v value.Value) (float64, bool) {
	switch x := v.(type) {
	case value.Integer:
		return float64(x), true
	case value.Long:
		return float64(x), true
	case value.Decimal:
		f, err := x.D.Float64()
		return f, err == nil
	case value.Quantity:
		return number(x.Value)
	}
	return 0, false
}

// stratify assigns the members of a subject's populations to strata: a
// resource-basis stratifier that returns resources puts the members it
// returns in stratum true and the others in stratum false; any other
// value is the stratum of every member of the subject.
func stratify(v value.Value, basis, subject string, set map[string][]string) (map[string]string, map[string]value.Value) {
	strata := map[string]string{}
	vals := map[string]value.Value{}
	all := map[string]bool{}
	for _, ms := range set {
		for _, k := range ms {
			all[k] = true
		}
	}
	if basis != "boolean" {
		if l, ok := v.(value.List); ok && len(l.Elems) > 0 {
			if _, isRes := resourceKey(l.Elems[0]); isRes {
				in := map[string]bool{}
				for _, e := range l.Elems {
					if k, ok := resourceKey(e); ok {
						in[k] = true
					}
				}
				for k := range all {
					b := value.Boolean(in[k])
					key := stratumKey(b)
					strata[k], vals[key] = key, b
				}
				return strata, vals
			}
		}
	}
	key := stratumKey(v)
	vals[key] = v
	for k := range all {
		strata[k] = key
	}
	if basis == "boolean" {
		strata[subject] = key
	}
	return strata, vals
}

func stratumKey(v value.Value) string {
	if v == nil {
		return "null"
	}
	if c, ok := v.(value.Code); ok {
		return c.System + "|" + c.Code
	}
	return value.Format(v)
}

func intersect(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// accumulator sums subject results into a report.
type accumulator struct {
	subjects []string
	groups   []groupAcc
	sdes     []map[string]*sdeCount
	sdeOrder [][]string
	// individual keeps the only subject's supplemental data values.
	lastSDEs [][]value.Value
}

type groupAcc struct {
	counts   map[string]int
	subjects map[string][]string // population code -> subjects with a member
	obs      map[string][]float64
	strata   []map[string]*stratumAcc
	order    [][]string
}

type stratumAcc struct {
	value  value.Value
	counts map[string]int
	obs    map[string][]float64
}

type sdeCount struct {
	value value.Value
	n     int
}

func (m *Measure) newAccumulator() *accumulator {
	a := &accumulator{}
	for _, g := range m.groups {
		ga := groupAcc{counts: map[string]int{}, subjects: map[string][]string{}, obs: map[string][]float64{}}
		for range g.strats {
			ga.strata = append(ga.strata, map[string]*stratumAcc{})
			ga.order = append(ga.order, nil)
		}
		a.groups = append(a.groups, ga)
	}
	for range m.sdes {
		a.sdes = append(a.sdes, map[string]*sdeCount{})
		a.sdeOrder = append(a.sdeOrder, nil)
	}
	return a
}

func (a *accumulator) add(r *subjectResult) {
	a.subjects = append(a.subjects, r.subject)
	for gi, gr := range r.groups {
		ga := &a.groups[gi]
		for code, ms := range gr.members {
			ga.counts[code] += len(ms)
			if len(ms) > 0 {
				ga.subjects[code] = append(ga.subjects[code], r.subject)
			}
		}
		for code, obs := range gr.obs {
			for _, k := range sortedKeys(obs) {
				ga.obs[code] = append(ga.obs[code], obs[k])
			}
		}
		for si, strata := range gr.strata {
			for code, ms := range gr.members {
				for _, k := range ms {
					key := strata[k]
					st := ga.stratum(si, key, gr.values[si][key])
					st.counts[code]++
				}
			}
			for code, obs := range gr.obs {
				for _, k := range sortedKeys(obs) {
					key := strata[k]
					st := ga.stratum(si, key, gr.values[si][key])
					st.obs[code] = append(st.obs[code], obs[k])
				}
			}
		}
	}
	for i, vals := range r.sdes {
		for _, v := range vals {
			k := stratumKey(v)
			c := a.sdes[i][k]
			if c == nil {
				c = &sdeCount{value: v}
				a.sdes[i][k] = c
				a.sdeOrder[i] = append(a.sdeOrder[i], k)
			}
			c.n++
		}
	}
	a.lastSDEs = r.sdes
}

func (ga *groupAcc) stratum(si int, key string, v value.Value) *stratumAcc {
	st := ga.strata[si][key]
	if st == nil {
		st = &stratumAcc{value: v, counts: map[string]int{}, obs: map[string][]float64{}}
		ga.strata[si][key] = st
		ga.order[si] = append(ga.order[si], key)
	}
	return st
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// score is a group's (or stratum's) measure score; ok is false when it
// has none (cohort, an empty denominator, no observations).
func (g group) score(counts map[string]int, obs map[string][]float64) (float64, bool) {
	switch g.scoring {
	case "proportion":
		if counts["denominator"] == 0 {
			return 0, false
		}
		return float64(counts["numerator"]) / float64(counts["denominator"]), true
	case "ratio":
		num, den := g.popObservation("numerator"), g.popObservation("denominator")
		if num != nil && den != nil {
			n, okN := aggregate(num.aggregate, obs["numerator"])
			d, okD := aggregate(den.aggregate, obs["denominator"])
			if !okN || !okD || d == 0 {
				return 0, false
			}
			return n / d, true
		}
		if counts["denominator"] == 0 {
			return 0, false
		}
		return float64(counts["numerator"]) / float64(counts["denominator"]), true
	case "continuous-variable":
		if p := g.popObservation("measure-population"); p != nil {
			return aggregate(p.aggregate, obs["measure-population"])
		}
	}
	return 0, false
}

func (g group) popObservation(target string) *population {
	for i := range g.pops {
		if g.pops[i].typ == "measure-observation" && g.pops[i].target == target {
			return &g.pops[i]
		}
	}
	return nil
}

// aggregate combines observations with a cqfm-aggregateMethod.
func aggregate(method string, xs []float64) (float64, bool) {
	if method == "count" {
		return float64(len(xs)), true
	}
	if len(xs) == 0 {
		return 0, false
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		sum += x
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	switch method {
	case "sum":
		return sum, true
	case "min":
		return lo, true
	case "max":
		return hi, true
	case "median":
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return s[len(s)/2], true
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
	}
	return sum / float64(len(xs)), true
}

// MeasureCanonical is the canonical the reports name: url|version, or
// Measure/id for a Measure without a url.
func (m *Measure) MeasureCanonical() string {
	u := fj.Str(m.Resource, "url")
	if u == "" {
		return "Measure/" + fj.ID(m.Resource)
	}
	if v := fj.Str(m.Resource, "version"); v != "" {
		return u + "|" + v
	}
	return u
}

func (m *Measure) report(a *accumulator, opts Options) map[string]any {
	rep := map[string]any{
		"resourceType": "MeasureReport",
		"status":       "complete",
		"type":         opts.Type,
		"measure":      m.MeasureCanonical(),
		"period":       map[string]any{"start": opts.Period.Start, "end": opts.Period.End},
	}
	switch {
	case opts.Type == Individual && len(a.subjects) == 1:
		rep["subject"] = fj.Reference(a.subjects[0])
	case opts.Subject != "":
		rep["subject"] = fj.Reference(opts.Subject)
	}
	if in := fj.Obj(m.Resource, "improvementNotation"); in != nil {
		rep["improvementNotation"] = fj.Clone(in)
	}
	var contained, evaluated []any
	var groups []any
	for gi, g := range m.groups {
		ga := a.groups[gi]
		og := map[string]any{}
		if g.id != "" {
			og["id"] = g.id
		}
		if g.code != nil {
			og["code"] = fj.Clone(g.code)
		}
		var pops []any
		for _, p := range g.pops {
			op := map[string]any{"code": popCode(p)}
			if p.id != "" {
				op["id"] = p.id
			}
			if p.typ == "measure-observation" {
				op["count"] = len(ga.obs[p.target])
			} else {
				op["count"] = ga.counts[p.typ]
				if opts.Type == SubjectList {
					id := fmt.Sprintf("subjects-%d-%s", gi+1, p.typ)
					var entries []any
					for _, s := range ga.subjects[p.typ] {
						entries = append(entries, map[string]any{"item": fj.Reference(s)})
					}
					list := map[string]any{"resourceType": "List", "id": id, "status": "current", "mode": "snapshot"}
					if len(entries) > 0 {
						list["entry"] = entries
					}
					contained = append(contained, list)
					op["subjectResults"] = fj.Reference("#" + id)
				}
			}
			pops = append(pops, op)
		}
		if len(pops) > 0 {
			og["population"] = pops
		}
		if s, ok := g.score(ga.counts, ga.obs); ok {
			og["measureScore"] = map[string]any{"value": decimal(s)}
		}
		var strats []any
		for si, s := range g.strats {
			os := map[string]any{}
			if s.id != "" {
				os["id"] = s.id
			}
			if s.code != nil {
				os["code"] = []any{fj.Clone(s.code)}
			}
			var strata []any
			for _, key := range ga.order[si] {
				st := ga.strata[si][key]
				ost := map[string]any{"value": concept(st.value)}
				var sp []any
				for _, p := range g.pops {
					n := st.counts[p.typ]
					if p.typ == "measure-observation" {
						n = len(st.obs[p.target])
					}
					sp = append(sp, map[string]any{"code": popCode(p), "count": n})
				}
				if len(sp) > 0 {
					ost["population"] = sp
				}
				if sc, ok := g.score(st.counts, st.obs); ok {
					ost["measureScore"] = map[string]any{"value": decimal(sc)}
				}
				strata = append(strata, ost)
			}
			if len(strata) > 0 {
				os["stratum"] = strata
			}
			strats = append(strats, os)
		}
		if len(strats) > 0 {
			og["stratifier"] = strats
		}
		groups = append(groups, og)
	}
	if len(groups) > 0 {
		rep["group"] = groups
	}
	for i, s := range m.sdes {
		n := 0
		for _, key := range a.sdeOrder[i] {
			c := a.sdes[i][key]
			if ref, ok := resourceKey(c.value); ok {
				evaluated = append(evaluated, fj.Reference(ref))
				continue
			}
			val, ok := sdeValue(c.value)
			if !ok {
				continue
			}
			n++
			id := fmt.Sprintf("sde-%d-%d", i+1, n)
			obs := map[string]any{
				"resourceType": "Observation", "id": id, "status": "final",
				"extension": []any{map[string]any{"url": extMeasureInfo, "extension": []any{
					map[string]any{"url": "measure", "valueCanonical": m.MeasureCanonical()},
					map[string]any{"url": "populationId", "valueString": s.id},
				}}},
			}
			if opts.Type == Individual {
				obs["code"] = map[string]any{"text": s.id}
				for k, v := range val {
					obs[k] = v
				}
			} else {
				obs["code"] = concept(c.value)
				obs["valueInteger"] = c.n
			}
			contained = append(contained, obs)
			evaluated = append(evaluated, fj.Reference("#"+id))
		}
	}
	if len(contained) > 0 {
		rep["contained"] = contained
	}
	if len(evaluated) > 0 {
		rep["evaluatedResource"] = evaluated
	}
	return rep
}

func popCode(p population) map[string]any {
	if p.code != nil {
		return fj.Clone(p.code).(map[string]any)
	}
	return map[string]any{"coding": []any{fj.Coding(populationSystem, p.typ, "")}}
}

func decimal(f float64) any {
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}

// concept is a value as a CodeableConcept: codes as codings, anything
// else as text.
func concept(v value.Value) map[string]any {
	switch x := v.(type) {
	case value.Code:
		return map[string]any{"coding": []any{coding(x)}}
	case value.Concept:
		var cs []any
		for _, c := range x.Codes {
			cs = append(cs, coding(c))
		}
		out := map[string]any{"coding": cs}
		if x.Display != "" {
			out["text"] = x.Display
		}
		return out
	case value.Tuple:
		for i, n := range x.Names {
			if n == "code" {
				return concept(x.Values[i])
			}
		}
	case *fhir.Node:
		switch x.TypeName() {
		case "Coding":
			return map[string]any{"coding": []any{nodeJSON(x)}}
		case "CodeableConcept":
			if m, ok := nodeJSON(x).(map[string]any); ok {
				return m
			}
		}
		if p, err := x.PrimitiveValue(); err == nil && p != nil {
			return concept(p)
		}
	case value.String:
		return map[string]any{"text": string(x)}
	case nil:
		return map[string]any{"text": "null"}
	}
	return map[string]any{"text": value.Format(v)}
}

func coding(c value.Code) map[string]any {
	m := fj.Coding(c.System, c.Code, c.Display)
	if c.Version != "" {
		m["version"] = c.Version
	}
	return m
}

func nodeJSON(n *fhir.Node) any {
	b, err := n.MarshalJSON()
	if err != nil {
		return nil
	}
	v, err := fj.Decode(b)
	if err != nil {
		return nil
	}
	return v
}

// sdeValue is an individual supplemental data value as Observation.value[x].
func sdeValue(v value.Value) (map[string]any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case value.Boolean:
		return map[string]any{"valueBoolean": bool(x)}, true
	case value.Integer:
		return map[string]any{"valueInteger": int(x)}, true
	case value.String:
		if x == "" {
			return nil, false
		}
		return map[string]any{"valueString": string(x)}, true
	case value.Code, value.Concept, value.Tuple:
		return map[string]any{"valueCodeableConcept": concept(v)}, true
	case value.Decimal, value.Quantity:
		f, _ := number(v)
		return map[string]any{"valueQuantity": map[string]any{"value": decimal(f)}}, true
	case *fhir.Node:
		if p, err := x.PrimitiveValue(); err == nil && p != nil {
			return sdeValue(p)
		}
		return map[string]any{"valueCodeableConcept": concept(v)}, true
	}
	return map[string]any{"valueString": value.Format(v)}, true
}

// IsError reports whether err is a refused request (an *Error).
func IsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

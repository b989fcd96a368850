package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/fhirpath"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/obs"
)

// ExplainURL names the explain Parameters resource and its profile-less
// identity in responses.
const (
	ExplainID          = "explain"
	ErrorsID           = "card-errors"
	extPertainsToGoal  = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal"
	extInstantiates    = "http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical"
	extCollectWith     = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-collectWith"
	extTargetStatus    = "http://hl7.org/fhir/us/ecr/StructureDefinition/targetStatus"
	maxPlanDepth       = 8
	conditionKindApply = "applicability"
)

// ApplyRequest is one $apply call.
type ApplyRequest struct {
	// PlanDefinitionID is the instance-level id; URL the type-level
	// canonical ("url" or "url|version"). With neither, the patient's
	// Patient Plans (IPS CarePlan activity.detail.instantiatesCanonical)
	// are applied.
	PlanDefinitionID string
	URL              string
	// Subject ("Patient/id") and Encounter ("Encounter/id").
	Subject, Encounter string
	// Data is the data-in Bundle, decoded with fhirjson.Decode (numbers
	// as json.Number). The engine does not modify it.
	Data map[string]any
	// Parameters is the $apply "parameters" Parameters resource; its
	// values are passed to CQL parameters of the same name.
	Parameters map[string]any
	// CQLParameters are CQL parameter values by name (as in
	// cql.EvalOptions.Parameters: a plain name for every library declaring
	// it, "Lib.Name" for one); they take precedence over Parameters.
	CQLParameters map[string]value.Value
	// StrictData refuses data-in values that break a FHIR primitive's JSON
	// type rule (fhir.BundleOptions.StrictData); by default they are read
	// leniently and reported in ApplyResult.DataWarnings.
	StrictData bool
	// Explain adds the explain Parameters resource to the response.
	Explain bool
	// Lenient applies generic CPG PlanDefinitions: the data-in Bundle is
	// not held to CCG_DataIn_Bundle (no IPS or encounter required).
	Lenient bool
	// Now overrides the evaluation time.
	Now time.Time
}

// RequestError is a rejected $apply: 400 with the issues found in the
// submission, or 404 for an unknown PlanDefinition.
type RequestError struct {
	Status int
	Issues []datain.Issue
}

func (e *RequestError) Error() string {
	var parts []string
	for _, i := range e.Issues {
		parts = append(parts, i.String())
	}
	return strings.Join(parts, "; ")
}

// CardError is a CARD whose condition (or dynamic value) failed to
// evaluate; the CARD does not fire.
type CardError struct {
	// Card is the CARD PlanDefinition's canonical.
	Card string
	// Expression is where: "PlanDefinition/id.action[0].condition[1]".
	Expression string
	Message    string
}

// CondResult is the outcome of one condition, for explain.
type CondResult struct {
	Expression, Language string
	// Result is "true", "false", "null" or "error: ...".
	Result string
}

// CardResult is what happened to one CARD action.
type CardResult struct {
	Card       string // the PlanDefinition canonical owning the action
	Action     string // "PlanDefinition/id.action[i]"
	Title      string
	Fired      bool
	Conditions []CondResult
	// Resource is the reference of the request generated ("Task/x").
	Resource string
}

// ApplyResult is the $apply response.
type ApplyResult struct {
	// Bundle is the CPG $apply Bundle: RequestGroup first, then Goals and
	// request resources, then (when asked) the explain Parameters, then an
	// OperationOutcome listing CARD errors and data-in values read
	// leniently (when there are some).
	Bundle map[string]any
	// RequestGroup is Bundle's first entry.
	RequestGroup map[string]any
	// PlanDefinition is the PlanDefinition applied (the first one, when
	// Patient Plans name several).
	PlanDefinition map[string]any
	// Fired lists the canonicals of the CARDs that fired, in order.
	Fired  []string
	Cards  []CardResult
	Errors []CardError
	Data   *datain.Data
	// DataWarnings are the data-in values read leniently (a number where a
	// FHIR code is expected), each naming the resource and path.
	DataWarnings []string
}

// Apply runs $apply.
func (e *Engine) Apply(ctx context.Context, req *ApplyRequest) (res *ApplyResult, err error) {
	set := e.set.Load()
	ctx, span := obs.Start(ctx, "engine.apply")
	start := time.Now()
	var plans []plan
	defer func() {
		observeApply(set, start, plans, res, err)
		obs.End(span, err)
	}()
	now := req.Now
	if now.IsZero() {
		now = e.opts.Now()
	}
	subject := datain.NormalizeRef("Patient", req.Subject)
	encounter := datain.NormalizeRef("Encounter", req.Encounter)
	_, checkSpan := obs.Start(ctx, "datain.check")
	data, issues := datain.Check(req.Data, subject, encounter, datain.Options{Lenient: req.Lenient})
	checkSpan.End()
	if len(issues) > 0 {
		return nil, &RequestError{Status: http.StatusBadRequest, Issues: issues}
	}
	a := &applier{e: e, set: set, ctx: ctx, req: req, now: now, data: data, subject: subject, encounter: encounter,
		retrievers: map[*content.Package]*fhir.BundleRetriever{}, ids: map[string]int{}}
	a.params, err = cqlParameters(req.Parameters)
	if err != nil {
		return nil, &RequestError{Status: http.StatusBadRequest, Issues: []datain.Issue{{Severity: "error", Code: "value", Expression: "Parameters.parameter('parameters')", Message: err.Error()}}}
	}
	if len(req.CQLParameters) > 0 && a.params == nil {
		a.params = make(map[string]value.Value, len(req.CQLParameters))
	}
	for k, v := range req.CQLParameters {
		a.params[k] = v
	}
	plans, err = a.resolvePlans()
	if err != nil {
		return nil, err
	}
	return a.run(plans)
}

type plan struct {
	pkg *content.Package
	pd  map[string]any
}

type applier struct {
	e                  *Engine
	set                *pkgSet
	ctx                context.Context
	req                *ApplyRequest
	now                time.Time
	data               *datain.Data
	subject, encounter string
	params             map[string]value.Value
	retrievers         map[*content.Package]*fhir.BundleRetriever
	ids                map[string]int
	rgID               string

	resources []map[string]any
	goals     []map[string]any
	results   []CardResult
	errs      []CardError
}

func notFound(expr, format string, a ...any) error {
	return &RequestError{Status: http.StatusNotFound, Issues: []datain.Issue{{Severity: "error", Code: "not-found", Expression: expr, Message: fmt.Sprintf(format, a...)}}}
}

// resolvePlans finds the PlanDefinition(s) to apply: by id or url among
// the packages, then in the data-in Bundle (Patient Plans travel in the
// IPS), or the patient's Patient Plans.
func (a *applier) resolvePlans() ([]plan, error) {
	switch {
	case a.req.PlanDefinitionID != "":
		if p, r := a.set.lookupRef("PlanDefinition", a.req.PlanDefinitionID); r != nil {
			return []plan{{p, r}}, nil
		}
		if r := a.data.Resolve("PlanDefinition/" + a.req.PlanDefinitionID); r != nil {
			return []plan{{nil, r}}, nil
		}
		return nil, notFound("PlanDefinition/"+a.req.PlanDefinitionID, "PlanDefinition %s is not loaded", a.req.PlanDefinitionID)
	case a.req.URL != "":
		if p, r := a.set.lookupCanonical(nil, a.req.URL); r != nil && fj.Type(r) == "PlanDefinition" {
			return []plan{{p, r}}, nil
		}
		if r := a.inData(a.req.URL); r != nil {
			return []plan{{nil, r}}, nil
		}
		return nil, notFound("Parameters.parameter('url')", "PlanDefinition %s is not loaded", a.req.URL)
	}
	if len(a.data.PatientPlans) == 0 {
		return nil, &RequestError{Status: http.StatusBadRequest, Issues: []datain.Issue{{Severity: "error", Code: "required", Expression: "Parameters.parameter('url')",
			Message: "give a PlanDefinition (id or url), or Patient Plans in the IPS CarePlan (activity.detail.instantiatesCanonical)"}}}
	}
	var out []plan
	for _, c := range a.data.PatientPlans {
		if p, r := a.set.lookupCanonical(nil, c); r != nil && fj.Type(r) == "PlanDefinition" {
			out = append(out, plan{p, r})
		} else if r := a.inData(c); r != nil {
			out = append(out, plan{nil, r})
		} else {
			return nil, notFound("CarePlan.activity.detail.instantiatesCanonical", "Patient Plans %s is neither loaded nor in the data-in Bundle", c)
		}
	}
	return out, nil
}

func (a *applier) inData(canonical string) map[string]any {
	url := fj.Canonical(canonical)
	for _, r := range a.data.Resources("PlanDefinition") {
		if fj.Str(r, "url") == url {
			return r
		}
	}
	return nil
}

func (a *applier) run(plans []plan) (*ApplyResult, error) {
	first := plans[0].pd
	a.rgID = fj.ID(first)
	if a.rgID == "" {
		a.rgID = "apply"
	}
	rg := map[string]any{"resourceType": "RequestGroup", "id": a.rgID}
	var canon []any
	var actions []any
	for _, pl := range plans {
		if u := fj.Str(pl.pd, "url"); u != "" {
			if v := fj.Str(pl.pd, "version"); v != "" {
				u += "|" + v
			}
			canon = append(canon, u)
		}
		for _, g := range fj.Objs(pl.pd, "goal") {
			a.goals = append(a.goals, a.goal(g, len(a.goals)+1))
		}
		acts, err := a.applyPlan(pl.pkg, pl.pd, 0, nil)
		if err != nil {
			return nil, err
		}
		actions = append(actions, acts...)
	}
	if len(a.goals) > 0 {
		var ext []any
		for _, g := range a.goals {
			ext = append(ext, map[string]any{"url": extPertainsToGoal, "valueReference": fj.Reference("Goal/" + fj.ID(g))})
		}
		rg["extension"] = ext
	}
	if len(canon) > 0 {
		rg["instantiatesCanonical"] = canon
	}
	rg["status"] = "active"
	rg["intent"] = "proposal"
	rg["subject"] = fj.Reference(a.subject)
	if a.encounter != "" {
		rg["encounter"] = fj.Reference(a.encounter)
	}
	rg["authoredOn"] = a.now.UTC().Format(time.RFC3339)
	if a.data.Practitioner != nil {
		rg["author"] = fj.Reference(fj.Ref(a.data.Practitioner))
	}
	if len(actions) > 0 {
		rg["action"] = actions
	}
	entries := []any{map[string]any{"resource": rg}}
	for _, g := range a.goals {
		entries = append(entries, map[string]any{"resource": g})
	}
	for _, r := range a.resources {
		entries = append(entries, map[string]any{"resource": r})
	}
	if a.req.Explain {
		entries = append(entries, map[string]any{"resource": a.explain()})
	}
	warnings := a.dataWarnings()
	if len(a.errs) > 0 || len(warnings) > 0 {
		entries = append(entries, map[string]any{"resource": a.errorOutcome(warnings)})
	}
	bundle := map[string]any{"resourceType": "Bundle", "id": a.rgID, "type": "collection", "entry": entries}
	res := &ApplyResult{Bundle: bundle, RequestGroup: rg, PlanDefinition: first, Cards: a.results, Errors: a.errs, Data: a.data,
		DataWarnings: warnings}
	for _, c := range a.results {
		if c.Fired && c.Resource != "" {
			res.Fired = append(res.Fired, c.Card)
		}
	}
	return res, nil
}

func (a *applier) goal(g map[string]any, n int) map[string]any {
	out := map[string]any{"resourceType": "Goal", "id": strconv.Itoa(n), "lifecycleStatus": "proposed"}
	if c := g["category"]; c != nil {
		out["category"] = []any{fj.Clone(c)}
		if l, ok := c.([]any); ok {
			out["category"] = fj.Clone(l)
		}
	}
	for _, k := range []string{"priority", "description", "addresses", "documentation"} {
		if v, ok := g[k]; ok {
			out[k] = fj.Clone(v)
		}
	}
	out["subject"] = fj.Reference(a.subject)
	if s := fj.Obj(g, "start"); s != nil {
		out["startCodeableConcept"] = fj.Clone(s)
	}
	return out
}

// applyPlan applies the actions of a PlanDefinition. Actions whose
// definition is another PlanDefinition (a Folder's CARDs, Patient Plans'
// Folders) are applied in place, so the RequestGroup has one action per
// fired CARD action.
func (a *applier) applyPlan(pkg *content.Package, pd map[string]any, depth int, stack []string) ([]any, error) {
	if depth > maxPlanDepth {
		return nil, nil
	}
	url := fj.Str(pd, "url")
	for _, s := range stack {
		if s == url && url != "" {
			return nil, nil // a cycle: applied already on this path
		}
	}
	stack = append(stack, url)
	if why := pkg.InactiveReason(pd); why != "" {
		// Trusted CCG option: an untrusted Folder or CARD is not applicable.
		a.errs = append(a.errs, CardError{Card: canonicalOf(pd), Expression: fj.Ref(pd), Message: "not applicable: " + why})
		return nil, nil
	}
	return a.applyActions(pkg, pd, fj.Objs(pd, "action"), fj.Ref(pd)+".action", depth, stack)
}

func (a *applier) applyActions(pkg *content.Package, pd map[string]any, actions []map[string]any, path string, depth int, stack []string) ([]any, error) {
	var out []any
	for i, act := range actions {
		if err := a.ctx.Err(); err != nil {
			return nil, err
		}
		apath := fmt.Sprintf("%s[%d]", path, i)
		cr := CardResult{Card: canonicalOf(pd), Action: apath, Title: firstNonEmpty(fj.Str(act, "title"), fj.Str(pd, "title"))}
		endCard := a.startCard(cr.Card, apath)
		ok := a.conditions(pkg, pd, act, apath, &cr)
		endCard()
		def := fj.Str(act, "definitionCanonical")
		var target map[string]any
		tpkg := pkg
		if def != "" {
			tpkg, target = a.resolveDefinition(pkg, pd, def)
		}
		if target != nil && fj.Type(target) == "PlanDefinition" {
			// a Folder action pointing at a CARD (or Patient Plans at a Folder)
			if !ok {
				a.results = append(a.results, cr)
				continue
			}
			acts, err := a.applyPlan(tpkg, target, depth+1, stack)
			if err != nil {
				return nil, err
			}
			out = append(out, acts...)
			continue
		}
		if !ok {
			a.results = append(a.results, cr)
			continue
		}
		cr.Fired = true
		ra := a.requestAction(act)
		switch {
		case target != nil && fj.Type(target) == "ActivityDefinition":
			res, err := a.request(tpkg, pd, target)
			if err != nil {
				a.errs = append(a.errs, CardError{Card: cr.Card, Expression: apath + ".definitionCanonical", Message: err.Error()})
				cr.Fired = false
				cr.Conditions = append(cr.Conditions, CondResult{Expression: def, Language: "definition", Result: "error: " + err.Error()})
				a.results = append(a.results, cr)
				continue
			}
			a.resources = append(a.resources, res)
			cr.Resource = fj.Ref(res)
			ra["resource"] = fj.Reference(cr.Resource)
			if cards.IsCodeSystem(cardSystem(target)) {
				// a CARD action without a title shows the CARD's
				if _, ok := ra["title"]; !ok {
					if t := firstNonEmpty(fj.Str(pd, "title"), fj.Str(target, "title")); t != "" {
						ra["title"] = t
					}
				}
				if _, ok := ra["description"]; !ok && fj.Str(pd, "description") != "" {
					ra["description"] = fj.Str(pd, "description")
				}
			}
		case def != "" && target == nil:
			a.errs = append(a.errs, CardError{Card: cr.Card, Expression: apath + ".definitionCanonical", Message: fmt.Sprintf("definition %s is not loaded", def)})
			cr.Fired = false
			a.results = append(a.results, cr)
			continue
		case fj.Str(act, "definitionUri") != "":
			ra["resource"] = fj.Reference(fj.Str(act, "definitionUri"))
		}
		if err := a.actionDynamicValues(pkg, pd, act, ra, apath); err != nil {
			a.errs = append(a.errs, CardError{Card: cr.Card, Expression: apath + ".dynamicValue", Message: err.Error()})
		}
		if sub := fj.Objs(act, "action"); len(sub) > 0 {
			acts, err := a.applyActions(pkg, pd, sub, apath+".action", depth, stack)
			if err != nil {
				return nil, err
			}
			if len(acts) > 0 {
				ra["action"] = acts
			}
		}
		a.results = append(a.results, cr)
		out = append(out, ra)
	}
	return out, nil
}

func cardSystem(ad map[string]any) string {
	if _, ok := cards.OfActivity(ad); ok {
		return cards.CodeSystem
	}
	return ""
}

func canonicalOf(r map[string]any) string {
	if u := fj.Str(r, "url"); u != "" {
		return u
	}
	return fj.Ref(r)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// requestAction copies the descriptive elements of a PlanDefinition
// action into a RequestGroup action.
func (a *applier) requestAction(act map[string]any) map[string]any {
	ra := map[string]any{}
	for _, k := range []string{"id", "prefix", "title", "description", "textEquivalent", "priority", "code", "documentation",
		"condition", "relatedAction", "timingDateTime", "timingAge", "timingPeriod", "timingDuration", "timingRange", "timingTiming",
		"participant", "type", "groupingBehavior", "selectionBehavior", "requiredBehavior", "precheckBehavior", "cardinalityBehavior"} {
		if v, ok := act[k]; ok {
			ra[k] = fj.Clone(v)
		}
	}
	if t := fj.Obj(ra, "timingTiming"); t != nil {
		normalizeTiming(t)
	}
	return ra
}

// normalizeTiming turns string numbers of Timing.repeat into numbers (some
// published PlanDefinitions carry "59" for countMax).
func normalizeTiming(t map[string]any) {
	rep := fj.Obj(t, "repeat")
	for k, v := range rep {
		if s, ok := v.(string); ok {
			if _, err := strconv.ParseFloat(s, 64); err == nil && k != "durationUnit" && k != "periodUnit" {
				rep[k] = jsonNumber(s)
			}
		}
	}
}

// resolveDefinition finds an action's definition: "#id" among the
// PlanDefinition's contained resources, else by canonical among the
// packages (the PlanDefinition's own first), else in the data-in Bundle.
func (a *applier) resolveDefinition(pkg *content.Package, pd map[string]any, def string) (*content.Package, map[string]any) {
	if strings.HasPrefix(def, "#") {
		for _, c := range fj.Objs(pd, "contained") {
			if fj.ID(c) == def[1:] {
				return pkg, c
			}
		}
		return pkg, nil
	}
	if p, r := a.set.lookupCanonical(pkg, def); r != nil {
		return p, r
	}
	for _, c := range fj.Objs(pd, "contained") {
		if fj.Str(c, "url") == fj.Canonical(def) {
			return pkg, c
		}
	}
	if r := a.inData(def); r != nil {
		return pkg, r
	}
	return pkg, nil
}

// conditions evaluates the applicability conditions of an action (ANDed).
// Other kinds (start, stop) are not evaluated by $apply.
func (a *applier) conditions(pkg *content.Package, pd, act map[string]any, apath string, cr *CardResult) bool {
	ok := true
	for j, c := range fj.Objs(act, "condition") {
		if k := fj.Str(c, "kind"); k != conditionKindApply {
			continue
		}
		expr := fj.Obj(c, "expression")
		res := CondResult{Expression: fj.Str(expr, "expression"), Language: fj.Str(expr, "language")}
		v, err := a.evalExpression(pkg, pd, expr, nil)
		switch {
		case err != nil:
			res.Result = "error: " + err.Error()
			a.errs = append(a.errs, CardError{Card: canonicalOf(pd), Expression: fmt.Sprintf("%s.condition[%d]", apath, j), Message: err.Error()})
			ok = false
		default:
			b, isBool := v.(value.Boolean)
			switch {
			case v == nil:
				res.Result = "null"
				ok = false
			case isBool:
				res.Result = strconv.FormatBool(bool(b))
				if !b {
					ok = false
				}
			default:
				res.Result = "error: the condition is not a Boolean (" + value.Format(v) + ")"
				a.errs = append(a.errs, CardError{Card: canonicalOf(pd), Expression: fmt.Sprintf("%s.condition[%d]", apath, j), Message: "the condition is not a Boolean"})
				ok = false
			}
		}
		cr.Conditions = append(cr.Conditions, res)
	}
	return ok
}

// evalExpression evaluates a FHIR Expression. CQL (text/cql-identifier,
// text/cql.identifier and text/cql) names a define of the expression's
// reference library, else of the owner's libraries; text/fhirpath is
// evaluated with the subject Patient as focus. focus is the resource a
// dynamic value is for (%resource); nil for conditions.
func (a *applier) evalExpression(pkg *content.Package, owner, expr map[string]any, focus map[string]any) (value.Value, error) {
	lang := fj.Str(expr, "language")
	src := fj.Str(expr, "expression")
	if src == "" {
		return nil, errors.New("the expression is empty")
	}
	switch lang {
	case "text/cql-identifier", "text/cql.identifier", "text/cql", "text/cql-expression", "text/cql.name":
		return a.evalCQL(pkg, owner, fj.Str(expr, "reference"), src)
	case "text/fhirpath":
		return a.evalFHIRPath(pkg, src, focus)
	}
	return nil, fmt.Errorf("expression language %q is not supported", lang)
}

func (a *applier) libraries(pkg *content.Package, owner map[string]any, ref string) ([]*content.Library, error) {
	var refs []string
	if ref != "" {
		refs = append(refs, ref)
	}
	for _, l := range fj.List(owner, "library") {
		if s, ok := l.(string); ok {
			refs = append(refs, s)
		}
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("%s names no Library", fj.Ref(owner))
	}
	var out []*content.Library
	for _, r := range refs {
		lib := a.set.library(pkg, r)
		if lib == nil {
			return nil, fmt.Errorf("library %s is not loaded", r)
		}
		if lib.CQL == nil {
			return nil, fmt.Errorf("library %s did not compile: %v", r, lib.Errors)
		}
		out = append(out, lib)
	}
	return out, nil
}

func (a *applier) evalCQL(pkg *content.Package, owner map[string]any, ref, name string) (value.Value, error) {
	libs, err := a.libraries(pkg, owner, ref)
	if err != nil {
		return nil, err
	}
	for _, lib := range libs {
		if !hasDefine(lib.CQL, name) {
			continue
		}
		opts := cql.EvalOptions{Now: a.now, Parameters: a.params, MaxListSize: a.e.opts.MaxListSize, Retriever: a.retriever(pkg),
			MaxBytes: a.e.opts.EvalBytes, MaxStringLen: a.e.opts.MaxStringLen}
		if pkg != nil {
			opts.Terminology = pkg.Terminology()
		}
		start := time.Now()
		v, err := lib.CQL.Eval(a.ctx, name, opts)
		observeEval(lib.URL, start)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	if pkg == nil {
		return nil, fmt.Errorf("no define %q in %s", name, libs[0].URL)
	}
	// not a define name: CPG's inline CQL, compiled once per package
	inl, err := pkg.InlineCQL(name, libs)
	if err != nil {
		return nil, fmt.Errorf("no define %q in %s, and as a CQL expression: %w", name, libs[0].URL, err)
	}
	return inl.Eval(a.ctx, content.InlineDefine, cql.EvalOptions{Now: a.now, Parameters: a.params, MaxListSize: a.e.opts.MaxListSize,
		MaxBytes: a.e.opts.EvalBytes, MaxStringLen: a.e.opts.MaxStringLen, Retriever: a.retriever(pkg), Terminology: pkg.Terminology()})
}

func hasDefine(l *cql.Library, name string) bool {
	for _, d := range l.Defines() {
		if d == name {
			return true
		}
	}
	return false
}

// retriever indexes the data-in Bundle for CQL retrieves, once per
// package (terminology) per request.
func (a *applier) retriever(pkg *content.Package) cql.Retriever {
	if r, ok := a.retrievers[pkg]; ok {
		if r == nil {
			return emptyRetriever{}
		}
		return tracedRetriever(a.ctx, r)
	}
	opts := fhir.BundleOptions{StrictData: a.req.StrictData}
	if _, id, ok := fj.SplitRef(a.subject); ok {
		opts.PatientID = id
	}
	if pkg != nil {
		opts.Terminology = pkg.Terminology()
	}
	var r *fhir.BundleRetriever
	root, err := fhir.R4().ResourceNode(a.data.Bundle)
	if err == nil {
		r, err = fhir.NewBundleRetrieverFromNodes([]*fhir.Node{root}, opts)
	}
	if err != nil {
		a.retrievers[pkg] = nil
		return errRetriever{err}
	}
	a.retrievers[pkg] = r
	return tracedRetriever(a.ctx, r)
}

type emptyRetriever struct{}

func (emptyRetriever) Retrieve(context.Context, *typesNamed, string, value.Value) ([]value.Value, error) {
	return nil, nil
}

type errRetriever struct{ err error }

func (r errRetriever) Retrieve(context.Context, *typesNamed, string, value.Value) ([]value.Value, error) {
	return nil, fmt.Errorf("the data-in Bundle cannot be read: %w", r.err)
}

// evalFHIRPath evaluates a FHIRPath expression on the focus resource
// (else the subject Patient); a path that starts with another resource
// type reads the data-in resources of that type about the subject.
func (a *applier) evalFHIRPath(pkg *content.Package, src string, focus map[string]any) (value.Value, error) {
	parse := fhirpath.Parse
	if pkg != nil {
		parse = pkg.FHIRPath
	}
	x, err := parse(src)
	if err != nil {
		return nil, err
	}
	node := func(obj map[string]any) value.Value {
		if obj == nil {
			return nil
		}
		if n, err := fhir.R4().ResourceNode(obj); err == nil {
			return n
		}
		return nil
	}
	patient := node(a.data.Patient)
	env := &fhirpath.Env{Now: a.now, Resource: node(focus), Vars: map[string]value.Value{
		"subject": patient, "patient": patient, "encounter": node(a.data.Encounter), "practitioner": node(a.data.Practitioner),
	}, Resources: func(typ string) []value.Value {
		var out []value.Value
		for _, r := range a.subjectResources(typ) {
			if n := node(r); n != nil {
				out = append(out, n)
			}
		}
		return out
	}, Resolve: func(ref string) value.Value { return node(a.data.Resolve(ref)) },
		MaxItems: a.e.opts.MaxListSize, MaxStringLen: a.e.opts.MaxStringLen}
	if pkg != nil && pkg.Terminology() != nil {
		env.Terminology = pkg.Terminology()
	}
	var input []value.Value
	if start := node(focus); start != nil {
		input = []value.Value{start}
	} else if patient != nil {
		input = []value.Value{patient}
	}
	out, err := x.Eval(a.ctx, input, env)
	if err != nil {
		return nil, err
	}
	return fhirpath.Value(out), nil
}

// subjectResources are the data-in resources of a type about the subject
// (or about no patient at all).
func (a *applier) subjectResources(typ string) []map[string]any {
	all := a.data.Resources(typ)
	if typ == "Patient" {
		if a.data.Patient != nil {
			return []map[string]any{a.data.Patient}
		}
		return all
	}
	var out []map[string]any
	for _, r := range all {
		ref := fj.Str(fj.Obj(r, "subject"), "reference")
		if ref == "" {
			ref = fj.Str(fj.Obj(r, "patient"), "reference")
		}
		if ref == "" {
			ref = fj.Str(fj.Obj(r, "for"), "reference")
		}
		if ref == "" || a.subject == "" || datain.NormalizeRef("Patient", ref) == a.subject || a.data.Patient != nil && fj.Ref(a.data.Resolve(ref)) == a.subject {
			out = append(out, r)
		}
	}
	return out
}

// ---- requests ----

func (a *applier) newID(base string) string {
	if base == "" {
		base = "request"
	}
	a.ids[base]++
	if n := a.ids[base]; n > 1 {
		return base + "-" + strconv.Itoa(n)
	}
	return base
}

// request builds the request resource of an ActivityDefinition (the
// ActivityDefinition $apply): kind, code, subject, encounter, requester,
// CPG profile and CARD reference, then dynamic values.
func (a *applier) request(pkg *content.Package, card, ad map[string]any) (map[string]any, error) {
	kind := fj.Str(ad, "kind")
	ct, isCARD := cards.OfActivity(ad)
	if kind == "" && isCARD {
		kind = ct.Request
	}
	if kind == "" {
		return nil, fmt.Errorf("%s has no kind", fj.Ref(ad))
	}
	if isCARD && kind != ct.Request {
		return nil, fmt.Errorf("%s is a %s CARD, whose request is a %s, but its kind is %s", fj.Ref(ad), ct.Code, ct.Request, kind)
	}
	r := map[string]any{"resourceType": kind, "id": a.newID(fj.ID(ad))}
	if isCARD {
		r["meta"] = map[string]any{"profile": []any{ct.Profile}}
	}
	var ext []any
	for _, x := range fj.Objs(ad, "extension") {
		u := fj.Str(x, "url")
		if strings.HasPrefix(u, "http://hl7.org/fhir/StructureDefinition/cqf-") || u == extCollectWith {
			continue
		}
		ext = append(ext, fj.Clone(x))
	}
	adURL := fj.Str(ad, "url")
	cardURL := canonicalOf(card)
	if v := fj.Str(card, "version"); v != "" && fj.Str(card, "url") != "" {
		cardURL += "|" + v
	}
	subjRef := fj.Reference(a.subject)
	switch kind {
	case "Task":
		if isCARD {
			// a uri: the CARD's canonical without the version
			r["instantiatesUri"] = canonicalOf(card)
		}
		if adURL != "" {
			r["instantiatesCanonical"] = adURL
		}
	case "CommunicationRequest", "SupplyRequest", "Appointment", "VisionPrescription":
		if isCARD || adURL != "" {
			ext = append(ext, map[string]any{"url": extInstantiates, "valueCanonical": pick(isCARD, cardURL, adURL)})
		}
	default:
		if isCARD {
			r["instantiatesCanonical"] = []any{cardURL}
		} else if adURL != "" {
			r["instantiatesCanonical"] = []any{adURL}
		}
	}
	if len(ext) > 0 {
		r["extension"] = ext
	}
	r["basedOn"] = []any{fj.Reference("RequestGroup/" + a.rgID)}
	status := "draft"
	if kind == "Task" {
		status = "draft"
		for _, x := range fj.Objs(ad, "extension") {
			if fj.Str(x, "url") == extTargetStatus && fj.Str(x, "valueString") != "" {
				status = fj.Str(x, "valueString")
			}
		}
	}
	if kind != "Goal" {
		r["status"] = status
		r["intent"] = firstNonEmpty(fj.Str(ad, "intent"), "proposal")
	}
	if p := fj.Str(ad, "priority"); p != "" {
		r["priority"] = p
	}
	if b, ok := ad["doNotPerform"].(bool); ok && b {
		r["doNotPerform"] = true
	}
	code := fj.Obj(ad, "code")
	switch kind {
	case "Task":
		a.taskContent(r, ad, ct, isCARD, code)
		r["for"] = subjRef
	case "MedicationRequest":
		if p := productOf(ad); p != nil {
			for k, v := range p {
				r[k] = v
			}
		} else if code != nil {
			r["medicationCodeableConcept"] = fj.Clone(code)
		}
		r["subject"] = subjRef
		if d := fj.List(ad, "dosage"); d != nil {
			r["dosageInstruction"] = fj.Clone(d)
		}
	case "CommunicationRequest":
		r["subject"] = subjRef
		if code != nil {
			r["category"] = []any{fj.Clone(code)}
		}
		if txt := firstNonEmpty(fj.Str(ad, "description"), fj.Str(ad, "title")); txt != "" {
			r["payload"] = []any{map[string]any{"contentString": txt}}
		}
		r["recipient"] = []any{subjRef}
	default:
		if code != nil {
			r["code"] = fj.Clone(code)
		}
		r["subject"] = subjRef
		if d := fj.List(ad, "bodySite"); d != nil && kind == "ServiceRequest" {
			r["bodySite"] = fj.Clone(d)
		}
		if q := fj.Obj(ad, "quantity"); q != nil && kind == "ServiceRequest" {
			r["quantityQuantity"] = fj.Clone(q)
		}
		if code, display := ct.ServiceCategory(); isCARD && code != "" {
			r["category"] = []any{fj.Concept("http://snomed.info/sct", code, display)}
		}
	}
	if desc := fj.Str(ad, "description"); desc != "" && kind == "Task" {
		r["description"] = desc
	}
	if a.encounter != "" {
		switch kind {
		case "Task", "ServiceRequest", "MedicationRequest", "CommunicationRequest", "DeviceRequest", "NutritionOrder":
			r["encounter"] = fj.Reference(a.encounter)
		}
	}
	if a.data.Practitioner != nil {
		switch kind {
		case "Task", "ServiceRequest", "MedicationRequest", "CommunicationRequest":
			r["requester"] = fj.Reference(fj.Ref(a.data.Practitioner))
		}
	}
	r["authoredOn"] = a.now.UTC().Format(time.RFC3339)
	if kind == "CommunicationRequest" {
		delete(r, "authoredOn")
		r["authoredOn"] = a.now.UTC().Format(time.RFC3339)
	}
	for i, dv := range fj.Objs(ad, "dynamicValue") {
		path := fj.Str(dv, "path")
		v, err := a.evalExpression(pkg, ad, fj.Obj(dv, "expression"), r)
		if err != nil {
			return nil, fmt.Errorf("%s.dynamicValue[%d] (%s): %w", fj.Ref(ad), i, path, err)
		}
		if err := setPath(r, path, v); err != nil {
			return nil, fmt.Errorf("%s.dynamicValue[%d]: %w", fj.Ref(ad), i, err)
		}
	}
	return r, nil
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func productOf(ad map[string]any) map[string]any {
	if p := fj.Obj(ad, "productCodeableConcept"); p != nil {
		return map[string]any{"medicationCodeableConcept": fj.Clone(p)}
	}
	if p := fj.Obj(ad, "productReference"); p != nil {
		return map[string]any{"medicationReference": fj.Clone(p)}
	}
	return nil
}

// taskContent fills the CCG Task CARDs: Task.code is the CPG activity
// type; the ActivityDefinition's own code (when it is not an activity
// type), product and questionnaire (cpg-collectWith) become Task.input.
func (a *applier) taskContent(r, ad map[string]any, ct cards.Type, isCARD bool, code map[string]any) {
	if !isCARD {
		if code != nil {
			r["code"] = fj.Clone(code)
		}
		return
	}
	activity := false
	for _, c := range fj.Objs(code, "coding") {
		if fj.Str(c, "system") == cards.ActivityTypeSystem {
			activity = true
		}
	}
	if activity {
		r["code"] = fj.Clone(code)
	} else {
		r["code"] = fj.Concept(cards.ActivityTypeSystem, ct.TaskCode, "")
	}
	var inputs []any
	input := func(kind string, val map[string]any) {
		in := map[string]any{"type": map[string]any{"text": kind}}
		for k, v := range val {
			in[k] = v
		}
		inputs = append(inputs, in)
	}
	for _, x := range fj.Objs(ad, "extension") {
		if fj.Str(x, "url") == extCollectWith && fj.Str(x, "valueCanonical") != "" {
			input("questionnaire", map[string]any{"valueCanonical": fj.Str(x, "valueCanonical")})
		}
	}
	if code != nil && !activity {
		input("code", map[string]any{"valueCodeableConcept": fj.Clone(code)})
	}
	if p := fj.Obj(ad, "productCodeableConcept"); p != nil {
		input("medication", map[string]any{"valueCodeableConcept": fj.Clone(p)})
	}
	if p := fj.Obj(ad, "productReference"); p != nil {
		input("medication", map[string]any{"valueReference": fj.Clone(p)})
	}
	if len(inputs) > 0 {
		r["input"] = inputs
	}
}

// actionDynamicValues applies a PlanDefinition action's dynamic values
// whose path targets the RequestGroup action ("action.title", "title").
func (a *applier) actionDynamicValues(pkg *content.Package, pd, act, ra map[string]any, apath string) error {
	for i, dv := range fj.Objs(act, "dynamicValue") {
		path := strings.TrimPrefix(fj.Str(dv, "path"), "action.")
		v, err := a.evalExpression(pkg, pd, fj.Obj(dv, "expression"), nil)
		if err != nil {
			return fmt.Errorf("dynamicValue[%d]: %w", i, err)
		}
		if err := setPlain(ra, path, v); err != nil {
			return fmt.Errorf("dynamicValue[%d]: %w", i, err)
		}
	}
	return nil
}

// explain lists, per CARD action evaluated, whether it fired and what each
// condition gave.
func (a *applier) explain() map[string]any {
	var params []any
	for _, c := range a.results {
		parts := []any{
			map[string]any{"name": "definition", "valueCanonical": c.Card},
			map[string]any{"name": "action", "valueString": c.Action},
			map[string]any{"name": "fired", "valueBoolean": c.Fired},
		}
		if c.Title != "" {
			parts = append(parts, map[string]any{"name": "title", "valueString": c.Title})
		}
		for _, cond := range c.Conditions {
			parts = append(parts, map[string]any{"name": "condition", "part": []any{
				map[string]any{"name": "expression", "valueString": cond.Expression},
				map[string]any{"name": "language", "valueCode": firstNonEmpty(cond.Language, "unknown")},
				map[string]any{"name": "result", "valueString": cond.Result},
			}})
		}
		if c.Resource != "" {
			parts = append(parts, map[string]any{"name": "resource", "valueReference": fj.Reference(c.Resource)})
		}
		params = append(params, map[string]any{"name": "card", "part": parts})
	}
	out := map[string]any{"resourceType": "Parameters", "id": ExplainID}
	if len(params) > 0 {
		out["parameter"] = params
	}
	return out
}

func (a *applier) errorOutcome(warnings []string) map[string]any {
	var issues []any
	for _, e := range a.errs {
		issues = append(issues, map[string]any{"severity": "error", "code": "processing",
			"diagnostics": "CARD " + e.Card + " did not fire: " + e.Message, "expression": []any{e.Expression}})
	}
	for _, w := range warnings {
		issues = append(issues, map[string]any{"severity": "warning", "code": "value",
			"diagnostics": "data-in value read leniently: " + w})
	}
	return map[string]any{"resourceType": "OperationOutcome", "id": ErrorsID, "issue": issues}
}

// dataWarnings are the data-in values the evaluations read leniently
// (fhir.BundleRetriever.Warnings), sorted.
func (a *applier) dataWarnings() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range a.retrievers {
		if r == nil {
			continue
		}
		for _, w := range r.Warnings() {
			if s := w.Error(); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

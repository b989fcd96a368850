package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/perform"
)

func init() {
	register(&command{
		Name:    "perform",
		Args:    "--engine URL --plan ID --data bundle.json [--subject Patient/ID] [--encounter Encounter/ID] [--param NAME=CQL-LITERAL]... [--strict-data] [--max-rounds N] [--out FILE] [--audit DIR] [--token TOKEN]",
		Summary: "run the Guideline Performer loop against a Guideline Engine ($apply until the RequestGroup is empty)",
		Run:     runPerform,
	})
}

func runPerform(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "perform")
	base := fs.String("engine", "", "Guideline Engine base `URL` (e.g. http://127.0.0.1:8080)")
	plan := fs.String("plan", "", "PlanDefinition `ID` to apply; empty: the patient's Patient Plans (type-level $apply)")
	dataFile := fs.String("data", "", "initial data-in Bundle `FILE`")
	subject := fs.String("subject", "", "subject `Patient/ID` (default: the Bundle's only Patient)")
	encounter := fs.String("encounter", "", "`Encounter/ID` (default: the patient's in-progress Encounter)")
	params := addParamFlag(fs)
	strictData := strictDataFlag(fs)
	maxRounds := fs.Int("max-rounds", 20, "give up after `N` rounds")
	out := fs.String("out", "", "write the final data-in Bundle to `FILE`")
	token := fs.String("token", "", "bearer `TOKEN` for the engine (needs the scopes ccg/evaluate and system/Questionnaire.rs; default $CCG_TOKEN)")
	auditDir := fs.String("audit", "", "record the performer's BALP AuditEvents (submission, response, create of each Resulting Data resource) in the SQLite database in `DIR`")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "perform takes no positional arguments, got %q", pos)
	}
	if *base == "" || *dataFile == "" {
		return usageError(e, fs, "--engine and --data are required")
	}
	data, ok := readDataIn(e, "perform", *dataFile, subject, encounter, false)
	if !ok {
		return exitFailure
	}
	if *token == "" {
		*token = os.Getenv("CCG_TOKEN")
	}
	if *strictData {
		// The engine reads such values leniently; refuse them here.
		root, err := fhir.R4().ResourceNode(data)
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg perform: %s: %v\n", *dataFile, err)
			return exitFailure
		}
		if issues := fhir.PrimitiveIssues(root); len(issues) > 0 {
			for _, is := range issues {
				fmt.Fprintf(e.Stderr, "ccg perform: %s: %v (--strict-data)\n", *dataFile, is)
			}
			return exitFailure
		}
	}
	client := &engineClient{base: strings.TrimSuffix(*base, "/"), token: *token, http: &http.Client{Timeout: 60 * time.Second}}
	if len(params) > 0 {
		var err error
		if client.params, err = engine.ParametersResource(params); err != nil {
			return usageError(e, fs, "%v", err)
		}
	}
	p := &perform.Performer{Resolve: client.resolve}
	var st audit.Store
	if *auditDir != "" {
		var err error
		if st, err = audit.OpenSQLite(ctx, *auditDir); err != nil {
			fmt.Fprintf(e.Stderr, "ccg perform: %v\n", err)
			return exitFailure
		}
		defer st.Close()
		p.Created = func(ctx context.Context, r perform.Result) error {
			ev := createEvent(r.Resource, *subject, *dataFile)
			ev.Recorded = time.Now()
			if _, err := st.Append(ctx, ev.AuditEvent(), audit.KindCreate, ev.Patient); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			return nil
		}
	}
	apply := func(ctx context.Context, d map[string]any) (map[string]any, error) {
		ev := performerEvent(*plan, *subject, *encounter, *base, d)
		if err := recordEvent(ctx, st, ev); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		resp, err := client.apply(ctx, *plan, *subject, *encounter, d)
		ev.Kind, ev.Outcome = audit.KindResponse, audit.OutcomeSuccess
		if err != nil {
			ev.Outcome, ev.Detail = audit.OutcomeMinor, err.Error()
		} else {
			_, reqs, _ := perform.Actions(resp)
			for _, r := range reqs {
				ev.Requests = append(ev.Requests, fj.Ref(r))
				ev.Cards = append(ev.Cards, cardOf(r))
			}
		}
		if aerr := recordEvent(ctx, st, ev); aerr != nil && err == nil {
			err = fmt.Errorf("audit: %w", aerr)
		}
		return resp, err
	}
	final, err := p.Loop(ctx, apply, data, *maxRounds, func(r perform.Round) {
		rg, reqs, _ := perform.Actions(r.Response)
		fmt.Fprintf(e.Stdout, "round %d: %d recommended actions\n", r.N, len(fj.Objs(rg, "action")))
		for i, req := range reqs {
			line := fmt.Sprintf("  %s", fj.Ref(req))
			if i < len(r.Results) {
				res := r.Results[i].Resource
				verb := "recorded"
				if r.Results[i].Replaces {
					verb = "updated"
				}
				line += fmt.Sprintf(" -> %s %s", verb, fj.Ref(res))
				if st := statusOf(res); st != "" {
					line += " (" + st + ")"
				}
			}
			fmt.Fprintln(e.Stdout, line)
		}
		if len(reqs) == 0 {
			fmt.Fprintln(e.Stdout, "  RequestGroup is empty: done")
		}
	})
	if *out != "" && final != nil {
		b, merr := fj.Marshal(final)
		if merr == nil {
			merr = os.WriteFile(*out, b, 0o644)
		}
		if merr != nil {
			fmt.Fprintf(e.Stderr, "ccg perform: %v\n", merr)
			return exitFailure
		}
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg perform: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// statusOf is what a Resulting Data resource records about the outcome:
// its status, or for a Condition (which has none) its verification and
// clinical status ("confirmed, active"); "" when it records neither.
func statusOf(res map[string]any) string {
	if st := fj.Str(res, "status"); st != "" {
		return st
	}
	var parts []string
	for _, k := range []string{"verificationStatus", "clinicalStatus"} {
		for _, c := range fj.Objs(fj.Obj(res, k), "coding") {
			if code := fj.Str(c, "code"); code != "" {
				parts = append(parts, code)
				break
			}
		}
	}
	return strings.Join(parts, ", ")
}

// performerEvent is the Guideline Performer's audit event of a submission.
func performerEvent(plan, subject, encounter, engineURL string, data map[string]any) *audit.Event {
	ev := &audit.Event{Kind: audit.KindSubmission, PlanDefinitionID: plan, Source: "ccg-guideline-performer/" + version,
		Recipient: "Guideline Engine at " + engineURL, Patient: subject}
	if _, id, ok := fj.SplitRef(encounter); ok {
		ev.EncounterID = id
	}
	d := datain.Index(data)
	if p := d.Resolve(subject); p != nil {
		for _, id := range fj.Objs(p, "identifier") {
			ev.PatientIdentifier = map[string]any{"system": fj.Str(id, "system"), "value": fj.Str(id, "value")}
			break
		}
	}
	if d.Practitioner != nil {
		for _, id := range fj.Objs(d.Practitioner, "identifier") {
			ev.PractitionerIdentifier = map[string]any{"system": fj.Str(id, "system"), "value": fj.Str(id, "value")}
			break
		}
	}
	return ev
}

// createEvent is the Guideline Performer's audit event of a Resulting
// Data resource it created in the data-in Bundle read from dataFile.
func createEvent(res map[string]any, subject, dataFile string) *audit.Create {
	patient := subject
	for _, k := range []string{"subject", "patient", "for"} {
		if ref := fj.Str(fj.Obj(res, k), "reference"); strings.HasPrefix(ref, "Patient/") {
			patient = ref
			break
		}
	}
	return &audit.Create{Created: fj.Ref(res), Patient: patient, Source: "ccg-guideline-performer/" + version,
		Recipient: "data-in Bundle " + dataFile}
}

func recordEvent(ctx context.Context, st audit.Store, ev *audit.Event) error {
	if st == nil {
		return nil
	}
	ev.Recorded = time.Now()
	_, err := st.Append(ctx, ev.Resource(), ev.Kind, ev.Patient)
	return err
}

// cardOf is the CARD a request instantiates (instantiatesUri for Tasks).
func cardOf(r map[string]any) string {
	if u := fj.Str(r, "instantiatesUri"); u != "" {
		return fj.Canonical(u)
	}
	for _, c := range fj.List(r, "instantiatesCanonical") {
		if s, ok := c.(string); ok {
			return fj.Canonical(s)
		}
	}
	for _, x := range fj.Objs(r, "extension") {
		if strings.HasSuffix(fj.Str(x, "url"), "workflow-instantiatesCanonical") {
			return fj.Canonical(fj.Str(x, "valueCanonical"))
		}
	}
	return fj.Ref(r)
}

// engineClient calls a Guideline Engine over HTTP.
type engineClient struct {
	base  string
	token string // bearer token; empty: none
	http  *http.Client
	// params is the $apply "parameters" Parameters resource (--param), or nil.
	params map[string]any
}

func (c *engineClient) apply(ctx context.Context, plan, subject, encounter string, data map[string]any) (map[string]any, error) {
	params := []any{
		map[string]any{"name": "subject", "valueString": subject},
		map[string]any{"name": "encounter", "valueString": encounter},
		map[string]any{"name": "data", "resource": data},
	}
	if c.params != nil {
		params = append(params, map[string]any{"name": "parameters", "resource": c.params})
	}
	body, err := fj.MarshalCompact(map[string]any{"resourceType": "Parameters", "parameter": params})
	if err != nil {
		return nil, err
	}
	u := c.base + "/PlanDefinition/$apply"
	if plan != "" {
		u = c.base + "/PlanDefinition/" + url.PathEscape(plan) + "/$apply"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("X-CCG-Performer", "ccg-guideline-performer/"+version)
	return c.do(req)
}

func (c *engineClient) do(req *http.Request) (map[string]any, error) {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, not JSON: %v", req.URL, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		var msgs []string
		for _, is := range fj.Objs(m, "issue") {
			msg := fj.Str(is, "diagnostics")
			if ex := fj.List(is, "expression"); len(ex) > 0 {
				msg = fmt.Sprint(ex[0]) + ": " + msg
			}
			msgs = append(msgs, msg)
		}
		return nil, fmt.Errorf("%s: HTTP %d: %s", req.URL, resp.StatusCode, strings.Join(msgs, "; "))
	}
	return m, nil
}

// resolve fetches a definitional resource (a Questionnaire) by canonical.
func (c *engineClient) resolve(ctx context.Context, canonical string) (map[string]any, error) {
	typ := "Questionnaire"
	if t, _, ok := fj.SplitRef(canonical); ok {
		typ = t
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+typ+"?url="+url.QueryEscape(canonical), nil)
	if err != nil {
		return nil, err
	}
	b, err := c.do(req)
	if err != nil {
		return nil, err
	}
	for _, e := range fj.Objs(b, "entry") {
		return fj.Obj(e, "resource"), nil
	}
	return nil, fmt.Errorf("%s not found", canonical)
}

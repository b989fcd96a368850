package fhir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// maxResponse bounds the size of one FHIR server response.
const maxResponse = 64 << 20

// httpGetJSON fetches a FHIR JSON document.
func httpGetJSON(ctx context.Context, client *http.Client, header http.Header, u string) (map[string]any, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/fhir+json")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if len(body) > maxResponse {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: response larger than %d bytes", u, maxResponse)
	}
	v, jerr := DecodeJSON(body)
	obj, _ := v.(map[string]any)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := outcomeText(obj)
		if msg == "" {
			msg = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return obj, resp.StatusCode, &httpError{status: resp.StatusCode, msg: fmt.Sprintf("GET %s: %s: %s", u, resp.Status, msg)}
	}
	if jerr != nil || obj == nil {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: the response is not a JSON object", u)
	}
	return obj, resp.StatusCode, nil
}

// httpError is an unsuccessful response.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// outcomeText collects the diagnostics of an OperationOutcome.
func outcomeText(obj map[string]any) string {
	if str(obj["resourceType"]) != "OperationOutcome" {
		return ""
	}
	var parts []string
	issues, _ := obj["issue"].([]any)
	for _, i := range issues {
		im, _ := i.(map[string]any)
		if d := str(im["diagnostics"]); d != "" {
			parts = append(parts, d)
		} else if d, ok := im["details"].(map[string]any); ok && str(d["text"]) != "" {
			parts = append(parts, str(d["text"]))
		}
	}
	return strings.Join(parts, "; ")
}

// RESTOptions configure a RESTRetriever.
type RESTOptions struct {
	// BaseURL is the FHIR server base, e.g. https://example.org/fhir.
	BaseURL string
	Client  *http.Client
	// Header is added to every request (Authorization, ...).
	Header http.Header
	// PatientID restricts searches to the patient's data (patient=Patient/id).
	PatientID string
	// Terminology expands value sets for `code in "VS"` retrieves.
	Terminology Terminology
	// MaxPages bounds the search result pages followed (default 50).
	MaxPages int
}

// RESTRetriever answers retrieves by searching a FHIR server (for the
// patient). A retrieve with a code filter on a searchable code path, for a
// type not fetched yet, becomes a code search: code=system|code,... for
// codes, code:in=url for a value set (when the server rejects the :in
// modifier the type is fetched whole instead). Other retrieves fetch the
// type once. Results are always filtered locally too, with the same
// indexes as the Bundle retriever (value sets are expanded through the
// Terminology; without one, the server's code:in answer is used as it
// is). Related-context retrieves ([Encounter -> Condition]) search by the
// relating element (encounter=Encounter/id, patient=Patient/id, ...; see
// related.go). Results are cached per search; a search cancelled by its
// context is not cached.
type RESTRetriever struct {
	opts    RESTOptions
	mu      sync.Mutex
	fetched map[string]*fetchState
}

// fetchState holds one search's results in their own store, filled once
// and read-only afterwards. ready is closed when the search ends; a
// cancelled search is removed from the cache so that the next retrieve
// runs it again.
type fetchState struct {
	ready     chan struct{}
	st        *store
	err       error
	cancelled bool
}

// NewRESTRetriever returns a retriever over a FHIR server.
func NewRESTRetriever(opts RESTOptions) *RESTRetriever {
	if opts.MaxPages <= 0 {
		opts.MaxPages = 50
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &RESTRetriever{opts: opts, fetched: map[string]*fetchState{}}
}

// Retrieve implements the engine's Retriever.
func (r *RESTRetriever) Retrieve(ctx context.Context, dataType *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	return r.RetrieveRequest(ctx, eval.RetrieveRequest{DataType: dataType, CodePath: codePath, Codes: codes})
}

// RetrieveRequest implements the engine's RequestRetriever (code
// comparators as in the Bundle retriever; related-context retrieves).
func (r *RESTRetriever) RetrieveRequest(ctx context.Context, req eval.RetrieveRequest) ([]value.Value, error) {
	dataType := req.DataType
	if dataType == nil || dataType.Model != ModelName {
		return nil, fmt.Errorf("cannot retrieve %v from a FHIR server", dataType)
	}
	typ := dataType.Name
	if !R4().Retrievable(typ) {
		return nil, fmt.Errorf("FHIR.%s is not a resource type", typ)
	}
	q := request{typ: typ, path: req.CodePath, codes: req.Codes, comparator: req.CodeComparator}
	if !req.HasContext {
		return r.retrieveBy(ctx, q, r.patientParams(typ))
	}
	t, err := contextTarget(req.Context)
	if err != nil {
		return nil, err
	}
	q.related = &t
	searches, err := relatedParams(typ, t)
	if err != nil {
		return nil, err
	}
	if len(searches) == 1 {
		return r.retrieveBy(ctx, q, searches[0])
	}
	var out []value.Value
	seen := map[*Node]bool{}
	ids := map[string]bool{}
	for _, base := range searches {
		vs, err := r.retrieveBy(ctx, q, base)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			n, _ := v.(*Node)
			if n == nil || seen[n] || (n.ID() != "" && ids[n.ID()]) {
				continue
			}
			seen[n] = true
			if n.ID() != "" {
				ids[n.ID()] = true
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// retrieveBy answers a request from the searches with the base parameters
// (a code search when possible, else the whole type).
func (r *RESTRetriever) retrieveBy(ctx context.Context, q request, base url.Values) ([]value.Value, error) {
	typ := q.typ
	wholeURL := r.searchURL(typ, base)
	r.mu.Lock()
	_, whole := r.fetched[wholeURL]
	r.mu.Unlock()
	if !whole && q.codes != nil {
		// Not fetched whole yet: let the server filter the codes.
		if cq, vs, ok := r.codeSearch(typ, q, base); ok {
			st, err := r.load(ctx, typ, cq)
			var he *httpError
			switch {
			case err == nil && vs && r.opts.Terminology == nil && !st.applied(codeInParam(typ, q)):
				// The server ignored code:in (its self link does not have
				// it): fetch the type whole; filtering it needs a
				// terminology, which reports the error.
			case err == nil && vs && r.opts.Terminology == nil:
				// Trust the server's value set membership.
				unfiltered := q
				unfiltered.codes = nil
				return st.query(ctx, unfiltered)
			case err == nil:
				return st.query(ctx, q)
			case vs && errors.As(err, &he) && he.status >= 400 && he.status < 500:
				// The server does not support code:in: fetch the type whole.
			default:
				return nil, err
			}
		}
	}
	st, err := r.load(ctx, typ, wholeURL)
	if err != nil {
		return nil, err
	}
	return st.query(ctx, q)
}

// patientParams restrict a search to the subject patient.
func (r *RESTRetriever) patientParams(typ string) url.Values {
	q := url.Values{}
	if r.opts.PatientID != "" {
		if typ == "Patient" {
			q.Set("_id", r.opts.PatientID)
		} else if ti, _ := R4().Info(typ); len(ti.PatientPaths) > 0 {
			param := "patient"
			if ti.PatientPaths[0] == "subject" && typ == "Group" {
				param = "subject"
			}
			q.Set(param, "Patient/"+r.opts.PatientID)
		}
	}
	return q
}

// relatedParams are the searches of a related-context retrieve: _id for
// the target's own type; patient=Patient/id for a Patient target; else
// one search per relating element, by the element's name (the first
// segment of a path; DocumentReference.context.encounter is encounter).
// Results are filtered locally by all the relating elements too.
func relatedParams(typ string, t relatedTarget) ([]url.Values, error) {
	paths, self, err := relatedPaths(R4(), typ, t.typ)
	if err != nil {
		return nil, err
	}
	if self {
		return []url.Values{{"_id": {t.id}}}, nil
	}
	if t.typ == "Patient" {
		param := "patient"
		if typ == "Group" {
			param = "member"
		}
		return []url.Values{{param: {t.String()}}}, nil
	}
	var out []url.Values
	seen := map[string]bool{}
	for _, p := range paths {
		param := p
		if p == "context.encounter" {
			param = "encounter"
		} else if i := strings.IndexByte(p, '.'); i >= 0 {
			param = p[:i]
		}
		if !seen[param] {
			seen[param] = true
			out = append(out, url.Values{param: {t.String()}})
		}
	}
	return out, nil
}

func (r *RESTRetriever) searchURL(typ string, q url.Values) string {
	s := r.opts.BaseURL + "/" + typ
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// codeSearchParams are the search parameters of primary code paths.
var codeSearchParams = map[string]string{
	"Observation.code": "code", "Condition.code": "code", "Procedure.code": "code",
	"AllergyIntolerance.code": "code", "DiagnosticReport.code": "code", "ServiceRequest.code": "code",
	"Task.code": "code", "DeviceRequest.code": "code", "MedicationRequest.medication": "code",
	"MedicationAdministration.medication": "code", "MedicationStatement.medication": "code",
	"MedicationDispense.medication": "code", "Encounter.type": "type", "Immunization.vaccineCode": "vaccine-code",
	"Communication.category": "category", "Goal.category": "category", "CarePlan.category": "category",
}

// codeSearch builds the search URL of a retrieve with a code filter on a
// path the server can search: a token list for codes, param:in=url for a
// value set (vs is set). ok is false for other paths and filters.
func (r *RESTRetriever) codeSearch(typ string, q request, base url.Values) (u string, vs bool, ok bool) {
	codePath := q.path
	if codePath == "" {
		codePath = R4().PrimaryCodePath(typ)
	}
	param, known := codeSearchParams[typ+"."+codePath]
	if !known {
		return "", false, false
	}
	list, set, err := filterCodes(q.codes)
	if err != nil {
		return "", false, false
	}
	params := url.Values{}
	for k, v := range base {
		params[k] = v
	}
	if set != "" {
		if q.comparator == "=" || q.comparator == "~" {
			return "", false, false // an error, reported by the local filter
		}
		params.Set(param+":in", set)
		return r.searchURL(typ, params), true, true
	}
	if len(list) == 0 || len(list) > 50 {
		return "", false, false
	}
	tokens := make([]string, len(list))
	for i, c := range list {
		if c.System != "" {
			tokens[i] = c.System + "|" + c.Code
		} else if q.comparator == "=" || q.comparator == "~" {
			// A code without a system only matches codes without one.
			tokens[i] = "|" + c.Code
		} else {
			tokens[i] = c.Code
		}
	}
	params.Set(param, strings.Join(tokens, ","))
	return r.searchURL(typ, params), false, true
}

// codeInParam is the name of the code:in search parameter of a request.
func codeInParam(typ string, q request) string {
	path := q.path
	if path == "" {
		path = R4().PrimaryCodePath(typ)
	}
	return codeSearchParams[typ+"."+path] + ":in"
}

// applied reports whether the search the store holds used a parameter,
// as told by the self link; true when there is no self link to tell.
func (s *store) applied(param string) bool {
	if s.selfLink == "" {
		return true
	}
	u, err := url.Parse(s.selfLink)
	if err != nil {
		return true
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return true
	}
	return q.Has(param)
}

// load returns the results of a search, running it once. A search whose
// context is cancelled is not kept: the next caller runs it again; callers
// waiting for it then run it with their own context.
func (r *RESTRetriever) load(ctx context.Context, typ, query string) (*store, error) {
	for {
		r.mu.Lock()
		fs, ok := r.fetched[query]
		if !ok {
			fs = &fetchState{ready: make(chan struct{})}
			r.fetched[query] = fs
			r.mu.Unlock()
			st, err := r.fetch(ctx, typ, query)
			if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				r.mu.Lock()
				delete(r.fetched, query)
				r.mu.Unlock()
				fs.err, fs.cancelled = err, true
				close(fs.ready)
				return nil, err
			}
			fs.st, fs.err = st, err
			close(fs.ready)
			return st, err
		}
		r.mu.Unlock()
		select {
		case <-fs.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if fs.cancelled {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		return fs.st, fs.err
	}
}

func (r *RESTRetriever) fetch(ctx context.Context, typ, next string) (*store, error) {
	var nodes []*Node
	var self string
	for page := 0; next != ""; page++ {
		if page >= r.opts.MaxPages {
			return nil, fmt.Errorf("search of %s: more than %d pages of results", typ, r.opts.MaxPages)
		}
		obj, _, err := httpGetJSON(ctx, r.opts.Client, r.opts.Header, next)
		if err != nil {
			return nil, err
		}
		if str(obj["resourceType"]) != "Bundle" {
			return nil, fmt.Errorf("search of %s: expected a Bundle, got %s", typ, str(obj["resourceType"]))
		}
		entries, _ := obj["entry"].([]any)
		for i, e := range entries {
			em, _ := e.(map[string]any)
			if mode := str(mapOf(em["search"])["mode"]); mode == "include" || mode == "outcome" {
				continue
			}
			res, ok := em["resource"].(map[string]any)
			if !ok {
				continue
			}
			n, err := R4().resourceNode(res, &location{resType: "Bundle", name: "Bundle", index: -1}, "")
			if err != nil {
				return nil, fmt.Errorf("search of %s, entry %d: %w", typ, i, err)
			}
			if n.TypeName() == typ {
				nodes = append(nodes, n)
			}
		}
		next = ""
		links, _ := obj["link"].([]any)
		for _, l := range links {
			lm, _ := l.(map[string]any)
			switch str(lm["relation"]) {
			case "next":
				next = str(lm["url"])
			case "self":
				if page == 0 {
					self = str(lm["url"])
				}
			}
		}
	}
	st := newStore(R4(), r.opts.Terminology)
	st.selfLink = self
	for _, n := range nodes {
		st.add(n, "")
	}
	return st, nil
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// RemoteTerminology is a Terminology backed by a FHIR terminology server
// ($expand and $validate-code). Answers are cached.
type RemoteTerminology struct {
	BaseURL string
	Client  *http.Client
	Header  http.Header

	mu         sync.Mutex
	expansions map[string]*Expansion
	answers    map[string]bool
}

// NewRemoteTerminology returns a terminology client for a server base URL.
func NewRemoteTerminology(base string, client *http.Client) *RemoteTerminology {
	return &RemoteTerminology{BaseURL: strings.TrimRight(base, "/"), Client: client,
		expansions: map[string]*Expansion{}, answers: map[string]bool{}}
}

func vsParams(vs value.ValueSetRef) url.Values {
	u, ver := splitCanonical(vs.ID)
	if vs.Version != "" {
		ver = vs.Version
	}
	q := url.Values{"url": {u}}
	if ver != "" {
		q.Set("valueSetVersion", ver)
	}
	return q
}

// Expand implements Terminology with ValueSet/$expand (paged by offset).
func (t *RemoteTerminology) Expand(ctx context.Context, vs value.ValueSetRef) ([]value.Code, error) {
	key := vs.ID + "|" + vs.Version
	t.mu.Lock()
	e, ok := t.expansions[key]
	t.mu.Unlock()
	if ok {
		return e.Codes, nil
	}
	var codes []value.Code
	const pageSize = 1000
	for offset := 0; ; offset += pageSize {
		q := vsParams(vs)
		q.Set("offset", fmt.Sprint(offset))
		q.Set("count", fmt.Sprint(pageSize))
		obj, status, err := httpGetJSON(ctx, t.Client, t.Header, t.BaseURL+"/ValueSet/$expand?"+q.Encode())
		if status == http.StatusNotFound {
			return nil, &ValueSetNotFoundError{URL: vs.ID}
		}
		if err != nil {
			return nil, fmt.Errorf("expanding value set %s: %w", vs.ID, err)
		}
		s := NewValueSetStore()
		obj["url"] = vs.ID
		if _, has := obj["expansion"]; !has {
			return nil, fmt.Errorf("expanding value set %s: the server returned no expansion", vs.ID)
		}
		if err := s.AddResource(obj); err != nil {
			return nil, err
		}
		page, err := s.Expand(ctx, value.ValueSetRef{ID: vs.ID})
		if err != nil {
			return nil, err
		}
		codes = append(codes, page...)
		exp := mapOf(obj["expansion"])
		total, ok := exp["total"]
		n, _ := numberText(total)
		var tot int
		fmt.Sscan(n, &tot)
		if !ok || len(page) == 0 || len(codes) >= tot {
			break
		}
	}
	e = newExpansion(vs.ID, codes)
	t.mu.Lock()
	t.expansions[key] = e
	t.mu.Unlock()
	return codes, nil
}

// InValueSet implements Terminology with ValueSet/$validate-code, or the
// cached expansion when the value set was expanded before.
func (t *RemoteTerminology) InValueSet(ctx context.Context, code value.Code, vs value.ValueSetRef) (bool, error) {
	key := vs.ID + "|" + vs.Version
	t.mu.Lock()
	e, ok := t.expansions[key]
	ans, answered := t.answers[key+"#"+code.System+"|"+code.Code]
	t.mu.Unlock()
	if ok {
		return e.Contains(code), nil
	}
	if answered {
		return ans, nil
	}
	q := vsParams(vs)
	q.Set("code", code.Code)
	if code.System != "" {
		q.Set("system", code.System)
	}
	obj, status, err := httpGetJSON(ctx, t.Client, t.Header, t.BaseURL+"/ValueSet/$validate-code?"+q.Encode())
	if status == http.StatusNotFound {
		return false, &ValueSetNotFoundError{URL: vs.ID}
	}
	if err != nil {
		return false, fmt.Errorf("checking a code against value set %s: %w", vs.ID, err)
	}
	result, found := false, false
	params, _ := obj["parameter"].([]any)
	for _, p := range params {
		pm := mapOf(p)
		if str(pm["name"]) == "result" {
			result, found = pm["valueBoolean"].(bool)
		}
	}
	if !found {
		return false, fmt.Errorf("checking a code against value set %s: no boolean result in the response", vs.ID)
	}
	t.mu.Lock()
	t.answers[key+"#"+code.System+"|"+code.Code] = result
	t.mu.Unlock()
	return result, nil
}

// InCodeSystem implements CodeSystemMember with CodeSystem/$validate-code
// (url, version, code). Answers are cached.
func (t *RemoteTerminology) InCodeSystem(ctx context.Context, code value.Code, cs value.CodeSystemRef) (bool, error) {
	u, ver := splitCanonical(cs.ID)
	if cs.Version != "" {
		ver = cs.Version
	}
	if code.System != "" && code.System != u {
		return false, nil
	}
	key := "CodeSystem#" + u + "|" + ver + "#" + code.Code
	t.mu.Lock()
	ans, answered := t.answers[key]
	t.mu.Unlock()
	if answered {
		return ans, nil
	}
	q := url.Values{"url": {u}, "code": {code.Code}}
	if ver != "" {
		q.Set("version", ver)
	}
	obj, status, err := httpGetJSON(ctx, t.Client, t.Header, t.BaseURL+"/CodeSystem/$validate-code?"+q.Encode())
	if status == http.StatusNotFound {
		return false, &CodeSystemNotFoundError{URL: u, Version: ver}
	}
	if err != nil {
		return false, fmt.Errorf("checking a code against code system %s: %w", u, err)
	}
	result, found := false, false
	params, _ := obj["parameter"].([]any)
	for _, p := range params {
		pm := mapOf(p)
		if str(pm["name"]) == "result" {
			result, found = pm["valueBoolean"].(bool)
		}
	}
	if !found {
		return false, fmt.Errorf("checking a code against code system %s: no boolean result in the response", u)
	}
	t.mu.Lock()
	t.answers[key] = result
	t.mu.Unlock()
	return result, nil
}

package fhir

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// store holds resources by type with lazily built code indexes, shared by
// the Bundle and REST retrievers.
type store struct {
	model  *Model
	term   Terminology
	byType map[string][]*Node
	// byURL resolves references: "Type/id" and entry fullUrls.
	byURL map[string]*Node

	// selfLink is the self link of a REST search's first page: the search
	// as the server ran it ("" when the server gave none).
	selfLink string

	mu    sync.Mutex
	codes map[string]*codeIndex // "Type|path"
}

type codeIndex struct {
	bySystem map[string][]int // system|code -> positions in byType[type]
	byCode   map[string][]int // bare code
}

func newStore(m *Model, term Terminology) *store {
	return &store{model: m, term: term, byType: map[string][]*Node{}, byURL: map[string]*Node{}, codes: map[string]*codeIndex{}}
}

func (s *store) add(n *Node, fullURL string) {
	t := n.TypeName()
	s.byType[t] = append(s.byType[t], n)
	if id := n.ID(); id != "" {
		s.byURL[t+"/"+id] = n
	}
	if fullURL != "" {
		s.byURL[fullURL] = n
	}
}

// resolve finds the resource a Reference node points at.
func (s *store) resolve(ref *Node) *Node {
	r, _ := ref.obj["reference"].(string)
	if r == "" {
		return nil
	}
	if n, ok := s.byURL[r]; ok {
		return n
	}
	// Absolute URL ending in Type/id.
	parts := strings.Split(r, "/")
	if len(parts) >= 2 {
		if n, ok := s.byURL[parts[len(parts)-2]+"/"+parts[len(parts)-1]]; ok {
			return n
		}
	}
	return nil
}

// codesOf extracts the codes found at path in a resource: codings of
// CodeableConcepts, Codings, code primitives, and the code of a resource a
// Reference points at (MedicationRequest.medicationReference -> Medication.code).
func (s *store) codesOf(n *Node, path string) ([]value.Code, error) {
	v, err := n.Get(path)
	if err != nil {
		return nil, err
	}
	var out []value.Code
	var visit func(v value.Value, depth int) error
	visit = func(v value.Value, depth int) error {
		switch x := v.(type) {
		case value.List:
			for _, e := range x.Elems {
				if err := visit(e, depth); err != nil {
					return err
				}
			}
		case *Node:
			switch {
			case x.info.Kind == KindPrimitive || x.info.Kind == KindCode:
				pv, err := x.PrimitiveValue()
				if err != nil {
					return err
				}
				if str, ok := pv.(value.String); ok {
					out = append(out, value.Code{Code: string(str)})
				}
			case x.info.Type.Name == "CodeableConcept":
				cs, err := x.codings()
				if err != nil {
					return err
				}
				out = append(out, cs...)
			case x.info.Type.Name == "Coding":
				c, err := x.toCode()
				if err != nil {
					return err
				}
				out = append(out, c)
			case x.info.Type.Name == "Reference" && depth == 0:
				if r := s.resolve(x); r != nil && r.info.PrimaryCodePath != "" {
					rv, err := r.Get(r.info.PrimaryCodePath)
					if err != nil {
						return err
					}
					return visit(rv, depth+1)
				}
			}
		case value.String:
			out = append(out, value.Code{Code: string(x)})
		case value.Code:
			out = append(out, x)
		case value.Concept:
			out = append(out, x.Codes...)
		}
		return nil
	}
	if err := visit(v, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *store) index(typ, path string) (*codeIndex, error) {
	key := typ + "|" + path
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix, ok := s.codes[key]; ok {
		return ix, nil
	}
	ix := &codeIndex{bySystem: map[string][]int{}, byCode: map[string][]int{}}
	for i, n := range s.byType[typ] {
		cs, err := s.codesOf(n, path)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			ix.bySystem[c.System+"|"+c.Code] = appendOnce(ix.bySystem[c.System+"|"+c.Code], i)
			ix.byCode[c.Code] = appendOnce(ix.byCode[c.Code], i)
		}
	}
	s.codes[key] = ix
	return ix, nil
}

func appendOnce(list []int, i int) []int {
	if len(list) > 0 && list[len(list)-1] == i {
		return list
	}
	return append(list, i)
}

// filterCodes turns the codes operand of a retrieve into a code list, or a
// value set URL (a single String is a value set). A retrieve filtered by a
// list of Strings never gets here: the checker makes it a query.
func filterCodes(codes value.Value) (list []value.Code, valueSet string, err error) {
	switch x := codes.(type) {
	case value.ValueSetRef:
		return nil, x.ID, nil
	case value.Code:
		return []value.Code{x}, "", nil
	case value.Concept:
		return x.Codes, "", nil
	case value.String:
		return nil, string(x), nil
	case value.List:
		for _, e := range x.Elems {
			l, vs, err := filterCodes(e)
			if err != nil {
				return nil, "", err
			}
			if vs != "" {
				return nil, "", fmt.Errorf("a retrieve filter list may hold codes and concepts, not value sets")
			}
			list = append(list, l...)
		}
		return list, "", nil
	case *Node:
		sv, err := ToSystem(x)
		if err != nil {
			return nil, "", err
		}
		if _, still := sv.(*Node); still {
			return nil, "", fmt.Errorf("cannot filter a retrieve by FHIR.%s", x.TypeName())
		}
		return filterCodes(sv)
	}
	return nil, "", fmt.Errorf("cannot filter a retrieve by %s", codes.Type())
}

// request is one retrieve answered by a store.
type request struct {
	typ, path string
	codes     value.Value
	// comparator is "in", "=", "~" or "" (as "in").
	comparator string
	// related is the target of a related-context retrieve, nil otherwise.
	related *relatedTarget
}

// codeFilter decides whether a resource code passes a retrieve's filter.
//
// With "in" (and when no comparator was written) a filter code with a
// system matches the same system and code, and one without a system
// matches the code in any system; a value set matches its members. With
// "~" codes match by code and system (CQL Code equivalence: version and
// display do not count); with "=" by code, system and version (CQL Code
// equality). A Concept filter matches when one of its codes does.
type codeFilter struct {
	comparator string
	list       []value.Code
}

func (f *codeFilter) matches(c value.Code) bool {
	for _, fc := range f.list {
		switch f.comparator {
		case "=":
			if c.Code == fc.Code && c.System == fc.System && c.Version == fc.Version {
				return true
			}
		case "~":
			if c.Code == fc.Code && c.System == fc.System {
				return true
			}
		default:
			if c.Code == fc.Code && (fc.System == "" || c.System == fc.System) {
				return true
			}
		}
	}
	return false
}

// key is the index key of a filter code: system|code, or the bare code
// for "in" with a code without a system.
func (f *codeFilter) keys(ix *codeIndex, fc value.Code) []int {
	if fc.System == "" && f.comparator != "=" && f.comparator != "~" {
		return ix.byCode[fc.Code]
	}
	return ix.bySystem[fc.System+"|"+fc.Code]
}

// filterFor builds the code filter of a request.
func (s *store) filterFor(ctx context.Context, req request) (*codeFilter, error) {
	list, vs, err := filterCodes(req.codes)
	if err != nil {
		return nil, err
	}
	f := &codeFilter{comparator: req.comparator, list: list}
	switch req.comparator {
	case "", "in", "=", "~":
	default:
		return nil, fmt.Errorf("retrieve of %s: unknown code comparator %q", req.typ, req.comparator)
	}
	if vs != "" {
		if req.comparator == "=" || req.comparator == "~" {
			return nil, fmt.Errorf("retrieve of %s: the %s comparator compares codes; use in with value set %s", req.typ, req.comparator, vs)
		}
		if s.term == nil {
			return nil, fmt.Errorf("retrieve of %s in value set %s: no terminology service is configured", req.typ, vs)
		}
		exp, err := s.term.Expand(ctx, value.ValueSetRef{ID: vs})
		if err != nil {
			return nil, err
		}
		f.list = exp
	}
	return f, nil
}

// retrieve answers [typ: path in codes] from the store's resources of typ.
func (s *store) retrieve(ctx context.Context, typ, path string, codes value.Value) ([]value.Value, error) {
	return s.query(ctx, request{typ: typ, path: path, codes: codes})
}

// query answers a request from the store's resources of its type.
func (s *store) query(ctx context.Context, req request) ([]value.Value, error) {
	all := s.byType[req.typ]
	if req.codes != nil && req.path == "" {
		req.path = s.model.PrimaryCodePath(req.typ)
		if req.path == "" {
			return nil, fmt.Errorf("retrieve of %s has a code filter but %s has no primary code path", req.typ, req.typ)
		}
	}
	if req.related != nil {
		return s.queryRelated(ctx, req)
	}
	if req.codes == nil {
		out := make([]value.Value, len(all))
		for i, n := range all {
			out[i] = n
		}
		return out, nil
	}
	if len(all) == 0 {
		return nil, nil
	}
	f, err := s.filterFor(ctx, req)
	if err != nil {
		return nil, err
	}
	ix, err := s.index(req.typ, req.path)
	if err != nil {
		return nil, err
	}
	hit := map[int]bool{}
	for _, c := range f.list {
		for _, p := range f.keys(ix, c) {
			hit[p] = true
		}
	}
	idx := make([]int, 0, len(hit))
	for p := range hit {
		idx = append(idx, p)
	}
	sort.Ints(idx)
	out := make([]value.Value, 0, len(idx))
	for _, p := range idx {
		if f.comparator == "=" {
			// The index does not hold versions: check the candidate's codes.
			ok, err := s.codesMatch(all[p], req.path, f)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, all[p])
	}
	return out, nil
}

func (s *store) codesMatch(n *Node, path string, f *codeFilter) (bool, error) {
	cs, err := s.codesOf(n, path)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if f.matches(c) {
			return true, nil
		}
	}
	return false, nil
}

// queryRelated answers a related-context request: the resources relating
// to the target, then filtered by codes.
func (s *store) queryRelated(ctx context.Context, req request) ([]value.Value, error) {
	paths, self, err := relatedPaths(s.model, req.typ, req.related.typ)
	if err != nil {
		return nil, err
	}
	var cand []*Node
	if self {
		cand = s.self(*req.related)
	} else {
		for _, n := range s.byType[req.typ] {
			ok, err := s.refersTo(n, paths, *req.related)
			if err != nil {
				return nil, err
			}
			if ok {
				cand = append(cand, n)
			}
		}
	}
	var f *codeFilter
	if req.codes != nil && len(cand) > 0 {
		if f, err = s.filterFor(ctx, req); err != nil {
			return nil, err
		}
	}
	out := make([]value.Value, 0, len(cand))
	for _, n := range cand {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if f != nil {
			ok, err := s.codesMatch(n, req.path, f)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// BundleOptions configure a BundleRetriever.
type BundleOptions struct {
	// PatientID selects the subject patient. When empty, the only Patient
	// in the data is the subject; with no Patient (or several and no ID)
	// resources are not filtered by patient.
	PatientID string
	// Terminology expands value sets of `[T: code in "VS"]` retrieves.
	Terminology Terminology
	// StrictData refuses primitives that break their JSON type rule (a
	// number for a FHIR code): reading one is an error. By default such a
	// value is read as its text (or a numeric string as its number) with a
	// warning (see BundleRetriever.Warnings), as HAPI's lenient parser does.
	StrictData bool
}

// BundleRetriever answers retrieves from a data-in Bundle: its entries,
// including the entries of Bundles nested in it (an IPS document Bundle).
// In Patient context only the Patient and the resources about that
// patient (subject/patient references) are returned, with resources not
// tied to any patient (Medication, Practitioner, ...) kept.
type BundleRetriever struct {
	s *store
	// rel holds every resource of the data, also those of other patients:
	// related-context retrieves ([Mother -> Observation]) search it.
	rel     *store
	patient *Node
	src     *dataSource
}

// NewBundleRetriever indexes a Bundle (or a single resource) given as JSON.
func NewBundleRetriever(data []byte, opts BundleOptions) (*BundleRetriever, error) {
	m := R4()
	root, err := m.ParseResource(data)
	if err != nil {
		return nil, err
	}
	return NewBundleRetrieverFromNodes([]*Node{root}, opts)
}

// NewBundleRetrieverFromNodes indexes resources; Bundles among them are
// unpacked (recursively).
func NewBundleRetrieverFromNodes(roots []*Node, opts BundleOptions) (*BundleRetriever, error) {
	m := R4()
	all := newStore(m, opts.Terminology)
	src := &dataSource{strict: opts.StrictData}
	type item struct {
		n   *Node
		url string
	}
	var items []item
	var walk func(n *Node, url string, depth int) error
	walk = func(n *Node, url string, depth int) error {
		if depth > 8 {
			return n.errorf("Bundles nested too deep")
		}
		if n.TypeName() != "Bundle" {
			items = append(items, item{withSource(n, src), url})
			return nil
		}
		entries, _ := n.obj["entry"].([]any)
		for i, e := range entries {
			em, ok := e.(map[string]any)
			if !ok {
				return n.loc.child("entry", i).err("expected a JSON object for a Bundle entry")
			}
			raw, has := em["resource"]
			if !has {
				continue
			}
			obj, ok := raw.(map[string]any)
			if !ok {
				return n.loc.child("entry", i).err("expected a JSON object for entry.resource")
			}
			r, err := m.resourceNode(obj, n.loc.child("entry", i), "")
			if err != nil {
				return err
			}
			fu, _ := em["fullUrl"].(string)
			if err := walk(r, fu, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := walk(r, "", 0); err != nil {
			return nil, err
		}
	}
	// Drop repeated resources (the same Type/id in the outer and a nested Bundle).
	seen := map[string]bool{}
	kept := items[:0]
	for _, it := range items {
		if id := it.n.ID(); id != "" {
			k := it.n.TypeName() + "/" + id
			if seen[k] {
				if it.url != "" {
					all.byURL[it.url] = nil // filled below from the kept copy
				}
				continue
			}
			seen[k] = true
		}
		kept = append(kept, it)
	}
	// Find the subject patient.
	var patient *Node
	patientURLs := map[string]bool{}
	for _, it := range items {
		if it.n.TypeName() != "Patient" {
			continue
		}
		if opts.PatientID != "" && it.n.ID() != opts.PatientID {
			continue
		}
		if patient == nil {
			patient = it.n
		} else if patient.ID() != it.n.ID() {
			patient = nil // several patients and no choice: no filtering
			break
		}
	}
	if opts.PatientID != "" && patient == nil {
		return nil, fmt.Errorf("patient %s is not in the data", opts.PatientID)
	}
	if patient != nil {
		for _, it := range items {
			if it.url != "" && it.n.TypeName() == "Patient" && it.n.ID() == patient.ID() {
				patientURLs[it.url] = true
			}
		}
	}
	urls := map[string]*Node{}
	for _, it := range items {
		if it.url != "" {
			urls[it.url] = it.n
		}
	}
	items = kept
	r := &BundleRetriever{s: all, rel: all, patient: patient, src: src}
	if patient != nil {
		r.rel = newStore(m, opts.Terminology)
		for u := range all.byURL {
			r.rel.byURL[u] = nil // the dropped duplicates, filled by fixURLs
		}
	}
	for _, it := range items {
		if r.rel != all {
			r.rel.add(it.n, it.url)
		}
		if patient != nil && !belongsTo(it.n, patient, patientURLs) {
			continue
		}
		all.add(it.n, it.url)
	}
	fixURLs(all, urls)
	if r.rel != all {
		fixURLs(r.rel, urls)
	}
	return r, nil
}

// fixURLs points the fullUrls of dropped duplicate entries at the kept
// copy of the resource, and drops those of resources not in the store.
func fixURLs(st *store, urls map[string]*Node) {
	for u, n := range urls {
		if _, ok := st.byURL[u]; !ok || st.byURL[u] == nil {
			if k := st.byURL[n.TypeName()+"/"+n.ID()]; k != nil {
				st.byURL[u] = k
			} else {
				delete(st.byURL, u)
			}
		}
	}
	for u, n := range st.byURL {
		if n == nil {
			delete(st.byURL, u)
		}
	}
}

// belongsTo reports whether a resource is in the patient's data.
func belongsTo(n, patient *Node, patientURLs map[string]bool) bool {
	if n.TypeName() == "Patient" {
		return n.ID() == patient.ID()
	}
	paths := n.info.PatientPaths
	if len(paths) == 0 {
		return true
	}
	id := patient.ID()
	referenced := false
	for _, p := range paths {
		raw, ok := n.obj[p]
		if !ok {
			continue
		}
		refs, isList := raw.([]any)
		if !isList {
			refs = []any{raw}
		}
		for _, r := range refs {
			rm, _ := r.(map[string]any)
			ref, _ := rm["reference"].(string)
			if ref == "" {
				continue
			}
			referenced = true
			if ref == "Patient/"+id || patientURLs[ref] || strings.HasSuffix(ref, "/Patient/"+id) {
				return true
			}
		}
	}
	return !referenced
}

// Patient is the subject patient, nil when there is none.
func (r *BundleRetriever) Patient() *Node { return r.patient }

// Count is the number of resources of a type available to retrieves.
func (r *BundleRetriever) Count(typ string) int { return len(r.s.byType[typ]) }

// Retrieve implements the engine's Retriever: the resources of dataType
// whose codes at codePath (the type's primary code path when empty) are
// among codes (a Code, Concept, list of them, or a value set reference);
// all resources of the type when codes is nil.
func (r *BundleRetriever) Retrieve(ctx context.Context, dataType *types.Named, codePath string, codes value.Value) ([]value.Value, error) {
	if dataType == nil || dataType.Model != ModelName {
		return nil, fmt.Errorf("cannot retrieve %v from FHIR data", dataType)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.s.retrieve(ctx, dataType.Name, codePath, codes)
}

// RetrieveRequest implements the engine's RequestRetriever: Retrieve with
// the code comparator ("in", "=" or "~"; see codeFilter) and related-context
// retrieves ([Encounter -> Condition]: see related.go for the elements
// used). Related-context retrieves search all the resources of the data,
// not only those of the subject patient.
func (r *BundleRetriever) RetrieveRequest(ctx context.Context, req eval.RetrieveRequest) ([]value.Value, error) {
	if req.DataType == nil || req.DataType.Model != ModelName {
		return nil, fmt.Errorf("cannot retrieve %v from FHIR data", req.DataType)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := request{typ: req.DataType.Name, path: req.CodePath, codes: req.Codes, comparator: req.CodeComparator}
	if !req.HasContext {
		return r.s.query(ctx, q)
	}
	t, err := contextTarget(req.Context)
	if err != nil {
		return nil, err
	}
	q.related = &t
	return r.rel.query(ctx, q)
}

// Resolve finds a resource by reference ("Patient/p1" or a fullUrl).
func (r *BundleRetriever) Resolve(reference string) (*Node, bool) {
	n, ok := r.s.byURL[reference]
	return n, ok
}

// Both retrievers take the engine's full retrieve requests.
var (
	_ eval.RequestRetriever = (*BundleRetriever)(nil)
	_ eval.RequestRetriever = (*RESTRetriever)(nil)
)

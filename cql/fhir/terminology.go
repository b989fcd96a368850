package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/ccg-project/ccg/cql/eval"
	"github.com/ccg-project/ccg/cql/value"
)

// Terminology answers value set questions for retrieves and the `in`
// operator.
type Terminology interface {
	// InValueSet reports whether code is in the value set whose canonical
	// URL is vs.ID (optionally "url|version").
	InValueSet(ctx context.Context, code value.Code, vs value.ValueSetRef) (bool, error)
	// Expand returns the codes of the value set.
	Expand(ctx context.Context, vs value.ValueSetRef) ([]value.Code, error)
}

// ValueSetNotFoundError reports a value set the terminology does not know.
type ValueSetNotFoundError struct{ URL string }

func (e *ValueSetNotFoundError) Error() string {
	return fmt.Sprintf("value set %s not found", e.URL)
}

// Expansion is the expanded contents of a value set, indexed for membership.
type Expansion struct {
	URL   string
	Codes []value.Code
	// bySystem maps system|code, byCode the bare code (for codes without a system).
	bySystem map[string]bool
	byCode   map[string]bool
}

func newExpansion(url string, codes []value.Code) *Expansion {
	e := &Expansion{URL: url, Codes: codes, bySystem: make(map[string]bool, len(codes)), byCode: make(map[string]bool, len(codes))}
	for _, c := range codes {
		e.bySystem[c.System+"|"+c.Code] = true
		e.byCode[c.Code] = true
	}
	return e
}

// Contains reports whether the code is in the expansion: same system and
// code, or the same code when the code has no system.
func (e *Expansion) Contains(c value.Code) bool {
	if c.System == "" {
		return e.byCode[c.Code]
	}
	return e.bySystem[c.System+"|"+c.Code]
}

// splitCanonical splits "url|version".
func splitCanonical(s string) (string, string) {
	if i := strings.LastIndexByte(s, '|'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// ValueSetStore is a Terminology over ValueSet (and CodeSystem) resources
// held in memory. Expansions are computed once per value set: from
// expansion.contains when present, else from compose (concept lists,
// whole code systems and filters when the CodeSystem is loaded, included
// value sets, excludes).
type ValueSetStore struct {
	mu          sync.Mutex
	valueSets   map[string]map[string]any // url -> ValueSet JSON
	codeSystems map[string]*codeSystem
	expansions  map[string]*Expansion
	expanding   map[string]bool
}

type csConcept struct {
	code, display string
	parent        string
	props         map[string][]string
}

type codeSystem struct {
	url, version string
	// content is CodeSystem.content: complete, fragment, example,
	// not-present or supplement ("" is taken as complete).
	content       string
	caseSensitive bool
	concepts      []*csConcept
	byCode        map[string]*csConcept
	// byFolded holds the codes lower-cased, for code systems that are not
	// case sensitive.
	byFolded map[string]*csConcept
}

// NewValueSetStore returns an empty store.
func NewValueSetStore() *ValueSetStore {
	return &ValueSetStore{valueSets: map[string]map[string]any{}, codeSystems: map[string]*codeSystem{},
		expansions: map[string]*Expansion{}, expanding: map[string]bool{}}
}

// AddResource adds a ValueSet or CodeSystem resource (decoded JSON); other
// resources, and Bundles of them, are walked for ValueSets and CodeSystems.
func (s *ValueSetStore) AddResource(obj map[string]any) error {
	switch rt, _ := obj["resourceType"].(string); rt {
	case "ValueSet":
		url, _ := obj["url"].(string)
		if url == "" {
			return &DataError{Resource: "ValueSet/" + str(obj["id"]), Msg: "value set without a url"}
		}
		s.mu.Lock()
		s.valueSets[url] = obj
		delete(s.expansions, url)
		s.mu.Unlock()
	case "CodeSystem":
		cs, err := parseCodeSystem(obj)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.codeSystems[cs.url] = cs
		s.expansions = map[string]*Expansion{}
		s.mu.Unlock()
	case "Bundle":
		for _, r := range entryResources(obj) {
			if err := s.AddResource(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddJSON adds a ValueSet, CodeSystem or Bundle given as JSON.
func (s *ValueSetStore) AddJSON(data []byte) error {
	obj, err := decodeObject(data)
	if err != nil {
		return err
	}
	return s.AddResource(obj)
}

// LoadDir adds every ValueSet, CodeSystem or Bundle under dir
// (recursively), in JSON (.json) or XML (.xml); other files are ignored.
func (s *ValueSetStore) LoadDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		isXML := strings.HasSuffix(p, ".xml")
		if !isXML && !strings.HasSuffix(p, ".json") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if isXML {
			head := string(data[:min(len(data), 400)])
			if !strings.Contains(head, "<ValueSet") && !strings.Contains(head, "<CodeSystem") && !strings.Contains(head, "<Bundle") {
				return nil
			}
			obj, err := R4().DecodeXML(data)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if err := s.AddResource(obj); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			return nil
		}
		if !strings.Contains(string(data[:min(len(data), 400)]), `"resourceType"`) {
			return nil
		}
		if err := s.AddJSON(data); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
}

// Len is the number of value sets in the store.
func (s *ValueSetStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.valueSets)
}

func str(v any) string { s, _ := v.(string); return s }

func parseCodeSystem(obj map[string]any) (*codeSystem, error) {
	cs := &codeSystem{url: str(obj["url"]), version: str(obj["version"]), content: str(obj["content"]),
		byCode: map[string]*csConcept{}}
	// caseSensitive has no default in R4; codes are compared exactly unless
	// the code system says it is not case sensitive.
	if b, ok := obj["caseSensitive"].(bool); !ok || b {
		cs.caseSensitive = true
	} else {
		cs.byFolded = map[string]*csConcept{}
	}
	if cs.url == "" {
		return nil, &DataError{Resource: "CodeSystem/" + str(obj["id"]), Msg: "code system without a url"}
	}
	var walk func(list []any, parent string)
	walk = func(list []any, parent string) {
		for _, c := range list {
			cm, _ := c.(map[string]any)
			if cm == nil {
				continue
			}
			cc := &csConcept{code: str(cm["code"]), display: str(cm["display"]), parent: parent, props: map[string][]string{}}
			props, _ := cm["property"].([]any)
			for _, p := range props {
				pm, _ := p.(map[string]any)
				code := str(pm["code"])
				for k, v := range pm {
					if strings.HasPrefix(k, "value") {
						switch x := v.(type) {
						case string:
							cc.props[code] = append(cc.props[code], x)
						case bool:
							cc.props[code] = append(cc.props[code], fmt.Sprint(x))
						case json.Number:
							cc.props[code] = append(cc.props[code], string(x))
						case map[string]any: // valueCoding
							cc.props[code] = append(cc.props[code], str(x["code"]))
						}
					}
				}
				if code == "parent" && cc.parent == "" && len(cc.props[code]) > 0 {
					cc.parent = cc.props[code][0]
				}
			}
			cs.concepts = append(cs.concepts, cc)
			cs.byCode[cc.code] = cc
			if cs.byFolded != nil {
				cs.byFolded[strings.ToLower(cc.code)] = cc
			}
			kids, _ := cm["concept"].([]any)
			walk(kids, cc.code)
		}
	}
	top, _ := obj["concept"].([]any)
	walk(top, "")
	return cs, nil
}

// descends reports whether code is below (or equal to, when self) anc.
func (cs *codeSystem) descends(code, anc string, self bool) bool {
	if code == anc {
		return self
	}
	seen := 0
	for c := cs.byCode[code]; c != nil && c.parent != "" && seen < 1000; seen++ {
		if c.parent == anc {
			return true
		}
		c = cs.byCode[c.parent]
	}
	return false
}

// Expand implements Terminology.
func (s *ValueSetStore) Expand(ctx context.Context, vs value.ValueSetRef) ([]value.Code, error) {
	e, err := s.Expansion(ctx, vs.ID)
	if err != nil {
		return nil, err
	}
	return e.Codes, nil
}

// InValueSet implements Terminology.
func (s *ValueSetStore) InValueSet(ctx context.Context, code value.Code, vs value.ValueSetRef) (bool, error) {
	e, err := s.Expansion(ctx, vs.ID)
	if err != nil {
		return false, err
	}
	return e.Contains(code), nil
}

// Expansion returns the (cached) expansion of a value set.
func (s *ValueSetStore) Expansion(ctx context.Context, url string) (*Expansion, error) {
	u, _ := splitCanonical(url)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expandLocked(ctx, u)
}

func (s *ValueSetStore) expandLocked(ctx context.Context, url string) (*Expansion, error) {
	if e, ok := s.expansions[url]; ok {
		return e, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, ok := s.valueSets[url]
	if !ok {
		return nil, &ValueSetNotFoundError{URL: url}
	}
	if s.expanding[url] {
		return nil, fmt.Errorf("value set %s includes itself", url)
	}
	s.expanding[url] = true
	defer delete(s.expanding, url)
	var codes []value.Code
	if exp, ok := vs["expansion"].(map[string]any); ok {
		var walk func(list []any)
		walk = func(list []any) {
			for _, c := range list {
				cm, _ := c.(map[string]any)
				if cm == nil {
					continue
				}
				if code := str(cm["code"]); code != "" {
					codes = append(codes, value.Code{Code: code, System: str(cm["system"]), Version: str(cm["version"]), Display: str(cm["display"])})
				}
				kids, _ := cm["contains"].([]any)
				walk(kids)
			}
		}
		list, _ := exp["contains"].([]any)
		walk(list)
	} else {
		compose, _ := vs["compose"].(map[string]any)
		// A value set with neither an expansion nor a compose (a
		// placeholder definition) has no members.
		incl, _ := compose["include"].([]any)
		for _, in := range incl {
			cs, err := s.composePart(ctx, url, in)
			if err != nil {
				return nil, err
			}
			codes = append(codes, cs...)
		}
		excl, _ := compose["exclude"].([]any)
		if len(excl) > 0 {
			out := map[string]bool{}
			for _, ex := range excl {
				cs, err := s.composePart(ctx, url, ex)
				if err != nil {
					return nil, err
				}
				for _, c := range cs {
					out[c.System+"|"+c.Code] = true
				}
			}
			kept := codes[:0]
			for _, c := range codes {
				if !out[c.System+"|"+c.Code] {
					kept = append(kept, c)
				}
			}
			codes = kept
		}
	}
	codes = dedupe(codes)
	e := newExpansion(url, codes)
	s.expansions[url] = e
	return e, nil
}

func dedupe(codes []value.Code) []value.Code {
	seen := make(map[string]bool, len(codes))
	out := codes[:0]
	for _, c := range codes {
		k := c.System + "|" + c.Code
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

// composePart expands one include or exclude element.
func (s *ValueSetStore) composePart(ctx context.Context, url string, part any) ([]value.Code, error) {
	pm, _ := part.(map[string]any)
	if pm == nil {
		return nil, nil
	}
	system, version := str(pm["system"]), str(pm["version"])
	var fromSystem []value.Code
	hasSystem := system != ""
	if hasSystem {
		concepts, _ := pm["concept"].([]any)
		filters, _ := pm["filter"].([]any)
		switch {
		case len(concepts) > 0:
			for _, c := range concepts {
				cm, _ := c.(map[string]any)
				if code := str(cm["code"]); code != "" {
					fromSystem = append(fromSystem, value.Code{Code: code, System: system, Version: version, Display: str(cm["display"])})
				}
			}
		default:
			cs, ok := s.codeSystems[system]
			if !ok {
				if len(filters) > 0 {
					return nil, fmt.Errorf("value set %s: cannot apply filters on code system %s, which is not loaded", url, system)
				}
				return nil, fmt.Errorf("value set %s: cannot expand all of code system %s, which is not loaded", url, system)
			}
			for _, c := range cs.concepts {
				ok, err := matchFilters(cs, c, filters)
				if err != nil {
					return nil, fmt.Errorf("value set %s: %v", url, err)
				}
				if ok {
					fromSystem = append(fromSystem, value.Code{Code: c.code, System: system, Version: version, Display: c.display})
				}
			}
		}
	}
	sets, _ := pm["valueSet"].([]any)
	if len(sets) == 0 {
		return fromSystem, nil
	}
	// The included value sets intersect each other and the system part.
	var result []value.Code
	for i, vsu := range sets {
		u, _ := splitCanonical(str(vsu))
		e, err := s.expandLocked(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("value set %s includes %w", url, err)
		}
		if i == 0 {
			result = append([]value.Code(nil), e.Codes...)
			continue
		}
		kept := result[:0]
		for _, c := range result {
			if e.Contains(c) {
				kept = append(kept, c)
			}
		}
		result = kept
	}
	if hasSystem {
		in := newExpansion("", fromSystem)
		kept := result[:0]
		for _, c := range result {
			if in.Contains(c) {
				kept = append(kept, c)
			}
		}
		result = kept
	}
	return result, nil
}

func matchFilters(cs *codeSystem, c *csConcept, filters []any) (bool, error) {
	for _, f := range filters {
		fm, _ := f.(map[string]any)
		prop, op, val := str(fm["property"]), str(fm["op"]), str(fm["value"])
		var ok bool
		switch op {
		case "is-a":
			ok = cs.descends(c.code, val, true)
		case "descendent-of":
			ok = cs.descends(c.code, val, false)
		case "is-not-a":
			ok = !cs.descends(c.code, val, true)
		case "=", "in", "not-in", "regex":
			var vals []string
			if prop == "code" || prop == "concept" {
				vals = []string{c.code}
			} else if prop == "display" {
				vals = []string{c.display}
			} else {
				vals = c.props[prop]
			}
			switch op {
			case "=":
				ok = contains(vals, val)
			case "in":
				for _, v := range strings.Split(val, ",") {
					ok = ok || contains(vals, strings.TrimSpace(v))
				}
			case "not-in":
				ok = true
				for _, v := range strings.Split(val, ",") {
					ok = ok && !contains(vals, strings.TrimSpace(v))
				}
			case "regex":
				re, err := regexp.Compile("^(?:" + val + ")$")
				if err != nil {
					return false, fmt.Errorf("bad regex filter %q: %v", val, err)
				}
				for _, v := range vals {
					ok = ok || re.MatchString(v)
				}
			}
		default:
			return false, fmt.Errorf("unsupported value set filter operator %q", op)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// URLs lists the value sets in the store.
func (s *ValueSetStore) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.valueSets))
	for u := range s.valueSets {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// CodeSystemMember answers code system membership: `code in "CodeSystem"`
// (InCodeSystem / AnyInCodeSystem). ValueSetStore and RemoteTerminology
// implement it: a code with a different system is not a member; a code
// without a system is looked up by its code alone.
type CodeSystemMember = eval.CodeSystemMember

// CodeSystemNotFoundError reports a code system the terminology does not
// know (or not at the version asked for).
type CodeSystemNotFoundError struct{ URL, Version string }

// Is lets the evaluator recognise the error (errors.Is with
// eval.ErrCodeSystemNotFound) and fall back to comparing system URLs.
func (e *CodeSystemNotFoundError) Is(target error) bool { return target == eval.ErrCodeSystemNotFound }

func (e *CodeSystemNotFoundError) Error() string {
	if e.Version != "" {
		return fmt.Sprintf("code system %s version %s not found", e.URL, e.Version)
	}
	return fmt.Sprintf("code system %s not found", e.URL)
}

// InCodeSystem implements CodeSystemMember over the CodeSystem resources
// of the store: the code is a member when one of the code system's
// concepts (at any depth of the concept hierarchy) has it, compared
// case-insensitively when the code system is not case sensitive. A code
// system whose content is not-present, or a fragment or example that does
// not hold the code, cannot answer: that is an error.
func (s *ValueSetStore) InCodeSystem(ctx context.Context, code value.Code, ref value.CodeSystemRef) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	u, ver := splitCanonical(ref.ID)
	if ref.Version != "" {
		ver = ref.Version
	}
	s.mu.Lock()
	cs, ok := s.codeSystems[u]
	s.mu.Unlock()
	if !ok {
		return false, &CodeSystemNotFoundError{URL: u, Version: ver}
	}
	if ver != "" && cs.version != "" && ver != cs.version {
		return false, &CodeSystemNotFoundError{URL: u, Version: ver}
	}
	if code.System != "" && code.System != u {
		return false, nil
	}
	if code.Version != "" && cs.version != "" && code.Version != cs.version {
		return false, nil
	}
	if cs.content == "not-present" {
		return false, fmt.Errorf("code system %s: its concepts are not in the package (content not-present)", u)
	}
	found := cs.byCode[code.Code] != nil
	if !found && cs.byFolded != nil {
		found = cs.byFolded[strings.ToLower(code.Code)] != nil
	}
	if !found && (cs.content == "fragment" || cs.content == "example") {
		return false, fmt.Errorf("code system %s holds only a %s of its concepts: cannot tell whether %s is one", u, cs.content, code.Code)
	}
	return found, nil
}

// Package engine is the CCG Guideline Engine: it holds the loaded CCG
// packages and answers Apply Guideline [QRPH-64] requests, the CPG
// PlanDefinition $apply operation, over a data-in Bundle.
//
// The set of loaded packages is swapped atomically (Load, Replace,
// Remove): an $apply in flight keeps the set it started with. Compiled
// packages are cached by canonical|version and content hash, so
// re-loading an unchanged package does not compile its CQL again.
package engine

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/google/uuid"
	"go.uber.org/zap"
)

// Options configure an Engine.
type Options struct {
	// Logger receives warnings about the loaded set (two packages claiming
	// one canonical); nil: none.
	Logger *zap.Logger
	// Now returns the evaluation time; nil means time.Now.
	Now func() time.Time
	// MaxListSize bounds lists built by one CQL evaluation (0: 1,000,000).
	MaxListSize int
	// EvalBytes bounds the bytes of the values one CQL evaluation builds
	// and MaxStringLen its strings (0: no byte limit, the engine's default
	// string limit; see cql.EvalOptions).
	EvalBytes, MaxStringLen int
	// CacheSize bounds the compiled-package cache (0: 64 packages).
	CacheSize int
	// NewID returns the id of each resource an answer writes (every
	// Bundle entry gets the fullUrl "urn:uuid:" + id); nil means
	// uuid.NewString, so that ids are unique per answer. A deterministic
	// source serves reproducible outputs (examples/internal/genexpected).
	NewID func() string
}

// Engine is the Guideline Engine. It is safe for concurrent use.
type Engine struct {
	opts Options
	set  atomic.Pointer[pkgSet]

	mu    sync.Mutex // serialises writers of set and the cache
	cache map[string]*content.Package
	order []string // cache keys, oldest first
	// first is when a package name was first loaded: its claim on
	// canonicals when the repository gave no publication date.
	first map[string]time.Time
}

// pkgSet is an immutable snapshot of the loaded packages.
type pkgSet struct {
	pkgs  []*content.Package // sorted by name
	byRef map[string]*content.Package
	// owner maps a canonical URL (without version) to the package that
	// owns it: of the loaded packages holding a resource with that url
	// (terminology aside, see fhirpkg.ClaimsCanonical), the one published
	// (or loaded) first. Only the owner answers for the canonical.
	owner     map[string]*content.Package
	conflicts []Conflict
}

// Conflict is a canonical URL that two loaded packages claim.
type Conflict struct {
	URL     string
	Owner   string // "name@version" of the package that answers for it
	Ignored string // "name@version" of the package whose resource is ignored
}

// New returns an Engine with no packages.
func New(opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxListSize == 0 {
		opts.MaxListSize = 1_000_000
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 64
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.NewID == nil {
		opts.NewID = uuid.NewString
	}
	e := &Engine{opts: opts, cache: map[string]*content.Package{}, first: map[string]time.Time{}}
	e.set.Store(e.newSet(nil))
	return e
}

// newSet builds a snapshot; e.mu is held (or e is being created).
func (e *Engine) newSet(pkgs []*content.Package) *pkgSet {
	s := &pkgSet{pkgs: append([]*content.Package(nil), pkgs...), byRef: map[string]*content.Package{}, owner: map[string]*content.Package{}}
	sort.SliceStable(s.pkgs, func(i, j int) bool { return s.pkgs[i].Name < s.pkgs[j].Name })
	obs.PackagesLoaded.Set(float64(len(s.pkgs)))
	// Claims go by first publication (or first load), then name.
	since := func(p *content.Package) time.Time {
		if !p.Published.IsZero() {
			return p.Published
		}
		return e.first[p.Name]
	}
	byAge := append([]*content.Package(nil), s.pkgs...)
	sort.SliceStable(byAge, func(i, j int) bool { return since(byAge[i]).Before(since(byAge[j])) })
	for _, p := range byAge {
		for _, r := range p.Resources {
			u := fj.Str(r, "url")
			if u == "" || !fhirpkg.ClaimsCanonical(fj.Type(r)) {
				continue
			}
			if o, ok := s.owner[u]; !ok {
				s.owner[u] = p
			} else if o != p {
				s.conflicts = append(s.conflicts, Conflict{URL: u, Owner: o.Name + "@" + o.Version, Ignored: p.Name + "@" + p.Version})
			}
		}
	}
	for _, p := range byAge {
		for _, r := range p.Resources {
			if fj.ID(r) == "" || !s.serves(p, r) {
				continue
			}
			k := fj.Ref(r)
			if _, dup := s.byRef[k]; !dup {
				s.byRef[k] = p
			}
		}
	}
	return s
}

// serves reports whether p may answer for r: r's canonical is not owned
// by another package.
func (s *pkgSet) serves(p *content.Package, r map[string]any) bool {
	o, ok := s.owner[fj.Str(r, "url")]
	return !ok || o == p
}

// store swaps in a new set of packages and warns about canonicals that
// became contested; e.mu is held.
func (e *Engine) store(pkgs []*content.Package) {
	now := time.Now()
	for _, p := range pkgs {
		if _, ok := e.first[p.Name]; !ok {
			e.first[p.Name] = now
		}
	}
	old := e.set.Load()
	seen := map[Conflict]bool{}
	if old != nil {
		for _, c := range old.conflicts {
			seen[c] = true
		}
	}
	next := e.newSet(pkgs)
	for _, c := range next.conflicts {
		if !seen[c] {
			e.opts.Logger.Warn("two loaded packages claim one canonical: only its owner (published first) answers for it",
				zap.String("canonical", c.URL), zap.String("owner", c.Owner), zap.String("ignored", c.Ignored))
		}
	}
	e.set.Store(next)
}

// Conflicts lists the canonicals that more than one loaded package claims.
func (e *Engine) Conflicts() []Conflict {
	return append([]Conflict(nil), e.set.Load().conflicts...)
}

// Packages lists the loaded packages.
func (e *Engine) Packages() []*content.Package {
	return append([]*content.Package(nil), e.set.Load().pkgs...)
}

// Load adds p, replacing a loaded package of the same name.
func (e *Engine) Load(p *content.Package) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remember(p)
	var next []*content.Package
	for _, q := range e.set.Load().pkgs {
		if q.Name != p.Name {
			next = append(next, q)
		}
	}
	e.store(append(next, p))
}

// Replace swaps the whole set of loaded packages at once.
func (e *Engine) Replace(pkgs []*content.Package) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range pkgs {
		e.remember(p)
	}
	e.store(pkgs)
}

// Remove unloads the package named name; it reports whether one was loaded.
func (e *Engine) Remove(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	var next []*content.Package
	found := false
	for _, q := range e.set.Load().pkgs {
		if q.Name == name {
			found = true
			continue
		}
		next = append(next, q)
	}
	if found {
		delete(e.first, name)
		e.store(next)
	}
	return found
}

// Cached returns a compiled package by canonical|version and content
// hash, or nil. Callers that read a package (the registry's sync, the
// folder loader) use it to skip compiling unchanged content.
func (e *Engine) Cached(key, hash string) *content.Package {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.cache[key]; p != nil && p.Hash == hash {
		return p
	}
	return nil
}

// LoadPath reads, validates and compiles the package at path (folder or
// .tgz) — or takes it from the cache when its content is unchanged — and
// loads it.
func (e *Engine) LoadPath(path string, opts content.Options) (*content.Package, error) {
	p, err := content.LoadPath(path, opts)
	if err != nil {
		return nil, err
	}
	if c := e.Cached(p.Key(), p.Hash); c != nil {
		p = c
	}
	e.Load(p)
	return p, nil
}

// LoadFHIRPackage loads an unpacked FHIR package (as the registry holds
// it): the compiled package comes from the cache when a package with the
// same name, version and content hash was compiled before; otherwise it
// is validated and compiled. This is the registry sync's entry point.
func (e *Engine) LoadFHIRPackage(fp *fhirpkg.Package, source string, opts content.Options) (*content.Package, error) {
	hash := content.Hash(fp)
	e.mu.Lock()
	var hit *content.Package
	for _, p := range e.cache {
		if p.Hash == hash && p.Name == fp.Manifest.Name && p.Version == fp.Manifest.Version {
			hit = p
			break
		}
	}
	e.mu.Unlock()
	if hit == nil {
		var err error
		if hit, err = content.FromFHIRPackage(fp, source, opts); err != nil {
			return nil, err
		}
	}
	e.Load(hit)
	return hit, nil
}

func (e *Engine) remember(p *content.Package) {
	k := p.Key()
	if _, ok := e.cache[k]; !ok {
		e.order = append(e.order, k)
	}
	e.cache[k] = p
	for len(e.order) > e.opts.CacheSize {
		delete(e.cache, e.order[0])
		e.order = e.order[1:]
	}
}

// lookupRef finds "Type/id" among the loaded packages.
func (s *pkgSet) lookupRef(typ, id string) (*content.Package, map[string]any) {
	if p := s.byRef[typ+"/"+id]; p != nil {
		return p, p.Resource(typ, id)
	}
	return nil, nil
}

// lookupCanonical finds a resource by canonical, preferring pkg; a
// canonical a package owns is answered by that package only.
func (s *pkgSet) lookupCanonical(pref *content.Package, canonical string) (*content.Package, map[string]any) {
	if o := s.owner[fj.Canonical(canonical)]; o != nil {
		if r := o.ByCanonical(canonical); r != nil {
			return o, r
		}
		return nil, nil
	}
	if pref != nil {
		if r := pref.ByCanonical(canonical); r != nil {
			return pref, r
		}
	}
	for _, p := range s.pkgs {
		if p == pref {
			continue
		}
		if r := p.ByCanonical(canonical); r != nil {
			return p, r
		}
	}
	return nil, nil
}

// library finds a compiled library by canonical or "Library/id",
// preferring pkg; a canonical a package owns is answered by that package
// only.
func (s *pkgSet) library(pref *content.Package, ref string) *content.Library {
	if o := s.owner[fj.Canonical(ref)]; o != nil {
		return o.Library(ref)
	}
	if pref != nil {
		if l := pref.Library(ref); l != nil {
			return l
		}
	}
	for _, p := range s.pkgs {
		if l := p.Library(ref); l != nil {
			return l
		}
	}
	return nil
}

// PlanDefinition finds a loaded PlanDefinition by id.
func (e *Engine) PlanDefinition(id string) (map[string]any, bool) {
	_, r := e.set.Load().lookupRef("PlanDefinition", id)
	return r, r != nil
}

// String describes the loaded set.
func (e *Engine) String() string {
	s := e.set.Load()
	return fmt.Sprintf("engine with %d packages", len(s.pkgs))
}

// ByCanonical finds a loaded resource by canonical ("url|version").
func (e *Engine) ByCanonical(canonical string) (map[string]any, bool) {
	_, r := e.set.Load().lookupCanonical(nil, canonical)
	return r, r != nil
}

// Resource finds a loaded resource by type and id.
func (e *Engine) Resource(typ, id string) (map[string]any, bool) {
	_, r := e.set.Load().lookupRef(typ, id)
	return r, r != nil
}

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

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/registry/fhirpkg"
)

// Options configure an Engine.
type Options struct {
	// Now returns the evaluation time; nil means time.Now.
	Now func() time.Time
	// MaxListSize bounds lists built by one CQL evaluation (0: 1,000,000).
	MaxListSize int
	// CacheSize bounds the compiled-package cache (0: 64 packages).
	CacheSize int
}

// Engine is the Guideline Engine. It is safe for concurrent use.
type Engine struct {
	opts Options
	set  atomic.Pointer[pkgSet]

	mu    sync.Mutex // serialises writers of set and the cache
	cache map[string]*content.Package
	order []string // cache keys, oldest first
}

// pkgSet is an immutable snapshot of the loaded packages.
type pkgSet struct {
	pkgs  []*content.Package // sorted by name
	byRef map[string]*content.Package
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
	e := &Engine{opts: opts, cache: map[string]*content.Package{}}
	e.set.Store(newSet(nil))
	return e
}

func newSet(pkgs []*content.Package) *pkgSet {
	s := &pkgSet{pkgs: append([]*content.Package(nil), pkgs...), byRef: map[string]*content.Package{}}
	sort.SliceStable(s.pkgs, func(i, j int) bool { return s.pkgs[i].Name < s.pkgs[j].Name })
	obs.PackagesLoaded.Set(float64(len(s.pkgs)))
	for _, p := range s.pkgs {
		for _, r := range p.Resources {
			if fj.ID(r) == "" {
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
	e.set.Store(newSet(append(next, p)))
}

// Replace swaps the whole set of loaded packages at once.
func (e *Engine) Replace(pkgs []*content.Package) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range pkgs {
		e.remember(p)
	}
	e.set.Store(newSet(pkgs))
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
		e.set.Store(newSet(next))
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

// lookupCanonical finds a resource by canonical, preferring pkg.
func (s *pkgSet) lookupCanonical(pref *content.Package, canonical string) (*content.Package, map[string]any) {
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

// Package content loads CCG deployment packages for the Guideline Engine:
// a FHIR NPM package (folder or .tgz, read with cards/fhirpkg) holding
// the ImplementationGuide, the CCG Folder(s), the CARDs (eca-rule
// PlanDefinitions and their ActivityDefinitions), the CQL Libraries, value
// sets and code systems. Loading validates every resource against the CCG
// profiles (cards/validate) and compiles every CQL library once, so that
// $apply only evaluates. A loaded Package is immutable and safe for
// concurrent use.
package content

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/fhirpath"
	"github.com/ccg-project/ccg/cql/value"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// Problem is one thing wrong with a package: a profile violation, a CQL
// compile error, a file that does not parse.
type Problem struct {
	Resource string // "PlanDefinition/card-1", a file name, or "package"
	Path     string // element path, "" for the resource itself
	Message  string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Resource + ": " + p.Message
	}
	return p.Resource + " " + p.Path + ": " + p.Message
}

// Library is a compiled CQL library of the package.
type Library struct {
	// URL and Version are the Library resource's canonical and version.
	URL, Version string
	// Resource is "Library/id".
	Resource string
	// CQL is the compiled library; nil when it did not compile.
	CQL *cql.Library
	// Errors are the compile errors when CQL is nil.
	Errors cql.Errors
	// Source is the library's CQL text.
	Source string
}

// Package is a loaded, validated and compiled CCG package.
type Package struct {
	// Name and Version come from package.json.
	Name, Version string
	// Canonical is the ImplementationGuide's url (the package name when
	// there is no ImplementationGuide).
	Canonical string
	// Source is where the package was read from.
	Source string
	// Hash is the SHA-256 of the package's files, hex.
	Hash string
	// Published is when the repository first published the package's
	// name (zero for packages read from disk): the engine gives a
	// canonical that several loaded packages hold to the one published
	// first.
	Published time.Time
	// Resources are the package's resources in file-name order.
	Resources []map[string]any
	// Problems are the profile violations and compile errors found.
	Problems []Problem
	// Inactive lists, with the Trusted CCG option (Options.TrustedCCG),
	// the PlanDefinitions ("PlanDefinition/id") that are not applicable
	// because they or an artifact they rely on are unsigned, signed by an
	// untrusted key or do not match their signature; values say why. Nil
	// without the option.
	Inactive map[string]string

	byURL     map[string][]map[string]any // canonical -> versions
	byRef     map[string]map[string]any   // "Type/id"
	libraries map[string]*Library         // url and url|version
	terms     *fhir.ValueSetStore
	env       *cql.Env
	inline    sync.Map // expression source -> *inlineResult
	fhirpaths sync.Map // expression source -> *fhirPathResult
}

type fhirPathResult struct {
	once sync.Once
	x    *fhirpath.Expr
	err  error
}

// FHIRPath parses a text/fhirpath expression once per package.
func (p *Package) FHIRPath(expr string) (*fhirpath.Expr, error) {
	v, _ := p.fhirpaths.LoadOrStore(expr, &fhirPathResult{})
	r := v.(*fhirPathResult)
	r.once.Do(func() { r.x, r.err = fhirpath.Parse(expr) })
	return r.x, r.err
}

type inlineResult struct {
	once sync.Once
	lib  *cql.Library
	err  error
}

// InlineDefine is the define that InlineCQL wraps an expression in.
const InlineDefine = "Expression"

// InlineCQL compiles a text/cql expression that is not the name of a
// define (CPG's inline CQL) once per package: it becomes the define
// "Expression" of a library that uses FHIR 4.0.1, includes FHIRHelpers
// and the given libraries (each under its own name, so the expression
// can say Lib."Define"), in Patient context.
func (p *Package) InlineCQL(expr string, includes []*Library) (*cql.Library, error) {
	var key strings.Builder
	for _, l := range includes {
		key.WriteString(l.URL + "|" + l.Version + ";")
	}
	key.WriteString(expr)
	v, _ := p.inline.LoadOrStore(key.String(), &inlineResult{})
	r := v.(*inlineResult)
	r.once.Do(func() {
		var src strings.Builder
		src.WriteString("library CCGInlineExpression version '0'\nusing FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1' called FHIRHelpers\n")
		for _, l := range includes {
			if l.CQL == nil || l.CQL.Name == "FHIRHelpers" {
				continue
			}
			fmt.Fprintf(&src, "include %s", l.CQL.Name)
			if l.CQL.Version != "" {
				fmt.Fprintf(&src, " version '%s'", strings.ReplaceAll(l.CQL.Version, "'", ""))
			}
			fmt.Fprintf(&src, " called %s\n", l.CQL.Name)
		}
		src.WriteString("context Patient\ndefine \"" + InlineDefine + "\":\n  " + expr + "\n")
		lib, errs := p.env.Compile("inline expression", src.String())
		if len(errs) > 0 {
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
			}
			r.err = fmt.Errorf("inline CQL %q does not compile: %s", expr, strings.Join(msgs, "; "))
			return
		}
		r.lib = lib
	})
	return r.lib, r.err
}

// Key is "canonical|version", the cache key of compiled packages.
func (p *Package) Key() string { return p.Canonical + "|" + p.Version }

// Options tune loading.
type Options struct {
	// Limits bound .tgz reads; zero means fhirpkg.DefaultLimits.
	Limits fhirpkg.Limits
	// CQLDirs are extra folders of .cql files for Libraries whose content
	// is a url rather than inline data.
	CQLDirs []string
	// RequireIG asks validation for exactly one ImplementationGuide and a
	// Folder (the deployment package rules). Off for ad-hoc content.
	RequireIG bool
	// TrustedCCG turns on the Trusted CCG option: PlanDefinitions whose
	// artifacts are not signed by one of TrustedKeys are marked Inactive.
	TrustedCCG  bool
	TrustedKeys sign.Keyring
}

// LoadPath reads a package from a folder (the package/ folder itself, or
// a folder holding package/) or a .tgz file, then validates and compiles.
func LoadPath(path string, opts Options) (*Package, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var fp *fhirpkg.Package
	if fi.IsDir() {
		fp, err = readDir(path)
	} else {
		var data []byte
		data, err = os.ReadFile(path)
		if err == nil {
			lim := opts.Limits
			if lim == (fhirpkg.Limits{}) {
				lim = fhirpkg.DefaultLimits
			}
			fp, err = fhirpkg.ReadTarball(data, lim)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return FromFHIRPackage(fp, path, opts)
}

// readDir reads a package folder into the same shape ReadTarball gives.
func readDir(dir string) (*fhirpkg.Package, error) {
	if fi, err := os.Stat(filepath.Join(dir, "package")); err == nil && fi.IsDir() {
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
			dir = filepath.Join(dir, "package")
		}
	}
	p := &fhirpkg.Package{Files: map[string][]byte{}}
	var total int64
	err := filepath.WalkDir(dir, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		total += int64(len(b))
		if total > fhirpkg.DefaultLimits.MaxUnpacked {
			return fhirpkg.ErrTooLarge
		}
		p.Files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, ok := p.Files["package.json"]
	if !ok {
		return nil, errors.New("package.json is missing")
	}
	m, err := fj.DecodeObj(raw)
	if err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	p.Manifest.Name = fj.Str(m, "name")
	p.Manifest.Version = fj.Str(m, "version")
	p.Manifest.Raw = m
	return p, nil
}

// FromFHIRPackage validates and compiles an unpacked FHIR package.
func FromFHIRPackage(fp *fhirpkg.Package, source string, opts Options) (*Package, error) {
	res, errs := fp.Resources()
	p := &Package{Name: fp.Manifest.Name, Version: fp.Manifest.Version, Source: source}
	for _, e := range errs {
		p.Problems = append(p.Problems, Problem{Resource: "package", Message: e})
	}
	for _, msg := range fp.CheckManifest() {
		if strings.Contains(msg, "fhirVersions") {
			continue // optional for the engine
		}
		p.Problems = append(p.Problems, Problem{Resource: "package.json", Message: msg})
	}
	p.Hash = Hash(fp)
	var resources []map[string]any
	for _, r := range res {
		// Re-decode with json.Number so numbers round-trip exactly.
		m, err := fj.DecodeObj(fp.Files[r.File])
		if err != nil {
			m = r.Data
		}
		resources = append(resources, m)
	}
	if err := p.build(resources, opts); err != nil {
		return nil, err
	}
	if opts.TrustedCCG {
		p.checkTrust(fp, opts.TrustedKeys)
	}
	return p, nil
}

// Hash is the SHA-256 (hex) of a package's files and names: the content
// identity the engine's cache compares.
func Hash(fp *fhirpkg.Package) string {
	h := sha256.New()
	names := make([]string, 0, len(fp.Files))
	for n := range fp.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(fp.Files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FromResources builds a package from resources (tests, ad-hoc content,
// Bundles of definitions).
func FromResources(name, version string, resources []map[string]any, opts Options) (*Package, error) {
	p := &Package{Name: name, Version: version, Source: name}
	h := sha256.New()
	for _, r := range resources {
		b, _ := fj.Marshal(r)
		h.Write(b)
	}
	p.Hash = hex.EncodeToString(h.Sum(nil))
	if err := p.build(resources, opts); err != nil {
		return nil, err
	}
	if opts.TrustedCCG {
		p.checkTrust(nil, opts.TrustedKeys)
	}
	return p, nil
}

func (p *Package) build(resources []map[string]any, opts Options) error {
	p.byURL = map[string][]map[string]any{}
	p.byRef = map[string]map[string]any{}
	p.libraries = map[string]*Library{}
	p.terms = fhir.NewValueSetStore()
	var flat []map[string]any
	for _, r := range resources {
		if fj.Type(r) == "Bundle" {
			for _, e := range fj.Entries(r) {
				flat = append(flat, e.Resource)
			}
			continue
		}
		flat = append(flat, r)
	}
	p.Resources = flat
	for _, r := range flat {
		p.index(r)
		if fj.Type(r) == "ImplementationGuide" && p.Canonical == "" {
			p.Canonical = fj.Str(r, "url")
			if p.Version == "" {
				p.Version = fj.Str(r, "version")
			}
		}
		switch fj.Type(r) {
		case "ValueSet", "CodeSystem":
			if err := p.terms.AddResource(r); err != nil {
				p.Problems = append(p.Problems, Problem{Resource: fj.Ref(r), Message: err.Error()})
			}
		}
	}
	if p.Canonical == "" {
		p.Canonical = p.Name
	}
	for _, v := range validate.Package(flat, opts.RequireIG) {
		p.Problems = append(p.Problems, Problem{Resource: v.Resource, Path: v.Path, Message: v.Message})
	}
	p.compile(flat, opts)
	return nil
}

func (p *Package) index(r map[string]any) {
	if u := fj.Str(r, "url"); u != "" {
		p.byURL[u] = append(p.byURL[u], r)
	}
	if fj.ID(r) != "" {
		p.byRef[fj.Ref(r)] = r
	}
}

// compile compiles every Library's CQL with the FHIR R4 model, includes
// resolved among the package's libraries (and the built-in FHIRHelpers).
func (p *Package) compile(res []map[string]any, opts Options) {
	resolver := fhir.NewLibraryResolver()
	for _, dir := range opts.CQLDirs {
		if err := resolver.AddDir(dir); err != nil {
			p.Problems = append(p.Problems, Problem{Resource: dir, Message: err.Error()})
		}
	}
	type pending struct {
		r    map[string]any
		src  string
		name string
	}
	var todo []pending
	for _, r := range res {
		if fj.Type(r) != "Library" {
			continue
		}
		src, path, err := cqlSource(r)
		if err != nil {
			p.Problems = append(p.Problems, Problem{Resource: fj.Ref(r), Path: path, Message: err.Error()})
			continue
		}
		if src == "" {
			// content by url: look the library up by name in CQLDirs
			if s, err := resolver.ResolveLibrary(fj.Str(r, "name"), fj.Str(r, "version")); err == nil {
				src = s
			} else {
				if hasCQLContent(r) {
					p.Problems = append(p.Problems, Problem{Resource: fj.Ref(r), Path: "content", Message: "CQL content is not inline and no .cql source was found: " + err.Error()})
				}
				continue
			}
		} else if err := resolver.AddSource(src, fj.Ref(r)); err != nil {
			p.Problems = append(p.Problems, Problem{Resource: fj.Ref(r), Path: "content", Message: err.Error()})
			continue
		}
		todo = append(todo, pending{r: r, src: src, name: fj.Ref(r)})
	}
	env := NewEnv(resolver, p.terms)
	p.env = env
	for _, t := range todo {
		lib := &Library{URL: fj.Str(t.r, "url"), Version: fj.Str(t.r, "version"), Resource: t.name, Source: t.src}
		compiled, errs := env.Compile(t.name, t.src)
		if len(errs) > 0 {
			lib.Errors = errs
			for _, e := range errs {
				p.Problems = append(p.Problems, Problem{Resource: t.name, Path: "content", Message: fmt.Sprintf("CQL %d:%d: %s", e.Line, e.Col, e.Message)})
			}
		} else {
			lib.CQL = compiled
		}
		if lib.URL != "" {
			p.libraries[lib.URL] = lib
			if lib.Version != "" {
				p.libraries[lib.URL+"|"+lib.Version] = lib
			}
		}
		if id := fj.ID(t.r); id != "" {
			p.libraries["Library/"+id] = lib
		}
	}
}

// NewEnv is the CQL environment the engine compiles guideline libraries
// with: the FHIR R4 model, FHIRHelpers conversions in Go, includes from
// resolver, value sets from terms.
func NewEnv(resolver cql.LibraryResolver, terms cql.Terminology) *cql.Env {
	opts := []cql.Option{cql.WithModel(fhir.R4()), cql.WithLibraryResolver(resolver)}
	if terms != nil {
		opts = append(opts, cql.WithTerminology(terms))
	}
	for name, fn := range fhir.FHIRHelpersNatives {
		f := fn
		opts = append(opts, cql.WithNativeFunction("FHIRHelpers", name, func(args []value.Value) (value.Value, error) { return f(args) }))
	}
	return cql.NewEnv(opts...)
}

func hasCQLContent(r map[string]any) bool {
	for _, c := range fj.Objs(r, "content") {
		if strings.HasPrefix(fj.Str(c, "contentType"), "text/cql") {
			return true
		}
	}
	return false
}

// cqlSource returns a Library's inline CQL ("" when it has none).
func cqlSource(r map[string]any) (src, path string, err error) {
	for i, c := range fj.Objs(r, "content") {
		ct := fj.Str(c, "contentType")
		if ct != "text/cql" && !strings.HasPrefix(ct, "text/cql;") {
			continue
		}
		data := fj.Str(c, "data")
		if data == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return "", fmt.Sprintf("content[%d].data", i), fmt.Errorf("invalid base64: %v", err)
		}
		return string(b), "", nil
	}
	return "", "", nil
}

// Resource returns the resource "Type/id".
func (p *Package) Resource(typ, id string) map[string]any { return p.byRef[typ+"/"+id] }

// ByCanonical finds a resource by canonical ("url" or "url|version").
// Without a version the highest version wins.
func (p *Package) ByCanonical(canonical string) map[string]any {
	url, version := fj.Canonical(canonical), fj.CanonicalVersion(canonical)
	cands := p.byURL[url]
	if len(cands) == 0 {
		// relative canonicals ("PlanDefinition/x", "ActivityDefinition/y")
		if t, id, ok := fj.SplitRef(url); ok {
			if r := p.byRef[t+"/"+id]; r != nil && (version == "" || fj.Str(r, "version") == version) {
				return r
			}
		}
		return nil
	}
	var best map[string]any
	for _, r := range cands {
		v := fj.Str(r, "version")
		if version != "" {
			if v == version {
				return r
			}
			continue
		}
		if best == nil || v > fj.Str(best, "version") {
			best = r
		}
	}
	return best
}

// Library returns the compiled library of a canonical ("url",
// "url|version") or "Library/id".
func (p *Package) Library(ref string) *Library {
	if l := p.libraries[ref]; l != nil {
		return l
	}
	return p.libraries[fj.Canonical(ref)]
}

// Terminology is the package's value sets.
func (p *Package) Terminology() *fhir.ValueSetStore { return p.terms }

// OfType lists the package's resources of a type.
func (p *Package) OfType(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range p.Resources {
		if fj.Type(r) == typ {
			out = append(out, r)
		}
	}
	return out
}

// PlanDefinitions lists the PlanDefinitions whose type code is kind
// ("clinical-protocol", "eca-rule", ...; "" for all).
func (p *Package) PlanDefinitions(kind string) []map[string]any {
	var out []map[string]any
	for _, r := range p.OfType("PlanDefinition") {
		if kind == "" || PlanType(r) == kind {
			out = append(out, r)
		}
	}
	return out
}

// PlanType is a PlanDefinition's type code.
func PlanType(r map[string]any) string {
	for _, c := range fj.Objs(fj.Obj(r, "type"), "coding") {
		if code := fj.Str(c, "code"); code != "" {
			return code
		}
	}
	return ""
}

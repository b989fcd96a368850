// Package load reads guideline content the way authors keep it and turns it
// into one list of FHIR resources whose Libraries carry their CQL:
//
//   - an IG source folder: input/resources, input/vocabulary,
//     input/examples (JSON and XML resources, in subfolders too), CQL in
//     input/cql, test data in input/tests (kept apart, see Content.Tests);
//   - an IG publisher package or any FHIR NPM package, as a .tgz or a
//     folder: the resources of package/ and package/example/;
//   - a folder of resources without package.json;
//   - a Bundle of content (JSON or XML), or a single resource file.
//
// A Library whose text/cql attachment has a url instead of data gets the
// data from the file the url names, resolved relative to the resource's
// own file (`../cql/X.cql`), else from the CQL file declaring the
// Library's name. In an IG source folder or a plain folder, a CQL file no
// Library resource covers becomes a Library of its own (id and name the
// CQL library's name; url the canonical a PlanDefinition, ActivityDefinition
// or Measure names it by, else one under the content's canonical base), as
// the IG tooling generates them. The engine (engine/content), `ccg package
// validate` and the repository's publish checks all read content through
// this package.
package load

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cql/fhir"
)

// Form is the shape content was found in.
type Form string

// The forms Path recognises.
const (
	IGSource    Form = "IG source folder"
	FHIRPackage Form = "FHIR package"
	Folder      Form = "folder of resources"
	Bundle      Form = "Bundle of content"
)

// Resource is one FHIR resource of the content and the file it came from
// (a path relative to the content's root, "/"-separated; a Bundle's
// entries are "FILE#entry[i]").
type Resource struct {
	File string
	Data map[string]any
}

// Problem is a file that could not be read as content.
type Problem struct {
	File, Message string
}

func (p Problem) String() string { return p.File + ": " + p.Message }

// Content is guideline content read by Path or FromPackage.
type Content struct {
	Form Form
	// Package holds the files as read (paths relative to the root; for
	// packages, below package/) and the manifest: package.json's, or for
	// the other forms one made from the ImplementationGuide (packageId or
	// name, version), else the folder or file name.
	Package *fhirpkg.Package
	// Resources are the content's resources in file order, Bundles of
	// content flattened.
	Resources []Resource
	// Tests are the resources of an IG source folder's input/tests: test
	// data and expected results, not content.
	Tests []Resource
	// Generated names the Libraries made from CQL files ("Library/id").
	Generated []string
	// Problems are files that could not be read.
	Problems []Problem
}

// IsPackage reports whether the content came with its own package.json.
func (c *Content) IsPackage() bool { return c.Form == FHIRPackage }

// Path reads the content at path: a folder (IG source, FHIR package or
// plain folder of resources), a .tgz FHIR package, or a JSON or XML file
// (a Bundle of content or one resource). lim bounds what is read (zero:
// fhirpkg.DefaultLimits).
func Path(p string, lim fhirpkg.Limits) (*Content, error) {
	if lim == (fhirpkg.Limits{}) {
		lim = fhirpkg.DefaultLimits
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		switch ext := strings.ToLower(filepath.Ext(p)); ext {
		case ".json", ".xml":
			return fromFile(filepath.Base(p), data)
		}
		fp, err := fhirpkg.ReadTarball(data, lim)
		if err != nil {
			return nil, err
		}
		return FromPackage(fp), nil
	}
	dirName := filepath.Base(p)
	if abs, err := filepath.Abs(p); err == nil {
		dirName = filepath.Base(abs)
	}
	root := p
	if isDir(filepath.Join(p, "package")) && !isFile(filepath.Join(p, "package.json")) {
		root = filepath.Join(p, "package")
	}
	switch {
	case isFile(filepath.Join(root, "package.json")):
		files, err := readTree(root, lim, func(rel string) bool { return true })
		if err != nil {
			return nil, err
		}
		fp := &fhirpkg.Package{Files: files}
		if err := fp.ReadManifest(); err != nil {
			return nil, err
		}
		c := fromPackage(fp)
		// a package folder's Libraries may name CQL beside it (../cql/X.cql)
		c.resolveCQL(fp.Files, func(rel string) ([]byte, bool) {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
			return b, err == nil
		})
		return c, nil
	case isDir(filepath.Join(p, "input")):
		files, err := readTree(p, lim, func(rel string) bool { return strings.HasPrefix(rel, "input/") && contentFile(rel) })
		if err != nil {
			return nil, err
		}
		return fromTree(IGSource, dirName, files), nil
	default:
		files, err := readTree(p, lim, contentFile)
		if err != nil {
			return nil, err
		}
		return fromTree(Folder, dirName, files), nil
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// contentFile tells the files a folder of content is read for.
func contentFile(rel string) bool {
	switch strings.ToLower(path.Ext(rel)) {
	case ".json", ".xml", ".cql":
		return true
	}
	return false
}

// readTree reads the regular files (or links to them) below root that keep accepts, within
// the unpacked-size limit. Dot folders and node_modules are skipped.
func readTree(root string, lim fhirpkg.Limits, keep func(rel string) bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	var total int64
	err := filepath.WalkDir(root, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if f != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			// A symbolic link counts when it leads to a regular file
			// (authors link shared CQL or resources into a folder).
			if d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !keep(rel) {
			return nil
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		total += int64(len(b))
		if lim.MaxUnpacked > 0 && total > lim.MaxUnpacked {
			return fmt.Errorf("%w: more than %d bytes below %s", fhirpkg.ErrTooLarge, lim.MaxUnpacked, root)
		}
		files[rel] = b
		return nil
	})
	return files, err
}

// FromPackage reads the resources of an unpacked FHIR package: the
// top-level resource files (package/) and those of example/ (an IG
// publisher package's examples), JSON or XML.
func FromPackage(fp *fhirpkg.Package) *Content {
	c := fromPackage(fp)
	c.resolveCQL(fp.Files, nil)
	return c
}

func fromPackage(fp *fhirpkg.Package) *Content {
	c := &Content{Form: FHIRPackage, Package: fp}
	var names []string
	for f := range fp.Files {
		dir, base := path.Split(f)
		if (dir == "" || dir == "example/") && !strings.HasPrefix(base, ".") && base != "package.json" && resourceExt(base) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for _, f := range names {
		c.add(f, fp.Files[f])
	}
	return c
}

func resourceExt(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".xml":
		return true
	}
	return false
}

// fromFile reads a Bundle of content or a single resource.
func fromFile(name string, data []byte) (*Content, error) {
	r, err := Decode(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &Content{Form: Bundle, Package: &fhirpkg.Package{Files: map[string][]byte{name: data}}}
	c.addDecoded(name, r)
	c.Package.Manifest = c.manifest(strings.TrimSuffix(name, path.Ext(name)))
	return c, nil
}

// fromTree reads an IG source folder or a folder of resources.
func fromTree(form Form, dirName string, files map[string][]byte) *Content {
	c := &Content{Form: form, Package: &fhirpkg.Package{Files: files}}
	var names []string
	for f := range files {
		if resourceExt(f) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for _, f := range names {
		if form == IGSource && !igResource(f) {
			if strings.HasPrefix(f, "input/tests/") {
				if r, err := Decode(f, files[f]); err == nil {
					c.Tests = append(c.Tests, Resource{File: f, Data: r})
				}
			}
			continue
		}
		c.add(f, files[f])
	}
	c.resolveCQL(files, nil)
	c.generateLibraries(files)
	c.Package.Manifest = c.manifest(dirName)
	return c
}

// igResource tells the files of an IG source folder that hold content.
func igResource(f string) bool {
	if rest, ok := strings.CutPrefix(f, "input/"); ok && !strings.Contains(rest, "/") {
		return true // the ImplementationGuide beside the folders
	}
	for _, d := range []string{"input/resources/", "input/vocabulary/", "input/examples/", "input/profiles/", "input/extensions/"} {
		if strings.HasPrefix(f, d) {
			return true
		}
	}
	return false
}

// add decodes one resource file; a file that is not a FHIR resource is a
// problem (in a package, only files that look like resources are tried:
// JSON objects with a resourceType, or FHIR XML).
func (c *Content) add(f string, data []byte) {
	r, err := Decode(f, data)
	if err != nil {
		if !(c.Form == FHIRPackage && errors.Is(err, errNotResource)) {
			c.Problems = append(c.Problems, Problem{File: f, Message: err.Error()})
		}
		return
	}
	c.addDecoded(f, r)
}

func (c *Content) addDecoded(f string, r map[string]any) {
	if r["resourceType"] == "Bundle" {
		entries, _ := r["entry"].([]any)
		for i, e := range entries {
			em, _ := e.(map[string]any)
			if res, ok := em["resource"].(map[string]any); ok {
				c.addDecoded(fmt.Sprintf("%s#entry[%d]", f, i), res)
			}
		}
		return
	}
	c.Resources = append(c.Resources, Resource{File: f, Data: r})
}

var errNotResource = errors.New("not a FHIR resource (no resourceType)")

// Decode reads one FHIR resource file, JSON (numbers kept as json.Number)
// or XML (by the name's extension).
func Decode(name string, data []byte) (map[string]any, error) {
	if strings.EqualFold(path.Ext(name), ".xml") {
		return fhir.R4().DecodeXML(data)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if rt, _ := m["resourceType"].(string); rt == "" {
		return nil, errNotResource
	}
	return m, nil
}

// manifest names content without package.json: the ImplementationGuide's
// packageId (else its name) and version, else def.
func (c *Content) manifest(def string) fhirpkg.Manifest {
	m := fhirpkg.Manifest{Name: def}
	for _, r := range c.Resources {
		if r.Data["resourceType"] != "ImplementationGuide" {
			continue
		}
		if id := str(r.Data, "packageId"); id != "" {
			m.Name = id
		} else if n := str(r.Data, "name"); n != "" {
			m.Name = n
		}
		m.Version = str(r.Data, "version")
		break
	}
	return m
}

// CanonicalBase is the base of the content's canonical URLs: the
// ImplementationGuide's, else the one most of the resources' urls share.
func (c *Content) CanonicalBase() string {
	count := map[string]int{}
	for _, r := range c.Resources {
		u := str(r.Data, "url")
		if u == "" {
			continue
		}
		if r.Data["resourceType"] == "ImplementationGuide" {
			return fhirpkg.CanonicalBase(u)
		}
		if b := fhirpkg.CanonicalBase(u); b != "" {
			count[b]++
		}
	}
	best := ""
	for b, n := range count {
		if n > count[best] || n == count[best] && b < best {
			best = b
		}
	}
	return best
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

var libHeader = regexp.MustCompile(`(?m)^\s*library\s+("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)(\s+version\s+'([^']*)')?`)

// CQLName returns the name and version a CQL source declares.
func CQLName(src string) (name, version string) {
	if m := libHeader.FindStringSubmatch(src); m != nil {
		return strings.Trim(m[1], `"`), m[3]
	}
	return "", ""
}

type cqlFile struct {
	file, name, version string
	src                 []byte
}

func cqlFiles(files map[string][]byte) []cqlFile {
	var out []cqlFile
	for f, b := range files {
		if strings.EqualFold(path.Ext(f), ".cql") {
			n, v := CQLName(string(b))
			out = append(out, cqlFile{file: f, name: n, version: v, src: b})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

// resolveCQL fills the data of Library text/cql attachments given by url:
// the file the url names relative to the Library's file (among files, else
// through outside when it is not nil), else the CQL file declaring the
// Library's name.
func (c *Content) resolveCQL(files map[string][]byte, outside func(rel string) ([]byte, bool)) {
	cqls := cqlFiles(files)
	for _, r := range c.Resources {
		if r.Data["resourceType"] != "Library" {
			continue
		}
		content, _ := r.Data["content"].([]any)
		for _, a := range content {
			am, _ := a.(map[string]any)
			if !strings.HasPrefix(str(am, "contentType"), "text/cql") || str(am, "data") != "" || str(am, "url") == "" {
				continue
			}
			if src, ok := cqlFor(r, str(am, "url"), files, cqls, outside); ok {
				am["data"] = base64.StdEncoding.EncodeToString(src)
			}
		}
	}
}

func cqlFor(r Resource, url string, files map[string][]byte, cqls []cqlFile, outside func(string) ([]byte, bool)) ([]byte, bool) {
	if !strings.Contains(url, "://") {
		file, _, _ := strings.Cut(r.File, "#")
		rel := path.Join(path.Dir(file), url)
		if b, ok := files[rel]; ok {
			return b, true
		}
		if outside != nil && strings.HasSuffix(strings.ToLower(rel), ".cql") {
			if b, ok := outside(rel); ok {
				return b, true
			}
		}
	}
	name := str(r.Data, "name")
	for _, f := range cqls {
		if f.name == name && name != "" {
			return f.src, true
		}
	}
	return nil, false
}

// generateLibraries makes a Library of every CQL file that no Library
// resource carries (by CQL library name).
func (c *Content) generateLibraries(files map[string][]byte) {
	have := map[string]bool{}
	for _, r := range c.Resources {
		if r.Data["resourceType"] != "Library" {
			continue
		}
		have[str(r.Data, "name")] = true
		content, _ := r.Data["content"].([]any)
		for _, a := range content {
			if data := str(a.(map[string]any), "data"); data != "" {
				if b, err := base64.StdEncoding.DecodeString(data); err == nil {
					n, _ := CQLName(string(b))
					have[n] = true
				}
			}
		}
	}
	// the canonical a resource names the library by (its last segment the
	// CQL name), else one under the content's base
	named := map[string]string{}
	for _, r := range c.Resources {
		libs, _ := r.Data["library"].([]any)
		for _, l := range libs {
			ref, _ := l.(string)
			ref, _, _ = strings.Cut(ref, "|")
			if i := strings.LastIndexByte(ref, '/'); i >= 0 && named[ref[i+1:]] == "" {
				named[ref[i+1:]] = ref
			}
		}
	}
	base := c.CanonicalBase()
	ids := map[string]bool{}
	for _, r := range c.Resources {
		if r.Data["resourceType"] == "Library" {
			ids[str(r.Data, "id")] = true
		}
	}
	for _, f := range cqlFiles(files) {
		if f.name == "" || have[f.name] || ids[f.name] {
			continue
		}
		have[f.name] = true
		lib := map[string]any{"resourceType": "Library", "id": f.name, "name": f.name, "status": "active",
			"type":    map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}}},
			"content": []any{map[string]any{"contentType": "text/cql", "data": base64.StdEncoding.EncodeToString(f.src)}}}
		if u := named[f.name]; u != "" {
			lib["url"] = u
		} else if base != "" {
			lib["url"] = base + "/Library/" + f.name
		}
		if f.version != "" {
			lib["version"] = f.version
		}
		c.Resources = append(c.Resources, Resource{File: f.file, Data: lib})
		c.Generated = append(c.Generated, "Library/"+f.name)
	}
}

// AsBundle is a collection Bundle of the content's resources (data given
// as a folder or an XML file, where a Bundle is expected).
func (c *Content) AsBundle() map[string]any {
	entries := make([]any, 0, len(c.Resources))
	for _, r := range c.Resources {
		entries = append(entries, map[string]any{"resource": r.Data})
	}
	return map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries}
}

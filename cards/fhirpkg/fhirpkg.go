// Package fhirpkg reads, checks and builds FHIR NPM packages: gzip'd tar
// archives whose files live under "package/", with a package.json manifest
// and a package/.index.json listing the FHIR resources.
package fhirpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Limits bound what ReadTarball accepts (gzip-bomb guard).
type Limits struct {
	MaxCompressed int64 // bytes of the .tgz
	MaxUnpacked   int64 // total bytes of all files
	MaxFile       int64 // bytes of one file
	MaxFiles      int   // number of entries
}

// DefaultLimits are generous for guideline packages and small enough to
// keep a hostile upload from exhausting memory.
var DefaultLimits = Limits{MaxCompressed: 32 << 20, MaxUnpacked: 128 << 20, MaxFile: 32 << 20, MaxFiles: 20000}

// ErrTooLarge reports a tarball over one of the Limits.
var ErrTooLarge = errors.New("package exceeds size limits")

// Manifest is the part of package.json the registry uses.
type Manifest struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	FHIRVersions []string          `json:"fhirVersions,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"`
	Raw          map[string]any    `json:"-"`
}

// IndexEntry is one file of .index.json.
type IndexEntry struct {
	Filename     string `json:"filename"`
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	URL          string `json:"url,omitempty"`
	Version      string `json:"version,omitempty"`
	Kind         string `json:"kind,omitempty"`
	Type         string `json:"type,omitempty"`
}

// Index is the content of package/.index.json.
type Index struct {
	IndexVersion int          `json:"index-version"`
	Files        []IndexEntry `json:"files"`
}

// Package is an unpacked FHIR package. Files are keyed by their path
// below "package/" (e.g. "package.json", "PlanDefinition-x.json",
// "other/notes.md").
type Package struct {
	Files    map[string][]byte
	Manifest Manifest
}

// Resource is a FHIR resource read from a package file.
type Resource struct {
	File string
	Type string
	ID   string
	Data map[string]any
}

// ReadTarball unpacks a .tgz within limits. Entries outside "package/",
// links and devices are rejected; it never panics on malformed input.
func ReadTarball(tgz []byte, lim Limits) (*Package, error) {
	if lim.MaxCompressed > 0 && int64(len(tgz)) > lim.MaxCompressed {
		return nil, fmt.Errorf("%w: %d compressed bytes (max %d)", ErrTooLarge, len(tgz), lim.MaxCompressed)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("tarball is not gzip: %w", err)
	}
	tr := tar.NewReader(zr)
	p := &Package{Files: map[string][]byte{}}
	var total int64
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tarball: %w", err)
		}
		if lim.MaxFiles > 0 && n >= lim.MaxFiles {
			return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.MaxFiles)
		}
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("tarball entry %q: only regular files are allowed", hdr.Name)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		rel, ok := strings.CutPrefix(name, "package/")
		if !ok || rel == "" || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			return nil, fmt.Errorf("tarball entry %q is outside package/", hdr.Name)
		}
		if lim.MaxFile > 0 && hdr.Size > lim.MaxFile {
			return nil, fmt.Errorf("%w: %s is %d bytes", ErrTooLarge, rel, hdr.Size)
		}
		limit := hdr.Size + 1
		data, err := io.ReadAll(io.LimitReader(tr, limit))
		if err != nil {
			return nil, fmt.Errorf("tarball entry %q: %w", hdr.Name, err)
		}
		total += int64(len(data))
		if lim.MaxUnpacked > 0 && total > lim.MaxUnpacked {
			return nil, fmt.Errorf("%w: more than %d unpacked bytes", ErrTooLarge, lim.MaxUnpacked)
		}
		if _, dup := p.Files[rel]; dup {
			return nil, fmt.Errorf("tarball holds %q twice", rel)
		}
		p.Files[rel] = data
	}
	if err := p.ReadManifest(); err != nil {
		return nil, err
	}
	return p, nil
}

// ReadManifest parses the package's package.json into Manifest.
func (p *Package) ReadManifest() error {
	raw, ok := p.Files["package.json"]
	if !ok {
		return errors.New("package/package.json is missing")
	}
	if err := json.Unmarshal(raw, &p.Manifest); err != nil {
		return fmt.Errorf("package/package.json: %w", err)
	}
	if err := json.Unmarshal(raw, &p.Manifest.Raw); err != nil {
		return fmt.Errorf("package/package.json: %w", err)
	}
	return nil
}

// Resources returns the FHIR resources of the package: every top-level
// *.json file other than package.json and .index.json that parses as an
// object with a resourceType. Files that do not parse are reported in errs.
func (p *Package) Resources() (res []Resource, errs []string) {
	var names []string
	for f := range p.Files {
		if isResourceFile(f) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for _, f := range names {
		var m map[string]any
		if err := json.Unmarshal(p.Files[f], &m); err != nil {
			errs = append(errs, fmt.Sprintf("%s: not JSON: %v", f, err))
			continue
		}
		rt, _ := m["resourceType"].(string)
		if rt == "" {
			errs = append(errs, fmt.Sprintf("%s: no resourceType", f))
			continue
		}
		id, _ := m["id"].(string)
		res = append(res, Resource{File: f, Type: rt, ID: id, Data: m})
	}
	return res, errs
}

func isResourceFile(f string) bool {
	return !strings.Contains(f, "/") && strings.HasSuffix(f, ".json") &&
		f != "package.json" && f != ".index.json" && !strings.HasPrefix(f, ".")
}

// BuildIndex computes the .index.json for the package's resources.
func BuildIndex(res []Resource) Index {
	idx := Index{IndexVersion: 2, Files: []IndexEntry{}}
	for _, r := range res {
		e := IndexEntry{Filename: r.File, ResourceType: r.Type, ID: r.ID}
		e.URL, _ = r.Data["url"].(string)
		e.Version, _ = r.Data["version"].(string)
		e.Kind, _ = r.Data["kind"].(string)
		if t, ok := r.Data["type"].(string); ok {
			e.Type = t
		}
		idx.Files = append(idx.Files, e)
	}
	return idx
}

// CheckManifest reports problems with package.json.
func (p *Package) CheckManifest() []string {
	var out []string
	m := p.Manifest
	if m.Name == "" {
		out = append(out, "package.json: name is required")
	}
	if m.Version == "" {
		out = append(out, "package.json: version is required")
	}
	if len(m.FHIRVersions) == 0 {
		out = append(out, "package.json: fhirVersions is required (e.g. [\"4.0.1\"])")
	}
	return out
}

// CheckIndex reports where package/.index.json disagrees with the files.
func (p *Package) CheckIndex() []string {
	raw, ok := p.Files[".index.json"]
	if !ok {
		return []string{"package/.index.json is missing"}
	}
	var idx Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return []string{"package/.index.json: " + err.Error()}
	}
	res, _ := p.Resources()
	byFile := map[string]Resource{}
	for _, r := range res {
		byFile[r.File] = r
	}
	var out []string
	seen := map[string]bool{}
	for i, e := range idx.Files {
		r, ok := byFile[e.Filename]
		seen[e.Filename] = true
		switch {
		case !ok:
			out = append(out, fmt.Sprintf(".index.json files[%d]: %q is not a resource file of the package", i, e.Filename))
		case r.Type != e.ResourceType:
			out = append(out, fmt.Sprintf(".index.json files[%d]: resourceType %q, file has %q", i, e.ResourceType, r.Type))
		case r.ID != e.ID:
			out = append(out, fmt.Sprintf(".index.json files[%d]: id %q, file has %q", i, e.ID, r.ID))
		default:
			if u, _ := r.Data["url"].(string); e.URL != "" && u != e.URL {
				out = append(out, fmt.Sprintf(".index.json files[%d]: url %q, file has %q", i, e.URL, u))
			}
		}
	}
	for _, r := range res {
		if !seen[r.File] {
			out = append(out, fmt.Sprintf(".index.json does not list %s", r.File))
		}
	}
	return out
}

// WriteTarball packs files (paths below "package/") into a deterministic
// .tgz: sorted entries, fixed modification time and modes.
func WriteTarball(files map[string][]byte) ([]byte, error) {
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	mtime := time.Date(1985, 10, 26, 8, 15, 0, 0, time.UTC)
	for _, f := range names {
		hdr := &tar.Header{Name: "package/" + f, Mode: 0o644, Size: int64(len(files[f])), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[f]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WithIndex returns a copy of files with a freshly generated .index.json.
func WithIndex(files map[string][]byte) (map[string][]byte, error) {
	out := make(map[string][]byte, len(files)+1)
	for k, v := range files {
		out[k] = v
	}
	p := &Package{Files: out}
	res, errs := p.Resources()
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	b, err := json.MarshalIndent(BuildIndex(res), "", "  ")
	if err != nil {
		return nil, err
	}
	out[".index.json"] = b
	return out, nil
}

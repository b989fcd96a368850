package fhir

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// FHIRHelpersSource is the project's FHIRHelpers 4.0.1 library.
//
//go:embed FHIRHelpers-4.0.1.cql
var FHIRHelpersSource string

// LibraryNotFoundError reports an include no source could satisfy.
type LibraryNotFoundError struct {
	Name, Version string
	Searched      []string
}

func (e *LibraryNotFoundError) Error() string {
	v := ""
	if e.Version != "" {
		v = " version " + e.Version
	}
	msg := "library " + e.Name + v + " not found"
	if len(e.Searched) > 0 {
		msg += " (searched " + strings.Join(e.Searched, ", ") + ")"
	}
	return msg
}

type libSource struct {
	name, version, src, origin string
}

// LibraryResolver resolves `include Name version 'v'` from FHIR Library
// resources (content of type text/cql) and from .cql files, with the
// built-in FHIRHelpers 4.0.1 as the fallback. It implements the engine's
// LibraryResolver (ResolveLibrary). Safe for concurrent use.
type LibraryResolver struct {
	mu      sync.RWMutex
	libs    map[string][]libSource // by name
	noBuilt bool
}

// NewLibraryResolver returns an empty resolver (with the built-in
// FHIRHelpers).
func NewLibraryResolver() *LibraryResolver {
	return &LibraryResolver{libs: map[string][]libSource{}}
}

// WithoutBuiltins disables the built-in FHIRHelpers fallback.
func (r *LibraryResolver) WithoutBuiltins() *LibraryResolver { r.noBuilt = true; return r }

var libHeader = regexp.MustCompile(`(?m)^\s*library\s+("(?:[^"\\]|\\.)+"|[A-Za-z_][A-Za-z0-9_.]*)(?:\s+version\s+'([^']*)')?`)

// ParseLibraryHeader reads the name and version a CQL source declares.
func ParseLibraryHeader(src string) (name, version string, ok bool) {
	clean := stripComments(src)
	m := libHeader.FindStringSubmatch(clean)
	if m == nil {
		return "", "", false
	}
	return strings.Trim(m[1], `"`), m[2], true
}

// stripComments blanks // and /* */ comments outside strings.
func stripComments(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'' || b[i] == '"' || b[i] == '`':
			q := b[i]
			for i++; i < len(b) && b[i] != q; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}

// AddSource registers CQL text; its name and version come from its
// library declaration.
func (r *LibraryResolver) AddSource(src, origin string) error {
	name, version, ok := ParseLibraryHeader(src)
	if !ok {
		return fmt.Errorf("%s: no library declaration", origin)
	}
	r.mu.Lock()
	r.libs[name] = append(r.libs[name], libSource{name, version, src, origin})
	r.mu.Unlock()
	return nil
}

// AddDir registers every .cql file under dir (recursively).
func (r *LibraryResolver) AddDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".cql") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := r.AddSource(string(b), p); err != nil {
			return err
		}
		return nil
	})
}

// AddLibraryResource registers the CQL content of a FHIR Library resource
// (decoded JSON): attachments of contentType text/cql with base64 data. A
// Bundle's Library entries are all added.
func (r *LibraryResolver) AddLibraryResource(obj map[string]any) error {
	switch rt, _ := obj["resourceType"].(string); rt {
	case "Bundle":
		for _, res := range entryResources(obj) {
			if err := r.AddLibraryResource(res); err != nil {
				return err
			}
		}
		return nil
	case "Library":
	default:
		return nil
	}
	id := "Library/" + str(obj["id"])
	contents, _ := obj["content"].([]any)
	for i, c := range contents {
		cm, _ := c.(map[string]any)
		ct := str(cm["contentType"])
		if ct != "text/cql" && !strings.HasPrefix(ct, "text/cql;") {
			continue
		}
		data := str(cm["data"])
		if data == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return &DataError{Resource: id, Path: fmt.Sprintf("Library.content[%d].data", i), Msg: "invalid base64: " + err.Error()}
		}
		src := string(raw)
		name, version, ok := ParseLibraryHeader(src)
		if !ok {
			return &DataError{Resource: id, Path: fmt.Sprintf("Library.content[%d]", i), Msg: "CQL content without a library declaration"}
		}
		// The resource's name/version take precedence when the CQL agrees.
		if n := str(obj["name"]); n != "" && n != name {
			return &DataError{Resource: id, Msg: fmt.Sprintf("Library.name %q does not match the CQL library %q", n, name)}
		}
		r.mu.Lock()
		r.libs[name] = append(r.libs[name], libSource{name, version, src, id})
		r.mu.Unlock()
	}
	return nil
}

// AddLibraryJSON registers a Library resource or Bundle given as JSON.
func (r *LibraryResolver) AddLibraryJSON(data []byte) error {
	obj, err := decodeObject(data)
	if err != nil {
		return err
	}
	return r.AddLibraryResource(obj)
}

// ResolveLibrary returns the source of library name at version (any
// version, preferring the highest, when version is ""). A requested
// version must match exactly.
func (r *LibraryResolver) ResolveLibrary(name, version string) (string, error) {
	r.mu.RLock()
	cands := append([]libSource(nil), r.libs[name]...)
	r.mu.RUnlock()
	var searched []string
	if len(cands) > 0 {
		sort.SliceStable(cands, func(i, j int) bool { return compareVersions(cands[i].version, cands[j].version) > 0 })
		for _, c := range cands {
			if version == "" || c.version == version {
				return c.src, nil
			}
			searched = append(searched, fmt.Sprintf("%s (version %s)", c.origin, orNone(c.version)))
		}
	}
	if !r.noBuilt && name == "FHIRHelpers" && (version == "" || version == "4.0.1") {
		return FHIRHelpersSource, nil
	}
	return "", &LibraryNotFoundError{Name: name, Version: version, Searched: searched}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// compareVersions orders dotted versions numerically where possible.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x == y {
			continue
		}
		var nx, ny int
		_, ex := fmt.Sscanf(x, "%d", &nx)
		_, ey := fmt.Sscanf(y, "%d", &ny)
		if ex == nil && ey == nil && nx != ny {
			if nx < ny {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	}
	return 0
}

// Names lists the library names the resolver holds.
func (r *LibraryResolver) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.libs))
	for n := range r.libs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

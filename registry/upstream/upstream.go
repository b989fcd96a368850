// Package upstream reads packages from other npm / FHIR package
// registries (uplinks, as Verdaccio calls them) for the Guideline
// Repository: a package or version it does not hold is asked of each
// upstream that serves its name, in order, and a tarball fetched from one
// is verified against the integrity its upstream published.
package upstream

import (
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
)

// DefaultTimeout bounds one request to an upstream, body included.
const DefaultTimeout = 30 * time.Second

// DefaultTTL is how long a package document read from an upstream is
// believed before it is read again.
const DefaultTTL = 5 * time.Minute

// Upstream is one registry asked for packages not held locally.
type Upstream struct {
	Name    string
	URL     string        // the registry URL, ending in "/"
	Timeout time.Duration // per request, body included
	Token   string        // sent as a bearer token to the upstream's host only
	// TTL is how long a package document read from the upstream is kept
	// and served before it is read again.
	TTL time.Duration
	// Names are the package name patterns (path.Match, e.g. "hl7.*") the
	// upstream serves; none: every name.
	Names []string
	// Client makes the requests (nil: a plain http.Client).
	Client *http.Client
}

// Parse reads an --upstream value:
//
//	NAME=URL[;names=PATTERN,...][;timeout=DURATION][;ttl=DURATION][;token-env=VARIABLE]
//
// for example "fhir=https://packages.fhir.org;names=hl7.*;timeout=10s".
// ttl (default 5m) is how long a package document read from it is kept.
// The token is read from the named environment variable, so that it does
// not show in the process list.
func Parse(spec string) (*Upstream, error) {
	parts := strings.Split(spec, ";")
	name, raw, ok := strings.Cut(parts[0], "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " :/") {
		return nil, fmt.Errorf("upstream %q: want NAME=URL[;names=PATTERN,...][;timeout=10s][;ttl=5m][;token-env=VAR]", spec)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %s: %q is not an http(s) URL", name, raw)
	}
	up := &Upstream{Name: name, URL: strings.TrimSuffix(u.String(), "/") + "/", Timeout: DefaultTimeout, TTL: DefaultTTL}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "names":
			for _, pat := range strings.Split(v, ",") {
				if _, err := path.Match(pat, ""); err != nil || pat == "" {
					return nil, fmt.Errorf("upstream %s: bad name pattern %q", name, pat)
				}
				up.Names = append(up.Names, pat)
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("upstream %s: bad timeout %q", name, v)
			}
			up.Timeout = d
		case "ttl":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("upstream %s: bad ttl %q", name, v)
			}
			up.TTL = d
		case "token-env":
			up.Token = os.Getenv(v)
			if up.Token == "" {
				return nil, fmt.Errorf("upstream %s: environment variable %s (token-env) is empty", name, v)
			}
		default:
			return nil, fmt.Errorf("upstream %s: unknown option %q (names, timeout, ttl, token-env)", name, k)
		}
	}
	return up, nil
}

// Serves reports whether the upstream serves the package name.
func (u *Upstream) Serves(name string) bool {
	if len(u.Names) == 0 {
		return true
	}
	for _, p := range u.Names {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// Error is an upstream fault, with the status the client gets: 504 when
// the upstream did not answer in time, 502 otherwise.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// ErrNotFound: no upstream serving the name has it.
var ErrNotFound = errors.New("not found upstream")

// Doc is a package document read from an upstream.
type Doc struct {
	Upstream *Upstream
	Name     string
	Raw      map[string]any
	Bytes    []byte // Raw as the upstream sent it
}

// DistTags returns the document's dist-tags.
func (d *Doc) DistTags() map[string]string {
	out := map[string]string{}
	tags, _ := d.Raw["dist-tags"].(map[string]any)
	for k, v := range tags {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Versions returns the version documents by version.
func (d *Doc) Versions() map[string]map[string]any {
	out := map[string]map[string]any{}
	vs, _ := d.Raw["versions"].(map[string]any)
	for k, v := range vs {
		if m, ok := v.(map[string]any); ok {
			out[k] = m
		}
	}
	return out
}

// Time returns the document's publication times (version -> time).
func (d *Doc) Time() map[string]any {
	t, _ := d.Raw["time"].(map[string]any)
	return t
}

// Set is the ordered list of upstreams.
type Set []*Upstream

// For lists the upstreams serving name, in order.
func (s Set) For(name string) []*Upstream {
	var out []*Upstream
	for _, u := range s {
		if u.Serves(name) {
			out = append(out, u)
		}
	}
	return out
}

// Named returns the upstream called name, or nil.
func (s Set) Named(name string) *Upstream {
	for _, u := range s {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// Package returns the document of name from the first upstream serving
// it that has it. When none has it and one failed, the first failure
// (*Error) is returned; ErrNotFound otherwise.
func (s Set) Package(ctx context.Context, name string) (*Doc, error) {
	var fault error
	for _, u := range s.For(name) {
		d, err := u.Package(ctx, name)
		switch {
		case err == nil:
			return d, nil
		case errors.Is(err, ErrNotFound):
		default:
			if fault == nil {
				fault = err
			}
		}
	}
	if fault != nil {
		return nil, fault
	}
	return nil, ErrNotFound
}

func escapeName(name string) string {
	return strings.Replace(url.PathEscape(name), "%40", "@", 1)
}

// get fetches a URL within the upstream's timeout, reading at most max
// bytes of the body. 404 is ErrNotFound.
func (u *Upstream) get(ctx context.Context, target, what string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, u.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: bad URL for %s: %v", u.Name, what, err)}
	}
	req.Header.Set("Accept", "application/json, application/octet-stream")
	if u.Token != "" && sameHost(target, u.URL) {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	c := u.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, u.fault(ctx, what, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if res.StatusCode != http.StatusOK {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s (%s) answered %d for %s", u.Name, u.URL, res.StatusCode, what)}
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, max+1))
	if err != nil {
		return nil, u.fault(ctx, what, err)
	}
	if int64(len(b)) > max {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: %s is larger than %d bytes", u.Name, what, max)}
	}
	return b, nil
}

func (u *Upstream) fault(ctx context.Context, what string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Status: 504, Message: fmt.Sprintf("upstream %s (%s) did not answer within %s for %s", u.Name, u.URL, u.Timeout, what)}
	}
	return &Error{Status: 502, Message: fmt.Sprintf("upstream %s (%s) failed for %s: %v", u.Name, u.URL, what, err)}
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// maxDoc bounds a package document (FHIR core packages have few versions).
const maxDoc = 16 << 20

// Package fetches the package document of name.
func (u *Upstream) Package(ctx context.Context, name string) (*Doc, error) {
	b, err := u.get(ctx, u.URL+escapeName(name), name, maxDoc)
	if err != nil {
		return nil, err
	}
	return u.Decode(name, b)
}

// Decode reads b as the upstream's package document of name.
func (u *Upstream) Decode(name string, b []byte) (*Doc, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: the document of %s is not JSON", u.Name, name)}
	}
	if n, _ := raw["name"].(string); n != "" && n != name {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s answered the document of %s for %s", u.Name, n, name)}
	}
	return &Doc{Upstream: u, Name: name, Raw: raw, Bytes: b}, nil
}

// Tarball fetches the tarball of one version of d and checks it against
// the integrity (sha512) or, lacking one, the shasum (sha1) the upstream
// published for it; at most max bytes.
func (d *Doc) Tarball(ctx context.Context, version string, max int64) ([]byte, error) {
	u := d.Upstream
	what := d.Name + "@" + version
	v, ok := d.Versions()[version]
	if !ok {
		return nil, ErrNotFound
	}
	dist, _ := v["dist"].(map[string]any)
	target, _ := dist["tarball"].(string)
	integrity, _ := dist["integrity"].(string)
	shasum, _ := dist["shasum"].(string)
	if target == "" {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s names no tarball for %s", u.Name, what)}
	}
	if ref, err := url.Parse(target); err == nil && !ref.IsAbs() {
		base, _ := url.Parse(u.URL)
		target = base.ResolveReference(ref).String()
	}
	tgz, err := u.get(ctx, target, "the tarball of "+what, max)
	if errors.Is(err, ErrNotFound) {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s lists %s but its tarball %s is not found", u.Name, what, target)}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(integrity, "sha512-"):
		s := sha512.Sum512(tgz)
		if got := "sha512-" + base64.StdEncoding.EncodeToString(s[:]); got != integrity {
			return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: the tarball of %s (%d bytes) has integrity %s, not the published %s", u.Name, what, len(tgz), got, integrity)}
		}
	case shasum != "":
		s := sha1.Sum(tgz)
		if got := hex.EncodeToString(s[:]); !strings.EqualFold(got, shasum) {
			return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: the tarball of %s (%d bytes) has shasum %s, not the published %s", u.Name, what, len(tgz), got, shasum)}
		}
	default:
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s publishes neither an integrity nor a shasum for %s: it cannot be verified", u.Name, what)}
	}
	return tgz, nil
}

// Search asks the upstream's npm search (/-/v1/search) for text and
// returns the objects it found whose names it serves.
func (u *Upstream) Search(ctx context.Context, text string, size int) ([]map[string]any, error) {
	q := url.Values{"text": {text}, "size": {fmt.Sprint(size)}}
	b, err := u.get(ctx, u.URL+"-/v1/search?"+q.Encode(), "search", maxDoc)
	if err != nil {
		return nil, err
	}
	var res struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: search answer is not JSON", u.Name)}
	}
	out := res.Objects[:0]
	for _, o := range res.Objects {
		p, _ := o["package"].(map[string]any)
		if name, _ := p["name"].(string); name != "" && u.Serves(name) {
			out = append(out, o)
		}
	}
	return out, nil
}

// CatalogEntry is one package of a FHIR package catalog (packages.fhir.org
// writes the keys capitalised, ccg in lower case: both decode).
type CatalogEntry struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	FHIRVersion string `json:"fhirVersion"`
	Version     string `json:"version"`
	LastUpdated string `json:"lastUpdated"`
}

// Catalog asks the upstream's FHIR package catalog (below its URL:
// "-/catalog" as ccg serves it, else "catalog" as packages.fhir.org does)
// with query (name=, fhirversion=, ...) and returns the entries whose
// names it serves.
func (u *Upstream) Catalog(ctx context.Context, query url.Values) ([]CatalogEntry, error) {
	var b []byte
	var err error
	for _, p := range []string{"-/catalog?", "catalog?"} {
		b, err = u.get(ctx, u.URL+p+query.Encode(), "catalog", maxDoc)
		if !errors.Is(err, ErrNotFound) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var all []CatalogEntry
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, &Error{Status: 502, Message: fmt.Sprintf("upstream %s: catalog is not a JSON array of packages", u.Name)}
	}
	out := all[:0]
	for _, e := range all {
		if e.Name != "" && u.Serves(e.Name) {
			out = append(out, e)
		}
	}
	return out, nil
}

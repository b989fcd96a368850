// Package npm serves the Guideline Repository over the npm registry HTTP
// API, so that `npm publish`, `npm install`, `npm search`, `npm view`,
// `npm dist-tag`, `npm whoami`, `npm ping` and `npm audit signatures` work
// against it (IHE CCG QRPH-61/62/63). It also serves the FHIR package
// registry catalog (QRPH-61's JSON array).
package npm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/internal/lockout"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/internal/storagefault"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// Handler is the npm API. Prefix is the path the registry is served under
// ("/npm/"); the npm registry URL is then http://HOST/npm/.
type Handler struct {
	reg    *registry.Registry
	prefix string
	log    *zap.Logger
	now    func() time.Time
	// limits, and the failures and web login sessions counted per client.
	limits             Limits
	failures, sessions *lockout.Limiter
	// changed is called after a publish or unpublish changed a package.
	changed func(name string)
	// upstreams are asked for what the store does not hold; with
	// searchUpstreams, for search results too.
	upstreams       upstream.Set
	searchUpstreams bool
	// docReads joins concurrent reads of one upstream document;
	// refreshing names the documents read in the background, which
	// background counts.
	docReads   singleflight.Group
	refreshing sync.Map
	background sync.WaitGroup
}

// OnChange registers f to be called, once the change is stored, with the
// name of every package published to or unpublished from the registry
// (before the client gets its answer). Call it before serving.
func (h *Handler) OnChange(f func(name string)) { h.changed = f }

// New returns a Handler serving reg under prefix (default "/").
func New(reg *registry.Registry, prefix string, log *zap.Logger) *Handler {
	if prefix == "" {
		prefix = "/"
	}
	if !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if log == nil {
		log = zap.NewNop()
	}
	h := &Handler{reg: reg, prefix: prefix, log: log, now: time.Now}
	h.SetLimits(DefaultLimits)
	return h
}

// Prefix returns the normalised path prefix.
func (h *Handler) Prefix() string { return h.prefix }

type apiError struct {
	status int
	msg    string
	extra  map[string]any
	// retryAfter (seconds) is sent as Retry-After.
	retryAfter int
}

func (e *apiError) Error() string { return e.msg }

func errf(status int, format string, a ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, a...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = 500, []byte(`{"error":"cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// Cache-Control of the documents: package documents and documents named
// by a dist-tag change with every publish, so clients revalidate them each
// time (cheap: ETag and 304); a version document is fixed once published;
// tarballs never change.
const (
	cacheRevalidate = "max-age=0, must-revalidate"
	cacheVersion    = "max-age=300"
	cacheImmutable  = "max-age=31536000, immutable"
)

// cacheControl scopes a policy: shared caches may keep documents only when
// reads need no token.
func (h *Handler) cacheControl(policy string) string {
	if h.reg.ReadNeedsAuth() {
		return "private, " + policy
	}
	return "public, " + policy
}

// etagMatch reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, c := range strings.Split(header, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.TrimPrefix(c, "W/") == want {
			return true
		}
	}
	return false
}

// notModified answers 304 when the request's validators match: an
// If-None-Match that names etag, else an If-Modified-Since at or after
// lastMod (which has second resolution in HTTP).
func notModified(w http.ResponseWriter, r *http.Request, etag string, lastMod time.Time) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	match := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		match = etagMatch(inm, etag)
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastMod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !lastMod.Truncate(time.Second).After(t) {
			match = true
		}
	}
	if match {
		w.WriteHeader(http.StatusNotModified)
	}
	return match
}

// writeCachedJSON writes a document with its validators (a strong ETag
// over the exact bytes, Last-Modified) and Cache-Control, or 304.
func (h *Handler) writeCachedJSON(w http.ResponseWriter, r *http.Request, v any, lastMod time.Time, policy string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the document: %w", err)
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Last-Modified", lastMod.UTC().Format(http.TimeFormat))
	hd.Set("Cache-Control", h.cacheControl(policy))
	if notModified(w, r, etag, lastMod) {
		return nil
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(200)
	w.Write(b)
	return nil
}

func writeError(w http.ResponseWriter, err error) {
	// Validators set before the failure must not describe the error.
	hd := w.Header()
	hd.Del("ETag")
	hd.Del("Last-Modified")
	hd.Set("Cache-Control", "no-store")
	var ae *apiError
	var re *registry.Error
	var ue *upstream.Error
	switch {
	case errors.As(err, &ae):
		retryAfterHeader(w, ae)
		body := map[string]any{"error": ae.msg}
		for k, v := range ae.extra {
			body[k] = v
		}
		writeJSON(w, ae.status, body)
	case errors.As(err, &re):
		body := map[string]any{"error": re.Message}
		if len(re.Violations) > 0 {
			vs := make([]map[string]string, len(re.Violations))
			for i, v := range re.Violations {
				vs[i] = map[string]string{"resource": v.Resource, "path": v.Path, "message": v.Message}
			}
			body["violations"] = vs
		}
		writeJSON(w, re.Status, body)
	case errors.As(err, &ue):
		writeJSON(w, ue.Status, map[string]any{"error": ue.Message})
	case errors.Is(err, context.Canceled):
		writeJSON(w, 499, map[string]any{"error": "request canceled"})
	case storagefault.Is(err):
		// The database's own text stays in the log.
		hd.Set("Retry-After", storagefault.RetryAfter)
		writeJSON(w, storagefault.Status, map[string]any{"error": storagefault.Message})
	default:
		writeJSON(w, 500, map[string]any{"error": err.Error()})
	}
}

// ServeHTTP routes npm API requests below the prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.serve(w, r); err != nil {
		h.logFailure(r, err)
		writeError(w, err)
	}
}

// logFailure logs the failures that are not the client's: upstream faults
// as warnings, others as errors.
func (h *Handler) logFailure(r *http.Request, err error) {
	var ae *apiError
	var re *registry.Error
	var ue *upstream.Error
	if errors.As(err, &ue) {
		h.log.Warn("upstream", zap.String("path", r.URL.Path), zap.String("error", ue.Message))
	} else if !errors.As(err, &ae) && !errors.As(err, &re) {
		h.log.Error("npm api", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(raw, h.prefix)
	if !ok {
		if raw+"/" == h.prefix {
			rest = ""
		} else {
			return errf(404, "not found")
		}
	}
	segs := []string{}
	for _, s := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return errf(400, "bad path")
		}
		segs = append(segs, u)
	}
	for len(segs) > 0 && segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	ctx := r.Context()
	if len(segs) == 0 {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return errf(405, "method not allowed")
		}
		writeJSON(w, 200, map[string]any{"db_name": "registry", "ccg": "Guideline Repository"})
		return nil
	}
	if segs[0] == "-" {
		return h.serveSpecial(w, r, segs[1:])
	}
	name, tail, err := splitName(segs)
	if err != nil {
		return err
	}
	switch {
	case len(tail) == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		return h.getPackage(w, r, name)
	case len(tail) == 0 && r.Method == http.MethodPut:
		return h.observePublish(ctx, w, r, name)
	case len(tail) == 1 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		return h.getVersion(w, r, name, tail[0])
	case len(tail) == 2 && tail[0] == "-" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		return h.observeTarball(w, r, name, tail[1])
	case len(tail) == 2 && tail[0] == "-rev" && r.Method == http.MethodPut:
		return h.changePackage(w, r, name, tail[1])
	case len(tail) == 2 && tail[0] == "-rev" && r.Method == http.MethodDelete:
		return h.unpublishAll(w, r, name, tail[1])
	case len(tail) == 4 && tail[0] == "-" && tail[2] == "-rev" && r.Method == http.MethodDelete:
		return h.deleteTarball(w, r, name, tail[1], tail[3])
	case r.Method == http.MethodDelete && segs[0] == strings.Trim(h.prefix, "/") && len(segs) > 1:
		// npm unpublish resolves the tarball's path against the registry
		// URL, repeating the prefix: /npm/npm/NAME/-/FILE/-rev/REV.
		if n, t, err := splitName(segs[1:]); err == nil && len(t) == 4 && t[0] == "-" && t[2] == "-rev" {
			return h.deleteTarball(w, r, n, t[1], t[3])
		}
	case len(tail) >= 1 && tail[0] == "-rev", len(tail) >= 3 && tail[0] == "-" && tail[2] == "-rev":
		return errf(405, "method not allowed")
	case len(tail) == 0 && r.Method == http.MethodDelete:
		return errf(405, "unpublish with npm unpublish (DELETE %s/-rev/REV)", name)
	}
	return errf(405, "method not allowed")
}

// splitName takes the package name off the path segments: "name",
// "@scope/name" (two segments) or "@scope%2fname" (one).
func splitName(segs []string) (string, []string, error) {
	name, tail := segs[0], segs[1:]
	if strings.HasPrefix(name, "@") && !strings.Contains(name, "/") {
		if len(tail) == 0 {
			return "", nil, errf(404, "not found")
		}
		name, tail = name+"/"+tail[0], tail[1:]
	}
	if !store.ValidName(name) {
		return "", nil, errf(404, "invalid package name %q", name)
	}
	return name, tail, nil
}

func (h *Handler) serveSpecial(w http.ResponseWriter, r *http.Request, segs []string) error {
	ctx := r.Context()
	path := strings.Join(segs, "/")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case path == "ping" && get:
		writeJSON(w, 200, map[string]any{})
		return nil
	case path == "whoami" && get:
		tok, err := h.token(ctx, r)
		if err != nil {
			return err
		}
		writeJSON(w, 200, map[string]any{"username": tok.User})
		return nil
	case path == "npm/v1/keys" && get:
		writeJSON(w, 200, map[string]any{"keys": []sign.NPMKey{h.reg.SigningKey().NPMKey()}})
		return nil
	case path == "v1/search" && get:
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		return h.search(w, r)
	case path == "catalog" && get:
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		return h.Catalog(w, r)
	case path == "v1/login" && r.Method == http.MethodPost:
		if err := h.checkWebLoginRoom(ctx, r); err != nil {
			return err
		}
		return h.startWebLogin(w, r)
	case len(segs) >= 3 && segs[0] == "npm" && segs[1] == "v1" && segs[2] == "tokens":
		return h.serveTokens(w, r, segs[3:])
	case len(segs) == 4 && segs[0] == "v1" && segs[1] == "login" && segs[2] == "web":
		return h.webLoginPage(w, r, segs[3])
	case len(segs) == 4 && segs[0] == "v1" && segs[1] == "login" && segs[2] == "done" && get:
		return h.pollWebLogin(w, r, segs[3])
	case len(segs) == 3 && segs[0] == "user" && segs[1] == "token" && r.Method == http.MethodDelete:
		// npm logout: revoke the token named in the path (only by its holder).
		if bearer(r) != segs[2] {
			return errf(403, "a token can only be revoked by its holder")
		}
		if _, err := h.token(ctx, r); err != nil {
			return err
		}
		if err := h.reg.Store().DeleteToken(ctx, registry.HashToken(segs[2])); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		writeJSON(w, 200, map[string]any{"ok": true})
		return nil
	case len(segs) == 2 && segs[0] == "user" && strings.HasPrefix(segs[1], "org.couchdb.user:") && r.Method == http.MethodPut:
		return h.login(w, r, strings.TrimPrefix(segs[1], "org.couchdb.user:"))
	case len(segs) == 2 && segs[0] == "user" && strings.HasPrefix(segs[1], "org.couchdb.user:") && get:
		// npm owner add/rm look the user up first.
		return h.userDoc(w, r, strings.TrimPrefix(segs[1], "org.couchdb.user:"))
	case len(segs) >= 2 && segs[0] == "package":
		name, tail, err := splitName(segs[1:])
		if err != nil {
			return err
		}
		if len(tail) == 0 || tail[0] != "dist-tags" || len(tail) > 2 {
			return errf(404, "not found")
		}
		tag := ""
		if len(tail) == 2 {
			tag = tail[1]
		}
		return h.distTags(w, r, name, tag)
	}
	return errf(404, "not found")
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(a, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func (h *Handler) token(ctx context.Context, r *http.Request) (*store.Token, error) {
	t := bearer(r)
	if t == "" {
		return nil, errf(401, "authentication required: log in or set a token")
	}
	if err := h.checkLocked(r, "attempts"); err != nil {
		return nil, err
	}
	tok, err := h.reg.Authenticate(ctx, t)
	if err != nil {
		return nil, h.tokenError(r, err)
	}
	return tok, nil
}

func actor(t *store.Token) store.Actor { return store.Actor{User: t.User, Admin: t.Admin} }

// notMaintainer is the 403 for a user who does not own a package.
func notMaintainer(user, name string) *apiError {
	return errf(403, "user %s is not a maintainer of %s: ask one of its maintainers to run `npm owner add %s %s`", user, name, user, name)
}

// revString is the package document's _rev: the change count, then a
// digest that makes it unique to the package.
func revString(p *store.Package) string {
	d := sha256.Sum256([]byte(p.Name + "\x00" + strconv.FormatInt(p.Rev, 10)))
	return strconv.FormatInt(p.Rev, 10) + "-" + hex.EncodeToString(d[:8])
}

func parseRev(s string) (int64, bool) {
	n, _, _ := strings.Cut(s, "-")
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil && v >= 0
}

func (h *Handler) readAuth(ctx context.Context, r *http.Request) error {
	if !h.reg.ReadNeedsAuth() || isLocal(r) {
		return nil
	}
	_, err := h.token(ctx, r)
	return err
}

func (h *Handler) publishAuth(ctx context.Context, r *http.Request) (*store.Token, error) {
	tok, err := h.token(ctx, r)
	if err != nil {
		return nil, err
	}
	if !tok.Publish {
		return nil, errf(403, "user %s has no publish rights", tok.User)
	}
	return tok, nil
}

// baseURL is the registry URL as the client reached it.
func (h *Handler) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + h.prefix
}

func escapeName(name string) string {
	return strings.Replace(url.PathEscape(name), "%40", "@", 1)
}

func tarballName(name, version string) string {
	base := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		base = name[i+1:]
	}
	return base + "-" + version + ".tgz"
}

func (h *Handler) tarballURL(r *http.Request, name, version string) string {
	return h.baseURL(r) + name + "/-/" + tarballName(name, version)
}

// versionDoc returns the stored version document with its dist.tarball
// pointing at this server.
func (h *Handler) versionDoc(r *http.Request, v *store.Version) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal(v.Doc, &doc); err != nil {
		return nil, fmt.Errorf("stored document of %s@%s: %w", v.Name, v.Version, err)
	}
	dist, _ := doc["dist"].(map[string]any)
	if dist == nil {
		dist = map[string]any{}
		doc["dist"] = dist
	}
	dist["tarball"] = h.tarballURL(r, v.Name, v.Version)
	dist["integrity"] = v.Integrity
	dist["shasum"] = v.Shasum
	return doc, nil
}

func (h *Handler) getPackage(w http.ResponseWriter, r *http.Request, name string) error {
	body, lastMod, err := h.packageBody(r, name)
	if err != nil {
		return err
	}
	return h.writeCachedJSON(w, r, body, lastMod, cacheRevalidate)
}

// packageBody is the package document of name: the versions held and
// those of an upstream (see upstreamDoc), and when it last changed.
func (h *Handler) packageBody(r *http.Request, name string) (map[string]any, time.Time, error) {
	ctx := r.Context()
	p, err := h.reg.Store().Package(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p = nil
	case err != nil:
		return nil, time.Time{}, err
	}
	up, err := h.upstreamDoc(ctx, name, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	if p == nil && up == nil {
		return nil, time.Time{}, errf(404, "package %s not found", name)
	}
	versions := map[string]any{}
	times := map[string]any{}
	tags := map[string]string{}
	body := map[string]any{"_id": name, "name": name}
	var lastMod time.Time
	mirror := false
	if p != nil {
		times["created"] = p.Created.Format(time.RFC3339Nano)
		times["modified"] = p.Modified.Format(time.RFC3339Nano)
		for i := range p.Versions {
			v := &p.Versions[i]
			doc, err := h.versionDoc(r, v)
			if err != nil {
				return nil, time.Time{}, err
			}
			versions[v.Version] = doc
			times[v.Version] = v.Published.Format(time.RFC3339Nano)
			if v.Version == p.DistTags["latest"] {
				mirror = registry.IsMirror(v.Publisher)
			}
		}
		maps.Copy(tags, p.DistTags)
		maintainers := make([]map[string]string, 0, len(p.Maintainers))
		for _, m := range p.Maintainers {
			maintainers = append(maintainers, map[string]string{"name": m.Name, "email": m.Email})
		}
		body["_rev"], body["description"], body["keywords"], body["maintainers"] = revString(p), p.Description, p.Keywords, maintainers
		lastMod = p.Modified
	}
	if up != nil {
		h.mergeUpstream(r, up, versions, times, tags, p == nil || mirror, body)
		// The upstream's part may change at any time: only the entity
		// tag tells whether the document changed.
		lastMod = h.now()
	}
	body["dist-tags"], body["versions"], body["time"] = tags, versions, times
	var latestDoc map[string]any
	if d, ok := versions[tags["latest"]].(map[string]any); ok {
		latestDoc = d
	}
	for _, k := range []string{"author", "license", "readme", "homepage", "repository", "fhirVersions", "ccgMirror"} {
		if v, ok := latestDoc[k]; ok {
			body[k] = v
		}
	}
	if _, ok := body["readme"]; !ok {
		body["readme"] = ""
	}
	return body, lastMod, nil
}

func (h *Handler) getVersion(w http.ResponseWriter, r *http.Request, name, spec string) error {
	err := h.getLocalVersion(w, r, name, spec)
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != 404 || len(h.upstreams.For(name)) == 0 {
		return err
	}
	up, uerr := h.upstreamDocFor(r.Context(), name, spec)
	if errors.Is(uerr, upstream.ErrNotFound) {
		return err
	}
	if uerr != nil {
		return uerr
	}
	ver := spec
	if !store.ValidVersion(spec) {
		ver = up.DistTags()[spec]
	}
	vd, ok := up.Versions()[ver]
	if !ok {
		return err
	}
	return h.writeCachedJSON(w, r, h.upstreamVersionDoc(r, up, ver, vd), time.Now(), cacheRevalidate)
}

func (h *Handler) getLocalVersion(w http.ResponseWriter, r *http.Request, name, spec string) error {
	ver, policy := spec, cacheVersion
	var tagged time.Time
	if !store.ValidVersion(spec) {
		p, err := h.reg.Store().Package(r.Context(), name)
		if errors.Is(err, store.ErrNotFound) {
			return errf(404, "package %s not found", name)
		}
		if err != nil {
			return err
		}
		v, ok := p.DistTags[spec]
		if !ok {
			return errf(404, "version or tag %q of %s not found", spec, name)
		}
		// A tag can move: revalidate, and date the document by the package.
		ver, policy, tagged = v, cacheRevalidate, p.Modified
	}
	v, err := h.reg.Store().Version(r.Context(), name, ver)
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "%s@%s not found", name, spec)
	}
	if err != nil {
		return err
	}
	doc, err := h.versionDoc(r, v)
	if err != nil {
		return err
	}
	lastMod := v.Published
	if tagged.After(lastMod) {
		lastMod = tagged
	}
	return h.writeCachedJSON(w, r, doc, lastMod, policy)
}

func (h *Handler) getTarball(w http.ResponseWriter, r *http.Request, name, file string) error {
	base := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		base = name[i+1:]
	}
	ver, ok := strings.CutPrefix(file, base+"-")
	ver, ok2 := strings.CutSuffix(ver, ".tgz")
	if !ok || !ok2 || !store.ValidVersion(ver) {
		return errf(404, "tarball %s not found", file)
	}
	return h.serveTarball(w, r, name, ver, file)
}

// serveTarball sends the tarball of name@ver (file names it in errors),
// fetching it from an upstream when the store does not hold it.
func (h *Handler) serveTarball(w http.ResponseWriter, r *http.Request, name, ver, file string) error {
	v, err := h.reg.Store().Version(r.Context(), name, ver)
	if errors.Is(err, store.ErrNotFound) && len(h.upstreams.For(name)) > 0 {
		v, data, err := h.fetchUpstream(r.Context(), name, ver)
		if errors.Is(err, upstream.ErrNotFound) {
			return errf(404, "tarball %s not found", file)
		}
		if err != nil {
			return err
		}
		h.tarballValidators(w, v)
		return writeTarball(w, r, data)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "tarball %s not found", file)
	}
	if err != nil {
		return err
	}
	h.tarballValidators(w, v)
	if notModified(w, r, `"`+v.Integrity+`"`, v.Published) {
		return nil
	}
	data, err := h.reg.Store().Tarball(r.Context(), name, ver)
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "tarball %s not found", file)
	}
	if errors.Is(err, store.ErrCorrupt) {
		h.log.Error("corrupt tarball refused", zap.String("package", name), zap.String("version", ver))
		return errf(500, "stored tarball of %s@%s is corrupt", name, ver)
	}
	if err != nil {
		return err
	}
	return writeTarball(w, r, data)
}

// tarballValidators sets the validators of a tarball: it never changes, so
// its integrity is its entity tag.
func (h *Handler) tarballValidators(w http.ResponseWriter, v *store.Version) {
	hd := w.Header()
	hd.Set("ETag", `"`+v.Integrity+`"`)
	hd.Set("Last-Modified", v.Published.UTC().Format(http.TimeFormat))
	hd.Set("Cache-Control", h.cacheControl(cacheImmutable))
}

// writeTarball sends a tarball (its validators set).
func writeTarball(w http.ResponseWriter, r *http.Request, data []byte) error {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(200)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return nil
}

// publishBody is what `npm publish` sends.
type publishBody struct {
	ID          string                     `json:"_id"`
	Name        string                     `json:"name"`
	DistTags    map[string]string          `json:"dist-tags"`
	Versions    map[string]json.RawMessage `json:"versions"`
	Attachments map[string]struct {
		ContentType string `json:"content_type"`
		Data        string `json:"data"`
		Length      int64  `json:"length"`
	} `json:"_attachments"`
}

func (h *Handler) publish(w http.ResponseWriter, r *http.Request, name string) error {
	ctx := r.Context()
	tok, err := h.publishAuth(ctx, r)
	if err != nil {
		return err
	}
	lim := h.reg.Limits().MaxCompressed
	maxBody := lim/3*4 + 8<<20
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return errf(500, "reading the request: %v", err)
	}
	if int64(len(body)) > maxBody {
		return errf(413, "request larger than %d bytes", maxBody)
	}
	var pb publishBody
	if err := json.Unmarshal(body, &pb); err != nil {
		// Not an npm publish document at all: the client's mistake, not a
		// package that failed validation.
		return errf(400, "publish body is not an npm package document: %v", err)
	}
	if len(pb.Attachments) == 0 {
		// npm deprecate PUTs the package document without a tarball.
		return h.deprecate(w, r, tok, name, pb)
	}
	// The shape of the document first: a body that is not one version
	// document and one base64 tarball is malformed (400) whatever else it
	// says; only then is it validated as a publish, and refusals of a
	// well-formed publish are 500 (QRPH-63).
	if len(pb.Versions) != 1 || len(pb.Attachments) != 1 {
		return errf(400, "a publish carries exactly one version and one tarball")
	}
	var ver string
	var rawDoc json.RawMessage
	for v, d := range pb.Versions {
		ver, rawDoc = v, d
	}
	var doc map[string]any
	if err := json.Unmarshal(rawDoc, &doc); err != nil || doc == nil {
		return errf(400, "version document of %s is not a JSON object", ver)
	}
	var att struct {
		Data   string
		Length int64
	}
	for _, a := range pb.Attachments {
		att.Data, att.Length = a.Data, a.Length
	}
	tgz, err := base64.StdEncoding.DecodeString(att.Data)
	if err != nil {
		return errf(400, "attachment is not base64: %v", err)
	}
	if pb.Name != name || (pb.ID != "" && pb.ID != name) {
		return errf(500, "package name %q in the body does not match the URL %q", pb.Name, name)
	}
	if !store.ValidVersion(ver) {
		return errf(500, "invalid version %q", ver)
	}
	if doc["name"] != name || doc["version"] != ver {
		return errf(500, "version document names %v@%v, expected %s@%s", doc["name"], doc["version"], name, ver)
	}
	// Refuse a republish before doing any work.
	existing, err := h.reg.Store().Package(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		existing = nil
		_, mirror := pb.DistTags[MirrorTag]
		if err := h.reg.CheckName(name, mirror); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		for _, v := range existing.Versions {
			if v.Version == ver {
				return errf(403, "cannot publish over the previously published versions: %s.", ver)
			}
		}
		if !tok.Admin && len(existing.Maintainers) > 0 && !slices.ContainsFunc(existing.Maintainers, func(m store.Maintainer) bool { return m.Name == tok.User }) {
			return notMaintainer(tok.User, name)
		}
	}
	if att.Length != 0 && att.Length != int64(len(tgz)) {
		return errf(500, "attachment length %d does not match its %d bytes", att.Length, len(tgz))
	}
	integrity, shasum := registry.Integrity(tgz)
	dist, _ := doc["dist"].(map[string]any)
	if dist != nil {
		if want, ok := dist["integrity"].(string); ok && want != "" && want != integrity {
			return errf(500, "tarball integrity %s does not match versions[%s].dist.integrity %s", integrity, ver, want)
		}
		if want, ok := dist["shasum"].(string); ok && want != "" && want != shasum {
			return errf(500, "tarball shasum %s does not match versions[%s].dist.shasum %s", shasum, ver, want)
		}
	}
	if _, ok := pb.DistTags[MirrorTag]; ok {
		return h.publishMirror(ctx, w, tok, name, ver, tgz, doc)
	}
	checked, err := h.reg.Check(ctx, tgz)
	if err != nil {
		var re *registry.Error
		if errors.As(err, &re) {
			h.log.Info("publish refused", zap.String("package", name), zap.String("version", ver), zap.Int("status", re.Status), zap.String("reason", re.Message))
		}
		return err
	}
	m := checked.Package.Manifest
	if m.Name != name || m.Version != ver {
		return errf(500, "package/package.json is %s@%s but %s@%s was published", m.Name, m.Version, name, ver)
	}
	sig, err := h.reg.SigningKey().SignVersion(name, ver, integrity)
	if err != nil {
		return err
	}
	unpacked := 0
	for _, b := range checked.Package.Files {
		unpacked += len(b)
	}
	doc["dist"] = map[string]any{
		"integrity":    integrity,
		"shasum":       shasum,
		"tarball":      h.tarballURL(r, name, ver),
		"fileCount":    len(checked.Package.Files),
		"unpackedSize": unpacked,
		"signatures":   []sign.RegistrySignature{sig},
	}
	email := ""
	if u, err := h.reg.Store().User(ctx, tok.User); err == nil {
		email = u.Email
	}
	doc["_npmUser"] = map[string]any{"name": tok.User, "email": email}
	if _, ok := doc["maintainers"]; !ok {
		doc["maintainers"] = []any{map[string]any{"name": tok.User, "email": email}}
	}
	doc["fhirVersions"] = m.FHIRVersions
	// What FHIR tools read from package.json, whatever the client sent:
	// the catalog's canonical query and the feed's kind use them.
	for _, k := range []string{"canonical", "url", "type"} {
		if v, ok := m.Raw[k]; ok {
			doc[k] = v
		}
	}
	if checked.Signed.Resources > 0 || checked.Signed.Package {
		doc["ccgSignatures"] = map[string]any{"resources": checked.Signed.Resources, "package": checked.Signed.Package, "signers": checked.Signed.Signers}
	}
	delete(doc, "_attachments")
	docBytes, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	tags := map[string]string{}
	for t, v := range pb.DistTags {
		if v == ver {
			tags[t] = v
		}
	}
	if len(tags) == 0 {
		tags["latest"] = ver
	}
	if existing == nil || existing.DistTags["latest"] == "" {
		tags["latest"] = ver // a package always has a latest version
	}
	desc, _ := doc["description"].(string)
	if desc == "" {
		desc = m.Description
	}
	fhirVer := ""
	if len(m.FHIRVersions) > 0 {
		fhirVer = m.FHIRVersions[0]
	}
	bases := checked.Package.CanonicalBases()
	claims := make([]string, 0, len(bases))
	for b := range bases {
		claims = append(claims, b)
	}
	if !tok.Admin && store.ReservedName(name) {
		return errf(403, "%s is a reserved package name", name)
	}
	sctx, span := obs.Start(ctx, "registry.store")
	err = h.reg.Store().Publish(sctx, store.PublishRequest{
		Version: store.Version{
			Name: name, Version: ver, Doc: docBytes, Integrity: integrity, Shasum: shasum, SHA512: checked.SHA512,
			Description: desc, FHIRVersion: fhirVer, Keywords: m.Keywords, Publisher: tok.User,
			Published: h.now(), Canonical: store.CanonicalOf(m.Raw),
		},
		Tarball:    tgz,
		DistTags:   tags,
		Admin:      tok.Admin,
		Canonicals: claims,
	})
	obs.End(span, err)
	var te *store.TrustError
	if errors.As(err, &te) {
		h.log.Info("publish refused", zap.String("package", name), zap.String("version", ver), zap.String("user", tok.User), zap.String("reason", te.Error()))
		return trustRefusal(te, name, bases)
	}
	if errors.Is(err, store.ErrVersionExists) {
		return errf(403, "cannot publish over the previously published versions: %s.", ver)
	}
	if errors.Is(err, store.ErrForbidden) {
		return notMaintainer(tok.User, name)
	}
	if err != nil {
		return err
	}
	h.log.Info("published", zap.String("package", name), zap.String("version", ver), zap.String("user", tok.User),
		zap.Int("bytes", len(tgz)), zap.Int("signedResources", checked.Signed.Resources))
	if h.changed != nil {
		h.changed(name)
	}
	writeJSON(w, 200, map[string]any{"ok": true, "id": name, "rev": "1-" + checked.SHA512[:32], "success": true})
	return nil
}

func (h *Handler) distTags(w http.ResponseWriter, r *http.Request, name, tag string) error {
	ctx := r.Context()
	s := h.reg.Store()
	switch {
	case tag == "" && r.Method == http.MethodGet:
		if err := h.readAuth(ctx, r); err != nil {
			return err
		}
		p, err := s.Package(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return errf(404, "package %s not found", name)
		}
		if err != nil {
			return err
		}
		writeJSON(w, 200, p.DistTags)
		return nil
	case tag != "" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		tok, err := h.publishAuth(ctx, r)
		if err != nil {
			return err
		}
		var ver string
		b, err := io.ReadAll(io.LimitReader(r.Body, 1024))
		if err != nil {
			return errf(400, "reading the request: %v", err)
		}
		if err := json.Unmarshal(bytes.TrimSpace(b), &ver); err != nil {
			return errf(400, "body must be a JSON string naming a version")
		}
		if err := distTagError(s.SetDistTag(ctx, actor(tok), name, tag, ver), tok.User, name, name+"@"+ver); err != nil {
			return err
		}
		writeJSON(w, 201, map[string]any{"ok": true})
		return nil
	case tag != "" && r.Method == http.MethodDelete:
		tok, err := h.publishAuth(ctx, r)
		if err != nil {
			return err
		}
		if err := distTagError(s.DeleteDistTag(ctx, actor(tok), name, tag), tok.User, name, "tag "+tag+" of "+name); err != nil {
			return err
		}
		writeJSON(w, 200, map[string]any{"ok": true})
		return nil
	}
	return errf(405, "method not allowed")
}

// distTagError maps a store error of a dist-tag change by user on package
// name to its answer; missing names what was not found.
func distTagError(err error, user, name, missing string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errf(404, "%s not found", missing)
	case errors.Is(err, store.ErrForbidden):
		return notMaintainer(user, name)
	case errors.Is(err, store.ErrInvalid):
		return errf(400, "%v", err)
	}
	return err
}

// changePackage serves PUT /{name}/-rev/{rev}: `npm owner add` and
// `npm owner rm` send {_id, _rev, maintainers}. Changing anything else
// (unpublishing versions) is refused: versions are immutable.
func (h *Handler) changePackage(w http.ResponseWriter, r *http.Request, name, revText string) error {
	ctx := r.Context()
	tok, err := h.publishAuth(ctx, r)
	if err != nil {
		return err
	}
	rev, ok := parseRev(revText)
	if !ok {
		return errf(400, "bad revision %q", revText)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errf(400, "reading the request: %v", err)
	}
	var body struct {
		ID          string                     `json:"_id"`
		Maintainers *[]struct{ Name string }   `json:"maintainers"`
		Versions    map[string]json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return errf(400, "body is not a package document: %v", err)
	}
	if body.ID != "" && body.ID != name {
		return errf(400, "_id %q does not match the URL %q", body.ID, name)
	}
	p, err := h.reg.Store().Package(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "package %s not found", name)
	}
	if err != nil {
		return err
	}
	if body.Versions != nil {
		// npm unpublish NAME@VERSION sends the document without the version.
		var gone []string
		for _, v := range p.Versions {
			if _, ok := body.Versions[v.Version]; !ok {
				gone = append(gone, v.Version)
			}
		}
		if len(gone) > 0 {
			return h.unpublish(w, r, tok, name, rev, gone)
		}
	}
	if body.Maintainers == nil {
		return errf(400, "only the maintainers of a package can be changed")
	}
	var users []string
	for _, m := range *body.Maintainers {
		if m.Name == "" {
			return errf(400, "a maintainer without a name")
		}
		if !slices.Contains(users, m.Name) {
			users = append(users, m.Name)
		}
	}
	err = h.reg.Store().SetMaintainers(ctx, actor(tok), name, rev, users)
	switch {
	case errors.Is(err, store.ErrForbidden):
		return notMaintainer(tok.User, name)
	case errors.Is(err, store.ErrConflict):
		return errf(409, "%s changed since revision %s: read it again and retry", name, revText)
	case errors.Is(err, store.ErrNoUser):
		return errf(404, "%v", err)
	case errors.Is(err, store.ErrInvalid):
		return errf(400, "%s needs at least one maintainer", name)
	case errors.Is(err, store.ErrNotFound):
		return errf(404, "package %s not found", name)
	case err != nil:
		return err
	}
	h.log.Info("maintainers changed", zap.String("package", name), zap.String("user", tok.User), zap.Strings("maintainers", users))
	np, err := h.reg.Store().Package(ctx, name)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"ok": true, "id": name, "rev": revString(np)})
	return nil
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, name string) error {
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Email    string `json:"email"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return errf(400, "reading the request: %v", err)
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return errf(400, "body is not JSON")
	}
	if body.Name != "" && body.Name != name {
		return errf(400, "user name in the body does not match the URL")
	}
	if !validUserName(name) {
		return errf(400, "a user name must not be empty nor contain ':' or '/'")
	}
	if err := h.checkLocked(r, "logins"); err != nil {
		return err
	}
	tok, err := h.reg.Login(r.Context(), name, body.Password, body.Email)
	if err != nil {
		return h.countFailure(r, err)
	}
	h.failures.Succeed(clientKey(r))
	writeJSON(w, 201, map[string]any{"ok": true, "id": "org.couchdb.user:" + name, "rev": "1", "token": tok})
	return nil
}

func atoiDefault(s string, d, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return d
	}
	return min(max(n, lo), hi)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	size := atoiDefault(q.Get("size"), 20, 1, 250)
	from := atoiDefault(q.Get("from"), 0, 0, 1<<30)
	hits, total, err := h.reg.Store().Search(r.Context(), store.SearchQuery{Text: q.Get("text"), Size: size, From: from})
	if err != nil {
		return err
	}
	objects := make([]map[string]any, 0, len(hits))
	for _, hit := range hits {
		scope := "unscoped"
		if strings.HasPrefix(hit.Name, "@") {
			scope = strings.TrimPrefix(strings.SplitN(hit.Name, "/", 2)[0], "@")
		}
		kw := hit.Keywords
		if kw == nil {
			kw = []string{}
		}
		maintainers := make([]any, 0, len(hit.Maintainers))
		for _, m := range hit.Maintainers {
			maintainers = append(maintainers, map[string]any{"username": m.Name, "email": m.Email})
		}
		objects = append(objects, map[string]any{
			"package": map[string]any{
				"name": hit.Name, "scope": scope, "version": hit.Version, "description": hit.Description,
				"keywords": kw, "date": hit.Modified.Format(time.RFC3339Nano),
				"links":       map[string]any{"npm": h.baseURL(r) + escapeName(hit.Name)},
				"publisher":   map[string]any{"username": hit.Publisher},
				"maintainers": maintainers,
				"fhirVersion": hit.FHIRVersion,
				"ccgMirror":   registry.IsMirror(hit.Publisher),
			},
			"score":       map[string]any{"final": 1.0, "detail": map[string]any{"quality": 1.0, "popularity": 1.0, "maintenance": 1.0}},
			"searchScore": 1.0,
			"flags":       map[string]any{},
			"updated":     hit.Modified.Format(time.RFC3339Nano),
		})
	}
	// An empty text lists the repository (engine sync does): only what it
	// holds.
	if h.searchUpstreams && from == 0 && strings.TrimSpace(q.Get("text")) != "" && !isLocal(r) {
		n := len(objects)
		objects = h.upstreamHits(r.Context(), q.Get("text"), size, objects)
		total += len(objects) - n
	}
	writeJSON(w, 200, map[string]any{"objects": objects, "total": total, "time": h.now().UTC().Format(time.RFC1123)})
	return nil
}

// ServeCatalog serves the catalog as a plain http.HandlerFunc (for a
// route outside the prefix, such as /catalog).
func (h *Handler) ServeCatalog(w http.ResponseWriter, r *http.Request) {
	err := h.readAuth(r.Context(), r)
	if err == nil {
		err = h.Catalog(w, r)
	}
	if err != nil {
		writeError(w, err)
	}
}

// CatalogEntry is one element of the QRPH-61 / FHIR package registry
// catalog response.
type CatalogEntry struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	FHIRVersion string `json:"FHIRVersion"`
	LastUpdated string `json:"lastUpdated"`
	Version     string `json:"version"`
	// Mirror marks a FHIR package held for others (imported or cached
	// from an upstream), not CCG content published here.
	Mirror bool `json:"mirror,omitempty"`
	// Upstream names the upstream a package not held here was found on
	// (--upstream-search).
	Upstream string `json:"upstream,omitempty"`
}

// Catalog serves GET /catalog?name=&canonical=&fhirversion=&prerelease=&since=&text=:
// a JSON array of {name, description, FHIRVersion, lastUpdated} sorted
// newest first (see catalogEntries).
func (h *Handler) Catalog(w http.ResponseWriter, r *http.Request) error {
	out, err := h.catalogEntries(r)
	if err != nil {
		return err
	}
	writeJSON(w, 200, out)
	return nil
}

// fhirReleases maps the FHIR release names a catalog query may use to
// the version prefix they stand for.
var fhirReleases = map[string]string{
	"r2": "1.0", "dstu2": "1.0", "r3": "3.0", "stu3": "3.0", "r4": "4.0", "r4b": "4.3", "r5": "5.0", "r6": "6.0",
}

// catalogEntries answers a catalog query: name (part of the name), text
// (name, description, keywords), fhirversion (a release, R4, or a version
// or its prefix, 4.0.1 or 4.0), canonical (the package's canonical URL,
// or a URL below it), prerelease=false (leave out packages whose latest
// version is a pre-release), since (modified at or after). Newest first;
// the upstreams' entries follow when asked (--upstream-search).
func (h *Handler) catalogEntries(r *http.Request) ([]CatalogEntry, error) {
	q := r.URL.Query()
	ctx := r.Context()
	sq := store.SearchQuery{Name: q.Get("name"), FHIRVersion: q.Get("fhirversion"), Text: q.Get("text"), Size: 1000}
	if sq.FHIRVersion == "" {
		sq.FHIRVersion = q.Get("fhirVersion")
	}
	if v, ok := fhirReleases[strings.ToLower(sq.FHIRVersion)]; ok {
		sq.FHIRVersion = v
	}
	if s := q.Get("since"); s != "" {
		t, err := parseSince(s)
		if err != nil {
			return nil, errf(400, "since: %v", err)
		}
		sq.Since = t
	}
	prerelease := true
	if s := q.Get("prerelease"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errf(400, "prerelease: %q is neither true nor false", s)
		}
		prerelease = b
	}
	sq.Canonical = strings.TrimSuffix(q.Get("canonical"), "/")
	hits, _, err := h.reg.Store().Search(ctx, sq)
	if err != nil {
		return nil, err
	}
	out := make([]CatalogEntry, 0, len(hits))
	for _, hit := range hits {
		if !prerelease && strings.Contains(strings.SplitN(hit.Version, "+", 2)[0], "-") {
			continue
		}
		out = append(out, CatalogEntry{Name: hit.Name, Description: hit.Description, FHIRVersion: hit.FHIRVersion,
			LastUpdated: hit.Modified.Format(time.RFC3339), Version: hit.Version, Mirror: registry.IsMirror(hit.Publisher)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastUpdated > out[j].LastUpdated })
	// Only a query is passed on: the whole catalog (engine sync reads it)
	// is what the repository holds.
	if h.searchUpstreams && (sq.Name != "" || sq.Text != "") && !isLocal(r) {
		out = h.upstreamCatalog(ctx, q, out)
	}
	return out, nil
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date or dateTime", s)
}

package npm

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// SetUpstreams makes the handler ask ups, in order, for the packages and
// versions the store does not hold: their documents are merged into the
// package documents served, and a tarball fetched from one is verified,
// kept in the store as a mirror and served from there on. Call it before
// serving.
func (h *Handler) SetUpstreams(ups upstream.Set) { h.upstreams = ups }

// SearchUpstreams makes npm search (/-/v1/search) and the catalog add the
// upstreams' results for packages the repository does not hold, marked
// with the upstream's name; an upstream that fails is left out.
func (h *Handler) SearchUpstreams(on bool) { h.searchUpstreams = on }

// upstreamHits appends to objects the upstreams' search results for
// packages not among them, at most size in all.
func (h *Handler) upstreamHits(ctx context.Context, text string, size int, objects []map[string]any) []map[string]any {
	seen := map[string]bool{}
	for _, o := range objects {
		p, _ := o["package"].(map[string]any)
		name, _ := p["name"].(string)
		seen[name] = true
	}
	for _, u := range h.upstreams {
		if len(objects) >= size {
			break
		}
		found, err := u.Search(ctx, text, size)
		if err != nil {
			h.log.Warn("upstream search", zap.String("upstream", u.Name), zap.Error(err))
			continue
		}
		for _, o := range found {
			p := o["package"].(map[string]any)
			name := p["name"].(string)
			if seen[name] || len(objects) >= size {
				continue
			}
			seen[name] = true
			p = maps.Clone(p)
			p["ccgUpstream"] = u.Name
			delete(p, "links")
			o = maps.Clone(o)
			o["package"] = p
			objects = append(objects, o)
		}
	}
	return objects
}

// upstreamDoc reads name's document from the upstreams serving it: nil
// when none serves it or has it, or when p (the package as held, or nil)
// has a version published here: a package of this repository is never
// extended from an upstream (which would let an upstream slip a version
// into it). When the package is held, an upstream fault is logged and nil
// returned, so that what is held is still served.
func (h *Handler) upstreamDoc(ctx context.Context, name string, p *store.Package) (*upstream.Doc, error) {
	if len(h.upstreams.For(name)) == 0 || publishedHere(p) {
		return nil, nil
	}
	d, err := h.upstreams.Package(ctx, name)
	switch {
	case errors.Is(err, upstream.ErrNotFound):
		return nil, nil
	case err != nil && p != nil:
		h.log.Warn("upstream unavailable; serving the versions held", zap.String("package", name), zap.Error(err))
		return nil, nil
	}
	return d, err
}

// publishedHere reports whether a held package has a version published to
// this repository (not a mirror).
func publishedHere(p *store.Package) bool {
	if p == nil {
		return false
	}
	for _, v := range p.Versions {
		if !registry.IsMirror(v.Publisher) {
			return true
		}
	}
	return false
}

// upstreamDocFor reads name's document for a version the store does not
// hold: ErrNotFound when the upstreams may not be asked (see upstreamDoc)
// or none has it; their fault otherwise.
func (h *Handler) upstreamDocFor(ctx context.Context, name string) (*upstream.Doc, error) {
	p, err := h.reg.Store().Package(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p = nil
	case err != nil:
		return nil, err
	}
	if len(h.upstreams.For(name)) == 0 || publishedHere(p) {
		return nil, upstream.ErrNotFound
	}
	return h.upstreams.Package(ctx, name)
}

// upstreamVersionDoc is an upstream's version document as this registry
// serves it: its tarball at this server (fetched from the upstream on
// first use), the upstream's integrity, no signatures (they are the
// upstream's, not ours), and the upstream named.
func (h *Handler) upstreamVersionDoc(r *http.Request, d *upstream.Doc, ver string, vd map[string]any) map[string]any {
	doc := maps.Clone(vd)
	dist := map[string]any{}
	if old, ok := vd["dist"].(map[string]any); ok {
		maps.Copy(dist, old)
	}
	delete(dist, "signatures")
	dist["tarball"] = h.tarballURL(r, d.Name, ver)
	doc["dist"] = dist
	doc["ccgUpstream"] = d.Upstream.Name
	return doc
}

// mergeUpstream adds the versions of an upstream document the store does
// not hold, and its dist-tags (over the store's when upstreamTags, for a
// package held only as a mirror).
func (h *Handler) mergeUpstream(r *http.Request, d *upstream.Doc, versions, times map[string]any, tags map[string]string, upstreamTags bool, body map[string]any) {
	ut := d.Time()
	for ver, vd := range d.Versions() {
		if _, held := versions[ver]; held || !store.ValidVersion(ver) {
			continue
		}
		versions[ver] = h.upstreamVersionDoc(r, d, ver, vd)
		if t, ok := ut[ver]; ok {
			times[ver] = t
		}
	}
	for tag, ver := range d.DistTags() {
		if _, ok := versions[ver]; !ok {
			continue
		}
		if _, ok := tags[tag]; !ok || upstreamTags {
			tags[tag] = ver
		}
	}
	for _, k := range []string{"created", "modified"} {
		if _, ok := times[k]; !ok && ut[k] != nil {
			times[k] = ut[k]
		}
	}
	if _, ok := body["description"]; !ok {
		body["description"] = d.Raw["description"]
	}
}

// fetchUpstream fetches name@ver from the first upstream that has it,
// verifies it, stores it as a mirror and returns it. Nothing is stored
// when the tarball does not match its integrity or is not a FHIR package.
func (h *Handler) fetchUpstream(ctx context.Context, name, ver string) (*store.Version, []byte, error) {
	d, err := h.upstreamDocFor(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	vd, ok := d.Versions()[ver]
	if !ok {
		return nil, nil, upstream.ErrNotFound
	}
	tgz, err := d.Tarball(ctx, ver, h.reg.Limits().MaxCompressed)
	if err != nil {
		return nil, nil, err
	}
	extra := maps.Clone(vd)
	delete(extra, "dist")
	v, err := h.reg.StoreMirror(ctx, tgz, "upstream:"+d.Upstream.Name, name+"@"+ver, extra)
	var re *registry.Error
	var te *store.TrustError
	switch {
	case errors.Is(err, store.ErrVersionExists):
		// Fetched meanwhile by another request: serve the stored one.
		v, err = h.reg.Store().Version(ctx, name, ver)
		if err != nil {
			return nil, nil, err
		}
		data, err := h.reg.Store().Tarball(ctx, name, ver)
		return v, data, err
	case errors.As(err, &re):
		return nil, nil, &upstream.Error{Status: 502, Message: "upstream " + d.Upstream.Name + " served " + name + "@" + ver + " that is not a valid FHIR package: " + re.Message}
	case errors.As(err, &te):
		return nil, nil, &upstream.Error{Status: 502, Message: "upstream " + d.Upstream.Name + " served " + name + "@" + ver + " that cannot be kept here: " + te.Error()}
	case err != nil:
		return nil, nil, err
	}
	h.log.Info("cached from upstream", zap.String("package", name), zap.String("version", ver), zap.String("upstream", d.Upstream.Name), zap.Int("bytes", len(tgz)))
	return v, tgz, nil
}

// MirrorTag is the dist-tag that makes a publish a mirror (`npm publish
// --tag mirror`, admin tokens only): the package is checked as a FHIR
// package, not as CCG content, and stored as ccg package import stores
// it. The tag itself is not kept.
const MirrorTag = "mirror"

func (h *Handler) publishMirror(ctx context.Context, w http.ResponseWriter, tok *store.Token, name, ver string, tgz []byte, doc map[string]any) error {
	if !tok.Admin {
		return errf(403, "only an admin token may publish a mirror (--tag %s); user %s has none", MirrorTag, tok.User)
	}
	extra := maps.Clone(doc)
	delete(extra, "dist")
	v, err := h.reg.StoreMirror(ctx, tgz, "publish", name+"@"+ver, extra)
	var te *store.TrustError
	switch {
	case errors.Is(err, store.ErrVersionExists):
		return errf(403, "cannot publish over the previously published versions: %s.", ver)
	case errors.As(err, &te):
		return errf(403, "%s", te.Error())
	case err != nil:
		return err
	}
	h.log.Info("mirror published", zap.String("package", name), zap.String("version", ver), zap.String("user", tok.User), zap.Int("bytes", len(tgz)))
	writeJSON(w, 200, map[string]any{"ok": true, "id": name, "rev": "1-" + v.SHA512[:32], "success": true})
	return nil
}

// upstreamCatalog appends to out the upstreams' catalog entries for
// packages not in it.
func (h *Handler) upstreamCatalog(ctx context.Context, q url.Values, out []CatalogEntry) []CatalogEntry {
	seen := map[string]bool{}
	for _, e := range out {
		seen[e.Name] = true
	}
	for _, u := range h.upstreams {
		found, err := u.Catalog(ctx, q)
		if err != nil {
			h.log.Warn("upstream catalog", zap.String("upstream", u.Name), zap.Error(err))
			continue
		}
		for _, e := range found {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			out = append(out, CatalogEntry{Name: e.Name, Description: e.Description, FHIRVersion: e.FHIRVersion,
				Version: e.Version, LastUpdated: e.LastUpdated, Upstream: u.Name})
		}
	}
	return out
}

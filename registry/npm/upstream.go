package npm

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"

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

// Upstream documents are kept in the store (store.UpstreamDoc), not in
// memory: one read from an upstream is served until it is older than its
// upstream's TTL. A package the store holds is never kept waiting on an
// upstream: it is served with the kept document, however old (or none),
// while a fresh one is read in the background.

// keptUpstreamDoc returns the document kept in the store for name, if
// the upstream that sent it still serves the name, and whether it is
// younger than that upstream's TTL.
func (h *Handler) keptUpstreamDoc(ctx context.Context, name string) (d *upstream.Doc, fresh bool) {
	c, err := h.reg.Store().CachedUpstreamDoc(ctx, name)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.log.Warn("reading a kept upstream document", zap.String("package", name), zap.Error(err))
		}
		return nil, false
	}
	u := h.upstreams.Named(c.Upstream)
	if u == nil || !u.Serves(name) {
		return nil, false
	}
	if d, err = u.Decode(name, c.Doc); err != nil {
		return nil, false
	}
	return d, h.now().Sub(c.Fetched) < u.TTL
}

// readUpstreamDoc reads name's document from the upstreams (one read
// per name at a time, whoever asks) and keeps it in the store. The read
// is not canceled with the request that started it: others may wait on
// it, and the upstream's timeout bounds it.
func (h *Handler) readUpstreamDoc(ctx context.Context, name string) (*upstream.Doc, error) {
	v, err, _ := h.docReads.Do(name, func() (any, error) {
		ctx := context.WithoutCancel(ctx)
		d, err := h.upstreams.Package(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := h.reg.Store().PutUpstreamDoc(ctx, store.UpstreamDoc{Name: name, Upstream: d.Upstream.Name, Doc: d.Bytes, Fetched: h.now()}); err != nil {
			h.log.Warn("keeping an upstream document", zap.String("package", name), zap.Error(err))
		}
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*upstream.Doc), nil
}

// refreshUpstreamDoc reads name's document again in the background
// (unless a refresh of it is under way).
func (h *Handler) refreshUpstreamDoc(name string) {
	if _, busy := h.refreshing.LoadOrStore(name, true); busy {
		return
	}
	h.background.Add(1)
	go func() {
		defer h.background.Done()
		defer h.refreshing.Delete(name)
		if _, err := h.readUpstreamDoc(context.Background(), name); err != nil && !errors.Is(err, upstream.ErrNotFound) {
			h.log.Warn("upstream refresh failed; serving the versions held", zap.String("package", name), zap.Error(err))
		}
	}()
}

// Close waits for the background reads of upstream documents to end
// (each is bounded by its upstream's timeout).
func (h *Handler) Close() error {
	h.background.Wait()
	return nil
}

// upstreamDoc reads name's document from the upstreams serving it: nil
// when none serves it or has it, or when p (the package as held, or nil)
// has a version published here: a package of this repository is never
// extended from an upstream (which would let an upstream slip a version
// into it). A held package does not wait on an upstream: the kept
// document (or none) is used and a stale one refreshed in the
// background. A package not held waits for the upstreams; when they fail,
// a stale kept document still serves.
func (h *Handler) upstreamDoc(ctx context.Context, name string, p *store.Package) (*upstream.Doc, error) {
	if len(h.upstreams.For(name)) == 0 || publishedHere(p) {
		return nil, nil
	}
	kept, fresh := h.keptUpstreamDoc(ctx, name)
	if fresh {
		return kept, nil
	}
	if p != nil {
		h.refreshUpstreamDoc(name)
		return kept, nil
	}
	d, err := h.readUpstreamDoc(ctx, name)
	switch {
	case errors.Is(err, upstream.ErrNotFound):
		return nil, nil
	case err != nil && kept != nil:
		h.log.Warn("upstream unavailable; serving the document read before", zap.String("package", name), zap.Error(err))
		return kept, nil
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
// hold (want: the version or tag asked for): ErrNotFound when the
// upstreams may not be asked (see upstreamDoc) or none has it; their fault
// otherwise. A kept document serves while fresh and naming want.
func (h *Handler) upstreamDocFor(ctx context.Context, name, want string) (*upstream.Doc, error) {
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
	if kept, fresh := h.keptUpstreamDoc(ctx, name); fresh {
		if _, ok := kept.Versions()[want]; ok {
			return kept, nil
		}
		if _, ok := kept.DistTags()[want]; ok {
			return kept, nil
		}
	}
	return h.readUpstreamDoc(ctx, name)
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
	d, err := h.upstreamDocFor(ctx, name, ver)
	if err != nil {
		return nil, nil, err
	}
	vd, ok := d.Versions()[ver]
	if !ok {
		return nil, nil, upstream.ErrNotFound
	}
	tgz, err := d.Tarball(ctx, ver, h.reg.Limits().MaxCompressed)
	var ue *upstream.Error
	if errors.As(err, &ue) {
		// The document may be one kept from before the upstream changed
		// the version's tarball: read it again, and retry once if its
		// dist changed.
		if nd, rerr := h.readUpstreamDoc(ctx, name); rerr == nil && !reflect.DeepEqual(nd.Versions()[ver]["dist"], vd["dist"]) {
			if nvd, ok := nd.Versions()[ver]; ok {
				d, vd = nd, nvd
				tgz, err = d.Tarball(ctx, ver, h.reg.Limits().MaxCompressed)
			}
		}
		if errors.As(err, &ue) {
			// The kept document is not believed any longer: the next
			// request reads it again (it still serves, stale, while the
			// upstream is down).
			if perr := h.reg.Store().PutUpstreamDoc(ctx, store.UpstreamDoc{Name: name, Upstream: d.Upstream.Name, Doc: d.Bytes}); perr != nil {
				h.log.Warn("marking an upstream document stale", zap.String("package", name), zap.Error(perr))
			}
		}
	}
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

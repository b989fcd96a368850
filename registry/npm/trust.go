package npm

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/registry/store"
)

// trustRefusal is the answer to a publish refused by publisher trust:
// 409 for a canonical URL base owned by another publisher (naming the
// owner and the resource that used it), 403 for a scope, a look-alike or
// a reserved name. bases maps the package's bases to their first user.
func trustRefusal(te *store.TrustError, name string, bases map[string]string) *apiError {
	switch {
	case errors.Is(te, store.ErrCanonicalTaken):
		used := ""
		var hits []string
		for b, what := range bases {
			if b == te.Subject || strings.HasPrefix(b, te.Subject+"/") {
				hits = append(hits, what+": "+b)
			}
		}
		sort.Strings(hits)
		if len(hits) > 0 {
			used = "; " + name + " uses it (" + strings.Join(hits, "; ") + ")"
		}
		e := errf(409, "%v%s: only its owner may publish packages with canonical URLs under it; use canonical URLs under a base you own, or ask an administrator to assign it (ccg registry assign-canonical)", te, used)
		e.extra = map[string]any{"owner": te.Owner, "canonical": te.Subject}
		return e
	case errors.Is(te, store.ErrScopeTaken):
		return errf(403, "%v: ask %s to make you a maintainer of one of its packages (npm owner add YOU %s/PACKAGE), or publish under your own scope", te, te.Owner, te.Subject)
	case errors.Is(te, store.ErrNameTaken) && te.Package == name:
		return errf(403, "%s was unpublished and stays reserved for its owner %s", name, te.Owner)
	case errors.Is(te, store.ErrNameTaken):
		return errf(403, "%v (names are compared ignoring case, '-', '_', '.' and look-alike characters such as rn/m, 0/o, 1/l): choose a distinct name", te)
	}
	return errf(403, "%v", te)
}

// deprecate serves `npm deprecate`: a PUT of the package document without
// a tarball whose versions carry changed "deprecated" messages ("" clears
// one). Nothing else of a published version can change.
func (h *Handler) deprecate(w http.ResponseWriter, r *http.Request, tok *store.Token, name string, pb publishBody) error {
	ctx := r.Context()
	if pb.Name != "" && pb.Name != name || pb.ID != "" && pb.ID != name {
		return errf(400, "package name in the body does not match the URL %q", name)
	}
	p, err := h.reg.Store().Package(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "package %s not found", name)
	}
	if err != nil {
		return err
	}
	stored := map[string]string{}
	for _, v := range p.Versions {
		var d struct {
			Deprecated string `json:"deprecated"`
		}
		_ = json.Unmarshal(v.Doc, &d)
		stored[v.Version] = d.Deprecated
	}
	changes := map[string]string{}
	for ver, raw := range pb.Versions {
		old, ok := stored[ver]
		if !ok {
			return errf(400, "%s@%s is not published: new versions are published with a tarball (npm publish)", name, ver)
		}
		var d struct {
			Deprecated *string `json:"deprecated"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return errf(400, "version document of %s is not a JSON object", ver)
		}
		if d.Deprecated != nil && *d.Deprecated != old {
			changes[ver] = *d.Deprecated
		}
	}
	if len(changes) == 0 {
		return errf(400, "the request changes nothing that can change: published versions are immutable, only their deprecation message (npm deprecate) can be set")
	}
	switch err := h.reg.Store().Deprecate(ctx, actor(tok), name, changes); {
	case errors.Is(err, store.ErrForbidden):
		return notMaintainer(tok.User, name)
	case errors.Is(err, store.ErrNotFound):
		return errf(404, "%v", err)
	case err != nil:
		return err
	}
	h.log.Info("deprecation changed", zap.String("package", name), zap.String("user", tok.User), zap.Int("versions", len(changes)))
	writeJSON(w, 200, map[string]any{"ok": true, "id": name})
	return nil
}

// unpublish removes versions of a package (all when versions is nil)
// within store.UnpublishGrace of their publication.
func (h *Handler) unpublish(w http.ResponseWriter, r *http.Request, tok *store.Token, name string, rev int64, versions []string) error {
	ctx := r.Context()
	err := h.reg.Store().Unpublish(ctx, actor(tok), name, rev, versions, h.now().Add(-store.UnpublishGrace))
	switch {
	case errors.Is(err, store.ErrForbidden):
		return notMaintainer(tok.User, name)
	case errors.Is(err, store.ErrTooOld):
		return errf(403, "%v: versions can be unpublished within %d hours of publishing; deprecate it instead (npm deprecate %s@VERSION \"why\")",
			err, int(store.UnpublishGrace.Hours()), name)
	case errors.Is(err, store.ErrConflict):
		return errf(409, "%s changed since it was read: read it again and retry", name)
	case errors.Is(err, store.ErrNotFound):
		return errf(404, "%v", err)
	case err != nil:
		return err
	}
	h.log.Info("unpublished", zap.String("package", name), zap.Strings("versions", versions), zap.String("user", tok.User))
	if h.changed != nil {
		h.changed(name)
	}
	writeJSON(w, 200, map[string]any{"ok": true, "id": name})
	return nil
}

// unpublishAll serves DELETE /{name}/-rev/{rev} (npm unpublish NAME --force).
func (h *Handler) unpublishAll(w http.ResponseWriter, r *http.Request, name, revText string) error {
	tok, err := h.publishAuth(r.Context(), r)
	if err != nil {
		return err
	}
	rev, ok := parseRev(revText)
	if !ok {
		return errf(400, "bad revision %q", revText)
	}
	return h.unpublish(w, r, tok, name, rev, nil)
}

// deleteTarball serves DELETE /{name}/-/{file}/-rev/{rev}, the last step
// of `npm unpublish NAME@VERSION` (after the version left the document):
// it unpublishes the version when it is still there.
func (h *Handler) deleteTarball(w http.ResponseWriter, r *http.Request, name, file, revText string) error {
	ctx := r.Context()
	tok, err := h.publishAuth(ctx, r)
	if err != nil {
		return err
	}
	base := name[strings.LastIndex(name, "/")+1:]
	ver, ok := strings.CutPrefix(file, base+"-")
	ver, ok2 := strings.CutSuffix(ver, ".tgz")
	if !ok || !ok2 || !store.ValidVersion(ver) {
		return errf(404, "tarball %s not found", file)
	}
	if _, err := h.reg.Store().Version(ctx, name, ver); errors.Is(err, store.ErrNotFound) {
		writeJSON(w, 200, map[string]any{"ok": true})
		return nil
	} else if err != nil {
		return err
	}
	rev, ok := parseRev(revText)
	if !ok {
		return errf(400, "bad revision %q", revText)
	}
	return h.unpublish(w, r, tok, name, rev, []string{ver})
}

package npm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// Every failure answers with the right status and an npm error body
// ({"error": "..."}, application/json), which npm prints after the status.
func TestErrorBodies(t *testing.T) {
	f := newFixture(t, func(o *registry.Options) { o.AllowSignup = false })
	tgz := testpkg.Tarball(testpkg.Options{Name: "errs", Version: "1.0.0"})
	if code, m := f.publish(t, "errs", "1.0.0", tgz); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	bob := f.user(t, "bob", store.Token{Publish: true})
	deprecate, _ := json.Marshal(map[string]any{"_id": "errs", "name": "errs", "versions": map[string]any{"1.0.0": map[string]any{"deprecated": "old"}}})
	noChange, _ := json.Marshal(map[string]any{"_id": "errs", "name": "errs", "versions": map[string]any{"1.0.0": map[string]any{"description": "new"}}})
	deprecateNew, _ := json.Marshal(map[string]any{"_id": "errs", "name": "errs", "versions": map[string]any{"2.0.0": map[string]any{"deprecated": "old"}}})
	for _, tc := range []struct {
		method, path, token string
		body                string
		want                int
		msg                 string
	}{
		{"GET", "nope", "", "", 404, "not found"},
		{"GET", "UPPER", "", "", 404, "invalid package name"},
		{"GET", "@scope", "", "", 404, "not found"},
		{"GET", "errs/9.9.9", "", "", 404, "not found"},
		{"GET", "errs/nosuchtag", "", "", 404, "not found"},
		{"GET", "errs/-/errs-9.9.9.tgz", "", "", 404, "not found"},
		{"GET", "errs/-/other-1.0.0.tgz", "", "", 404, "not found"},
		{"GET", "-/nothing", "", "", 404, "not found"},
		{"POST", "errs", f.token, "{}", 405, "method not allowed"},
		{"DELETE", "errs", f.token, "", 405, "npm unpublish"},
		{"DELETE", "errs/-rev/x", f.token, "", 400, "bad revision"},
		{"DELETE", "errs/-rev/1-x", bob, "", 403, "not a maintainer"},
		{"DELETE", "errs/-/errs-1.0.0.tgz/-rev/1-x", bob, "", 403, "not a maintainer"},
		{"DELETE", "errs/-/errs-1.0.0.tgz/-rev/1-x", "", "", 401, "authentication required"},
		{"DELETE", "errs/-rev/0-x", f.token, "", 409, "changed since"},
		{"PUT", "errs", "", "{}", 401, "authentication required"},
		{"PUT", "errs", "ccg_bogus", "{}", 401, "invalid token"},
		{"PUT", "errs", f.readOnly, "{}", 403, "no publish rights"},
		{"PUT", "errs", bob, string(PublishBody("errs", "1.1.0", testpkg.Tarball(testpkg.Options{Name: "errs", Version: "1.1.0"}))), 403, "not a maintainer"},
		{"PUT", "errs", f.token, string(PublishBody("errs", "1.0.0", tgz)), 403, "previously published"},
		{"PUT", "errs", f.token, "{", 400, "not an npm package document"},
		{"PUT", "errs", f.token, string(noChange), 400, "only their deprecation message"},
		{"PUT", "errs", f.token, string(deprecateNew), 400, "is not published"},
		{"PUT", "errs", bob, string(deprecate), 403, "not a maintainer"},
		{"PUT", "errs", f.token, string(PublishBody("other", "1.0.0", tgz)), 500, "does not match"},
		{"GET", "-/whoami", "", "", 401, "authentication required"},
		{"GET", "-/user/org.couchdb.user:nobody", "", "", 401, "authentication required"},
		{"GET", "-/user/org.couchdb.user:nobody", f.token, "", 404, "not found"},
		{"GET", "-/user/org.couchdb.user:bob", f.readOnly, "", 403, "only shown to that user"},
		{"PUT", "-/user/org.couchdb.user:nobody", "", `{"name":"nobody","password":"x"}`, 401, "wrong user name or password"},
		{"PUT", "-/user/org.couchdb.user:nobody", "", `{`, 400, "not JSON"},
		{"DELETE", "-/user/token/abc", f.token, "", 403, "only be revoked by its holder"},
		{"GET", "-/package/errs/dist-tags/x", "", "", 405, "method not allowed"},
		{"GET", "-/package/nope/dist-tags", "", "", 404, "not found"},
		{"PUT", "-/package/errs/dist-tags/beta", f.token, `1`, 400, "JSON string"},
		{"PUT", "-/package/errs/dist-tags/beta", f.token, `"9.9.9"`, 404, "not found"},
		{"PUT", "-/package/errs/dist-tags/1.0.0", f.token, `"1.0.0"`, 400, "bad tag"},
		{"DELETE", "-/package/errs/dist-tags/latest", f.token, "", 400, "cannot be removed"},
		{"DELETE", "-/package/errs/dist-tags/none", f.token, "", 404, "not found"},
		{"PUT", "-/package/nope/dist-tags/beta", f.token, `"1.0.0"`, 404, "not found"},
		{"GET", "-/catalog?since=yesterday", "", "", 400, "since"},
		{"GET", "-/v1/login", "", "", 404, "not found"},
	} {
		code, m, raw := f.do(t, tc.method, tc.path, tc.token, []byte(tc.body))
		msg, _ := m["error"].(string)
		if code != tc.want || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s /%s: %d %s, want %d with an error containing %q", tc.method, tc.path, code, raw, tc.want, tc.msg)
		}
	}
}

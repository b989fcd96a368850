package npm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry/internal/storetest"
	"github.com/ccg-project/ccg/registry/store"
)

func maintainerNames(m map[string]any) []string {
	var out []string
	ms, _ := m["maintainers"].([]any)
	for _, x := range ms {
		mm, _ := x.(map[string]any)
		out = append(out, mm["name"].(string)+" <"+mm["email"].(string)+">")
	}
	return out
}

// ownerBody is what `npm owner add/rm` PUTs to /{name}/-rev/{rev}.
func ownerBody(name, rev string, users ...string) []byte {
	var ms []map[string]string
	for _, u := range users {
		ms = append(ms, map[string]string{"name": u, "email": u + "@example.org"})
	}
	b, _ := json.Marshal(map[string]any{"_id": name, "_rev": rev, "maintainers": ms})
	return b
}

func TestOwnership(t *testing.T) {
	for backend, open := range storetest.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			f := newFixtureOn(t, open(t), nil)
			bob := f.user(t, "bob", store.Token{Publish: true})
			root := f.user(t, "root", store.Token{Admin: true})
			tgz := func(v string) []byte { return testpkg.Tarball(testpkg.Options{Name: "@ccg/owned", Version: v}) }
			pub := func(token, v string) (int, map[string]any) {
				code, m, _ := f.do(t, "PUT", "@ccg%2fowned", token, PublishBody("@ccg/owned", v, tgz(v)))
				return code, m
			}
			if code, m := pub(f.token, "1.0.0"); code != 200 {
				t.Fatalf("alice's first publish: %d %v", code, m)
			}
			_, doc, _ := f.do(t, "GET", "@ccg%2fowned", "", nil)
			if diff := cmp.Diff([]string{"alice <>"}, maintainerNames(doc)); diff != "" {
				t.Errorf("maintainers (-want +got):\n%s", diff)
			}
			// bob is refused with 403 and an npm error naming the fix.
			code, m := pub(bob, "1.1.0")
			if msg, _ := m["error"].(string); code != 403 || !strings.Contains(msg, "not a maintainer") || !strings.Contains(msg, "npm owner add bob @ccg/owned") {
				t.Errorf("bob's publish: %d %v", code, m)
			}
			if code, m, _ := f.do(t, "PUT", "-/package/@ccg%2fowned/dist-tags/beta", bob, []byte(`"1.0.0"`)); code != 403 || m["error"] == nil {
				t.Errorf("bob's dist-tag: %d %v", code, m)
			}
			// An admin token publishes anything.
			if code, m := pub(root, "1.2.0"); code != 200 {
				t.Errorf("admin publish: %d %v", code, m)
			}
			// npm owner add: the user lookup, then the PUT to -rev.
			if code, u, _ := f.do(t, "GET", "-/user/org.couchdb.user:bob", bob, nil); code != 200 || u["name"] != "bob" || u["email"] != "bob@example.org" {
				t.Errorf("user lookup: %d %v", code, u)
			}
			if code, u, _ := f.do(t, "GET", "-/user/org.couchdb.user:nobody", bob, nil); code != 404 || u["error"] == nil {
				t.Errorf("missing user lookup: %d %v", code, u)
			}
			_, doc, _ = f.do(t, "GET", "@ccg%2fowned", "", nil)
			rev, _ := doc["_rev"].(string)
			if code, m, _ := f.do(t, "PUT", "@ccg%2fowned/-rev/"+rev, bob, ownerBody("@ccg/owned", rev, "alice", "bob")); code != 403 {
				t.Errorf("bob adding himself: %d %v", code, m)
			}
			code, m, _ = f.do(t, "PUT", "@ccg%2fowned/-rev/"+rev, f.token, ownerBody("@ccg/owned", rev, "alice", "bob"))
			if code != 200 || m["rev"] == rev {
				t.Fatalf("owner add: %d %v", code, m)
			}
			// The same revision again conflicts.
			if code, m, _ := f.do(t, "PUT", "@ccg%2fowned/-rev/"+rev, f.token, ownerBody("@ccg/owned", rev, "alice")); code != 409 || m["error"] == nil {
				t.Errorf("stale revision: %d %v", code, m)
			}
			_, doc, _ = f.do(t, "GET", "@ccg%2fowned", "", nil)
			if diff := cmp.Diff([]string{"alice <>", "bob <bob@example.org>"}, maintainerNames(doc)); diff != "" {
				t.Errorf("maintainers after owner add (-want +got):\n%s", diff)
			}
			if code, m := pub(bob, "1.3.0"); code != 200 {
				t.Errorf("bob's publish as maintainer: %d %v", code, m)
			}
			_, res, _ := f.do(t, "GET", "-/v1/search?text=owned", "", nil)
			objs, _ := res["objects"].([]any)
			if len(objs) != 1 || !strings.Contains(fmt.Sprint(objs[0]), "maintainers:[map[email: username:alice] map[email:bob@example.org username:bob]]") {
				t.Errorf("search maintainers: %v", objs)
			}
			// Refusals of the -rev endpoint, each with an npm error body.
			_, doc, _ = f.do(t, "GET", "@ccg%2fowned", "", nil)
			rev = doc["_rev"].(string)
			for i, tc := range []struct {
				token, rev string
				body       []byte
				want       int
			}{
				{bob, rev, ownerBody("@ccg/owned", rev), 400},               // no maintainer left
				{bob, rev, ownerBody("@ccg/owned", rev, "bob", "zed"), 404}, // unknown user
				{bob, "x", ownerBody("@ccg/owned", "x", "bob"), 400},
				{bob, "0-x", []byte(`{"_id":"@ccg/owned","versions":{}}`), 409}, // an unpublish of a stale revision
				{bob, rev, []byte(`{"_id":"@ccg/owned"}`), 400},
				{bob, rev, []byte(`{`), 400},
				{"", rev, ownerBody("@ccg/owned", rev, "bob"), 401},
				{f.readOnly, rev, ownerBody("@ccg/owned", rev, "bob"), 403},
			} {
				code, m, raw := f.do(t, "PUT", "@ccg%2fowned/-rev/"+tc.rev, tc.token, tc.body)
				if code != tc.want || m["error"] == nil {
					t.Errorf("refusal %d: %d %s, want %d with an error", i, code, raw, tc.want)
				}
			}
			// bob removes alice, who is then refused.
			code, m, _ = f.do(t, "PUT", "@ccg%2fowned/-rev/"+rev, bob, ownerBody("@ccg/owned", rev, "bob"))
			if code != 200 {
				t.Fatalf("owner rm: %d %v", code, m)
			}
			if code, m := pub(f.token, "1.4.0"); code != 403 {
				t.Errorf("removed owner's publish: %d %v", code, m)
			}
			p, _ := f.st.Package(t.Context(), "@ccg/owned")
			if len(p.Versions) != 3 {
				t.Errorf("%d versions stored, want 3", len(p.Versions))
			}
		})
	}
}

package npm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/cqlcheck"
	"github.com/ccg-project/ccg/registry/store"
)

// wellFormedPublish reports whether body is an npm publish document of the
// shape `npm publish` sends: one version whose document is a JSON object
// and one base64 attachment. Only such a publish may be refused with 500
// (QRPH-63: a package that fails validation); anything else is the
// client's mistake and a 4xx.
func wellFormedPublish(body []byte) bool {
	var pb publishBody
	if json.Unmarshal(body, &pb) != nil || len(pb.Versions) != 1 || len(pb.Attachments) != 1 {
		return false
	}
	for _, d := range pb.Versions {
		var doc map[string]any
		if json.Unmarshal(d, &doc) != nil || doc == nil {
			return false
		}
	}
	for _, a := range pb.Attachments {
		if _, err := base64.StdEncoding.DecodeString(a.Data); err != nil {
			return false
		}
	}
	return true
}

// storeShape is what a refused publish must leave as it was: the number of
// packages and, for the package named in the URL, its versions and
// dist-tags.
func storeShape(t *testing.T, st store.Store, name string) string {
	ctx := context.Background()
	_, total, err := st.Search(ctx, store.SearchQuery{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"packages": total}
	if p, err := st.Package(ctx, name); err == nil {
		var vs []string
		for _, v := range p.Versions {
			vs = append(vs, v.Version+" "+v.Integrity)
		}
		out["versions"], out["tags"] = vs, p.DistTags
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// FuzzPublish PUTs arbitrary publish bodies to /npm/{name}. With a
// tarball, the body is the document `npm publish` sends for it (version
// taken from the body argument), so the fuzzer reaches the package checks
// with arbitrary tarball bytes; without one, body is sent as it is.
// Nothing may panic; the status is never 500 except for a well-formed
// publish that fails validation; the answer is an npm JSON object
// ({"error": ...} unless 200); and a refused publish changes nothing in
// the store. Run with:
//
//	go test -run '^$' -fuzz=FuzzPublish -fuzztime=3m ./registry/npm
func FuzzPublish(f *testing.F) {
	good := testpkg.Tarball(testpkg.Options{Name: "fz", Version: "1.1.0"})
	files := testpkg.Files(testpkg.Options{Name: "fz", Version: "1.2.0"})
	delete(files, ".index.json")
	files["Broken.json"] = []byte(`{"resourceType":`)
	broken, _ := fhirpkg.WriteTarball(files)
	for _, s := range []struct {
		name, body string
		tgz        []byte
	}{
		{"fz", "1.1.0", good},
		{"fz", "1.0.0", good}, // already published
		{"fz", "1.2.0", broken},
		{"fz", "9.9.9", []byte("hello")},
		{"other", "1.1.0", good},
		{"@scope/fz", "1.1.0", good},
		{"fz", "not-a-version", good},
		{"fz", "", nil},
		{"fz", "{", nil},
		{"fz", "[]", nil},
		{"fz", "null", nil},
		{"fz", `{"name":"fz","versions":{},"_attachments":{}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":5},"_attachments":{"x":{"data":"aGVsbG8="}}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1"}},"_attachments":{"x":{"data":"!!"}}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1"}},"_attachments":{"x":{"data":"aGVsbG8=","length":99}}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1"}},"_attachments":{"x":{"data":"aGVsbG8=","length":1e99}}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1"},"1.0.2":{}},"_attachments":{"x":{"data":""},"y":{}}}`, nil},
		{"fz", `{"name":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1","dist":{"integrity":5,"shasum":"x"}}},"_attachments":{"x":{"data":""}}}`, nil},
		{"fz", `{"_id":7,"name":["fz"],"dist-tags":"latest","versions":{"1.0.1":{}},"_attachments":{"x":{"data":"","content_type":1}}}`, nil},
	} {
		f.Add(s.name, s.body, s.tgz)
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	key, err := sign.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key})
	if err != nil {
		f.Fatal(err)
	}
	h := New(reg, "/npm/", nil)
	if err := st.CreateUser(ctx, store.User{Name: "alice"}); err != nil {
		f.Fatal(err)
	}
	token, hash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true}); err != nil {
		f.Fatal(err)
	}
	put := func(name string, body []byte) *httptest.ResponseRecorder {
		return fuzzRequest(h, http.MethodPut, escapeName(name), token, body)
	}
	if rec := put("fz", PublishBody("fz", "1.0.0", testpkg.Tarball(testpkg.Options{Name: "fz", Version: "1.0.0"}))); rec.Code != 200 {
		f.Fatalf("publishing fz@1.0.0: %d %s", rec.Code, rec.Body)
	}

	f.Fuzz(func(t *testing.T, name, body string, tgz []byte) {
		payload := []byte(body)
		if len(tgz) > 0 {
			payload = PublishBody(name, body, tgz)
		}
		before := storeShape(t, st, name)
		rec := put(name, payload)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("PUT %q: status %d, answer is not a JSON object (%v): %s", name, rec.Code, err, rec.Body)
		}
		if rec.Code == 200 {
			return
		}
		if msg, _ := m["error"].(string); msg == "" {
			t.Fatalf("PUT %q: status %d without an npm error: %s", name, rec.Code, rec.Body)
		}
		if rec.Code == 500 && !wellFormedPublish(payload) {
			t.Fatalf("PUT %q: 500 for a body that is not a publish document: %s\nbody: %q", name, rec.Body, payload)
		}
		if after := storeShape(t, st, name); after != before {
			t.Fatalf("PUT %q refused with %d changed the store:\nbefore %s\nafter  %s", name, rec.Code, before, after)
		}
	})
}

func fuzzRequest(h http.Handler, method, path, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://registry.test/npm/"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// FuzzPublishPackage publishes well-formed npm documents whose tarball is
// a generated CCG test package with one file replaced (or added) by
// arbitrary bytes and arbitrary CQL in its Library, so the fuzzer reaches
// the QRPH-63 package checks (resources, CARDs, CQL compilation). Each
// input is published under a fresh package name. A publish is stored (200,
// and its tarball is served back unchanged) or refused with an npm error
// (4xx, or 500 for a package that fails validation) leaving the store as
// it was; nothing may panic. Run with:
//
//	go test -run '^$' -fuzz=FuzzPublishPackage -fuzztime=3m ./registry/npm
func FuzzPublishPackage(f *testing.F) {
	names := slices.Sorted(maps.Keys(testpkg.Files(testpkg.Options{Name: "fzp", Version: "1.0.0"})))
	f.Add(uint8(0), []byte(nil), "")
	for i := range names {
		f.Add(uint8(i), []byte(`{"resourceType":"PlanDefinition","id":"x","action":[{"definitionCanonical":7}]}`), "")
	}
	f.Add(uint8(len(names)), []byte(`{"resourceType":"Library","id":"extra","content":[{"contentType":"text/cql","data":"!!"}]}`), "")
	f.Add(uint8(0), []byte(`{"name":"other","version":"1.0.0"}`), "")
	f.Add(uint8(0), []byte(`{"name":"fzp","version":"1.0.0","fhirVersions":"4.0.1"}`), "")
	f.Add(uint8(0), []byte(nil), "library TestLogic version '1.0.0'\n\ndefine \"Applies\": (singleton from {1, 2}) > 0\n")
	f.Add(uint8(0), []byte(nil), "library TestLogic version '1.0.0'\ndefine \"Applies\": Interval[5, 1]\n")
	f.Add(uint8(0), []byte(nil), "library Other\ndefine \"X\": 'unterminated\n")
	f.Add(uint8(0), []byte(nil), "library TestLogic version '1.0.0'\nusing FHIR version '4.0.1'\ninclude Missing version '9'\ncontext Patient\ndefine \"Applies\": [Observation] O where O.value > 1 'mg'\n")

	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	key, err := sign.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	// The CQL compile check as `ccg serve registry` configures it.
	opts := []cql.Option{cql.WithModel(fhir.R4())}
	for name, fn := range fhir.FHIRHelpersNatives {
		opts = append(opts, cql.WithNativeFunction("FHIRHelpers", name, func(args []value.Value) (value.Value, error) { return fn(args) }))
	}
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key, Validators: []registry.Validator{cqlcheck.New(fhir.NewLibraryResolver(), opts...)}})
	if err != nil {
		f.Fatal(err)
	}
	h := New(reg, "/npm/", nil)
	if err := st.CreateUser(ctx, store.User{Name: "alice"}); err != nil {
		f.Fatal(err)
	}
	token, hash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true}); err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, which uint8, content []byte, cql string) {
		n++
		name := fmt.Sprintf("fzp%d", n)
		files := testpkg.Files(testpkg.Options{Name: name, Version: "1.0.0", CQL: cql})
		if len(content) > 0 {
			target := "Extra.json"
			if i := int(which); i < len(names) {
				target = names[i]
				if target == "package.json" {
					content = bytes.ReplaceAll(content, []byte(`"fzp"`), []byte(`"`+name+`"`))
				}
			}
			files[target] = content
			if indexed, err := fhirpkg.WithIndex(files); err == nil {
				files = indexed // keep the index right so the checks go deeper
			}
		}
		tgz, err := fhirpkg.WriteTarball(files)
		if err != nil {
			t.Fatal(err)
		}
		before := storeShape(t, st, name)
		rec := fuzzRequest(h, http.MethodPut, name, token, PublishBody(name, "1.0.0", tgz))
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d, answer is not a JSON object (%v): %s", rec.Code, err, rec.Body)
		}
		if rec.Code == 200 {
			got := fuzzRequest(h, http.MethodGet, name+"/-/"+name+"-1.0.0.tgz", token, nil)
			if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), tgz) {
				t.Fatalf("published, but the tarball is not served back: %d", got.Code)
			}
			return
		}
		if msg, _ := m["error"].(string); msg == "" || rec.Code < 400 {
			t.Fatalf("status %d without an npm error: %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "compiler failure") {
			t.Fatalf("the CQL compiler panicked: %s", rec.Body)
		}
		if after := storeShape(t, st, name); after != before {
			t.Fatalf("refused with %d, yet the store changed:\nbefore %s\nafter  %s", rec.Code, before, after)
		}
	})
}

// TestPublishMalformedBeforeValidation: a body that is not a publish
// document is a 400 even when it also names another package or an invalid
// version (found by FuzzPublish: two versions under the wrong name were a
// 500 "does not match").
func TestPublishMalformedBeforeValidation(t *testing.T) {
	f := newFixture(t, nil)
	for _, body := range []string{
		`{"":"fz","versions":{"1.0.1":{"name":"fz","version":"1.0.1"},"1.0.2":{}},"_attachments":{"x":{"data":""},"y":{}}}`,
		`{"name":"other","versions":{"x":5},"_attachments":{"x":{"data":"aGVsbG8="}}}`,
		`{"name":"other","versions":{"1.0.0":{"name":"other","version":"1.0.0"}},"_attachments":{"x":{"data":"!!"}}}`,
	} {
		code, m, raw := f.do(t, "PUT", "pkg", f.token, []byte(body))
		if code != 400 || m["error"] == nil {
			t.Errorf("body %s: %d %s, want 400 with an npm error", body, code, raw)
		}
	}
	if _, err := f.st.Package(context.Background(), "pkg"); err != store.ErrNotFound {
		t.Errorf("a refused publish stored something: %v", err)
	}
}

package npm

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/internal/sharedtest"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// examplePackage reads an example package of the repository as files,
// renamed to name (and its ImplementationGuide's packageId with it);
// edit may change the files.
func examplePackage(t *testing.T, example, name, version string, edit func(files map[string][]byte)) []byte {
	t.Helper()
	root, err := sharedtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "examples", example, "package")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	var m map[string]any
	if err := json.Unmarshal(files["package.json"], &m); err != nil {
		t.Fatal(err)
	}
	old := m["name"].(string)
	m["name"], m["version"] = name, version
	files["package.json"], _ = json.Marshal(m)
	for f, b := range files {
		if strings.HasPrefix(f, "ImplementationGuide") {
			files[f] = bytes.ReplaceAll(b, []byte(`"`+old+`"`), []byte(`"`+fhirpkg.PackageID(name)+`"`))
		}
	}
	if edit != nil {
		edit(files)
	}
	files, err = fhirpkg.WithIndex(files)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	return tgz
}

// The canonical takeover of issue 9: another publisher's package reusing
// the hypertension example's canonical URLs (with its own drug) is
// refused at publish with 409 naming the owner; scope and look-alike
// squatting are refused too.
func TestPublisherTrust(t *testing.T) {
	f := newFixture(t, nil)
	htn := examplePackage(t, "hypertension", "ccg.example.hypertension", "1.0.0", nil)
	if code, m := f.publish(t, "ccg.example.hypertension", "1.0.0", htn); code != 200 {
		t.Fatalf("alice publishes the example: %d %v", code, m)
	}
	bob := f.user(t, "bob", store.Token{Publish: true})
	pubAs := func(token, name string, tgz []byte) (int, string, map[string]any) {
		var m map[string]any
		code, m, raw := f.do(t, "PUT", escapeName(name), token, PublishBody(name, "1.0.0", tgz))
		return code, string(raw), m
	}
	evil := examplePackage(t, "hypertension", "@a/evil", "1.0.0", func(files map[string][]byte) {
		for f, b := range files {
			if strings.HasPrefix(f, "ActivityDefinition-") {
				files[f] = bytes.ReplaceAll(b, []byte("Amlodipine"), []byte("Evilpril"))
			}
		}
	})
	code, raw, m := pubAs(bob, "@a/evil", evil)
	if code != 409 || m["owner"] != "alice" || !strings.Contains(raw, "https://ccg.example.org/fhir belongs to alice") ||
		!strings.Contains(raw, "ccg.example.hypertension") || !strings.Contains(raw, "assign-canonical") {
		t.Errorf("@a/evil: %d %s", code, raw)
	}
	if _, err := f.st.Package(t.Context(), "@a/evil"); err != store.ErrNotFound {
		t.Errorf("@a/evil stored: %v", err)
	}
	// The owner publishes more packages under the base.
	dm := examplePackage(t, "diabetes", "ccg.example.diabetes", "1.0.0", nil)
	if code, m := f.publish(t, "ccg.example.diabetes", "1.0.0", dm); code != 200 {
		t.Errorf("alice's diabetes example: %d %v", code, m)
	}
	// Look-alike and reserved names.
	for _, name := range []string{"ccg-example-hypertension", "ccg.exarnple.hypertension", "ccg_example_hypertensi0n"} {
		tgz := testpkg.Tarball(testpkg.Options{Name: name, Canonical: "https://bob.example/fhir"})
		if code, raw, _ := pubAs(bob, name, tgz); code != 403 || !strings.Contains(raw, "too similar to the existing package ccg.example.hypertension") {
			t.Errorf("%s: %d %s", name, code, raw)
		}
	}
	for _, name := range []string{"node_modules", "favicon.ico"} {
		tgz := testpkg.Tarball(testpkg.Options{Name: name, Canonical: "https://bob.example/fhir"})
		if code, raw, _ := pubAs(bob, name, tgz); code != 403 || !strings.Contains(raw, "reserved") {
			t.Errorf("%s: %d %s", name, code, raw)
		}
	}
	// Scopes.
	if code, m := f.publish(t, "@t/one", "1.0.0", testpkg.Tarball(testpkg.Options{Name: "@t/one", Canonical: "https://t.example/fhir"})); code != 200 {
		t.Fatalf("alice's @t/one: %d %v", code, m)
	}
	if code, raw, _ := pubAs(bob, "@t/two", testpkg.Tarball(testpkg.Options{Name: "@t/two", Canonical: "https://bob.example/fhir"})); code != 403 || !strings.Contains(raw, "scope @t belongs to alice") {
		t.Errorf("bob into @t: %d %s", code, raw)
	}
	if code, raw, _ := pubAs(bob, "@b/two", testpkg.Tarball(testpkg.Options{Name: "@b/two", Canonical: "https://bob.example/fhir"})); code != 200 {
		t.Errorf("bob's own scope: %d %s", code, raw)
	}
}

// npm deprecate sets and clears messages; npm unpublish works within 72
// hours of publishing and is refused after, pointing at npm deprecate.
func TestDeprecateUnpublish(t *testing.T) {
	f := newFixture(t, nil)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if code, m := f.publish(t, "dep", v, testpkg.Tarball(testpkg.Options{Name: "dep", Version: v})); code != 200 {
			t.Fatalf("publish %s: %d %v", v, code, m)
		}
	}
	_, doc, _ := f.do(t, "GET", "dep", "", nil)
	doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["deprecated"] = "use 1.1.0"
	body, _ := json.Marshal(doc)
	if code, m, _ := f.do(t, "PUT", "dep", f.token, body); code != 200 {
		t.Fatalf("deprecate: %d %v", code, m)
	}
	_, v, _ := f.do(t, "GET", "dep/1.0.0", "", nil)
	if v["deprecated"] != "use 1.1.0" {
		t.Errorf("deprecated version document: %v", v["deprecated"])
	}
	// Unpublishing 1.1.0 (latest) as npm does: the document without it.
	_, doc, _ = f.do(t, "GET", "dep", "", nil)
	delete(doc["versions"].(map[string]any), "1.1.0")
	doc["dist-tags"] = map[string]any{"latest": "1.0.0"}
	body, _ = json.Marshal(doc)
	if code, m, _ := f.do(t, "PUT", "dep/-rev/"+doc["_rev"].(string), f.token, body); code != 200 {
		t.Fatalf("unpublish 1.1.0: %d %v", code, m)
	}
	_, doc, _ = f.do(t, "GET", "dep", "", nil)
	if code, _, _ := f.do(t, "DELETE", "npm/dep/-/dep-1.1.0.tgz/-rev/"+doc["_rev"].(string), f.token, nil); code != 200 {
		t.Errorf("the tarball DELETE npm sends after the document: %d", code)
	}
	if tags := doc["dist-tags"].(map[string]any); tags["latest"] != "1.0.0" || len(doc["versions"].(map[string]any)) != 1 {
		t.Errorf("after unpublishing 1.1.0: %v", tags)
	}
	if code, m := f.publish(t, "dep", "1.1.0", testpkg.Tarball(testpkg.Options{Name: "dep", Version: "1.1.0"})); code != 403 {
		t.Errorf("republishing an unpublished version: %d %v", code, m)
	}
	// After the grace period: refused, pointing at npm deprecate.
	f.h.now = func() time.Time { return time.Now().Add(store.UnpublishGrace + time.Hour) }
	code, m, _ := f.do(t, "DELETE", "dep/-rev/"+doc["_rev"].(string), f.token, nil)
	if msg, _ := m["error"].(string); code != 403 || !strings.Contains(msg, "within 72 hours") || !strings.Contains(msg, "npm deprecate") {
		t.Errorf("unpublish after 72 h: %d %v", code, m)
	}
	f.h.now = time.Now
	if code, m, _ := f.do(t, "DELETE", "dep/-rev/"+doc["_rev"].(string), f.token, nil); code != 200 {
		t.Fatalf("unpublish all: %d %v", code, m)
	}
	if code, _, _ := f.do(t, "GET", "dep", "", nil); code != 404 {
		t.Errorf("package after unpublish: %d", code)
	}
}

// A 417 for an unknown signer names its key and the trusted-keys folder;
// a key copied there counts from the next publish, without a restart; a
// signature older than the package's version says to sign again.
func TestTrustedKeysReload(t *testing.T) {
	keysDir := filepath.Join(t.TempDir(), "trusted-keys") // created later
	f := newFixture(t, func(o *registry.Options) { o.TrustedKeyDir = sign.NewKeyDir(keysDir) })
	publisher, _ := sign.GenerateKey()
	signed := func(ver string) map[string][]byte {
		files, err := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "acme.bp", Version: ver}), publisher, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	tgz, _ := fhirpkg.WriteTarball(signed("0.1.0"))
	code, m := f.publish(t, "acme.bp", "0.1.0", tgz)
	msg, _ := m["error"].(string)
	if code != 417 || !strings.Contains(msg, publisher.ID()) || !strings.Contains(msg, "copies the publisher's public key") || !strings.Contains(msg, keysDir) {
		t.Fatalf("unknown signer: %d %s", code, msg)
	}
	pub, _ := publisher.PublicPEM()
	if err := os.MkdirAll(keysDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keysDir, "acme.pub"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, m := f.publish(t, "acme.bp", "0.1.0", tgz); code != 200 {
		t.Fatalf("after adding the key: %d %v", code, m)
	}
	// Signed as 0.1.0, published as 0.1.2.
	stale := signed("0.1.0")
	stale["package.json"] = bytes.Replace(stale["package.json"], []byte(`"0.1.0"`), []byte(`"0.1.2"`), 1)
	tgz, _ = fhirpkg.WriteTarball(stale)
	code, m = f.publish(t, "acme.bp", "0.1.2", tgz)
	msg, _ = m["error"].(string)
	if code != 417 || !strings.Contains(msg, "signed acme.bp@0.1.0, package is acme.bp@0.1.2") || !strings.Contains(msg, "run ccg package sign again") {
		t.Errorf("stale signature: %d %s", code, msg)
	}
	// Removing the key takes effect too.
	if err := os.Remove(filepath.Join(keysDir, "acme.pub")); err != nil {
		t.Fatal(err)
	}
	tgz, _ = fhirpkg.WriteTarball(signed("0.1.3"))
	if code, m := f.publish(t, "acme.bp", "0.1.3", tgz); code != 417 {
		t.Errorf("after removing the key: %d %v", code, m)
	}
}

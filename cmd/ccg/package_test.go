package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

func TestPackageCommands(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "guideline")
	if err := testpkg.WriteDir(src, testpkg.Options{Name: "@ccg/cli", Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tgz")
	if code, stdout, stderr := ccg(t, "package", "build", src, "-o", out); code != 0 || !strings.Contains(stdout, "sha512-") {
		t.Fatalf("build: %d %s %s", code, stdout, stderr)
	}
	tgz, _ := os.ReadFile(out)
	p, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil || len(p.CheckIndex()) != 0 || p.Manifest.Version != "1.2.3" {
		t.Fatalf("built package: %v %v", err, p.CheckIndex())
	}
	if code, stdout, _ := ccg(t, "package", "validate", out); code != 0 || !strings.Contains(stdout, "0 violations, 1 warnings") ||
		!strings.Contains(stdout, "warning: @ccg/cli@1.2.3: not signed: create a key once with `ccg package keygen") {
		t.Errorf("validate unsigned tgz: %d %s", code, stdout)
	}

	// Keys, signing, and validation with trusted keys.
	key := filepath.Join(dir, "keys", "publisher.key")
	os.MkdirAll(filepath.Dir(key), 0o755)
	if code, stdout, stderr := ccg(t, "package", "keygen", "--out", key); code != 0 || !strings.HasPrefix(stdout, "SHA256:") {
		t.Fatalf("keygen: %d %s %s", code, stdout, stderr)
	}
	if code, _, _ := ccg(t, "package", "keygen", "--out", key); code != 1 {
		t.Errorf("keygen overwrote a key")
	}
	if code, stdout, stderr := ccg(t, "package", "sign", src, "--key", key); code != 0 || !strings.Contains(stdout, "Provenance-ccg-sig-") {
		t.Fatalf("sign: %d %s %s", code, stdout, stderr)
	}
	trusted := filepath.Join(dir, "trusted")
	os.MkdirAll(trusted, 0o755)
	pub, _ := os.ReadFile(key + ".pub")
	os.WriteFile(filepath.Join(trusted, "publisher.pem"), pub, 0o644)
	if code, stdout, _ := ccg(t, "package", "validate", src, "--trusted-keys", trusted); code != 0 || !strings.Contains(stdout, "signatures verified: 4 resources, package signature true") {
		t.Errorf("validate signed dir: %d %s", code, stdout)
	}
	// The public key file itself (.pub) is a trusted key too.
	if code, stdout, _ := ccg(t, "package", "validate", src, "--trusted-keys", filepath.Dir(key)); code != 0 || !strings.Contains(stdout, "0 violations, 0 warnings; signatures verified") {
		t.Errorf("validate with the .pub key: %d %s", code, stdout)
	}
	// A version bump after signing: the signature no longer covers the
	// package, and validate says so without trusted keys, with what to do.
	manifest := filepath.Join(src, "package.json")
	mb, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, []byte(strings.Replace(string(mb), `"1.2.3"`, `"1.2.4"`, 1)), 0o644)
	if code, stdout, _ := ccg(t, "package", "validate", src); code != 0 ||
		!strings.Contains(stdout, "warning: @ccg/cli@1.2.4: the package signature is stale (signed @ccg/cli@1.2.3, package is @ccg/cli@1.2.4): run `ccg package sign DIR --key KEY` again") {
		t.Errorf("validate after a version bump: %d %s", code, stdout)
	}
	if code, _, stderr := ccg(t, "package", "build", src, "-o", filepath.Join(dir, "bumped.tgz")); code != 0 ||
		!strings.Contains(stderr, "warning: the package signature is stale (signed @ccg/cli@1.2.3, package is @ccg/cli@1.2.4): run `ccg package sign") {
		t.Errorf("build after a version bump: %d %s", code, stderr)
	}
	os.WriteFile(manifest, mb, 0o644)
	// Tamper: validation reports the signature failure.
	card := filepath.Join(src, "PlanDefinition-test-card.json")
	b, _ := os.ReadFile(card)
	os.WriteFile(card, []byte(strings.Replace(string(b), "Test CARD", "Other CARD", 1)), 0o644)
	if code, stdout, _ := ccg(t, "package", "validate", src, "--trusted-keys", trusted); code != 1 || !strings.Contains(stdout, "signature does not match") {
		t.Errorf("validate tampered: %d %s", code, stdout)
	}
	// Every violation, as JSON.
	var folder map[string]any
	fp := filepath.Join(src, "PlanDefinition-test-folder.json")
	fb, _ := os.ReadFile(fp)
	json.Unmarshal(fb, &folder)
	delete(folder, "title")
	delete(folder, "action")
	fb, _ = json.Marshal(folder)
	os.WriteFile(fp, fb, 0o644)
	os.Remove(filepath.Join(src, ".index.json"))
	code, stdout, _ := ccg(t, "package", "validate", src, "--json")
	var rep struct {
		Violations []struct{ Resource, Path, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 1 {
		t.Fatalf("validate --json: %d %v %s", code, err, stdout)
	}
	var paths []string
	for _, v := range rep.Violations {
		paths = append(paths, v.Resource+" "+v.Path)
	}
	for _, want := range []string{"PlanDefinition/test-folder title", "PlanDefinition/test-folder action"} {
		if !strings.Contains(strings.Join(paths, "\n"), want) {
			t.Errorf("violations %v lack %q", paths, want)
		}
	}
	// The CQL compile check runs with the FHIR model and FHIRHelpers.
	fhirSrc := filepath.Join(dir, "fhir")
	testpkg.WriteDir(fhirSrc, testpkg.Options{CQL: "library TestLogic version '1.0.0'\nusing FHIR version '4.0.1'\n" +
		"include FHIRHelpers version '4.0.1' called FHIRHelpers\ncontext Patient\n" +
		"define \"Applies\": exists [Condition] C where C.clinicalStatus is not null\n"})
	if code, stdout, _ := ccg(t, "package", "validate", fhirSrc); code != 0 {
		t.Errorf("FHIR CQL: %d %s", code, stdout)
	}
	badSrc := filepath.Join(dir, "badcql")
	testpkg.WriteDir(badSrc, testpkg.Options{CQL: "library TestLogic version '1.0.0'\nusing FHIR version '4.0.1'\n" +
		"context Patient\ndefine \"Applies\": [Condition] C where C.nosuchelement = 1\n"})
	if code, stdout, _ := ccg(t, "package", "validate", badSrc); code != 1 || !strings.Contains(stdout, "Library/test-logic content (CQL): TestLogic:4:") {
		t.Errorf("bad FHIR CQL: %d %s", code, stdout)
	}
	// A CARD condition naming a define its Library lacks is refused with
	// the location.
	undefSrc := filepath.Join(dir, "undefined")
	testpkg.WriteDir(undefSrc, testpkg.Options{CQL: "library TestLogic version '1.0.0'\n\ndefine \"Does Apply\": true\n"})
	if code, stdout, _ := ccg(t, "package", "validate", undefSrc); code != 1 ||
		!strings.Contains(stdout, `action[0].condition[0].expression: no define "Applies" in library TestLogic`) {
		t.Errorf("undefined define: %d %s", code, stdout)
	}
	if code, _, _ := ccg(t, "package", "validate", filepath.Join(dir, "nothing")); code != 1 {
		t.Errorf("validate missing path: %d", code)
	}
	if code, _, _ := ccg(t, "package", "build"); code != 2 {
		t.Errorf("build without dir: %d", code)
	}
}

func TestTokenCreate(t *testing.T) {
	data := t.TempDir()
	if code, _, _ := ccg(t, "token", "create", "--data", data); code != 2 {
		t.Errorf("token create without --user: %d", code)
	}
	code, stdout, stderr := ccg(t, "token", "create", "--user", "alice", "--email", "alice@example.org", "--publish", "--password", "pw", "--data", data)
	if code != 0 || !strings.HasPrefix(stdout, "ccg_") {
		t.Fatalf("token create: %d %s %s", code, stdout, stderr)
	}
	code, stdout2, _ := ccg(t, "token", "create", "--user", "alice", "--data", data)
	if code != 0 {
		t.Fatal("second token failed")
	}
	// --email and --password describe a new user; for an existing one
	// they would be silently ignored, so they are refused.
	if code, _, stderr := ccg(t, "token", "create", "--user", "alice", "--email", "other@example.org", "--data", data); code != 1 ||
		!strings.Contains(stderr, "only apply to new users") {
		t.Errorf("another email for an existing user: %d %s", code, stderr)
	}
	st, err := store.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.LookupToken(context.Background(), registry.HashToken(strings.TrimSpace(stdout)))
	if err != nil || tok.User != "alice" || !tok.Publish {
		t.Errorf("publish token: %+v %v", tok, err)
	}
	tok, err = st.LookupToken(context.Background(), registry.HashToken(strings.TrimSpace(stdout2)))
	if err != nil || tok.Publish {
		t.Errorf("read token: %+v %v", tok, err)
	}
	u, _ := st.User(context.Background(), "alice")
	if !registry.CheckPassword(u.PasswordHash, "pw") {
		t.Error("password not stored")
	}
	// npm owner ls prints the maintainers' emails: "alice <alice@example.org>".
	if u.Email != "alice@example.org" {
		t.Errorf("email %q not stored", u.Email)
	}
}

// TestPackageInit: the skeleton validates with no violations and no
// warning but the missing signature, its CARD fires for data-in/example.json
// and not for data-in/done.json; an edited cql/ source is reported until
// embed-cql copies it into the Library.
func TestPackageInit(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, errOut := ccg(t, "package", "init", "Bad Name"); code != exitUsage || !strings.Contains(errOut, "not an npm package name") {
		t.Errorf("init with a bad name: %d %s", code, errOut)
	}
	if code, _, errOut := ccg(t, "package", "init", "@acme/bp", "--canonical", "https://acme.example/fhir/"); code != exitOK {
		t.Fatalf("init: %d %s", code, errOut)
	}
	if code, _, errOut := ccg(t, "package", "init", "@acme/bp"); code != exitFailure || !strings.Contains(errOut, "exists; not overwriting") {
		t.Errorf("init over an existing folder: %d %s", code, errOut)
	}
	code, out, _ := ccg(t, "package", "validate", "bp")
	if code != exitOK || !strings.Contains(out, "@acme/bp@0.1.0: 0 violations, 1 warnings") || !strings.Contains(out, "not signed") {
		t.Errorf("validate the skeleton: %d %s", code, out)
	}
	for data, fires := range map[string]bool{"bp/data-in/example.json": true, "bp/data-in/done.json": false} {
		code, out, errOut := ccg(t, "apply", "--package", "bp", "--plan", "bp-folder", "--data", data)
		if fired := strings.Contains(out, `"resourceType": "ServiceRequest"`); code != exitOK || fired != fires {
			t.Errorf("apply %s: exit %d, fired %v, want %v\n%s", data, code, fired, fires, errOut)
		}
		if fires && !strings.Contains(out, "https://acme.example/fhir/PlanDefinition/bp-card-bp|0.1.0") {
			t.Errorf("apply %s: the request does not instantiate the CARD of the --canonical", data)
		}
	}
	src := filepath.Join("bp", "cql", "BpLogic.cql")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, append(b, "\ndefine \"Extra\": 1\n"...), 0o644)
	if _, out, _ := ccg(t, "package", "validate", "bp"); !strings.Contains(out, "warning: Library-BpLogic.json: its CQL differs from the source in bp/cql: run `ccg package embed-cql bp`") {
		t.Errorf("validate after editing the CQL:\n%s", out)
	}
	if code, out, _ := ccg(t, "package", "embed-cql", "bp"); code != exitOK || !strings.Contains(out, "1 of 1 Libraries updated") {
		t.Errorf("embed-cql: %d %s", code, out)
	}
	if _, out, _ := ccg(t, "package", "validate", "bp"); strings.Contains(out, "its CQL differs") {
		t.Errorf("validate after embed-cql:\n%s", out)
	}
}

// TestPackageBuildEmbedsCQL: a Library whose text/cql attachment only names
// its .cql file gets the CQL in the built package (base64), and the
// author's file stays as it is.
func TestPackageBuildEmbedsCQL(t *testing.T) {
	dir := t.TempDir()
	pkgDir := filepath.Join(dir, "package")
	if err := testpkg.WriteDir(pkgDir, testpkg.Options{Name: "ccg.embed", Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	libFile := filepath.Join(pkgDir, "Library-test-logic.json")
	b, _ := os.ReadFile(libFile)
	var lib map[string]any
	if err := json.Unmarshal(b, &lib); err != nil {
		t.Fatal(err)
	}
	lib["content"] = []any{map[string]any{"contentType": "text/cql", "url": "../cql/TestLogic.cql"}}
	b, _ = json.MarshalIndent(lib, "", "  ")
	os.WriteFile(libFile, b, 0o644)
	src := "library TestLogic version '1.0.0'\n\ndefine \"Applies\": true\n"
	os.MkdirAll(filepath.Join(dir, "cql"), 0o755)
	os.WriteFile(filepath.Join(dir, "cql", "TestLogic.cql"), []byte(src), 0o644)
	if code, stdout, _ := ccg(t, "package", "validate", dir); code != 0 {
		t.Errorf("validate: %d %s", code, stdout)
	}
	out := filepath.Join(dir, "x.tgz")
	code, stdout, stderr := ccg(t, "package", "build", dir, "-o", out)
	if code != 0 || !strings.Contains(stdout, "embedded the CQL of 1 Libraries from their .cql files") {
		t.Fatalf("build: %d %s %s", code, stdout, stderr)
	}
	tgz, _ := os.ReadFile(out)
	p, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := base64.StdEncoding.EncodeToString([]byte(src))
	if !strings.Contains(string(p.Files["Library-test-logic.json"]), `"data": "`+want+`"`) {
		t.Errorf("built Library: %s", p.Files["Library-test-logic.json"])
	}
	if !strings.Contains(string(p.Files[".index.json"]), "Library-test-logic.json") {
		t.Errorf(".index.json: %s", p.Files[".index.json"])
	}
	if after, _ := os.ReadFile(libFile); string(after) != string(b) {
		t.Error("the author's Library file changed")
	}
}

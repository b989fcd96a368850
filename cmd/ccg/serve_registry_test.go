package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server"
)

func TestMountRegistry(t *testing.T) {
	data := t.TempDir()
	t.Setenv(envScopedNames, "true") // the scoped name below
	srv := server.New(server.Config{Logger: zap.NewNop()})
	closer, err := mountRegistry(srv.Echo(), serveConfig{DataDir: data, Server: srv}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if _, err := os.Stat(filepath.Join(data, registrySigningKeyFile)); err != nil {
		t.Errorf("signing key not created: %v", err)
	}
	// A token in the same store `ccg token create` writes to.
	st := testStoreToken(t, data)

	// Bigger than the FHIR endpoints' 4 MiB limit would also pass: the
	// registry route sets its own limit.
	publishPackage(t, hs.URL+"/npm/@ccg%2fmounted", st, "@ccg/mounted", "1.0.0")
	for _, p := range []string{"/npm/@ccg%2fmounted", "/npm/@ccg/mounted/1.0.0", "/npm/-/ping", "/npm/-/npm/v1/keys", "/npm/@ccg/mounted/-/mounted-1.0.0.tgz", "/npm/-/catalog"} {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	resp, err := http.Get(hs.URL + "/catalog?fhirversion=4.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var cat []map[string]any
	json.NewDecoder(resp.Body).Decode(&cat)
	resp.Body.Close()
	if len(cat) != 1 || cat[0]["name"] != "@ccg/mounted" || cat[0]["FHIRVersion"] != "4.0.1" {
		t.Errorf("catalog %v", cat)
	}
	if err := closer.Close(); err != nil {
		t.Error(err)
	}
}

// testStoreToken creates a publish token with the token command while the
// server holds the same SQLite database open.
func testStoreToken(t *testing.T, data string) string {
	t.Helper()
	code, out, errOut := ccg(t, "token", "create", "--user", "bob", "--publish", "--data", data)
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	tok := string(bytes.TrimSpace([]byte(out)))
	st, err := store.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.LookupToken(context.Background(), registry.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPublishExamples publishes the project's example guidelines through
// the mounted registry, with every check `ccg serve` runs (CCG profiles and
// the CQL compile check), signed by a trusted key.
func TestPublishExamples(t *testing.T) {
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "package", "package.json"))
	if len(examples) == 0 {
		t.Skip("no examples/*/package in this tree")
	}
	data := t.TempDir()
	key, err := sign.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.PublicPEM()
	os.MkdirAll(filepath.Join(data, "trusted-keys"), 0o755)
	os.WriteFile(filepath.Join(data, "trusted-keys", "publisher.pem"), pub, 0o644)
	srv := server.New(server.Config{Logger: zap.NewNop()})
	closer, err := mountRegistry(srv.Echo(), serveConfig{DataDir: data, Server: srv}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	tok := testStoreToken(t, data)
	for _, manifest := range examples {
		dir := filepath.Dir(manifest)
		files, err := readPackageDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		files, err = sign.SignPackage(files, key, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tgz, _ := fhirpkg.WriteTarball(files)
		var m struct{ Name, Version string }
		json.Unmarshal(files["package.json"], &m)
		req, _ := http.NewRequest("PUT", hs.URL+"/npm/"+m.Name, bytes.NewReader(testpkg.PublishBody(m.Name, m.Version, tgz)))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("publish %s: %d %s", dir, resp.StatusCode, body)
		}
	}
}

// publishPackage publishes a generated tarball of name@version with a PUT
// to url (the package document's address) and fails the test unless the
// registry answers 200.
func publishPackage(t *testing.T, url, token, name, version string) {
	t.Helper()
	tgz := testpkg.Tarball(testpkg.Options{Name: name, Version: version})
	req, _ := http.NewRequest("PUT", url, bytes.NewReader(testpkg.PublishBody(name, version, tgz)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("publish %s@%s: %d", name, version, resp.StatusCode)
	}
}

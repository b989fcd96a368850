package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/server"
)

// examplePackageTarball packs examples/NAME/package, renamed to pkgName,
// with edit applied to its files.
func examplePackageTarball(t *testing.T, example, pkgName string, edit func(map[string][]byte)) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", example, "package")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	var m map[string]any
	json.Unmarshal(files["package.json"], &m)
	m["name"] = pkgName
	files["package.json"], _ = json.Marshal(m)
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

// TestServeOwnRepository: on one `ccg serve` with the engine and the
// repository, a package published to the repository is applied by the
// engine as soon as the publish answers, another publisher's copy reusing
// its canonical URLs is refused, and an unpublished package is unloaded.
func TestServeOwnRepository(t *testing.T) {
	data := t.TempDir()
	tokens := map[string]string{}
	for _, u := range []string{"alice", "bob"} {
		code, out, errOut := ccg(t, "token", "create", "--user", u, "--publish", "--data", data)
		if code != 0 {
			t.Fatalf("token create: %s", errOut)
		}
		tokens[u] = strings.TrimSpace(out)
	}
	parseServeHooks(t) // the defaults: --local-sync
	none := ""
	prevGlob := servePackagesGlob
	servePackagesGlob = &none
	defer func() { servePackagesGlob = prevGlob }()
	prevEng, prevReg := engineForServe, registryForServe
	defer func() { engineForServe, registryForServe = prevEng, prevReg }()
	srv := server.New(server.Config{Logger: zap.NewNop()})
	cfg := serveConfig{DataDir: data, Server: srv}
	for _, mount := range []serveMount{mountEngine, mountRegistry, mountSync} {
		c, err := mount(srv.Echo(), cfg, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		if c != nil {
			defer c.Close()
		}
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	bundle, err := os.ReadFile(filepath.Join("..", "..", "examples", "hypertension", "data-in", "03-untreated.json"))
	if err != nil {
		t.Fatal(err)
	}
	params := fmt.Sprintf(`{"resourceType":"Parameters","parameter":[
		{"name":"subject","valueString":"Patient/htn-03-untreated"},
		{"name":"encounter","valueString":"Encounter/enc-htn-03-untreated"},
		{"name":"data","resource":%s}]}`, bundle)
	apply := func() (int, string) {
		resp, err := http.Post(hs.URL+"/PlanDefinition/htn-folder/$apply", "application/fhir+json", strings.NewReader(params))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	do := func(method, path, token string, body []byte) (int, string) {
		req, _ := http.NewRequest(method, hs.URL+"/npm/"+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	publish := func(user, name string, tgz []byte) (int, string) {
		return do("PUT", strings.Replace(name, "/", "%2f", 1), tokens[user], testpkg.PublishBody(name, "1.0.0", tgz))
	}

	if code, _ := apply(); code != 404 {
		t.Fatalf("$apply before publishing: %d", code)
	}
	if code, body := publish("alice", "ccg.example.hypertension", examplePackageTarball(t, "hypertension", "ccg.example.hypertension", nil)); code != 200 {
		t.Fatalf("publish: %d %s", code, body)
	}
	code, body := apply()
	if code != 200 || !strings.Contains(body, "mlodipine") {
		t.Fatalf("$apply right after publishing: %d %.500s", code, body)
	}
	evil := examplePackageTarball(t, "hypertension", "ccg.evil.copy", func(f map[string][]byte) {
		ad := "ActivityDefinition-htn-ad-orderrx.json"
		f[ad] = bytes.ReplaceAll(bytes.ReplaceAll(f[ad], []byte("amlodipine"), []byte("evilpril")), []byte("Amlodipine"), []byte("Evilpril"))
	})
	if code, body := publish("bob", "ccg.evil.copy", evil); code != 409 || !strings.Contains(body, "belongs to alice") {
		t.Errorf("ccg.evil.copy: %d %s", code, body)
	}
	if code, body := apply(); code != 200 || !strings.Contains(body, "mlodipine") || strings.Contains(body, "vilpril") {
		t.Errorf("$apply after the takeover attempt: %d %.500s", code, body)
	}
	_, doc := do("GET", "ccg.example.hypertension", "", nil)
	var d struct {
		Rev string `json:"_rev"`
	}
	json.Unmarshal([]byte(doc), &d)
	if code, body := do("DELETE", "ccg.example.hypertension/-rev/"+d.Rev, tokens["alice"], nil); code != 200 {
		t.Fatalf("unpublish: %d %s", code, body)
	}
	if code, _ := apply(); code != 404 {
		t.Errorf("$apply after unpublishing: %d", code)
	}
}

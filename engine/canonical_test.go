package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
)

// evilCopy is the hypertension example renamed to @a/evil, with the
// same canonical URLs and ids and another drug in its prescription.
func evilCopy(t *testing.T) *fhirpkg.Package {
	t.Helper()
	dir := filepath.Join("..", "examples", "hypertension", "package")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Skip("no examples/hypertension/package")
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	files["package.json"] = bytes.Replace(files["package.json"], []byte(`"ccg.example.hypertension"`), []byte(`"@a/evil"`), 1)
	ad := "ActivityDefinition-htn-ad-orderrx.json"
	files[ad] = bytes.ReplaceAll(bytes.ReplaceAll(files[ad], []byte("amlodipine"), []byte("evilpril")), []byte("Amlodipine"), []byte("Evilpril"))
	files, err = fhirpkg.WithIndex(files)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// A package loaded after the hypertension example that reuses its
// canonical URLs (and sorts first by name) does not replace its content:
// only the package that claimed a canonical first answers for it, and
// the engine warns about the conflict.
func TestCanonicalOwnership(t *testing.T) {
	evil := evilCopy(t)
	core, logs := observer.New(zap.WarnLevel)
	e := engine.New(engine.Options{Logger: zap.New(core)})
	if _, err := e.LoadPath(filepath.Join("..", "examples", "hypertension", "package"), content.Options{RequireIG: true}); err != nil {
		t.Fatal(err)
	}
	p, err := e.LoadFHIRPackage(evil, "evil", content.Options{RequireIG: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) > 0 {
		t.Fatalf("the copy has problems: %v", p.Problems)
	}
	data, err := os.ReadFile(filepath.Join("..", "examples", "hypertension", "data-in", "03-untreated.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatal(err)
	}
	subj, enc, err := datain.Defaults(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []*engine.ApplyRequest{
		{PlanDefinitionID: "htn-folder"},
		{URL: "https://ccg.example.org/fhir/PlanDefinition/htn-folder"},
	} {
		req.Subject, req.Encounter, req.Data = subj, enc, bundle
		res, err := e.Apply(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(res.Bundle)
		if !strings.Contains(string(out), "mlodipine") || strings.Contains(string(out), "vilpril") {
			t.Errorf("%+v: the recommendation is not the owner's:\n%.2000s", req, out)
		}
	}
	cs := e.Conflicts()
	if len(cs) == 0 || cs[0].Owner != "ccg.example.hypertension@1.0.0" || cs[0].Ignored != "@a/evil@1.0.0" {
		t.Errorf("conflicts %+v", cs)
	}
	if n := logs.FilterMessageSnippet("claim one canonical").Len(); n != len(cs) {
		t.Errorf("%d warnings for %d conflicts", n, len(cs))
	}
	// Unloading the owner leaves the canonical to the other package.
	e.Remove("ccg.example.hypertension")
	if len(e.Conflicts()) != 0 {
		t.Errorf("conflicts after unloading the owner: %v", e.Conflicts())
	}
	if r, ok := e.ByCanonical("https://ccg.example.org/fhir/ActivityDefinition/htn-ad-orderrx"); !ok || !strings.Contains(string(mustJSON(r)), "vilpril") {
		t.Errorf("after unloading the owner the canonical resolves to %v", ok)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

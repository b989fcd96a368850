package load

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
)

func byRef(c *Content) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range c.Resources {
		out[str(r.Data, "resourceType")+"/"+str(r.Data, "id")] = r.Data
	}
	return out
}

func cqlData(t *testing.T, lib map[string]any) string {
	t.Helper()
	for _, a := range lib["content"].([]any) {
		if d := str(a.(map[string]any), "data"); d != "" {
			b, err := base64.StdEncoding.DecodeString(d)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return ""
}

// TestIGSource reads an IG source folder: the ImplementationGuide names
// the content, XML and JSON resources, a Library's CQL from its
// content.url, a Library made from a CQL file no resource carries, and
// input/tests kept apart.
func TestIGSource(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "igsource")
	c, err := Path(dir, fhirpkg.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Form != IGSource || c.Package.Manifest.Name != "example.bp" || c.Package.Manifest.Version != "0.1.0" || len(c.Problems) > 0 {
		t.Fatalf("form %q, manifest %+v, problems %v", c.Form, c.Package.Manifest, c.Problems)
	}
	res := byRef(c)
	if ad := res["ActivityDefinition/bp-measure"]; str(ad, "kind") != "ServiceRequest" {
		t.Errorf("the XML ActivityDefinition reads as %v", ad)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "input", "cql", "BPCheck.cql"))
	if got := cqlData(t, res["Library/BPCheck"]); got != string(src) || got == "" {
		t.Errorf("Library/BPCheck CQL %q, want input/cql/BPCheck.cql", got)
	}
	helpers := res["Library/BPHelpers"]
	if str(helpers, "url") != "http://example.org/fhir/bp/Library/BPHelpers" || str(helpers, "version") != "0.1.0" || cqlData(t, helpers) == "" {
		t.Errorf("generated Library %v", helpers)
	}
	if !slices.Equal(c.Generated, []string{"Library/BPHelpers"}) {
		t.Errorf("generated %v", c.Generated)
	}
	if len(c.Tests) != 3 || res["Patient/adult"] != nil {
		t.Errorf("%d test resources; the test Patient among the content: %v", len(c.Tests), res["Patient/adult"] != nil)
	}
}

// TestFolderAndBundle reads a folder of resources without package.json
// (named after the folder) and a Bundle of content (named after the file);
// a file that is not a resource is a problem of the folder.
func TestFolderAndBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-content")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "pd.json"), []byte(`{"resourceType":"PlanDefinition","id":"p","status":"active"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{"title":"not a resource"}`), 0o644)
	c, err := Path(dir, fhirpkg.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Form != Folder || c.Package.Manifest.Name != "my-content" || len(c.Resources) != 1 || len(c.Problems) != 1 || c.Problems[0].File != "notes.json" {
		t.Errorf("form %q, name %q, %d resources, problems %v", c.Form, c.Package.Manifest.Name, len(c.Resources), c.Problems)
	}
	bundle := filepath.Join(t.TempDir(), "defs.json")
	os.WriteFile(bundle, []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"PlanDefinition","id":"a"}},{"resource":{"resourceType":"Library","id":"b"}}]}`), 0o644)
	c, err = Path(bundle, fhirpkg.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Form != Bundle || c.Package.Manifest.Name != "defs" || len(c.Resources) != 2 || c.Resources[1].File != "defs.json#entry[1]" {
		t.Errorf("form %q, name %q, resources %+v", c.Form, c.Package.Manifest.Name, c.Resources)
	}
}

// TestPackageExamples reads an IG publisher package: package/ and
// package/example/, a Library's CQL by url within the package.
func TestPackageExamples(t *testing.T) {
	cql := "library X version '1'\ndefine A: 1\n"
	tgz, err := fhirpkg.WriteTarball(map[string][]byte{
		"package.json":                 []byte(`{"name":"ig.example","version":"1.0.0"}`),
		"Library-x.json":               []byte(`{"resourceType":"Library","id":"x","name":"X","content":[{"contentType":"text/cql","url":"other/X.cql"}]}`),
		"other/X.cql":                  []byte(cql),
		"example/Patient-p.json":       []byte(`{"resourceType":"Patient","id":"p"}`),
		"example/PlanDefinition-e.xml": []byte(`<PlanDefinition xmlns="http://hl7.org/fhir"><id value="e"/><status value="active"/></PlanDefinition>`),
		"openapi/x.json":               []byte(`{"openapi":"3.0"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "package.tgz")
	os.WriteFile(f, tgz, 0o644)
	c, err := Path(f, fhirpkg.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res := byRef(c)
	if c.Form != FHIRPackage || len(c.Resources) != 3 || res["PlanDefinition/e"] == nil || len(c.Problems) > 0 {
		t.Fatalf("form %q, resources %v, problems %v", c.Form, res, c.Problems)
	}
	if got := cqlData(t, res["Library/x"]); got != cql {
		t.Errorf("Library CQL %q", got)
	}
}

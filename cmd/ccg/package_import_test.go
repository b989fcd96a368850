package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

func TestPackageImport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	core := testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1")
	tgz := filepath.Join(dir, "core.tgz")
	os.WriteFile(tgz, core, 0o644)
	code, out, errOut := ccg(t, "package", "import", tgz, "--data", data)
	integ, _ := registry.Integrity(core)
	if code != exitOK || !strings.Contains(out, "imported hl7.fhir.r4.core@4.0.1 as a mirror") || !strings.Contains(out, integ) {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := ccg(t, "package", "import", tgz, "--data", data); code != exitFailure || !strings.Contains(errOut, "already stored") {
		t.Errorf("second import: %d %s", code, errOut)
	}
	// A name that is not a FHIR package name is refused, saying why.
	bad := filepath.Join(dir, "bad.tgz")
	os.WriteFile(bad, testpkg.CoreTarball("corepackage", "4.0.1"), 0o644)
	if code, _, errOut := ccg(t, "package", "import", bad, "--data", data); code != exitFailure || !strings.Contains(errOut, "corepackage is not a FHIR package name: it has no dot") {
		t.Errorf("import of corepackage: %d %s", code, errOut)
	}
	// A folder whose resource does not parse is refused, naming the file.
	pkgDir := filepath.Join(dir, "broken", "package")
	os.MkdirAll(pkgDir, 0o755)
	os.WriteFile(filepath.Join(pkgDir, "package.json"), []byte(`{"name":"hl7.terminology.r4","version":"6.0.0","fhirVersions":["4.0.1"]}`), 0o644)
	os.WriteFile(filepath.Join(pkgDir, "CodeSystem-x.json"), []byte(`{"resourceType": "CodeSystem", `), 0o644)
	if code, _, errOut := ccg(t, "package", "import", filepath.Dir(pkgDir), "--data", data); code != exitFailure ||
		!strings.Contains(errOut, "not a valid FHIR package") || !strings.Contains(errOut, "CodeSystem-x.json") {
		t.Errorf("broken import: %d %s", code, errOut)
	}
	// The same folder, fixed, imports (no .index.json needed; not CCG content).
	os.WriteFile(filepath.Join(pkgDir, "CodeSystem-x.json"), []byte(`{"resourceType": "CodeSystem", "id": "x", "url": "http://terminology.hl7.org/CodeSystem/x", "status": "active", "content": "complete"}`), 0o644)
	if code, out, errOut := ccg(t, "package", "import", filepath.Dir(pkgDir), "--data", data); code != exitOK || !strings.Contains(out, "hl7.terminology.r4@6.0.0") {
		t.Errorf("folder import: %d %s %s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), "", data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.Version(context.Background(), "hl7.fhir.r4.core", "4.0.1")
	if err != nil || !registry.IsMirror(v.Publisher) || !strings.Contains(string(v.Doc), `"ccgMirror"`) {
		t.Fatalf("stored: %+v %v", v, err)
	}
	if _, err := st.CanonicalOwner(context.Background(), "http://hl7.org/fhir"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the mirror claimed http://hl7.org/fhir: %v", err)
	}
}

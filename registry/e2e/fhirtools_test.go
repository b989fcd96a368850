package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
)

// fhirToolsDir is the folder of the FHIR tools' package.json and
// package-lock.json (fhir-package-loader, fsh-sushi).
var fhirToolsDir = filepath.Join("testdata", "fhirtools")

// fhirTools installs the FHIR tools (fhir-package-loader, fsh-sushi) and
// returns their node_modules folder.
func fhirTools(t *testing.T) string { return npmTools(t, fhirToolsDir) }

// npmTools installs the npm packages of dir with `npm ci` from its
// package-lock.json (from the public npm registry, into a folder below the
// user's cache directory named after dir and the lockfile's digest, so that
// later runs reuse it; never globally) and returns the node_modules folder.
func npmTools(t *testing.T, dir string) string {
	t.Helper()
	need(t, "npm", "install Node.js 20+ and npm (apt-get install nodejs npm)")
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	inst := filepath.Join(cache, "ccg-e2e-"+filepath.Base(dir), hex.EncodeToString(h.Sum(nil))[:16])
	modules := filepath.Join(inst, "node_modules")
	if _, err := os.Stat(filepath.Join(inst, "installed")); err == nil {
		return modules
	}
	if err := os.MkdirAll(filepath.Dir(inst), 0o755); err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp(filepath.Dir(inst), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		os.WriteFile(filepath.Join(work, f), b, 0o644)
	}
	// npm's own configuration in a folder of the test, retrying fetches
	// (the public registry is far away).
	home := t.TempDir()
	npmrc := filepath.Join(home, ".npmrc")
	os.WriteFile(npmrc, []byte("registry=https://registry.npmjs.org/\nfetch-retries=5\naudit=false\nfund=false\nupdate-notifier=false\n"), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci")
	cmd.Dir = work
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "npm_config_userconfig=" + npmrc, "npm_config_cache=" + filepath.Join(home, ".npm"), "NO_COLOR=1"}
	if out, err := cmd.CombinedOutput(); err != nil {
		// As for npm itself (need): without the tools the test cannot
		// run, which only CI treats as a failure.
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm ci of %s: %v\n%s", dir, err, out)
		}
		t.Skipf("cannot install the tools of %s (npm ci from registry.npmjs.org): %v\n%s", dir, err, out)
	}
	os.WriteFile(filepath.Join(work, "installed"), nil, 0o644)
	if err := os.Rename(work, inst); err != nil {
		if _, serr := os.Stat(filepath.Join(inst, "installed")); serr != nil { // not installed meanwhile by another run
			t.Fatal(err)
		}
	}
	return modules
}

// runNode runs node with the FHIR tools on NODE_PATH, HOME (and so the
// FHIR package cache, ~/.fhir/packages) in a new folder and FPL_REGISTRY
// set to registryURL; it returns stdout and stderr.
func runNode(t *testing.T, modules, registryURL, dir string, args ...string) (string, string, error) {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NODE_PATH=" + modules, "FPL_REGISTRY=" + registryURL, "NO_COLOR=1", "FORCE_COLOR=0"}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestFHIRPackageLoader: fhir-package-loader, with FPL_REGISTRY pointed at
// ccg A (empty, ccg B as its upstream: see upstreamPair), loads the
// example hypertension package and the package it depends on (the stand-in
// hl7.fhir.r4.core@4.0.1), both through A's npm API and through its FHIR
// package API; A keeps both as mirrors.
func TestFHIRPackageLoader(t *testing.T) {
	modules := fhirTools(t)
	a, _, _ := upstreamPair(t)
	script, _ := filepath.Abs(filepath.Join(fhirToolsDir, "fpl-load.js"))
	for _, reg := range []string{a.url, a.fhirURL} {
		stdout, stderr, err := runNode(t, modules, reg, t.TempDir(), script, "ccg.example.hypertension", "1.0.0")
		if err != nil {
			t.Fatalf("FPL_REGISTRY=%s: %v\n%s\n%s", reg, err, stdout, stderr)
		}
		var res struct {
			Packages  map[string]string
			Resources map[string]int
			Patient   string
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("FPL_REGISTRY=%s: %v\n%s", reg, err, stdout)
		}
		if res.Packages["ccg.example.hypertension#1.0.0"] != "LOADED" || res.Packages["hl7.fhir.r4.core#4.0.1"] != "LOADED" ||
			res.Resources["ccg.example.hypertension#1.0.0"] < 20 || res.Resources["hl7.fhir.r4.core#4.0.1"] < 4 ||
			res.Patient != "http://hl7.org/fhir/StructureDefinition/Patient" {
			t.Errorf("FPL_REGISTRY=%s: loaded %+v\n%s", reg, res, stderr)
		}
	}
	for _, name := range []string{"ccg.example.hypertension", "hl7.fhir.r4.core"} {
		p, err := a.st.Package(context.Background(), name)
		if err != nil || !registry.IsMirror(p.Versions[0].Publisher) {
			t.Errorf("A did not keep %s as a mirror: %v", name, err)
		}
	}
}

// TestSUSHI: SUSHI builds testdata/sushi-project, an FSH project that
// depends on the example hypertension package, resolving it and
// hl7.fhir.r4.core through ccg A (B as its upstream). B's stand-in core
// holds what the project's profile needs beyond testpkg.CoreTarball: a
// snapshot of Patient (sushiCore).
func TestSUSHI(t *testing.T) {
	modules := fhirTools(t)
	a, _, _ := upstreamPairWith(t, sushiCore(t))
	project := t.TempDir()
	copyDir(t, filepath.Join("testdata", "sushi-project"), project)
	sushi := filepath.Join(modules, "fsh-sushi", "dist", "app.js")
	stdout, stderr, err := runNode(t, modules, a.url, project, sushi, "build", ".")
	if err != nil {
		t.Fatalf("sushi build: %v\n%s\n%s", err, stdout, stderr)
	}
	// The warnings are the automatically-provided packages (tools,
	// terminology, extensions), which neither A nor B holds, and SUSHI's
	// own version check.
	if !strings.Contains(stdout, " 0 Errors ") {
		t.Errorf("sushi build reported errors:\n%s", stdout)
	}
	out := filepath.Join(project, "fsh-generated", "resources")
	var vs struct {
		Compose struct {
			Include []struct{ ValueSet []string }
		}
	}
	readJSON(t, filepath.Join(out, "ValueSet-htn-work-up.json"), &vs)
	var got []string
	for _, inc := range vs.Compose.Include {
		got = append(got, inc.ValueSet...)
	}
	want := "https://ccg.example.org/fhir/ValueSet/htn-vs-ecg https://ccg.example.org/fhir/ValueSet/htn-vs-renal-function"
	if strings.Join(got, " ") != want {
		t.Errorf("value sets resolved from the dependency: %v, want %s\n%s", got, want, stdout)
	}
	var sd struct {
		BaseDefinition string
		Differential   struct {
			Element []struct {
				Path        string
				Min         int
				MustSupport bool
			}
		}
	}
	readJSON(t, filepath.Join(out, "StructureDefinition-htn-patient.json"), &sd)
	if sd.BaseDefinition != "http://hl7.org/fhir/StructureDefinition/Patient" || len(sd.Differential.Element) == 0 {
		t.Errorf("profile: %+v", sd)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// sushiCore is testpkg.CoreTarball with what SUSHI needs for
// testdata/sushi-project: the StructureDefinitions of StructureDefinition
// and ValueSet (SUSHI builds the definitions it exports on them) and of
// Patient (the profile's parent), each with a snapshot of the elements
// SUSHI reads or the project constrains, not the full R4 definitions.
func sushiCore(t *testing.T) []byte {
	t.Helper()
	p, err := fhirpkg.ReadTarball(testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1"), fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for name, b := range p.Files {
		if name != ".index.json" {
			files[name] = b
		}
	}
	type el struct{ path, min, max, typ string }
	sd := func(typ string, elements ...el) {
		snapshot := []any{map[string]any{"id": typ, "path": typ, "min": 0, "max": "*", "base": map[string]any{"path": typ, "min": 0, "max": "*"}}}
		for _, e := range elements {
			path := typ + "." + e.path
			min, _ := strconv.Atoi(e.min)
			snapshot = append(snapshot, map[string]any{
				"id": path, "path": path, "short": e.path, "definition": e.path, "min": min, "max": e.max,
				"base": map[string]any{"path": path, "min": min, "max": e.max}, "type": []any{map[string]any{"code": e.typ}},
			})
		}
		b, _ := json.Marshal(map[string]any{
			"resourceType": "StructureDefinition", "id": typ, "url": "http://hl7.org/fhir/StructureDefinition/" + typ,
			"version": "4.0.1", "name": typ, "status": "active", "kind": "resource", "abstract": false, "type": typ,
			"fhirVersion": "4.0.1", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/DomainResource",
			"derivation": "specialization", "snapshot": map[string]any{"element": snapshot},
		})
		files["StructureDefinition-"+typ+".json"] = b
	}
	canonical := []el{{"id", "0", "1", "id"}, {"url", "0", "1", "uri"}, {"version", "0", "1", "string"}, {"name", "0", "1", "string"},
		{"title", "0", "1", "string"}, {"status", "1", "1", "code"}, {"description", "0", "1", "markdown"}}
	sd("StructureDefinition", append(canonical, el{"fhirVersion", "0", "1", "code"}, el{"kind", "1", "1", "code"},
		el{"abstract", "1", "1", "boolean"}, el{"type", "1", "1", "uri"}, el{"baseDefinition", "0", "1", "canonical"},
		el{"derivation", "0", "1", "code"}, el{"differential", "0", "1", "BackboneElement"})...)
	sd("ValueSet", append(canonical, el{"compose", "0", "1", "BackboneElement"}, el{"compose.include", "1", "*", "BackboneElement"},
		el{"compose.include.valueSet", "0", "*", "canonical"})...)
	sd("Patient", el{"id", "0", "1", "id"}, el{"name", "0", "*", "HumanName"}, el{"birthDate", "0", "1", "date"})
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

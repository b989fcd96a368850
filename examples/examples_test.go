package examples_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// examples are the example folders; each has package/, cql/ and data-in/.
var examples = []string{"hypertension", "diabetes"}

// wantFires is the CARD coverage matrix: for every data-in file, the CARDs
// (PlanDefinition ids) whose applicability conditions are all true.
var wantFires = map[string][]string{
	"hypertension/01-no-recent-bp":              {"htn-card-collect-sbp"},
	"hypertension/02-raised-readings":           {"htn-card-propdx"},
	"hypertension/03-untreated":                 {"htn-card-orderrx", "htn-card-reqlab", "htn-card-reqproc"},
	"hypertension/04-young-onset":               {"htn-card-reqrad"},
	"hypertension/05-resistant":                 {"htn-card-reqref"},
	"hypertension/06-pregnant-on-acei":          {"htn-card-stoprx"},
	"hypertension/07-untreated-after-actions":   nil,
	"hypertension/08-pregnant-acei-stopped":     nil,
	"diabetes/01-high-hba1c-undiagnosed":        {"t2d-card-propdx"},
	"diabetes/02-new-diagnosis":                 {"t2d-card-orderrx", "t2d-card-pneumo", "t2d-card-provide", "t2d-card-reqvx", "t2d-card-statin"},
	"diabetes/03-metformin-ordered-today":       {"t2d-card-disprx"},
	"diabetes/04-ckd-on-metformin":              {"t2d-card-reqlab", "t2d-card-stoprx"},
	"diabetes/05-hypoglycaemia":                 {"t2d-card-adminrx"},
	"diabetes/06-fulfilled-hba1c-order":         {"t2d-card-stopsrv"},
	"diabetes/07-new-diagnosis-after-actions":   nil,
	"diabetes/08-high-hba1c-diagnosis-declined": nil,
}

type resource = map[string]any

type example struct {
	name      string
	dir       string
	resources []resource
	byURL     map[string]resource
	env       *cql.Env
	terms     *fhir.ValueSetStore
	libs      map[string]*cql.Library // by Library canonical
	folder    resource
	cards     []resource // in Folder order
}

func loadExample(t *testing.T, name string) *example {
	t.Helper()
	ex := &example{name: name, dir: name, byURL: map[string]resource{}, libs: map[string]*cql.Library{}}
	files, err := filepath.Glob(filepath.Join(name, "package", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no package files: %v", name, err)
	}
	sort.Strings(files)
	for _, f := range files {
		if filepath.Base(f) == "package.json" {
			continue
		}
		var r resource
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ex.resources = append(ex.resources, r)
		if u, _ := r["url"].(string); u != "" {
			ex.byURL[u] = r
		}
	}
	ex.terms = fhir.NewValueSetStore()
	resolver := fhir.NewLibraryResolver()
	for _, r := range ex.resources {
		switch r["resourceType"] {
		case "ValueSet", "CodeSystem":
			if err := ex.terms.AddResource(r); err != nil {
				t.Fatalf("%s: %v", label(r), err)
			}
		case "Library":
			if err := resolver.AddLibraryResource(r); err != nil {
				t.Fatalf("%s: %v", label(r), err)
			}
		case "PlanDefinition":
			if validate.Classify(r) == validate.KindFolder {
				if ex.folder != nil {
					t.Fatalf("%s: more than one Folder", name)
				}
				ex.folder = r
			}
		}
	}
	if ex.folder == nil {
		t.Fatalf("%s: no Folder", name)
	}
	for _, a := range list(ex.folder, "action") {
		c := ex.byURL[str(obj(a), "definitionCanonical")]
		if c == nil {
			t.Fatalf("%s: Folder action %v has no CARD", name, a)
		}
		ex.cards = append(ex.cards, c)
	}
	ex.env = cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(resolver), cql.WithTerminology(ex.terms))
	for _, r := range ex.resources {
		if r["resourceType"] != "Library" {
			continue
		}
		src := libraryCQL(t, r)
		lib, errs := ex.env.Compile(str(r, "name")+".cql", src)
		if len(errs) > 0 {
			t.Errorf("%s: CQL does not compile:\n%v", label(r), errs)
			continue
		}
		ex.libs[str(r, "url")] = lib
	}
	return ex
}

func label(r resource) string { return str(r, "resourceType") + "/" + str(r, "id") }

func str(m resource, k string) string {
	s, _ := m[k].(string)
	return s
}

func list(m resource, k string) []any {
	l, _ := m[k].([]any)
	return l
}

func obj(v any) resource {
	m, _ := v.(map[string]any)
	return m
}

func libraryCQL(t *testing.T, r resource) string {
	t.Helper()
	for _, c := range list(r, "content") {
		cm := obj(c)
		if str(cm, "contentType") == "text/cql" {
			b, err := base64.StdEncoding.DecodeString(str(cm, "data"))
			if err != nil {
				t.Fatalf("%s: %v", label(r), err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s: no text/cql content", label(r))
	return ""
}

// TestLibrariesMatchSources fails when a Library's CQL attachment is not
// its .cql source file (run `go generate ./examples` to fix it).
func TestLibrariesMatchSources(t *testing.T) {
	for _, name := range examples {
		files, _ := filepath.Glob(filepath.Join(name, "package", "Library-*.json"))
		srcs, _ := filepath.Glob(filepath.Join(name, "cql", "*.cql"))
		if len(files) == 0 || len(files) != len(srcs) {
			t.Errorf("%s: %d Library files for %d .cql files", name, len(files), len(srcs))
		}
		for _, f := range files {
			var r resource
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			src, err := os.ReadFile(filepath.Join(name, "cql", str(r, "name")+".cql"))
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if got := libraryCQL(t, r); got != string(src) {
				t.Errorf("%s: CQL content differs from cql/%s.cql; run `go generate ./examples`", f, str(r, "name"))
			}
			if str(r, "id") != str(r, "name") {
				t.Errorf("%s: id %q and name %q differ", f, str(r, "id"), str(r, "name"))
			}
		}
	}
}

// TestPackagesAreValid runs the CCG profile checks and the FHIR package
// checks (manifest, .index.json) on every example package.
func TestPackagesAreValid(t *testing.T) {
	for _, name := range examples {
		files := map[string][]byte{}
		entries, err := os.ReadDir(filepath.Join(name, "package"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(name, "package", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = b
		}
		p := &fhirpkg.Package{Files: files}
		if err := json.Unmarshal(files["package.json"], &p.Manifest); err != nil {
			t.Fatalf("%s: package.json: %v", name, err)
		}
		if want := "ccg.example." + name; p.Manifest.Name != want {
			t.Errorf("%s: package name %q, want %q", name, p.Manifest.Name, want)
		}
		for _, m := range append(p.CheckManifest(), p.CheckIndex()...) {
			t.Errorf("%s: %s", name, m)
		}
		res, errs := p.Resources()
		for _, e := range errs {
			t.Errorf("%s: %s", name, e)
		}
		var rs []map[string]any
		for _, r := range res {
			if want := r.Type + "-" + r.ID + ".json"; r.File != want {
				t.Errorf("%s: file %s holds %s/%s (want file name %s)", name, r.File, r.Type, r.ID, want)
			}
			rs = append(rs, r.Data)
		}
		for _, v := range validate.Package(rs, true) {
			t.Errorf("%s: %s", name, v)
		}
	}
}

// TestCardStructure checks what the profile validator does not: every
// CARD's conditions name definitions of the CARD's own Library, and its
// ActivityDefinition's kind and profile fit the CARD type.
func TestCardStructure(t *testing.T) {
	for _, name := range examples {
		ex := loadExample(t, name)
		for _, c := range ex.cards {
			libs := list(c, "library")
			if len(libs) != 1 {
				t.Errorf("%s: want one library, got %v", label(c), libs)
				continue
			}
			lib := ex.libs[libs[0].(string)]
			if lib == nil {
				t.Errorf("%s: library %v not compiled", label(c), libs[0])
				continue
			}
			for _, a := range list(c, "action") {
				for _, cd := range list(obj(a), "condition") {
					e := obj(obj(cd)["expression"])
					if str(e, "language") != "text/cql-identifier" {
						t.Errorf("%s: condition language %q", label(c), str(e, "language"))
					}
					if !contains(lib.Defines(), str(e, "expression")) {
						t.Errorf("%s: condition %q is not a define of %v", label(c), str(e, "expression"), libs[0])
					}
				}
				ad := ex.byURL[str(obj(a), "definitionCanonical")]
				ct, ok := cards.OfActivity(ad)
				if !ok {
					t.Errorf("%s: ActivityDefinition without a CARD type", label(c))
					continue
				}
				if got := str(ad, "kind"); got != ct.Request && !(ct.Request == "Task" && got == "Task") {
					t.Errorf("%s: kind %q, CARD type %s wants %s", label(ad), got, ct.Code, ct.Request)
				}
				if got := str(ad, "profile"); got != ct.Profile {
					t.Errorf("%s: profile %q, want %q", label(ad), got, ct.Profile)
				}
				if ct.TaskCode != "" {
					codes := list(obj(ad["code"]), "coding")
					if len(codes) == 0 || str(obj(codes[0]), "code") != ct.TaskCode {
						t.Errorf("%s: Task code %v, want %s", label(ad), ad["code"], ct.TaskCode)
					}
				}
				for _, tc := range list(c, "topic") {
					for _, k := range list(obj(tc), "coding") {
						if str(obj(k), "code") != ct.Code {
							t.Errorf("%s: CARD topic %q but ActivityDefinition topic %q", label(c), str(obj(k), "code"), ct.Code)
						}
					}
				}
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// evalNow is the evaluation time; the CQL measures every window from the
// encounter start, so any time after the encounters gives the same result.
var evalNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// firing evaluates every CARD of ex against a data-in Bundle and returns
// the ids of the CARDs whose conditions are all true.
func (ex *example) firing(t *testing.T, bundle []byte) []string {
	t.Helper()
	ret, err := fhir.NewBundleRetriever(bundle, fhir.BundleOptions{Terminology: ex.terms})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range ex.cards {
		lib := ex.libs[list(c, "library")[0].(string)]
		if lib == nil {
			t.Fatalf("%s: library not compiled", label(c))
		}
		all := true
		for _, a := range list(c, "action") {
			for _, cd := range list(obj(a), "condition") {
				def := str(obj(obj(cd)["expression"]), "expression")
				v, err := lib.Eval(context.Background(), def, cql.EvalOptions{Now: evalNow, Retriever: ret, Terminology: ex.terms})
				if err != nil {
					t.Errorf("%s %q: %v", label(c), def, err)
					all = false
					continue
				}
				if b, ok := v.(value.Boolean); !ok || !bool(b) {
					all = false
				}
			}
		}
		if all {
			out = append(out, str(c, "id"))
		}
	}
	sort.Strings(out)
	return out
}

func dataInFiles(t *testing.T, name string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(name, "data-in", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no data-in files", name)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[name+"/"+strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

// TestCardFiring is the coverage matrix: which CARD fires for which patient.
func TestCardFiring(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range examples {
		ex := loadExample(t, name)
		for key, b := range dataInFiles(t, name) {
			seen[key] = true
			want, ok := wantFires[key]
			if !ok {
				t.Errorf("%s: not in wantFires", key)
				continue
			}
			got := ex.firing(t, b)
			if diff := cmp.Diff(want, got, cmp.Transformer("nil", func(s []string) []string {
				if s == nil {
					return []string{}
				}
				return s
			})); diff != "" {
				t.Errorf("%s: firing CARDs (-want +got):\n%s", key, diff)
			}
		}
	}
	for key := range wantFires {
		if !seen[key] {
			t.Errorf("wantFires lists %s, which has no data-in file", key)
		}
	}
}

// TestAllCardTypesCovered checks that the two packages together use all
// thirteen CARD types, and that each CARD fires for some patient and stays
// silent for another.
func TestAllCardTypesCovered(t *testing.T) {
	types := map[string]bool{}
	for _, name := range examples {
		ex := loadExample(t, name)
		for _, c := range ex.cards {
			ad := ex.byURL[str(obj(list(c, "action")[0]), "definitionCanonical")]
			ct, _ := cards.OfActivity(ad)
			types[ct.Code] = true
			fires, silent := 0, 0
			for key, ids := range wantFires {
				if !strings.HasPrefix(key, name+"/") {
					continue
				}
				if contains(ids, str(c, "id")) {
					fires++
				} else {
					silent++
				}
			}
			if fires == 0 || silent == 0 {
				t.Errorf("%s fires for %d patients and is silent for %d", label(c), fires, silent)
			}
		}
	}
	for _, code := range cards.Codes() {
		if !types[code] {
			t.Errorf("CARD type %s is not used by any example", code)
		}
	}
}

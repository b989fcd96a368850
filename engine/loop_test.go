package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/perform"
	"github.com/google/go-cmp/cmp"
)

var fixedNow = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)

func testEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
	p, err := e.LoadPath(filepath.Join("..", "testdata", "apply", "package"), content.Options{RequireIG: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range p.Problems {
		t.Errorf("package problem: %s", pr)
	}
	return e
}

func readJSON(t testing.TB, parts ...string) (map[string]any, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}

func dataIn(t testing.TB) map[string]any {
	m, _ := readJSON(t, "..", "testdata", "apply", "data-in", "patient-1.json")
	return m
}

func cardsOf(t testing.TB, bundle map[string]any) []string {
	_, reqs, err := perform.Actions(bundle)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range reqs {
		out = append(out, fj.Type(r)+"/"+cardOf(r))
	}
	return out
}

// cardOf is the id of the CARD a request instantiates (the last segment of
// its canonical), since request ids are new UUIDs in every answer.
func cardOf(r map[string]any) string {
	c := fj.Str(r, "instantiatesUri")
	for _, v := range fj.List(r, "instantiatesCanonical") {
		c, _ = v.(string)
	}
	for _, x := range fj.Objs(r, "extension") {
		if strings.HasSuffix(fj.Str(x, "url"), "workflow-instantiatesCanonical") {
			c = fj.Str(x, "valueCanonical")
		}
	}
	c = fj.Canonical(c)
	return c[strings.LastIndex(c, "/")+1:]
}

// TestPerformLoop runs the Apply Guideline loop on the fixture: every
// CARD type fires once, and the loop ends with an empty RequestGroup.
func TestPerformLoop(t *testing.T) {
	e := testEngine(t)
	p := &perform.Performer{Now: func() time.Time { return fixedNow }, Resolve: func(_ context.Context, c string) (map[string]any, error) {
		r, _ := e.ByCanonical(c)
		return r, nil
	}}
	var rounds [][]string
	var resulting [][]string
	apply := func(ctx context.Context, data map[string]any) (map[string]any, error) {
		res, err := e.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: "ccgtest-folder", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: data})
		if err != nil {
			return nil, err
		}
		if len(res.Errors) > 0 {
			t.Errorf("CARD errors: %+v", res.Errors)
		}
		return res.Bundle, nil
	}
	_, err := p.Loop(context.Background(), apply, dataIn(t), 10, func(r perform.Round) {
		rounds = append(rounds, cardsOf(t, r.Response))
		var rs []string
		for _, x := range r.Results {
			s := fj.Ref(x.Resource) + " " + fj.Str(x.Resource, "status")
			rs = append(rs, s)
		}
		resulting = append(resulting, rs)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"CommunicationRequest/card-provide", "Task/card-collect", "MedicationRequest/card-reqvx", "Task/card-stoprx", "Task/card-stopsrv"},
		{"ServiceRequest/card-reqlab", "ServiceRequest/card-reqrad", "ServiceRequest/card-reqproc", "ServiceRequest/card-reqref", "Task/card-propdx"},
		{"MedicationRequest/card-orderrx"},
		{"Task/card-disprx"},
		{"Task/card-adminrx"},
		{},
	}
	if d := cmp.Diff(want, rounds); d != "" {
		t.Errorf("rounds (-want +got):\n%s", d)
	}
	t.Logf("resulting data: %v", resulting)
}

// TestLoadSwapAndCache: loading a tarball of the fixture compiles once;
// the same content again comes from the cache; Remove and Replace swap
// the set atomically.
func TestLoadSwapAndCache(t *testing.T) {
	e := engine.New(engine.Options{})
	dir := filepath.Join("..", "testdata", "apply", "package")
	files := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[en.Name()] = b
	}
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := e.LoadFHIRPackage(fp, "test.tgz", content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.LoadFHIRPackage(fp, "test.tgz", content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 {
		t.Error("the unchanged package was compiled again")
	}
	if _, ok := e.PlanDefinition("ccgtest-folder"); !ok {
		t.Error("folder not loaded")
	}
	if !e.Remove(p1.Name) {
		t.Error("Remove reported nothing removed")
	}
	if _, ok := e.PlanDefinition("ccgtest-folder"); ok {
		t.Error("folder still loaded after Remove")
	}
	e.Replace([]*content.Package{p1})
	if len(e.Packages()) != 1 {
		t.Errorf("%d packages after Replace", len(e.Packages()))
	}
}

// TestConcurrentApply runs $apply from several goroutines while the
// package set is swapped (run with -race).
func TestConcurrentApply(t *testing.T) {
	e := testEngine(t)
	p := e.Packages()[0]
	done := make(chan struct{})
	go func() {
		for i := 0; i < 20; i++ {
			e.Replace([]*content.Package{p})
		}
		close(done)
	}()
	errs := make(chan error, 8)
	for w := 0; w < 4; w++ {
		go func() {
			for i := 0; i < 5; i++ {
				res, err := e.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "ccgtest-folder", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: dataIn(t), Explain: true})
				if err == nil && len(res.Fired) != 5 {
					err = fmt.Errorf("fired %v", res.Fired)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	<-done
}

// TestInlineCQL: a text/cql condition that is not a define name is
// compiled as an expression (and may use the CARD library by name).
func TestInlineCQL(t *testing.T) {
	e := testEngine(t)
	p := e.Packages()[0]
	cases := []struct {
		expr string
		want bool
	}{
		{"CCGTest.\"Needs BP\" and Patient.birthDate.value < @1980-01-01", true},
		{"exists [Observation]", false},
		{"Patient.gender = 'male'", false},
	}
	for _, tc := range cases {
		card := fj.CloneObj(p.Resource("PlanDefinition", "card-collect"))
		card["id"], card["url"] = "card-inline", "http://example.org/ccg-test/PlanDefinition/card-inline"
		fj.Objs(card, "action")[0]["condition"] = []any{map[string]any{"kind": "applicability", "expression": map[string]any{"language": "text/cql", "expression": tc.expr}}}
		pkg, err := content.FromResources("inline", "1", append(append([]map[string]any{}, p.Resources...), card), content.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e2 := engine.New(engine.Options{Now: func() time.Time { return fixedNow }})
		e2.Load(pkg)
		res, err := e2.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: "card-inline", Subject: "Patient/p1", Encounter: "Encounter/e1", Data: dataIn(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) > 0 {
			t.Errorf("%s: %+v", tc.expr, res.Errors)
		}
		if got := len(res.Fired) == 1; got != tc.want {
			t.Errorf("%s: fired %v, want %v", tc.expr, got, tc.want)
		}
	}
}

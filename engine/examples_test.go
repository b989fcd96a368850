package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/perform"
)

// TestExamplesLoop loads every examples/<name>/package and runs the
// performer loop for each of its data-in patients: the packages load
// without problems, no CARD errors, and every loop ends with an empty
// RequestGroup.
func TestExamplesLoop(t *testing.T) {
	pkgs, _ := filepath.Glob(filepath.Join("..", "examples", "*", "package"))
	if len(pkgs) == 0 {
		t.Skip("no examples/*/package")
	}
	e := engine.New(engine.Options{})
	for _, dir := range pkgs {
		p, err := e.LoadPath(dir, content.Options{RequireIG: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range p.Problems {
			t.Errorf("%s: %s", p.Name, pr)
		}
	}
	perf := &perform.Performer{Resolve: func(_ context.Context, c string) (map[string]any, error) {
		r, _ := e.ByCanonical(c)
		return r, nil
	}}
	fired := map[string]bool{}
	for _, dir := range pkgs {
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "data-in", "*.json"))
		for _, f := range files {
			t.Run(strings.TrimPrefix(f, filepath.Join("..", "examples")+"/"), func(t *testing.T) {
				data, _ := readJSON(t, f)
				subj, enc, err := datain.Defaults(data)
				if err != nil {
					t.Fatal(err)
				}
				apply := func(ctx context.Context, d map[string]any) (map[string]any, error) {
					res, err := e.Apply(ctx, &engine.ApplyRequest{Subject: subj, Encounter: enc, Data: d})
					if err != nil {
						return nil, err
					}
					for _, ce := range res.Errors {
						t.Errorf("CARD error: %+v", ce)
					}
					for _, c := range res.Fired {
						fired[c] = true
					}
					return res.Bundle, nil
				}
				if _, err := perf.Loop(context.Background(), apply, data, 10, nil); err != nil {
					t.Error(err)
				}
			})
		}
	}
	types := map[string]bool{}
	for c := range fired {
		for _, p := range e.Packages() {
			if pd := p.ByCanonical(c); pd != nil {
				ad := p.ByCanonical(fj.Str(fj.Objs(pd, "action")[0], "definitionCanonical"))
				for _, tp := range fj.Objs(ad, "topic") {
					for _, cd := range fj.Objs(tp, "coding") {
						types[fj.Str(cd, "code")] = true
					}
				}
			}
		}
	}
	if len(types) != 13 {
		t.Errorf("CARD types fired across the examples: %d of 13 (%v)", len(types), types)
	}
}

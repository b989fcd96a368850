package httpapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/perform"
)

// examplesNow is the evaluation time of the reviewed example outputs (the
// Now of examples/internal/genexpected).
var examplesNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// TestExamplesGolden applies, over HTTP, the CCG Folder of every example
// package to each of its data-in patients and compares the response Bundle
// with the reviewed output examples/<name>/expected/<data-in file>, which
// `go run ./examples/internal/genexpected` writes. Between them, the
// patients must make every one of the 13 CARD types fire.
func TestExamplesGolden(t *testing.T) {
	root := filepath.Join("..", "..", "examples")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "package"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no example packages under %s (%v)", root, err)
	}
	sort.Strings(dirs)
	eng := engine.New(engine.Options{Now: func() time.Time { return examplesNow }})
	folders := map[string]string{} // example name -> Folder id
	for _, dir := range dirs {
		p, err := eng.LoadPath(dir, content.Options{RequireIG: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range p.Problems {
			t.Errorf("%s: %s", dir, pr)
		}
		protocols := p.PlanDefinitions("clinical-protocol")
		if len(protocols) != 1 {
			t.Fatalf("%s: %d clinical-protocol PlanDefinitions, want the one CCG Folder", dir, len(protocols))
		}
		folders[filepath.Base(filepath.Dir(dir))] = fj.ID(protocols[0])
	}
	s := serve(t, eng)

	fired := map[string][]string{} // CARD type code -> the patients it fired for
	cases := 0
	for _, dir := range dirs {
		name := filepath.Base(filepath.Dir(dir))
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "data-in", "*.json"))
		for _, f := range files {
			cases++
			patient := name + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
			t.Run(patient, func(t *testing.T) {
				data := readObj(t, f)
				want := readObj(t, filepath.Join(filepath.Dir(dir), "expected", filepath.Base(f)))
				subject, encounter, err := datain.Defaults(data)
				if err != nil {
					t.Fatal(err)
				}
				status, got := s.post(t, "/PlanDefinition/"+folders[name]+"/$apply", params(subject, encounter, data))
				if status != 200 {
					t.Fatalf("status %d: %v", status, got)
				}
				if d := jsonDiff(want, got); d != "" {
					t.Errorf("response differs from %s (-want +got):\n%s", filepath.Join(name, "expected", filepath.Base(f)), d)
				}
				_, reqs, err := perform.Actions(got)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range reqs {
					code, err := cardType(eng, r)
					if err != nil {
						t.Error(err)
						continue
					}
					fired[code] = append(fired[code], patient)
				}
			})
		}
	}
	if cases == 0 {
		t.Fatal("no data-in files")
	}
	var missing []string
	for _, ct := range cards.All() {
		if len(fired[ct.Code]) == 0 {
			missing = append(missing, ct.Code)
		}
	}
	if len(missing) > 0 {
		t.Errorf("CARD types that fire for no example patient: %v (fired: %v)", missing, fired)
	}
}

// cardType is the CARD type of an $apply request: the topic of the
// ActivityDefinition of the CARD (eca-rule PlanDefinition) the request
// instantiates.
func cardType(eng *engine.Engine, req map[string]any) (string, error) {
	var canons []string
	if u := fj.Str(req, "instantiatesUri"); u != "" {
		canons = append(canons, u)
	}
	for _, c := range fj.List(req, "instantiatesCanonical") {
		if s, ok := c.(string); ok {
			canons = append(canons, s)
		}
	}
	if c := fj.Str(req, "instantiatesCanonical"); c != "" {
		canons = append(canons, c)
	}
	for _, x := range fj.Objs(req, "extension") {
		if strings.HasSuffix(fj.Str(x, "url"), "workflow-instantiatesCanonical") {
			canons = append(canons, fj.Str(x, "valueCanonical"))
		}
	}
	for _, c := range canons {
		card, ok := eng.ByCanonical(c)
		if !ok || fj.Type(card) != "PlanDefinition" || content.PlanType(card) != "eca-rule" {
			continue
		}
		for _, a := range fj.Objs(card, "action") {
			ad, ok := eng.ByCanonical(fj.Str(a, "definitionCanonical"))
			if !ok {
				continue
			}
			if ct, ok := cards.OfActivity(ad); ok {
				return ct.Code, nil
			}
		}
		return "", fmt.Errorf("%s: its CARD %s has no ActivityDefinition with a CARD type topic", fj.Ref(req), c)
	}
	return "", fmt.Errorf("%s instantiates no loaded CARD (%s)", fj.Ref(req), strings.Join(canons, ", "))
}

func readObj(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fj.DecodeObj(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

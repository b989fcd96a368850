package examples_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/engine/perform"
)

// wantRounds is what the Guideline Engine recommends, round after round,
// when the project's Guideline Performer carries out every action and
// sends the Resulting Data back (engine/perform): the CARDs of each round,
// until the RequestGroup is empty. Round 1 is the coverage matrix; later
// rounds are the next steps the recorded results open up.
var wantRounds = map[string][][]string{
	"hypertension/01-no-recent-bp":    {{"htn-card-collect-sbp"}},
	"hypertension/02-raised-readings": {{"htn-card-propdx"}, {"htn-card-orderrx", "htn-card-reqlab", "htn-card-reqproc"}},
	"hypertension/03-untreated":       {{"htn-card-orderrx", "htn-card-reqlab", "htn-card-reqproc"}},
	"hypertension/04-young-onset":     {{"htn-card-reqrad"}},
	"hypertension/05-resistant":       {{"htn-card-reqref"}},
	// With the ACE inhibitor stopped she is untreated, but her systolic
	// (132 mmHg) is below 140: nothing more to do.
	"hypertension/06-pregnant-on-acei":          {{"htn-card-stoprx"}},
	"hypertension/07-untreated-after-actions":   nil,
	"hypertension/08-pregnant-acei-stopped":     nil,
	"diabetes/01-high-hba1c-undiagnosed":        {{"t2d-card-propdx"}, {"t2d-card-pneumo", "t2d-card-provide", "t2d-card-reqvx", "t2d-card-statin"}},
	"diabetes/02-new-diagnosis":                 {{"t2d-card-orderrx", "t2d-card-pneumo", "t2d-card-provide", "t2d-card-reqvx", "t2d-card-statin"}, {"t2d-card-disprx"}},
	"diabetes/03-metformin-ordered-today":       {{"t2d-card-disprx"}},
	"diabetes/04-ckd-on-metformin":              {{"t2d-card-reqlab", "t2d-card-stoprx"}},
	"diabetes/05-hypoglycaemia":                 {{"t2d-card-adminrx"}},
	"diabetes/06-fulfilled-hba1c-order":         {{"t2d-card-stopsrv"}},
	"diabetes/07-new-diagnosis-after-actions":   nil,
	"diabetes/08-high-hba1c-diagnosis-declined": nil,
}

// TestPerformerLoop runs the whole Apply Guideline loop on every patient:
// it shows that each CARD's action, once performed, silences the CARD as
// the Guideline Performer records it, and that no patient loops forever.
func TestPerformerLoop(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for _, name := range examples {
		eng := engine.New(engine.Options{Now: func() time.Time { return now }})
		pkg, err := eng.LoadPath(filepath.Join(name, "package"), content.Options{RequireIG: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range pkg.Problems {
			t.Errorf("%s: %s", name, pr)
		}
		folder := loadExample(t, name).folder
		p := &perform.Performer{
			Now: func() time.Time { return now },
			Resolve: func(_ context.Context, canonical string) (map[string]any, error) {
				if r, ok := eng.ByCanonical(canonical); ok {
					return r, nil
				}
				return nil, fmt.Errorf("%s not found", canonical)
			},
		}
		for key, raw := range dataInFiles(t, name) {
			t.Run(key, func(t *testing.T) {
				data, err := fj.DecodeObj(raw)
				if err != nil {
					t.Fatal(err)
				}
				subject, encounter, err := datain.Defaults(data)
				if err != nil {
					t.Fatal(err)
				}
				apply := func(ctx context.Context, d map[string]any) (map[string]any, error) {
					res, err := eng.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: str(folder, "id"), Subject: subject, Encounter: encounter, Data: d})
					if err != nil {
						return nil, err
					}
					for _, ce := range res.Errors {
						t.Errorf("CARD error: %+v", ce)
					}
					return res.Bundle, nil
				}
				var rounds [][]string
				_, err = p.Loop(context.Background(), apply, data, 8, func(r perform.Round) {
					var fired []string
					for _, res := range r.Results {
						fired = append(fired, cardOf(res.Resource, res.Request, r.Response))
					}
					sort.Strings(fired)
					if len(fired) > 0 {
						rounds = append(rounds, fired)
					}
				})
				if err != nil {
					t.Fatalf("loop: %v (rounds so far %v)", err, rounds)
				}
				if diff := cmp.Diff(wantRounds[key], rounds); diff != "" {
					t.Errorf("CARDs by round (-want +got):\n%s", diff)
				}
				if len(rounds) > 0 && !cmp.Equal(rounds[0], wantFires[key]) {
					t.Errorf("round 1 %v differs from the coverage matrix %v", rounds[0], wantFires[key])
				}
			})
		}
	}
}

// cardOf names the CARD behind a processed request: the request's
// instantiatesCanonical / instantiatesUri carries the CARD canonical.
func cardOf(_ map[string]any, request string, resp map[string]any) string {
	for _, e := range fj.List(resp, "entry") {
		r := fj.Obj(e.(map[string]any), "resource")
		if fj.Type(r)+"/"+fj.Str(r, "id") != request {
			continue
		}
		var cands []string
		for _, c := range fj.List(r, "instantiatesCanonical") {
			if s, ok := c.(string); ok {
				cands = append(cands, s)
			}
		}
		if s := fj.Str(r, "instantiatesCanonical"); s != "" {
			cands = append(cands, s)
		}
		cands = append(cands, fj.Str(r, "instantiatesUri"))
		for _, x := range fj.List(r, "extension") {
			cands = append(cands, fj.Str(x.(map[string]any), "valueCanonical"))
		}
		for _, c := range cands {
			c, _, _ = strings.Cut(c, "|")
			if i := strings.Index(c, "/PlanDefinition/"); i >= 0 {
				return c[i+len("/PlanDefinition/"):]
			}
		}
	}
	return request
}

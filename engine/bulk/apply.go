package bulk

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// engines holds the engines of this process by package list, so that a
// worker compiles its packages once however many bundles and DoFn
// instances it runs.
var engines sync.Map // string -> *engineOnce

type engineOnce struct {
	once sync.Once
	eng  *engine.Engine
	err  error
}

// Engine returns this process's engine with packages (folders or .tgz
// files) loaded, building it on the first call. A package with problems
// (profile violations, CQL errors) is refused when strict.
func Engine(packages []string, strict bool) (*engine.Engine, error) {
	key := fmt.Sprint(strict, "\x00", strings.Join(packages, "\x00"))
	v, _ := engines.LoadOrStore(key, &engineOnce{})
	eo := v.(*engineOnce)
	eo.once.Do(func() {
		eng := engine.New(engine.Options{})
		for _, p := range packages {
			pkg, err := eng.LoadPath(p, content.Options{})
			if err != nil {
				eo.err = err
				return
			}
			if strict && len(pkg.Problems) > 0 {
				eo.err = fmt.Errorf("package %s has %d problems: %s", pkg.Name, len(pkg.Problems), pkg.Problems[0])
				return
			}
		}
		eo.eng = eng
	})
	return eo.eng, eo.err
}

// Applier runs a PlanDefinition's $apply for one patient at a time.
type Applier struct {
	Engine *engine.Engine
	// Plan is the PlanDefinition id (a Folder, a CARD or Patient Plans).
	Plan string
	// Now is the evaluation time (zero: the time of each call).
	Now time.Time
}

// Outcome is the $apply of one patient.
type Outcome struct {
	Patient string
	// Bundle is the $apply Bundle as compact JSON.
	Bundle []byte
	// Fired are the canonicals of the CARDs that fired; Errors the CARDs
	// whose conditions failed to evaluate.
	Fired  []string
	Errors []string
}

// Apply builds the data-in Bundle of patient from its lines and applies
// the plan. An error is the patient's dead letter.
func (a *Applier) Apply(ctx context.Context, patient string, lines []*Line, shared func(string) []byte) (*Outcome, error) {
	bundle, subject, encounter, err := PatientData(patient, lines, shared)
	if err != nil {
		return nil, err
	}
	res, err := a.Engine.Apply(ctx, &engine.ApplyRequest{PlanDefinitionID: a.Plan, Subject: subject, Encounter: encounter,
		Data: bundle, Now: a.Now})
	if err != nil {
		var re *engine.RequestError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("$apply refused the data-in of %s: %v", patient, re)
		}
		return nil, err
	}
	out, err := fj.MarshalCompact(res.Bundle)
	if err != nil {
		return nil, err
	}
	o := &Outcome{Patient: patient, Bundle: out, Fired: res.Fired}
	for _, ce := range res.Errors {
		o.Errors = append(o.Errors, ce.Card)
	}
	return o, nil
}

// Aggregate is the population summary of a care-gap run.
type Aggregate struct {
	// Patients applied, and those with at least one CARD fired.
	Patients int `json:"patients"`
	WithGaps int `json:"patientsWithFiredCards"`
	// Cards counts the patients each CARD fired for, CardErrors those for
	// which its conditions failed to evaluate.
	Cards      map[string]int `json:"cards"`
	CardErrors map[string]int `json:"cardErrors,omitempty"`
	// DeadLetters counts the input lines and patients that were not used.
	DeadLetters int `json:"deadLetters"`
}

// Add counts one patient's outcome.
func (g *Aggregate) Add(o *Outcome) {
	g.Patients++
	if len(o.Fired) > 0 {
		g.WithGaps++
	}
	for _, c := range dedupe(o.Fired) {
		if g.Cards == nil {
			g.Cards = map[string]int{}
		}
		g.Cards[c]++
	}
	for _, c := range dedupe(o.Errors) {
		if g.CardErrors == nil {
			g.CardErrors = map[string]int{}
		}
		g.CardErrors[c]++
	}
}

// Merge adds the counts of b to g.
func (g *Aggregate) Merge(b *Aggregate) {
	g.Patients += b.Patients
	g.WithGaps += b.WithGaps
	g.DeadLetters += b.DeadLetters
	for k, v := range b.Cards {
		if g.Cards == nil {
			g.Cards = map[string]int{}
		}
		g.Cards[k] += v
	}
	for k, v := range b.CardErrors {
		if g.CardErrors == nil {
			g.CardErrors = map[string]int{}
		}
		g.CardErrors[k] += v
	}
}

func dedupe(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

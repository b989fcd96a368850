// Command genexpected writes the reviewed Guideline Engine outputs of the
// examples: for every examples/<name>/data-in/<file>.json it applies the
// package's CCG Folder with the engine, at the fixed evaluation time Now,
// and writes the $apply Bundle (as `ccg apply` prints it) to
// examples/<name>/expected/<file>.json.
//
// The files are golden outputs: regenerate them only after reviewing the
// differences (git diff) for clinical sense.
//
// Usage (from the module root):
//
//	go run ./examples/internal/genexpected [-check] [EXAMPLES_DIR]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/datain"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/google/uuid"
)

// Now is the evaluation time of the golden outputs (RequestGroup and
// request authoredOn). The CARDs' CQL measures its windows from the
// encounter start, so only these timestamps depend on it.
var Now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// folders maps each example to the id of its CCG Folder.
var folders = map[string]string{"hypertension": "htn-folder", "diabetes": "t2d-folder"}

func main() {
	check := flag.Bool("check", false, "compare with the existing files instead of writing them")
	flag.Parse()
	dir := flag.Arg(0)
	if dir == "" {
		dir = "examples"
	}
	bad, err := run(dir, !*check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genexpected:", err)
		os.Exit(1)
	}
	for _, f := range bad {
		if *check {
			fmt.Println("differs:", f)
		} else {
			fmt.Println("wrote", f)
		}
	}
	if *check && len(bad) > 0 {
		os.Exit(1)
	}
}

func run(dir string, write bool) ([]string, error) {
	names := make([]string, 0, len(folders))
	for n := range folders {
		names = append(names, n)
	}
	sort.Strings(names)
	var changed []string
	for _, name := range names {
		ids := &idSource{}
		eng := engine.New(engine.Options{Now: func() time.Time { return Now }, NewID: ids.next})
		pkg, err := eng.LoadPath(filepath.Join(dir, name, "package"), content.Options{RequireIG: true})
		if err != nil {
			return changed, err
		}
		if len(pkg.Problems) > 0 {
			return changed, fmt.Errorf("%s: package has problems: %v", name, pkg.Problems)
		}
		files, err := filepath.Glob(filepath.Join(dir, name, "data-in", "*.json"))
		if err != nil {
			return changed, err
		}
		for _, f := range files {
			ids.reset(name + "/" + filepath.Base(f))
			out, err := apply(eng, folders[name], f)
			if err != nil {
				return changed, fmt.Errorf("%s: %w", f, err)
			}
			target := filepath.Join(dir, name, "expected", filepath.Base(f))
			old, _ := os.ReadFile(target)
			if bytes.Equal(old, out) {
				continue
			}
			changed = append(changed, target)
			if write {
				if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
					return changed, err
				}
				if err := os.WriteFile(target, out, 0o644); err != nil {
					return changed, err
				}
			}
		}
	}
	return changed, nil
}

// idSource gives the resources of an output reproducible ids: name-based
// UUIDs of the data-in file and a counter, so that regenerated files differ
// only where the output does.
type idSource struct {
	file string
	n    int
}

func (s *idSource) reset(file string) { s.file, s.n = file, 0 }

func (s *idSource) next() string {
	s.n++
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("ccg-example:%s:%d", s.file, s.n))).String()
}

// apply runs $apply for one data-in file, as `ccg apply --plan ID` does.
func apply(eng *engine.Engine, plan, file string) ([]byte, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	bundle, err := fj.DecodeObj(raw)
	if err != nil {
		return nil, err
	}
	subject, encounter, err := datain.Defaults(bundle)
	if err != nil {
		return nil, err
	}
	res, err := eng.Apply(context.Background(), &engine.ApplyRequest{PlanDefinitionID: plan, Subject: subject, Encounter: encounter,
		Data: bundle})
	if err != nil {
		return nil, err
	}
	if len(res.Errors) > 0 {
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, fmt.Sprintf("%+v", e))
		}
		return nil, errors.New("CARD errors: " + strings.Join(msgs, "; "))
	}
	out, err := fj.Marshal(res.Bundle)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return out, nil
}

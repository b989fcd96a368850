package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
)

// cqlSetup is what the cql commands compile and evaluate with.
type cqlSetup struct {
	// files are the .cql files includes are resolved among (by the name
	// and version of their library declarations); FHIRHelpers 4.0.1 is
	// built in.
	files []string
	// modelDir is a folder of ModelInfo documents (QI-Core, US Core) for
	// `using` declarations besides FHIR 4.0.1; "" for none. ModelInfo
	// files beside the .cql files are loaded too.
	modelDir string
	// dataFile is a FHIR Bundle (JSON) retrieves read from; "" for none.
	dataFile string
	// patient selects the subject Patient in dataFile; "" means the only one.
	patient string
	// valueSets is a directory of ValueSet resources (JSON) for
	// terminology operations; "" for none.
	valueSets string
	// strictData refuses dataFile values that break a FHIR primitive's
	// JSON type rule instead of reading them with a warning.
	strictData bool
	// data is the retriever of dataFile, set by env.
	data *fhir.BundleRetriever
}

// env builds a cql.Env with the FHIR R4 model and the setup's libraries,
// terminology and data.
func (s *cqlSetup) env() (*cql.Env, error) {
	res := fhir.NewLibraryResolver()
	for _, f := range s.files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// A file without a library declaration cannot be included; its
		// own compilation reports any problem with it.
		_ = res.AddSource(string(b), f)
	}
	opts := []cql.Option{cql.WithModel(fhir.R4()), cql.WithLibraryResolver(res)}
	models, err := s.models()
	if err != nil {
		return nil, err
	}
	for _, m := range models {
		opts = append(opts, cql.WithModel(m))
	}
	var terms fhir.Terminology
	if s.valueSets != "" {
		vs := fhir.NewValueSetStore()
		if err := vs.LoadDir(s.valueSets); err != nil {
			return nil, fmt.Errorf("value sets: %w", err)
		}
		terms = vs
		opts = append(opts, cql.WithTerminology(vs))
	}
	if s.dataFile != "" {
		b, err := os.ReadFile(s.dataFile)
		if err != nil {
			return nil, err
		}
		r, err := fhir.NewBundleRetriever(b, fhir.BundleOptions{PatientID: s.patient, Terminology: terms, StrictData: s.strictData})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.dataFile, err)
		}
		s.data = r
		opts = append(opts, cql.WithRetriever(r))
	}
	return cql.NewEnv(opts...), nil
}

// models loads the ModelInfo documents of modelDir and of the folders of
// the .cql files (a package ships its own ModelInfo beside its CQL).
func (s *cqlSetup) models() ([]*fhir.Model, error) {
	var dirs []string
	if s.modelDir != "" {
		st, err := os.Stat(s.modelDir)
		if err != nil {
			return nil, fmt.Errorf("--modelinfo: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("--modelinfo: %s is not a folder", s.modelDir)
		}
		dirs = append(dirs, s.modelDir)
	}
	seen := map[string]bool{}
	for _, f := range s.files {
		if d := filepath.Dir(f); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	var out []*fhir.Model
	for _, d := range dirs {
		ms, err := fhir.LoadModelDir(d)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// siblingCQLFiles lists the .cql files in the directory of path, which
// are the libraries "ccg cql eval" can include.
func siblingCQLFiles(path string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".cql") {
			files = append(files, filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
	return files, nil
}

// paramFlags is the repeatable --param NAME=CQL-LITERAL flag of cql eval,
// apply and perform. A value without a library name sets the parameter of
// every library in the evaluation that declares one of that name;
// Lib.Name sets library Lib's only.
type paramFlags map[string]value.Value

func (p paramFlags) String() string { return fmt.Sprint(len(p), " parameters") }

func (p paramFlags) Set(s string) error {
	name, v, err := cql.ParseParameter(s)
	if err != nil {
		return err
	}
	if _, dup := p[name]; dup {
		return fmt.Errorf("parameter %q is given twice", name)
	}
	p[name] = v
	return nil
}

// addParamFlag registers --param on fs.
func addParamFlag(fs *flag.FlagSet) paramFlags {
	p := paramFlags{}
	fs.Var(p, "param", "set CQL parameter `NAME=CQL-LITERAL` (repeatable; Lib.Name for one library only), e.g. 'Measurement Period=Interval[@2022-01-01T00:00:00.0, @2023-01-01T00:00:00.0)'")
	return p
}

// printDataWarnings prints the data values read leniently (see
// fhir.BundleOptions.StrictData).
func printDataWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintf(w, "ccg: warning: %s (read leniently; --strict-data refuses it)\n", s)
	}
}

// strictDataFlag registers --strict-data on fs.
func strictDataFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("strict-data", false, "refuse data values that break a FHIR primitive's JSON type rule (a number for a code) instead of reading them with a warning")
}

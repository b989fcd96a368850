// Package conformance runs the FHIRPath test suite of HL7 (the XML file
// tests-fhir-r4.xml of fhir-test-cases and its input resources in
// input/) against cql/fhirpath.
//
// A test evaluates an expression on one input resource (or on nothing)
// and lists the expected items, each with its FHIRPath type; a test whose
// expression is marked invalid passes when parsing or evaluating it
// fails. The skip list and floor file formats are those of the CQL suite
// runner (cql/conformance), with group names in place of file names.
package conformance

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Test is one test of the suite.
type Test struct {
	Group      string   `json:"group"`
	Name       string   `json:"name"`
	InputFile  string   `json:"inputfile,omitempty"`
	Expression string   `json:"expression"`
	Invalid    string   `json:"invalid,omitempty"`
	Predicate  bool     `json:"predicate,omitempty"`
	Outputs    []Output `json:"outputs,omitempty"`
}

// Output is one expected item: its FHIRPath type and text.
type Output struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// ExpectsError reports whether the expression must fail.
func (t *Test) ExpectsError() bool { return t.Invalid != "" && t.Invalid != "false" }

// Suite is the tests of a suite directory and where its inputs are.
type Suite struct {
	Dir   string
	Tests []*Test
}

type xmlTests struct {
	Groups []struct {
		Name  string `xml:"name,attr"`
		Tests []struct {
			Name       string `xml:"name,attr"`
			InputFile  string `xml:"inputfile,attr"`
			Predicate  string `xml:"predicate,attr"`
			Expression struct {
				Text    string `xml:",chardata"`
				Invalid string `xml:"invalid,attr"`
			} `xml:"expression"`
			Outputs []struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"output"`
		} `xml:"test"`
	} `xml:"group"`
}

// LoadDir reads every *.xml test file directly in dir (the inputs are in
// dir/input).
func LoadDir(dir string) (*Suite, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .xml test files in %s", dir)
	}
	sort.Strings(paths)
	s := &Suite{Dir: dir}
	seen := map[string]bool{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var x xmlTests
		if err := xml.Unmarshal(data, &x); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, g := range x.Groups {
			for i, xt := range g.Tests {
				t := &Test{Group: g.Name, Name: xt.Name, InputFile: xt.InputFile, Predicate: xt.Predicate == "true",
					Expression: strings.TrimSpace(xt.Expression.Text), Invalid: strings.TrimSpace(xt.Expression.Invalid)}
				if t.Name == "" {
					t.Name = fmt.Sprintf("%s#%d", g.Name, i+1)
				}
				// the suite repeats a few names: the later ones get #2, #3 ...
				for n := 2; seen[t.Name]; n++ {
					t.Name = fmt.Sprintf("%s#%d", xt.Name, n)
				}
				seen[t.Name] = true
				for _, o := range xt.Outputs {
					t.Outputs = append(t.Outputs, Output{Type: o.Type, Text: o.Text})
				}
				s.Tests = append(s.Tests, t)
			}
		}
	}
	return s, nil
}

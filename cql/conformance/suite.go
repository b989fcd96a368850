// Package conformance runs the CQL conformance suite (the XML test files
// of cqframework/cql-tests) against the ccg CQL engine.
//
// Each test is an expression and its expected output, itself a CQL
// expression (usually a literal). The runner compiles and evaluates both,
// each as the only definition of a small library, and compares the
// results. Tests whose expression is marked invalid pass when compiling or
// evaluating the expression fails.
package conformance

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Test is one conformance test.
type Test struct {
	// File is the base name of the XML file ("CqlListOperatorsTest.xml").
	File string `json:"file"`
	// Group is the name of the test's group.
	Group string `json:"group"`
	// Name is the test's name, unique across the suite.
	Name string `json:"name"`
	// Expression is the CQL expression under test.
	Expression string `json:"expression"`
	// Invalid is "", "false", "true", "syntax", "semantic" or "execution";
	// anything but "" and "false" means the expression must fail.
	Invalid string `json:"invalid,omitempty"`
	// Outputs are the expected outputs as CQL text; tests have at most
	// one in practice, and several outputs mean a list of those values.
	Outputs []string `json:"outputs,omitempty"`
	// Version and VersionTo are the CQL versions the test applies to
	// (empty when not given on the test, its group or the file).
	Version   string `json:"version,omitempty"`
	VersionTo string `json:"versionTo,omitempty"`
}

// ExpectsError reports whether the test's expression must fail.
func (t *Test) ExpectsError() bool { return t.Invalid != "" && t.Invalid != "false" }

// Suite is the tests of one XML file.
type Suite struct {
	File  string
	Name  string
	Tests []*Test
}

// xmlTests mirrors testSchema.xsd (namespace http://hl7.org/fhirpath/tests).
type xmlTests struct {
	Name      string     `xml:"name,attr"`
	Version   string     `xml:"version,attr"`
	VersionTo string     `xml:"versionTo,attr"`
	Groups    []xmlGroup `xml:"group"`
}

type xmlGroup struct {
	Name      string    `xml:"name,attr"`
	Version   string    `xml:"version,attr"`
	VersionTo string    `xml:"versionTo,attr"`
	Tests     []xmlTest `xml:"test"`
}

type xmlTest struct {
	Name       string `xml:"name,attr"`
	Version    string `xml:"version,attr"`
	VersionTo  string `xml:"versionTo,attr"`
	Expression struct {
		Text    string `xml:",chardata"`
		Invalid string `xml:"invalid,attr"`
	} `xml:"expression"`
	Outputs []struct {
		Text string `xml:",chardata"`
	} `xml:"output"`
}

// Parse reads one test file. file names the suite in results.
func Parse(r io.Reader, file string) (*Suite, error) {
	var x xmlTests
	dec := xml.NewDecoder(r)
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	s := &Suite{File: file, Name: x.Name}
	for _, g := range x.Groups {
		for i, xt := range g.Tests {
			t := &Test{
				File:       file,
				Group:      g.Name,
				Name:       xt.Name,
				Expression: strings.TrimSpace(xt.Expression.Text),
				Invalid:    strings.TrimSpace(xt.Expression.Invalid),
				Version:    first(xt.Version, g.Version, x.Version),
				VersionTo:  first(xt.VersionTo, g.VersionTo, x.VersionTo),
			}
			if t.Name == "" {
				t.Name = fmt.Sprintf("%s#%d", g.Name, i+1)
			}
			if t.Expression == "" {
				return nil, fmt.Errorf("%s: test %s has no expression", file, t.Name)
			}
			for _, o := range xt.Outputs {
				t.Outputs = append(t.Outputs, strings.TrimSpace(o.Text))
			}
			s.Tests = append(s.Tests, t)
		}
	}
	return s, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// ParseFile reads one test file.
func ParseFile(path string) (*Suite, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, filepath.Base(path))
}

// LoadDir reads every *.xml file of dir, sorted by name.
func LoadDir(dir string) ([]*Suite, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .xml test files in %s", dir)
	}
	sort.Strings(paths)
	var out []*Suite
	seen := map[string]string{}
	for _, p := range paths {
		s, err := ParseFile(p)
		if err != nil {
			return nil, err
		}
		for _, t := range s.Tests {
			if f, dup := seen[t.Name]; dup {
				return nil, fmt.Errorf("test name %s appears in both %s and %s", t.Name, f, t.File)
			}
			seen[t.Name] = t.File
		}
		out = append(out, s)
	}
	return out, nil
}

// LoadSkipList reads a skip list: one test per line, the test name, white
// space, and the reason (required). Blank lines and lines starting with
// '#' are ignored.
func LoadSkipList(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseSkipList(f, path)
}

// ParseSkipList is LoadSkipList on a reader; name is used in errors.
func ParseSkipList(r io.Reader, name string) (map[string]string, error) {
	skip := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		test, reason := line, ""
		if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 {
			test, reason = line[:i], strings.TrimSpace(line[i:])
		}
		if reason == "" {
			return nil, fmt.Errorf("%s:%d: skip entry %q has no reason", name, n, test)
		}
		if _, dup := skip[test]; dup {
			return nil, fmt.Errorf("%s:%d: test %s listed twice", name, n, test)
		}
		skip[test] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return skip, nil
}

// Floor is the minimum number of passing tests, overall and per file.
type Floor struct {
	Total   int
	PerFile map[string]int
}

// LoadFloor reads a floor file: lines "total N" (or just "N") and
// "File.xml N"; '#' starts a comment line.
func LoadFloor(path string) (Floor, error) {
	f, err := os.Open(path)
	if err != nil {
		return Floor{}, err
	}
	defer f.Close()
	return ParseFloor(f, path)
}

// ParseFloor is LoadFloor on a reader; name is used in errors.
func ParseFloor(r io.Reader, name string) (Floor, error) {
	fl := Floor{PerFile: map[string]int{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		key, num := "total", fields[0]
		switch len(fields) {
		case 1:
		case 2:
			key, num = fields[0], fields[1]
		default:
			return Floor{}, fmt.Errorf("%s:%d: want \"total N\" or \"File.xml N\", got %q", name, n, line)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v < 0 {
			return Floor{}, fmt.Errorf("%s:%d: %q is not a count", name, n, num)
		}
		if key == "total" {
			fl.Total = v
		} else {
			fl.PerFile[key] = v
		}
	}
	return fl, sc.Err()
}

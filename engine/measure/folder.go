package measure

// This file reads an IG source folder for measure evaluation, until the
// general IG folder loader of engine/content replaces it. It reads only
// what evaluating a Measure needs:
//
//	input/cql/*.cql                    the CQL libraries (includes resolve by name)
//	input/resources/**/*.json          Measures, Libraries and other resources
//	input/vocabulary/**/*.json         ValueSets and CodeSystems
//
// A Measure's library that has no Library resource in the folder stands
// for the .cql file of the same name (the last segment of its canonical).
// The folder may be the IG root or its input/ folder.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// LoadFolder reads an IG source folder into a package.
func LoadFolder(dir string) (*content.Package, error) {
	input := dir
	if fi, err := os.Stat(filepath.Join(dir, "input")); err == nil && fi.IsDir() {
		input = filepath.Join(dir, "input")
	}
	cqlDir := filepath.Join(input, "cql")
	if fi, err := os.Stat(cqlDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: no input/cql folder (is it an IG source folder?)", dir)
	}
	var resources []map[string]any
	for _, sub := range []string{"resources", "vocabulary"} {
		rs, err := readResources(filepath.Join(input, sub))
		if err != nil {
			return nil, err
		}
		resources = append(resources, rs...)
	}
	libs := map[string]bool{}
	for _, r := range resources {
		if fj.Type(r) == "Library" {
			libs[fj.Str(r, "url")] = true
		}
	}
	for _, r := range resources {
		if fj.Type(r) != "Measure" {
			continue
		}
		for _, l := range fj.List(r, "library") {
			url, _ := l.(string)
			url = fj.Canonical(url)
			name := url[strings.LastIndexByte(url, '/')+1:]
			if url == "" || libs[url] {
				continue
			}
			libs[url] = true
			resources = append(resources, map[string]any{
				"resourceType": "Library", "id": name, "url": url, "name": name, "status": "active",
				"type":    fj.Concept("http://terminology.hl7.org/CodeSystem/library-type", "logic-library", ""),
				"content": []any{map[string]any{"contentType": "text/cql"}},
			})
		}
	}
	return content.FromResources(filepath.Base(filepath.Clean(dir)), "", resources, content.Options{CQLDirs: []string{cqlDir}})
}

// readResources reads every JSON resource below dir (none when dir does
// not exist).
func readResources(dir string) ([]map[string]any, error) {
	var out []map[string]any
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := fj.DecodeObj(b)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if fj.Type(m) != "" {
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// ReadData reads patient data: a Bundle or resource file, or a folder of
// JSON resources (read recursively, as the IG test patients are kept;
// MeasureReports among them are skipped).
func ReadData(path string) (*Data, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return ParseData(b)
	}
	rs, err := readResources(path)
	if err != nil {
		return nil, err
	}
	var entries []any
	for _, r := range rs {
		if fj.Type(r) != "MeasureReport" {
			entries = append(entries, map[string]any{"resource": r})
		}
	}
	b, err := fj.MarshalCompact(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	if err != nil {
		return nil, err
	}
	return ParseData(b)
}

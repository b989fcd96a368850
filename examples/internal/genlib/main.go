// Command genlib rewrites the CQL content of the example packages'
// Library resources from the .cql sources: for every
// examples/<name>/package/Library-<id>.json it base64-encodes
// examples/<name>/cql/<Library.name>.cql into the text/cql attachment.
// The rest of each file is left byte for byte as it is.
//
// Usage (from the module root or from examples/):
//
//	go run ./examples/internal/genlib [-check] [EXAMPLES_DIR]
//
// With -check nothing is written and the exit status is 1 when a Library
// is out of date.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	check := flag.Bool("check", false, "report out-of-date Libraries without writing them")
	flag.Parse()
	dir := flag.Arg(0)
	if dir == "" {
		dir = defaultDir()
	}
	stale, err := run(dir, !*check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlib:", err)
		os.Exit(1)
	}
	for _, f := range stale {
		if *check {
			fmt.Printf("out of date: %s\n", f)
		} else {
			fmt.Printf("rewrote %s\n", f)
		}
	}
	if *check && len(stale) > 0 {
		os.Exit(1)
	}
}

// defaultDir is "." when run by go generate in examples/, else "examples".
func defaultDir() string {
	if _, err := os.Stat("doc.go"); err == nil {
		if _, err := os.Stat("internal/genlib"); err == nil {
			return "."
		}
	}
	return "examples"
}

// run updates (or, when write is false, only compares) every Library of
// every example under dir and returns the files that were out of date.
func run(dir string, write bool) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "package", "Library-*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Library files under %s/*/package", dir)
	}
	sort.Strings(files)
	var stale []string
	for _, f := range files {
		changed, err := update(f, write)
		if err != nil {
			return stale, fmt.Errorf("%s: %w", f, err)
		}
		if changed {
			stale = append(stale, f)
		}
	}
	return stale, nil
}

// update re-encodes one Library's CQL attachment.
func update(path string, write bool) (bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	var lib struct {
		ResourceType string `json:"resourceType"`
		Name         string `json:"name"`
		Content      []struct {
			ContentType string `json:"contentType"`
			Data        string `json:"data"`
		} `json:"content"`
	}
	if err := json.Unmarshal(raw, &lib); err != nil {
		return false, err
	}
	if lib.ResourceType != "Library" || lib.Name == "" {
		return false, errors.New("not a Library with a name")
	}
	src, err := os.ReadFile(SourcePath(path, lib.Name))
	if err != nil {
		return false, err
	}
	want := base64.StdEncoding.EncodeToString(src)
	old := ""
	n := 0
	for _, c := range lib.Content {
		if c.ContentType == "text/cql" {
			old = c.Data
			n++
		}
	}
	if n != 1 {
		return false, fmt.Errorf("want exactly one text/cql attachment, found %d", n)
	}
	if old == want {
		return false, nil
	}
	if !write {
		return true, nil
	}
	oldField := []byte(`"data": "` + old + `"`)
	if old == "" || bytes.Count(raw, oldField) != 1 {
		return false, errors.New(`cannot find the attachment's "data" field to replace`)
	}
	out := bytes.Replace(raw, oldField, []byte(`"data": "`+want+`"`), 1)
	return true, os.WriteFile(path, out, 0o644)
}

// SourcePath is the .cql file of a Library file: ../cql/<name>.cql.
func SourcePath(libraryFile, name string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(libraryFile)), "cql", name+".cql")
}

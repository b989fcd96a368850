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
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ccg-project/ccg/cards/cqlsrc"
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
		changed, err := cqlsrc.Sync(f, write)
		if err != nil {
			return stale, fmt.Errorf("%s: %w", f, err)
		}
		if changed {
			stale = append(stale, f)
		}
	}
	return stale, nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/parser"
)

// libraryIndex resolves included libraries among a set of .cql files, by
// the name and version in each file's library declaration.
type libraryIndex struct {
	byName map[string][]libraryFile
}

type libraryFile struct {
	path, version, src string
}

// indexLibraries reads files and indexes those that declare a library.
// Files that do not parse are left out; compiling them reports why.
func indexLibraries(files []string) (*libraryIndex, error) {
	ix := &libraryIndex{byName: map[string][]libraryFile{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		tree, errs := parser.Parse(f, string(b))
		if len(errs) > 0 || tree == nil || tree.Identifier == nil {
			continue
		}
		id := tree.Identifier
		ix.byName[id.Name] = append(ix.byName[id.Name], libraryFile{path: f, version: id.Version, src: string(b)})
	}
	return ix, nil
}

// ResolveLibrary implements cql.LibraryResolver. Without a version, the
// name must be declared by exactly one file.
func (ix *libraryIndex) ResolveLibrary(name, version string) (string, error) {
	cands := ix.byName[name]
	if len(cands) == 0 {
		return "", fmt.Errorf("no .cql file declares library %s", name)
	}
	if version == "" {
		if len(cands) == 1 {
			return cands[0].src, nil
		}
		return "", fmt.Errorf("library %s is declared by several files (%s); include it with a version", name, paths(cands))
	}
	var match []libraryFile
	for _, c := range cands {
		if c.version == version {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 1:
		return match[0].src, nil
	case 0:
		var have []string
		for _, c := range cands {
			have = append(have, fmt.Sprintf("'%s' in %s", c.version, c.path))
		}
		return "", fmt.Errorf("no file declares library %s version '%s' (found %s)", name, version, strings.Join(have, ", "))
	}
	return "", fmt.Errorf("library %s version '%s' is declared by several files (%s)", name, version, paths(match))
}

func paths(fs []libraryFile) string {
	var p []string
	for _, f := range fs {
		p = append(p, f.path)
	}
	sort.Strings(p)
	return strings.Join(p, ", ")
}

// envFor returns an Env that resolves includes among files.
func envFor(files []string) (*cql.Env, error) {
	ix, err := indexLibraries(files)
	if err != nil {
		return nil, err
	}
	return cql.NewEnv(cql.WithLibraryResolver(ix)), nil
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

// Package cqlsrc keeps the CQL attachments of a guideline's Library
// resources in step with their source files. A guideline folder holds its
// FHIR package in package/ and the CQL of each Library, named after the
// Library's name, in cql/ (the layout of examples/ and of
// `ccg package init`):
//
//	DIR/package/Library-<id>.json  content[text/cql].data = base64 of
//	DIR/cql/<Library.name>.cql
package cqlsrc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Sync re-encodes the text/cql attachment of the Library resource in
// libraryFile from its source file (SourcePath) and reports whether it was
// out of date; with write false it only compares. Only the attachment's
// "data" string changes: the rest of the file stays byte for byte.
func Sync(path string, write bool) (bool, error) {
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

// Package cqlsrc keeps the CQL attachments of a guideline's Library
// resources in step with their source files. A Library's CQL is the file
// its text/cql attachment's url names, relative to the Library's file (the
// IG layout, `../cql/X.cql`), else the file named after the Library in the
// cql/ folder beside the package (the layout of examples/ and of `ccg
// package init`):
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
	"strings"
)

type library struct {
	ResourceType string `json:"resourceType"`
	Name         string `json:"name"`
	Content      []struct {
		ContentType string `json:"contentType"`
		Data        string `json:"data"`
		URL         string `json:"url"`
	} `json:"content"`
}

func parse(raw []byte) (*library, error) {
	var lib library
	if err := json.Unmarshal(raw, &lib); err != nil {
		return nil, err
	}
	if lib.ResourceType != "Library" || lib.Name == "" {
		return nil, errors.New("not a Library with a name")
	}
	return &lib, nil
}

// Sync re-encodes the text/cql attachment of the Library resource in
// libraryFile from its source file (Source) and reports whether it was out
// of date; with write false it only compares.
func Sync(path string, write bool) (bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	src, err := Source(path, raw)
	if err != nil {
		return false, err
	}
	out, changed, err := Embed(raw, src)
	if err != nil || !changed || !write {
		return changed, err
	}
	return true, os.WriteFile(path, out, 0o644)
}

// Source reads the CQL of the Library resource raw kept in libraryFile:
// the file its text/cql attachment's url names relative to libraryFile,
// else SourcePath.
func Source(libraryFile string, raw []byte) ([]byte, error) {
	lib, err := parse(raw)
	if err != nil {
		return nil, err
	}
	for _, c := range lib.Content {
		if strings.HasPrefix(c.ContentType, "text/cql") && c.URL != "" && !strings.Contains(c.URL, "://") {
			return os.ReadFile(filepath.Join(filepath.Dir(libraryFile), filepath.FromSlash(c.URL)))
		}
	}
	return os.ReadFile(SourcePath(libraryFile, lib.Name))
}

// Embed puts src, base64, into the text/cql attachment of the Library
// resource raw and reports whether that changed it. When the attachment
// has data, only that string changes (the rest stays byte for byte); an
// attachment with only a url gets the data beside it (the resource is then
// written anew, indented). A Library needs exactly one text/cql
// attachment.
func Embed(raw, src []byte) (out []byte, changed bool, err error) {
	lib, err := parse(raw)
	if err != nil {
		return nil, false, err
	}
	want := base64.StdEncoding.EncodeToString(src)
	old, n := "", 0
	for _, c := range lib.Content {
		if strings.HasPrefix(c.ContentType, "text/cql") {
			old = c.Data
			n++
		}
	}
	if n != 1 {
		return nil, false, fmt.Errorf("want exactly one text/cql attachment, found %d", n)
	}
	if old == want {
		return raw, false, nil
	}
	oldField := []byte(`"data": "` + old + `"`)
	if old != "" && bytes.Count(raw, oldField) == 1 {
		return bytes.Replace(raw, oldField, []byte(`"data": "`+want+`"`), 1), true, nil
	}
	if old != "" {
		return nil, false, errors.New(`cannot find the attachment's "data" field to replace`)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, false, err
	}
	content, _ := m["content"].([]any)
	for _, c := range content {
		if cm, ok := c.(map[string]any); ok {
			if ct, _ := cm["contentType"].(string); strings.HasPrefix(ct, "text/cql") {
				cm["data"] = want
			}
		}
	}
	out, err = json.MarshalIndent(m, "", "  ")
	return append(out, '\n'), true, err
}

// SourcePath is the .cql file of a Library file by name: ../cql/<name>.cql.
func SourcePath(libraryFile, name string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(libraryFile)), "cql", name+".cql")
}

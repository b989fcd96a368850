package testpkg

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir writes the package's source files (without .index.json) into
// dir, the layout `ccg package build` and `npm publish DIR` take.
func WriteDir(dir string, o Options) error {
	for name, b := range Files(o) {
		if name == ".index.json" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// PublishBody builds the JSON document `npm publish` sends for a tarball.
func PublishBody(name, version string, tgz []byte) []byte {
	s512 := sha512.Sum512(tgz)
	s1 := sha1.Sum(tgz)
	base := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		base = name[i+1:]
	}
	file := base + "-" + version + ".tgz"
	body := map[string]any{
		"_id": name, "name": name,
		"dist-tags": map[string]string{"latest": version},
		"versions": map[string]any{version: map[string]any{
			"name": name, "version": version, "_id": name + "@" + version,
			"dist": map[string]any{
				"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				"shasum":    hex.EncodeToString(s1[:]),
				"tarball":   "http://localhost/" + file,
			},
		}},
		"access": nil,
		"_attachments": map[string]any{file: map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz),
		}},
	}
	b, _ := json.Marshal(body)
	return b
}

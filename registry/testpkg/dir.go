package testpkg

import (
	"os"
	"path/filepath"
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

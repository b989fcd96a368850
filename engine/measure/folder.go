package measure

// This file reads patient data for measure evaluation. Measure content
// (IG source folders, packages) is read by engine/content (cards/load).

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

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

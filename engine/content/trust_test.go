package content

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
)

func signedFiles(t *testing.T, k *sign.Key) map[string][]byte {
	t.Helper()
	files, err := sign.SignPackage(testpkg.Files(testpkg.Options{Name: "ccg.trust.test"}), k, "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// editFile rewrites one JSON file of a package.
func editFile(t *testing.T, files map[string][]byte, name string, edit func(m map[string]any)) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	var m map[string]any
	if err := json.Unmarshal(out[name], &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out[name], _ = json.MarshalIndent(m, "", "  ")
	return out
}

func inactiveKeys(p *Package) []string {
	var out []string
	for k := range p.Inactive {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestTrustedCCG(t *testing.T) {
	key, _ := sign.GenerateKey()
	other, _ := sign.GenerateKey()
	trusted := sign.Keyring{}
	trusted.Add(key.Public)
	signed := signedFiles(t, key)
	withoutPkgSig := func(files map[string][]byte) map[string][]byte {
		out := map[string][]byte{}
		for k, v := range files {
			if k != sign.PackageSignatureFile {
				out[k] = v
			}
		}
		return out
	}
	all := []string{"PlanDefinition/test-card", "PlanDefinition/test-folder"}
	tests := []struct {
		name     string
		files    map[string][]byte
		keys     sign.Keyring
		inactive []string
		reason   string // part of the Folder's reason
	}{
		{name: "signed by a trusted key", files: signed, keys: trusted},
		{name: "resource signatures only", files: withoutPkgSig(signed), keys: trusted},
		{name: "unsigned", files: testpkg.Files(testpkg.Options{Name: "ccg.trust.test"}), keys: trusted, inactive: all, reason: "no CCG_Signature"},
		{name: "untrusted signer", files: signed, keys: func() sign.Keyring { k := sign.Keyring{}; k.Add(other.Public); return k }(), inactive: all, reason: "not trusted"},
		{name: "no trusted keys", files: signed, keys: nil, inactive: all, reason: "not trusted"},
		{name: "tampered library, package signature present", keys: trusted, inactive: all, reason: "does not match",
			files: editFile(t, signed, "Library-test-logic.json", func(m map[string]any) { m["title"] = "changed" })},
		{name: "tampered library, resource signatures only", keys: trusted, inactive: all, reason: "Library/test-logic",
			files: editFile(t, withoutPkgSig(signed), "Library-test-logic.json", func(m map[string]any) { m["title"] = "changed" })},
		{name: "tampered folder only", keys: trusted, inactive: []string{"PlanDefinition/test-folder"}, reason: "PlanDefinition/test-folder",
			files: editFile(t, withoutPkgSig(signed), "PlanDefinition-test-folder.json", func(m map[string]any) { m["title"] = "changed" })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fp := &fhirpkg.Package{Files: tc.files}
			json.Unmarshal(tc.files["package.json"], &fp.Manifest)
			p, err := FromFHIRPackage(fp, "test", Options{RequireIG: true, TrustedCCG: true, TrustedKeys: tc.keys})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.inactive, inactiveKeys(p)); diff != "" {
				t.Errorf("inactive (-want +got):\n%s\nreasons: %v", diff, p.Inactive)
			}
			if tc.reason != "" && !strings.Contains(p.Inactive["PlanDefinition/test-folder"], tc.reason) {
				t.Errorf("Folder reason %q lacks %q", p.Inactive["PlanDefinition/test-folder"], tc.reason)
			}
			if folder := p.Resource("PlanDefinition", "test-folder"); p.InactiveReason(folder) != p.Inactive["PlanDefinition/test-folder"] {
				t.Errorf("InactiveReason disagrees with Inactive")
			}
		})
	}
	// Without the option nothing is checked.
	fp := &fhirpkg.Package{Files: testpkg.Files(testpkg.Options{})}
	p, err := FromFHIRPackage(fp, "test", Options{})
	if err != nil || p.Inactive != nil {
		t.Errorf("option off: inactive %v, err %v", p.Inactive, err)
	}
}

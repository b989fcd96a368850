package sign

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/cards/validate"
)

func TestCanonical(t *testing.T) {
	got, err := CanonicalBytes([]byte(`{ "b": [1.50, true, null], "a": {"y": "<&>", "x": 1e3} }`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":{"x":1e3,"y":"<&>"},"b":[1.50,true,null]}`; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestJWS(t *testing.T) {
	k, _ := GenerateKey()
	other, _ := GenerateKey()
	kr := Keyring{}
	kr.Add(k.Public)
	jws, err := SignJWS(k, []byte("hello"), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyJWS(kr, jws, []byte("hello")); err != nil {
		t.Errorf("verify: %v", err)
	}
	if _, _, err := VerifyJWS(kr, jws, []byte("hellO")); !errors.Is(err, ErrMismatch) {
		t.Errorf("tampered payload: %v", err)
	}
	jws2, _ := SignJWS(other, []byte("hello"), true)
	if _, _, err := VerifyJWS(kr, jws2, []byte("hello")); !errors.Is(err, ErrUntrusted) {
		t.Errorf("untrusted: %v", err)
	}
	for _, bad := range []string{"", "a.b", "!!.x.y", "e30..AAAA"} {
		if _, _, err := VerifyJWS(kr, bad, []byte("x")); err == nil {
			t.Errorf("%q verified", bad)
		}
	}
}

func TestRegistrySignature(t *testing.T) {
	k, _ := GenerateKey()
	s, err := k.SignVersion("@ccg/a", "1.0.0", "sha512-abc")
	if err != nil || s.KeyID != k.ID() {
		t.Fatal(err)
	}
	if !VerifyVersion(k.Public, "@ccg/a", "1.0.0", "sha512-abc", s.Sig) {
		t.Error("signature does not verify")
	}
	if VerifyVersion(k.Public, "@ccg/a", "1.0.1", "sha512-abc", s.Sig) {
		t.Error("signature verifies another version")
	}
	// PEM round trip keeps the key id.
	pemb, _ := k.PrivatePEM()
	k2, err := ParsePEM(pemb)
	if err != nil || k2.ID() != k.ID() {
		t.Errorf("PEM round trip: %v", err)
	}
}

func signed(t *testing.T, k *Key) map[string][]byte {
	files, err := SignPackage(testpkg.Files(testpkg.Options{Name: "signed.pkg"}), k, "", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func pkgOf(t *testing.T, files map[string][]byte) *fhirpkg.Package {
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	p, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignPackage(t *testing.T) {
	k, _ := GenerateKey()
	kr := Keyring{}
	kr.Add(k.Public)
	files := signed(t, k)
	p := pkgOf(t, files)
	rep, err := VerifyPackage(p, kr)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resources != 4 || !rep.Package || len(rep.Signers) != 1 {
		t.Errorf("report %+v", rep)
	}
	// The Provenances meet the CCG_Signature profile and the index is consistent.
	if idx := p.CheckIndex(); len(idx) > 0 {
		t.Errorf("index: %v", idx)
	}
	res, _ := p.Resources()
	var rs []validate.Resource
	for _, r := range res {
		rs = append(rs, r.Data)
	}
	if v := validate.Package(rs, true); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	// Untrusted signer.
	if _, err := VerifyPackage(p, Keyring{}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("empty keyring: %v", err)
	}
}

func TestTamperedPackage(t *testing.T) {
	k, _ := GenerateKey()
	kr := Keyring{}
	kr.Add(k.Public)
	// A signed CARD edited after signing.
	files := signed(t, k)
	var card map[string]any
	json.Unmarshal(files["PlanDefinition-test-card.json"], &card)
	card["title"] = "Edited"
	files["PlanDefinition-test-card.json"], _ = json.Marshal(card)
	if _, err := VerifyPackage(pkgOf(t, files), kr); !errors.Is(err, ErrMismatch) {
		t.Errorf("edited CARD: %v", err)
	}
	// An extra file not covered by the package signature.
	files = signed(t, k)
	files["extra.txt"] = []byte("x")
	if _, err := VerifyPackage(pkgOf(t, files), kr); !errors.Is(err, ErrMismatch) {
		t.Errorf("extra file: %v", err)
	}
	// Package signature for another version.
	files = signed(t, k)
	var m map[string]any
	json.Unmarshal(files["package.json"], &m)
	m["version"] = "9.9.9"
	files["package.json"], _ = json.Marshal(m)
	if _, err := VerifyPackage(pkgOf(t, files), kr); !errors.Is(err, ErrMismatch) {
		t.Errorf("other version: %v", err)
	}
}

// TestCheckCurrent: without any key, whether the package signature still
// covers the package (what `ccg package validate` warns about).
func TestCheckCurrent(t *testing.T) {
	k, _ := GenerateKey()
	if err := CheckCurrent(pkgOf(t, testpkg.Files(testpkg.Options{Name: "signed.pkg"}))); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
	files := signed(t, k)
	if err := CheckCurrent(pkgOf(t, files)); err != nil {
		t.Errorf("just signed: %v", err)
	}
	var m map[string]any
	json.Unmarshal(files["package.json"], &m)
	m["version"] = "9.9.9"
	bumped := map[string][]byte{}
	for f, b := range files {
		bumped[f] = b
	}
	bumped["package.json"], _ = json.Marshal(m)
	if err := CheckCurrent(pkgOf(t, bumped)); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "package is signed.pkg@9.9.9") {
		t.Errorf("version bump: %v", err)
	}
	files["PlanDefinition-test-card.json"] = append(files["PlanDefinition-test-card.json"], ' ')
	if err := CheckCurrent(pkgOf(t, files)); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "PlanDefinition-test-card.json") {
		t.Errorf("edited file: %v", err)
	}
}

func TestKeyDirReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	d := NewKeyDir(dir)
	if kr, err := d.Keyring(); err != nil || len(kr) != 0 {
		t.Fatalf("missing folder: %v %v", kr, err)
	}
	k, _ := GenerateKey()
	pub, _ := k.PublicPEM()
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "a.pub"), pub, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a key"), 0o644)
	kr, err := d.Keyring()
	if err != nil || kr[k.ID()] == nil || len(kr) != 1 {
		t.Fatalf("after adding a key: %v %v", kr, err)
	}
	os.WriteFile(filepath.Join(dir, "bad.pem"), []byte("garbage"), 0o644)
	if kr, err := d.Keyring(); err == nil || !strings.Contains(err.Error(), "bad.pem") || kr[k.ID()] == nil {
		t.Errorf("a bad key file: %v %v (the good keys stay)", kr, err)
	}
	os.Remove(filepath.Join(dir, "bad.pem"))
	os.Remove(filepath.Join(dir, "a.pub"))
	if kr, err := d.Keyring(); err != nil || len(kr) != 0 {
		t.Errorf("after removing the keys: %v %v", kr, err)
	}
}

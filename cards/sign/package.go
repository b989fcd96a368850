package sign

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/validate"
)

// PackageSignatureFile is the package-level signature, below package/.
const PackageSignatureFile = ".ccg-signature.jws"

// packageManifest is the JWS payload of the package signature.
type packageManifest struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Files   map[string]string `json:"files"` // path -> hex sha256
}

func fileDigests(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for f, b := range files {
		if f == PackageSignatureFile || f == "package.json" {
			continue // npm may rewrite package.json; name and version are signed instead
		}
		s := sha256.Sum256(b)
		out[f] = hex.EncodeToString(s[:])
	}
	return out
}

// Signable reports whether a resource gets a CCG_Signature Provenance.
func Signable(r validate.Resource) bool {
	switch validate.Classify(r) {
	case validate.KindFolder, validate.KindCARD, validate.KindLibrary, validate.KindActivity:
		return true
	}
	return false
}

// SignPackage signs a package's files (paths below package/): one
// CCG_Signature Provenance per Folder, CARD, Library and ActivityDefinition
// (replacing earlier ones), a regenerated .index.json, and the package
// signature over every file. It returns the new file set.
func SignPackage(files map[string][]byte, k *Key, publisher string, now time.Time) (map[string][]byte, error) {
	p := &fhirpkg.Package{Files: map[string][]byte{}}
	for f, b := range files {
		p.Files[f] = b
	}
	var m fhirpkg.Manifest
	if err := json.Unmarshal(files["package.json"], &m); err != nil || m.Name == "" || m.Version == "" {
		return nil, errors.New("package.json with name and version is required")
	}
	res, errs := p.Resources()
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	// Drop earlier signatures made by this tool.
	for _, r := range res {
		if r.Type == "Provenance" && strings.HasPrefix(r.ID, "ccg-sig-") {
			delete(p.Files, r.File)
		}
	}
	when := now.UTC().Format(time.RFC3339)
	for _, r := range res {
		if !Signable(r.Data) {
			continue
		}
		canon, err := Canonical(r.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.File, err)
		}
		jws, err := SignJWS(k, canon, true)
		if err != nil {
			return nil, err
		}
		pub := publisher
		if pub == "" {
			pub, _ = r.Data["publisher"].(string)
		}
		who := map[string]any{
			"type":       "Organization",
			"identifier": map[string]any{"system": "urn:ccg:signing-key", "value": k.ID()},
			"display":    pub,
		}
		id := "ccg-sig-" + strings.ToLower(r.Type) + "-" + r.ID
		if len(id) > 64 {
			s := sha256.Sum256([]byte(id))
			id = "ccg-sig-" + hex.EncodeToString(s[:12])
		}
		prov := map[string]any{
			"resourceType": "Provenance",
			"id":           id,
			"meta":         map[string]any{"profile": []any{"https://profiles.ihe.net/QRPH/CCG/StructureDefinition/ccg-signature"}},
			"target":       []any{map[string]any{"reference": r.Type + "/" + r.ID}},
			"recorded":     when,
			"agent":        []any{map[string]any{"who": who}},
			"signature": []any{map[string]any{
				"type": []any{map[string]any{
					"system": validate.SignatureTypeProse, "code": validate.SignatureTypeCode, "display": validate.SignatureTypeDisplay,
				}},
				"when":         when,
				"who":          who,
				"targetFormat": "application/fhir+json",
				"sigFormat":    "application/signature+json",
				"data":         base64.StdEncoding.EncodeToString([]byte(jws)),
			}},
		}
		b, err := json.MarshalIndent(prov, "", "  ")
		if err != nil {
			return nil, err
		}
		p.Files["Provenance-"+id+".json"] = b
	}
	withIdx, err := fhirpkg.WithIndex(p.Files)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(packageManifest{Name: m.Name, Version: m.Version, Files: fileDigests(withIdx)})
	if err != nil {
		return nil, err
	}
	jws, err := SignJWS(k, payload, false)
	if err != nil {
		return nil, err
	}
	withIdx[PackageSignatureFile] = []byte(jws + "\n")
	return withIdx, nil
}

// covers checks that the package signature's payload names the package's
// name and version and the digest of every file (ErrMismatch otherwise).
func covers(payload []byte, p *fhirpkg.Package) error {
	var m packageManifest
	if err := json.Unmarshal(payload, &m); err != nil {
		return fmt.Errorf("%w: bad payload", ErrMismatch)
	}
	if m.Name != p.Manifest.Name || m.Version != p.Manifest.Version {
		return fmt.Errorf("%w: signed %s@%s, package is %s@%s", ErrMismatch, m.Name, m.Version, p.Manifest.Name, p.Manifest.Version)
	}
	have := fileDigests(p.Files)
	var diffs []string
	for f, d := range m.Files {
		if have[f] != d {
			diffs = append(diffs, f)
		}
	}
	for f := range have {
		if _, ok := m.Files[f]; !ok {
			diffs = append(diffs, f+" (unsigned)")
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fmt.Errorf("%w: changed after signing: %s", ErrMismatch, strings.Join(diffs, ", "))
	}
	return nil
}

// ErrUnsigned: the package has no package signature.
var ErrUnsigned = errors.New("the package has no package signature")

// CheckCurrent reports whether the package signature still covers the
// package, without checking who signed it (so without trusted keys): it
// returns ErrUnsigned when there is none, and an error wrapping ErrMismatch
// when it names another name or version or files changed since signing
// (a version bump or an edit after "ccg package sign").
func CheckCurrent(p *fhirpkg.Package) error {
	jws, ok := p.Files[PackageSignatureFile]
	if !ok {
		return ErrUnsigned
	}
	parts := strings.Split(strings.TrimSpace(string(jws)), ".")
	if len(parts) != 3 {
		return fmt.Errorf("%w: not a compact JWS", ErrMismatch)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("%w: bad JWS payload", ErrMismatch)
	}
	return covers(payload, p)
}

// SignAgain is the advice for a package changed after it was signed.
const SignAgain = "run ccg package sign again (ccg package sign DIR --key KEY)"

// Report says what VerifyPackage checked.
type Report struct {
	Resources int      // resource signatures verified
	Package   bool     // package signature present and verified
	Signers   []string // key ids
}

// VerifyPackage checks every CCG_Signature Provenance (each target's
// canonical JSON against its detached JWS) and the package signature when
// present. Errors wrap ErrMismatch or ErrUntrusted.
func VerifyPackage(p *fhirpkg.Package, kr Keyring) (Report, error) {
	var rep Report
	signers := map[string]bool{}
	res, _ := p.Resources()
	byRef := map[string]validate.Resource{}
	for _, r := range res {
		byRef[r.Type+"/"+r.ID] = r.Data
		if u, _ := r.Data["url"].(string); u != "" {
			byRef[u] = r.Data
		}
	}
	for _, r := range res {
		if r.Type != "Provenance" {
			continue
		}
		sigs, _ := r.Data["signature"].([]any)
		targets, _ := r.Data["target"].([]any)
		for i, s := range sigs {
			sm, _ := s.(map[string]any)
			data, _ := sm["data"].(string)
			if data == "" {
				continue
			}
			label := fmt.Sprintf("Provenance/%s signature[%d]", r.ID, i)
			if f, _ := sm["sigFormat"].(string); f != "" && f != "application/signature+json" && f != "application/jose" {
				return rep, fmt.Errorf("%s: %w: cannot verify sigFormat %q", label, ErrMismatch, f)
			}
			raw, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				return rep, fmt.Errorf("%s: %w: data is not base64", label, ErrMismatch)
			}
			if len(targets) == 0 {
				return rep, fmt.Errorf("%s: %w: no target", label, ErrMismatch)
			}
			for _, t := range targets {
				ref, _ := t.(map[string]any)["reference"].(string)
				target, ok := byRef[ref]
				if !ok {
					return rep, fmt.Errorf("%s: %w: signed resource %q is not in the package", label, ErrMismatch, ref)
				}
				canon, err := Canonical(target)
				if err != nil {
					return rep, fmt.Errorf("%s: %w", label, err)
				}
				_, kid, err := VerifyJWS(kr, string(raw), canon)
				if errors.Is(err, ErrMismatch) {
					return rep, fmt.Errorf("%s over %s: %w: %s", label, ref, err, SignAgain)
				}
				if err != nil {
					return rep, fmt.Errorf("%s over %s: %w", label, ref, err)
				}
				signers[kid] = true
				rep.Resources++
			}
		}
	}
	if jws, ok := p.Files[PackageSignatureFile]; ok {
		payload, kid, err := VerifyJWS(kr, string(jws), nil)
		if err != nil {
			return rep, fmt.Errorf("package signature: %w", err)
		}
		if err := covers(payload, p); err != nil {
			return rep, fmt.Errorf("package signature: %w: %s", err, SignAgain)
		}
		rep.Package = true
		signers[kid] = true
	}
	for k := range signers {
		rep.Signers = append(rep.Signers, k)
	}
	sort.Strings(rep.Signers)
	return rep, nil
}

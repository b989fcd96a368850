package registry

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/registry/store"
)

// Mirrors are FHIR packages the repository holds for others (the FHIR
// core, terminology and extension packages, other IGs): checked as FHIR
// packages, not as CCG content, and stored under a publisher named
// "mirror:SOURCE" that is no user. So no user maintains them, they claim
// no canonical bases (a core package must not lock anyone out of
// http://hl7.org/fhir) and their names stay theirs.
const mirrorPrefix = "mirror:"

// MirrorPublisher is the publisher recorded for a mirror from source
// ("import", "upstream:fhir").
func MirrorPublisher(source string) string { return mirrorPrefix + source }

// IsMirror reports whether a version or search hit's publisher marks a
// mirror.
func IsMirror(publisher string) bool { return strings.HasPrefix(publisher, mirrorPrefix) }

// CheckMirror checks a tarball as a FHIR package: a package.json with
// name, version and fhirVersions, a .index.json that agrees with the files
// when there is one, and resource files that parse. The error is an
// *Error (422) listing every problem.
func CheckMirror(tgz []byte, lim fhirpkg.Limits) (*fhirpkg.Package, error) {
	if lim == (fhirpkg.Limits{}) {
		lim = fhirpkg.DefaultLimits
	}
	p, err := fhirpkg.ReadTarball(tgz, lim)
	if err != nil {
		return nil, fail(422, err, "invalid package tarball: %v", err)
	}
	problems := p.CheckManifest()
	if _, ok := p.Files[".index.json"]; ok {
		problems = append(problems, p.CheckIndex()...)
	}
	_, perrs := p.Resources()
	problems = append(problems, perrs...)
	if len(problems) > 0 {
		return nil, fail(422, nil, "%s@%s is not a valid FHIR package (%d problems): %s",
			p.Manifest.Name, p.Manifest.Version, len(problems), strings.Join(problems, "; "))
	}
	if !store.ValidName(p.Manifest.Name) || !store.ValidVersion(p.Manifest.Version) {
		return nil, fail(422, nil, "package.json names %q@%q, not a valid package name and version", p.Manifest.Name, p.Manifest.Version)
	}
	return p, nil
}

// StoreMirror checks tgz as a FHIR package (CheckMirror) and stores it as
// a mirror from source, signed by the repository. extra holds fields of
// the version document to keep (an upstream's document); the manifest's
// own fields come first. A new package gets the version as latest. It
// returns the stored version; store.ErrVersionExists when it was held.
// want, when not "", is the name@version the tarball must hold (422
// otherwise).
func (r *Registry) StoreMirror(ctx context.Context, tgz []byte, source, want string, extra map[string]any) (*store.Version, error) {
	p, err := CheckMirror(tgz, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	m := p.Manifest
	if want != "" && m.Name+"@"+m.Version != want {
		return nil, fail(422, nil, "the tarball of %s holds %s@%s", want, m.Name, m.Version)
	}
	doc := map[string]any{}
	for k, v := range extra {
		doc[k] = v
	}
	for k, v := range m.Raw {
		doc[k] = v
	}
	integrity, shasum := Integrity(tgz)
	sig, err := r.opts.SigningKey.SignVersion(m.Name, m.Version, integrity)
	if err != nil {
		return nil, err
	}
	unpacked := 0
	for _, b := range p.Files {
		unpacked += len(b)
	}
	doc["name"], doc["version"] = m.Name, m.Version
	doc["dist"] = map[string]any{
		"integrity": integrity, "shasum": shasum, "fileCount": len(p.Files), "unpackedSize": unpacked,
		"signatures": []any{sig},
	}
	doc["ccgMirror"] = map[string]any{"source": source}
	delete(doc, "_npmUser")
	delete(doc, "_id")
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	if _, err := r.opts.Store.Package(ctx, m.Name); errors.Is(err, store.ErrNotFound) {
		// A new name follows the repository's rule, unless it comes from
		// an upstream (where it is the upstream's, not chosen here).
		if !strings.HasPrefix(source, "upstream:") {
			if err := r.CheckName(m.Name, true); err != nil {
				return nil, err
			}
		}
		tags["latest"] = m.Version
	} else if err != nil {
		return nil, err
	}
	fhirVer := ""
	if len(m.FHIRVersions) > 0 {
		fhirVer = m.FHIRVersions[0]
	}
	v := store.Version{
		Name: m.Name, Version: m.Version, Doc: raw, Integrity: integrity, Shasum: shasum, SHA512: store.SHA512Hex(tgz),
		Size: int64(len(tgz)), Description: m.Description, FHIRVersion: fhirVer, Keywords: m.Keywords,
		Publisher: MirrorPublisher(source), Published: r.opts.Now(), Canonical: store.CanonicalOf(m.Raw),
	}
	if err := r.opts.Store.Publish(ctx, store.PublishRequest{Version: v, Tarball: tgz, DistTags: tags, Admin: true}); err != nil {
		return nil, err
	}
	return &v, nil
}

package content

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// The Trusted CCG option: with Options.TrustedCCG the engine only applies
// a PlanDefinition (Folder or CARD) when it and every artifact it relies
// on in the package (the CARDs a Folder points at, their Libraries and
// ActivityDefinitions) carry a CCG_Signature Provenance that verifies
// against Options.TrustedKeys, or when the whole package carries a valid
// package signature by a trusted key. Any other PlanDefinition is listed
// in Package.Inactive with the reason, and $apply treats it as not
// applicable.

// checkTrust fills p.Inactive. fp is nil for packages built from loose
// resources (only resource signatures count then).
func (p *Package) checkTrust(fp *fhirpkg.Package, kr sign.Keyring) {
	if kr == nil {
		kr = sign.Keyring{}
	}
	p.Inactive = map[string]string{}
	// Targets are verified in the form the signer hashed: plain JSON
	// values (numbers as float64), as sign.SignPackage reads them.
	plain := map[string]any{}
	byURL := map[string]string{}
	for _, r := range p.Resources {
		ref := fj.Ref(r)
		if fj.ID(r) == "" {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			plain[ref] = v
		}
		if u := fj.Str(r, "url"); u != "" {
			byURL[u] = ref
		}
	}
	good := map[string]bool{}
	bad := map[string]string{}
	unresolved := false
	for _, r := range p.OfType("Provenance") {
		for i, s := range fj.Objs(r, "signature") {
			data := fj.Str(s, "data")
			if data == "" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(data)
			for _, t := range fj.Objs(r, "target") {
				ref := fj.Str(t, "reference")
				if _, ok := plain[ref]; !ok {
					if byURL[ref] == "" {
						unresolved = true
						continue
					}
					ref = byURL[ref]
				}
				if err != nil {
					bad[ref] = fmt.Sprintf("%s: %s signature[%d] is not base64", ref, fj.Ref(r), i)
					continue
				}
				canon, cerr := sign.Canonical(plain[ref])
				if cerr != nil {
					bad[ref] = ref + ": " + cerr.Error()
					continue
				}
				if _, _, verr := sign.VerifyJWS(kr, string(raw), canon); verr != nil {
					bad[ref] = fmt.Sprintf("%s: %s signature[%d]: %v", ref, fj.Ref(r), i, verr)
					continue
				}
				good[ref] = true
			}
		}
	}
	// The package signature covers every file; it is verified (with every
	// resource signature) by sign.VerifyPackage, whose error can only be
	// about the package signature when no resource signature failed.
	whole, wholeErr := false, ""
	if fp != nil {
		if _, ok := fp.Files[sign.PackageSignatureFile]; ok && len(bad) == 0 && !unresolved {
			if rep, err := sign.VerifyPackage(fp, kr); err != nil {
				wholeErr = err.Error()
			} else {
				whole = rep.Package
			}
		}
	}
	why := func(ref string) string {
		if wholeErr != "" {
			return wholeErr
		}
		if msg, ok := bad[ref]; ok {
			return msg
		}
		if whole || good[ref] {
			return ""
		}
		return ref + " has no CCG_Signature by a trusted key"
	}
	for _, pd := range p.OfType("PlanDefinition") {
		if fj.ID(pd) == "" {
			continue
		}
		deps := p.trustDeps(pd)
		for _, ref := range deps {
			if msg := why(ref); msg != "" {
				p.Inactive[fj.Ref(pd)] = "untrusted (Trusted CCG option): " + msg
				break
			}
		}
	}
}

// trustDeps lists the references of pd and of the package's artifacts it
// relies on: its Libraries and, through its actions, the PlanDefinitions
// and ActivityDefinitions it points at (recursively).
func (p *Package) trustDeps(pd map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(r map[string]any)
	var visitActions func(acts []map[string]any)
	visit = func(r map[string]any) {
		if r == nil || seen[fj.Ref(r)] {
			return
		}
		ref := fj.Ref(r)
		seen[ref] = true
		out = append(out, ref)
		for _, l := range fj.List(r, "library") {
			if s, ok := l.(string); ok {
				if lib := p.ByCanonical(s); lib != nil {
					visit(lib)
				}
			}
		}
		visitActions(fj.Objs(r, "action"))
	}
	visitActions = func(acts []map[string]any) {
		for _, a := range acts {
			if d := fj.Str(a, "definitionCanonical"); d != "" {
				if t := p.ByCanonical(d); t != nil {
					visit(t)
				}
			}
			visitActions(fj.Objs(a, "action"))
		}
	}
	visit(pd)
	sort.Strings(out[1:])
	return out
}

// InactiveReason says why the package's PlanDefinition pd is not
// applicable under the Trusted CCG option ("" when it is applicable, when
// the option is off, or when p is nil).
func (p *Package) InactiveReason(pd map[string]any) string {
	if p == nil || p.Inactive == nil {
		return ""
	}
	return p.Inactive[fj.Ref(pd)]
}

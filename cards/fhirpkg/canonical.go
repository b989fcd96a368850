package fhirpkg

import (
	"net/url"
	"sort"
	"strings"
)

// CanonicalBase is the base of a canonical URL: the URL without its
// "|version" and "#fragment", and without the trailing "/{ResourceType}/{id}"
// (or, when the path does not end that way, without its last segment),
// with scheme and host in lower case. "https://ccg.example.org/fhir/PlanDefinition/x|1.0"
// has the base "https://ccg.example.org/fhir". Only http(s) URLs have a
// base; for anything else (urn:, relative references) it is "".
func CanonicalBase(canonical string) string {
	c, _, _ := strings.Cut(canonical, "|")
	c, _, _ = strings.Cut(c, "#")
	u, err := url.Parse(strings.TrimSpace(c))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	switch n := len(segs); {
	case n >= 2 && isTypeName(segs[n-2]):
		segs = segs[:n-2]
	case n >= 1:
		segs = segs[:n-1]
	}
	base := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	if len(segs) > 0 {
		base += "/" + strings.Join(segs, "/")
	}
	return base
}

// NormalizeBase puts a canonical URL base (package.json's canonical, an
// administrator's argument) in the form CanonicalBase gives: no trailing
// '/', scheme and host in lower case; "" when it is not an http(s) URL.
func NormalizeBase(base string) string {
	return CanonicalBase(strings.TrimRight(strings.TrimSpace(base), "/") + "/X/x")
}

func isTypeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// ClaimsCanonical reports whether a resource of type typ claims its
// canonical URL for its publisher. Terminology (ValueSet, CodeSystem,
// ConceptMap, NamingSystem) is left out: packages commonly carry copies
// of value sets and code systems published by others.
func ClaimsCanonical(typ string) bool {
	switch typ {
	case "ValueSet", "CodeSystem", "ConceptMap", "NamingSystem":
		return false
	}
	return true
}

// CanonicalBases maps each canonical URL base the package uses to what
// uses it first ("package.json canonical" or "Type/id"): package.json's
// canonical and the url of every resource that claims its canonical
// (ClaimsCanonical).
func (p *Package) CanonicalBases() map[string]string {
	out := map[string]string{}
	if c, _ := p.Manifest.Raw["canonical"].(string); c != "" {
		if b := NormalizeBase(c); b != "" {
			out[b] = "package.json canonical"
		}
	}
	res, _ := p.Resources()
	sort.Slice(res, func(i, j int) bool { return res[i].File < res[j].File })
	for _, r := range res {
		u, _ := r.Data["url"].(string)
		if u == "" || !ClaimsCanonical(r.Type) {
			continue
		}
		if b := CanonicalBase(u); b != "" {
			if _, ok := out[b]; !ok {
				out[b] = r.Type + "/" + r.ID
			}
		}
	}
	return out
}

package registry

import (
	"fmt"
	"strings"
)

// NameRule is the rule new package names must follow.
type NameRule int

const (
	// AnyNPMName accepts every npm package name (the store's own rule).
	AnyNPMName NameRule = iota
	// FHIRNames accepts FHIR package names only (ValidFHIRName).
	FHIRNames
	// FHIROrScopedNames accepts FHIR package names and, for CCG packages
	// published here (not mirrors), scoped npm names (@scope/name).
	FHIROrScopedNames
)

// FHIRNameProblem says why name is not a FHIR package name, or "" when it
// is one. The FHIR package specification's rule: two or more parts
// separated by dots, each a lower-case letter followed by lower-case
// letters, digits or dashes (so "hl7.fhir.r4.core", "ccg.example.diabetes").
func FHIRNameProblem(name string) string {
	if len(name) > 214 {
		return "longer than 214 characters"
	}
	parts := strings.Split(name, ".")
	if len(parts) < 2 {
		return "it has no dot: a FHIR package name has two or more parts separated by dots, such as ccg.example.diabetes"
	}
	for i, p := range parts {
		if p == "" {
			return fmt.Sprintf("part %d is empty (two dots in a row, or a dot at an end)", i+1)
		}
		if p[0] < 'a' || p[0] > 'z' {
			return fmt.Sprintf("part %q does not start with a lower-case letter", p)
		}
		for _, c := range p {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("part %q has %q: only lower-case letters, digits and dashes are allowed", p, c)
			}
		}
	}
	return ""
}

// CheckName checks a new package's name against the repository's rule
// (Options.Names); mirror: the package is a mirror (never a scoped name).
// The error is an *Error (400) that says what is wrong.
func (r *Registry) CheckName(name string, mirror bool) error {
	rule := r.opts.Names
	if rule == AnyNPMName {
		return nil
	}
	if strings.HasPrefix(name, "@") {
		switch {
		case mirror:
			return fail(400, nil, "%s is a scoped npm name, not a FHIR package name: mirrors keep FHIR package names", name)
		case rule != FHIROrScopedNames:
			return fail(400, nil, "%s is a scoped npm name: this repository takes FHIR package names only (ccg serve --registry-scoped-names allows scoped names for CCG packages)", name)
		}
		return nil
	}
	if p := FHIRNameProblem(name); p != "" {
		return fail(400, nil, "%s is not a FHIR package name: %s", name, p)
	}
	return nil
}

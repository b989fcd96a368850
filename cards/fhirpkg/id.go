package fhirpkg

import "strings"

// PackageID is a package name as an R4 id, the type of
// ImplementationGuide.packageId, which has no "@" or "/": "@ccg/a" is
// "ccg.a", an unscoped name is itself.
func PackageID(name string) string {
	return strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", ".")
}

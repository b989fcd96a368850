package fhirpkg

import "strings"

// PackageID is a package name as an R4 id, the type of
// ImplementationGuide.packageId: letters, digits, "-" and ".", at most 64
// characters. "@ccg/a" is "ccg.a", "node_modules" "node-modules".
func PackageID(name string) string {
	id := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '.'
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '.':
			return r
		}
		return '-'
	}, strings.TrimPrefix(name, "@"))
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}

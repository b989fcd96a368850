package fhirpath

import "regexp"

// compileRegexp compiles a FHIRPath regular expression; . matches new
// lines (FHIRPath's single-line mode). full anchors it at both ends.
func compileRegexp(p string, full bool) (*regexp.Regexp, error) {
	if full {
		p = "^(?:" + p + ")$"
	}
	return regexp.Compile("(?s)" + p)
}

package fhir

import (
	"fmt"
	"strings"
)

// InlineDefine is the define InlineLibrary wraps an expression in.
const InlineDefine = "Expression"

// InlineInclude is a library an inline expression may use, by its CQL name
// and version.
type InlineInclude struct{ Name, Version string }

// InlineLibrary is the CQL library that evaluates a text/cql expression
// which is not the name of a define (CPG's inline CQL): the define
// InlineDefine of a library that uses FHIR 4.0.1, includes FHIRHelpers and
// the given libraries (each under its own name, so the expression can say
// Lib."Define"), in Patient context.
func InlineLibrary(expr string, includes []InlineInclude) string {
	var src strings.Builder
	src.WriteString("library CCGInlineExpression version '0'\nusing FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1' called FHIRHelpers\n")
	for _, l := range includes {
		if l.Name == "" || l.Name == "FHIRHelpers" {
			continue
		}
		fmt.Fprintf(&src, "include %s", l.Name)
		if l.Version != "" {
			fmt.Fprintf(&src, " version '%s'", strings.ReplaceAll(l.Version, "'", ""))
		}
		fmt.Fprintf(&src, " called %s\n", l.Name)
	}
	src.WriteString("context Patient\ndefine \"" + InlineDefine + "\":\n  " + expr + "\n")
	return src.String()
}

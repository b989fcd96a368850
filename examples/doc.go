// Package examples holds the example CCG deployment packages written by
// the ccg project, one folder per guideline:
//
//	<name>/package/   the FHIR package (package.json, .index.json, resources)
//	<name>/cql/       the CQL source of every Library in the package
//	<name>/data-in/   data-in Bundles, one patient each
//	<name>/expected/  reviewed Guideline Engine outputs, one per data-in file
//
// The Library resources carry their CQL as base64; after editing a .cql
// file, run `go generate ./examples` to rewrite the Library JSON. The tests
// of this package check that the Libraries match their sources, that the
// packages pass the CCG profile checks, that all CQL compiles, and which
// CARDs fire for which patient (and fall silent once the CARD's Resulting
// Data is present).
package examples

//go:generate go run ./internal/genlib

//go:build gen

package gen

// The generator reads the source of this package (located with go list);
// importing it under the gen build tag keeps the module requirement in
// go.mod through `go mod tidy` without compiling it in normal builds.
import _ "github.com/samply/golang-fhir-models/fhir-models/fhir"

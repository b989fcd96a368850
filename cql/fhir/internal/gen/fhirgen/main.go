// Command fhirgen writes cql/fhir/model_gen.go (see package gen). Run it
// with `go generate ./cql/fhir`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ccg-project/ccg/cql/fhir/internal/gen"
)

func main() {
	out := flag.String("o", "model_gen.go", "output file")
	flag.Parse()
	src, err := gen.SourceDir("")
	if err != nil {
		fail(err)
	}
	code, err := gen.Generate(src)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fhirgen:", err)
	os.Exit(1)
}

// Command fhirgen writes cql/fhir/model_gen.go (see package gen). Without
// -modelinfo it fetches the npm package gen.Package with `npm pack` into a
// temporary directory (no npm configuration is changed) and reads the
// ModelInfo from its tarball. Run it with `make generate` or
// `go generate ./cql/fhir`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/ccg-project/ccg/cql/fhir/internal/gen"
)

func main() {
	out := flag.String("o", "model_gen.go", "output file")
	file := flag.String("modelinfo", "", "read the ModelInfo from this file instead of fetching "+gen.Package)
	flag.Parse()
	var src []byte
	var err error
	if *file != "" {
		src, err = os.ReadFile(*file)
	} else {
		src, err = gen.Fetch()
	}
	if err != nil {
		fail(err)
	}
	code, err := gen.Generate(bytes.NewReader(src))
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

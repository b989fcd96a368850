// Command ucumgen writes cql/ucum/units_gen.go from UCUM's
// ucum-essence.xml (see package gen). `make generate` runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ccg-project/ccg/cql/ucum/internal/gen"
)

func main() {
	in := flag.String("i", "../shared/conformance/ucum/ucum-essence.xml", "the UCUM essence `FILE`")
	out := flag.String("o", "cql/ucum/units_gen.go", "output `FILE`")
	flag.Parse()
	src, err := os.ReadFile(*in)
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
	fmt.Fprintln(os.Stderr, "ucumgen:", err)
	os.Exit(1)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

func init() {
	register(&command{
		Name:    "package import",
		Args:    "FILE.tgz|DIR [--data DIR] [--db URL]",
		Summary: "store a FHIR package that is not CCG content (core, terminology, other IGs) in the repository as a mirror",
		Run:     runPackageImport,
	})
}

// runPackageImport stores a FHIR package as a mirror: checked as a FHIR
// package (package.json, .index.json when present, resources parse), not
// as CCG content; it claims no canonical bases and no user maintains it.
func runPackageImport(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "package import")
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "package import takes one FILE.tgz or DIR, got %q", pos)
	}
	tgz, err := importTarball(pos[0])
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package import: %v\n", err)
		return exitFailure
	}
	st, code := sf.open(e, fs, "package import")
	if st == nil {
		return code
	}
	defer st.Close()
	key, err := sign.LoadOrCreateKey(filepath.Join(*sf.data, registrySigningKeyFile))
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package import: signing key: %v\n", err)
		return exitFailure
	}
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key, Names: registry.FHIRNames})
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package import: %v\n", err)
		return exitFailure
	}
	v, err := reg.StoreMirror(ctx, tgz, "import", "", nil)
	var te *store.TrustError
	switch {
	case errors.Is(err, store.ErrVersionExists):
		fmt.Fprintf(e.Stderr, "ccg package import: %s: that version is already stored\n", pos[0])
		return exitFailure
	case errors.As(err, &te):
		fmt.Fprintf(e.Stderr, "ccg package import: %s: %v\n", pos[0], te)
		return exitFailure
	case err != nil:
		fmt.Fprintf(e.Stderr, "ccg package import: %s: %v\n", pos[0], err)
		return exitFailure
	}
	fmt.Fprintf(e.Stdout, "imported %s@%s as a mirror (%d bytes, %s)\n", v.Name, v.Version, v.Size, v.Integrity)
	return exitOK
}

// importTarball reads a .tgz as it is, or packs a package folder (DIR or
// DIR/package) with its files unchanged.
func importTarball(arg string) ([]byte, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return os.ReadFile(arg)
	}
	files, err := readPackageDir(arg)
	if err != nil {
		return nil, err
	}
	return fhirpkg.WriteTarball(files)
}

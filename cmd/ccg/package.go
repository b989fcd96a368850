package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cards/cqlsrc"
	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/lint"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/registry"
)

func init() {
	register(&command{
		Name:    "package build",
		Args:    "DIR [-o FILE]",
		Summary: "pack a guideline directory into a FHIR package .tgz (generates .index.json)",
		Run:     runPackageBuild,
	})
	register(&command{
		Name:    "package validate",
		Args:    "DIR|FILE.tgz [--trusted-keys DIR] [--json]",
		Summary: "check a guideline package against the FHIR package layout and the CCG profiles",
		Run:     runPackageValidate,
	})
	register(&command{
		Name:    "package sign",
		Args:    "DIR --key KEY [--publisher NAME]",
		Summary: "sign a guideline directory: CCG_Signature Provenances and a package signature",
		Run:     runPackageSign,
	})
	register(&command{
		Name:    "package keygen",
		Args:    "--out KEY",
		Summary: "create an ECDSA P-256 signing key (KEY) and its public key (KEY.pub)",
		Run:     runPackageKeygen,
	})
}

// readPackageDir reads a guideline directory: either DIR/package/... or
// the files of DIR itself. Dot-directories, node_modules and .tgz files are
// skipped. Paths are relative to the package root.
func readPackageDir(dir string) (map[string][]byte, error) {
	root := dir
	if fi, err := os.Stat(filepath.Join(dir, "package", "package.json")); err == nil && !fi.IsDir() {
		root = filepath.Join(dir, "package")
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(d.Name(), ".tgz") || d.Name() == ".npmrc" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := files["package.json"]; !ok {
		return nil, fmt.Errorf("%s: no package.json", dir)
	}
	return files, nil
}

func runPackageBuild(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package build")
	out := fset.String("o", "package.tgz", "output `FILE`")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fset, "package build takes one directory")
	}
	files, err := readPackageDir(pos[0])
	embedded := 0
	if err == nil {
		embedded, err = embedCQL(pos[0], files)
	}
	if err == nil {
		files, err = fhirpkg.WithIndex(files)
	}
	var tgz []byte
	if err == nil {
		tgz, err = fhirpkg.WriteTarball(files)
	}
	if err == nil {
		err = os.WriteFile(*out, tgz, 0o644)
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package build: %v\n", err)
		return exitFailure
	}
	integ, _ := registry.Integrity(tgz)
	if embedded > 0 {
		fmt.Fprintf(e.Stdout, "embedded the CQL of %d Libraries from their .cql files\n", embedded)
	}
	fmt.Fprintf(e.Stdout, "%s: %d files, %d bytes, %s\n", *out, len(files), len(tgz), integ)
	// A signed package edited or bumped since: the repository would answer
	// 417, so say it now.
	if p, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits); err == nil {
		if err := sign.CheckCurrent(p); errors.Is(err, sign.ErrMismatch) {
			fmt.Fprintf(e.Stderr, "ccg package build: warning: %s\n", staleSignature(err, pos[0]))
		}
	}
	return exitOK
}

func runPackageValidate(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package validate")
	keys := fset.String("trusted-keys", "", "verify signatures against the public keys (*.pem, *.pub) in `DIR`")
	asJSON := fset.Bool("json", false, "print the violations as JSON")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fset, "package validate takes one directory or .tgz file")
	}
	var tgz []byte
	var err error
	var warnings []validate.Violation
	if fi, serr := os.Stat(pos[0]); serr == nil && fi.IsDir() {
		warnings = staleCQL(pos[0])
		var files map[string][]byte
		files, err = readPackageDir(pos[0])
		if err == nil {
			_, err = embedCQL(pos[0], files) // as ccg package build will
		}
		if err == nil {
			if _, has := files[".index.json"]; !has {
				files, err = fhirpkg.WithIndex(files)
			}
		}
		if err == nil {
			tgz, err = fhirpkg.WriteTarball(files)
		}
	} else {
		tgz, err = os.ReadFile(pos[0])
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package validate: %v\n", err)
		return exitFailure
	}
	p, err := fhirpkg.ReadTarball(tgz, fhirpkg.DefaultLimits)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package validate: %v\n", err)
		return exitFailure
	}
	violations := registry.Violations(ctx, p, []registry.Validator{cqlValidator()})
	warnings = append(warnings, packageWarnings(p)...)
	sigMsg := "signatures not checked (no --trusted-keys)"
	if *keys != "" {
		kr, err := sign.LoadKeyring(*keys)
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg package validate: %v\n", err)
			return exitFailure
		}
		rep, err := sign.VerifyPackage(p, kr)
		if err != nil {
			violations = append(violations, validate.Violation{Resource: "signature", Message: err.Error()})
			sigMsg = "signature check failed"
		} else {
			sigMsg = fmt.Sprintf("signatures verified: %d resources, package signature %v", rep.Resources, rep.Package)
		}
	}
	if *asJSON {
		type jv struct{ Resource, Path, Message string }
		out := []jv{}
		for _, v := range violations {
			out = append(out, jv{v.Resource, v.Path, v.Message})
		}
		warn := []jv{}
		for _, v := range warnings {
			warn = append(warn, jv{v.Resource, v.Path, v.Message})
		}
		b, _ := json.MarshalIndent(map[string]any{"package": p.Manifest.Name, "version": p.Manifest.Version, "violations": out, "warnings": warn}, "", "  ")
		fmt.Fprintln(e.Stdout, string(b))
	} else {
		// each kind of problem once, with the resources that have it
		for _, g := range validate.Grouped(violations) {
			fmt.Fprintln(e.Stdout, g.String())
		}
		for _, g := range validate.Grouped(warnings) {
			fmt.Fprintln(e.Stdout, "warning: "+g.String())
		}
		fmt.Fprintf(e.Stdout, "%s@%s: %d violations, %d warnings; %s\n", p.Manifest.Name, p.Manifest.Version, len(violations), len(warnings), sigMsg)
	}
	if len(violations) > 0 {
		return exitFailure
	}
	return exitOK
}

// embedCQL puts into the package's copy of each Library (files, as
// readPackageDir read dir) the CQL of its source file (cards/cqlsrc: the
// attachment's url relative to the Library, else dir/cql/<name>.cql), so
// authors keep plain .cql files; Libraries without a source file are left
// as they are. It returns how many changed.
func embedCQL(dir string, files map[string][]byte) (int, error) {
	root := dir
	if fi, err := os.Stat(filepath.Join(dir, "package", "package.json")); err == nil && !fi.IsDir() {
		root = filepath.Join(dir, "package")
	}
	n := 0
	for f, raw := range files {
		if strings.Contains(f, "/") || !strings.HasSuffix(f, ".json") || !bytes.Contains(raw, []byte(`"Library"`)) {
			continue
		}
		src, err := cqlsrc.Source(filepath.Join(root, filepath.FromSlash(f)), raw)
		if err != nil {
			continue // not a Library, or no source file: its attachment stays
		}
		out, changed, err := cqlsrc.Embed(raw, src)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if changed {
			files[f] = out
			n++
		}
	}
	return n, nil
}

// staleCQL warns about every Library of a guideline folder (DIR/package
// beside DIR/cql, see cards/cqlsrc) whose .cql source changed since it was
// embedded.
func staleCQL(dir string) []validate.Violation {
	if fi, err := os.Stat(filepath.Join(dir, "cql")); err != nil || !fi.IsDir() {
		return nil
	}
	libs, _ := filepath.Glob(filepath.Join(dir, "package", "Library-*.json"))
	var out []validate.Violation
	for _, f := range libs {
		if stale, err := cqlsrc.Sync(f, false); err == nil && stale {
			out = append(out, validate.Violation{Resource: filepath.Base(f), Message: "its CQL differs from the source in " +
				filepath.Join(dir, "cql") + ": run `ccg package embed-cql " + dir + "`"})
		}
	}
	return out
}

// staleSignature says what to do about a package signature that no longer
// covers the package in dir (err from sign.CheckCurrent).
func staleSignature(err error, dir string) string {
	return "the package signature is stale (" + strings.TrimPrefix(err.Error(), sign.ErrMismatch.Error()+": ") +
		"): run `ccg package sign " + dir + " --key KEY` again after every change, then `ccg package build`"
}

// packageWarnings are the findings that do not stop a publish: a package
// signature that is missing or no longer covers the package, and CARDs
// that nothing turns off once acted on (cards/lint).
func packageWarnings(p *fhirpkg.Package) []validate.Violation {
	var out []validate.Violation
	label := p.Manifest.Name + "@" + p.Manifest.Version
	switch err := sign.CheckCurrent(p); {
	case errors.Is(err, sign.ErrUnsigned):
		out = append(out, validate.Violation{Resource: label, Message: "not signed: create a key once with " +
			"`ccg package keygen --out KEY`, then run `ccg package sign DIR --key KEY` before `ccg package build`"})
	case err != nil:
		out = append(out, validate.Violation{Resource: label, Message: staleSignature(err, "DIR")})
	}
	res, _ := p.Resources()
	data := make([]validate.Resource, 0, len(res))
	for _, r := range res {
		data = append(data, r.Data)
	}
	return append(out, lint.NotAlreadyDone(data)...)
}

func runPackageSign(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package sign")
	keyPath := fset.String("key", "", "PEM private `KEY` (ECDSA P-256)")
	publisher := fset.String("publisher", "", "publisher `NAME` recorded in the Provenance agent")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 || *keyPath == "" {
		return usageError(e, fset, "package sign takes one directory and --key")
	}
	key, err := sign.LoadKey(*keyPath)
	if err == nil && key.Private == nil {
		err = errors.New("the key file holds no private key")
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package sign: %v\n", err)
		return exitFailure
	}
	dir := pos[0]
	root := dir
	if fi, err := os.Stat(filepath.Join(dir, "package", "package.json")); err == nil && !fi.IsDir() {
		root = filepath.Join(dir, "package")
	}
	before, err := readPackageDir(dir)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package sign: %v\n", err)
		return exitFailure
	}
	after, err := sign.SignPackage(before, key, *publisher, time.Now())
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package sign: %v\n", err)
		return exitFailure
	}
	var names []string
	for f := range before {
		if _, kept := after[f]; !kept {
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(f))); err != nil {
				fmt.Fprintf(e.Stderr, "ccg package sign: %v\n", err)
				return exitFailure
			}
		}
	}
	for f, b := range after {
		if old, ok := before[f]; ok && string(old) == string(b) {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			fmt.Fprintf(e.Stderr, "ccg package sign: %v\n", err)
			return exitFailure
		}
		names = append(names, f)
	}
	sort.Strings(names)
	fmt.Fprintf(e.Stdout, "signed with %s; wrote %s\n", key.ID(), strings.Join(names, ", "))
	return exitOK
}

func runPackageKeygen(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package keygen")
	out := fset.String("out", "", "private key `FILE` (the public key goes to FILE.pub)")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) > 0 || *out == "" {
		return usageError(e, fset, "package keygen needs --out and no arguments")
	}
	if _, err := os.Stat(*out); err == nil {
		fmt.Fprintf(e.Stderr, "ccg package keygen: %s exists; not overwriting\n", *out)
		return exitFailure
	}
	k, err := sign.GenerateKey()
	if err == nil {
		// keys/publisher.key: create keys/ (private to the user) too.
		err = os.MkdirAll(filepath.Dir(*out), 0o700)
	}
	var priv, pub []byte
	if err == nil {
		priv, err = k.PrivatePEM()
	}
	if err == nil {
		pub, err = k.PublicPEM()
	}
	if err == nil {
		err = os.WriteFile(*out, priv, 0o600)
	}
	if err == nil {
		err = os.WriteFile(*out+".pub", pub, 0o644)
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package keygen: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.Stdout, "%s\n", k.ID())
	return exitOK
}

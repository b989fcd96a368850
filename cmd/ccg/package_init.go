package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/google/uuid"

	"github.com/ccg-project/ccg/cards/cqlsrc"
	"github.com/ccg-project/ccg/cards/fhirpkg"
)

// skeleton is the guideline folder `ccg package init` writes. File names
// use SLUG, LIB and UUID for the values of the same names; file contents
// are text/templates over skeletonData.
//
//go:embed skeleton
var skeleton embed.FS

func init() {
	register(&command{
		Name:    "package init",
		Args:    "NAME [--dir DIR] [--canonical URL] [--publisher NAME]",
		Summary: "write a new guideline folder: one Folder, one CARD, its ActivityDefinition, Library, ValueSet and data-in examples",
		Run:     runPackageInit,
	})
	register(&command{
		Name:    "package embed-cql",
		Args:    "DIR",
		Summary: "copy DIR/cql/<Library name>.cql into the text/cql attachment of each Library in DIR/package",
		Run:     runPackageEmbedCQL,
	})
}

// skeletonData are the values of the skeleton's templates.
type skeletonData struct {
	Name      string // npm package name, "acme.bp"
	PackageID string // the name as an R4 id (ImplementationGuide.packageId)
	Slug      string // resource id prefix, "acme-bp"
	Pascal    string // "AcmeBp"
	Library   string // CQL library name, "AcmeBpLogic"
	Title     string
	Canonical string // base of every canonical url
	Publisher string
	Date      string // YYYY-MM-DD
	// UUID is the ImplementationGuide id: derived from the name, so the
	// same name always gives the same deployment package id.
	UUID string
	CQL  string // the Library's CQL, base64
}

// packageNameRE is an npm package name (optionally scoped), lower case.
var packageNameRE = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$`)

func newSkeletonData(name, canonical, publisher string, now time.Time) skeletonData {
	base := name[strings.LastIndex(name, "/")+1:]
	var slug, pascal strings.Builder
	for _, w := range strings.FieldsFunc(base, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
		if slug.Len() > 0 {
			slug.WriteByte('-')
		}
		slug.WriteString(w)
		pascal.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	d := skeletonData{Name: name, PackageID: fhirpkg.PackageID(name), Slug: slug.String(), Pascal: pascal.String(), Library: pascal.String() + "Logic",
		Title: pascal.String() + " guideline", Canonical: strings.TrimSuffix(canonical, "/"), Publisher: publisher,
		Date: now.UTC().Format("2006-01-02"), UUID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("ccg-package:"+name)).String()}
	if d.Canonical == "" {
		d.Canonical = "https://example.org/fhir/" + d.Slug
	}
	if d.Publisher == "" {
		d.Publisher = name
	}
	return d
}

func runPackageInit(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package init")
	dir := fset.String("dir", "", "write the folder to `DIR` (default: NAME without its @scope/)")
	canonical := fset.String("canonical", "", "base `URL` of the resources' canonical urls (default https://example.org/fhir/NAME)")
	publisher := fset.String("publisher", "", "publisher `NAME` of every resource (default: the package name)")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fset, "package init takes the package name (e.g. acme.bp)")
	}
	name := pos[0]
	if !packageNameRE.MatchString(name) {
		return usageError(e, fset, "%q is not an npm package name: lower case letters, digits, '.', '-' and '_', optionally @scope/name", name)
	}
	d := newSkeletonData(name, *canonical, *publisher, time.Now())
	if *dir == "" {
		*dir = name[strings.LastIndex(name, "/")+1:]
	}
	if _, err := os.Stat(*dir); err == nil {
		fmt.Fprintf(e.Stderr, "ccg package init: %s exists; not overwriting\n", *dir)
		return exitFailure
	}
	files, err := renderSkeleton(d)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package init: %v\n", err)
		return exitFailure
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		p := filepath.Join(*dir, filepath.FromSlash(f))
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil {
			err = os.WriteFile(p, files[f], 0o644)
		}
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg package init: %v\n", err)
			return exitFailure
		}
	}
	fmt.Fprintf(e.Stdout, "wrote %s:\n", *dir)
	for _, f := range names {
		fmt.Fprintf(e.Stdout, "  %s\n", f)
	}
	return exitOK
}

// renderSkeleton returns the skeleton's files for d, by path in the
// guideline folder.
func renderSkeleton(d skeletonData) (map[string][]byte, error) {
	rename := strings.NewReplacer("SLUG", d.Slug, "LIB", d.Library, "UUID", d.UUID)
	out := map[string][]byte{}
	render := func(name string, data skeletonData) ([]byte, error) {
		src, err := skeleton.ReadFile(name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = t.Execute(&b, data)
		return b.Bytes(), err
	}
	// The CQL first: the Library carries it in base64.
	cql, err := render("skeleton/cql/LIB.cql", d)
	if err != nil {
		return nil, err
	}
	d.CQL = base64.StdEncoding.EncodeToString(cql)
	err = fs.WalkDir(skeleton, "skeleton", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := render(p, d)
		if err != nil {
			return err
		}
		out[rename.Replace(strings.TrimPrefix(p, "skeleton/"))] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func runPackageEmbedCQL(ctx context.Context, e *env, args []string) int {
	fset := commandFlags(e, "package embed-cql")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fset, "package embed-cql takes the guideline folder (the one holding package/ and cql/)")
	}
	libs, err := filepath.Glob(filepath.Join(pos[0], "package", "Library-*.json"))
	if err == nil && len(libs) == 0 {
		err = fmt.Errorf("no Library-*.json in %s", filepath.Join(pos[0], "package"))
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg package embed-cql: %v\n", err)
		return exitFailure
	}
	n := 0
	for _, f := range libs {
		changed, err := cqlsrc.Sync(f, true)
		if err != nil {
			fmt.Fprintf(e.Stderr, "ccg package embed-cql: %s: %v\n", f, err)
			return exitFailure
		}
		if changed {
			fmt.Fprintf(e.Stdout, "updated %s\n", f)
			n++
		}
	}
	fmt.Fprintf(e.Stdout, "%d of %d Libraries updated\n", n, len(libs))
	return exitOK
}

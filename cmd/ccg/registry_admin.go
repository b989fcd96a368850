package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/registry/store"
)

// Administration of publisher trust in the Guideline Repository's store
// (the one `ccg serve` uses): who owns a canonical URL base or an npm scope.
func init() {
	register(&command{
		Name:    "registry assign-canonical",
		Args:    "BASE --user NAME [--data DIR] [--db URL]",
		Summary: "give a canonical URL base (e.g. https://acme.example/fhir) to a publisher: only they may publish packages using it",
		Run:     func(ctx context.Context, e *env, args []string) int { return runAssign(ctx, e, args, "canonical") },
	})
	register(&command{
		Name:    "registry assign-scope",
		Args:    "@SCOPE --user NAME [--data DIR] [--db URL]",
		Summary: "give an npm scope to a publisher: only they (and maintainers of its packages) may add packages to it",
		Run:     func(ctx context.Context, e *env, args []string) int { return runAssign(ctx, e, args, "scope") },
	})
	register(&command{
		Name:    "registry claims",
		Args:    "[--data DIR] [--db URL]",
		Summary: "list who owns each canonical URL base and npm scope of the Guideline Repository",
		Run:     runClaims,
	})
}

func runAssign(ctx context.Context, e *env, args []string, kind string) int {
	name := "registry assign-" + kind
	fs := commandFlags(e, name)
	user := fs.String("user", "", "the publisher's user `NAME` (an existing user)")
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 || *user == "" {
		return usageError(e, fs, "%s takes one %s and --user", name, map[string]string{"canonical": "BASE", "scope": "@SCOPE"}[kind])
	}
	key := pos[0]
	if kind == "canonical" {
		if key = fhirpkg.NormalizeBase(pos[0]); key == "" {
			return usageError(e, fs, "%q is not an http(s) URL", pos[0])
		}
	}
	st, code := sf.open(e, fs, name)
	if st == nil {
		return code
	}
	defer st.Close()
	var err error
	if kind == "canonical" {
		err = st.AssignCanonical(ctx, key, *user)
	} else {
		err = st.AssignScope(ctx, key, *user)
	}
	switch {
	case errors.Is(err, store.ErrNoUser):
		fmt.Fprintf(e.Stderr, "ccg %s: no user %q (create one with ccg token create --user %s)\n", name, *user, *user)
		return exitFailure
	case errors.Is(err, store.ErrInvalid):
		return usageError(e, fs, "%v", err)
	case err != nil:
		fmt.Fprintf(e.Stderr, "ccg %s: %v\n", name, err)
		return exitFailure
	}
	fmt.Fprintf(e.Stdout, "%s %s now belongs to %s\n", kind, key, *user)
	return exitOK
}

func runClaims(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "registry claims")
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "registry claims takes no arguments, got %q", pos)
	}
	st, code := sf.open(e, fs, "registry claims")
	if st == nil {
		return code
	}
	defer st.Close()
	claims, err := st.Claims(ctx)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg registry claims: %v\n", err)
		return exitFailure
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tCLAIM\tOWNER\tSINCE")
	for _, c := range claims {
		since := "first publisher"
		switch {
		case c.Assigned:
			since = "assigned by an administrator"
		case c.Package != "":
			since = "first published in " + c.Package
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Kind, c.Key, c.Owner, since)
	}
	return exitFailureIf(w.Flush())
}

func exitFailureIf(err error) int {
	if err != nil {
		return exitFailure
	}
	return exitOK
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth"
)

func init() {
	register(&command{
		Name:    "token create",
		Args:    "--user NAME [--scope SCOPE]... [--expires D] [--email ADDRESS] [--publish] [--admin] [--password PW] [--data DIR] [--db URL]",
		Summary: "create a Guideline Repository access token (printed once, stored hashed)",
		Run:     runTokenCreate,
	})
}

func runTokenCreate(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "token create")
	user := fs.String("user", "", "user `NAME` (created when missing)")
	publish := fs.Bool("publish", false, "the token may publish packages and change dist-tags and owners of the packages its user maintains")
	admin := fs.Bool("admin", false, "the token may publish and change every package, whoever maintains it (implies --publish)")
	email := fs.String("email", "", "email `ADDRESS` of a new user (shown by npm owner ls)")
	password := fs.String("password", "", "password `PW` of a new user (enables npm login; its login tokens get this token's rights)")
	var scopes []string
	fs.Func("scope", "grant `SCOPE` (repeatable, or space-separated): system/PlanDefinition.rs, system/Library.rs, system/AuditEvent.rs, "+auth.ScopeEvaluate+", "+registry.ScopePublish+", ...", func(v string) error {
		scopes = append(scopes, strings.Fields(v)...)
		return nil
	})
	var expires time.Time
	fs.Func("expires", "the token stops working after `D` (a duration such as 720h or 30d, or a date 2027-01-31)", func(v string) error {
		t, err := parseExpiry(v, time.Now())
		expires = t
		return err
	})
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "token create takes no arguments, got %q", pos)
	}
	if *user == "" {
		return usageError(e, fs, "--user is required")
	}
	st, code := sf.open(e, fs, "token create")
	if st == nil {
		return code
	}
	defer st.Close()
	pub, adm, other := registry.TokenRights(scopes)
	pub, adm = pub || *publish || *admin, adm || *admin
	if u, err := st.User(ctx, *user); errors.Is(err, store.ErrNotFound) {
		u := store.User{Name: *user, Email: *email}
		if *password != "" {
			// The user's logins get this token's rights.
			u.Scopes = registry.TokenScopes(&store.Token{Publish: pub, Admin: adm, Scopes: other})
			if u.PasswordHash, err = registry.HashPassword(*password); err != nil {
				fmt.Fprintf(e.Stderr, "ccg token create: %v\n", err)
				return exitFailure
			}
		}
		if err := st.CreateUser(ctx, u); err != nil && !errors.Is(err, store.ErrUserExists) {
			fmt.Fprintf(e.Stderr, "ccg token create: %v\n", err)
			return exitFailure
		}
	} else if err != nil {
		fmt.Fprintf(e.Stderr, "ccg token create: %v\n", err)
		return exitFailure
	} else if (*email != "" && *email != u.Email) || *password != "" {
		fmt.Fprintf(e.Stderr, "ccg token create: user %s exists: --email and --password only apply to new users\n", *user)
		return exitFailure
	}
	tok, hash, err := registry.NewToken()
	if err == nil {
		err = st.CreateToken(ctx, store.Token{Hash: hash, User: *user, Publish: pub, Admin: adm, Scopes: other, Expires: expires})
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg token create: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(e.Stdout, tok)
	return exitOK
}

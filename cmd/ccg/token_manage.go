package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

func init() {
	register(&command{
		Name:    "token list",
		Args:    "[--user NAME] [--data DIR] [--db URL]",
		Summary: "list tokens (id, user, scopes, created, expires); tokens themselves are never stored",
		Run:     runTokenList,
	})
	register(&command{
		Name:    "token revoke",
		Args:    "ID|TOKEN [--data DIR] [--db URL]",
		Summary: "revoke a token by the id `ccg token list` shows (or a prefix of it), or by the token itself",
		Run:     runTokenRevoke,
	})
}

// tokenIDLen is how much of a token's hash `ccg token list` shows as its id.
const tokenIDLen = 12

// parseExpiry reads --expires: a Go duration (720h), a number of days
// (30d) or a date (2027-01-31, RFC 3339 also accepted).
func parseExpiry(v string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return now.AddDate(0, 0, n), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			if !t.After(now) {
				return time.Time{}, fmt.Errorf("%s is in the past", v)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a duration (720h, 30d) nor a date (2027-01-31)", v)
}

func runTokenList(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "token list")
	user := fs.String("user", "", "only the tokens of user `NAME`")
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "token list takes no arguments, got %q", pos)
	}
	st, code := sf.open(e, fs, "token list")
	if st == nil {
		return code
	}
	defer st.Close()
	ts, err := st.ListTokens(ctx, *user)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg token list: %v\n", err)
		return exitFailure
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tSCOPES\tCREATED\tEXPIRES")
	now := time.Now()
	for _, t := range ts {
		exp := "never"
		if !t.Expires.IsZero() {
			exp = t.Expires.UTC().Format(time.RFC3339)
			if !now.Before(t.Expires) {
				exp += " (expired)"
			}
		}
		scopes := strings.Join(registry.TokenScopes(&t), " ")
		if scopes == "" {
			scopes = "(read only)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Hash[:tokenIDLen], t.User, scopes, t.Created.UTC().Format(time.RFC3339), exp)
	}
	tw.Flush()
	return exitOK
}

func runTokenRevoke(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "token revoke")
	sf := addStoreFlags(fs, e)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, "token revoke takes one ID or TOKEN")
	}
	id := pos[0]
	st, code := sf.open(e, fs, "token revoke")
	if st == nil {
		return code
	}
	defer st.Close()
	hash, err := resolveTokenID(ctx, st, id)
	if err == nil {
		err = st.DeleteToken(ctx, hash)
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg token revoke: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.Stdout, "revoked %s\n", hash[:tokenIDLen])
	return exitOK
}

// resolveTokenID finds the hash of the one token id names: the token
// itself, or a prefix (at least 6 characters) of its hash.
func resolveTokenID(ctx context.Context, st store.Store, id string) (string, error) {
	if strings.HasPrefix(id, "ccg_") {
		return registry.HashToken(id), nil
	}
	if len(id) < 6 {
		return "", errors.New("give at least 6 characters of the id")
	}
	ts, err := st.ListTokens(ctx, "")
	if err != nil {
		return "", err
	}
	var found []string
	for _, t := range ts {
		if strings.HasPrefix(t.Hash, id) {
			found = append(found, t.Hash)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no token with id %s", id)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d tokens have ids starting with %s: give more of it", len(found), id)
}

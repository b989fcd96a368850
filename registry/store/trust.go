package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Publisher trust: who may publish under a name, a scope or a canonical
// URL base.
//
//   - A canonical URL base (the part of a resource's canonical before
//     "/{ResourceType}/{id}", see fhirpkg.CanonicalBase) belongs to the
//     user who first published a package using it, or to the user an
//     administrator assigned it to. A base nested below an owned one
//     belongs to the owner of the longest owned prefix. Packages of other
//     users that use it are refused; new versions of the package that
//     first claimed it are not (its maintainers may publish them).
//   - An npm scope ("@acme") belongs to the user who first published into
//     it (or who an administrator assigned it to); others may add packages
//     to it only when they maintain a package of the scope already.
//   - A new package name must not collide with an existing one after
//     normalisation (LookalikeKey) and must not be a reserved name.
//
// Names, scopes and bases stay claimed when their packages are
// unpublished, so an unpublished name cannot be taken over.

// Errors of publisher trust, wrapped in a *TrustError.
var (
	ErrCanonicalTaken = errors.New("canonical URL base belongs to another publisher")
	ErrScopeTaken     = errors.New("npm scope belongs to another publisher")
	ErrNameTaken      = errors.New("package name is too similar to an existing package")
	ErrReservedName   = errors.New("package name is reserved")
	// ErrTooOld: a version is older than the unpublish grace period.
	ErrTooOld = errors.New("published too long ago to unpublish")
)

// TrustError says which claim refused a publish.
type TrustError struct {
	Kind    error  // one of the Err... above
	Subject string // the base, scope or name concerned
	Owner   string // the user owning it ("" for reserved names)
	Package string // the package that claimed it first or the look-alike ("" when assigned)
}

func (e *TrustError) Error() string {
	switch {
	case errors.Is(e.Kind, ErrCanonicalTaken):
		by := ""
		if e.Package != "" {
			by = " (first published in " + e.Package + ")"
		}
		return fmt.Sprintf("canonical URL base %s belongs to %s%s", e.Subject, e.Owner, by)
	case errors.Is(e.Kind, ErrScopeTaken):
		return fmt.Sprintf("scope %s belongs to %s", e.Subject, e.Owner)
	case errors.Is(e.Kind, ErrNameTaken):
		return fmt.Sprintf("%s is too similar to the existing package %s", e.Subject, e.Package)
	case errors.Is(e.Kind, ErrReservedName):
		return fmt.Sprintf("%s is a reserved package name", e.Subject)
	}
	return e.Kind.Error()
}

func (e *TrustError) Unwrap() error { return e.Kind }

// Claim is an owned canonical URL base or scope.
type Claim struct {
	Kind     string // "canonical" or "scope"
	Key      string // the base URL or "@scope"
	Owner    string // user
	Package  string // package that claimed it first; "" when assigned
	Assigned bool   // set by an administrator
	Created  time.Time
}

// UnpublishGrace is how long after publishing a version may be
// unpublished (npm's policy: 72 hours).
const UnpublishGrace = 72 * time.Hour

// reservedNames may not be published: names npm refuses and the core
// modules of Node.js, which every npm client resolves to the built-in.
var reservedNames = map[string]bool{
	"node_modules": true, "favicon.ico": true,
	"assert": true, "async_hooks": true, "buffer": true, "child_process": true, "cluster": true, "console": true,
	"constants": true, "crypto": true, "dgram": true, "diagnostics_channel": true, "dns": true, "domain": true,
	"events": true, "fs": true, "http": true, "http2": true, "https": true, "inspector": true, "module": true,
	"net": true, "os": true, "path": true, "perf_hooks": true, "process": true, "punycode": true,
	"querystring": true, "readline": true, "repl": true, "stream": true, "string_decoder": true, "sys": true,
	"timers": true, "tls": true, "trace_events": true, "tty": true, "url": true, "util": true, "v8": true,
	"vm": true, "wasi": true, "worker_threads": true, "zlib": true,
}

// ReservedName reports whether name may never be published.
func ReservedName(name string) bool { return reservedNames[strings.ToLower(name)] }

// confusables are character sequences that read alike in most fonts,
// mapped to the one they imitate (applied after lower-casing).
var confusables = strings.NewReplacer("rn", "m", "vv", "w", "0", "o", "1", "l", "|", "l", "5", "s")

// LookalikeKey is the form two names that npm users would confuse share:
// lower case, without '-', '_' and '.', and with confusable characters
// ("rn"/"m", "vv"/"w", "0"/"o", "1"/"l") folded. A scope is kept apart
// from the name ("@a/x" and "ax" differ).
func LookalikeKey(name string) string {
	fold := func(s string) string {
		s = strings.ToLower(s)
		s = strings.NewReplacer("-", "", "_", "", ".", "").Replace(s)
		// Fold until stable: "rrnn" -> "rmn" -> "rm".
		for {
			t := confusables.Replace(s)
			if t == s {
				return s
			}
			s = t
		}
	}
	if scope, pkg, ok := strings.Cut(strings.TrimPrefix(name, "@"), "/"); ok && strings.HasPrefix(name, "@") {
		return "@" + fold(scope) + "/" + fold(pkg)
	}
	return fold(name)
}

// scopeOf is "@scope" of a scoped name, "" otherwise.
func scopeOf(name string) string {
	if !strings.HasPrefix(name, "@") {
		return ""
	}
	s, _, _ := strings.Cut(name, "/")
	return s
}

// trustTables are the tables of publisher trust (created by migrate).
func (s *sqlStore) trustTables() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS canonical_bases (
			base TEXT PRIMARY KEY,
			owner TEXT NOT NULL,
			package TEXT NOT NULL,
			assigned INTEGER NOT NULL,
			created BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS scopes (
			scope TEXT PRIMARY KEY,
			owner TEXT NOT NULL,
			assigned INTEGER NOT NULL,
			created BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS package_names (
			lookalike TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			owner TEXT NOT NULL,
			created BIGINT NOT NULL,
			bases_claimed INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE IF NOT EXISTS unpublished (
			name TEXT NOT NULL,
			version TEXT NOT NULL,
			at BIGINT NOT NULL,
			PRIMARY KEY (name, version))`,
	}
}

// migrateTrust fills the trust tables from packages stored before they
// existed: every name and scope is claimed by its first publisher
// (canonical bases need the tarballs: see registry.BackfillCanonicals).
func (s *sqlStore) migrateTrust(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT p.name, p.created, COALESCE((SELECT v.publisher FROM versions v WHERE v.name = p.name
		ORDER BY v.published, v.version LIMIT 1), '') FROM packages p
		WHERE NOT EXISTS (SELECT 1 FROM package_names n WHERE n.name = p.name) ORDER BY p.created, p.name`)
	if err != nil {
		return fmt.Errorf("store: migrate %s: package names: %w", s.d.name, err)
	}
	type legacy struct {
		name, owner string
		created     int64
	}
	var todo []legacy
	for rows.Next() {
		var l legacy
		if err := rows.Scan(&l.name, &l.created, &l.owner); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate %s: package names: %w", s.d.name, err)
		}
		todo = append(todo, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrate %s: package names: %w", s.d.name, err)
	}
	for _, l := range todo {
		if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO package_names (lookalike, name, owner, created) VALUES (?, ?, ?, ?) ON CONFLICT (lookalike) DO NOTHING`),
			LookalikeKey(l.name), l.name, l.owner, l.created); err != nil {
			return fmt.Errorf("store: migrate %s: package names: %w", s.d.name, err)
		}
		if sc := scopeOf(l.name); sc != "" && l.owner != "" {
			if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO scopes (scope, owner, assigned, created) VALUES (?, ?, 0, ?) ON CONFLICT (scope) DO NOTHING`),
				sc, l.owner, l.created); err != nil {
				return fmt.Errorf("store: migrate %s: scopes: %w", s.d.name, err)
			}
		}
	}
	return nil
}

type execQuerier interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkNewName applies the name and scope rules to the first publish of
// a name (also after the package was unpublished), inside the publish's
// transaction.
func (s *sqlStore) checkNewName(ctx context.Context, tx execQuerier, name, publisher string, admin bool, now int64) error {
	if ReservedName(name) {
		return &TrustError{Kind: ErrReservedName, Subject: name}
	}
	key := LookalikeKey(name)
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO package_names (lookalike, name, owner, created, bases_claimed) VALUES (?, ?, ?, ?, 1) ON CONFLICT (lookalike) DO NOTHING`),
		key, name, publisher, now); err != nil {
		return fmt.Errorf("store: package name: %w", err)
	}
	var had, owner string
	if err := tx.QueryRowContext(ctx, s.q(`SELECT name, owner FROM package_names WHERE lookalike = ?`), key).Scan(&had, &owner); err != nil {
		return fmt.Errorf("store: package name: %w", err)
	}
	if had != name {
		return &TrustError{Kind: ErrNameTaken, Subject: name, Owner: owner, Package: had}
	}
	if owner != publisher && owner != "" && !admin {
		// The name was published before and unpublished: only its owner
		// may publish it again.
		return &TrustError{Kind: ErrNameTaken, Subject: name, Owner: owner, Package: had}
	}
	sc := scopeOf(name)
	if sc == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO scopes (scope, owner, assigned, created) VALUES (?, ?, 0, ?) ON CONFLICT (scope) DO NOTHING`),
		sc, publisher, now); err != nil {
		return fmt.Errorf("store: scope: %w", err)
	}
	if err := tx.QueryRowContext(ctx, s.q(`SELECT owner FROM scopes WHERE scope = ?`), sc).Scan(&owner); err != nil {
		return fmt.Errorf("store: scope: %w", err)
	}
	if owner == publisher || admin {
		return nil
	}
	// Maintainers of another package of the scope may add packages to it.
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM maintainers WHERE username = ? AND name <> ? AND substr(name, 1, ?) = ? LIMIT 1`),
		publisher, name, len(sc)+1, sc+"/").Scan(&one)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return &TrustError{Kind: ErrScopeTaken, Subject: sc, Owner: owner}
	default:
		return fmt.Errorf("store: scope: %w", err)
	}
}

// baseAncestors lists base and every shorter prefix of it that ends
// before a '/' of its path ("https://h/a/b", "https://h/a", "https://h").
func baseAncestors(base string) []string {
	out := []string{base}
	host := 0
	if i := strings.Index(base, "://"); i >= 0 {
		host = i + 3
	}
	for i := len(base) - 1; i > host; i-- {
		if base[i] == '/' {
			out = append(out, base[:i])
		}
	}
	return out
}

// ownerOf returns the claim covering base: the owned base that is its
// longest prefix (nil when none).
func (s *sqlStore) ownerOf(ctx context.Context, q execQuerier, base string) (*Claim, error) {
	anc := baseAncestors(base)
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(anc)), ", ")
	args := make([]any, len(anc))
	for i, a := range anc {
		args[i] = a
	}
	rows, err := q.QueryContext(ctx, s.q(`SELECT base, owner, package, assigned, created FROM canonical_bases WHERE base IN (`+ph+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: canonical bases: %w", err)
	}
	defer rows.Close()
	var best *Claim
	for rows.Next() {
		var c Claim
		var assigned int
		var created int64
		if err := rows.Scan(&c.Key, &c.Owner, &c.Package, &assigned, &created); err != nil {
			return nil, fmt.Errorf("store: canonical bases: %w", err)
		}
		c.Kind, c.Assigned, c.Created = "canonical", assigned != 0, fromNanos(created)
		if best == nil || len(c.Key) > len(best.Key) {
			best = &c
		}
	}
	return best, rows.Err()
}

// claimCanonicals checks that publisher may use every base for package
// name and claims the unowned ones, inside the publish's transaction.
func (s *sqlStore) claimCanonicals(ctx context.Context, tx execQuerier, name, publisher string, bases []string, now int64) error {
	bases = append([]string(nil), bases...)
	sort.Strings(bases)
	for i, b := range bases {
		if b == "" || (i > 0 && b == bases[i-1]) {
			continue
		}
		allowed := func(c *Claim) bool { return c == nil || c.Owner == publisher || (c.Package != "" && c.Package == name) }
		c, err := s.ownerOf(ctx, tx, b)
		if err != nil {
			return err
		}
		if !allowed(c) {
			return &TrustError{Kind: ErrCanonicalTaken, Subject: c.Key, Owner: c.Owner, Package: c.Package}
		}
		if c != nil && c.Key == b {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO canonical_bases (base, owner, package, assigned, created) VALUES (?, ?, ?, 0, ?) ON CONFLICT (base) DO NOTHING`),
			b, publisher, name, now); err != nil {
			return fmt.Errorf("store: canonical base: %w", err)
		}
		// A concurrent publish may have claimed it first.
		if c, err = s.ownerOf(ctx, tx, b); err != nil {
			return err
		}
		if !allowed(c) {
			return &TrustError{Kind: ErrCanonicalTaken, Subject: c.Key, Owner: c.Owner, Package: c.Package}
		}
	}
	return nil
}

func (s *sqlStore) ClaimCanonicals(ctx context.Context, name, publisher string, bases []string, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.claimCanonicals(ctx, tx, name, publisher, bases, nanos(at)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE package_names SET bases_claimed = 1 WHERE name = ?`), name); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.Commit()
}

func (s *sqlStore) PackagesWithoutClaims(ctx context.Context) ([]string, error) {
	out, err := queryStrings(ctx, s.db, `SELECT p.name FROM packages p JOIN package_names n ON n.name = p.name
		WHERE n.bases_claimed = 0 ORDER BY p.created, p.name`)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CanonicalOwner(ctx context.Context, base string) (*Claim, error) {
	c, err := s.ownerOf(ctx, s.db, base)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, ErrNotFound
	}
	return c, nil
}

func (s *sqlStore) AssignCanonical(ctx context.Context, base, user string) error {
	return s.assign(ctx, `INSERT INTO canonical_bases (base, owner, package, assigned, created) VALUES (?, ?, '', 1, ?)
		ON CONFLICT (base) DO UPDATE SET owner = excluded.owner, package = '', assigned = 1`, base, user)
}

func (s *sqlStore) AssignScope(ctx context.Context, scope, user string) error {
	if !strings.HasPrefix(scope, "@") || strings.Contains(scope, "/") || !validPart(scope[1:]) {
		return fmt.Errorf("%w: %q is not an npm scope (@name)", ErrInvalid, scope)
	}
	return s.assign(ctx, `INSERT INTO scopes (scope, owner, assigned, created) VALUES (?, ?, 1, ?)
		ON CONFLICT (scope) DO UPDATE SET owner = excluded.owner, assigned = 1`, scope, user)
}

func (s *sqlStore) assign(ctx context.Context, query, key, user string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if _, err := s.User(ctx, user); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrNoUser, user)
	} else if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(query), key, user, nanos(time.Now())); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *sqlStore) Claims(ctx context.Context) ([]Claim, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT 'canonical', base, owner, package, assigned, created FROM canonical_bases
		UNION ALL SELECT 'scope', scope, owner, '', assigned, created FROM scopes ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		var c Claim
		var assigned int
		var created int64
		if err := rows.Scan(&c.Kind, &c.Key, &c.Owner, &c.Package, &assigned, &created); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		c.Assigned, c.Created = assigned != 0, fromNanos(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Deprecate sets (non-empty message) or clears (empty) the deprecation
// message of versions of a package.
func (s *sqlStore) Deprecate(ctx context.Context, a Actor, name string, messages map[string]string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.lockPackage(ctx, tx, a, name, -1); err != nil {
		return err
	}
	for ver, msg := range messages {
		var doc string
		err := tx.QueryRowContext(ctx, s.q(`SELECT doc FROM versions WHERE name = ? AND version = ?`), name, ver).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s@%s", ErrNotFound, name, ver)
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(doc), &m); err != nil || m == nil {
			return fmt.Errorf("store: version document of %s@%s: %v", name, ver, err)
		}
		if msg == "" {
			delete(m, "deprecated")
		} else {
			m["deprecated"] = msg
		}
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE versions SET doc = ? WHERE name = ? AND version = ?`), string(b), name, ver); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return tx.Commit()
}

// Unpublish removes versions of a package (every version when versions
// is empty), each published at or after notBefore (else ErrTooOld). rev
// is the revision the change was based on (negative: any). A package
// left without versions is removed; its name, scope and canonical bases
// stay claimed, and no removed version can be published again.
func (s *sqlStore) Unpublish(ctx context.Context, a Actor, name string, rev int64, versions []string, notBefore time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.lockPackage(ctx, tx, a, name, rev); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT version, published, sha512 FROM versions WHERE name = ?`), name)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	type stored struct {
		published int64
		sha       string
	}
	have := map[string]stored{}
	for rows.Next() {
		var v string
		var st stored
		if err := rows.Scan(&v, &st.published, &st.sha); err != nil {
			rows.Close()
			return fmt.Errorf("store: %w", err)
		}
		have[v] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if len(versions) == 0 {
		for v := range have {
			versions = append(versions, v)
		}
	}
	sort.Strings(versions)
	for _, v := range versions {
		st, ok := have[v]
		if !ok {
			return fmt.Errorf("%w: %s@%s", ErrNotFound, name, v)
		}
		if fromNanos(st.published).Before(notBefore) {
			return fmt.Errorf("%w: %s@%s was published %s", ErrTooOld, name, v, fromNanos(st.published).Format(time.RFC3339))
		}
	}
	now := nanos(time.Now())
	for _, v := range versions {
		for _, q := range []string{`DELETE FROM dist_tags WHERE name = ? AND version = ?`, `DELETE FROM versions WHERE name = ? AND version = ?`} {
			if _, err := tx.ExecContext(ctx, s.q(q), name, v); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO unpublished (name, version, at) VALUES (?, ?, ?) ON CONFLICT (name, version) DO NOTHING`), name, v, now); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM blobs WHERE sha512 = ? AND NOT EXISTS (SELECT 1 FROM versions WHERE sha512 = ?)`), have[v].sha, have[v].sha); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		delete(have, v)
	}
	if len(have) == 0 {
		for _, q := range []string{`DELETE FROM dist_tags WHERE name = ?`, `DELETE FROM maintainers WHERE name = ?`, `DELETE FROM packages WHERE name = ?`} {
			if _, err := tx.ExecContext(ctx, s.q(q), name); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		return tx.Commit()
	}
	// latest points at the newest remaining version when it was removed.
	var latest string
	err = tx.QueryRowContext(ctx, s.q(`SELECT version FROM dist_tags WHERE name = ? AND tag = 'latest'`), name).Scan(&latest)
	if errors.Is(err, sql.ErrNoRows) {
		remaining := make([]string, 0, len(have))
		for v := range have {
			remaining = append(remaining, v)
		}
		sort.Slice(remaining, func(i, j int) bool { return compareSemver(remaining[i], remaining[j]) < 0 })
		latest = remaining[len(remaining)-1]
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO dist_tags (name, tag, version) VALUES (?, 'latest', ?)`), name, latest); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	v, err := scanVersion(tx.QueryRowContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE name = ? AND version = ?`), name, latest))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE packages SET description = ?, fhir_version = ?, keywords = ?, latest = ?, publisher = ? WHERE name = ?`),
		v.Description, v.FHIRVersion, keywordsText(v.Keywords), v.Version, v.Publisher, name); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.Commit()
}

// compareSemver orders two valid semantic versions by precedence
// (major, minor, patch numerically; a pre-release before its release).
func compareSemver(a, b string) int {
	split := func(v string) ([3]int, string) {
		core, _, _ := strings.Cut(v, "+")
		core, pre, _ := strings.Cut(core, "-")
		var n [3]int
		for i, p := range strings.SplitN(core, ".", 3) {
			fmt.Sscan(p, &n[i])
		}
		return n, pre
	}
	na, pa := split(a)
	nb, pb := split(b)
	for i := range na {
		if na[i] != nb[i] {
			if na[i] < nb[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1
	case pb == "":
		return -1
	case pa < pb:
		return -1
	}
	return 1
}

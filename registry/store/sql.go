package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccg-project/ccg/internal/storagefault"
)

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	name     string
	blobType string
	// rebind turns '?' placeholders into the back end's own.
	rebind func(string) string
	// isUnique reports a unique-constraint violation.
	isUnique func(error) bool
	// hasColumn is a query with two '?' (table, column) counting the
	// column in the current schema.
	hasColumn string
}

// sqlStore implements Store on database/sql.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// The token lookup runs on every request authenticated by a ccg
	// token: it is prepared once (on each connection), not parsed each
	// time; a failed preparation is tried again by the next lookup.
	lookupMu   sync.Mutex
	lookupStmt *sql.Stmt
	// readOnly: opened read-only because the storage was full at start.
	readOnly bool
}

// Check reports whether the store is reachable and takes writes.
func (s *sqlStore) Check(ctx context.Context) error {
	if s.readOnly {
		return fmt.Errorf("store: %w", storagefault.ErrReadOnly)
	}
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *sqlStore) q(query string) string { return s.d.rebind(query) }

func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (s *sqlStore) migrate(ctx context.Context) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS blobs (
			sha512 TEXT PRIMARY KEY,
			size BIGINT NOT NULL,
			data ` + s.d.blobType + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS packages (
			name TEXT PRIMARY KEY,
			description TEXT NOT NULL,
			fhir_version TEXT NOT NULL,
			keywords TEXT NOT NULL,
			latest TEXT NOT NULL,
			publisher TEXT NOT NULL,
			created BIGINT NOT NULL,
			modified BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS versions (
			name TEXT NOT NULL REFERENCES packages(name),
			version TEXT NOT NULL,
			doc TEXT NOT NULL,
			integrity TEXT NOT NULL,
			shasum TEXT NOT NULL,
			sha512 TEXT NOT NULL REFERENCES blobs(sha512),
			size BIGINT NOT NULL,
			description TEXT NOT NULL,
			fhir_version TEXT NOT NULL,
			keywords TEXT NOT NULL,
			publisher TEXT NOT NULL,
			published BIGINT NOT NULL,
			PRIMARY KEY (name, version))`,
		`CREATE TABLE IF NOT EXISTS dist_tags (
			name TEXT NOT NULL REFERENCES packages(name),
			tag TEXT NOT NULL,
			version TEXT NOT NULL,
			PRIMARY KEY (name, tag))`,
		`CREATE TABLE IF NOT EXISTS users (
			name TEXT PRIMARY KEY,
			email TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			created BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS tokens (
			hash TEXT PRIMARY KEY,
			username TEXT NOT NULL REFERENCES users(name),
			publish INTEGER NOT NULL,
			created BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS packages_modified ON packages(modified)`,
		`CREATE TABLE IF NOT EXISTS maintainers (
			name TEXT NOT NULL REFERENCES packages(name),
			username TEXT NOT NULL,
			added BIGINT NOT NULL,
			PRIMARY KEY (name, username))`,
		`CREATE TABLE IF NOT EXISTS web_logins (
			done_hash TEXT PRIMARY KEY,
			login_hash TEXT NOT NULL UNIQUE,
			username TEXT NOT NULL,
			created BIGINT NOT NULL)`,
		upstreamDocTable,
	}
	for _, st := range append(stmts, s.trustTables()...) {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("store: migrate %s: %w", s.d.name, err)
		}
	}
	// Columns added after the first release: existing rows get the default.
	for _, c := range []struct{ table, column, decl string }{
		{"packages", "rev", "BIGINT NOT NULL DEFAULT 1"},
		{"tokens", "admin", "INTEGER NOT NULL DEFAULT 0"},
		{"tokens", "scopes", "TEXT NOT NULL DEFAULT ''"},
		{"tokens", "expires", "BIGINT NOT NULL DEFAULT 0"},
		{"users", "scopes", "TEXT NOT NULL DEFAULT ''"},
		{"versions", "canonical", "TEXT NOT NULL DEFAULT ''"},
	} {
		if err := s.addColumn(ctx, c.table, c.column, c.decl); err != nil {
			return err
		}
	}
	if err := s.backfillCanonicals(ctx); err != nil {
		return err
	}
	// Packages stored before ownership existed get their first publisher
	// as maintainer (only those without any maintainer, so this is a no-op
	// on every later start).
	if _, err := s.db.ExecContext(ctx, `INSERT INTO maintainers (name, username, added)
		SELECT v.name, v.publisher, v.published FROM versions v
		WHERE v.publisher <> ''
		  AND NOT EXISTS (SELECT 1 FROM maintainers m WHERE m.name = v.name)
		  AND EXISTS (SELECT 1 FROM users u WHERE u.name = v.publisher)
		  AND v.published = (SELECT min(w.published) FROM versions w WHERE w.name = v.name)
		ON CONFLICT (name, username) DO NOTHING`); err != nil {
		return fmt.Errorf("store: migrate %s: maintainers: %w", s.d.name, err)
	}
	return s.migrateTrust(ctx)
}

// addColumn adds a column unless the table has it already.
func (s *sqlStore) addColumn(ctx context.Context, table, column, decl string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(s.d.hasColumn), table, column).Scan(&n); err != nil {
		return fmt.Errorf("store: migrate %s: %s.%s: %w", s.d.name, table, column, err)
	}
	if n > 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+column+` `+decl)
	if err != nil && !strings.Contains(strings.ToLower(err.Error()), "duplicate column") && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("store: migrate %s: add %s.%s: %w", s.d.name, table, column, err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	s.lookupMu.Lock()
	if s.lookupStmt != nil {
		s.lookupStmt.Close()
	}
	s.lookupMu.Unlock()
	return s.db.Close()
}

func nanos(t time.Time) int64 { return t.UTC().UnixNano() }
func fromNanos(n int64) time.Time {
	return time.Unix(0, n).UTC()
}

func keywordsText(k []string) string {
	if k == nil {
		k = []string{}
	}
	b, _ := json.Marshal(k)
	return string(b)
}

func parseKeywords(s string) []string {
	var k []string
	if json.Unmarshal([]byte(s), &k) != nil {
		return nil
	}
	return k
}

// ValidName reports whether name is an acceptable npm package name
// (lower case, optionally scoped, URL-safe characters only).
func ValidName(name string) bool {
	if name == "" || len(name) > 214 {
		return false
	}
	rest := name
	if strings.HasPrefix(name, "@") {
		scope, pkg, ok := strings.Cut(name[1:], "/")
		if !ok || !validPart(scope) || !validPart(pkg) {
			return false
		}
		return true
	}
	return validPart(rest)
}

func validPart(p string) bool {
	if p == "" || p[0] == '.' || p[0] == '_' {
		return false
	}
	for _, c := range p {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// ValidVersion reports whether v is a semantic version (major.minor.patch
// with optional pre-release and build parts).
func ValidVersion(v string) bool {
	if v == "" || len(v) > 256 {
		return false
	}
	core, _, _ := strings.Cut(v, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	if hasPre && pre == "" {
		return false
	}
	for _, c := range v[len(core):] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

func (s *sqlStore) Publish(ctx context.Context, req PublishRequest) (err error) {
	v := req.Version
	if !ValidName(v.Name) || !ValidVersion(v.Version) {
		return fmt.Errorf("%w: bad package name or version %q@%q", ErrInvalid, v.Name, v.Version)
	}
	if len(req.Tarball) == 0 || !json.Valid(v.Doc) {
		return fmt.Errorf("%w: empty tarball or bad version document", ErrInvalid)
	}
	sum := SHA512Hex(req.Tarball)
	if v.SHA512 != "" && v.SHA512 != sum {
		return fmt.Errorf("%w: tarball digest mismatch", ErrInvalid)
	}
	for tag, tv := range req.DistTags {
		if tv != v.Version || tag == "" {
			return fmt.Errorf("%w: dist-tag %q must point at the published version", ErrInvalid, tag)
		}
	}
	if v.Published.IsZero() {
		v.Published = time.Now()
	}
	now := nanos(v.Published)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var one int
	switch e := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM versions WHERE name = ? AND version = ?
		UNION ALL SELECT 1 FROM unpublished WHERE name = ? AND version = ?`), v.Name, v.Version, v.Name, v.Version).Scan(&one); {
	case e == nil:
		return ErrVersionExists
	case !errors.Is(e, sql.ErrNoRows):
		return fmt.Errorf("store: %w", e)
	}
	existed := true
	switch e := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM packages WHERE name = ?`), v.Name).Scan(&one); {
	case errors.Is(e, sql.ErrNoRows):
		existed = false
	case e != nil:
		return fmt.Errorf("store: %w", e)
	}
	if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO blobs (sha512, size, data) VALUES (?, ?, ?) ON CONFLICT (sha512) DO NOTHING`),
		sum, int64(len(req.Tarball)), req.Tarball); err != nil {
		return fmt.Errorf("store: blob: %w", err)
	}
	kw := keywordsText(v.Keywords)
	_, latest := req.DistTags["latest"]
	// The upsert locks the package row, so concurrent first publishes of
	// one name by different users are serialised and only one owns it.
	if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO packages (name, description, fhir_version, keywords, latest, publisher, created, modified, rev)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (name) DO UPDATE SET modified = excluded.modified, rev = packages.rev + 1`),
		v.Name, v.Description, v.FHIRVersion, kw, v.Version, v.Publisher, now, now); err != nil {
		return fmt.Errorf("store: package: %w", err)
	}
	owners, err := maintainerNames(ctx, tx, s, v.Name)
	if err != nil {
		return err
	}
	switch {
	case len(owners) == 0 && v.Publisher != "":
		if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO maintainers (name, username, added) VALUES (?, ?, ?)`), v.Name, v.Publisher, now); err != nil {
			return fmt.Errorf("store: maintainer: %w", err)
		}
	case len(owners) > 0 && !req.Admin && !contains(owners, v.Publisher):
		err = fmt.Errorf("%w: %s is not a maintainer of %s", ErrForbidden, v.Publisher, v.Name)
		return err
	}
	if !existed {
		if err = s.checkNewName(ctx, tx, v.Name, v.Publisher, req.Admin, now); err != nil {
			return err
		}
	}
	if err = s.claimCanonicals(ctx, tx, v.Name, v.Publisher, req.Canonicals, now); err != nil {
		return err
	}
	if latest {
		if _, err = tx.ExecContext(ctx, s.q(`UPDATE packages SET description = ?, fhir_version = ?, keywords = ?, latest = ?, publisher = ? WHERE name = ?`),
			v.Description, v.FHIRVersion, kw, v.Version, v.Publisher, v.Name); err != nil {
			return fmt.Errorf("store: package: %w", err)
		}
	}
	if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO versions (name, version, doc, integrity, shasum, sha512, size, description, fhir_version, keywords, publisher, published, canonical)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		v.Name, v.Version, string(v.Doc), v.Integrity, v.Shasum, sum, int64(len(req.Tarball)), v.Description, v.FHIRVersion, kw, v.Publisher, now, v.Canonical); err != nil {
		if s.d.isUnique(err) {
			err = ErrVersionExists
			return err
		}
		return fmt.Errorf("store: version: %w", err)
	}
	for tag, tv := range req.DistTags {
		if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO dist_tags (name, tag, version) VALUES (?, ?, ?)
			ON CONFLICT (name, tag) DO UPDATE SET version = excluded.version`), v.Name, tag, tv); err != nil {
			return fmt.Errorf("store: dist-tag: %w", err)
		}
	}
	if err = tx.Commit(); err != nil {
		if s.d.isUnique(err) {
			return ErrVersionExists
		}
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// maintainerNames lists the user names owning a package.
func maintainerNames(ctx context.Context, q querier, s *sqlStore, name string) ([]string, error) {
	out, err := queryStrings(ctx, q, s.q(`SELECT username FROM maintainers WHERE name = ? ORDER BY added, username`), name)
	if err != nil {
		return nil, fmt.Errorf("store: maintainers: %w", err)
	}
	return out, nil
}

// queryStrings runs a query of one text column and returns its values.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lockPackage bumps the revision of a package (locking its row until the
// transaction ends) and checks that a may change it. rev >= 0 must equal
// the stored revision.
func (s *sqlStore) lockPackage(ctx context.Context, tx *sql.Tx, a Actor, name string, rev int64) error {
	var cur int64
	err := tx.QueryRowContext(ctx, s.q(`UPDATE packages SET rev = rev + 1, modified = ? WHERE name = ? RETURNING rev`), nanos(time.Now()), name).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if rev >= 0 && cur-1 != rev {
		return fmt.Errorf("%w: %s is at revision %d, not %d", ErrConflict, name, cur-1, rev)
	}
	if a.Admin {
		return nil
	}
	owners, err := maintainerNames(ctx, tx, s, name)
	if err != nil {
		return err
	}
	if len(owners) > 0 && !contains(owners, a.User) {
		return fmt.Errorf("%w: %s is not a maintainer of %s", ErrForbidden, a.User, name)
	}
	return nil
}

const versionCols = `name, version, doc, integrity, shasum, sha512, size, description, fhir_version, keywords, publisher, published, canonical`

func scanVersion(sc interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var doc, kw string
	var pub int64
	err := sc.Scan(&v.Name, &v.Version, &doc, &v.Integrity, &v.Shasum, &v.SHA512, &v.Size, &v.Description, &v.FHIRVersion, &kw, &v.Publisher, &pub, &v.Canonical)
	v.Doc = json.RawMessage(doc)
	v.Keywords = parseKeywords(kw)
	v.Published = fromNanos(pub)
	return v, err
}

func (s *sqlStore) Package(ctx context.Context, name string) (*Package, error) {
	p := &Package{Name: name, DistTags: map[string]string{}}
	var kw string
	var created, modified int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT description, fhir_version, keywords, latest, created, modified, rev FROM packages WHERE name = ?`), name).
		Scan(&p.Description, &p.FHIRVersion, &kw, &p.Latest, &created, &modified, &p.Rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	p.Keywords = parseKeywords(kw)
	p.Created, p.Modified = fromNanos(created), fromNanos(modified)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE name = ? ORDER BY published, version`), name)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		p.Versions = append(p.Versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	trows, err := s.db.QueryContext(ctx, s.q(`SELECT tag, version FROM dist_tags WHERE name = ?`), name)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var t, v string
		if err := trows.Scan(&t, &v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		p.DistTags[t] = v
	}
	if err := trows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	mrows, err := s.db.QueryContext(ctx, s.q(`SELECT m.username, COALESCE(u.email, '') FROM maintainers m LEFT JOIN users u ON u.name = m.username
		WHERE m.name = ? ORDER BY m.added, m.username`), name)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var m Maintainer
		if err := mrows.Scan(&m.Name, &m.Email); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		p.Maintainers = append(p.Maintainers, m)
	}
	return p, mrows.Err()
}

func (s *sqlStore) Version(ctx context.Context, name, version string) (*Version, error) {
	v, err := scanVersion(s.db.QueryRowContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE name = ? AND version = ?`), name, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &v, nil
}

func (s *sqlStore) Tarball(ctx context.Context, name, version string) ([]byte, error) {
	var sum string
	var data []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT b.sha512, b.data FROM versions v JOIN blobs b ON b.sha512 = v.sha512 WHERE v.name = ? AND v.version = ?`), name, version).Scan(&sum, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if SHA512Hex(data) != sum {
		return nil, fmt.Errorf("%w: %s@%s", ErrCorrupt, name, version)
	}
	return data, nil
}

func (s *sqlStore) SetDistTag(ctx context.Context, a Actor, name, tag, version string) error {
	if tag == "" || ValidVersion(tag) {
		return fmt.Errorf("%w: bad tag %q", ErrInvalid, tag)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.lockPackage(ctx, tx, a, name, -1); err != nil {
		return err
	}
	v, err := scanVersion(tx.QueryRowContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE name = ? AND version = ?`), name, version))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO dist_tags (name, tag, version) VALUES (?, ?, ?)
		ON CONFLICT (name, tag) DO UPDATE SET version = excluded.version`), name, tag, version); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if tag == "latest" {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE packages SET description = ?, fhir_version = ?, keywords = ?, latest = ?, publisher = ? WHERE name = ?`),
			v.Description, v.FHIRVersion, keywordsText(v.Keywords), v.Version, v.Publisher, name); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return tx.Commit()
}

func (s *sqlStore) DeleteDistTag(ctx context.Context, a Actor, name, tag string) error {
	if tag == "latest" {
		return fmt.Errorf("%w: the latest tag cannot be removed", ErrInvalid)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.lockPackage(ctx, tx, a, name, -1); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM dist_tags WHERE name = ? AND tag = ?`), name, tag)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return tx.Commit()
}

func (s *sqlStore) SetMaintainers(ctx context.Context, a Actor, name string, rev int64, users []string) error {
	if len(users) == 0 {
		return fmt.Errorf("%w: a package needs at least one maintainer", ErrInvalid)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := s.lockPackage(ctx, tx, a, name, rev); err != nil {
		return err
	}
	now := nanos(time.Now())
	keep := map[string]bool{}
	for _, u := range users {
		var one int
		switch err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM users WHERE name = ?`), u).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: %q", ErrNoUser, u)
		case err != nil:
			return fmt.Errorf("store: %w", err)
		}
		keep[u] = true
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO maintainers (name, username, added) VALUES (?, ?, ?) ON CONFLICT (name, username) DO NOTHING`), name, u, now); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	old, err := maintainerNames(ctx, tx, s, name)
	if err != nil {
		return err
	}
	for _, u := range old {
		if !keep[u] {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM maintainers WHERE name = ? AND username = ?`), name, u); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func (s *sqlStore) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int, error) {
	var where []string
	var args []any
	for _, term := range strings.Fields(q.Text) {
		if len(where) > 16 {
			break
		}
		l := likeEscape(term)
		where = append(where, `(lower(name) LIKE ? ESCAPE '\' OR lower(description) LIKE ? ESCAPE '\' OR lower(keywords) LIKE ? ESCAPE '\')`)
		args = append(args, l, l, l)
	}
	if q.Name != "" {
		where = append(where, `lower(name) LIKE ? ESCAPE '\'`)
		args = append(args, likeEscape(q.Name))
	}
	if q.FHIRVersion != "" {
		where = append(where, `fhir_version LIKE ? ESCAPE '\'`)
		args = append(args, strings.TrimSuffix(likeEscape(q.FHIRVersion), "%")[1:]+"%")
	}
	if q.Canonical != "" {
		// The latest version's canonical is the one asked for, or the
		// one asked for lies below it.
		where = append(where, `EXISTS (SELECT 1 FROM versions v WHERE v.name = packages.name AND v.version = packages.latest
			AND v.canonical <> '' AND (v.canonical = ? OR substr(?, 1, length(v.canonical) + 1) = v.canonical || '/'))`)
		args = append(args, q.Canonical, q.Canonical)
	}
	if !q.Since.IsZero() {
		where = append(where, `modified >= ?`)
		args = append(args, nanos(q.Since))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM packages`+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: %w", err)
	}
	size := q.Size
	if size <= 0 {
		size = 20
	}
	if size > 1000 {
		size = 1000
	}
	from := max(q.From, 0)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, latest, description, fhir_version, keywords, publisher, modified FROM packages`+cond+
		` ORDER BY modified DESC, name LIMIT ? OFFSET ?`), append(args, size, from)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var hits []SearchHit
	for rows.Next() {
		var h SearchHit
		var kw string
		var mod int64
		if err := rows.Scan(&h.Name, &h.Version, &h.Description, &h.FHIRVersion, &kw, &h.Publisher, &mod); err != nil {
			return nil, 0, fmt.Errorf("store: %w", err)
		}
		h.Keywords = parseKeywords(kw)
		h.Modified = fromNanos(mod)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: %w", err)
	}
	rows.Close()
	if len(hits) == 0 {
		return hits, total, nil
	}
	// The maintainers of the page's packages, in one query.
	at := map[string]int{}
	ph := make([]string, 0, len(hits))
	margs := make([]any, 0, len(hits))
	for i, h := range hits {
		at[h.Name] = i
		ph = append(ph, "?")
		margs = append(margs, h.Name)
	}
	mrows, err := s.db.QueryContext(ctx, s.q(`SELECT m.name, m.username, COALESCE(u.email, '') FROM maintainers m LEFT JOIN users u ON u.name = m.username
		WHERE m.name IN (`+strings.Join(ph, ", ")+`) ORDER BY m.added, m.username`), margs...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var name string
		var m Maintainer
		if err := mrows.Scan(&name, &m.Name, &m.Email); err != nil {
			return nil, 0, fmt.Errorf("store: %w", err)
		}
		if i, ok := at[name]; ok {
			hits[i].Maintainers = append(hits[i].Maintainers, m)
		}
	}
	return hits, total, mrows.Err()
}

func (s *sqlStore) CreateUser(ctx context.Context, u User) error {
	if u.Name == "" {
		return fmt.Errorf("%w: empty user name", ErrInvalid)
	}
	if u.Created.IsZero() {
		u.Created = time.Now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO users (name, email, password_hash, scopes, created) VALUES (?, ?, ?, ?, ?)`),
		u.Name, u.Email, u.PasswordHash, strings.Join(u.Scopes, " "), nanos(u.Created))
	if err != nil {
		if s.d.isUnique(err) {
			return ErrUserExists
		}
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *sqlStore) User(ctx context.Context, name string) (*User, error) {
	u := &User{Name: name}
	var c int64
	var scopes string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT email, password_hash, scopes, created FROM users WHERE name = ?`), name).Scan(&u.Email, &u.PasswordHash, &scopes, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	u.Scopes = strings.Fields(scopes)
	u.Created = fromNanos(c)
	return u, nil
}

func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	if t.Hash == "" || t.User == "" {
		return fmt.Errorf("%w: token needs a hash and a user", ErrInvalid)
	}
	if _, err := s.User(ctx, t.User); err != nil {
		return err
	}
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	pub, adm := 0, 0
	if t.Publish || t.Admin {
		pub = 1
	}
	if t.Admin {
		adm = 1
	}
	var exp int64
	if !t.Expires.IsZero() {
		exp = nanos(t.Expires)
	}
	// Expired tokens are of no use: each new token clears them away.
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE expires > 0 AND expires < ?`), nanos(t.Created)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO tokens (hash, username, publish, admin, scopes, expires, created) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		t.Hash, t.User, pub, adm, strings.Join(t.Scopes, " "), exp, nanos(t.Created)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

const tokenColumns = `hash, username, publish, admin, scopes, expires, created`

func scanToken(row interface{ Scan(...any) error }) (*Token, error) {
	t := &Token{}
	var pub, adm int
	var c, exp int64
	var scopes string
	if err := row.Scan(&t.Hash, &t.User, &pub, &adm, &scopes, &exp, &c); err != nil {
		return nil, err
	}
	t.Publish = pub != 0
	t.Admin = adm != 0
	t.Scopes = strings.Fields(scopes)
	if exp != 0 {
		t.Expires = fromNanos(exp)
	}
	t.Created = fromNanos(c)
	return t, nil
}

// tokenLookup is the prepared token lookup.
func (s *sqlStore) tokenLookup(ctx context.Context) (*sql.Stmt, error) {
	s.lookupMu.Lock()
	defer s.lookupMu.Unlock()
	if s.lookupStmt == nil {
		stmt, err := s.db.PrepareContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`))
		if err != nil {
			return nil, err
		}
		s.lookupStmt = stmt
	}
	return s.lookupStmt, nil
}

func (s *sqlStore) LookupToken(ctx context.Context, hash string) (*Token, error) {
	stmt, err := s.tokenLookup(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	t, err := scanToken(stmt.QueryRowContext(ctx, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return t, nil
}

func (s *sqlStore) ListTokens(ctx context.Context, user string) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE ? = '' OR username = ? ORDER BY created, hash`), user, user)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteToken(ctx context.Context, hash string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE hash = ?`), hash)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) CreateWebLogin(ctx context.Context, loginHash, doneHash string, since time.Time) error {
	if loginHash == "" || doneHash == "" || loginHash == doneHash {
		return fmt.Errorf("%w: a web login needs two distinct hashes", ErrInvalid)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_logins WHERE created < ?`), nanos(since)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO web_logins (done_hash, login_hash, username, created) VALUES (?, ?, '', ?)`),
		doneHash, loginHash, nanos(time.Now())); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *sqlStore) CountWebLogins(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM web_logins WHERE created >= ?`), nanos(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return n, nil
}

func (s *sqlStore) PendingWebLogin(ctx context.Context, loginHash string, since time.Time) error {
	var one int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT 1 FROM web_logins WHERE login_hash = ? AND username = '' AND created >= ?`), loginHash, nanos(since)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *sqlStore) ApproveWebLogin(ctx context.Context, loginHash, user string, since time.Time) error {
	if user == "" {
		return fmt.Errorf("%w: empty user", ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE web_logins SET username = ? WHERE login_hash = ? AND username = '' AND created >= ?`),
		user, loginHash, nanos(since))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) ClaimWebLogin(ctx context.Context, doneHash string, since time.Time) (string, error) {
	var user string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT username FROM web_logins WHERE done_hash = ? AND created >= ?`), doneHash, nanos(since)).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	if user == "" {
		return "", nil
	}
	// Only the caller whose DELETE removes the row gets the user.
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_logins WHERE done_hash = ? AND username = ?`), doneHash, user)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", ErrNotFound
	}
	return user, nil
}

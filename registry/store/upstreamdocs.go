package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UpstreamDoc is a package document read from an upstream registry, kept
// in the store so that it need not be fetched again (nor held in memory)
// until it is older than its upstream's time to live.
type UpstreamDoc struct {
	Name     string
	Upstream string // the upstream's name (--upstream NAME=...)
	Doc      []byte // the document as the upstream sent it
	Fetched  time.Time
}

// upstreamDocTable is created by migrate.
const upstreamDocTable = `CREATE TABLE IF NOT EXISTS upstream_docs (
	name TEXT PRIMARY KEY,
	upstream TEXT NOT NULL,
	doc TEXT NOT NULL,
	fetched BIGINT NOT NULL)`

// CachedUpstreamDoc returns the upstream document kept for name, or
// ErrNotFound.
func (s *sqlStore) CachedUpstreamDoc(ctx context.Context, name string) (*UpstreamDoc, error) {
	d := &UpstreamDoc{Name: name}
	var doc string
	var fetched int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT upstream, doc, fetched FROM upstream_docs WHERE name = ?`), name).Scan(&d.Upstream, &doc, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	d.Doc, d.Fetched = []byte(doc), fromNanos(fetched)
	return d, nil
}

// PutUpstreamDoc keeps (or replaces) the upstream document of d.Name.
func (s *sqlStore) PutUpstreamDoc(ctx context.Context, d UpstreamDoc) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO upstream_docs (name, upstream, doc, fetched) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET upstream = excluded.upstream, doc = excluded.doc, fetched = excluded.fetched`),
		d.Name, d.Upstream, string(d.Doc), nanos(d.Fetched))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// RecentVersions returns the newest versions (at most limit, newest
// first) whose publisher does not start with excludePublisher (when not
// ""): the package feed.
func (s *sqlStore) RecentVersions(ctx context.Context, limit int, excludePublisher string) ([]Version, error) {
	cond, args := "", []any{}
	if excludePublisher != "" {
		cond = ` WHERE publisher NOT LIKE ? ESCAPE '\'`
		args = append(args, strings.TrimSuffix(likeEscape(excludePublisher), "%")[1:]+"%")
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+versionCols+` FROM versions`+cond+` ORDER BY published DESC, name, version LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CanonicalOf is the canonical URL a package.json (or a version document
// holding its fields) names: "canonical", else "url", without a trailing
// slash; "" when it names none.
func CanonicalOf(fields map[string]any) string {
	for _, k := range []string{"canonical", "url"} {
		if s, ok := fields[k].(string); ok && s != "" {
			return strings.TrimSuffix(s, "/")
		}
	}
	return ""
}

// backfillCanonicals sets the canonical of versions stored before the
// column existed from their documents (only rows whose document names
// one are read).
func (s *sqlStore) backfillCanonicals(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT name, version, doc FROM versions WHERE canonical = '' AND (doc LIKE '%"canonical"%' OR doc LIKE '%"url"%')`)
	if err != nil {
		return fmt.Errorf("store: migrate %s: canonicals: %w", s.d.name, err)
	}
	type row struct{ name, version, canonical string }
	var found []row
	for rows.Next() {
		var r row
		var doc string
		if err := rows.Scan(&r.name, &r.version, &doc); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate %s: canonicals: %w", s.d.name, err)
		}
		var fields map[string]any
		if json.Unmarshal([]byte(doc), &fields) == nil {
			if r.canonical = CanonicalOf(fields); r.canonical != "" {
				found = append(found, r)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrate %s: canonicals: %w", s.d.name, err)
	}
	for _, r := range found {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE versions SET canonical = ? WHERE name = ? AND version = ?`), r.canonical, r.name, r.version); err != nil {
			return fmt.Errorf("store: migrate %s: canonicals: %w", s.d.name, err)
		}
	}
	return nil
}

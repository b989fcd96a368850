package store

import (
	"context"
	"database/sql"
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

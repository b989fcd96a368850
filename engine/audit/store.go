package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/ccg-project/ccg/internal/private"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/internal/storagefault"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Record is a stored AuditEvent.
type Record struct {
	ID       string
	Recorded time.Time
	Kind     string
	Patient  string // "Patient/id"
	Outcome  string
	Resource map[string]any
}

// Query selects records; zero fields do not filter.
type Query struct {
	Patient  string
	From, To time.Time // recorded in [From, To)
	Outcome  string
	Kind     string
	// Count bounds the result (0: 100); newest first.
	Count int
	// After, when set, continues a paged search: only records that sort
	// after it (older, or as old with a greater id) are returned.
	After *Cursor
}

// Cursor is a position in the search order (recorded descending, then id
// ascending). Events appended later are newer, so a page that continues
// from a cursor is not shifted by them.
type Cursor struct {
	Recorded time.Time
	ID       string
}

// CursorOf is the position just past r.
func CursorOf(r Record) *Cursor { return &Cursor{Recorded: r.Recorded, ID: r.ID} }

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = errors.New("audit event not found")

// Store persists AuditEvents. Append returns once the event is durable.
//
// The stores Open returns also have Check(ctx) error, which reports
// whether new events can be stored (see Checker).
type Store interface {
	Append(ctx context.Context, resource map[string]any, kind, patient string) (Record, error)
	Search(ctx context.Context, q Query) ([]Record, error)
	// Each calls fn for the records q selects, in search order, with each
	// record's stored JSON (Record.Resource is nil), reading them one at a
	// time; it stops at fn's first error and returns it.
	Each(ctx context.Context, q Query, fn func(Record, []byte) error) error
	// Total counts the records q matches, ignoring its Count and After.
	Total(ctx context.Context, q Query) (int, error)
	Get(ctx context.Context, id string) (Record, error)
	Close() error
}

// Checker is a store that can tell whether it takes writes.
type Checker interface {
	Check(ctx context.Context) error
}

// SQLiteFile is the database file of OpenSQLite in its directory.
const SQLiteFile = "audit.db"

// Open picks the back end: a postgres:// DSN opens PostgreSQL, "" the
// SQLite database in dir.
func Open(ctx context.Context, db, dir string) (Store, error) {
	switch {
	case db == "":
		return OpenSQLite(ctx, dir)
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return OpenPostgres(ctx, db)
	}
	return nil, fmt.Errorf("audit: unsupported database %q", private.DSN(db))
}

// OpenSQLite opens (creating) the SQLite audit database in dir, in WAL
// mode with synchronous=FULL so that an appended event survives a crash.
func OpenSQLite(ctx context.Context, dir string) (Store, error) {
	if err := private.Dir(dir); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := private.File(filepath.Join(dir, SQLiteFile)); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, SQLiteFile)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("audit: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(4)
	s := &sqlStore{db: db, dollar: false, dir: dir}
	if err := s.migrate(ctx, "BLOB"); err != nil {
		db.Close()
		if storagefault.Is(err) {
			// A full disk: serve what is stored, refuse new events.
			if ro, rerr := storagefault.OpenSQLiteReadOnly(ctx, filepath.Join(dir, SQLiteFile), "ccg_audit_event"); rerr == nil {
				return &sqlStore{db: ro, readOnly: true, dir: dir}, nil
			}
		}
		return nil, err
	}
	s.w = newWriter(s)
	return s, nil
}

// OpenPostgres opens the PostgreSQL audit store and creates its table.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: connect postgres: %w", err)
	}
	s := &sqlStore{db: db, dollar: true}
	if err := s.migrate(ctx, "BYTEA"); err != nil {
		db.Close()
		return nil, err
	}
	s.w = newWriter(s)
	return s, nil
}

type sqlStore struct {
	db     *sql.DB
	dollar bool // PostgreSQL placeholders
	// readOnly: opened read-only because the storage was full at start.
	readOnly bool
	// dir is the SQLite database's directory ("" for PostgreSQL).
	dir string
	// w writes the appended events (nil when read-only).
	w *writer
	// fault is when an append last failed for lack of storage (Unix
	// nanoseconds; 0: none since the last successful append).
	fault atomic.Int64
}

func (s *sqlStore) migrate(ctx context.Context, blob string) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ccg_audit_event (
			id TEXT PRIMARY KEY,
			recorded_ns BIGINT NOT NULL,
			kind TEXT NOT NULL,
			patient TEXT NOT NULL,
			outcome TEXT NOT NULL,
			resource ` + blob + ` NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS ccg_audit_event_patient ON ccg_audit_event (patient, recorded_ns)`,
		`CREATE INDEX IF NOT EXISTS ccg_audit_event_recorded ON ccg_audit_event (recorded_ns)`,
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("audit: migrate: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) rebind(q string) string {
	if !s.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *sqlStore) Append(ctx context.Context, res map[string]any, kind, patient string) (Record, error) {
	rec := Record{ID: fj.ID(res), Kind: kind, Patient: patient, Outcome: fj.Str(res, "outcome"), Resource: res}
	t, err := time.Parse(time.RFC3339Nano, fj.Str(res, "recorded"))
	if err != nil {
		return rec, fmt.Errorf("audit: recorded: %w", err)
	}
	rec.Recorded = t
	body, err := fj.MarshalCompact(res)
	if err != nil {
		return rec, err
	}
	if s.readOnly {
		return rec, fmt.Errorf("audit: append: %w", storagefault.ErrReadOnly)
	}
	err = s.w.write(ctx, &row{id: rec.ID, recordedNS: t.UnixNano(), kind: kind, patient: patient, outcome: rec.Outcome, body: body})
	if err != nil {
		if storagefault.Is(err) {
			s.fault.Store(time.Now().UnixNano())
		}
		return rec, err
	}
	s.fault.Store(0)
	return rec, nil
}

// faultHold is how long a failed append for lack of storage makes Check
// fail (a later successful append clears it at once).
const faultHold = 30 * time.Second

// Check reports whether the store can take events: it is reachable, not
// read-only, no append failed for lack of storage in the last faultHold,
// and (SQLite) its directory has storagefault.MinFree bytes left.
func (s *sqlStore) Check(ctx context.Context) error {
	if s.readOnly {
		return fmt.Errorf("audit: %w", storagefault.ErrReadOnly)
	}
	if f := s.fault.Load(); f != 0 && time.Since(time.Unix(0, f)) < faultHold {
		return errors.New("audit: the last write failed: storage full or read-only")
	}
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if s.dir != "" {
		if err := storagefault.CheckFree(s.dir); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}

// filter is the WHERE clause (with its leading keyword, or "") of q.
func filter(q Query, paged bool) (string, []any) {
	var where []string
	var args []any
	if q.Patient != "" {
		where, args = append(where, "patient = ?"), append(args, q.Patient)
	}
	if !q.From.IsZero() {
		where, args = append(where, "recorded_ns >= ?"), append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		where, args = append(where, "recorded_ns < ?"), append(args, q.To.UnixNano())
	}
	if q.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, q.Outcome)
	}
	if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, q.Kind)
	}
	if paged && q.After != nil {
		ns := q.After.Recorded.UnixNano()
		where = append(where, "(recorded_ns < ? OR (recorded_ns = ? AND id > ?))")
		args = append(args, ns, ns, q.After.ID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func (s *sqlStore) Search(ctx context.Context, q Query) ([]Record, error) {
	var out []Record
	err := s.Each(ctx, q, func(r Record, body []byte) error {
		m, err := fj.DecodeObj(body)
		if err != nil {
			return fmt.Errorf("audit: stored event %s: %w", r.ID, err)
		}
		r.Resource = m
		out = append(out, r)
		return nil
	})
	return out, err
}

func (s *sqlStore) Each(ctx context.Context, q Query, fn func(Record, []byte) error) error {
	where, args := filter(q, true)
	n := q.Count
	if n <= 0 {
		n = 100
	}
	query := `SELECT id, recorded_ns, kind, patient, outcome, resource FROM ccg_audit_event` + where
	query += fmt.Sprintf(" ORDER BY recorded_ns DESC, id LIMIT %d", n)
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("audit: search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, body, err := scanRaw(rows)
		if err != nil {
			return err
		}
		if err := fn(r, body); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *sqlStore) Total(ctx context.Context, q Query) (int, error) {
	where, args := filter(q, false)
	var n int
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM ccg_audit_event`+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: count: %w", err)
	}
	return n, nil
}

type scanner interface{ Scan(...any) error }

func scanRaw(sc scanner) (Record, []byte, error) {
	var r Record
	var ns int64
	var body []byte
	if err := sc.Scan(&r.ID, &ns, &r.Kind, &r.Patient, &r.Outcome, &body); err != nil {
		return r, nil, err
	}
	r.Recorded = time.Unix(0, ns).UTC()
	return r, body, nil
}

func scan(sc scanner) (Record, error) {
	r, body, err := scanRaw(sc)
	if err != nil {
		return r, err
	}
	m, err := fj.DecodeObj(body)
	if err != nil {
		return r, fmt.Errorf("audit: stored event %s: %w", r.ID, err)
	}
	r.Resource = m
	return r, nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (Record, error) {
	row := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, recorded_ns, kind, patient, outcome, resource FROM ccg_audit_event WHERE id = ?`), id)
	r, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// Close fails the appends still waiting and closes the database.
func (s *sqlStore) Close() error {
	if s.w != nil {
		s.w.close()
	}
	return s.db.Close()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/ccg-project/ccg/internal/private"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// OpenPostgres opens the PostgreSQL store at dsn (postgres://... or
// key=value form) and creates its tables when missing.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	s := &sqlStore{db: db, d: dialect{
		name:      "postgres",
		blobType:  "BYTEA",
		rebind:    rebindDollar,
		hasColumn: `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
		isUnique: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505"
		},
	}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Open picks the back end: a postgres:// or postgresql:// DSN opens
// PostgreSQL; an empty db opens SQLite in dataDir.
func Open(ctx context.Context, db, dataDir string) (Store, error) {
	switch {
	case db == "":
		return OpenSQLite(ctx, dataDir)
	case len(db) > 11 && (db[:11] == "postgres://" || (len(db) > 13 && db[:13] == "postgresql://")):
		return OpenPostgres(ctx, db)
	default:
		return nil, fmt.Errorf("store: unsupported database %q (want empty for SQLite or a postgres:// URL)", private.DSN(db))
	}
}

// Package storagefault recognises errors that mean a store cannot take
// writes now — the disk is full, a quota is reached, the database went
// read-only — so that HTTP handlers answer them with 507 Insufficient
// Storage and a neutral message instead of a 500 with the database's
// text, and stores can start read-only instead of not at all.
package storagefault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrReadOnly is returned by writes to a store that was opened read-only
// because its storage could not be written when the server started.
var ErrReadOnly = errors.New("the store is read-only: its storage could not be written when the server started")

// HTTP answer to a storage fault.
const (
	// Status is 507 Insufficient Storage.
	Status = 507
	// RetryAfter is the Retry-After header value, in seconds.
	RetryAfter = "60"
	// IssueCode is the OperationOutcome issue type ("no-store": the
	// persistent store is unavailable).
	IssueCode = "no-store"
	// Message is what the client is told; the database's own text stays
	// in the server log.
	Message = "the server cannot store data right now (storage full or read-only): nothing was stored, try again later"
)

// SQLite primary result codes (the low byte of extended codes).
const (
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
)

// Is reports whether err means the storage cannot take writes: no space
// or quota (ENOSPC, EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's disk_full
// and out_of_memory classes), a read-only store or file system, or a
// SQLite I/O error (which is what a full disk gives when SQLite grows its
// shared-memory or WAL file).
func Is(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrReadOnly) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS) {
		return true
	}
	var se interface{ Code() int }
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteFull, sqliteIOErr, sqliteReadOnly:
			return true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "53100", // disk_full
			"53200", // out_of_memory
			"25006": // read_only_sql_transaction
			return true
		}
	}
	return false
}

// OpenSQLiteReadOnly opens the existing SQLite database at path for
// reading only, for a store whose storage cannot be written: first
// normally (reading its WAL), then, when even the WAL index cannot be
// created, as an immutable file. table must exist in the database.
func OpenSQLiteReadOnly(ctx context.Context, path, table string) (*sql.DB, error) {
	var err error
	for _, mode := range []string{"mode=ro", "mode=ro&immutable=1"} {
		var db *sql.DB
		if db, err = sql.Open("sqlite", "file:"+path+"?"+mode+"&_pragma=busy_timeout(20000)"); err != nil {
			continue
		}
		var n int
		if err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE 0 = 1`).Scan(&n); err == nil {
			return db, nil
		}
		db.Close()
	}
	return nil, err
}

// MinFree is the free space below which a SQLite store's data directory
// counts as full for readiness: a few hundred AuditEvents.
const MinFree = 1 << 20

// CheckFree reports an error when dir's file system has less than
// MinFree bytes left (nil when it cannot be told).
func CheckFree(dir string) error {
	if free, ok := FreeBytes(dir); ok && free < MinFree {
		return fmt.Errorf("the data directory %s has only %d bytes free", dir, free)
	}
	return nil
}

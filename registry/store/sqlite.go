package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/ccg-project/ccg/internal/private"
	"net/url"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ccg-project/ccg/internal/storagefault"
)

// SQLiteFile is the database file OpenSQLite keeps in its data directory.
const SQLiteFile = "registry.db"

// OpenSQLite opens (creating if needed) the SQLite store in dir.
// The database runs in WAL mode with synchronous=FULL, so a committed
// publish survives a crash of the process.
func OpenSQLite(ctx context.Context, dir string) (Store, error) {
	if err := private.Dir(dir); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	path := filepath.Join(dir, SQLiteFile)
	if err := private.File(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(4)
	s := &sqlStore{db: db, d: dialect{
		name:      "sqlite",
		blobType:  "BLOB",
		rebind:    func(q string) string { return q },
		hasColumn: `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`,
		isUnique: func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
		},
	}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		if storagefault.Is(err) {
			// A full disk: serve what is stored; writes fail as read-only.
			if ro, rerr := storagefault.OpenSQLiteReadOnly(ctx, path, "packages"); rerr == nil {
				s.db, s.readOnly = ro, true
				return s, nil
			}
		}
		return nil, err
	}
	return s, nil
}

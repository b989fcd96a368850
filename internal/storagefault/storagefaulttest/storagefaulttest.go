// Package storagefaulttest makes real storage-full errors for tests.
package storagefaulttest

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FullError returns the error SQLite gives when its database cannot grow
// ("database or disk is full (13)"): it fills a database capped by
// max_page_count, which is what a full disk looks like to SQLite.
func FullError(t testing.TB) error {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "full.db")+"?_pragma=max_page_count(8)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	blob := []byte(strings.Repeat("x", 1024))
	for i := 0; i < 1000; i++ {
		if _, err := db.Exec(`INSERT INTO t (b) VALUES (?)`, blob); err != nil {
			return err
		}
	}
	t.Fatal("SQLite with max_page_count(8) took 1000 KiB")
	return nil
}

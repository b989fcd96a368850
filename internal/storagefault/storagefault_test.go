package storagefault_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ccg-project/ccg/internal/storagefault"
	"github.com/ccg-project/ccg/internal/storagefault/storagefaulttest"
)

func TestIs(t *testing.T) {
	full := storagefaulttest.FullError(t)
	if !strings.Contains(full.Error(), "full") {
		t.Fatalf("FullError = %v", full)
	}
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("database or disk is full"), false}, // text alone is not trusted
		{full, true},
		{fmt.Errorf("store: commit: %w", full), true},
		{&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, true},
		{fmt.Errorf("audit: %w", storagefault.ErrReadOnly), true},
		{&pgconn.PgError{Code: "53100"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{sql.ErrNoRows, false},
	}
	for _, c := range cases {
		if got := storagefault.Is(c.err); got != c.want {
			t.Errorf("Is(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestOpenSQLiteReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE items (v TEXT); INSERT INTO items VALUES ('kept')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := storagefault.OpenSQLiteReadOnly(context.Background(), path, "items")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var v string
	if err := ro.QueryRow(`SELECT v FROM items`).Scan(&v); err != nil || v != "kept" {
		t.Errorf("read = %q, %v", v, err)
	}
	_, err = ro.Exec(`INSERT INTO items VALUES ('new')`)
	if !storagefault.Is(err) {
		t.Errorf("a write to the read-only database gave %v, not a storage fault", err)
	}
	if _, err := storagefault.OpenSQLiteReadOnly(context.Background(), filepath.Join(t.TempDir(), "missing.db"), "items"); err == nil {
		t.Error("a missing database opened read-only")
	}
}

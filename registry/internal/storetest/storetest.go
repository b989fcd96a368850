// Package storetest opens the Guideline Repository's store back ends for
// tests outside package store: SQLite always, PostgreSQL (in a throwaway
// schema) when testenv.PostgresDSN finds a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop schemas

	"github.com/ccg-project/ccg/internal/testenv"
	"github.com/ccg-project/ccg/registry/store"
)

// Backends maps a back end name to a function opening a fresh, empty store
// that is closed (and, for PostgreSQL, dropped) when the test ends.
func Backends(t *testing.T) map[string]func(t *testing.T) store.Store {
	b := map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			s, err := store.OpenSQLite(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Logf("PostgreSQL skipped: set CCG_TEST_POSTGRES (see scripts/test-postgres.sh)")
		return b
	}
	b["postgres"] = func(t *testing.T) store.Store { return Postgres(t, dsn) }
	return b
}

// Postgres opens a store in a new schema of the database at dsn.
func Postgres(t testing.TB, dsn string) store.Store {
	t.Helper()
	ctx := context.Background()
	var rb [6]byte
	rand.Read(rb[:])
	schema := "t_" + hex.EncodeToString(rb[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := store.OpenPostgres(ctx, dsn+sep+"search_path="+schema)
	if err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return s
}

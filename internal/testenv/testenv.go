// Package testenv finds the external services tests need (PostgreSQL).
package testenv

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/internal/sharedtest"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresDSN returns the DSN of a PostgreSQL server for tests:
// CCG_TEST_POSTGRES when set; under CI=true otherwise the one
// scripts/test-postgres.sh starts (installing PostgreSQL if needed), and a
// failure to get one fails the test. Outside CI it returns "" and the caller
// skips.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("CCG_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	if os.Getenv("CI") != "true" {
		return ""
	}
	started.Do(func() { startedDSN, startedErr = startPostgres() })
	if startedErr != nil {
		t.Fatalf("CI=true and CCG_TEST_POSTGRES is not set; %v", startedErr)
	}
	return startedDSN
}

var (
	started    sync.Once
	startedDSN string
	startedErr error
)

func startPostgres() (string, error) {
	root, err := sharedtest.ModuleRoot()
	if err != nil {
		return "", fmt.Errorf("repository root not found: %w", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(root, "scripts", "test-postgres.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	dsn := strings.TrimSpace(string(out))
	if err != nil || dsn == "" {
		return "", fmt.Errorf("scripts/test-postgres.sh failed: %v\n%s", err, stderr.String())
	}
	return dsn, nil
}

// PostgresSchema creates a fresh schema on the server of dsn, dropped when
// the test ends, and returns a DSN whose connections use it.
func PostgresSchema(t testing.TB, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

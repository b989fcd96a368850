// Package testenv finds the external services tests need (PostgreSQL).
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ccg-project/ccg/internal/sharedtest"
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

package private

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Dir(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "x.db")
	if err := os.WriteFile(db+"-wal", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := File(db); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, db: 0o600, db + "-wal": 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
}

func TestDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ccg:s3cret@db:5432/ccg?sslmode=disable": "postgres://ccg:xxxxx@db:5432/ccg?sslmode=disable",
		"mysql://root:s3cret@host/x":                        "mysql://root:xxxxx@host/x",
		"user=ccg password=s3cret host=db":                  "(a database URL of 32 characters)",
	} {
		got := DSN(in)
		if got != want || strings.Contains(got, "s3cret") {
			t.Errorf("DSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package private keeps ccg's state private to the user running it: data
// directories are 0700 and the files holding data or keys 0600, and
// database URLs are shown without their passwords.
package private

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
)

// Dir creates dir (and its parents) if missing and makes it 0700.
func Dir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// File creates path empty if it is missing and makes it 0600. SQLite
// gives its -wal and -shm files the mode of the database file, so a
// database made private before it is opened stays private.
func File(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Chmod(path+side, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// DSN is a database URL fit for messages and logs: its password is
// replaced by "xxxxx"; a string that is not a URL is not shown at all.
func DSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return fmt.Sprintf("(a database URL of %d characters)", len(dsn))
	}
	return u.Redacted()
}

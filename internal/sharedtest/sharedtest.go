// Package sharedtest locates what tests need outside their own package:
// the module root, npm (installed under CI), and the shared test material in the folder ../shared
// beside it (the CQL conformance suite, the CCG specification and the
// guideline corpora), which is never copied into the repository.
package sharedtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Dir returns the path of ../shared joined with parts. When it does not
// exist the test is skipped with a message naming the path, except under
// CI=true, where the material is required and its absence fails the test.
func Dir(t testing.TB, parts ...string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(append([]string{filepath.Dir(root), "shared"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test material %s is missing (required under CI=true): %v", dir, err)
		}
		t.Skipf("shared test material %s is absent; check out ../shared beside the repository to run this test", dir)
	}
	return dir
}

// ModuleRoot walks up from the working directory (a package folder under
// `go test`) to the folder holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// EnsureNPM makes sure npm is on PATH under CI=true by running
// scripts/ensure-npm.sh (which installs Debian's nodejs and npm when they
// are missing). Outside CI it does nothing.
func EnsureNPM() error {
	if os.Getenv("CI") != "true" {
		return nil
	}
	if _, err := exec.LookPath("npm"); err == nil {
		return nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	out, err := exec.Command(filepath.Join(root, "scripts", "ensure-npm.sh")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/ensure-npm.sh: %v\n%s", err, out)
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// smallDisk mounts a 2 MiB tmpfs at a temporary directory, or skips the
// test when it cannot (it needs root, as in CI).
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root (CI runs as root)")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until dir's file system is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

func htnApplyBody(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "hypertension", "data-in", "03-untreated.json"))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/htn-03-untreated"},`+
		`{"name":"encounter","valueString":"Encounter/enc-htn-03-untreated"},{"name":"data","resource":%s}]}`, data)
}

func postApply(t *testing.T, base, body string) (int, string) {
	t.Helper()
	r, err := http.Post(base+"/PlanDefinition/htn-folder/$apply", "application/fhir+json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var b strings.Builder
	buf := make([]byte, 8192)
	for {
		n, err := r.Body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	if r.StatusCode == 507 && r.Header.Get("Retry-After") == "" {
		t.Error("507 without Retry-After")
	}
	return r.StatusCode, b.String()
}

// TestServeOnFullDisk fills the data directory's file system under a
// running server ($apply answers 507, /readyz fails, reads work), then
// restarts it on the full disk: it starts read-only instead of exiting.
func TestServeOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice")
	}
	data := smallDisk(t)
	addr := freeAddr(t)
	base := "http://" + addr
	vars := map[string]string{"CCG_PACKAGES": filepath.Join("..", "..", "examples", "*", "package"), "CCG_AUTH": "off"}
	body := htnApplyBody(t)
	_, stop := startServeWith(t, vars, base, "--addr", addr, "--data", data)
	if code, out := postApply(t, base, body); code != 200 {
		t.Fatalf("$apply: %d %s", code, out)
	}
	fill(t, data)
	full := false
	for i := 0; i < 200 && !full; i++ {
		code, out := postApply(t, base, body)
		switch code {
		case 200:
		case 507:
			full = true
			if !strings.Contains(out, `"OperationOutcome"`) || strings.Contains(out, "(13)") {
				t.Errorf("507 body is not a neutral OperationOutcome: %s", out)
			}
		default:
			t.Fatalf("$apply on a filling disk: %d %s", code, out)
		}
	}
	if !full {
		t.Fatal("200 $apply calls on a full disk all succeeded")
	}
	if code, out := get(t, base+"/readyz"); code != 503 || !strings.Contains(out, "audit") {
		t.Errorf("/readyz after a failed audit write: %d %s", code, out)
	}
	if code, _ := get(t, base+"/PlanDefinition/htn-folder"); code != 200 {
		t.Errorf("read on a full disk: %d", code)
	}
	stop()

	// Restarted on the full disk: up, not ready, reads work.
	restartFull := func(wantReady string) {
		t.Helper()
		logs, stop := startServeWith(t, vars, base, "--addr", addr, "--data", data)
		defer stop()
		code, out := get(t, base+"/readyz")
		if code != 503 || !strings.Contains(out, wantReady) {
			t.Errorf("/readyz after starting on a full disk: %d %s, want 503 naming %q", code, out, wantReady)
		}
		if code, out := postApply(t, base, body); code != 507 {
			t.Errorf("$apply after starting on a full disk: %d %s", code, out)
		}
		for _, path := range []string{"/PlanDefinition/htn-folder", "/AuditEvent?_count=1", "/npm/-/v1/search?text=x", "/metrics"} {
			if code, out := get(t, base+path); code != 200 {
				t.Errorf("GET %s after starting on a full disk: %d %s", path, code, out)
			}
		}
		if !strings.Contains(logs.String(), "audit store not writable") {
			t.Errorf("the log does not say the audit store is not writable:\n%s", logs.String())
		}
	}
	// With its WAL still there (the last shutdown could not checkpoint it).
	restartFull("bytes free")

	// After a clean shutdown (no WAL, no shared-memory file): SQLite cannot
	// even create its WAL index, so the stores open read-only.
	if err := os.Remove(filepath.Join(data, "filler")); err != nil {
		t.Fatal(err)
	}
	_, stop = startServeWith(t, vars, base, "--addr", addr, "--data", data)
	stop()
	if _, err := os.Stat(filepath.Join(data, "audit.db-wal")); err == nil {
		t.Log("the WAL survived a clean shutdown")
	}
	fill(t, data)
	restartFull("read-only")
}

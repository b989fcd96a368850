package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeStartsAndStops runs "ccg serve" with every mount of the
// program, then cancels it as SIGINT would, and expects a clean exit.
func TestServeStartsAndStops(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errOut string
	go func() {
		code, o, e := ccgCtx(ctx, t, "serve", "--addr", "127.0.0.1:0", "--data", data)
		out, errOut = o, e
		done <- code
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited with %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(errOut, `"msg":"listening"`) || !strings.Contains(errOut, `"msg":"shutting down"`) {
		t.Errorf("the log lacks the listening and shutting down lines:\n%s", errOut)
	}
	if fi, err := os.Stat(data); err != nil || !fi.IsDir() {
		t.Errorf("serve did not create the data directory: %v", err)
	}
}

func TestServeBadAddress(t *testing.T) {
	code, _, errOut := ccg(t, "serve", "--addr", "not-an-address", "--data", t.TempDir())
	if code != exitUsage || !strings.Contains(errOut, "bad --addr") {
		t.Errorf("serve --addr not-an-address: exit %d, want %d; stderr:\n%s", code, exitUsage, errOut)
	}
	// A well-formed address that cannot be listened on is a failure.
	code, _, errOut = ccg(t, "serve", "--addr", "256.0.0.1:1", "--data", t.TempDir())
	if code != exitFailure || !strings.Contains(errOut, `"server stopped"`) {
		t.Errorf("serve on an impossible address: exit %d, want %d; stderr:\n%s", code, exitFailure, errOut)
	}
}

// lockedBuffer is a bytes.Buffer a test may read while serve writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs "ccg serve" with args until the test ends and returns
// its standard output once the ready message is complete.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{Stdout: &out, Stderr: &errOut, Getenv: os.Getenv},
			append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if s := out.String(); strings.Contains(s, "  auth: ") {
			return s
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before it was ready:\n%s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no ready message within 30s; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	return ""
}

// TestServeReadyMessage: once it listens, serve says where, how many
// packages it loaded and that authentication is on (off, with a warning,
// under --auth off), and the URL it names answers.
func TestServeReadyMessage(t *testing.T) {
	out := startServe(t, "--packages", "../../examples/*/package")
	m := regexp.MustCompile(`ccg serve: ready at (http://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ready line:\n%s", out)
	}
	for _, want := range []string{`guideline packages: 2 loaded from "../../examples/*/package"`, "guideline repository (npm registry) at /npm/", "auth: on (bearer tokens from ccg token create"} {
		if !strings.Contains(out, want) {
			t.Errorf("the ready message lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARNING") {
		t.Errorf("unexpected warning:\n%s", out)
	}
	if off := startServe(t, "--packages", "../../examples/*/package", "--auth", "off"); !strings.Contains(off, "auth: off (--auth off") ||
		!strings.Contains(off, "WARNING: authentication is off") {
		t.Errorf("the ready message under --auth off:\n%s", off)
	}
	resp, err := http.Get(m[1] + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/metadata: %d", m[1], resp.StatusCode)
	}
}

// TestServeWarnsWhenPackagesMatchNothing: a --packages pattern that
// matches nothing, or no --packages at all (the default loads none), is a
// loud warning, not a silent "0 packages".
func TestServeWarnsWhenPackagesMatchNothing(t *testing.T) {
	out := startServe(t, "--packages", "nosuch/*")
	if !strings.Contains(out, `WARNING: --packages "nosuch/*" matches nothing in `) || !strings.Contains(out, "guideline packages: 0 loaded") {
		t.Errorf("no warning for a pattern that matches nothing:\n%s", out)
	}
	t.Chdir(t.TempDir())
	t.Setenv(envPackages, "")
	os.Unsetenv(envPackages)
	if out := startServe(t); !strings.Contains(out, `WARNING: NO CCG PACKAGES LOADED: give --packages GLOB`) || !strings.Contains(out, "guideline packages: none") {
		t.Errorf("no warning without --packages:\n%s", out)
	}
}

// TestMakeRunSaysWhatItDoes: `make run` announces the build (minutes on a
// cold cache) before it starts the server, so a silent terminal is never
// mistaken for a server that is up.
func TestMakeRunSaysWhatItDoes(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	out, err := exec.Command("make", "-n", "-C", "../..", "run").Output()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	build, serve := strings.Index(s, "building"), strings.Index(s, "ccg serve")
	if build < 0 || serve < 0 || build > serve || !strings.Contains(s, "ready at") {
		t.Errorf("make run does not announce the build before serving:\n%s", s)
	}
}

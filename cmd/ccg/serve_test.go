package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

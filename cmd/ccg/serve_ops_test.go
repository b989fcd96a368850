package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/internal/obs/obstest"
)

func TestApplyFlagEnv(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	addr := fs.String("addr", "default", "")
	interval := fs.Duration("sync-interval", time.Minute, "")
	readAuth := fs.Bool("registry-read-auth", false, "")
	keep := fs.String("eval-timeout", "10s", "")
	if err := fs.Parse([]string{"--addr", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CCG_ADDR": "from-env", "CCG_SYNC_INTERVAL": "5m", "CCG_REGISTRY_READ_AUTH": "yes", "CCG_EVAL_TIMEOUT": ""}
	if err := applyFlagEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *addr != "from-flag" || *interval != 5*time.Minute || !*readAuth || *keep != "10s" {
		t.Errorf("addr %q (flag wins), sync-interval %v (env), read-auth %v (env), eval-timeout %q (empty env = unset)", *addr, *interval, *readAuth, *keep)
	}
	env["CCG_SYNC_INTERVAL"] = "soon"
	fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
	fs2.Duration("sync-interval", time.Minute, "")
	err := applyFlagEnv(fs2, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "CCG_SYNC_INTERVAL") {
		t.Errorf("a bad CCG_SYNC_INTERVAL gave %v", err)
	}
}

func TestDefaultDataDir(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"STATE_DIRECTORY": "/var/lib/ccg", "HOME": "/home/u"}, "/var/lib/ccg"},
		{map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/ccg"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/ccg"},
		{map[string]string{}, ""},
	} {
		if got := defaultDataDir(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("defaultDataDir(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := ccg(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "ccg "+version+"\n") || !strings.Contains(out, "go: go") {
		t.Errorf("ccg version: %d\n%s", code, out)
	}
	if version == "" {
		t.Error("version is empty")
	}
}

// TestVersionLdflags builds the binary as make build does and checks
// that the version given at link time is what `ccg version` prints.
func TestVersionLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ccg")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "ccg v9.8.7-test\n") {
		t.Errorf("ccg version = %q, %v", out, err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServeWith runs `ccg serve args` with the environment vars and returns
// its log once /healthz answers, and a function that stops it (called at
// the end of the test too).
func startServeWith(t *testing.T, vars map[string]string, base string, args ...string) (*lockedBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{Stdout: io.Discard, Stderr: &logs, Getenv: func(k string) string { return vars[k] }}, append([]string{"serve"}, args...))
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		default:
		}
		if r, err := http.Get(base + "/healthz"); err == nil {
			r.Body.Close()
			return &logs, stop
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not answer /healthz:\n%s", logs.String())
	return nil, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// TestServeFromEnvironment configures serve through CCG_* only (except
// --addr, which wins over a bad CCG_ADDR) and checks /readyz, /metrics,
// pprof and the version in the CapabilityStatement.
func TestServeFromEnvironment(t *testing.T) {
	addr, pprofAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{
		"CCG_ADDR":     "not-an-address",
		"CCG_DATA":     filepath.Join(t.TempDir(), "data"),
		"CCG_PACKAGES": filepath.Join("..", "..", "examples", "*", "package"),
		"CCG_PPROF":    pprofAddr,
	}
	base := "http://" + addr
	startServeWith(t, env, base, "--addr", addr)
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d %s", code, body)
	}
	_, metrics := get(t, base+"/metrics")
	if v, ok := obstest.Value(metrics, "ccg_packages_loaded", nil); !ok || v != 2 {
		t.Errorf("ccg_packages_loaded = %v (present %v), want the 2 examples", v, ok)
	}
	if v, ok := obstest.Value(metrics, "ccg_package_loads_total", map[string]string{"source": "local", "result": "ok"}); !ok || v < 2 {
		t.Errorf("ccg_package_loads_total{local,ok} = %v", v)
	}
	if code, body := get(t, "http://"+pprofAddr+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof: %d", code)
	}
	if code, _ := get(t, base+"/debug/pprof/"); code == 200 {
		t.Error("pprof is served on the main listener")
	}
	_, meta := get(t, base+"/metadata")
	var cs struct{ Software struct{ Version string } }
	json.Unmarshal([]byte(meta), &cs)
	if cs.Software.Version != version {
		t.Errorf("software.version = %q, want %q", cs.Software.Version, version)
	}
	if _, err := os.Stat(filepath.Join(env["CCG_DATA"], "audit.db")); err != nil {
		t.Errorf("CCG_DATA was not used: %v", err)
	}
}

func TestServeBadEnvironment(t *testing.T) {
	var errOut bytes.Buffer
	code := run(context.Background(), &env{Stdout: io.Discard, Stderr: &errOut, Getenv: func(k string) string {
		return map[string]string{"CCG_ADDR": "not-an-address", "CCG_DATA": t.TempDir()}[k]
	}}, []string{"serve"})
	if code != exitUsage || !strings.Contains(errOut.String(), "bad --addr") {
		t.Errorf("CCG_ADDR=not-an-address: exit %d\n%s", code, errOut.String())
	}
	errOut.Reset()
	code = run(context.Background(), &env{Stdout: io.Discard, Stderr: &errOut, Getenv: func(string) string { return "" }}, []string{"serve"})
	if code != exitUsage || !strings.Contains(errOut.String(), "no data directory") {
		t.Errorf("no HOME, no --data: exit %d\n%s", code, errOut.String())
	}
}

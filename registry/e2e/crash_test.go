package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/internal/testenv"
	"github.com/ccg-project/ccg/registry"
)

// buildCCG compiles the ccg command once per test binary.
var (
	buildOnce sync.Once
	ccgBin    string
	buildErr  error
)

func ccgBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ccg-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		ccgBin = filepath.Join(dir, "ccg")
		if runtime.GOOS == "windows" {
			ccgBin += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", ccgBin, "github.com/ccg-project/ccg/cmd/ccg")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return ccgBin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

type server struct {
	cmd  *exec.Cmd
	addr string
	log  *os.File
}

func startServer(t *testing.T, bin, data, addr string, extra ...string) *server {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(data, "..", "serve-"+strings.ReplaceAll(addr, ":", "_")+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", data}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, addr: addr, log: logf}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/npm/-/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	t.Fatalf("ccg serve did not come up on %s", addr)
	return nil
}

func (s *server) kill() {
	s.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	s.cmd.Wait()
	s.log.Close()
}

type item struct {
	name, version string
	tgz           []byte
	integrity     string
	acked         atomic.Bool
	tried         atomic.Bool
}

// TestCrashDuringPublishes kills `ccg serve` with SIGKILL in the middle of
// a stream of concurrent publishes, restarts it and checks that every
// version is either fully readable with the right bytes and integrity or
// absent, and that no acknowledged publish was lost.
func TestCrashDuringPublishes(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) { crashTest(t) })
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Log("PostgreSQL crash test skipped: set CCG_TEST_POSTGRES (see scripts/test-postgres.sh)")
		return
	}
	t.Run("postgres", func(t *testing.T) { crashTest(t, "--db", testenv.PostgresSchema(t, dsn)) })
}

func crashTest(t *testing.T, dbArgs ...string) {
	bin := ccgBinary(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	out, err := exec.Command(bin, append([]string{"token", "create", "--user", "crash", "--publish", "--data", data}, dbArgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	token := strings.TrimSpace(string(out))

	var items []*item
	for i := range 400 {
		name := fmt.Sprintf("@crash/pkg-%d", i%8)
		ver := fmt.Sprintf("1.0.%d", i)
		tgz := testpkg.Tarball(testpkg.Options{Name: name, Version: ver, Description: strings.Repeat("x", i%50)})
		integ, _ := registry.Integrity(tgz)
		items = append(items, &item{name: name, version: ver, tgz: tgz, integrity: integ})
	}
	client := &http.Client{Timeout: 10 * time.Second}
	next := atomic.Int64{}
	totalAcked := 0
	for round := range 3 {
		addr := freePort(t)
		srv := startServer(t, bin, data, addr, dbArgs...)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var ackedThisRound atomic.Int64
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					i := next.Add(1) - 1
					if int(i) >= len(items) {
						return
					}
					it := items[i]
					it.tried.Store(true)
					req, _ := http.NewRequest("PUT", "http://"+addr+"/npm/"+strings.Replace(it.name, "/", "%2f", 1), bytes.NewReader(testpkg.PublishBody(it.name, it.version, it.tgz)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						continue // the server died under us: outcome unknown
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						it.acked.Store(true)
						ackedThisRound.Add(1)
					}
				}
			}()
		}
		// Let some publishes land, then kill in mid-stream.
		deadline := time.Now().Add(20 * time.Second)
		for ackedThisRound.Load() < int64(25+10*round) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		srv.kill()
		close(stop)
		wg.Wait()
		totalAcked += int(ackedThisRound.Load())
		t.Logf("round %d: killed after %d acknowledged publishes", round, ackedThisRound.Load())
	}

	// Restart and audit everything that was attempted.
	addr := freePort(t)
	srv := startServer(t, bin, data, addr, dbArgs...)
	defer srv.kill()
	base := "http://" + addr + "/npm/"
	present, lost, corrupt, tried := 0, 0, 0, 0
	for _, it := range items {
		if !it.tried.Load() {
			continue
		}
		tried++
		resp, err := client.Get(base + it.name + "/" + it.version)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Dist struct{ Integrity, Tarball string }
		}
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		switch resp.StatusCode {
		case 404:
			if it.acked.Load() {
				lost++
				t.Errorf("%s@%s was acknowledged but is gone", it.name, it.version)
			}
			continue
		case 200:
		default:
			corrupt++
			t.Errorf("%s@%s: status %d", it.name, it.version, resp.StatusCode)
			continue
		}
		present++
		tr, err := client.Get(doc.Dist.Tarball)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr.Body)
		tr.Body.Close()
		got, _ := registry.Integrity(body)
		if tr.StatusCode != 200 || doc.Dist.Integrity != it.integrity || got != it.integrity || !bytes.Equal(body, it.tgz) {
			corrupt++
			t.Errorf("%s@%s: tarball status %d, integrity %s / %s, want %s", it.name, it.version, tr.StatusCode, doc.Dist.Integrity, got, it.integrity)
		}
	}
	// Every package document is readable and lists only complete versions.
	for p := range 8 {
		resp, err := client.Get(base + fmt.Sprintf("@crash%%2fpkg-%d", p))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 404 {
			t.Errorf("package %d: status %d", p, resp.StatusCode)
		}
	}
	t.Logf("crash test: %d publishes attempted, %d acknowledged, %d present after 3 SIGKILLs; lost %d, corrupt %d",
		tried, totalAcked, present, lost, corrupt)
	if totalAcked == 0 {
		t.Fatal("no publish was acknowledged; the test proved nothing")
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// childArgsEnv makes TestServeChild run `ccg serve` with these arguments
// (one per line): the bomb test runs the server as a separate process of
// this test binary, so that the memory it measures is the server's alone.
const childArgsEnv = "CCG_TEST_CHILD_ARGS"

// TestServeChild is the server process of TestServeBombs; it is skipped
// in a normal run.
func TestServeChild(t *testing.T) {
	args := os.Getenv(childArgsEnv)
	if args == "" {
		t.Skip("runs only as the server process of TestServeBombs")
	}
	os.Exit(run(context.Background(), &env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, strings.Split(args, "\n")))
}

// listeningAddr finds the address in the server's "listening" log line.
var listeningAddr = regexp.MustCompile(`listening.*"addr": ?"([^"]+)"`)

// serverProcess is a `ccg serve` running in a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

func startServer(t *testing.T, args ...string) *serverProcess {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestServeChild$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\n"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, log: logf}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(logf.Name())
		for _, line := range strings.Split(string(b), "\n") {
			// JSON lines, or with --debug the console format.
			if m := listeningAddr.FindStringSubmatch(line); m != nil {
				p.base = "http://" + m[1]
				return p
			}
		}
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("the server did not start:\n%s", b)
	return nil
}

// procStatus reads a field (in kB) of /proc/PID/status.
func (p *serverProcess) procStatus(t *testing.T, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return n << 10
		}
	}
	t.Fatalf("no %s in /proc status", field)
	return 0
}

// cpuTicks is the user and system CPU time the process has used, in clock
// ticks.
func (p *serverProcess) cpuTicks(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

type answer struct {
	status int
	body   string
	err    error
}

func send(method, u, body string) answer {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return answer{err: err}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return answer{status: resp.StatusCode, body: string(b), err: err}
}

func cqlBody(expr string) string {
	e, _ := json.Marshal(expr)
	return `{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":` + string(e) + `}]}`
}

// TestServeBombs sends the requests of issue 9 that used to take the
// server down, one after another and then all at once, to a server under
// --max-memory 512MiB running as a child process. Each must get its
// documented answer, the server's peak RSS (VmHWM) must stay under the
// ceiling, and once the answers are in the server must be idle (no
// evaluation still running after its timeout). Authentication and the
// per-client evaluation rate are off so that every bomb reaches the
// evaluator, as from a client holding a valid token.
func TestServeBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process and sends it heavy requests")
	}
	const ceiling = 512 << 20
	data := filepath.Join(t.TempDir(), "data")
	p := startServer(t, "--data", data, "--packages", "", "--max-memory", "512MiB", "--eval-timeout", "5s",
		"--auth", "off", "--evaluate-rate", "0")

	type bomb struct {
		name   string
		send   func(i int) answer
		status []int // acceptable statuses
	}
	hugeParams := `{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/p1"},` +
		`{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"` +
		strings.Repeat("A", 15<<20) + `"}]}}]}`
	bombs := []bomb{
		{"doubling string", func(int) answer {
			return send("GET", p.base+"/$cql?expression="+url.QueryEscape("Length((expand Interval[1,40]) X aggregate S starting 'ab': S + S)"), "")
		}, []int{422}},
		{"50,000 terms", func(int) answer {
			return send("POST", p.base+"/$cql", cqlBody(strings.Repeat("1+", 50_000)+"1"))
		}, []int{422}},
		{"list limit", func(int) answer {
			return send("POST", p.base+"/$cql", cqlBody("expand Interval[1, 2000000]"))
		}, []int{422}},
		{"distinct large expressions", func(i int) answer {
			// 120 different expressions of 30 KB each, 10 per call.
			var last answer
			for k := range 10 {
				last = send("POST", p.base+"/$cql", cqlBody(fmt.Sprintf("%d + %d + %s0", i, k, strings.Repeat("1 + ", 7500))))
				if last.status != 200 {
					return last
				}
			}
			return last
		}, []int{200}},
		{"huge $apply parameters", func(int) answer {
			return send("POST", p.base+"/PlanDefinition/x/$apply", hugeParams)
		}, []int{400, 404, 422}},
		{"audit search", func(int) answer {
			return send("GET", p.base+"/AuditEvent?_count=1000", "")
		}, []int{200}},
	}
	check := func(b bomb, a answer) {
		t.Helper()
		if a.err != nil {
			t.Errorf("%s: %v", b.name, a.err)
			return
		}
		for _, s := range b.status {
			if a.status == s {
				if s == 422 && !strings.Contains(a.body, `"too-costly"`) {
					t.Errorf("%s: 422 without too-costly: %.300s", b.name, a.body)
				}
				return
			}
		}
		if a.status == 503 && strings.Contains(a.body, `"throttled"`) {
			return // admission control, documented
		}
		t.Errorf("%s: status %d, want one of %v: %.300s", b.name, a.status, b.status, a.body)
	}

	// One after another.
	for _, b := range bombs {
		check(b, b.send(0))
	}
	// All at once: three of each, the $apply one many times to bloat the
	// audit trail as in the issue.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, b := range bombs {
		n := 3
		if b.name == "huge $apply parameters" {
			n = 12
		}
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := b.send(i + 1)
				mu.Lock()
				defer mu.Unlock()
				check(b, a)
			}()
		}
	}
	wg.Wait()

	if hwm := p.procStatus(t, "VmHWM"); hwm > ceiling {
		t.Errorf("peak RSS %d MiB, over the %d MiB ceiling", hwm>>20, ceiling>>20)
	} else {
		t.Logf("peak RSS %d MiB (ceiling %d MiB)", hwm>>20, ceiling>>20)
	}
	var dbSize int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(data, "audit.db"+suffix)); err == nil {
			dbSize += fi.Size()
		}
	}
	if dbSize > 8<<20 {
		t.Errorf("the audit database grew to %d MiB after 16 huge $apply calls", dbSize>>20)
	}

	// Idle once answered: nothing still evaluating in the background.
	time.Sleep(500 * time.Millisecond)
	before := p.cpuTicks(t)
	time.Sleep(2 * time.Second)
	if used := p.cpuTicks(t) - before; used > 40 { // 0.4 s of CPU at 100 ticks/s, in 2 s
		t.Errorf("the server used %d CPU ticks in 2 s after every answer was in", used)
	}
}

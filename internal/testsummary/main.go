// Command testsummary runs `go test -json ARGS...` and prints what a
// person needs from it: one line per package (as go test does), the
// output of failed tests, and at the end the skipped tests grouped by
// their reason, then a closing count:
//
//	tests: 1234 passed, 0 failed, 21 skipped
//
// It exits with go test's status. `make test` runs it:
//
//	go run ./internal/testsummary -timeout 20m ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type testKey struct{ pkg, test string }

// summary accumulates the events.
type summary struct {
	out                     io.Writer
	output                  map[testKey][]string
	passed, failed, skipped int
	skips                   map[string][]testKey // reason -> tests
	pkgSkips                []string             // packages without tests, skipped as a whole
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, output: map[testKey][]string{}, skips: map[string][]testKey{}}
}

func (s *summary) add(ev event) {
	k := testKey{ev.Package, ev.Test}
	switch ev.Action {
	case "build-output":
		fmt.Fprint(s.out, ev.Output)
	case "output":
		if ev.Test == "" {
			// Package lines: "ok", "FAIL", "?   pkg [no test files]" and
			// what a test binary printed outside tests.
			if o := strings.TrimSpace(ev.Output); o != "PASS" && o != "FAIL" && !strings.HasPrefix(o, "=== ") && !strings.HasPrefix(o, "testing: warning: no tests to run") {
				fmt.Fprint(s.out, ev.Output)
			}
			return
		}
		s.output[k] = append(s.output[k], ev.Output)
	case "pass":
		if ev.Test != "" {
			s.passed++
			delete(s.output, k)
		}
	case "fail":
		if ev.Test != "" {
			s.failed++
			for _, line := range s.output[k] {
				fmt.Fprint(s.out, line)
			}
			delete(s.output, k)
		}
	case "skip":
		if ev.Test == "" {
			return
		}
		s.skipped++
		reason := skipReason(s.output[k])
		s.skips[reason] = append(s.skips[reason], k)
		delete(s.output, k)
	}
}

// location is the "file_test.go:12: " prefix of t.Skip output.
var location = regexp.MustCompile(`^\s*[\w./-]+\.go:\d+: `)

// skipReason is the message a skipped test logged (its last t.Skip or
// t.Log lines), without file positions.
func skipReason(lines []string) string {
	var msg []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		msg = append(msg, strings.TrimSpace(location.ReplaceAllString(l, "")))
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " / ")
}

// shortPkg drops the module path.
func shortPkg(p string) string {
	if i := strings.Index(p, "/ccg/"); i >= 0 {
		return p[i+len("/ccg/"):]
	}
	return p
}

// report prints the skips, grouped by reason, and the closing count.
func (s *summary) report() {
	if len(s.skips) > 0 {
		reasons := make([]string, 0, len(s.skips))
		for r := range s.skips {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		fmt.Fprintf(s.out, "\nskipped tests, by reason:\n")
		for _, r := range reasons {
			tests := s.skips[r]
			names := make([]string, 0, 3)
			for i, k := range tests {
				if i == 3 {
					names = append(names, fmt.Sprintf("and %d more", len(tests)-3))
					break
				}
				names = append(names, shortPkg(k.pkg)+"."+k.test)
			}
			fmt.Fprintf(s.out, "  %s\n      %s\n", r, strings.Join(names, ", "))
		}
	}
	fmt.Fprintf(s.out, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
}

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s := newSummary(os.Stdout)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			fmt.Println(sc.Text()) // not JSON: pass it on
			continue
		}
		s.add(ev)
	}
	err = cmd.Wait()
	s.report()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	case s.failed > 0:
		os.Exit(1)
	}
}

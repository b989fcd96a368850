package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/internal/sharedtest"
	"github.com/ccg-project/ccg/server"
)

// TestAuthoringWalkthrough replays docs/authoring.md ("Write your first
// guideline") in an empty folder: every command of its console blocks, in
// order, each output compared with the text below it, where a "..." line
// stands for any number of lines. The commands are ccg (run in process),
// cat, mkdir -p, cp, VAR=$(ccg ...) and npm, which runs the real npm CLI
// against a Guideline Repository started at that point, as the
// walkthrough's `ccg serve` would be, with 127.0.0.1:8080 replaced by its
// address and npm's configuration kept inside the folder.
func TestAuthoringWalkthrough(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "authoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	t.Chdir(work)
	vars := map[string]string{}
	var repo *httptest.Server
	n := 0
	for _, block := range consoleBlocks(string(doc)) {
		for _, ex := range splitExamples(block, true) {
			n++
			cmd := ex.cmd
			assign := ""
			if m := regexp.MustCompile(`^([A-Z_]+)=\$\((.*)\)$`).FindStringSubmatch(cmd); m != nil {
				assign, cmd = m[1], m[2]
			}
			cmd = os.Expand(cmd, func(k string) string { return vars[k] })
			args, ok := shellWords(cmd)
			if !ok || len(args) == 0 {
				t.Fatalf("cannot split %q", ex.cmd)
			}
			var got string
			switch args[0] {
			case "ccg":
				code, out, errOut := ccg(t, args[1:]...)
				if code != exitOK {
					t.Fatalf("%s: exit %d\n%s%s", ex.cmd, code, out, errOut)
				}
				if assign != "" {
					vars[assign] = strings.TrimSpace(out)
					out = ""
				}
				got = out + errOut
			case "cat":
				b, err := os.ReadFile(args[1])
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			case "mkdir":
				if err := os.MkdirAll(args[len(args)-1], 0o755); err != nil {
					t.Fatal(err)
				}
			case "cp":
				b, err := os.ReadFile(args[1])
				if err == nil {
					err = os.WriteFile(filepath.Join(args[2], filepath.Base(args[1])), b, 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			case "npm":
				if repo == nil {
					repo = startRepository(t)
				}
				got = runNPM(t, work, repo, args[1:])
			default:
				t.Fatalf("docs/authoring.md: the test cannot replay %q", ex.cmd)
			}
			if !matchOutput(ex.want, got) {
				t.Fatalf("docs/authoring.md example %q\n--- the walkthrough says:\n%s--- it prints:\n%s", ex.cmd, ex.want, got)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d commands found in docs/authoring.md", n)
	}
}

// startRepository serves the Guideline Repository of ./.data, as `ccg
// serve` started in the walkthrough's folder does.
func startRepository(t *testing.T) *httptest.Server {
	t.Helper()
	srv := server.New(server.Config{Logger: zap.NewNop()})
	closer, err := mountRegistry(srv.Echo(), serveConfig{DataDir: ".data", Server: srv}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		closer.Close()
	})
	return hs
}

// runNPM runs npm with args against repo and returns its standard output
// then its standard error. npm's user configuration and cache live in the
// test's folder. Without npm the test is skipped (failed under CI=true).
func runNPM(t *testing.T, work string, repo *httptest.Server, args []string) string {
	t.Helper()
	if err := sharedtest.EnsureNPM(); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but npm is not installed (scripts/ensure-npm.sh)")
		}
		t.Skip("npm not found: the walkthrough's publish step is not replayed")
	}
	host := strings.TrimPrefix(repo.URL, "http://")
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "127.0.0.1:8080", host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	home := filepath.Join(work, ".home")
	cmd.Env = append(os.Environ(), "HOME="+home, "npm_config_userconfig="+filepath.Join(home, ".npmrc"),
		"npm_config_cache="+filepath.Join(work, ".npm-cache"), "npm_config_update_notifier=false",
		"npm_config_fund=false", "npm_config_audit=false", "npm_config_fetch_retries=0")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("npm %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String() + errOut.String()
}

// matchOutput reports whether got has the lines of want, where a want
// line "..." stands for any number of lines.
func matchOutput(want, got string) bool {
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if want == "" {
		w = nil
	}
	if got == "" {
		g = nil
	}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if i == len(w) {
			return j == len(g)
		}
		if strings.TrimSpace(w[i]) == "..." {
			for k := j; k <= len(g); k++ {
				if match(i+1, k) {
					return true
				}
			}
			return false
		}
		return j < len(g) && w[i] == g[j] && match(i+1, j+1)
	}
	return match(0, 0)
}

func TestMatchOutput(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"", "", true},
		{"a\n", "a\n", true},
		{"a\n", "b\n", false},
		{"...\n", "x\ny\n", true},
		{"...\n", "", true},
		{"a\n...\nc\n", "a\nb\nb\nc\n", true},
		{"a\n...\nc\n", "a\nb\n", false},
		{"...\n+ x\n...\n", "npm notice\n+ x\n", true},
		{"a\n", "", false},
	} {
		if got := matchOutput(tc.want, tc.got); got != tc.ok {
			t.Errorf("matchOutput(%q, %q) = %v", tc.want, tc.got, got)
		}
	}
}

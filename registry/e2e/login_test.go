package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
)

// ptyLogin types a user name and password into `npm login` through a
// pseudo-terminal (npm reads the password only from a terminal). It uses
// Python's pty module, which the Go standard library has no match for.
const ptyLogin = `import os, pty, select, sys, time
registry, user, password = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("npm", ["npm", "login", "--auth-type=legacy", "--registry", registry])
buf = b""
def wait_for(s, t=30):
    global buf
    end = time.time() + t
    while s not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
wait_for(b"Username:"); os.write(fd, user.encode() + b"\r")
wait_for(b"Password:"); os.write(fd, password.encode() + b"\r")
wait_for(b"Logged in")
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
sys.exit(0 if b"Logged in" in buf else 1)
`

// TestNPMLogin runs the legacy `npm login` flow (PUT
// /-/user/org.couchdb.user:NAME) against a user made like `ccg token
// create --password`, then `npm whoami` with the token npm saved.
func TestNPMLogin(t *testing.T) {
	need(t, "npm", "install Node.js 20+ and npm")
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: the login test needs its pty module to type the password")
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, _ := registry.New(registry.Options{Store: st, SigningKey: key})
	srv := httptest.NewServer(npm.New(reg, "/npm/", nil))
	defer srv.Close()
	hash, _ := registry.HashPassword("pw-123")
	st.CreateUser(ctx, store.User{Name: "carol", PasswordHash: hash})

	home := t.TempDir()
	script := filepath.Join(home, "login.py")
	os.WriteFile(script, []byte(ptyLogin), 0o644)
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "npm_config_cache=" + filepath.Join(home, ".npm"),
		"npm_config_update_notifier=false", "NO_COLOR=1"}
	run := func(name string, args ...string) (string, error) {
		c, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(c, name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	regURL := srv.URL + "/npm/"
	if out, err := run("python3", script, regURL, "carol", "wrong"); err == nil {
		t.Errorf("login with a wrong password succeeded:\n%s", out)
	}
	out, err := run("python3", script, regURL, "carol", "pw-123")
	if err != nil {
		t.Fatalf("npm login: %v\n%s", err, out)
	}
	out, err = run("npm", "whoami", "--registry", regURL)
	if err != nil || strings.TrimSpace(out) != "carol" {
		t.Errorf("npm whoami after login: %v %q", err, out)
	}
	out, err = run("npm", "logout", "--registry", regURL)
	if err != nil {
		t.Errorf("npm logout: %v\n%s", err, out)
	}
	if out, err := run("npm", "whoami", "--registry", regURL); err == nil {
		t.Errorf("whoami after logout succeeded: %s", out)
	}
}

// TestNPMWebLogin runs npm 11's default `npm login` (the web flow) without
// a terminal: npm prints the login URL and polls; the test plays the
// browser, filling in the form (first with a wrong password), and npm
// saves the token it then receives.
func TestNPMWebLogin(t *testing.T) {
	need(t, "npm", "install Node.js 20+ and npm")
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, _ := registry.New(registry.Options{Store: st, SigningKey: key})
	srv := httptest.NewServer(npm.New(reg, "/npm/", nil))
	defer srv.Close()
	hash, _ := registry.HashPassword("pw-web")
	st.CreateUser(ctx, store.User{Name: "dana", PasswordHash: hash})
	regURL := srv.URL + "/npm/"

	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "npm_config_cache=" + filepath.Join(home, ".npm"),
		"npm_config_update_notifier=false", "NO_COLOR=1"}
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, "npm", "login", "--registry", regURL)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var printed strings.Builder
	loginURL := ""
	for loginURL == "" && sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		if strings.HasPrefix(line, regURL+"-/v1/login/web/") {
			loginURL = line
		}
	}
	if loginURL == "" {
		cmd.Wait()
		t.Fatalf("npm login printed no login URL:\n%s\n%s", printed.String(), stderr.String())
	}
	if !strings.Contains(printed.String(), "Login at:") {
		t.Errorf("npm login output:\n%s", printed.String())
	}
	for _, tc := range []struct {
		pw   string
		want int
	}{{"wrong", 401}, {"pw-web", 200}} {
		resp, err := http.PostForm(loginURL, url.Values{"username": {"dana"}, "password": {tc.pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("form with password %q: %d, want %d", tc.pw, resp.StatusCode, tc.want)
		}
	}
	rest, _ := io.ReadAll(stdout)
	printed.Write(rest)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("npm login: %v\n%s\n%s", err, printed.String(), stderr.String())
	}
	if !strings.Contains(printed.String(), "Logged in on "+regURL) {
		t.Errorf("npm login output:\n%s", printed.String())
	}
	who := exec.CommandContext(c, "npm", "whoami", "--registry", regURL)
	who.Env = env
	out, err := who.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "dana" {
		t.Errorf("npm whoami after web login: %v %q", err, out)
	}
}

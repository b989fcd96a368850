package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSecretInLogs runs the server and registry flows that handle
// secrets — accounts with passwords, legacy and web npm login, tokens in
// headers and (wrongly) in URLs, a database URL with a password — and
// then searches every log line the server wrote for each secret.
func TestNoSecretInLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	data := filepath.Join(t.TempDir(), "data")
	var secrets []string
	keep := func(s string) string {
		if s == "" {
			t.Fatal("empty secret")
		}
		secrets = append(secrets, s)
		return s
	}

	// An account made with `ccg token create --password`: the password
	// and the token it prints.
	pw := keep("Pw-7f3a9c2e-alice")
	code, out, errOut := ccg(t, "token", "create", "--user", "alice", "--publish", "--password", pw, "--data", data)
	if code != exitOK {
		t.Fatalf("token create: %d\n%s", code, errOut)
	}
	cliToken := keep(strings.TrimSpace(out))

	p := startServer(t, "--data", data, "--packages", "", "--registry-allow-signup", "--debug")
	npmURL := p.base + "/npm/"
	do := func(method, path, body, auth string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}

	// Legacy npm login and adduser: passwords in the body, tokens back.
	_, m := do("PUT", npmURL+"-/user/org.couchdb.user:alice", `{"name":"alice","password":"`+pw+`"}`, "")
	loginToken, _ := m["token"].(string)
	keep(loginToken)
	bobPW := keep("Pw-bob-51c0ffee")
	_, m = do("PUT", npmURL+"-/user/org.couchdb.user:bob", `{"name":"bob","password":"`+bobPW+`","email":"bob@example.org"}`, "")
	keep(m["token"].(string))
	// A wrong password is logged as a failure, without the password.
	do("PUT", npmURL+"-/user/org.couchdb.user:alice", `{"name":"alice","password":"`+keep("Wrong-pw-0d15ea5e")+`"}`, "")

	// Tokens in use, also in a query string where none belongs.
	do("GET", npmURL+"-/whoami", "", cliToken)
	do("GET", npmURL+"-/whoami?token="+url.QueryEscape(loginToken), "", "")
	do("GET", p.base+"/$cql?expression=1&access_token="+url.QueryEscape(cliToken), "", "")

	// Web login: the one-time login and done URLs are secrets.
	_, m = do("POST", npmURL+"-/v1/login", `{}`, "")
	loginURL, _ := m["loginUrl"].(string)
	doneURL, _ := m["doneUrl"].(string)
	keep(loginURL[strings.LastIndexByte(loginURL, '/')+1:])
	keep(doneURL[strings.LastIndexByte(doneURL, '/')+1:])
	resp, err := http.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.PostForm(loginURL, url.Values{"username": {"alice"}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, m = do("GET", doneURL, "", "")
	if tok, _ := m["token"].(string); tok != "" {
		keep(tok)
	} else {
		t.Errorf("web login gave no token: %v", m)
	}

	// A database URL with a password that cannot be opened.
	dsnPW := keep("Dsn-pw-8badf00d")
	code, _, dbErr := ccg(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--db", "mysql://ccg:"+dsnPW+"@db.example/ccg")
	if code == exitOK {
		t.Errorf("serve with a mysql:// database started")
	}

	logs, err := os.ReadFile(p.log.Name())
	if err != nil {
		t.Fatal(err)
	}
	all := string(logs) + dbErr
	if !strings.Contains(all, "/-/v1/login/web/REDACTED") {
		t.Errorf("the log has no (redacted) web login request:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("a secret (%.6s…) is in the logs", s)
		}
	}
}

// TestDataFilesArePrivate: the data directory is 0700 and every file the
// server keeps there (SQLite databases with their -wal and -shm files, the
// signing key) is 0600, also when the directory existed with looser modes.
func TestDataFilesArePrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startServer(t, "--data", data, "--packages", "")
	// Writes, so that the databases have their WAL files.
	send("POST", p.base+"/PlanDefinition/x/$apply", `{"resourceType":"Parameters"}`)
	send("PUT", p.base+"/npm/-/user/org.couchdb.user:someone", `{"name":"someone","password":"x"}`)

	var files int
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if got := fi.Mode().Perm(); got&0o077 != 0 || got != want && !d.IsDir() {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(data); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, want 0700", st.Mode().Perm())
	}
	for _, f := range []string{"audit.db", "audit.db-wal", "registry.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("expected %s: %v", f, err)
		}
	}
	if files < 3 {
		t.Errorf("only %d files in the data directory", files)
	}
}

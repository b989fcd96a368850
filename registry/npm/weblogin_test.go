package npm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/internal/storetest"
	"github.com/ccg-project/ccg/registry/store"
)

func postForm(t *testing.T, u string, v url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWebLogin(t *testing.T) {
	for backend, open := range storetest.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			f := newFixtureOn(t, open(t), nil)
			hash, _ := registry.HashPassword("pw-1")
			if err := f.st.CreateUser(context.Background(), store.User{Name: "carol", PasswordHash: hash}); err != nil {
				t.Fatal(err)
			}
			code, m, _ := f.do(t, "POST", "-/v1/login", "", []byte(`{}`))
			loginURL, _ := m["loginUrl"].(string)
			doneURL, _ := m["doneUrl"].(string)
			if code != 200 || !strings.HasPrefix(loginURL, f.url+"-/v1/login/web/") || !strings.HasPrefix(doneURL, f.url+"-/v1/login/done/") {
				t.Fatalf("start: %d %v", code, m)
			}
			done := strings.TrimPrefix(doneURL, f.url)
			poll := func() (int, map[string]any, string) {
				resp, err := http.Get(f.url + done)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				m := map[string]any{}
				b, _ := io.ReadAll(resp.Body)
				json.Unmarshal(b, &m)
				return resp.StatusCode, m, resp.Header.Get("Retry-After")
			}
			if code, m, ra := poll(); code != 202 || ra != "1" || m["token"] != nil {
				t.Errorf("pending poll: %d %v Retry-After %q", code, m, ra)
			}
			// The page is a form; a wrong password is refused and the session stays pending.
			resp, err := http.Get(loginURL)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(page), `name="password"`) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self'") {
				t.Errorf("login page: %d %s", resp.StatusCode, page)
			}
			if code, body := postForm(t, loginURL, url.Values{"username": {"carol"}, "password": {"nope"}}); code != 401 || !strings.Contains(body, "wrong user name or password") {
				t.Errorf("wrong password: %d %s", code, body)
			}
			if code, _, _ := poll(); code != 202 {
				t.Errorf("poll after a wrong password: %d", code)
			}
			// The done secret does not work as a login secret.
			if code, _ := postForm(t, f.url+"-/v1/login/web/"+strings.TrimPrefix(doneURL, f.url+"-/v1/login/done/"), url.Values{"username": {"carol"}, "password": {"pw-1"}}); code != 404 {
				t.Errorf("approving with the done secret: %d", code)
			}
			if code, body := postForm(t, loginURL, url.Values{"username": {"carol"}, "password": {"pw-1"}}); code != 200 || !strings.Contains(body, "Logged in as <strong>carol</strong>") {
				t.Fatalf("login: %d %s", code, body)
			}
			code, m, _ = poll()
			tok, _ := m["token"].(string)
			if code != 200 || tok == "" {
				t.Fatalf("final poll: %d %v", code, m)
			}
			if code, w, _ := f.do(t, "GET", "-/whoami", tok, nil); code != 200 || w["username"] != "carol" {
				t.Errorf("whoami with the web token: %d %v", code, w)
			}
			// The token is handed out once; the page cannot be reused.
			if code, m, _ := poll(); code != 404 || m["error"] == nil {
				t.Errorf("second claim: %d %v", code, m)
			}
			if code, _ := postForm(t, loginURL, url.Values{"username": {"carol"}, "password": {"pw-1"}}); code != 404 {
				t.Errorf("reused login page: %d", code)
			}
			// A made-up session checks no password and creates no account.
			if code, body := postForm(t, f.url+"-/v1/login/web/made-up", url.Values{"username": {"carol"}, "password": {"nope"}}); code != 404 || strings.Contains(body, "wrong") {
				t.Errorf("made-up session: %d %s", code, body)
			}
			if code, m, _ := f.do(t, "GET", "-/v1/login/done/unknown", "", nil); code != 404 || m["error"] == nil {
				t.Errorf("unknown session: %d %v", code, m)
			}
			if code, m, _ := f.do(t, "PUT", "-/v1/login/web/x", "", nil); code != 405 || m["error"] == nil {
				t.Errorf("PUT on the login page: %d %v", code, m)
			}
		})
	}
}

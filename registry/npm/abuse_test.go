package npm

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/internal/lockout"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// handler returns the fixture's npm handler.
func (f *fixture) handler() *Handler { return f.srv.Config.Handler.(*Handler) }

// TestBruteForceLockout sends 50 wrong passwords in a row: only the first
// few are checked, the rest are answered 429 with Retry-After; the right
// password during the lockout is refused too, and works once it is over.
func TestBruteForceLockout(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, nil)
	f.handler().SetLimits(Limits{Failures: lockout.Config{Now: clock.Now}})
	hash, _ := registry.HashPassword("right-pw")
	if err := f.st.CreateUser(context.Background(), store.User{Name: "dave", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	login := func(pw string) (int, map[string]any) {
		code, m, _ := f.do(t, "PUT", "-/user/org.couchdb.user:dave", "", []byte(`{"name":"dave","password":"`+pw+`"}`))
		return code, m
	}
	checked, limited := 0, 0
	for i := 0; i < 50; i++ {
		switch code, m := login("guess-" + string(rune('a'+i%26))); code {
		case 401:
			checked++
		case 429:
			limited++
			if !strings.Contains(m["error"].(string), "try again in") {
				t.Errorf("429 body %v", m)
			}
		default:
			t.Fatalf("attempt %d: %d %v", i, code, m)
		}
		clock.Add(100 * time.Millisecond)
	}
	// 5 free failures, then lockouts of 1s, 2s, 4s within the 5 s the
	// attempts took.
	if checked > 9 || limited < 41 {
		t.Errorf("%d of 50 wrong passwords were checked and %d refused: not slowed down", checked, limited)
	}
	if code, _ := login("right-pw"); code != 429 {
		t.Errorf("right password during the lockout: %d, want 429", code)
	}
	clock.Add(f.handler().failures.Locked("127.0.0.1") + time.Second)
	code, m := login("right-pw")
	if code != 201 || m["token"] == nil {
		t.Fatalf("right password after the lockout: %d %v", code, m)
	}
	// The success cleared the count: one wrong password is a plain 401.
	if code, _ := login("wrong"); code != 401 {
		t.Errorf("wrong password after a success: %d", code)
	}
}

// TestLoginTokenRights: a token from npm login has the rights of the
// user's account: read only by default, so it cannot publish; an account
// given ccg/publish gets publishing login tokens.
func TestLoginTokenRights(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	hash, _ := registry.HashPassword("pw")
	f.st.CreateUser(ctx, store.User{Name: "reader", PasswordHash: hash})
	f.st.CreateUser(ctx, store.User{Name: "writer", PasswordHash: hash, Scopes: []string{registry.ScopePublish}})
	loginTok := func(user string) string {
		code, m, _ := f.do(t, "PUT", "-/user/org.couchdb.user:"+user, "", []byte(`{"name":"`+user+`","password":"pw"}`))
		if code != 201 {
			t.Fatalf("login %s: %d %v", user, code, m)
		}
		return m["token"].(string)
	}
	tgz := testpkg.Tarball(testpkg.Options{Name: "rights", Version: "1.0.0"})
	if code, m, _ := f.do(t, "PUT", "rights", loginTok("reader"), PublishBody("rights", "1.0.0", tgz)); code != 403 || !strings.Contains(m["error"].(string), "no publish rights") {
		t.Errorf("publish with a read-only login token: %d %v", code, m)
	}
	if code, m, _ := f.do(t, "PUT", "rights", loginTok("writer"), PublishBody("rights", "1.0.0", tgz)); code != 200 {
		t.Errorf("publish with a publishing login token: %d %v", code, m)
	}
}

// TestTokenAPI drives npm's /-/npm/v1/tokens: list, create (password
// checked, rights never above the caller's), revoke (own tokens only).
func TestTokenAPI(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	hash, _ := registry.HashPassword("pw")
	f.st.CreateUser(ctx, store.User{Name: "erin", PasswordHash: hash})
	erin := f.user(t, "erin", store.Token{Publish: true})
	if code, _, _ := f.do(t, "GET", "-/npm/v1/tokens", "", nil); code != 401 {
		t.Errorf("anonymous list: %d", code)
	}
	code, m, _ := f.do(t, "GET", "-/npm/v1/tokens", erin, nil)
	if code != 200 || m["total"] != 1.0 {
		t.Fatalf("list: %d %v", code, m)
	}
	if code, _, _ := f.do(t, "POST", "-/npm/v1/tokens", erin, []byte(`{"password":"nope"}`)); code != 401 {
		t.Errorf("create with a wrong password: %d", code)
	}
	code, m, _ = f.do(t, "POST", "-/npm/v1/tokens", erin, []byte(`{"password":"pw","readonly":true}`))
	ro, _ := m["token"].(string)
	if code != 200 || !strings.HasPrefix(ro, "ccg_") || m["readonly"] != true {
		t.Fatalf("create read-only: %d %v", code, m)
	}
	key := m["key"].(string)
	if code, _, _ := f.do(t, "PUT", "rights", ro, PublishBody("rights", "1.0.0", testpkg.Tarball(testpkg.Options{Name: "rights", Version: "1.0.0"}))); code != 403 {
		t.Errorf("publish with the read-only token: %d", code)
	}
	// A read-only token cannot mint a publishing one.
	code, m, _ = f.do(t, "POST", "-/npm/v1/tokens", ro, []byte(`{"password":"pw"}`))
	if code != 200 || m["readonly"] != true {
		t.Errorf("token created by a read-only token: %d %v", code, m)
	}
	if code, m, _ := f.do(t, "GET", "-/npm/v1/tokens", erin, nil); code != 200 || m["total"] != 3.0 {
		t.Errorf("list after creating: %d %v", code, m)
	}
	// alice cannot revoke erin's token; erin can.
	if code, _, _ := f.do(t, "DELETE", "-/npm/v1/tokens/token/"+key, f.token, nil); code != 404 {
		t.Errorf("revoking another user's token: %d", code)
	}
	if code, _, _ := f.do(t, "DELETE", "-/npm/v1/tokens/token/"+key, erin, nil); code != 204 {
		t.Errorf("revoke: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "-/whoami", ro, nil); code != 401 {
		t.Errorf("revoked token still works: %d", code)
	}
}

// TestUserDocOwner: a user's document (with the email) only for its owner.
func TestUserDocOwner(t *testing.T) {
	f := newFixture(t, nil)
	frank := f.user(t, "frank", store.Token{})
	code, m, _ := f.do(t, "GET", "-/user/org.couchdb.user:frank", frank, nil)
	if code != 200 || m["email"] != "frank@example.org" {
		t.Errorf("own document: %d %v", code, m)
	}
	if code, m, _ := f.do(t, "GET", "-/user/org.couchdb.user:alice", frank, nil); code != 403 || m["email"] != nil {
		t.Errorf("another user's document with a read token: %d %v", code, m)
	}
	// A publisher (npm owner add) learns the name, not the email.
	if code, m, _ := f.do(t, "GET", "-/user/org.couchdb.user:frank", f.token, nil); code != 200 || m["name"] != "frank" || m["email"] != nil {
		t.Errorf("document for a publisher: %d %v", code, m)
	}
}

// TestExpiredToken: a token past its expiry answers 401.
func TestExpiredToken(t *testing.T) {
	clock := &testClock{now: time.Now()}
	f := newFixture(t, func(o *registry.Options) { o.Now = clock.Now })
	tok := f.user(t, "gina", store.Token{Expires: clock.Now().Add(time.Hour)})
	if code, _, _ := f.do(t, "GET", "-/whoami", tok, nil); code != 200 {
		t.Errorf("fresh token: %d", code)
	}
	clock.Add(2 * time.Hour)
	if code, m, _ := f.do(t, "GET", "-/whoami", tok, nil); code != 401 || !strings.Contains(m["error"].(string), "expired") {
		t.Errorf("expired token: %d %v", code, m)
	}
}

// TestWebLoginBound: open web login sessions are bounded, overall and per
// client.
func TestWebLoginBound(t *testing.T) {
	f := newFixture(t, nil)
	f.handler().SetLimits(Limits{WebLogins: 3, WebLoginsPerClient: 100})
	for i := 0; i < 3; i++ {
		if code, m, _ := f.do(t, "POST", "-/v1/login", "", []byte(`{}`)); code != 200 {
			t.Fatalf("session %d: %d %v", i, code, m)
		}
	}
	if code, m, _ := f.do(t, "POST", "-/v1/login", "", []byte(`{}`)); code != 429 || !strings.Contains(m["error"].(string), "too many login sessions") {
		t.Errorf("fourth session: %d %v", code, m)
	}
	g := newFixture(t, nil)
	g.handler().SetLimits(Limits{WebLogins: 100, WebLoginsPerClient: 2})
	for i := 0; i < 2; i++ {
		g.do(t, "POST", "-/v1/login", "", []byte(`{}`))
	}
	if code, _, _ := g.do(t, "POST", "-/v1/login", "", []byte(`{}`)); code != 200 {
		t.Errorf("third session of one client (slowed from the next): %d", code)
	}
	if code, _, _ := g.do(t, "POST", "-/v1/login", "", []byte(`{}`)); code != 429 {
		t.Errorf("fourth session of one client: %d", code)
	}
}

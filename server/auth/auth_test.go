package auth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/internal/lockout"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth/authtest"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		granted string
		need    Need
		want    bool
	}{
		{"system/PlanDefinition.rs", Need{Resource: "PlanDefinition", Perm: 'r'}, true},
		{"system/PlanDefinition.rs", Need{Resource: "PlanDefinition", Perm: 's'}, true},
		{"system/PlanDefinition.r", Need{Resource: "PlanDefinition", Perm: 's'}, false},
		{"system/PlanDefinition.rs", Need{Resource: "Library", Perm: 'r'}, false},
		{"system/*.rs", Need{Resource: "AuditEvent", Perm: 's'}, true},
		{"user/Library.read", Need{Resource: "Library", Perm: 's'}, true},
		{"system/Library.*", Need{Resource: "Library", Perm: 'd'}, true},
		{"patient/Library.rs", Need{Resource: "Library", Perm: 'r'}, false},
		{"system/Library.sr", Need{Resource: "Library", Perm: 'r'}, false}, // not in cruds order
		{"system/Library.rs?url=x", Need{Resource: "Library", Perm: 'r'}, false},
		{"ccg/evaluate", Need{Scope: ScopeEvaluate}, true},
		{"system/*.cruds", Need{Scope: ScopeEvaluate}, false},
		{"", Need{}, true},
	} {
		if got := ParseScopes(tc.granted).Allows(tc.need); got != tc.want {
			t.Errorf("%q allows %v: %v, want %v", tc.granted, tc.need, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         Need
	}{
		{"GET", "/metadata", Need{Public: true}},
		{"GET", "/.well-known/smart-configuration", Need{Public: true}},
		{"POST", "/auth/token", Need{Public: true}},
		{"GET", "/healthz", Need{Public: true}},
		{"POST", "/$cql", Need{Scope: ScopeEvaluate}},
		{"GET", "/$cql", Need{Scope: ScopeEvaluate}},
		{"POST", "/PlanDefinition/x/$apply", Need{Scope: ScopeEvaluate}},
		{"POST", "/Library/$evaluate", Need{Scope: ScopeEvaluate}},
		{"POST", "/cds-services/ccg-hypertension", Need{Scope: ScopeEvaluate}},
		{"GET", "/cds-services", Need{Scope: ScopeEvaluate}},
		{"GET", "/AuditEvent", Need{Resource: "AuditEvent", Perm: 's'}},
		{"GET", "/AuditEvent/1", Need{Resource: "AuditEvent", Perm: 'r'}},
		{"POST", "/Library/_search", Need{Resource: "Library", Perm: 's'}},
		{"DELETE", "/Library/x", Need{Resource: "Library", Perm: 'd'}},
		{"GET", "/nowhere", Need{}},
		{"OPTIONS", "/AuditEvent", Need{Public: true}},
		{"GET", "/OperationDefinition/cql-cql", Need{Public: true}},
		{"GET", "/Library/x/$evaluate", Need{Scope: ScopeEvaluate}},
	} {
		if got := Classify(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %+v, want %+v", tc.method, tc.path, got, tc.want)
		}
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	srv   *httptest.Server
	g     *Guard
	reg   *registry.Registry
	audit audit.Store
	clock *clock
}

// newGuarded serves two routes behind a guard built by mod.
func newGuarded(t testing.TB, mod func(*Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	au, err := audit.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { au.Close() })
	key, _ := sign.GenerateKey()
	clk := &clock{t: time.Now()}
	reg, err := registry.New(registry.Options{Store: st, SigningKey: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Registry: reg, Audit: au, Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	g := New(cfg)
	e := echo.New()
	g.Install(e)
	e.GET("/PlanDefinition/:id", func(c echo.Context) error { return c.String(200, "plan "+c.Param("id")) })
	e.POST("/$cql", func(c echo.Context) error { return c.String(200, "evaluated") })
	e.GET("/AuditEvent", func(c echo.Context) error { return c.String(200, "trail") })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, g: g, reg: reg, audit: au, clock: clk}
}

// token makes a ccg token with scopes for user.
func (f *fixture) token(t testing.TB, user string, tok store.Token) string {
	t.Helper()
	ctx := context.Background()
	if err := f.reg.Store().CreateUser(ctx, store.User{Name: user}); err != nil && err != store.ErrUserExists {
		t.Fatal(err)
	}
	secret, hash, _ := registry.NewToken()
	tok.Hash, tok.User = hash, user
	if err := f.reg.Store().CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (f *fixture) do(t *testing.T, method, path, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *fixture) accessEvents(t *testing.T) []audit.Record {
	t.Helper()
	recs, err := f.audit.Search(context.Background(), audit.Query{Kind: audit.KindAccess, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestDenialsAnsweredAndAudited(t *testing.T) {
	f := newGuarded(t, nil)
	good := f.token(t, "svc", store.Token{Scopes: []string{"system/PlanDefinition.rs"}})
	expired := f.token(t, "old", store.Token{Scopes: []string{"system/PlanDefinition.rs"}, Expires: f.clock.Now().Add(time.Minute)})
	f.clock.Add(2 * time.Minute)

	resp, body := f.do(t, "GET", "/PlanDefinition/p", "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="ccg"` || !strings.Contains(body, `"code":"login"`) {
		t.Errorf("anonymous: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	resp, body = f.do(t, "GET", "/PlanDefinition/p", "ccg_made-up")
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("unknown token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	resp, body = f.do(t, "GET", "/PlanDefinition/p", expired)
	if resp.StatusCode != 401 || !strings.Contains(body, "expired") {
		t.Errorf("expired token: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do(t, "POST", "/$cql", good)
	if resp.StatusCode != 403 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="ccg", error="insufficient_scope", scope="ccg/evaluate"` ||
		!strings.Contains(body, `"code":"forbidden"`) || !strings.Contains(body, "needs the scope ccg/evaluate") {
		t.Errorf("wrong scope: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if resp, body := f.do(t, "GET", "/PlanDefinition/p", good); resp.StatusCode != 200 || body != "plan p" {
		t.Errorf("right scope: %d %s", resp.StatusCode, body)
	}
	recs := f.accessEvents(t)
	if len(recs) != 4 {
		t.Fatalf("%d access events, want 4 (one per refusal)", len(recs))
	}
	outcomes := map[string]int{}
	for _, r := range recs {
		outcomes[r.Resource["outcome"].(string)]++
		if r.Resource["resourceType"] != "AuditEvent" || r.Resource["type"].(map[string]any)["code"] != "rest" {
			t.Errorf("not a rest AuditEvent: %v", r.Resource)
		}
	}
	if outcomes["4"] != 2 || outcomes["8"] != 2 {
		t.Errorf("outcomes %v: want two 4 (no token, no scope) and two 8 (invalid, expired)", outcomes)
	}
}

func TestAuditReadsAudited(t *testing.T) {
	f := newGuarded(t, nil)
	tok := f.token(t, "auditor", store.Token{Scopes: []string{"system/AuditEvent.rs"}})
	if resp, body := f.do(t, "GET", "/AuditEvent?patient=Patient/p1", tok); resp.StatusCode != 200 || body != "trail" {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	recs := f.accessEvents(t)
	if len(recs) != 1 {
		t.Fatalf("%d access events, want 1", len(recs))
	}
	ev := recs[0].Resource
	b, _ := json.Marshal(ev)
	for _, want := range []string{`"code":"search-type"`, `"outcome":"0"`, `"value":"auditor"`, `IHE.BasicAudit.Query`, `"query":"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the AuditEvent lacks %s: %s", want, b)
		}
	}
}

func TestBadTokenLockout(t *testing.T) {
	f := newGuarded(t, func(c *Config) { c.Failures = lockout.Config{Free: 3} })
	good := f.token(t, "svc", store.Token{Scopes: []string{"system/PlanDefinition.rs"}})
	codes := []int{}
	for i := 0; i < 6; i++ {
		resp, _ := f.do(t, "GET", "/PlanDefinition/p", "ccg_guess")
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 401 || codes[5] != 429 {
		t.Errorf("codes of repeated bad tokens: %v", codes)
	}
	resp, _ := f.do(t, "GET", "/PlanDefinition/p", good)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("good token during the lockout: %d", resp.StatusCode)
	}
	f.clock.Add(time.Hour)
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", good); resp.StatusCode != 200 {
		t.Errorf("good token after the lockout: %d", resp.StatusCode)
	}
}

func TestEvaluateRateLimit(t *testing.T) {
	f := newGuarded(t, func(c *Config) { c.EvaluateRate, c.EvaluateBurst = 1, 2 })
	tok := f.token(t, "svc", store.Token{Scopes: []string{ScopeEvaluate}})
	other := f.token(t, "other", store.Token{Scopes: []string{ScopeEvaluate}})
	var codes []int
	for i := 0; i < 3; i++ {
		resp, _ := f.do(t, "POST", "/$cql", tok)
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("codes %v, want 200 200 429", codes)
	}
	if resp, _ := f.do(t, "POST", "/$cql", other); resp.StatusCode != 200 {
		t.Errorf("another client: %d", resp.StatusCode)
	}
	f.clock.Add(time.Second)
	if resp, _ := f.do(t, "POST", "/$cql", tok); resp.StatusCode != 200 {
		t.Errorf("after a second: %d", resp.StatusCode)
	}
}

func TestOIDC(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clk := &clock{t: time.Now()}
	ctx := context.Background()
	o, err := NewOIDC(ctx, OIDCConfig{Issuer: iss.URL(), Audience: "ccg-test", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	p, err := o.Verify(ctx, iss.Token(t, "alice", "ccg-test", "system/Library.rs ccg/evaluate", clk.Now(), 5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "alice" || p.Issuer != iss.URL() || p.ClientID != "test-client" || !p.Scopes.Has(ScopeEvaluate) || !p.Scopes.Allows(Need{Resource: "Library", Perm: 's'}) {
		t.Errorf("principal %+v", p)
	}
	old := iss.Token(t, "alice", "ccg-test", "ccg/evaluate", clk.Now(), 5*time.Minute)
	// Key rotation: a token signed with a new key is verified after the
	// keys are fetched again; one signed by the retired key is refused.
	iss.Rotate(false)
	fetches := iss.JWKSFetches.Load()
	// go-oidc hands a key fetch that has just finished to callers that
	// arrive before it clears it, so a rotation right after the first
	// fetch may take a moment to be seen; in service keys rotate far apart.
	rotated := iss.Token(t, "alice", "ccg-test", "ccg/evaluate", clk.Now(), 5*time.Minute)
	_, err = o.Verify(ctx, rotated)
	for i := 0; err != nil && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
		_, err = o.Verify(ctx, rotated)
	}
	if err != nil {
		t.Errorf("token of the rotated key: %v", err)
	}
	if iss.JWKSFetches.Load() == fetches {
		t.Error("the keys were not fetched again after the rotation")
	}
	// go-oidc answers a fetch's waiters before it stores the keys it
	// fetched, so for a moment the retired key may still be cached: wait
	// until a token of the new key verifies from the cache (no fetch).
	for i := 0; i < 100; i++ {
		n := iss.JWKSFetches.Load()
		_, err := o.Verify(ctx, iss.Token(t, "probe-"+strconv.Itoa(i), "ccg-test", "ccg/evaluate", clk.Now(), 5*time.Minute))
		if err == nil && iss.JWKSFetches.Load() == n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := o.Verify(ctx, old); err == nil {
		t.Error("a token of the retired key was accepted")
	}
	for name, tok := range map[string]string{
		"expired":        iss.Token(t, "alice", "ccg-test", "ccg/evaluate", clk.Now().Add(-time.Hour), 5*time.Minute),
		"other audience": iss.Token(t, "alice", "another-app", "ccg/evaluate", clk.Now(), 5*time.Minute),
		"other issuer":   authtest.NewIssuer(t).Token(t, "alice", "ccg-test", "ccg/evaluate", clk.Now(), 5*time.Minute),
		"forged":         authtest.Sign(t, authtest.NewKey(iss.SigningKey().KeyID), map[string]any{"iss": iss.URL(), "aud": "ccg-test", "sub": "x", "exp": clk.Now().Add(time.Minute).Unix()}),
	} {
		if _, err := o.Verify(ctx, tok); err == nil {
			t.Errorf("%s token accepted", name)
		} else if name == "expired" && !strings.Contains(err.Error(), "expired") {
			t.Errorf("expired token: %v", err)
		}
	}
}

func TestTokenEndpoint(t *testing.T) {
	key := authtest.NewKey("client-key")
	var f *fixture
	f = newGuarded(t, func(c *Config) {
		cs, err := NewClients(context.Background(), &Client{ID: "cds-client", JWKS: authtest.PublicJWKSJSON(key), Scope: "system/PlanDefinition.rs ccg/evaluate"})
		if err != nil {
			t.Fatal(err)
		}
		c.Clients = cs
	})
	tokenURL := f.srv.URL + TokenPath
	post := func(form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(tokenURL, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		m := map[string]any{}
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	form := func(assertion, scope string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {assertionType},
			"client_assertion": {assertion}, "scope": {scope}}
	}
	a1 := authtest.Assertion(t, key, "cds-client", tokenURL, "jti-1", f.clock.Now())
	code, m := post(form(a1, "system/PlanDefinition.rs system/AuditEvent.rs"))
	tok, _ := m["access_token"].(string)
	if code != 200 || tok == "" || m["scope"] != "system/PlanDefinition.rs" || m["expires_in"] != 300.0 || m["token_type"] != "bearer" {
		t.Fatalf("token: %d %v", code, m)
	}
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", tok); resp.StatusCode != 200 {
		t.Errorf("issued token: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/$cql", tok); resp.StatusCode != 403 {
		t.Errorf("issued token beyond its granted scope: %d", resp.StatusCode)
	}
	for name, tc := range map[string]struct {
		form url.Values
		code int
		err  string
	}{
		"replayed":        {form(a1, ""), 401, "invalid_client"},
		"wrong audience":  {form(authtest.Assertion(t, key, "cds-client", "http://elsewhere/auth/token", "j2", f.clock.Now()), ""), 401, "invalid_client"},
		"unknown client":  {form(authtest.Assertion(t, key, "nobody", tokenURL, "j3", f.clock.Now()), ""), 401, "invalid_client"},
		"other key":       {form(authtest.Assertion(t, authtest.NewKey("client-key"), "cds-client", tokenURL, "j4", f.clock.Now()), ""), 401, "invalid_client"},
		"scope not given": {form(authtest.Assertion(t, key, "cds-client", tokenURL, "j5", f.clock.Now()), "system/AuditEvent.rs"), 400, "invalid_scope"},
		"grant type":      {url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		"no assertion":    {url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {assertionType}}, 400, "invalid_request"},
	} {
		if code, m := post(tc.form); code != tc.code || m["error"] != tc.err {
			t.Errorf("%s: %d %v, want %d %s", name, code, m, tc.code, tc.err)
		}
	}
	// The issued token expires with its TTL.
	f.clock.Add(6 * time.Minute)
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", tok); resp.StatusCode != 401 {
		t.Errorf("issued token after its lifetime: %d", resp.StatusCode)
	}
}

// TestTokenEndpointJWKSURL: a client whose keys are at a URL; a new key
// there is picked up without a restart.
func TestTokenEndpointJWKSURL(t *testing.T) {
	keys := authtest.NewIssuer(t) // serves the client's JWKS
	f := newGuarded(t, func(c *Config) {
		cs, err := NewClients(context.Background(), &Client{ID: "remote", JWKSURL: keys.JWKSURL(), Scope: "system/PlanDefinition.rs"})
		if err != nil {
			t.Fatal(err)
		}
		c.Clients = cs
	})
	tokenURL := f.srv.URL + TokenPath
	get := func(jti string) int {
		resp, err := http.PostForm(tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {assertionType},
			"client_assertion": {authtest.Assertion(t, keys.SigningKey(), "remote", tokenURL, jti, f.clock.Now())}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("a"); code != 200 {
		t.Fatalf("token with the published key: %d", code)
	}
	keys.Rotate(false)
	code := get("b")
	for i := 0; code != 200 && i < 100; i++ { // see TestOIDC on go-oidc's fetch window
		time.Sleep(10 * time.Millisecond)
		f.clock.Add(time.Hour) // past any lockout the failures started
		code = get("c" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	if code != 200 {
		t.Errorf("token with the client's new key: %d", code)
	}
}

func TestOffLetsEverythingThrough(t *testing.T) {
	f := newGuarded(t, func(c *Config) { c.Off = true })
	if resp, _ := f.do(t, "POST", "/$cql", ""); resp.StatusCode != 200 {
		t.Errorf("--auth off: %d", resp.StatusCode)
	}
	resp, body := f.do(t, "GET", SmartConfigPath, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"token_endpoint":"`+f.srv.URL+TokenPath+`"`) {
		t.Errorf("smart-configuration: %d %s", resp.StatusCode, body)
	}
}

// TestTokenCache: a ccg token is believed for TokenCacheTTL after the
// store found it valid, so a revoked token is refused once that time has
// passed, and an expiry within that time is kept.
func TestTokenCache(t *testing.T) {
	f := newGuarded(t, nil)
	ctx := context.Background()
	tok := f.token(t, "ann", store.Token{Scopes: []string{"system/PlanDefinition.rs"}})
	if resp, body := f.do(t, "GET", "/PlanDefinition/p", tok); resp.StatusCode != 200 {
		t.Fatalf("valid token: %d %s", resp.StatusCode, body)
	}
	ts, err := f.reg.Store().ListTokens(ctx, "ann")
	if err != nil || len(ts) != 1 {
		t.Fatalf("tokens of ann: %v %v", ts, err)
	}
	if err := f.reg.Store().DeleteToken(ctx, ts[0].Hash); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", tok); resp.StatusCode != 200 {
		t.Errorf("revoked token within the cache time: %d, want 200 (still believed)", resp.StatusCode)
	}
	f.clock.Add(TokenCacheTTL)
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", tok); resp.StatusCode != 401 {
		t.Errorf("revoked token after the cache time: %d, want 401", resp.StatusCode)
	}

	short := f.token(t, "bob", store.Token{Scopes: []string{"system/PlanDefinition.rs"}, Expires: f.clock.Now().Add(time.Second)})
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", short); resp.StatusCode != 200 {
		t.Fatalf("token before its expiry: %d", resp.StatusCode)
	}
	f.clock.Add(time.Second)
	if resp, _ := f.do(t, "GET", "/PlanDefinition/p", short); resp.StatusCode != 401 {
		t.Errorf("expired token within the cache time: %d, want 401", resp.StatusCode)
	}
}

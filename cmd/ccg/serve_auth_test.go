package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/auth"
	"github.com/ccg-project/ccg/server/auth/authtest"
)

// servedForTest is a server assembled as `ccg serve` assembles it.
type servedForTest struct {
	url   string
	st    store.Store
	audit audit.Store
}

// serveForTest mounts everything `ccg serve` mounts (with the example
// packages) and installs the guard with flags.
func serveForTest(t *testing.T, flags authFlagValues) *servedForTest {
	t.Helper()
	return serveForTestIn(t, t.TempDir(), registryFlagValues{}, flags)
}

// serveForTestIn is serveForTest on the data directory data.
func serveForTestIn(t *testing.T, data string, reg registryFlagValues, flags authFlagValues) *servedForTest {
	t.Helper()
	glob := "../../examples/*/package"
	servePackagesGlob = &glob
	registryFlags = reg
	syncFlags = syncFlagValues{}
	authFlags = flags
	t.Cleanup(func() { servePackagesGlob, authFlags, registryFlags = nil, authFlagValues{}, registryFlagValues{} })
	srv := server.New(server.Config{Logger: zap.NewNop(), Version: "test"})
	for _, mount := range serveMounts {
		c, err := mount(srv.Echo(), serveConfig{DataDir: data, Server: srv}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		if c != nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	if _, err := installAuth(io.Discard, srv, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &servedForTest{url: hs.URL, st: repositoryForAuth.Store(), audit: auditForServe}
}

// token stores a ccg token with scopes.
func (s *servedForTest) token(t *testing.T, user string, scopes ...string) string {
	t.Helper()
	ctx := context.Background()
	if err := s.st.CreateUser(ctx, store.User{Name: user}); err != nil && err != store.ErrUserExists {
		t.Fatal(err)
	}
	tok, hash, _ := registry.NewToken()
	pub, adm, other := registry.TokenRights(scopes)
	if err := s.st.CreateToken(ctx, store.Token{Hash: hash, User: user, Publish: pub, Admin: adm, Scopes: other}); err != nil {
		t.Fatal(err)
	}
	return tok
}

type routeCase struct {
	method, path, contentType, body string
}

func (s *servedForTest) do(t *testing.T, rc routeCase, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(rc.method, s.url+rc.path, strings.NewReader(rc.body))
	if rc.contentType != "" {
		req.Header.Set("Content-Type", rc.contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// applyBody is a $apply request for an example patient.
func applyBody(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/hypertension/data-in/03-untreated.json")
	if err != nil {
		t.Fatal(err)
	}
	return `{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/htn-03-untreated"},` +
		`{"name":"encounter","valueString":"Encounter/enc-htn-03-untreated"},{"name":"data","resource":` + string(data) + `}]}`
}

// cdsHookBody is a patient-view call of the hypertension Folder's CDS
// Hooks service, with its prefetch (the README's example).
func cdsHookBody(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../testdata/cdshooks/patient-view.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// routeCases makes one request for every route of the server: each
// path parameter gets a value that exists where one is known.
func routeCases(t *testing.T, off *servedForTest, routes []routeCase) []routeCase {
	t.Helper()
	var out []routeCase
	seen := map[string]bool{}
	for _, r := range routes {
		rc := r
		path := rc.path
		if strings.HasPrefix(path, "/npm") && rc.method != http.MethodGet {
			continue // npm's own authentication, tested in registry/npm
		}
		if path == auth.WebLoginPath && rc.method == http.MethodPost {
			continue // the workbench's login form, tested in server/ui
		}
		switch {
		case strings.HasSuffix(path, "/*"):
			// The npm registry: one read is enough, the rest keeps npm's
			// own authentication (tested in registry/npm).
			if rc.method != http.MethodGet {
				continue
			}
			path = strings.TrimSuffix(path, "*") + "-/ping"
		case strings.Contains(path, ":id"):
			typ := strings.Split(strings.Trim(path, "/"), "/")[0]
			id := "no-such-id"
			if typ == "PlanDefinition" || typ == "cds-services" {
				id = "htn-folder"
			} else if code, body := off.do(t, routeCase{method: "GET", path: "/" + typ}, ""); code == 200 {
				var b struct {
					Entry []struct{ Resource struct{ ID string } }
				}
				json.Unmarshal([]byte(body), &b)
				if len(b.Entry) > 0 {
					id = b.Entry[0].Resource.ID
				}
			}
			path = strings.Replace(path, ":id", id, 1)
		}
		if strings.Contains(path, ":") {
			t.Errorf("route %s %s has a parameter this test cannot fill in", rc.method, rc.path)
			continue
		}
		rc.path = path
		switch {
		case strings.HasSuffix(path, "$apply"):
			rc.contentType, rc.body = "application/fhir+json", applyBody(t)
		case path == "/$cql" && rc.method == http.MethodPost:
			rc.contentType, rc.body = "application/fhir+json", `{"resourceType":"Parameters","parameter":[{"name":"expression","valueString":"1 + 1"}]}`
		case path == "/$cql":
			rc.path += "?expression=2%2B2"
		case path == "/cds-services/htn-folder":
			rc.contentType, rc.body = "application/json", cdsHookBody(t)
		case path == "/cds-services/htn-folder/feedback":
			rc.contentType, rc.body = "application/json", `{"feedback":[{"card":"8a0d5c1e-3b2f-4c6d-9e7a-1b2c3d4e5f60","outcome":"overridden","outcomeTimestamp":"2026-11-21T12:00:00Z"}]}`
		case path == auth.TokenPath:
			rc.contentType, rc.body = "application/x-www-form-urlencoded", "grant_type=client_credentials"
		}
		if key := rc.method + " " + rc.path; !seen[key] {
			seen[key] = true
			out = append(out, rc)
		}
	}
	return out
}

func echoRoutes(t *testing.T) []routeCase {
	t.Helper()
	srv := server.New(server.Config{Logger: zap.NewNop()})
	glob := ""
	servePackagesGlob = &glob
	defer func() { servePackagesGlob, authFlags = nil, authFlagValues{} }()
	for _, mount := range serveMounts {
		c, err := mount(srv.Echo(), serveConfig{DataDir: t.TempDir(), Server: srv}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		if c != nil {
			defer c.Close()
		}
	}
	authFlags = authFlagValues{}
	if _, err := installAuth(io.Discard, srv, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	var out []routeCase
	for _, r := range srv.Echo().Routes() {
		if r.Method == echoRouteNotFound {
			continue
		}
		out = append(out, routeCase{method: r.Method, path: r.Path})
	}
	return out
}

// echoRouteNotFound is the method echo lists its not-found routes under.
const echoRouteNotFound = "echo_route_not_found"

// TestAuthEveryRoute walks every route of `ccg serve`: anonymous → 401,
// a token without the route's scope → 403, a token with it → the same
// answer as with --auth off; public routes answer everyone. It does so
// with ccg's own tokens and with JWTs of a test OpenID Connect issuer
// (whose key is rotated half-way; expired JWTs are refused).
func TestAuthEveryRoute(t *testing.T) {
	routes := echoRoutes(t)
	iss := authtest.NewIssuer(t)
	off := serveForTest(t, authFlagValues{mode: "off"})
	on := serveForTest(t, authFlagValues{mode: "on", issuer: iss.URL(), audience: "ccg-test"})
	cases := routeCases(t, off, routes)
	if len(cases) < 10 {
		t.Fatalf("only %d routes found", len(cases))
	}
	wrongOwn := on.token(t, "wrong", "system/Patient.rs")
	now := time.Now()
	checked := 0
	for i, rc := range cases {
		name := rc.method + " " + strings.SplitN(rc.path, "?", 2)[0]
		need := auth.Classify(rc.method, strings.SplitN(rc.path, "?", 2)[0])
		public := need.Public || strings.HasPrefix(rc.path, "/npm") || rc.path == "/catalog"
		want, _ := off.do(t, rc, "")
		if want == 401 || want == 403 {
			t.Errorf("%s: %d with --auth off", name, want)
		}
		if i == len(cases)/2 {
			iss.Rotate(false)
		}
		if public {
			if got, body := on.do(t, rc, ""); got != want {
				t.Errorf("%s is public: anonymous %d, want %d as with --auth off: %s", name, got, want, body)
			}
			continue
		}
		checked++
		// The workbench's pages send a browser without a session to the
		// login page (which needs none).
		web := strings.HasPrefix(rc.path, strings.TrimSuffix(auth.WebPrefix, "/"))
		if got, body := on.do(t, rc, ""); web && !isLoginPage(got, body) {
			t.Errorf("%s anonymous: %d, want the login page: %.300s", name, got, body)
		} else if !web && got != 401 {
			t.Errorf("%s anonymous: %d, want 401: %s", name, got, body)
		}
		right := need.String()
		creds := map[string][2]string{
			"ccg token": {wrongOwn, on.token(t, "right", right)},
			"JWT":       {iss.Token(t, "svc", "ccg-test", "system/Patient.rs", now, time.Hour), iss.Token(t, "svc", "ccg-test", right, now, time.Hour)},
		}
		for kind, c := range creds {
			wrongWant := 403
			if right == "" {
				wrongWant = want // any valid token will do
			}
			if got, body := on.do(t, rc, c[0]); got != wrongWant {
				t.Errorf("%s with a %s without %q: %d, want %d: %s", name, kind, right, got, wrongWant, body)
			} else if got == 403 && !strings.Contains(body, right) {
				t.Errorf("%s: the 403 does not name the scope %s: %s", name, right, body)
			}
			if got, body := on.do(t, rc, c[1]); got != want {
				t.Errorf("%s with a %s with %q: %d, want %d as with --auth off: %s", name, kind, right, got, want, body)
			}
		}
		expired := iss.Token(t, "svc", "ccg-test", right, now.Add(-2*time.Hour), time.Hour)
		if got, body := on.do(t, rc, expired); web && !isLoginPage(got, body) || !web && (got != 401 || !strings.Contains(body, "expired")) {
			t.Errorf("%s with an expired JWT: %d: %.300s", name, got, body)
		}
	}
	if checked < 8 {
		t.Errorf("only %d guarded routes checked", checked)
	}
	// Every refusal is in the audit trail.
	n, err := on.audit.Total(context.Background(), audit.Query{Kind: audit.KindAccess})
	if err != nil || n < 3*checked {
		t.Errorf("%d access AuditEvents for %d guarded routes (%v)", n, checked, err)
	}
}

// isLoginPage reports whether an answer (redirects followed) is the
// workbench's login page.
func isLoginPage(status int, body string) bool {
	return status == http.StatusOK && strings.Contains(body, `<form method="post" action="/ui/login"`)
}

// TestMetadataDescribesSecurity: /metadata and the SMART configuration
// are public and describe the token endpoint.
func TestMetadataDescribesSecurity(t *testing.T) {
	on := serveForTest(t, authFlagValues{mode: "on"})
	code, body := on.do(t, routeCase{method: "GET", path: "/metadata"}, "")
	if code != 200 || !strings.Contains(body, `"code": "SMART-on-FHIR"`) || !strings.Contains(body, `"valueUri": "`+on.url+`/auth/token"`) {
		t.Errorf("/metadata: %d %s", code, body)
	}
	code, body = on.do(t, routeCase{method: "GET", path: auth.SmartConfigPath}, "")
	if code != 200 || !strings.Contains(body, `"token_endpoint":"`+on.url+`/auth/token"`) || !strings.Contains(body, `"private_key_jwt"`) {
		t.Errorf("smart-configuration: %d %s", code, body)
	}
}

// TestServeAuthOffWarns: --auth off prints a loud warning.
func TestServeAuthOffWarns(t *testing.T) {
	var buf bytes.Buffer
	authFlags = authFlagValues{mode: "off"}
	defer func() { authFlags = authFlagValues{} }()
	srv := server.New(server.Config{Logger: zap.NewNop()})
	if _, err := installAuth(&buf, srv, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "WARNING: --auth off") {
		t.Errorf("no warning: %q", buf.String())
	}
	authFlags = authFlagValues{mode: "maybe"}
	if _, err := installAuth(&buf, server.New(server.Config{}), zap.NewNop()); err == nil {
		t.Error("--auth maybe accepted")
	}
}

// TestReadmeAuthExample follows the README's example: a token made with
// `ccg token create --scope` calls $apply, and `ccg perform --token`
// plays the Guideline Performer with it; `ccg token revoke` ends it.
func TestReadmeAuthExample(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := ccg(t, "token", "create", "--data", data, "--user", "performer",
		"--scope", "ccg/evaluate system/Questionnaire.rs", "--expires", "30d")
	if code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	token := strings.TrimSpace(out)
	on := serveForTestIn(t, data, registryFlagValues{}, authFlagValues{mode: "on"})
	rc := routeCase{method: "POST", path: "/PlanDefinition/htn-folder/$apply", contentType: "application/fhir+json", body: applyBody(t)}
	if got, body := on.do(t, rc, token); got != 200 || !strings.Contains(body, `"RequestGroup"`) {
		t.Errorf("$apply with the token: %d %s", got, body)
	}
	if got, _ := on.do(t, rc, ""); got != 401 {
		t.Errorf("$apply without a token: %d", got)
	}
	code, _, errOut = ccg(t, "perform", "--engine", on.url, "--plan", "htn-folder", "--token", token,
		"--data", "../../examples/hypertension/data-in/02-raised-readings.json")
	if code != exitOK {
		t.Errorf("perform --token: %d %s", code, errOut)
	}
	code, _, errOut = ccg(t, "perform", "--engine", on.url, "--plan", "htn-folder",
		"--data", "../../examples/hypertension/data-in/02-raised-readings.json")
	if code != exitFailure || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("perform without a token: %d %s", code, errOut)
	}
	code, out, _ = ccg(t, "token", "list", "--data", data)
	if code != exitOK || !strings.Contains(out, "performer") || !strings.Contains(out, "ccg/evaluate system/Questionnaire.rs") {
		t.Fatalf("token list: %d %s", code, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if code, out, errOut := ccg(t, "token", "revoke", id, "--data", data); code != exitOK || !strings.Contains(out, "revoked "+id) {
		t.Errorf("token revoke: %d %s %s", code, out, errOut)
	}
	// A revoked token is refused within auth.TokenCacheTTL; a minute is
	// only a guard against hanging.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		got, _ := on.do(t, rc, token)
		if got == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("$apply with the revoked token: %d a minute after revoking it", got)
		}
	}
}

// TestRegistryAtRootStaysGuarded: with the npm registry served at "/",
// the FHIR routes still need their tokens, and npm's routes keep npm's
// rules.
func TestRegistryAtRootStaysGuarded(t *testing.T) {
	on := serveForTestIn(t, t.TempDir(), registryFlagValues{prefix: "/"}, authFlagValues{mode: "on"})
	if got, body := on.do(t, routeCase{method: "GET", path: "/AuditEvent"}, ""); got != 401 {
		t.Errorf("GET /AuditEvent anonymous with the registry at /: %d %s", got, body)
	}
	if got, body := on.do(t, routeCase{method: "GET", path: "/-/ping"}, ""); got != 200 {
		t.Errorf("npm ping at /: %d %s", got, body)
	}
}

// TestNPMRefusalsAudited: the npm routes keep npm's answers, and their
// refusals are in the audit trail too.
func TestNPMRefusalsAudited(t *testing.T) {
	on := serveForTest(t, authFlagValues{mode: "on"})
	if got, body := on.do(t, routeCase{method: "PUT", path: "/npm/some-package", contentType: "application/json", body: "{}"}, "ccg_not-a-token"); got != 401 || !strings.Contains(body, `"error"`) {
		t.Fatalf("npm publish with a bad token: %d %s", got, body)
	}
	recs, err := on.audit.Search(context.Background(), audit.Query{Kind: audit.KindAccess})
	if err != nil || len(recs) != 1 || recs[0].Resource["outcome"] != "8" {
		t.Errorf("audit of the npm refusal: %v %v", recs, err)
	}
}

package ui

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/server/auth"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (f *fixture) get(t *testing.T, path string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return send(t, req)
}

func (f *fixture) post(t *testing.T, path string, form url.Values, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, "Location: " + loc
	}
	return resp.StatusCode, string(b)
}

func wantIn(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: %q not found in:\n%.3000s", what, p, body)
		}
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t, false)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/ui/", []string{"Ready", "ccg.example.hypertension", "Hypertension in adults", "Recent failures"}},
		{"/ui/packages", []string{"ccg.example.diabetes", uiPublished, "Workbench test package"}},
		{"/ui/packages?q=hypertension", []string{"ccg.example.hypertension"}},
		{"/ui/package?name=" + uiPublished, []string{"npm install " + uiPublished + "@1.0.0 --registry " + f.srv.URL + "/npm/",
			"CCG package published here", "<code>latest</code> → 1.0.0", "not signed by its publisher", "A package for the &lt;workbench&gt; tests."}},
		{"/ui/package?name=ccg.example.hypertension", []string{"Hypertension in adults", "03-untreated.json"}},
		{"/ui/folder?package=ccg.example.hypertension&id=htn-folder", []string{"Propose the diagnosis of hypertension",
			"Propose a Diagnosis (propdx)", "Elevated On Two Separate Days", `<span class="k">define</span>`, "MedicationRequest (cpg-medicationrequest)"}},
		{"/ui/library?package=ccg.example.hypertension&url=" + url.QueryEscape("https://ccg.example.org/fhir/Library/HTNCommon"), []string{`id="L1"`, "HTNCommon"}},
		{"/ui/playground", []string{`<textarea id="source"`, "HTNCommon (ccg.example.hypertension)"}},
		{"/ui/apply", []string{"htn-folder|1.0.0", "03-untreated.json"}},
		{"/ui/audit", []string{"events match"}},
	} {
		status, body := f.get(t, tc.path, nil)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d\n%.2000s", tc.path, status, body)
			continue
		}
		wantIn(t, tc.path, body, tc.want...)
	}
	if status, _ := f.get(t, "/ui/folder?package=ccg.example.hypertension&id=nope", nil); status != http.StatusNotFound {
		t.Errorf("unknown Folder: %d, want 404", status)
	}
	if status, _ := f.get(t, "/ui/package?name=nope", nil); status != http.StatusNotFound {
		t.Errorf("unknown package: %d, want 404", status)
	}
}

func TestPlayground(t *testing.T) {
	f := newFixture(t, false)
	status, body := f.post(t, "/ui/playground", url.Values{"source": {"Interval[1, 10] contains 5"}}, nil)
	if status != http.StatusOK {
		t.Fatalf("%d\n%s", status, body)
	}
	wantIn(t, "expression", body, "<code>System.Boolean</code>", `<pre class="value" tabindex="0">true</pre>`)

	// A compile error: where it is, with the line and a caret under its column.
	status, body = f.post(t, "/ui/playground", url.Values{"source": {"1 +\n  Foo"}}, nil)
	if status != http.StatusOK {
		t.Fatalf("%d\n%s", status, body)
	}
	wantIn(t, "error", body, `data-line="2" data-col="3"`, "expression:2:3", "  Foo\n  ^</pre>")

	// A library with the package's libraries, a data Bundle and a parameter.
	lib := "library Try\nusing FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\nparameter Limit Integer\ncontext Patient\n" +
		"define Adult: AgeInYears() >= Limit\ndefine Name: Patient.name.family.first()\n"
	status, body = f.post(t, "/ui/playground", url.Values{"source": {lib}, "example": {"ccg.example.hypertension/03-untreated.json"},
		"parameters": {`{"resourceType":"Parameters","parameter":[{"name":"Limit","valueInteger":18}]}`}}, nil)
	if status != http.StatusOK {
		t.Fatalf("%d\n%s", status, body)
	}
	wantIn(t, "library", body, "Results of Try", "<td>Adult</td><td><code>System.Boolean</code></td><td><pre class=\"value\" tabindex=\"0\">true</pre>",
		"<td>Name</td>", "Nowak")

	// Bad data is shown beside its input.
	status, body = f.post(t, "/ui/playground", url.Values{"source": {"1"}, "data": {"{not json"}}, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("bad data: %d, want 400", status)
	}
	wantIn(t, "bad data", body, `aria-describedby="data-error"`, `id="data-error" role="alert">data:`)
}

func TestApply(t *testing.T) {
	f := newFixture(t, false)
	folder := "https://ccg.example.org/fhir/PlanDefinition/htn-folder|1.0.0"
	ex := filepath.Join(examplesDir, "hypertension", "data-in", "03-untreated.json")
	data, err := os.ReadFile(ex)
	if err != nil {
		t.Fatal(err)
	}
	// What the engine itself answers, to compare with the page.
	bundle, _ := fj.DecodeObj(data)
	want, err := f.eng.Apply(context.Background(), &engine.ApplyRequest{URL: folder, Subject: "Patient/htn-03-untreated",
		Encounter: "Encounter/enc-htn-03-untreated", Data: bundle, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Fired) == 0 {
		t.Fatal("the example fires no CARD: pick another")
	}
	// Upload the Bundle as a browser does.
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	mw.WriteField("folder", folder)
	fw, _ := mw.CreateFormFile("upload", "03-untreated.json")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/ui/apply", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	status, page := send(t, req)
	if status != http.StatusOK {
		t.Fatalf("%d\n%.3000s", status, page)
	}
	wantIn(t, "apply", page, "CARDs that fired for Patient/htn-03-untreated", `href="data:application/fhir&#43;json;base64,`, `download="apply-bundle.json"`)
	for _, cr := range want.Cards {
		if cr.Fired {
			// The request's id is new in every answer: its type shows.
			typ, _, _ := strings.Cut(cr.Resource, "/")
			wantIn(t, "fired", page, "→ <code>"+typ+"/")
		}
		for _, c := range cr.Conditions {
			wantIn(t, "explain", page, "<code>"+c.Expression+"</code>: <span class=")
		}
	}
	// The audit trail has the submission and the response.
	_, audit := f.get(t, "/ui/audit?patient=htn-03-untreated", nil)
	wantIn(t, "audit", audit, "2 events match")

	// A bad Bundle: its error beside the input.
	status, page = f.post(t, "/ui/apply", url.Values{"folder": {folder}, "data": {`{"resourceType":"Patient"}`}}, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("bad Bundle: %d, want 400", status)
	}
	wantIn(t, "bad Bundle", page, `id="bundle-error" role="alert"`, "must be a Bundle resource, not Patient")
	status, page = f.post(t, "/ui/apply", url.Values{"folder": {folder}, "data": {`{"resourceType":"Bundle","type":"collection"}`}}, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("refused Bundle: %d, want 400", status)
	}
	wantIn(t, "refused Bundle", page, `id="bundle-error" role="alert"`, "subject parameter is required")
}

func TestAuth(t *testing.T) {
	f := newFixture(t, true)
	// Without a session, a page sends the browser to the login page.
	status, loc := f.get(t, "/ui/playground?x=1", nil)
	if status != http.StatusSeeOther || loc != "Location: /ui/login?next="+url.QueryEscape("/ui/playground?x=1") {
		t.Fatalf("no session: %d %s", status, loc)
	}
	if status, body := f.get(t, "/ui/login", nil); status != http.StatusOK || !strings.Contains(body, `id="password"`) {
		t.Fatalf("login page: %d", status)
	}
	// A wrong password.
	f.token(t, "ann", store.Token{Scopes: []string{"system/AuditEvent.rs"}})
	status, body := f.post(t, "/ui/login", url.Values{"username": {"ann"}, "password": {"wrong"}}, nil)
	if status != http.StatusUnauthorized || !strings.Contains(body, "wrong user name or password") {
		t.Fatalf("wrong password: %d\n%.2000s", status, body)
	}
	// A login from another site is refused.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/ui/login", strings.NewReader("username=ann&password=secret"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if status, _ := send(t, req); status != http.StatusForbidden {
		t.Fatalf("cross-site login: %d, want 403", status)
	}
	// The right one: a session cookie, back to the page asked for.
	req, _ = http.NewRequest(http.MethodPost, f.srv.URL+"/ui/login", strings.NewReader("username=ann&password=secret&next=%2Fui%2Faudit"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == auth.SessionCookie {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/audit" || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: %s %q cookie %+v", resp.Status, resp.Header.Get("Location"), cookie)
	}
	status, body = f.get(t, "/ui/audit", cookie)
	if status != http.StatusOK || !strings.Contains(body, "signed in as <strong>ann</strong>") || !strings.Contains(body, "events match") {
		t.Fatalf("audit with session: %d\n%.2000s", status, body)
	}
	// The search is in the audit trail, as a GET /AuditEvent would be.
	recs, err := f.audit.Search(context.Background(), audit.Query{Kind: audit.KindAccess})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		b, _ := json.Marshal(r.Resource)
		found = found || strings.Contains(string(b), "/ui/audit") && strings.Contains(string(b), `"ann"`)
	}
	if !found {
		t.Errorf("ann's audit search was not recorded (%d access records)", len(recs))
	}
	// Ann's login has no ccg/evaluate: the playground says so.
	status, body = f.post(t, "/ui/playground", url.Values{"source": {"1"}}, cookie)
	if status != http.StatusForbidden || !strings.Contains(body, "needs the scope ccg/evaluate") {
		t.Fatalf("playground without ccg/evaluate: %d\n%.2000s", status, body)
	}
	// A form sent with the cookie from another site is refused.
	req, _ = http.NewRequest(http.MethodPost, f.srv.URL+"/ui/playground", strings.NewReader("source=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(cookie)
	if status, _ := send(t, req); status != http.StatusForbidden {
		t.Fatalf("cross-site form: %d, want 403", status)
	}
	// A pasted token without the audit scope; the audit page refuses.
	bob := f.token(t, "bob", store.Token{Scopes: []string{auth.ScopeEvaluate}})
	status, loc = f.post(t, "/ui/login", url.Values{"token": {bob}}, nil)
	if status != http.StatusSeeOther || loc != "Location: /ui/" {
		t.Fatalf("token login: %d %s", status, loc)
	}
	bc := &http.Cookie{Name: auth.SessionCookie, Value: bob}
	if status, body := f.get(t, "/ui/audit", bc); status != http.StatusForbidden || !strings.Contains(body, "system/AuditEvent.rs") {
		t.Fatalf("audit without scope: %d", status)
	}
	if status, body := f.post(t, "/ui/playground", url.Values{"source": {"2 * 3"}}, bc); status != http.StatusOK || !strings.Contains(body, ">6</pre>") {
		t.Fatalf("playground with ccg/evaluate: %d\n%.2000s", status, body)
	}
	// An unknown token is no session.
	status, _ = f.post(t, "/ui/login", url.Values{"token": {"ccg_nope"}}, nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", status)
	}
	if status, loc := f.get(t, "/ui/", &http.Cookie{Name: auth.SessionCookie, Value: "ccg_nope"}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "Location: /ui/login") {
		t.Fatalf("stale cookie: %d %s", status, loc)
	}
	// Static files need no session (the login page uses them).
	if status, _ := f.get(t, "/ui/static/style.css", nil); status != http.StatusOK {
		t.Fatalf("style sheet: %d", status)
	}
}

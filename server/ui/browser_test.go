package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ccg-project/ccg/engine"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	"github.com/ccg-project/ccg/registry/store"
)

// Browser tests: the pages in headless Chromium (Debian's chromium,
// installed with axe-core by scripts/test-ui.sh). TestBrowserSmoke (one
// page and its accessibility check) runs with the other tests;
// TestBrowser, the whole suite, runs when CCG_UI_BROWSER=full (make
// test-ui). Without chromium or axe-core they skip, except under CI=true,
// where they fail. Screenshots at 1366x768 go to CCG_SCREENSHOTS (default
// build/screenshots at the repository's root).

const (
	viewW, viewH = 1366, 768
	envChromium  = "CCG_CHROMIUM"
	envFull      = "CCG_UI_BROWSER"
	envShots     = "CCG_SCREENSHOTS"
)

var axePath = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// needBrowser returns chromium's path and axe-core's source, or skips.
func needBrowser(t *testing.T) (string, string) {
	t.Helper()
	missing := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...) + ": run scripts/test-ui.sh (make test-ui does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bin := os.Getenv(envChromium)
	if bin == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		missing("no chromium found (set %s or install Debian's chromium)", envChromium)
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		missing("axe-core is not installed in %s", filepath.Dir(filepath.Dir(axePath)))
	}
	return bin, string(axe)
}

// browser is a headless Chromium with a fresh profile, recording the
// console errors of the page.
type browser struct {
	t      *testing.T
	ctx    context.Context
	axe    string
	shots  string
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	bin, axe := needBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(viewW, viewH),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, axe: axe, shots: screenshotDir(t)}
	b.do() // starts the browser
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	logs := chromedp.Events(ctx, cdplog.EntryAdded)
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.addError("console.error: " + strings.Join(parts, " "))
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			b.addError("exception: " + msg)
		}
	}()
	go func() {
		for ev, err := range logs {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError {
				b.addError(string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	}()
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.EmulateViewport(viewW, viewH))
	return b
}

func (b *browser) addError(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// screenshotDir is where screenshots go; it is printed once.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv(envShots)
	if dir == "" {
		dir = filepath.Join("..", "..", "build", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	printShotsOnce.Do(func() { fmt.Printf("ui browser tests: screenshots (%dx%d) in %s\n", viewW, viewH, abs) })
	return abs
}

var printShotsOnce sync.Once

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// get runs an action that returns a value.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// takeErrors returns and forgets the console errors seen so far.
func (b *browser) takeErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

// open loads url and checks that it logged no console error.
func (b *browser) open(url string) {
	b.t.Helper()
	b.takeErrors()
	b.do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
	b.noErrors(url)
}

func (b *browser) noErrors(what string) {
	b.t.Helper()
	// Let late events (a failed style sheet, a script error) arrive.
	b.do(chromedp.Sleep(100 * time.Millisecond))
	if errs := b.takeErrors(); len(errs) > 0 {
		b.t.Errorf("%s: console errors:\n%s", what, strings.Join(errs, "\n"))
	}
}

// shot writes a screenshot of the viewport.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := get(b, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axeViolation is one serious or critical axe-core finding.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAccessibility runs axe-core (WCAG 2.1 A and AA and best
// practices) on the page and fails on serious or critical violations.
func (b *browser) checkAccessibility(what string) {
	b.t.Helper()
	loaded := get(b, chromedp.Evaluate[bool](b.axe+";typeof axe === 'object'"))
	if !loaded {
		b.t.Fatal("axe-core did not load")
	}
	const script = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
		.then(r => ({checked: r.passes.length + r.violations.length,
			violations: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
				.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))}))`
	res := get(b, chromedp.Evaluate[struct {
		Checked    int
		Violations []axeViolation
	}](script, chromedp.EvalAwaitPromise))
	if res.Checked == 0 {
		b.t.Errorf("%s: axe-core checked no rule", what)
	}
	for _, v := range res.Violations {
		b.t.Errorf("%s: accessibility (%s) %s: %s at %s", what, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "; "))
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Text(chromedp.CSS(sel)))
}

// TestBrowserSmoke loads the start page in Chromium: no console error,
// no serious accessibility violation.
func TestBrowserSmoke(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, false)
	b.open(f.srv.URL + "/ui/")
	b.checkAccessibility("/ui/")
	b.shot("start")
}

// TestBrowser is the whole browser suite (CCG_UI_BROWSER=full).
func TestBrowser(t *testing.T) {
	if os.Getenv(envFull) != "full" {
		t.Skipf("the full browser suite runs with %s=full (make test-ui)", envFull)
	}
	b := newBrowser(t)
	f := newFixture(t, false)
	base := f.srv.URL

	t.Run("pages", func(t *testing.T) {
		b.t = t
		for _, p := range []struct{ name, path string }{
			{"start", "/ui/"},
			{"packages", "/ui/packages"},
			{"package", "/ui/package?name=" + uiPublished},
			{"package-loaded", "/ui/package?name=ccg.example.hypertension"},
			{"folder", "/ui/folder?package=ccg.example.hypertension&id=htn-folder"},
			{"library", "/ui/library?package=ccg.example.hypertension&url=https%3A%2F%2Fccg.example.org%2Ffhir%2FLibrary%2FHTNProposeDiagnosis#L10"},
			{"playground", "/ui/playground"},
			{"apply", "/ui/apply"},
			{"audit", "/ui/audit"},
		} {
			b.open(base + p.path)
			b.checkAccessibility(p.path)
			b.shot(p.name)
		}
	})

	t.Run("playground", func(t *testing.T) {
		b.t = t
		b.open(base + "/ui/playground")
		b.do(chromedp.SetValue(chromedp.ID("source"), "Interval[1, 10] contains 5\n  and 2 + 3 = 5"),
			chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("results-table")))
		b.noErrors("playground result")
		got := b.text("#results-table tbody")
		if !strings.Contains(got, "System.Boolean") || !strings.Contains(got, "true") {
			t.Errorf("result: %q", got)
		}
		b.checkAccessibility("playground result")
		b.shot("playground-result")

		// An error: clicking it puts the cursor at its line and column.
		b.do(chromedp.SetValue(chromedp.ID("source"), "1 +\n  Foo"),
			chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("button.goto")))
		b.noErrors("playground error")
		b.checkAccessibility("playground error")
		b.shot("playground-error")
		b.do(chromedp.Click(chromedp.CSS("button.goto")))
		pos := get(b, chromedp.Evaluate[struct{ Start, End int }](`(() => { const s = document.getElementById('source'); return {Start: s.selectionStart, End: s.selectionEnd}; })()`))
		focused := get(b, chromedp.Evaluate[string](`document.activeElement.id`))
		// "1 +\n  Foo": line 2, column 3 is offset 4 + 2.
		if pos.Start != 6 || pos.End != 6 || focused != "source" {
			t.Errorf("after clicking the error: cursor %+v in #%s, want 6 in #source", pos, focused)
		}
	})

	t.Run("apply", func(t *testing.T) {
		b.t = t
		folder := "https://ccg.example.org/fhir/PlanDefinition/htn-folder|1.0.0"
		exName := "03-untreated.json"
		b.open(base + "/ui/apply")
		b.do(chromedp.SetValue(chromedp.ID("folder"), folder),
			chromedp.SetValue(chromedp.ID("example"), "ccg.example.hypertension/"+exName),
			chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("apply-result")))
		b.noErrors("apply result")
		b.checkAccessibility("apply result")
		b.shot("apply-result")
		// The CARDs listed are those the engine fires for this patient.
		data, err := os.ReadFile(filepath.Join(examplesDir, "hypertension", "data-in", exName))
		if err != nil {
			t.Fatal(err)
		}
		bundle, _ := fj.DecodeObj(data)
		res, err := f.eng.Apply(context.Background(), &engine.ApplyRequest{URL: folder, Subject: "Patient/htn-03-untreated",
			Encounter: "Encounter/enc-htn-03-untreated", Data: bundle})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range res.Cards {
			if c.Fired {
				want = append(want, c.Resource)
			}
		}
		got := get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('ul.fired > li > code')].map(e => e.textContent)`))
		if len(want) == 0 || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("fired CARDs shown %q, the engine fires %q", got, want)
		}
		href := get(b, chromedp.AttributeValue(chromedp.CSS(`a[download]`), "href"))
		if !href.Exists || !strings.HasPrefix(href.Value, "data:application/fhir+json;base64,") {
			t.Errorf("download link %.60q", href.Value)
		}
	})

	t.Run("bad-bundle", func(t *testing.T) {
		b.t = t
		b.open(base + "/ui/apply")
		b.do(chromedp.SetValue(chromedp.ID("data"), `{"resourceType": "Bundle", "type": "collection", "entry": [`),
			chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("bundle-error")))
		// The page is a 400; Chromium logs that as a network error.
		for _, e := range b.takeErrors() {
			if !strings.HasPrefix(e, "network: ") || !strings.Contains(e, "400") {
				t.Errorf("console error: %s", e)
			}
		}
		msg := b.text("#bundle-error")
		if !strings.Contains(msg, "not valid JSON") {
			t.Errorf("error shown: %q", msg)
		}
		// It is beside the input: in the Bundle's fieldset, and the input
		// points at it.
		inFieldset := get(b, chromedp.Evaluate[bool](`document.getElementById('bundle-error').closest('fieldset') === document.getElementById('data').closest('fieldset')`))
		described := get(b, chromedp.AttributeValue(chromedp.ID("data"), "aria-describedby")).Value
		if !inFieldset || described != "bundle-error" {
			t.Errorf("the error is not tied to the input: same fieldset %v, aria-describedby %q", inFieldset, described)
		}
		b.checkAccessibility("bad Bundle")
		b.shot("apply-bad-bundle")
	})

	t.Run("login", func(t *testing.T) {
		b.t = t
		fa := newFixture(t, true)
		fa.token(t, "ann", store.Token{Scopes: []string{"ccg/evaluate", "system/AuditEvent.rs"}})
		b.open(fa.srv.URL + "/ui/audit")
		url := get(b, chromedp.Location())
		if !strings.Contains(url, "/ui/login?next=") {
			t.Fatalf("without a session: at %s", url)
		}
		b.checkAccessibility("login")
		b.shot("login")
		b.do(chromedp.SendKeys(chromedp.ID("username"), "ann"), chromedp.SendKeys(chromedp.ID("password"), "secret"),
			chromedp.Click(chromedp.CSS(`form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`form[role=search]`)))
		url = get(b, chromedp.Location())
		b.noErrors("after login")
		if !strings.HasSuffix(url, "/ui/audit") || !strings.Contains(b.text(".who"), "ann") {
			t.Errorf("after login: at %s, %q", url, b.text(".who"))
		}
		b.shot("audit-signed-in")
	})
}

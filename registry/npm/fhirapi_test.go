package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// fhirFixture serves the npm API at /npm/ and the FHIR package API at
// /fhir-packages/ over one repository.
func fhirFixture(t *testing.T, st store.Store, mod func(*registry.Options)) (*fixture, string) {
	f := newFixtureOn(t, st, mod)
	mux := http.NewServeMux()
	mux.Handle("/npm/", f.h)
	mux.Handle(FHIRPackagesPrefix, f.h.FHIRPackages(FHIRPackagesPrefix))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/npm/"
	return f, srv.URL + FHIRPackagesPrefix
}

func getBody(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// withCanonical is a test package whose package.json names its canonical.
func withCanonical(t *testing.T, o testpkg.Options) []byte {
	files := testpkg.Files(o)
	var m map[string]any
	json.Unmarshal(files["package.json"], &m)
	m["canonical"] = o.Canonical
	files["package.json"], _ = json.Marshal(m)
	files, err := fhirpkg.WithIndex(files)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := fhirpkg.WriteTarball(files)
	if err != nil {
		t.Fatal(err)
	}
	return tgz
}

func TestFHIRPackageAPI(t *testing.T) { onBackends(t, testFHIRPackageAPI) }

func testFHIRPackageAPI(t *testing.T, st store.Store) {
	f, api := fhirFixture(t, st, func(o *registry.Options) { o.Names = registry.FHIRNames })
	ctx := context.Background()
	htn := withCanonical(t, testpkg.Options{Name: "ccg.test.htn", Version: "1.0.0", Canonical: "https://htn.example/fhir"})
	if code, m := f.publish(t, "ccg.test.htn", "1.0.0", htn); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	pre := withCanonical(t, testpkg.Options{Name: "ccg.test.beta", Version: "0.1.0-ballot", Canonical: "https://beta.example/fhir", FHIRVersion: "5.0.0"})
	if code, m := f.publish(t, "ccg.test.beta", "0.1.0-ballot", pre); code != 200 {
		t.Fatalf("publish prerelease: %d %v", code, m)
	}
	core := testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1")
	if _, err := f.reg.StoreMirror(ctx, core, "import", "", nil); err != nil {
		t.Fatal(err)
	}

	// The package document, as packages.fhir.org serves it.
	code, body, _ := getBody(t, api+"ccg.test.htn")
	var doc struct {
		Name     string
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Name, Version, FHIRVersion, URL string
			Dist                            struct{ Shasum, Integrity, Tarball string }
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); code != 200 || err != nil {
		t.Fatalf("document: %d %s", code, body)
	}
	integ, shasum := registry.Integrity(htn)
	v := doc.Versions["1.0.0"]
	if doc.Name != "ccg.test.htn" || doc.DistTags["latest"] != "1.0.0" || v.FHIRVersion != "R4" || v.Dist.Shasum != shasum ||
		v.Dist.Integrity != integ || v.Dist.Tarball != api+"ccg.test.htn/1.0.0" || v.URL != v.Dist.Tarball {
		t.Errorf("document: %s", body)
	}
	// The tarball, by version and by tag.
	for _, p := range []string{"ccg.test.htn/1.0.0", "ccg.test.htn/latest"} {
		if code, body, hdr := getBody(t, api+p); code != 200 || body != string(htn) || hdr.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: %d (%d bytes)", p, code, len(body))
		}
	}
	for p, want := range map[string]int{"ccg.test.htn/9.9.9": 404, "ccg.test.htn/nope": 404, "no.such.pkg": 404, "": 404, "-/nothing": 404} {
		if code, body, _ := getBody(t, api+p); code != want || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d", p, code, body, want)
		}
	}
	if res, err := http.Post(api+"ccg.test.htn", "application/json", nil); err != nil || res.StatusCode != 405 {
		t.Errorf("POST: %v %v", res.StatusCode, err)
	}

	// The catalog: capitalised keys, fhirversion as a release or a version.
	catalog := func(q string) []string {
		t.Helper()
		code, body, _ := getBody(t, api+"catalog?"+q)
		var es []map[string]any
		if err := json.Unmarshal([]byte(body), &es); code != 200 || err != nil {
			t.Fatalf("catalog?%s: %d %s", q, code, body)
		}
		var names []string
		for _, e := range es {
			if _, ok := e["Name"]; !ok {
				t.Errorf("catalog entry without Name: %v", e)
			}
			names = append(names, e["Name"].(string))
		}
		slices.Sort(names)
		return names
	}
	for q, want := range map[string][]string{
		"":                                   {"ccg.test.beta", "ccg.test.htn", "hl7.fhir.r4.core"},
		"fhirversion=R4":                     {"ccg.test.htn", "hl7.fhir.r4.core"},
		"fhirversion=4.0.1":                  {"ccg.test.htn", "hl7.fhir.r4.core"},
		"fhirversion=4.0":                    {"ccg.test.htn", "hl7.fhir.r4.core"},
		"fhirversion=R5":                     {"ccg.test.beta"},
		"fhirversion=R4B":                    nil,
		"name=htn":                           {"ccg.test.htn"},
		"canonical=https://htn.example/fhir": {"ccg.test.htn"},
		"canonical=https://htn.example/fhir/PlanDefinition/test-card": {"ccg.test.htn"},
		"canonical=https://htn.example/fhirx":                         nil,
		"canonical=http://hl7.org/fhir":                               {"hl7.fhir.r4.core"},
		"prerelease=false":                                            {"ccg.test.htn", "hl7.fhir.r4.core"},
		"prerelease=true&fhirversion=R5":                              {"ccg.test.beta"},
	} {
		if got := catalog(q); !slices.Equal(got, want) {
			t.Errorf("catalog?%s: %v, want %v", q, got, want)
		}
	}
	if code, _, _ := getBody(t, api+"catalog?prerelease=maybe"); code != 400 {
		t.Errorf("prerelease=maybe: %d", code)
	}

	// The feed: what was published here, newest first, no mirrors.
	code, body, hdr := getBody(t, api+"-/package-feed.xml")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("feed: %d %s", code, hdr.Get("Content-Type"))
	}
	var feed struct {
		Version string `xml:"version,attr"`
		Channel struct {
			Title string `xml:"title"`
			Items []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				Description string `xml:"description"`
				PubDate     string `xml:"pubDate"`
				GUID        string `xml:"guid"`
				Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
				FHIRVersion string `xml:"http://hl7.org/fhir/feed version"`
				Kind        string `xml:"http://hl7.org/fhir/feed kind"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil || feed.Version != "2.0" {
		t.Fatalf("feed is not RSS 2.0: %v\n%s", err, body)
	}
	if len(feed.Channel.Items) != 2 {
		t.Fatalf("feed items: %s", body)
	}
	it := feed.Channel.Items[1]
	if feed.Channel.Items[0].Title != "ccg.test.beta#0.1.0-ballot" || it.Title != "ccg.test.htn#1.0.0" || it.Link != api+"ccg.test.htn/1.0.0" ||
		it.GUID != it.Link || it.Creator != "alice" || it.FHIRVersion != "4.0.1" || it.Kind != "IG" || !strings.Contains(it.Description, "ccg.test.htn") {
		t.Errorf("feed items: %+v", feed.Channel.Items)
	}
	if _, err := http.ParseTime(it.PubDate); err != nil {
		t.Errorf("pubDate %q: %v", it.PubDate, err)
	}
}

// TestFHIRPackageAPIUpstream: a package not held is read through the
// upstreams by the FHIR package API too, and cached as a mirror.
func TestFHIRPackageAPIUpstream(t *testing.T) {
	fu := newFakeUpstream(t)
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, api := fhirFixture(t, st, nil)
	up, err := upstream.Parse("b=" + fu.srv.URL + ";names=hl7.*")
	if err != nil {
		t.Fatal(err)
	}
	f.h.SetUpstreams(upstream.Set{up})
	code, body, _ := getBody(t, api+"hl7.fhir.r4.core")
	if code != 200 || !strings.Contains(body, `"tarball":"`+api+`hl7.fhir.r4.core/4.0.1"`) {
		t.Fatalf("document: %d %s", code, body)
	}
	if code, body, _ := getBody(t, api+"hl7.fhir.r4.core/4.0.1"); code != 200 || body != string(fu.tgz) {
		t.Fatalf("tarball: %d", code)
	}
	if v, err := f.st.Version(context.Background(), "hl7.fhir.r4.core", "4.0.1"); err != nil || !registry.IsMirror(v.Publisher) {
		t.Fatalf("not cached: %v", err)
	}
}

func TestFHIRPackageNames(t *testing.T) {
	for _, tc := range []struct{ name, problem string }{
		{"ccg.example.diabetes", ""}, {"hl7.fhir.r4.core", ""}, {"acme.bp-care.v2", ""},
		{"diabetes", "no dot"}, {"ccg..x", "empty"}, {"ccg.example.", "empty"}, {"ccg.9lives", "does not start with a lower-case letter"},
		{"ccg.ex_ample", `'_'`}, {"ccg.Example", "does not start"}, {"ccg.ex~", `'~'`},
	} {
		got := registry.FHIRNameProblem(tc.name)
		if (tc.problem == "") != (got == "") || !strings.Contains(got, tc.problem) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.problem)
		}
	}
	for _, tc := range []struct {
		rule   registry.NameRule
		name   string
		mirror bool
		status int
		msg    string
	}{
		{registry.FHIRNames, "ccg.test.ok", false, 200, ""},
		{registry.FHIRNames, "nodots", false, 400, "nodots is not a FHIR package name: it has no dot"},
		{registry.FHIRNames, "@acme/bp", false, 400, "--registry-scoped-names"},
		{registry.FHIROrScopedNames, "@acme/bp", false, 200, ""},
		{registry.FHIROrScopedNames, "@acme/core", true, 400, "mirrors keep FHIR package names"},
		{registry.FHIROrScopedNames, "nodots", false, 400, "not a FHIR package name"},
		{registry.AnyNPMName, "nodots", false, 200, ""},
	} {
		f := newFixture(t, func(o *registry.Options) { o.Names = tc.rule })
		var code int
		var m map[string]any
		if tc.mirror {
			root := f.user(t, "root", store.Token{Admin: true, Publish: true})
			code, m, _ = f.do(t, "PUT", escapeName(tc.name), root, mirrorBody(t, tc.name, "4.0.1", testpkg.CoreTarball(tc.name, "4.0.1")))
		} else {
			code, m = f.publish(t, tc.name, "1.0.0", testpkg.Tarball(testpkg.Options{Name: tc.name}))
		}
		if e, _ := m["error"].(string); code != tc.status || !strings.Contains(e, tc.msg) {
			t.Errorf("rule %d, %s (mirror %v): %d %v, want %d %q", tc.rule, tc.name, tc.mirror, code, m, tc.status, tc.msg)
		}
	}
	// A package stored before the rule keeps taking versions.
	f := newFixture(t, nil)
	if code, m := f.publish(t, "legacy", "1.0.0", testpkg.Tarball(testpkg.Options{Name: "legacy"})); code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	key, _ := sign.GenerateKey()
	strict, err := registry.New(registry.Options{Store: f.st, SigningKey: key, Names: registry.FHIRNames})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest("PUT", "/npm/legacy", bytes.NewReader(PublishBody("legacy", "1.1.0", testpkg.Tarball(testpkg.Options{Name: "legacy", Version: "1.1.0"}))))
	req.Header.Set("Authorization", "Bearer "+f.token)
	New(strict, "/npm/", nil).ServeHTTP(w, req)
	if code := w.Code; code != 200 {
		m := w.Body.String()
		t.Errorf("new version of a package named before the rule: %d %v", code, m)
	}
}

package sync

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/engine"
)

// do sends a request to the repository as its publisher.
func (r *repo) do(method, path string, body []byte) (int, map[string]any) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// unpublish removes one version (as npm unpublish NAME@VERSION does) or,
// with version "", the whole package.
func (r *repo) unpublish(name, version string) {
	r.t.Helper()
	_, doc := r.do("GET", name, nil)
	rev, _ := doc["_rev"].(string)
	if version == "" {
		if code, m := r.do("DELETE", name+"/-rev/"+rev, nil); code != 200 {
			r.t.Fatalf("unpublish %s: %d %v", name, code, m)
		}
		return
	}
	delete(doc["versions"].(map[string]any), version)
	b, _ := json.Marshal(doc)
	if code, m := r.do("PUT", name+"/-rev/"+rev, b); code != 200 {
		r.t.Fatalf("unpublish %s@%s: %d %v", name, version, code, m)
	}
}

// Packages unpublished from the repository are unloaded; a version
// unpublished from a package gives way to the new latest.
func TestUnpublishedUnloaded(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, log := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.stays", Version: "1.0.0"})
	r.publish(testpkg.Options{Name: "ccg.stays", Version: "1.1.0"})
	r.publish(testpkg.Options{Name: "ccg.goes", Version: "1.0.0"})
	once(t, s)
	if got := loaded(eng); !cmp.Equal(got, map[string]string{"ccg.stays": "1.1.0", "ccg.goes": "1.0.0"}) {
		t.Fatalf("loaded %v", got)
	}
	r.unpublish("ccg.goes", "")
	r.unpublish("ccg.stays", "1.1.0")
	rep := once(t, s)
	if !cmp.Equal(rep.Removed, []string{"ccg.goes"}) || !cmp.Equal(rep.Installed, []string{"ccg.stays@1.0.0"}) {
		t.Errorf("report %+v", rep)
	}
	if got := loaded(eng); !cmp.Equal(got, map[string]string{"ccg.stays": "1.0.0"}) {
		t.Errorf("loaded after unpublishing %v", got)
	}
	if !log.has("guideline package unloaded: the repository no longer has it", "ccg.goes") {
		t.Error("the unload was not logged")
	}
	// A package the syncer did not install (a local one) is left alone.
	if rep := once(t, s); len(rep.Removed) != 0 {
		t.Errorf("second round removed %v", rep.Removed)
	}
}

// A repository serving its own engine: every publish and unpublish
// refreshes the package at once, through the in-process transport,
// before the publisher gets its answer.
func TestRefreshOnChange(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, _ := newSyncer(t, r, eng, func(o *Options) {
		o.Repository = "http://ccg.internal/npm/"
		o.Client = &http.Client{Transport: r.h.LocalTransport(), Timeout: time.Minute}
	})
	var lastErr error
	r.h.OnChange(func(name string) { lastErr = s.Refresh(context.Background(), name) })
	r.publish(testpkg.Options{Name: "ccg.own", Version: "1.0.0"})
	if _, ok := eng.PlanDefinition("test-folder"); !ok || loaded(eng)["ccg.own"] != "1.0.0" || lastErr != nil {
		t.Fatalf("not loaded right after publishing: %v", loaded(eng))
	}
	r.publish(testpkg.Options{Name: "ccg.own", Version: "1.1.0"})
	if v := loaded(eng)["ccg.own"]; v != "1.1.0" {
		t.Errorf("after publishing 1.1.0: %s", v)
	}
	// A new version with errors does not replace the loaded one.
	r.publish(testpkg.Options{Name: "ccg.own", Version: "1.2.0", CQL: "library TestLogic version '1.0.0'\n\ndefine \"Applies\": 1 + 'a'\n"})
	if v := loaded(eng)["ccg.own"]; v != "1.1.0" || lastErr == nil || !strings.Contains(lastErr.Error(), "compile problems") {
		t.Errorf("after publishing a broken 1.2.0: %s loaded, refresh said %v", v, lastErr)
	}
	r.unpublish("ccg.own", "1.2.0")
	r.unpublish("ccg.own", "1.1.0")
	if v := loaded(eng)["ccg.own"]; v != "1.0.0" {
		t.Errorf("after unpublishing 1.1.0 and 1.2.0: %s", v)
	}
	r.unpublish("ccg.own", "")
	if _, ok := loaded(eng)["ccg.own"]; ok || lastErr != nil {
		t.Errorf("still loaded after unpublishing the package (%v)", lastErr)
	}
	if rep := once(t, s); rep.Listed != 0 || len(rep.Installed) != 0 {
		t.Errorf("a round after: %+v", rep)
	}
}

// Two synced packages holding the same canonicals (published by the same
// user, who owns the base): the one published first answers for them,
// whatever the names' order.
func TestCanonicalOwnerFromRepository(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	s, _ := newSyncer(t, r, eng, nil)
	r.publish(testpkg.Options{Name: "ccg.z-first", Version: "1.0.0"})
	time.Sleep(5 * time.Millisecond)
	r.publish(testpkg.Options{Name: "ccg.a-second", Version: "1.0.0"})
	once(t, s)
	cs := eng.Conflicts()
	if len(cs) == 0 {
		t.Fatal("no conflict reported")
	}
	for _, c := range cs {
		if c.Owner != "ccg.z-first@1.0.0" {
			t.Errorf("conflict %+v", c)
		}
	}
}

// With the Trusted CCG option, a key added to the trusted keys folder
// makes the Folders it signs applicable at the next round, without a
// restart; removing it makes them inactive again.
func TestTrustedKeysReloaded(t *testing.T) {
	r := newRepo(t)
	eng := engine.New(engine.Options{})
	dir := t.TempDir()
	s, _ := newSyncer(t, r, eng, func(o *Options) {
		o.Content.TrustedCCG = true
		o.TrustedKeys = sign.NewKeyDir(dir)
	})
	r.publishSigned(testpkg.Options{Name: "ccg.signed", Version: "1.0.0"})
	inactive := func() string {
		for _, p := range eng.Packages() {
			if p.Name == "ccg.signed" {
				return p.Inactive["PlanDefinition/test-folder"]
			}
		}
		t.Fatal("ccg.signed is not loaded")
		return ""
	}
	once(t, s)
	if why := inactive(); !strings.Contains(why, "not trusted") {
		t.Fatalf("before its key is trusted: %q", why)
	}
	pub, _ := r.signer.PublicPEM()
	if err := os.WriteFile(filepath.Join(dir, "publisher.pub"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	if rep := once(t, s); !cmp.Equal(rep.Installed, []string{"ccg.signed@1.0.0"}) {
		t.Errorf("round after adding the key: %+v", rep)
	}
	if why := inactive(); why != "" {
		t.Errorf("after adding the key: %q", why)
	}
	if rep := once(t, s); len(rep.Installed) != 0 {
		t.Errorf("a round with unchanged keys installed %v", rep.Installed)
	}
	os.Remove(filepath.Join(dir, "publisher.pub"))
	once(t, s)
	if why := inactive(); why == "" {
		t.Error("still applicable after removing the key")
	}
}

package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ccg-project/ccg/internal/testenv"
)

// backends lists the stores the shared suite runs on. PostgreSQL runs when
// CCG_TEST_POSTGRES holds a DSN; under CI=true its absence is a failure.
func backends(t *testing.T) map[string]func(t *testing.T) Store {
	b := map[string]func(t *testing.T) Store{
		"sqlite": func(t *testing.T) Store {
			s, err := OpenSQLite(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		// Skipped visibly, test by test, so that `make test` lists them.
		b["postgres"] = func(t *testing.T) Store {
			t.Skip("PostgreSQL store suite skipped: set CCG_TEST_POSTGRES (see scripts/test-postgres.sh)")
			return nil
		}
		return b
	}
	b["postgres"] = func(t *testing.T) Store { return OpenTestPostgres(t, dsn) }
	return b
}

// OpenTestPostgres opens a store in a fresh schema of the database at dsn,
// dropped when the test ends.
func OpenTestPostgres(t testing.TB, dsn string) Store {
	t.Helper()
	ctx := context.Background()
	var rb [6]byte
	rand.Read(rb[:])
	schema := "t_" + hex.EncodeToString(rb[:])
	admin, err := OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := admin.(*sqlStore).db
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := OpenPostgres(ctx, dsn+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return s
}

func mkVersion(name, ver string, tarball []byte) PublishRequest {
	doc, _ := json.Marshal(map[string]any{"name": name, "version": ver})
	return PublishRequest{
		Version: Version{
			Name: name, Version: ver, Doc: doc,
			Integrity: "sha512-x", Shasum: "abc", SHA512: SHA512Hex(tarball),
			Description: "guideline " + name, FHIRVersion: "4.0.1",
			Keywords: []string{"ccg", "hypertension"}, Publisher: "alice",
		},
		Tarball:  tarball,
		DistTags: map[string]string{"latest": ver},
	}
}

func TestStoreSuite(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("PublishAndRead", func(t *testing.T) { testPublishAndRead(t, open(t)) })
			t.Run("Immutable", func(t *testing.T) { testImmutable(t, open(t)) })
			t.Run("ConcurrentSameVersion", func(t *testing.T) { testConcurrentSame(t, open(t)) })
			t.Run("DistTags", func(t *testing.T) { testDistTags(t, open(t)) })
			t.Run("Search", func(t *testing.T) { testSearch(t, open(t)) })
			t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
			t.Run("Corrupt", func(t *testing.T) { testCorrupt(t, open(t)) })
			t.Run("Invalid", func(t *testing.T) { testInvalid(t, open(t)) })
			t.Run("Ownership", func(t *testing.T) { testOwnership(t, open(t)) })
			t.Run("ConcurrentFirstPublish", func(t *testing.T) { testConcurrentOwners(t, open(t)) })
			t.Run("Migration", func(t *testing.T) { testMigration(t, open(t)) })
			t.Run("WebLogin", func(t *testing.T) { testWebLogin(t, open(t)) })
			t.Run("TrustNames", func(t *testing.T) { testTrustNames(t, open(t)) })
			t.Run("TrustCanonicals", func(t *testing.T) { testTrustCanonicals(t, open(t)) })
			t.Run("Unpublish", func(t *testing.T) { testUnpublish(t, open(t)) })
			t.Run("TrustMigration", func(t *testing.T) { testTrustMigration(t, open(t)) })
		})
	}
}

func testPublishAndRead(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.Package(ctx, "@ccg/none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing package: got %v", err)
	}
	tgz1, tgz2 := []byte("tarball one"), []byte("tarball two")
	if err := s.Publish(ctx, mkVersion("@ccg/htn", "1.0.0", tgz1)); err != nil {
		t.Fatal(err)
	}
	r2 := mkVersion("@ccg/htn", "1.1.0", tgz2)
	r2.Version.Description = "newer"
	if err := s.Publish(ctx, r2); err != nil {
		t.Fatal(err)
	}
	p, err := s.Package(ctx, "@ccg/htn")
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range p.Versions {
		vs = append(vs, v.Version)
	}
	if diff := cmp.Diff([]string{"1.0.0", "1.1.0"}, vs); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"latest": "1.1.0"}, p.DistTags); diff != "" {
		t.Errorf("dist-tags (-want +got):\n%s", diff)
	}
	if p.Description != "newer" || p.Latest != "1.1.0" || p.FHIRVersion != "4.0.1" {
		t.Errorf("package summary = %+v", p)
	}
	got, err := s.Tarball(ctx, "@ccg/htn", "1.0.0")
	if err != nil || string(got) != "tarball one" {
		t.Errorf("tarball = %q, %v", got, err)
	}
	v, err := s.Version(ctx, "@ccg/htn", "1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	want := r2.Version
	want.Size = int64(len(tgz2))
	if diff := cmp.Diff(want, *v, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Published" }, cmp.Ignore())); diff != "" {
		t.Errorf("version (-want +got):\n%s", diff)
	}
	if time.Since(v.Published) > time.Minute {
		t.Errorf("published time %v", v.Published)
	}
	if _, err := s.Version(ctx, "@ccg/htn", "9.9.9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing version: %v", err)
	}
	if _, err := s.Tarball(ctx, "@ccg/htn", "9.9.9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tarball: %v", err)
	}
	// The same bytes under another name share one blob.
	if err := s.Publish(ctx, mkVersion("other", "1.0.0", tgz1)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Tarball(ctx, "other", "1.0.0"); err != nil || string(got) != "tarball one" {
		t.Errorf("shared blob: %q %v", got, err)
	}
}

func testImmutable(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Publish(ctx, mkVersion("pkg", "1.0.0", []byte("a"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, mkVersion("pkg", "1.0.0", []byte("b"))); !errors.Is(err, ErrVersionExists) {
		t.Fatalf("republish: got %v, want ErrVersionExists", err)
	}
	got, err := s.Tarball(ctx, "pkg", "1.0.0")
	if err != nil || string(got) != "a" {
		t.Errorf("tarball after refused republish = %q %v", got, err)
	}
}

func testConcurrentSame(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Publish(ctx, mkVersion("race", "1.0.0", []byte(fmt.Sprintf("body %d", i))))
		}()
	}
	wg.Wait()
	ok, winner := 0, -1
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			winner = i
		case !errors.Is(err, ErrVersionExists):
			t.Errorf("publisher %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d publishes succeeded, want exactly 1", ok)
	}
	got, err := s.Tarball(ctx, "race", "1.0.0")
	if err != nil || string(got) != fmt.Sprintf("body %d", winner) {
		t.Errorf("stored %q (%v), want the winner's body %d", got, err, winner)
	}
	// Different versions of one package in parallel all land.
	var wg2 sync.WaitGroup
	errs2 := make([]error, n)
	for i := range n {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			errs2[i] = s.Publish(ctx, mkVersion("race", fmt.Sprintf("2.0.%d", i), []byte(fmt.Sprintf("v %d", i))))
		}()
	}
	wg2.Wait()
	for i, err := range errs2 {
		if err != nil {
			t.Errorf("parallel version %d: %v", i, err)
		}
	}
	p, err := s.Package(ctx, "race")
	if err != nil || len(p.Versions) != n+1 {
		t.Errorf("versions after parallel publish: %v %v", p, err)
	}
}

func testDistTags(t *testing.T, s Store) {
	ctx := context.Background()
	for _, v := range []string{"1.0.0", "2.0.0-beta.1"} {
		if err := s.Publish(ctx, mkVersion("tags", v, []byte(v))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetDistTag(ctx, admin, "tags", "beta", "2.0.0-beta.1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDistTag(ctx, admin, "tags", "latest", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDistTag(ctx, admin, "tags", "x", "3.0.0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tag to missing version: %v", err)
	}
	if err := s.SetDistTag(ctx, admin, "tags", "1.0.0", "1.0.0"); !errors.Is(err, ErrInvalid) {
		t.Errorf("semver tag: %v", err)
	}
	p, _ := s.Package(ctx, "tags")
	if diff := cmp.Diff(map[string]string{"latest": "1.0.0", "beta": "2.0.0-beta.1"}, p.DistTags); diff != "" {
		t.Errorf("dist-tags (-want +got):\n%s", diff)
	}
	if p.Latest != "1.0.0" {
		t.Errorf("latest = %s", p.Latest)
	}
	if err := s.DeleteDistTag(ctx, admin, "tags", "beta"); err != nil {
		t.Error(err)
	}
	if err := s.DeleteDistTag(ctx, admin, "tags", "beta"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if err := s.DeleteDistTag(ctx, admin, "tags", "latest"); !errors.Is(err, ErrInvalid) {
		t.Errorf("delete latest: %v", err)
	}
}

func testSearch(t *testing.T, s Store) {
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, spec := range []struct{ name, desc, fhir string }{
		{"@ccg/hypertension", "Hypertension care guideline", "4.0.1"},
		{"@ccg/diabetes", "Diabetes 100% guideline", "4.0.1"},
		{"anc", "Antenatal care", "5.0.0"},
	} {
		r := mkVersion(spec.name, "1.0.0", []byte(spec.name))
		r.Version.Description, r.Version.FHIRVersion = spec.desc, spec.fhir
		r.Version.Keywords = []string{"kw" + fmt.Sprint(i)}
		r.Version.Published = base.Add(time.Duration(i) * time.Hour)
		if err := s.Publish(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	names := func(h []SearchHit) []string {
		var n []string
		for _, x := range h {
			n = append(n, x.Name)
		}
		return n
	}
	for _, tc := range []struct {
		q     SearchQuery
		want  []string
		total int
	}{
		{SearchQuery{}, []string{"anc", "@ccg/diabetes", "@ccg/hypertension"}, 3},
		{SearchQuery{Text: "guideline"}, []string{"@ccg/diabetes", "@ccg/hypertension"}, 2},
		{SearchQuery{Text: "GUIDELINE hyper"}, []string{"@ccg/hypertension"}, 1},
		{SearchQuery{Text: "kw2"}, []string{"anc"}, 1},
		{SearchQuery{Text: "100%"}, []string{"@ccg/diabetes"}, 1},
		{SearchQuery{Text: "1_0"}, nil, 0},
		{SearchQuery{FHIRVersion: "4.0"}, []string{"@ccg/diabetes", "@ccg/hypertension"}, 2},
		{SearchQuery{Name: "ccg/"}, []string{"@ccg/diabetes", "@ccg/hypertension"}, 2},
		{SearchQuery{Since: base.Add(time.Hour)}, []string{"anc", "@ccg/diabetes"}, 2},
		{SearchQuery{Size: 1, From: 1}, []string{"@ccg/diabetes"}, 3},
	} {
		hits, total, err := s.Search(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, names(hits)); diff != "" || total != tc.total {
			t.Errorf("Search(%+v): total %d want %d (-want +got):\n%s", tc.q, total, tc.total, diff)
		}
	}
}

func testUsers(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.CreateToken(ctx, Token{Hash: "h", User: "nobody"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("token for missing user: %v", err)
	}
	if err := s.CreateUser(ctx, User{Name: "alice", Email: "a@example.org", PasswordHash: "ph"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, User{Name: "alice"}); !errors.Is(err, ErrUserExists) {
		t.Errorf("duplicate user: %v", err)
	}
	u, err := s.User(ctx, "alice")
	if err != nil || u.PasswordHash != "ph" || u.Email != "a@example.org" {
		t.Errorf("user = %+v %v", u, err)
	}
	if err := s.CreateToken(ctx, Token{Hash: "h1", User: "alice", Publish: true}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.LookupToken(ctx, "h1")
	if err != nil || tok.User != "alice" || !tok.Publish {
		t.Errorf("token = %+v %v", tok, err)
	}
	if _, err := s.LookupToken(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing token: %v", err)
	}
	if err := s.DeleteToken(ctx, "h1"); err != nil {
		t.Errorf("delete token: %v", err)
	}
	if _, err := s.LookupToken(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted token still found: %v", err)
	}
	if err := s.DeleteToken(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	// Scopes and expiry; the user's login scopes.
	if err := s.CreateUser(ctx, User{Name: "bob", Scopes: []string{"ccg/publish", "system/Library.rs"}}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, "bob"); err != nil || !reflect.DeepEqual(u.Scopes, []string{"ccg/publish", "system/Library.rs"}) {
		t.Errorf("user scopes = %+v %v", u, err)
	}
	now := time.Now()
	exp := now.Add(time.Hour).Truncate(time.Microsecond)
	if err := s.CreateToken(ctx, Token{Hash: "h2", User: "bob", Scopes: []string{"ccg/evaluate", "system/AuditEvent.rs"}, Expires: exp, Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, Token{Hash: "h3", User: "alice", Created: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	tok, err = s.LookupToken(ctx, "h2")
	if err != nil || !reflect.DeepEqual(tok.Scopes, []string{"ccg/evaluate", "system/AuditEvent.rs"}) || !tok.Expires.Equal(exp) || tok.Publish {
		t.Errorf("scoped token = %+v %v", tok, err)
	}
	all, err := s.ListTokens(ctx, "")
	if err != nil || len(all) != 2 || all[0].Hash != "h2" || all[1].Hash != "h3" {
		t.Errorf("all tokens = %+v %v", all, err)
	}
	bobs, err := s.ListTokens(ctx, "bob")
	if err != nil || len(bobs) != 1 || bobs[0].Hash != "h2" {
		t.Errorf("bob's tokens = %+v %v", bobs, err)
	}
	// A new token clears the expired ones away.
	if err := s.CreateToken(ctx, Token{Hash: "h4", User: "alice", Created: exp.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupToken(ctx, "h2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token kept: %v", err)
	}
	// Web login sessions are counted.
	since := time.Now().Add(-time.Minute)
	for i, h := range []string{"a", "b"} {
		if err := s.CreateWebLogin(ctx, "login-"+h, "done-"+h, since); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountWebLogins(ctx, since); err != nil || n != i+1 {
			t.Errorf("web logins = %d %v, want %d", n, err, i+1)
		}
	}
}

func testCorrupt(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Publish(ctx, mkVersion("c", "1.0.0", []byte("good bytes"))); err != nil {
		t.Fatal(err)
	}
	ss := s.(*sqlStore)
	if _, err := ss.db.ExecContext(ctx, ss.q(`UPDATE blobs SET data = ?`), []byte("evil bytes")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tarball(ctx, "c", "1.0.0"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered blob: got %v, want ErrCorrupt", err)
	}
}

func testInvalid(t *testing.T, s Store) {
	ctx := context.Background()
	bad := []PublishRequest{
		mkVersion("UPPER", "1.0.0", []byte("x")),
		mkVersion("ok", "1.0", []byte("x")),
		mkVersion("ok", "01.0.0", []byte("x")),
		mkVersion("ok", "1.0.0", nil),
		func() PublishRequest {
			r := mkVersion("ok", "1.0.0", []byte("x"))
			r.DistTags["latest"] = "2.0.0"
			return r
		}(),
		func() PublishRequest { r := mkVersion("ok", "1.0.0", []byte("x")); r.Version.SHA512 = "00"; return r }(),
		func() PublishRequest {
			r := mkVersion("ok", "1.0.0", []byte("x"))
			r.Version.Doc = []byte("{")
			return r
		}(),
	}
	for i, r := range bad {
		if err := s.Publish(ctx, r); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad request %d: got %v, want ErrInvalid", i, err)
		}
	}
	if _, err := s.Package(ctx, "ok"); !errors.Is(err, ErrNotFound) {
		t.Errorf("invalid publishes stored something: %v", err)
	}
}

func TestValidNameVersion(t *testing.T) {
	for _, tc := range []struct {
		s    string
		name bool
		ver  bool
	}{
		{"@ccg/htn", true, false}, {"htn", true, false}, {"@ccg", false, false}, {"a/b", false, false},
		{"1.2.3", true, true}, {"1.2.3-rc.1+b5", false, true}, {"1.2", true, false}, {"1.2.3-", true, false},
		{"../x", false, false}, {"", false, false},
	} {
		if got := ValidName(tc.s); got != tc.name {
			t.Errorf("ValidName(%q) = %v", tc.s, got)
		}
		if got := ValidVersion(tc.s); got != tc.ver {
			t.Errorf("ValidVersion(%q) = %v", tc.s, got)
		}
	}
}

func TestOpenDispatch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.(*sqlStore).d.name != "sqlite" {
		t.Errorf("empty db opened %s", s.(*sqlStore).d.name)
	}
	s.Close()
	if _, err := Open(ctx, "mysql://x", t.TempDir()); err == nil {
		t.Error("mysql URL accepted")
	}
	if dsn := testenv.PostgresDSN(t); dsn != "" {
		s, err := Open(ctx, dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.(*sqlStore).d.name != "postgres" {
			t.Errorf("postgres DSN opened %s", s.(*sqlStore).d.name)
		}
		s.Close()
	}
}

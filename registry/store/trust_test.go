package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const htnBase = "https://ccg.example.org/fhir"

func publishWith(s Store, user, name, ver string, bases ...string) error {
	r := mkVersion(name, ver, []byte(name+"@"+ver))
	r.Version.Publisher = user
	r.Canonicals = bases
	return s.Publish(context.Background(), r)
}

// trustErr checks that err is a *TrustError of kind naming owner.
func trustErr(t *testing.T, what string, err, kind error, owner string) *TrustError {
	t.Helper()
	var te *TrustError
	if !errors.As(err, &te) || !errors.Is(err, kind) || te.Owner != owner {
		t.Fatalf("%s: got %v, want %v owned by %q", what, err, kind, owner)
	}
	return te
}

func testTrustNames(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob")
	if err := publishWith(s, "alice", "ccg.example.hypertension", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ccg-example-hypertension", "ccg_example.hypertension", "ccg.exarnple.hypertension",
		"ccgexamplehypertension", "ccg.examp1e.hypertension", "ccg.example.hypertensi0n"} {
		te := trustErr(t, name, publishWith(s, "bob", name, "1.0.0"), ErrNameTaken, "alice")
		if te.Package != "ccg.example.hypertension" {
			t.Errorf("%s: look-alike of %q", name, te.Package)
		}
		// The owner of the original is refused too: the names confuse users.
		trustErr(t, name+" by alice", publishWith(s, "alice", name, "1.0.0"), ErrNameTaken, "alice")
	}
	for _, name := range []string{"node_modules", "favicon.ico", "http", "fs"} {
		if err := publishWith(s, "bob", name, "1.0.0"); !errors.Is(err, ErrReservedName) {
			t.Errorf("%s: got %v, want a reserved name", name, err)
		}
	}
	// Different names stay free.
	for _, name := range []string{"ccg.example.hypertension2", "@b/ccg.example.hypertension"} {
		if err := publishWith(s, "bob", name, "1.0.0"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Scopes belong to their first publisher.
	if err := publishWith(s, "alice", "@t/guideline", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	te := trustErr(t, "bob into @t", publishWith(s, "bob", "@t/other", "1.0.0"), ErrScopeTaken, "alice")
	if te.Subject != "@t" {
		t.Errorf("scope %q", te.Subject)
	}
	// A maintainer of a package of the scope may add packages to it.
	if err := s.SetMaintainers(ctx, Actor{User: "alice"}, "@t/guideline", -1, []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := publishWith(s, "bob", "@t/other", "1.0.0"); err != nil {
		t.Errorf("maintainer into the scope: %v", err)
	}
	// An administrator can publish into any scope, and assign scopes.
	mkUsers(t, s, "carol")
	if err := publishAs(s, "carol", true, "@t/admin", "1.0.0"); err != nil {
		t.Errorf("admin into the scope: %v", err)
	}
	if err := publishWith(s, "carol", "@b/mine", "1.0.0"); !errors.Is(err, ErrScopeTaken) {
		t.Errorf("carol into bob's scope: %v", err)
	}
	if err := s.AssignScope(ctx, "@b", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := publishWith(s, "carol", "@b/mine", "1.0.0"); err != nil {
		t.Errorf("assigned scope: %v", err)
	}
	if err := s.AssignScope(ctx, "@b", "nobody"); !errors.Is(err, ErrNoUser) {
		t.Errorf("assign to an unknown user: %v", err)
	}
	if err := s.AssignScope(ctx, "b", "carol"); !errors.Is(err, ErrInvalid) {
		t.Errorf("assign a non-scope: %v", err)
	}
}

func testTrustCanonicals(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob", "carol")
	if err := publishWith(s, "alice", "ccg.example.hypertension", "1.0.0", htnBase); err != nil {
		t.Fatal(err)
	}
	// The takeover: another publisher's package reusing the base.
	te := trustErr(t, "@a/evil", publishWith(s, "bob", "@a/evil", "1.0.0", "https://other.example/fhir", htnBase), ErrCanonicalTaken, "alice")
	if te.Subject != htnBase || te.Package != "ccg.example.hypertension" {
		t.Errorf("refusal names %+v", te)
	}
	// Nothing of the refused publish stays, not even its other base.
	if _, err := s.Package(ctx, "@a/evil"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused package stored: %v", err)
	}
	if _, err := s.CanonicalOwner(ctx, "https://other.example/fhir"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused publish claimed a base: %v", err)
	}
	// A base nested below an owned one belongs to the owner.
	trustErr(t, "nested", publishWith(s, "bob", "@a/evil", "1.0.0", htnBase+"/evil"), ErrCanonicalTaken, "alice")
	// A parent is a different base: bob may claim it, but alice keeps hers.
	if err := publishWith(s, "bob", "bob.parent", "1.0.0", "https://ccg.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := publishWith(s, "alice", "ccg.example.diabetes", "1.0.0", htnBase, htnBase+"/diabetes"); err != nil {
		t.Errorf("owner's second package: %v", err)
	}
	if c, err := s.CanonicalOwner(ctx, htnBase+"/diabetes/more"); err != nil || c.Owner != "alice" || c.Key != htnBase+"/diabetes" {
		t.Errorf("owner of a nested base: %+v %v", c, err)
	}
	// Maintainers of the claiming package publish new versions of it.
	if err := s.SetMaintainers(ctx, Actor{User: "alice"}, "ccg.example.hypertension", -1, []string{"alice", "carol"}); err != nil {
		t.Fatal(err)
	}
	if err := publishWith(s, "carol", "ccg.example.hypertension", "1.1.0", htnBase); err != nil {
		t.Errorf("co-maintainer: %v", err)
	}
	// ... but not new packages under it.
	trustErr(t, "carol's own", publishWith(s, "carol", "carol.pkg", "1.0.0", htnBase), ErrCanonicalTaken, "alice")
	// An administrator assigns the base.
	if err := s.AssignCanonical(ctx, htnBase, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := publishWith(s, "carol", "carol.pkg", "1.0.0", htnBase); err != nil {
		t.Errorf("assigned base: %v", err)
	}
	trustErr(t, "after assignment", publishWith(s, "alice", "alice.new", "1.0.0", htnBase), ErrCanonicalTaken, "carol")
	claims, err := s.Claims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range claims {
		got = append(got, c.Kind+" "+c.Key+" "+c.Owner)
	}
	want := []string{"canonical https://ccg.example.org bob", "canonical " + htnBase + " carol", "canonical " + htnBase + "/diabetes alice"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func testUnpublish(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob")
	alice := Actor{User: "alice"}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0-beta"} {
		if err := publishWith(s, "alice", "pkg", v, "https://pkg.example/fhir"); err != nil {
			t.Fatal(err)
		}
	}
	// 1.2.0-beta is latest (last published); removing it moves latest to 1.1.0.
	if err := s.Unpublish(ctx, Actor{User: "bob"}, "pkg", -1, []string{"1.2.0-beta"}, time.Time{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("non-maintainer unpublish: %v", err)
	}
	if err := s.Unpublish(ctx, alice, "pkg", -1, []string{"1.1.0"}, time.Now().Add(time.Hour)); !errors.Is(err, ErrTooOld) {
		t.Errorf("outside the grace period: %v", err)
	}
	p, _ := s.Package(ctx, "pkg")
	if err := s.Unpublish(ctx, alice, "pkg", p.Rev-1, []string{"1.2.0-beta"}, time.Time{}); !errors.Is(err, ErrConflict) {
		t.Errorf("stale revision: %v", err)
	}
	if err := s.Unpublish(ctx, alice, "pkg", p.Rev, []string{"1.2.0-beta"}, time.Now().Add(-UnpublishGrace)); err != nil {
		t.Fatal(err)
	}
	p, err := s.Package(ctx, "pkg")
	if err != nil || p.DistTags["latest"] != "1.1.0" || p.Latest != "1.1.0" || len(p.Versions) != 2 {
		t.Fatalf("after unpublishing the latest: %+v %v", p, err)
	}
	if _, err := s.Tarball(ctx, "pkg", "1.2.0-beta"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tarball of an unpublished version: %v", err)
	}
	if err := publishWith(s, "alice", "pkg", "1.2.0-beta"); !errors.Is(err, ErrVersionExists) {
		t.Errorf("republishing an unpublished version: %v", err)
	}
	// Deprecation.
	if err := s.Deprecate(ctx, Actor{User: "bob"}, "pkg", map[string]string{"1.0.0": "x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("non-maintainer deprecate: %v", err)
	}
	if err := s.Deprecate(ctx, alice, "pkg", map[string]string{"1.0.0": "use 1.1.0", "1.1.0": ""}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.Version(ctx, "pkg", "1.0.0")
	var doc map[string]any
	if json.Unmarshal(v.Doc, &doc); doc["deprecated"] != "use 1.1.0" {
		t.Errorf("deprecated document %s", v.Doc)
	}
	if err := s.Deprecate(ctx, alice, "pkg", map[string]string{"1.0.0": ""}); err != nil {
		t.Fatal(err)
	}
	v, _ = s.Version(ctx, "pkg", "1.0.0")
	doc = nil
	if json.Unmarshal(v.Doc, &doc); doc["deprecated"] != nil {
		t.Errorf("undeprecated document %s", v.Doc)
	}
	if err := s.Deprecate(ctx, alice, "pkg", map[string]string{"9.9.9": "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("deprecating a missing version: %v", err)
	}
	// Unpublishing everything removes the package; its name, scope and
	// bases stay with alice.
	if err := s.Unpublish(ctx, alice, "pkg", -1, nil, time.Now().Add(-UnpublishGrace)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Package(ctx, "pkg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("package after unpublishing all: %v", err)
	}
	if hits, _, _ := s.Search(ctx, SearchQuery{Text: "pkg"}); len(hits) != 0 {
		t.Errorf("search finds the removed package: %+v", hits)
	}
	trustErr(t, "taking over an unpublished name", publishWith(s, "bob", "pkg", "2.0.0"), ErrNameTaken, "alice")
	trustErr(t, "taking over its base", publishWith(s, "bob", "bobs", "2.0.0", "https://pkg.example/fhir"), ErrCanonicalTaken, "alice")
	if err := publishWith(s, "alice", "pkg", "2.0.0", "https://pkg.example/fhir"); err != nil {
		t.Errorf("owner republishing: %v", err)
	}
	if got := maintainers(t, s, "pkg"); !cmp.Equal(got, []string{"alice"}) {
		t.Errorf("maintainers after republishing: %v", got)
	}
}

// A database from before publisher trust gets its names and scopes
// claimed by their first publishers.
func testTrustMigration(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob")
	if err := publishWith(s, "alice", "@t/old", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	ss := s.(*sqlStore)
	for _, st := range []string{`DROP TABLE canonical_bases`, `DROP TABLE scopes`, `DROP TABLE package_names`, `DROP TABLE unpublished`} {
		if _, err := ss.db.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	for range 2 {
		if err := ss.migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.PackagesWithoutClaims(ctx); err != nil || !cmp.Equal(got, []string{"@t/old"}) {
		t.Errorf("packages without claims: %v %v", got, err)
	}
	if err := s.ClaimCanonicals(ctx, "@t/old", "alice", []string{"https://old.example/fhir"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PackagesWithoutClaims(ctx); err != nil || len(got) != 0 {
		t.Errorf("packages without claims after claiming: %v %v", got, err)
	}
	trustErr(t, "base after migration", publishWith(s, "bob", "bob.pkg", "1.0.0", "https://old.example/fhir"), ErrCanonicalTaken, "alice")
	trustErr(t, "scope after migration", publishWith(s, "bob", "@t/new", "1.0.0"), ErrScopeTaken, "alice")
	trustErr(t, "name after migration", publishWith(s, "bob", "@t/o-l-d", "1.0.0"), ErrNameTaken, "alice")
	if err := publishWith(s, "alice", "@t/old", "1.1.0"); err != nil {
		t.Errorf("owner after migration: %v", err)
	}
}

func TestLookalikeKey(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"ccg.example.hypertension", "ccg-example-hypertension"},
		{"ccg.example.hypertension", "ccg.exarnple.hypertension"},
		{"modern", "rnodern"},
		{"wow", "vvovv"},
		{"lodash", "1odash"},
		{"@scope/pkg", "@sc0pe/p-k-g"},
	} {
		if LookalikeKey(c.a) != LookalikeKey(c.b) {
			t.Errorf("%s and %s should collide: %q %q", c.a, c.b, LookalikeKey(c.a), LookalikeKey(c.b))
		}
	}
	for _, c := range []struct{ a, b string }{
		{"ccg.example.hypertension", "ccg.example.diabetes"},
		{"@a/pkg", "apkg"},
		{"@a/bpkg", "@ab/pkg"},
	} {
		if LookalikeKey(c.a) == LookalikeKey(c.b) {
			t.Errorf("%s and %s should not collide", c.a, c.b)
		}
	}
}

func TestBaseAncestors(t *testing.T) {
	got := baseAncestors("https://h.example/a/b")
	want := []string{"https://h.example/a/b", "https://h.example/a", "https://h.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestCompareSemver(t *testing.T) {
	ordered := []string{"0.9.0", "1.0.0-alpha", "1.0.0-beta", "1.0.0", "1.2.0", "1.10.0", "2.0.0"}
	for i := range ordered {
		for j := range ordered {
			if got, want := compareSemver(ordered[i], ordered[j]), cmpInt(i, j); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

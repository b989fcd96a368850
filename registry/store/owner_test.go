package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var admin = Actor{User: "root", Admin: true}

func mkUsers(t *testing.T, s Store, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.CreateUser(context.Background(), User{Name: n, Email: n + "@example.org"}); err != nil {
			t.Fatal(err)
		}
	}
}

func publishAs(s Store, user string, isAdmin bool, name, ver string) error {
	r := mkVersion(name, ver, []byte(name+"@"+ver))
	r.Version.Publisher = user
	r.Admin = isAdmin
	return s.Publish(context.Background(), r)
}

func maintainers(t *testing.T, s Store, name string) []string {
	t.Helper()
	p, err := s.Package(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range p.Maintainers {
		out = append(out, m.Name)
	}
	return out
}

func testOwnership(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob", "carol")
	if err := publishAs(s, "alice", false, "owned", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Package(ctx, "owned")
	if diff := cmp.Diff([]Maintainer{{Name: "alice", Email: "alice@example.org"}}, p.Maintainers); diff != "" {
		t.Errorf("maintainers after first publish (-want +got):\n%s", diff)
	}
	// Another user may not publish; nothing is stored.
	if err := publishAs(s, "bob", false, "owned", "1.1.0"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("bob's publish: %v, want ErrForbidden", err)
	}
	if _, err := s.Version(ctx, "owned", "1.1.0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused version stored: %v", err)
	}
	if p2, _ := s.Package(ctx, "owned"); p2.Rev != p.Rev || p2.Latest != "1.0.0" {
		t.Errorf("refused publish changed the package: rev %d -> %d, latest %s", p.Rev, p2.Rev, p2.Latest)
	}
	// Nor move its tags.
	if err := s.SetDistTag(ctx, Actor{User: "bob"}, "owned", "beta", "1.0.0"); !errors.Is(err, ErrForbidden) {
		t.Errorf("bob's dist-tag: %v", err)
	}
	// An admin may publish, without becoming a maintainer.
	if err := publishAs(s, "root", true, "owned", "1.2.0"); err != nil {
		t.Fatalf("admin publish: %v", err)
	}
	if diff := cmp.Diff([]string{"alice"}, maintainers(t, s, "owned")); diff != "" {
		t.Errorf("admin publish changed maintainers:\n%s", diff)
	}
	// alice adds bob, based on the current revision.
	p, _ = s.Package(ctx, "owned")
	if err := s.SetMaintainers(ctx, Actor{User: "alice"}, "owned", p.Rev, []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alice", "bob"}, maintainers(t, s, "owned")); diff != "" {
		t.Errorf("after owner add (-want +got):\n%s", diff)
	}
	if err := publishAs(s, "bob", false, "owned", "1.3.0"); err != nil {
		t.Errorf("bob's publish as maintainer: %v", err)
	}
	hits, _, err := s.Search(ctx, SearchQuery{Name: "owned"})
	if err != nil || len(hits) != 1 {
		t.Fatalf("search: %v %v", hits, err)
	}
	if diff := cmp.Diff([]Maintainer{{"alice", "alice@example.org"}, {"bob", "bob@example.org"}}, hits[0].Maintainers); diff != "" {
		t.Errorf("search hit maintainers (-want +got):\n%s", diff)
	}
	// A stale revision conflicts; the table of refusals changes nothing.
	for i, tc := range []struct {
		a     Actor
		name  string
		rev   int64
		users []string
		want  error
	}{
		{Actor{User: "alice"}, "owned", p.Rev, []string{"alice"}, ErrConflict},
		{Actor{User: "carol"}, "owned", -1, []string{"carol"}, ErrForbidden},
		{Actor{User: "alice"}, "owned", -1, nil, ErrInvalid},
		{Actor{User: "alice"}, "owned", -1, []string{"alice", "nobody"}, ErrNoUser},
		{Actor{User: "alice"}, "missing", -1, []string{"alice"}, ErrNotFound},
	} {
		if err := s.SetMaintainers(ctx, tc.a, tc.name, tc.rev, tc.users); !errors.Is(err, tc.want) {
			t.Errorf("refusal %d: %v, want %v", i, err, tc.want)
		}
	}
	if diff := cmp.Diff([]string{"alice", "bob"}, maintainers(t, s, "owned")); diff != "" {
		t.Errorf("refused changes changed maintainers:\n%s", diff)
	}
	// bob removes alice; now alice is refused.
	if err := s.SetMaintainers(ctx, Actor{User: "bob"}, "owned", -1, []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	if err := publishAs(s, "alice", false, "owned", "1.4.0"); !errors.Is(err, ErrForbidden) {
		t.Errorf("removed owner's publish: %v", err)
	}
	if err := s.DeleteDistTag(ctx, Actor{User: "alice"}, "owned", "latest"); !errors.Is(err, ErrInvalid) {
		t.Errorf("delete latest: %v", err)
	}
	if err := s.SetDistTag(ctx, Actor{User: "bob"}, "owned", "beta", "1.3.0"); err != nil {
		t.Errorf("maintainer's dist-tag: %v", err)
	}
	if err := s.DeleteDistTag(ctx, Actor{User: "alice"}, "owned", "beta"); !errors.Is(err, ErrForbidden) {
		t.Errorf("non-maintainer's dist-tag rm: %v", err)
	}
	// Every change bumps the revision.
	p1, _ := s.Package(ctx, "owned")
	if err := s.DeleteDistTag(ctx, Actor{User: "bob"}, "owned", "beta"); err != nil {
		t.Fatal(err)
	}
	if p2, _ := s.Package(ctx, "owned"); p2.Rev != p1.Rev+1 || !p2.Modified.After(p1.Modified) {
		t.Errorf("dist-tag rm: rev %d -> %d, modified %v -> %v", p1.Rev, p2.Rev, p1.Modified, p2.Modified)
	}
}

// Different users racing to publish a new name: exactly one owns it.
func testConcurrentOwners(t *testing.T, s Store) {
	const n = 6
	var users []string
	for i := range n {
		users = append(users, fmt.Sprintf("u%d", i))
	}
	mkUsers(t, s, users...)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = publishAs(s, users[i], false, "contested", fmt.Sprintf("1.0.%d", i))
		}()
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, ErrForbidden):
			t.Errorf("publisher %d: %v", i, err)
		}
	}
	owners := maintainers(t, s, "contested")
	p, _ := s.Package(context.Background(), "contested")
	if winners != 1 || len(owners) != 1 || len(p.Versions) != 1 || p.Versions[0].Publisher != owners[0] {
		t.Errorf("%d publishes succeeded, owners %v, versions %d", winners, owners, len(p.Versions))
	}
}

// A database from before ownership (no maintainers table, no rev or admin
// columns) keeps its data and gets first publishers as maintainers;
// migrating twice changes nothing.
func testMigration(t *testing.T, s Store) {
	ctx := context.Background()
	mkUsers(t, s, "alice", "bob")
	if err := s.CreateToken(ctx, Token{Hash: "th", User: "alice", Publish: true}); err != nil {
		t.Fatal(err)
	}
	if err := publishAs(s, "alice", false, "legacy", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := publishAs(s, "bob", true, "legacy", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	if err := publishAs(s, "ghost", false, "orphan", "1.0.0"); err != nil { // publisher without a user row
		t.Fatal(err)
	}
	ss := s.(*sqlStore)
	for _, st := range []string{
		`DROP TABLE maintainers`, `DROP TABLE web_logins`,
		`ALTER TABLE packages DROP COLUMN rev`, `ALTER TABLE tokens DROP COLUMN admin`,
	} {
		if _, err := ss.db.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	for range 2 {
		if err := ss.migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Package(ctx, "legacy")
	if err != nil || len(p.Versions) != 2 || p.Latest != "1.1.0" || p.Rev != 1 {
		t.Fatalf("legacy package after migration: %+v %v", p, err)
	}
	if diff := cmp.Diff([]string{"alice"}, maintainers(t, s, "legacy")); diff != "" {
		t.Errorf("backfilled maintainers (-want +got):\n%s", diff)
	}
	if got := maintainers(t, s, "orphan"); len(got) != 0 {
		t.Errorf("orphan maintainers %v", got)
	}
	if tok, err := s.LookupToken(ctx, "th"); err != nil || !tok.Publish || tok.Admin {
		t.Errorf("token after migration: %+v %v", tok, err)
	}
	if b, err := s.Tarball(ctx, "legacy", "1.0.0"); err != nil || string(b) != "legacy@1.0.0" {
		t.Errorf("tarball after migration: %q %v", b, err)
	}
	// A package without maintainers is claimed by its next publisher.
	mkUsers(t, s, "carol")
	if err := publishAs(s, "carol", false, "orphan", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"carol"}, maintainers(t, s, "orphan")); diff != "" {
		t.Errorf("claimed orphan:\n%s", diff)
	}
}

func TestAdminToken(t *testing.T) {
	s, err := OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mkUsers(t, s, "root")
	if err := s.CreateToken(context.Background(), Token{Hash: "a", User: "root", Admin: true}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.LookupToken(context.Background(), "a")
	if err != nil || !tok.Admin || !tok.Publish {
		t.Errorf("admin token = %+v %v (admin implies publish)", tok, err)
	}
}

func testWebLogin(t *testing.T, s Store) {
	ctx := context.Background()
	now := time.Now()
	old := now.Add(-time.Hour)
	if err := s.CreateWebLogin(ctx, "L1", "D1", old); err != nil {
		t.Fatal(err)
	}
	if u, err := s.ClaimWebLogin(ctx, "D1", old); err != nil || u != "" {
		t.Errorf("pending claim = %q %v", u, err)
	}
	if err := s.ApproveWebLogin(ctx, "D1", "alice", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("approve by the done secret: %v", err)
	}
	if err := s.PendingWebLogin(ctx, "L1", old); err != nil {
		t.Errorf("pending: %v", err)
	}
	if err := s.PendingWebLogin(ctx, "D1", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("pending by the done secret: %v", err)
	}
	if err := s.ApproveWebLogin(ctx, "L1", "alice", old); err != nil {
		t.Fatal(err)
	}
	if err := s.PendingWebLogin(ctx, "L1", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("pending after approval: %v", err)
	}
	if err := s.ApproveWebLogin(ctx, "L1", "mallory", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("second approval: %v", err)
	}
	if u, err := s.ClaimWebLogin(ctx, "D1", old); err != nil || u != "alice" {
		t.Errorf("claim = %q %v", u, err)
	}
	if _, err := s.ClaimWebLogin(ctx, "D1", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("second claim: %v", err)
	}
	// Expired sessions are neither approved nor claimed, and are swept.
	if err := s.CreateWebLogin(ctx, "L2", "D2", old); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	if err := s.ApproveWebLogin(ctx, "L2", "alice", future); !errors.Is(err, ErrNotFound) {
		t.Errorf("approve expired: %v", err)
	}
	if _, err := s.ClaimWebLogin(ctx, "D2", future); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim expired: %v", err)
	}
	if err := s.CreateWebLogin(ctx, "L3", "D3", future); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimWebLogin(ctx, "D2", old); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session not swept: %v", err)
	}
	if err := s.CreateWebLogin(ctx, "X", "X", old); !errors.Is(err, ErrInvalid) {
		t.Errorf("same hashes: %v", err)
	}
}

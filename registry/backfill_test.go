package registry

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry/store"
)

// Packages stored before canonical ownership get their bases claimed
// once, by the first publisher, oldest package first.
func TestBackfillCanonicals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		st.CreateUser(ctx, store.User{Name: u})
	}
	publish := func(user, name string, at time.Time) {
		tgz := testpkg.Tarball(testpkg.Options{Name: name, Canonical: "https://legacy.example/fhir"})
		integ, sha1 := Integrity(tgz)
		if err := st.Publish(ctx, store.PublishRequest{
			Version: store.Version{Name: name, Version: "1.0.0", Doc: []byte(`{}`), Integrity: integ, Shasum: sha1, Publisher: user, Published: at},
			Tarball: tgz, DistTags: map[string]string{"latest": "1.0.0"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Stored without claims, as an older ccg serve did.
	publish("alice", "first", time.Now().Add(-time.Hour))
	publish("bob", "second", time.Now())
	st.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM canonical_bases`, `UPDATE package_names SET bases_claimed = 0`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, err = store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, err := New(Options{Store: st, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := reg.BackfillCanonicals(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c, err := st.CanonicalOwner(ctx, "https://legacy.example/fhir")
	if err != nil || c.Owner != "alice" || c.Package != "first" {
		t.Errorf("owner after backfill: %+v %v", c, err)
	}
	if left, _ := st.PackagesWithoutClaims(ctx); len(left) != 0 {
		t.Errorf("still without claims: %v", left)
	}
	tgz := testpkg.Tarball(testpkg.Options{Name: "third", Canonical: "https://legacy.example/fhir"})
	integ, sha1 := Integrity(tgz)
	err = st.Publish(ctx, store.PublishRequest{
		Version:    store.Version{Name: "third", Version: "1.0.0", Doc: []byte(`{}`), Integrity: integ, Shasum: sha1, Publisher: "bob"},
		Tarball:    tgz,
		DistTags:   map[string]string{"latest": "1.0.0"},
		Canonicals: []string{"https://legacy.example/fhir"},
	})
	if !errors.Is(err, store.ErrCanonicalTaken) {
		t.Errorf("bob's new package after backfill: %v", err)
	}
}

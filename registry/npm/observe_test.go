package npm

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/internal/obs/obstest"
	"github.com/ccg-project/ccg/internal/storagefault/storagefaulttest"
	"github.com/ccg-project/ccg/registry/store"
)

// fullDisk fails publishes with SQLite's real "disk is full" error.
type fullDisk struct {
	store.Store
	full bool
	err  error
}

func (f *fullDisk) Publish(ctx context.Context, req store.PublishRequest) error {
	if f.full {
		return f.err
	}
	return f.Store.Publish(ctx, req)
}

// TestPublishOnFullDisk: a publish that cannot be stored answers 507 with
// Retry-After and a neutral message, reads keep working, and the
// publishes and installs are counted.
func TestPublishOnFullDisk(t *testing.T) {
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	disk := &fullDisk{Store: st, err: storagefaulttest.FullError(t)}
	f := newFixtureOn(t, disk, nil)
	metrics := obstest.Handler()
	before := obstest.Scrape(t, metrics)

	tgz := testpkg.Tarball(testpkg.Options{Name: "full", Version: "1.0.0"})
	if code, m := f.publish(t, "full", "1.0.0", tgz); code != 200 {
		t.Fatalf("publish: %d %v", code, m)
	}
	disk.full = true
	code, _, raw := f.do(t, "PUT", "full", f.token, PublishBody("full", "1.1.0", testpkg.Tarball(testpkg.Options{Name: "full", Version: "1.1.0"})))
	if code != 507 || strings.Contains(string(raw), "(13)") || strings.Contains(string(raw), "database") {
		t.Errorf("publish on a full disk: %d %s; want 507 with a neutral message", code, raw)
	}
	if code, _, raw := f.do(t, "GET", "full/-/full-1.0.0.tgz", "", nil); code != 200 {
		t.Errorf("install during the fault: %d %s", code, raw)
	}
	after := obstest.Scrape(t, metrics)
	for _, s := range []struct {
		name   string
		labels map[string]string
	}{
		{"ccg_registry_publishes_total", map[string]string{"result": "ok"}},
		{"ccg_registry_publishes_total", map[string]string{"result": "storage_full"}},
		{"ccg_registry_tarball_downloads_total", map[string]string{"result": "ok"}},
		{"ccg_storage_faults_total", map[string]string{"store": "registry"}},
	} {
		b, _ := obstest.Value(before, s.name, s.labels)
		if a, ok := obstest.Value(after, s.name, s.labels); !ok || a != b+1 {
			t.Errorf("%s went %v -> %v, want +1", obstest.Series(s.name, s.labels), b, a)
		}
	}
}

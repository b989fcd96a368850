package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// clientRun runs a package manager command in dir with home as HOME and
// the extra environment; it fails the test on error and returns the output.
func clientRun(t *testing.T, dir, home string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "CI=true"}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(args[0]), strings.Join(args[1:], " "), err, out)
	}
	return string(out)
}

// publishingRegistry is a repository holding only the stand-in core the
// example depends on (as a mirror), with a user who may publish, and a
// copy of the example hypertension package to publish.
func publishingRegistry(t *testing.T) (r *testRegistry, token, pkg string) {
	t.Helper()
	need(t, "npm", "install Node.js 20+ and npm (apt-get install nodejs npm)")
	ctx := context.Background()
	r = newTestRegistry(t)
	if _, err := r.reg.StoreMirror(ctx, testpkg.CoreTarball("hl7.fhir.r4.core", "4.0.1"), "import", "", nil); err != nil {
		t.Fatal(err)
	}
	r.st.CreateUser(ctx, store.User{Name: "alice"})
	token, hash, _ := registry.NewToken()
	r.st.CreateToken(ctx, store.Token{Hash: hash, User: "alice", Publish: true})
	pkg = filepath.Join(t.TempDir(), "hypertension")
	copyDir(t, filepath.Join("..", "..", "examples", "hypertension", "package"), pkg)
	return r, token, pkg
}

// TestClientsPublishViewTags: pnpm, yarn 1 and yarn 4 each publish the
// example package to the repository, read it back (view / info) and set a
// dist-tag, which the repository then serves.
func TestClientsPublishViewTags(t *testing.T) {
	const name = "ccg.example.hypertension"
	tagged := func(t *testing.T, r *testRegistry, tag string) {
		t.Helper()
		p, err := r.st.Package(context.Background(), name)
		if err != nil || p.DistTags[tag] != "1.0.0" {
			t.Errorf("dist-tags after the client set %q: %v", tag, err)
		}
	}
	t.Run("pnpm", func(t *testing.T) {
		pnpm := packageManager(t, "CCG_TEST_PNPM", "pnpm/bin/pnpm.cjs")
		r, token, pkg := publishingRegistry(t)
		home := t.TempDir()
		npmrc := "registry=" + r.url + "\n" + strings.TrimPrefix(r.url, "http:") + ":_authToken=" + token + "\n"
		os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o600)
		env := []string{"npm_config_userconfig=" + filepath.Join(home, ".npmrc"), "XDG_CONFIG_HOME=" + home}
		clientRun(t, pkg, home, env, pnpm, "publish", "--no-git-checks")
		if out := clientRun(t, pkg, home, env, pnpm, "view", name, "version"); strings.TrimSpace(out) != "1.0.0" {
			t.Errorf("pnpm view: %q", out)
		}
		clientRun(t, pkg, home, env, pnpm, "dist-tag", "add", name+"@1.0.0", "pnpm")
		tagged(t, r, "pnpm")
	})
	t.Run("yarn1", func(t *testing.T) {
		yarn := packageManager(t, "CCG_TEST_YARN1", "yarn/bin/yarn.js")
		r, token, pkg := publishingRegistry(t)
		home := t.TempDir()
		npmrc := "registry=" + r.url + "\n" + strings.TrimPrefix(r.url, "http:") + ":_authToken=" + token + "\n"
		os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o600)
		env := []string{"YARN_ENABLE_TELEMETRY=0", "YARN_CACHE_FOLDER=" + filepath.Join(home, "cache")}
		clientRun(t, pkg, home, env, yarn, "publish", "--non-interactive", "--registry", r.url, "--new-version", "1.0.0", "--no-git-tag-version")
		if out := clientRun(t, pkg, home, env, yarn, "info", name, "version", "--registry", r.url, "--silent"); strings.TrimSpace(out) != "1.0.0" {
			t.Errorf("yarn info: %q", out)
		}
		clientRun(t, pkg, home, env, yarn, "tag", "add", name+"@1.0.0", "yarn1", "--registry", r.url, "--non-interactive")
		tagged(t, r, "yarn1")
	})
	t.Run("yarn4", func(t *testing.T) {
		yarn := packageManager(t, "CCG_TEST_YARN4", "@yarnpkg/cli-dist/bin/yarn.js")
		r, token, pkg := publishingRegistry(t)
		home := t.TempDir()
		rc := "npmRegistryServer: \"" + strings.TrimSuffix(r.url, "/") + "\"\nnpmAuthToken: \"" + token + "\"\nunsafeHttpWhitelist:\n  - \"127.0.0.1\"\n" +
			"nodeLinker: node-modules\nenableGlobalCache: false\ncacheFolder: ./.yarn-cache\nenableTelemetry: false\nnpmMinimalAgeGate: 0\n"
		os.WriteFile(filepath.Join(pkg, ".yarnrc.yml"), []byte(rc), 0o600)
		os.WriteFile(filepath.Join(pkg, "yarn.lock"), nil, 0o644)
		env := []string{"YARN_ENABLE_TELEMETRY=0", "YARN_GLOBAL_FOLDER=" + filepath.Join(home, "yarn"), "YARN_ENABLE_IMMUTABLE_INSTALLS=false"}
		// yarn 4 publishes a workspace of an installed project.
		clientRun(t, pkg, home, env, yarn, "install")
		clientRun(t, pkg, home, env, yarn, "npm", "publish")
		if out := clientRun(t, pkg, home, env, yarn, "npm", "info", name, "--fields", "version"); !strings.Contains(out, "1.0.0") {
			t.Errorf("yarn npm info: %q", out)
		}
		clientRun(t, pkg, home, env, yarn, "npm", "tag", "add", name+"@1.0.0", "yarn4")
		tagged(t, r, "yarn4")
	})
}

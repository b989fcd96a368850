package e2e

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
)

// TestNPMTokens drives npm's token API with the npm CLI: `npm token
// list`, `npm token create --password` (a new token that works) and
// `npm token revoke ID` (it stops working).
func TestNPMTokens(t *testing.T) {
	need(t, "npm", "install Node.js 20+ and npm")
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sign.GenerateKey()
	reg, _ := registry.New(registry.Options{Store: st, SigningKey: key})
	srv := httptest.NewServer(npm.New(reg, "/npm/", nil))
	defer srv.Close()
	regURL := srv.URL + "/npm/"
	hash, _ := registry.HashPassword("pw-tok")
	st.CreateUser(ctx, store.User{Name: "tess", PasswordHash: hash})
	token, thash, _ := registry.NewToken()
	if err := st.CreateToken(ctx, store.Token{Hash: thash, User: "tess", Publish: true}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	npmrc := "registry=" + regURL + "\n" + strings.TrimPrefix(regURL, "http:") + ":_authToken=" + token + "\nupdate-notifier=false\nloglevel=warn\n"
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o600); err != nil {
		t.Fatal(err)
	}
	n := &npmEnv{t: t, home: home, env: []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "npm_config_cache=" + filepath.Join(home, ".npm"), "NO_COLOR=1"}}
	list := func() []map[string]any {
		var ts []map[string]any
		out := n.must(home, "token", "list", "--json")
		if err := json.Unmarshal([]byte(out), &ts); err != nil {
			t.Fatalf("npm token list --json: %v\n%s", err, out)
		}
		return ts
	}
	if ts := list(); len(ts) != 1 || ts[0]["key"] != thash {
		t.Fatalf("npm token list: %v", ts)
	}
	if out, err := n.run(home, nil, "token", "create", "--password", "wrong"); err == nil || !strings.Contains(out, "401") {
		t.Errorf("npm token create with a wrong password: %v\n%s", err, out)
	}
	out := n.must(home, "token", "create", "--password", "pw-tok", "--expires", "7")
	i := strings.Index(out, "ccg_")
	if i < 0 || !strings.Contains(out, "expires: ") {
		t.Fatalf("npm token create: %s", out)
	}
	created := strings.Fields(out[i:])[0]
	if tok, err := reg.Authenticate(ctx, created); err != nil || tok.User != "tess" || !tok.Publish || tok.Expires.IsZero() {
		t.Fatalf("the created token: %+v %v", tok, err)
	}
	ts := list()
	if len(ts) != 2 {
		t.Fatalf("npm token list after create: %v", ts)
	}
	id := registry.HashToken(created)[:8]
	if out := n.must(home, "token", "revoke", id); !strings.Contains(out, "Removed 1 token") {
		t.Errorf("npm token revoke: %s", out)
	}
	if _, err := reg.Authenticate(ctx, created); err == nil {
		t.Error("the revoked token still works")
	}
}

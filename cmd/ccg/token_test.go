package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

func TestTokenCreateAdmin(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := ccg(t, "token", "create", "--user", "root", "--admin", "--data", data)
	if code != 0 || !strings.HasPrefix(stdout, "ccg_") {
		t.Fatalf("token create --admin: %d %s %s", code, stdout, stderr)
	}
	st, err := store.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.LookupToken(context.Background(), registry.HashToken(strings.TrimSpace(stdout)))
	if err != nil || tok.User != "root" || !tok.Admin || !tok.Publish {
		t.Errorf("admin token: %+v %v (want admin with publish rights)", tok, err)
	}
}

package main

import (
	"context"
	"strings"
	"testing"
)

func TestRegistryAssign(t *testing.T) {
	data := t.TempDir()
	for _, u := range []string{"alice", "bob"} {
		if code, _, errOut := ccg(t, "token", "create", "--user", u, "--publish", "--data", data); code != 0 {
			t.Fatalf("token create %s: %s", u, errOut)
		}
	}
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"registry", "assign-canonical", "HTTPS://Acme.example/fhir/", "--user", "bob"}, 0, "canonical https://acme.example/fhir now belongs to bob\n", ""},
		{[]string{"registry", "assign-scope", "@acme", "--user", "alice"}, 0, "scope @acme now belongs to alice\n", ""},
		{[]string{"registry", "assign-canonical", "https://acme.example/fhir", "--user", "nobody"}, 1, "", "no user \"nobody\""},
		{[]string{"registry", "assign-canonical", "urn:oid:1.2.3", "--user", "bob"}, 2, "", "not an http(s) URL"},
		{[]string{"registry", "assign-scope", "acme", "--user", "bob"}, 2, "", "not an npm scope"},
		{[]string{"registry", "assign-scope", "@acme"}, 2, "", "--user"},
	} {
		args := append(tc.args, "--data", data)
		code, out, errOut := ccg(t, args...)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.err) {
			t.Errorf("ccg %s: exit %d, stdout %q, stderr %q", strings.Join(tc.args, " "), code, out, errOut)
		}
	}
	code, out, _ := ccg(t, "registry", "claims", "--data", data)
	want := "KIND       CLAIM                      OWNER  SINCE\n" +
		"canonical  https://acme.example/fhir  bob    assigned by an administrator\n" +
		"scope      @acme                      alice  assigned by an administrator\n"
	if code != 0 || out != want {
		t.Errorf("registry claims: exit %d\n%s", code, out)
	}
	st, err := openRegistryStore("", data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, err := st.CanonicalOwner(context.Background(), "https://acme.example/fhir/sub"); err != nil || c.Owner != "bob" {
		t.Errorf("owner in the store: %+v %v", c, err)
	}
}

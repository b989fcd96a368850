package fhir

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestLibraryResolver(t *testing.T) {
	r := NewLibraryResolver()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.AddSource("/* library Fake version '9' */\n// library Fake\nlibrary Common version '1.0.0'\ndefine X: 1", "a.cql"))
	must(r.AddSource("library Common version '1.2.0'\ndefine X: 2", "b.cql"))
	must(r.AddSource(`library "Quoted.Name"`+"\ndefine X: 3", "c.cql"))
	lib := base64.StdEncoding.EncodeToString([]byte("library FromResource version '2'\nusing FHIR version '4.0.1'\n"))
	must(r.AddLibraryJSON([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Library","id":"fr","name":"FromResource",
		"content":[{"contentType":"application/elm+json","data":"e30="},{"contentType":"text/cql","data":"` + lib + `"}]}}]}`)))
	cases := []struct {
		name, version, want, wantErr string
	}{
		{"Common", "1.0.0", "define X: 1", ""},
		{"Common", "", "define X: 2", ""},
		{"Common", "3", "", "library Common version 3 not found (searched b.cql (version 1.2.0), a.cql (version 1.0.0))"},
		{"Quoted.Name", "", "define X: 3", ""},
		{"FromResource", "2", "using FHIR", ""},
		{"FHIRHelpers", "4.0.1", "library FHIRHelpers version '4.0.1'", ""},
		{"FHIRHelpers", "3.0.0", "", "not found"},
		{"Nope", "", "", "library Nope not found"},
	}
	for _, c := range cases {
		src, err := r.ResolveLibrary(c.name, c.version)
		if c.wantErr != "" {
			var nf *LibraryNotFoundError
			if err == nil || !errors.As(err, &nf) || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %s: err %v, want %q", c.name, c.version, err, c.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(src, c.want) {
			t.Errorf("%s %s: %q %v", c.name, c.version, src, err)
		}
	}
	bad := []string{
		`{"resourceType":"Library","id":"x","content":[{"contentType":"text/cql","data":"!!"}]}`,
		`{"resourceType":"Library","id":"x","content":[{"contentType":"text/cql","data":"` + base64.StdEncoding.EncodeToString([]byte("define X: 1")) + `"}]}`,
		`{"resourceType":"Library","id":"x","name":"Other","content":[{"contentType":"text/cql","data":"` + lib + `"}]}`,
	}
	for _, b := range bad {
		if err := r.AddLibraryJSON([]byte(b)); err == nil || !strings.Contains(err.Error(), "Library/x") {
			t.Errorf("%s: err %v", b, err)
		}
	}
	if _, err := NewLibraryResolver().WithoutBuiltins().ResolveLibrary("FHIRHelpers", "4.0.1"); err == nil {
		t.Errorf("builtins disabled")
	}
}

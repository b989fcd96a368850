package fhirpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
)

func tgz(t *testing.T, entries ...*tar.Header) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("{"), int(h.Size)))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestReadTarballRejects(t *testing.T) {
	lim := Limits{MaxCompressed: 1 << 20, MaxUnpacked: 1 << 16, MaxFile: 1 << 15, MaxFiles: 10}
	bomb := make([]*tar.Header, 0, 3)
	for i := range 3 {
		bomb = append(bomb, &tar.Header{Name: "package/f" + string(rune('a'+i)), Size: 30000, Typeflag: tar.TypeReg, Mode: 0o644})
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("plain"), "not gzip"},
		{"truncated", tgz(t, &tar.Header{Name: "package/package.json", Size: 10, Typeflag: tar.TypeReg})[:20], "tarball"},
		{"outside", tgz(t, &tar.Header{Name: "etc/passwd", Size: 1, Typeflag: tar.TypeReg}), "outside package/"},
		{"dotdot", tgz(t, &tar.Header{Name: "package/../x", Size: 1, Typeflag: tar.TypeReg}), "outside package/"},
		{"symlink", tgz(t, &tar.Header{Name: "package/l", Linkname: "/etc", Typeflag: tar.TypeSymlink}), "regular files"},
		{"big file", tgz(t, &tar.Header{Name: "package/big", Size: 40000, Typeflag: tar.TypeReg}), "size limits"},
		{"bomb", tgz(t, bomb...), "size limits"},
		{"no manifest", tgz(t, &tar.Header{Name: "package/a.json", Size: 1, Typeflag: tar.TypeReg}), "package.json is missing"},
		{"bad manifest", tgz(t, &tar.Header{Name: "package/package.json", Size: 3, Typeflag: tar.TypeReg}), "package.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTarball(tc.data, lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	if _, err := ReadTarball(big, lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("compressed limit: %v", err)
	}
}

func TestRoundTripAndIndex(t *testing.T) {
	files := map[string][]byte{
		"package.json":          []byte(`{"name":"a","version":"1.0.0","fhirVersions":["4.0.1"]}`),
		"Library-x.json":        []byte(`{"resourceType":"Library","id":"x","url":"http://e/Library/x"}`),
		"other/readme.md":       []byte("hi"),
		"PlanDefinition-y.json": []byte(`{"resourceType":"PlanDefinition","id":"y"}`),
	}
	withIdx, err := WithIndex(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WriteTarball(withIdx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadTarball(b, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.Name != "a" || len(p.CheckManifest()) != 0 || len(p.CheckIndex()) != 0 {
		t.Errorf("manifest %+v, %v, %v", p.Manifest, p.CheckManifest(), p.CheckIndex())
	}
	// Deterministic output.
	b2, _ := WriteTarball(withIdx)
	if !bytes.Equal(b, b2) {
		t.Error("WriteTarball is not deterministic")
	}
	// Index drift is reported.
	p.Files["Library-x.json"] = []byte(`{"resourceType":"Library","id":"z"}`)
	p.Files["Extra-1.json"] = []byte(`{"resourceType":"Basic","id":"1"}`)
	got := strings.Join(p.CheckIndex(), "\n")
	for _, w := range []string{`id "x", file has "z"`, "does not list Extra-1.json"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in %s", w, got)
		}
	}
	delete(p.Files, ".index.json")
	if got := p.CheckIndex(); len(got) != 1 {
		t.Errorf("missing index: %v", got)
	}
}

func TestPackageID(t *testing.T) {
	for name, want := range map[string]string{"ccg.example.hypertension": "ccg.example.hypertension", "@ccg/a": "ccg.a",
		"node_modules": "node-modules", "@a/b_c": "a.b-c"} {
		if got := PackageID(name); got != want {
			t.Errorf("PackageID(%q) = %q, want %q", name, got, want)
		}
	}
}

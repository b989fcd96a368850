package fhirpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// rawTar is a tar stream (not compressed) of the given entries.
func rawTar(entries ...*tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("{"), int(h.Size)))
		}
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzReadTarball reads arbitrary bytes as a package tarball: as they are,
// and (gzipped true) as the gzip of arbitrary bytes, which lets the fuzzer
// shape the tar stream itself. ReadTarball must not panic, must keep to
// its limits and to package/, and a package it accepts must survive
// WriteTarball and ReadTarball unchanged. Run with:
//
//	go test -run '^$' -fuzz=FuzzReadTarball -fuzztime=3m ./cards/fhirpkg
func FuzzReadTarball(f *testing.F) {
	files := map[string][]byte{
		"package.json":                 []byte(`{"name":"fz","version":"1.0.0","fhirVersions":["4.0.1"],"dependencies":{"hl7.fhir.r4.core":"4.0.1"}}`),
		"Library-a.json":               []byte(`{"resourceType":"Library","id":"a","url":"http://x/Library/a"}`),
		"PlanDefinition-b.json":        []byte(`{"resourceType":"PlanDefinition","id":"b"}`),
		"other/ValueSet-c.json":        []byte(`{"resourceType":"ValueSet","id":"c"}`),
		"Broken.json":                  []byte(`{"resourceType":`),
		".index.json":                  []byte(`{"index-version":2,"files":[{"filename":"Library-a.json","resourceType":"Library","id":"x"},{"filename":"Gone.json"}]}`),
		"NoType.json":                  []byte(`{"id":"n"}`),
		"Array.json":                   []byte(`[]`),
		"example/Patient-example.json": []byte(`{"resourceType":"Patient"}`),
	}
	good, err := WriteTarball(files)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, false)
	f.Add(good[:len(good)/2], false)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, false)
	var plain bytes.Buffer
	if zr, err := gzip.NewReader(bytes.NewReader(good)); err == nil {
		plain.ReadFrom(zr)
	}
	f.Add(plain.Bytes(), true)
	for _, entries := range [][]*tar.Header{
		{{Name: "package/package.json", Typeflag: tar.TypeReg, Size: 3}},
		{{Name: "package/../evil", Typeflag: tar.TypeReg, Size: 1}},
		{{Name: "/etc/passwd", Typeflag: tar.TypeReg, Size: 1}},
		{{Name: "package/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		{{Name: "package/", Typeflag: tar.TypeDir}, {Name: "package/x.json", Typeflag: tar.TypeReg, Size: 2}, {Name: "./package/x.json", Typeflag: tar.TypeReg, Size: 2}},
		{{Name: "package/a.json", Typeflag: tar.TypeReg, Size: 1 << 12, Format: tar.FormatPAX, PAXRecords: map[string]string{"path": "package/b.json"}}},
		{{Name: "package/big", Typeflag: tar.TypeGNUSparse, Size: 10}},
	} {
		f.Add(rawTar(entries...), true)
	}
	f.Add([]byte{}, false)
	f.Add([]byte{0x1f, 0x8b}, false)
	f.Add([]byte("not a tarball"), true)
	f.Add(bytes.Repeat([]byte{0}, 1024), true)

	lim := Limits{MaxCompressed: 1 << 20, MaxUnpacked: 1 << 20, MaxFile: 1 << 16, MaxFiles: 64}
	f.Fuzz(func(t *testing.T, data []byte, gzipped bool) {
		if gzipped {
			data = gz(data)
		}
		p, err := ReadTarball(data, lim)
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a package", err)
			}
			return
		}
		total := 0
		for name, b := range p.Files {
			if name == "" || path.IsAbs(name) || name != path.Clean(name) || name == ".." || strings.HasPrefix(name, "../") {
				t.Fatalf("file %q escapes package/", name)
			}
			if int64(len(b)) > lim.MaxFile {
				t.Fatalf("file %q is %d bytes, over the limit", name, len(b))
			}
			total += len(b)
		}
		if len(p.Files) > lim.MaxFiles || int64(total) > lim.MaxUnpacked {
			t.Fatalf("%d files, %d bytes: over the limits", len(p.Files), total)
		}
		p.Resources()
		p.CheckManifest()
		p.CheckIndex()
		again, err := WriteTarball(p.Files)
		if err != nil {
			t.Fatalf("WriteTarball of an accepted package: %v", err)
		}
		q, err := ReadTarball(again, Limits{})
		if err != nil && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("an accepted package does not read back: %v", err)
		}
		if err == nil {
			if d := cmp.Diff(p.Files, q.Files); d != "" {
				t.Fatalf("files changed through WriteTarball (-read +again):\n%s", d)
			}
		}
	})
}

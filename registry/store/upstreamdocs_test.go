package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func testUpstreamDocsFeedCanonicals(t *testing.T, s Store) {
	ctx := context.Background()
	// Upstream documents: kept, replaced.
	if _, err := s.CachedUpstreamDoc(ctx, "hl7.fhir.r4.core"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty: %v", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, doc := range []string{`{"name":"hl7.fhir.r4.core"}`, `{"name":"hl7.fhir.r4.core","versions":{}}`} {
		if err := s.PutUpstreamDoc(ctx, UpstreamDoc{Name: "hl7.fhir.r4.core", Upstream: "fhir", Doc: []byte(doc), Fetched: at.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		d, err := s.CachedUpstreamDoc(ctx, "hl7.fhir.r4.core")
		if err != nil || string(d.Doc) != doc || d.Upstream != "fhir" || !d.Fetched.Equal(at.Add(time.Duration(i)*time.Hour)) {
			t.Fatalf("kept %d: %+v %v", i, d, err)
		}
	}
	// The feed's versions, newest first, without the excluded publisher;
	// the canonical search.
	for i, p := range []struct{ name, publisher, canonical string }{
		{"a.one", "alice", "https://a.example/fhir"}, {"m.core", "mirror:import", "http://hl7.org/fhir"}, {"b.two", "bob", ""},
	} {
		req := mkVersion(p.name, "1.0.0", []byte("tarball "+p.name))
		req.Version.Publisher, req.Version.Canonical = p.publisher, p.canonical
		req.Version.Doc, _ = json.Marshal(map[string]any{"name": p.name, "version": "1.0.0", "canonical": p.canonical + "/"})
		req.Version.Published = at.Add(time.Duration(i) * time.Minute)
		req.Admin = true
		if err := s.Publish(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := s.RecentVersions(ctx, 10, "mirror:")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	if !slices.Equal(names, []string{"b.two", "a.one"}) {
		t.Errorf("recent versions: %v", names)
	}
	if vs, _ := s.RecentVersions(ctx, 1, ""); len(vs) != 1 || vs[0].Name != "b.two" {
		t.Errorf("newest version: %+v", vs)
	}
	for q, want := range map[string][]string{
		"https://a.example/fhir":                  {"a.one"},
		"https://a.example/fhir/Library/x":        {"a.one"},
		"https://a.example/fhirx":                 nil,
		"https://a.example":                       nil,
		"http://hl7.org/fhir/StructureDefinition": {"m.core"},
	} {
		hits, _, err := s.Search(ctx, SearchQuery{Canonical: q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("canonical %s: %v, want %v", q, got, want)
		}
	}
	// A database from before the column: the canonicals come from the
	// version documents.
	ss := s.(*sqlStore)
	if _, err := ss.db.ExecContext(ctx, `ALTER TABLE versions DROP COLUMN canonical`); err != nil {
		t.Fatal(err)
	}
	if err := ss.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx, "a.one", "1.0.0"); err != nil || v.Canonical != "https://a.example/fhir" {
		t.Errorf("version canonical after migration: %+v %v", v, err)
	}
	if v, err := s.Version(ctx, "b.two", "1.0.0"); err != nil || v.Canonical != "" {
		t.Errorf("version without canonical after migration: %+v %v", v, err)
	}
}

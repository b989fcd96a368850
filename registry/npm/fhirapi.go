package npm

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// FHIRPackagesPrefix is where ccg serve mounts the FHIR package registry
// API (FHIRPackages): beside the npm API, because the two give
// GET /{name}/{version} different meanings (a version document for npm,
// the tarball for FHIR tools).
const FHIRPackagesPrefix = "/fhir-packages/"

// FHIRPackages returns the FHIR package registry API, as packages.fhir.org
// serves it, over the same repository, below prefix:
//
//	GET /{name}                   package document; dist.tarball is /{name}/{version}
//	GET /{name}/{version or tag}  the tarball
//	GET /catalog?name=&canonical=&fhirversion=&prerelease=
//	                              [{Name, Description, FHIRVersion, ...}]
//	GET /-/package-feed.xml       RSS 2.0 feed of the versions published here
//
// Reads follow the npm API's rules (a token when reads need one), and a
// package not held is read through the upstreams as there.
func (h *Handler) FHIRPackages(prefix string) http.Handler {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &fhirAPI{h: h, prefix: prefix}
}

type fhirAPI struct {
	h      *Handler
	prefix string
}

func (a *fhirAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.serve(w, r); err != nil {
		a.h.logFailure(r, err)
		writeError(w, err)
	}
}

func (a *fhirAPI) serve(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return errf(405, "the FHIR package API is read-only: publish with npm to %s", a.h.prefix)
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), a.prefix)
	if !ok {
		return errf(404, "not found")
	}
	var segs []string
	for _, s := range strings.Split(strings.TrimSuffix(rest, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return errf(400, "bad path")
		}
		segs = append(segs, u)
	}
	if err := a.h.readAuth(r.Context(), r); err != nil {
		return err
	}
	switch {
	case len(segs) == 1 && segs[0] == "catalog":
		return a.catalog(w, r)
	case len(segs) == 2 && segs[0] == "-" && segs[1] == "package-feed.xml":
		return a.feed(w, r)
	case segs[0] == "" || segs[0] == "-":
		return errf(404, "not found: the FHIR package API serves /{name}, /{name}/{version}, /catalog and /-/package-feed.xml")
	}
	name, tail, err := splitName(segs)
	if err != nil {
		return err
	}
	switch len(tail) {
	case 0:
		return a.packageDoc(w, r, name)
	case 1:
		return a.tarball(w, r, name, tail[0])
	}
	return errf(404, "not found")
}

func (a *fhirAPI) tarballURL(r *http.Request, name, ver string) string {
	base := a.h.baseURL(r)
	base = strings.TrimSuffix(base, a.h.prefix) + a.prefix
	return base + escapeName(name) + "/" + ver
}

// release names the FHIR release of a version (4.0.1: R4), as
// packages.fhir.org writes it in its documents; a version it does not
// know stays as it is.
func release(fhirVersion string) string {
	for _, p := range []struct{ prefix, name string }{
		{"1.0", "R2"}, {"3.0", "R3"}, {"4.0", "R4"}, {"4.3", "R4B"}, {"5.0", "R5"}, {"6.0", "R6"},
	} {
		if fhirVersion == p.prefix || strings.HasPrefix(fhirVersion, p.prefix+".") {
			return p.name
		}
	}
	return fhirVersion
}

// packageDoc serves the package document as packages.fhir.org does: per
// version its name, version, description, FHIR release, and dist with
// the shasum (and integrity) and a tarball at this API.
func (a *fhirAPI) packageDoc(w http.ResponseWriter, r *http.Request, name string) error {
	body, lastMod, err := a.h.packageBody(r, name)
	if err != nil {
		return err
	}
	versions := map[string]any{}
	npmVersions, _ := body["versions"].(map[string]any)
	for ver, raw := range npmVersions {
		vd, _ := raw.(map[string]any)
		dist, _ := vd["dist"].(map[string]any)
		fhirVersion := ""
		if fv, ok := vd["fhirVersions"].([]any); ok && len(fv) > 0 {
			fhirVersion, _ = fv[0].(string)
		}
		tarball := a.tarballURL(r, name, ver)
		doc := map[string]any{
			"name": name, "version": ver, "description": vd["description"], "fhirVersion": release(fhirVersion),
			"url": tarball, "dist": map[string]any{"shasum": dist["shasum"], "integrity": dist["integrity"], "tarball": tarball},
		}
		for _, k := range []string{"canonical", "ccgMirror", "ccgUpstream", "deprecated"} {
			if v, ok := vd[k]; ok {
				doc[k] = v
			}
		}
		versions[ver] = doc
	}
	out := map[string]any{
		"_id": name, "name": name, "description": body["description"], "dist-tags": body["dist-tags"],
		"versions": versions, "time": body["time"],
	}
	return a.h.writeCachedJSON(w, r, out, lastMod, cacheRevalidate)
}

// tarball serves GET /{name}/{version or dist-tag}.
func (a *fhirAPI) tarball(w http.ResponseWriter, r *http.Request, name, spec string) error {
	ver := spec
	if !store.ValidVersion(spec) {
		body, _, err := a.h.packageBody(r, name)
		if err != nil {
			return err
		}
		tags, _ := body["dist-tags"].(map[string]string)
		if ver = tags[spec]; ver == "" {
			return errf(404, "version or tag %q of %s not found", spec, name)
		}
	}
	return a.h.serveTarball(w, r, name, ver, name+"@"+ver)
}

// fhirCatalogEntry is a catalog entry as packages.fhir.org writes it
// (capitalised keys).
type fhirCatalogEntry struct {
	Name        string `json:"Name"`
	Description string `json:"Description"`
	FHIRVersion string `json:"FHIRVersion"`
	LastUpdated string `json:"LastUpdated"`
	Version     string `json:"Version"`
	Mirror      bool   `json:"Mirror,omitempty"`
	Upstream    string `json:"Upstream,omitempty"`
}

func (a *fhirAPI) catalog(w http.ResponseWriter, r *http.Request) error {
	entries, err := a.h.catalogEntries(r)
	if err != nil {
		return err
	}
	out := make([]fhirCatalogEntry, len(entries))
	for i, e := range entries {
		out[i] = fhirCatalogEntry(e)
	}
	writeJSON(w, 200, out)
	return nil
}

// The package feed, in the shape of the FHIR package feeds (RSS 2.0 with
// the http://hl7.org/fhir/feed extension elements fhir:version and
// fhir:kind, titles NAME#VERSION).
type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	FHIR    string     `xml:"xmlns:fhir,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Description   string    `xml:"description"`
	Link          string    `xml:"link"`
	Self          rssLink   `xml:"atom:link"`
	Generator     string    `xml:"generator"`
	LastBuildDate string    `xml:"lastBuildDate"`
	TTL           int       `xml:"ttl"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Description string  `xml:"description"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	Creator     string  `xml:"dc:creator"`
	FHIRVersion string  `xml:"fhir:version"`
	Kind        string  `xml:"fhir:kind"`
	PubDate     string  `xml:"pubDate"`
}

type rssGUID struct {
	PermaLink bool   `xml:"isPermaLink,attr"`
	Value     string `xml:",chardata"`
}

// feedKind is the fhir:kind of a package type (package.json "type").
func feedKind(typ string) string {
	switch strings.ToLower(typ) {
	case "core", "fhir.core":
		return "fhir.core"
	case "", "ig", "fhir.ig":
		return "IG"
	}
	return typ
}

// feed serves the newest versions published here (count, default 100,
// at most 1000; mirrors are not in it), newest first.
func (a *fhirAPI) feed(w http.ResponseWriter, r *http.Request) error {
	count := atoiDefault(r.URL.Query().Get("count"), 100, 1, 1000)
	vs, err := a.h.reg.Store().RecentVersions(r.Context(), count, registry.MirrorPublisher(""))
	if err != nil {
		return err
	}
	self := strings.TrimSuffix(a.h.baseURL(r), a.h.prefix) + a.prefix + "-/package-feed.xml"
	f := rssFeed{Version: "2.0", DC: "http://purl.org/dc/elements/1.1/", FHIR: "http://hl7.org/fhir/feed", Atom: "http://www.w3.org/2005/Atom",
		Channel: rssChannel{
			Title: "ccg Guideline Repository FHIR Packages", Description: "New packages published to this ccg Guideline Repository",
			Link: self, Self: rssLink{Href: self, Rel: "self", Type: "application/rss+xml"},
			Generator: "ccg", LastBuildDate: a.h.now().UTC().Format(http.TimeFormat), TTL: 10,
		}}
	for _, v := range vs {
		var doc struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(v.Doc, &doc); err != nil {
			return fmt.Errorf("stored document of %s@%s: %w", v.Name, v.Version, err)
		}
		link := a.tarballURL(r, v.Name, v.Version)
		f.Channel.Items = append(f.Channel.Items, rssItem{
			Title: v.Name + "#" + v.Version, Description: v.Description, Link: link, GUID: rssGUID{PermaLink: true, Value: link},
			Creator: v.Publisher, FHIRVersion: v.FHIRVersion, Kind: feedKind(doc.Type), PubDate: v.Published.UTC().Format(http.TimeFormat),
		})
	}
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append([]byte(xml.Header), append(b, '\n')...)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", a.h.cacheControl("max-age=60"))
	w.WriteHeader(200)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
	return nil
}

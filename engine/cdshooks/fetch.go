package cdshooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	fj "github.com/ccg-project/ccg/engine/fhirjson"
)

// maxPages bounds the pages of one search read from the CDS client's
// FHIR server.
const maxPages = 10

// fhirServer reads from the CDS client's FHIR server (fhirServer, with
// fhirAuthorization's access token).
type fhirServer struct {
	h     *Handler
	base  *url.URL
	token string
}

// newFHIRServer checks the request's fhirServer: an absolute http(s) URL;
// an access token is only sent over https (or to a loopback address, for
// tests and local sandboxes).
func newFHIRServer(h *Handler, base, token string) (*fhirServer, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("fhirServer %q is not an absolute http(s) URL", base)
	}
	if token != "" && u.Scheme != "https" && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("fhirServer %q: an access token is only sent over https", base)
	}
	return &fhirServer{h: h, base: u, token: token}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNotFound is a read the FHIR server answered 404 or 410.
var errNotFound = errors.New("not found")

// fetch reads a relative FHIR URL (a read or a search, as a prefetch
// template resolves to) and returns the resources it names: the resource
// of a read, the entries of every page of a search.
func (f *fhirServer) fetch(ctx context.Context, rel string) ([]map[string]any, error) {
	next := f.base.String() + "/" + strings.TrimLeft(rel, "/")
	var out []map[string]any
	for page := 0; next != "" && page < maxPages; page++ {
		r, err := f.get(ctx, next)
		if err != nil {
			return nil, err
		}
		next = ""
		if fj.Type(r) != "Bundle" {
			return append(out, r), nil
		}
		for _, e := range fj.Objs(r, "entry") {
			if res := fj.Obj(e, "resource"); res != nil && fj.Type(res) != "OperationOutcome" {
				out = append(out, res)
			}
		}
		for _, l := range fj.Objs(r, "link") {
			// only pages of the same server get the token
			if fj.Str(l, "relation") == "next" && strings.HasPrefix(fj.Str(l, "url"), f.base.String()+"/") {
				next = fj.Str(l, "url")
			}
		}
	}
	return out, nil
}

func (f *fhirServer) get(ctx context.Context, u string) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, f.h.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := f.h.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return nil, errNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", redact(u), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.h.cfg.MaxFetchBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	if int64(len(body)) > f.h.cfg.MaxFetchBytes {
		return nil, fmt.Errorf("GET %s: the answer is larger than %d bytes", redact(u), f.h.cfg.MaxFetchBytes)
	}
	r, err := fj.DecodeObj(body)
	if err != nil || fj.Type(r) == "" {
		return nil, fmt.Errorf("GET %s: the answer is not a FHIR resource", redact(u))
	}
	return r, nil
}

// redact drops a URL's query (it may carry identifiers) from messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

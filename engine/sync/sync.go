// Package sync keeps a Guideline Engine's packages in step with a
// Guideline Repository (an npm-compatible registry such as registry/npm).
//
// Each round searches the repository for guideline packages [QRPH-61]
// (npm's /-/v1/search, falling back to the FHIR package catalog), reads
// the package document of every package that is new or changed since the
// last round, and when its dist-tags.latest is not the version the engine
// has, retrieves that version [QRPH-62]: the tarball is checked against
// dist.integrity (sha512) and dist.shasum, the repository's own
// signatures (dist.signatures) are checked against the keys it publishes
// at /-/npm/v1/keys, and the package is validated and compiled before it
// is swapped into the engine in one atomic step; $apply calls in flight
// finish on the set they started with. A package that fails any check is
// logged and skipped, and the version loaded before stays loaded.
//
// Package documents are fetched with If-None-Match when the repository
// gave an ETag, and packages whose search entry (version and date) did not
// change are not fetched at all. Rounds honour their context, work on a
// bounded number of packages at a time, and Run backs off exponentially
// while the repository fails.
package sync

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/internal/obs"
)

// Options configure a Syncer.
type Options struct {
	// Repository is the npm registry URL of the Guideline Repository,
	// e.g. "http://127.0.0.1:8080/npm/". Required.
	Repository string
	// Token is sent as "Authorization: Bearer" to the repository (and only
	// to it) when set.
	Token string
	// Interval is the time between rounds of Run (default 1 minute).
	Interval time.Duration
	// Packages limits the sync to package names matching one of these
	// path.Match patterns ("@acme/*", "ccg.example.*"); empty means every
	// package of the repository.
	Packages []string
	// Concurrency bounds how many packages are fetched and compiled at
	// once (default 4).
	Concurrency int
	// MinBackoff and MaxBackoff bound Run's waits after a failed round:
	// MinBackoff doubles with each consecutive failure up to MaxBackoff
	// (defaults 2 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	// Content are the validation and compile options (RequireIG, the
	// Trusted CCG option and its keys).
	Content content.Options
	// TrustedKeys, with Content.TrustedCCG, is the folder of trusted keys,
	// read again at every round: when its keys change, every installed
	// package is checked again under the new keys (a Folder signed by a
	// newly trusted key becomes applicable without a restart). It
	// replaces Content.TrustedKeys.
	TrustedKeys *sign.KeyDir
	// Limits bound tarballs (zero: fhirpkg.DefaultLimits).
	Limits fhirpkg.Limits
	// MaxDocument bounds a JSON response (default 32 MiB).
	MaxDocument int64
	// Client makes the requests (default: a client with a 2 minute timeout).
	Client *http.Client
	// Logger receives what happened (default: none).
	Logger *zap.Logger
}

// Syncer installs a repository's packages into an Engine. It is safe for
// concurrent use; rounds run one at a time.
type Syncer struct {
	eng  *engine.Engine
	opts Options
	base *url.URL
	log  *zap.Logger

	round gosync.Mutex // serialises rounds

	mu     gosync.Mutex
	pkgs   map[string]*pkgState
	keys   map[string]npmKey // nil: not fetched in this round
	status Status
	// trusted is the Trusted CCG keyring in use and stamp its key ids.
	trusted sign.Keyring
	stamp   string
}

// pkgState is what the syncer remembers about one package.
type pkgState struct {
	listed    string // search entry (version and date) handled completely
	etag      string // of the last package document
	doc       []byte // the last package document, for 304 answers
	installed string // version the syncer installed
	rejected  map[string]string
	recheck   bool // load again even if the version is loaded (trusted keys changed)
}

// Failure is a package that was not installed, and why.
type Failure struct {
	Package, Version string
	Err              error
}

func (f Failure) String() string {
	if f.Version == "" {
		return f.Package + ": " + f.Err.Error()
	}
	return f.Package + "@" + f.Version + ": " + f.Err.Error()
}

// Report says what one round did.
type Report struct {
	// Listed is the number of packages the repository listed (after the
	// Packages filter).
	Listed int
	// Installed are the "name@version"s loaded into the engine.
	Installed []string
	// Unchanged counts packages whose latest version was loaded already.
	Unchanged int
	// Refused are packages skipped for what they are: integrity or
	// signature mismatch, validation or compile problems, untrusted
	// content. They are not retried until the repository's entry changes
	// (integrity and download problems are retried every round).
	Refused []Failure
	// Errors are packages that could not be read from the repository;
	// they are retried in the next round.
	Errors []Failure
	// Removed are the packages unloaded because the repository no longer
	// lists them (unpublished).
	Removed []string
}

// Status is the syncer's health.
type Status struct {
	Rounds              int
	LastRound           time.Time
	LastSuccess         time.Time
	ConsecutiveFailures int
	LastError           string
}

// New returns a Syncer for eng.
func New(eng *engine.Engine, opts Options) (*Syncer, error) {
	if eng == nil {
		return nil, errors.New("sync: an engine is required")
	}
	u, err := url.Parse(strings.TrimSpace(opts.Repository))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sync: repository %q is not an http(s) URL", opts.Repository)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	u.RawQuery, u.Fragment = "", ""
	for _, p := range opts.Packages {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("sync: package pattern %q: %w", p, err)
		}
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	if opts.Limits == (fhirpkg.Limits{}) {
		opts.Limits = fhirpkg.DefaultLimits
	}
	if opts.MaxDocument <= 0 {
		opts.MaxDocument = 32 << 20
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Syncer{eng: eng, opts: opts, base: u, log: opts.Logger.With(zap.String("repository", u.Redacted())), pkgs: map[string]*pkgState{}}, nil
}

// Status returns the syncer's health.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Run syncs every Interval until ctx is done, backing off exponentially
// (with jitter) while rounds fail. It returns ctx's error.
func (s *Syncer) Run(ctx context.Context) error {
	failures := 0
	for {
		_, err := s.Once(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := s.opts.Interval
		if err != nil {
			failures++
			d := s.Backoff(failures)
			wait = d/2 + rand.N(d/2+1)
			s.log.Warn("guideline repository sync failed", zap.Error(err), zap.Int("failures", failures), zap.Duration("retryIn", wait))
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Backoff is the longest wait after n consecutive failed rounds:
// MinBackoff·2^(n-1), at most MaxBackoff. Run waits between half of it
// and all of it.
func (s *Syncer) Backoff(n int) time.Duration {
	d := s.opts.MinBackoff
	for i := 1; i < n && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

// Once runs one round: search, then fetch, check and install what is new.
// The error is non-nil when the repository could not be searched or some
// package could not be read from it (the round should be retried);
// refused packages are in the report, not in the error.
func (s *Syncer) Once(ctx context.Context) (*Report, error) {
	s.round.Lock()
	defer s.round.Unlock()
	s.mu.Lock()
	s.keys = nil // fetch the signing keys again in this round
	s.mu.Unlock()
	s.reloadTrusted()

	rep := &Report{}
	err := s.once(ctx, rep)
	if err != nil && ctx.Err() != nil {
		return rep, err // interrupted, not a repository failure
	}
	observeRound(rep, err)
	s.mu.Lock()
	s.status.Rounds++
	s.status.LastRound = time.Now()
	if err != nil {
		s.status.ConsecutiveFailures++
		s.status.LastError = err.Error()
	} else {
		s.status.ConsecutiveFailures = 0
		s.status.LastError = ""
		s.status.LastSuccess = s.status.LastRound
	}
	s.mu.Unlock()
	return rep, err
}

func (s *Syncer) once(ctx context.Context, rep *Report) error {
	entries, err := s.list(ctx)
	if err != nil {
		return fmt.Errorf("searching the repository: %w", err)
	}
	rep.Listed = len(entries)
	listed := map[string]bool{}
	for _, e := range entries {
		listed[e.name] = true
	}
	s.mu.Lock()
	var gone []string
	for name, st := range s.pkgs {
		if st.installed != "" && !listed[name] {
			gone = append(gone, name)
		}
	}
	s.mu.Unlock()
	sort.Strings(gone)
	for _, name := range gone {
		if s.unload(name) {
			rep.Removed = append(rep.Removed, name)
		}
	}
	results := make([]result, len(entries))
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg gosync.WaitGroup
dispatch:
	for i, e := range entries {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = s.syncPackage(ctx, e)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, r := range results {
		f := Failure{Package: entries[i].name, Version: r.version, Err: r.err}
		switch r.outcome {
		case installed:
			rep.Installed = append(rep.Installed, entries[i].name+"@"+r.version)
		case unchanged:
			rep.Unchanged++
		case refused:
			rep.Refused = append(rep.Refused, f)
		case failed:
			rep.Errors = append(rep.Errors, f)
		}
	}
	if len(rep.Errors) > 0 {
		msgs := make([]string, 0, len(rep.Errors))
		for _, f := range rep.Errors {
			msgs = append(msgs, f.String())
		}
		return fmt.Errorf("%d of %d packages could not be read: %s", len(rep.Errors), len(entries), strings.Join(msgs, "; "))
	}
	return nil
}

type outcome int

const (
	unchanged outcome = iota
	installed
	refused
	failed
)

type result struct {
	outcome outcome
	version string
	err     error
}

// entry is one package the repository lists.
type entry struct {
	name  string
	stamp string // latest version and modification date as listed
}

func (s *Syncer) wanted(name string) bool {
	if len(s.opts.Packages) == 0 {
		return true
	}
	for _, p := range s.opts.Packages {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// list searches the repository for every package: npm's /-/v1/search
// page by page, or, when the repository has no npm search, the FHIR
// package catalog (/-/catalog below the registry, then /catalog).
func (s *Syncer) list(ctx context.Context) ([]entry, error) {
	const size = 250
	l := listing{s: s, seen: map[string]bool{}}
	for from, page := 0, 0; page < 400; page++ {
		u := s.ref("-/v1/search?text=&size=" + strconv.Itoa(size) + "&from=" + strconv.Itoa(from))
		body, err := s.getJSON(ctx, u)
		var se *statusError
		if page == 0 && errors.As(err, &se) && (se.code == 404 || se.code == 405 || se.code == 400 || se.code == 501) {
			return s.catalog(ctx)
		}
		if err != nil {
			return nil, err
		}
		var res struct {
			Objects []struct {
				Package struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Date    string `json:"date"`
					Mirror  bool   `json:"ccgMirror"`
				} `json:"package"`
				Updated string `json:"updated"`
			} `json:"objects"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("%s: search answer is not npm's: %v", u, err)
		}
		for _, o := range res.Objects {
			l.add(o.Package.Name, o.Package.Version, o.Package.Date+o.Updated, o.Package.Mirror)
		}
		from += len(res.Objects)
		if len(res.Objects) == 0 || from >= res.Total {
			break
		}
	}
	return l.out, nil
}

// listing collects the packages of one round: each name once, only those
// the Packages patterns want, and no mirrors (FHIR packages such as
// hl7.fhir.r4.core that a repository holds for installs; they are not
// guideline content, and the engine would refuse them).
type listing struct {
	s    *Syncer
	seen map[string]bool
	out  []entry
}

func (l *listing) add(name, version, date string, mirror bool) {
	if name == "" || mirror || l.seen[name] || !l.s.wanted(name) {
		return
	}
	l.seen[name] = true
	l.out = append(l.out, entry{name: name, stamp: version + "|" + date})
}

func (s *Syncer) catalog(ctx context.Context) ([]entry, error) {
	urls := []string{s.ref("-/catalog"), (&url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: "/catalog"}).String()}
	var lastErr error
	for _, u := range urls {
		body, err := s.getJSON(ctx, u)
		var se *statusError
		if errors.As(err, &se) && se.code == 404 {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, err
		}
		var cat []struct {
			Name        string `json:"name"`
			Version     string `json:"version"`
			LastUpdated string `json:"lastUpdated"`
			Mirror      bool   `json:"mirror"`
		}
		if err := json.Unmarshal(body, &cat); err != nil {
			return nil, fmt.Errorf("%s: catalog is not a JSON array of packages: %v", u, err)
		}
		l := listing{s: s, seen: map[string]bool{}}
		for _, c := range cat {
			l.add(c.Name, c.Version, c.LastUpdated, c.Mirror)
		}
		return l.out, nil
	}
	return nil, fmt.Errorf("the repository has neither npm search nor a catalog: %w", lastErr)
}

// ref resolves a path relative to the registry URL.
func (s *Syncer) ref(rel string) string {
	return s.base.String() + rel
}

// packageURL is the package document's URL ("@scope/name" as one escaped
// segment, the way npm asks).
func (s *Syncer) packageURL(name string) string {
	return s.ref(url.PathEscape(name))
}

func (s *Syncer) state(name string) *pkgState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.pkgs[name]
	if st == nil {
		st = &pkgState{rejected: map[string]string{}}
		s.pkgs[name] = st
	}
	return st
}

// unload removes a package the syncer installed from the engine (unless
// something else replaced it since) and forgets it; it reports whether
// the engine had it.
func (s *Syncer) unload(name string) bool {
	s.mu.Lock()
	st := s.pkgs[name]
	delete(s.pkgs, name)
	s.mu.Unlock()
	if st == nil || st.installed == "" || s.loadedVersion(name) != st.installed {
		return false
	}
	removed := s.eng.Remove(name)
	if removed {
		s.log.Info("guideline package unloaded: the repository no longer has it", zap.String("package", name), zap.String("version", st.installed))
	}
	return removed
}

// Refresh brings one package up to date at once, outside the rounds:
// after a publish it installs the package's latest version (with every
// check a round makes), after an unpublish it loads the new latest
// version or, when the repository no longer has the package, unloads it.
// A repository serving its own engine calls it for every change.
func (s *Syncer) Refresh(ctx context.Context, name string) error {
	if !s.wanted(name) {
		return nil
	}
	s.round.Lock()
	defer s.round.Unlock()
	s.mu.Lock()
	s.keys = nil
	s.mu.Unlock()
	s.reloadTrusted()
	st := s.state(name)
	s.mu.Lock()
	st.listed = "" // the next round checks the document again
	s.mu.Unlock()
	_, err := s.install(ctx, name, st, s.log.With(zap.String("package", name)))
	switch {
	case errors.Is(err, errGone):
		s.unload(name)
		return nil
	case errors.Is(err, errUnchanged):
		return nil
	}
	return err
}

// reloadTrusted reads the trusted keys folder (Options.TrustedKeys);
// when its keys changed since the last read, every installed package is
// checked again under them in the coming round.
func (s *Syncer) reloadTrusted() {
	if s.opts.TrustedKeys == nil || !s.opts.Content.TrustedCCG {
		return
	}
	kr, err := s.opts.TrustedKeys.Keyring()
	if err != nil {
		s.log.Warn("trusted keys", zap.Error(err))
	}
	if kr == nil {
		return
	}
	ids := make([]string, 0, len(kr))
	for id := range kr {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	stamp := strings.Join(ids, ",")
	s.mu.Lock()
	defer s.mu.Unlock()
	if stamp == s.stamp && s.trusted != nil {
		return
	}
	changed := s.trusted != nil
	s.trusted, s.stamp = kr, stamp
	if !changed {
		return
	}
	s.log.Info("trusted keys changed: checking the installed packages again", zap.Int("keys", len(kr)))
	for _, st := range s.pkgs {
		st.listed, st.recheck = "", true
		st.rejected = map[string]string{}
	}
}

// contentOptions are the loading options, with the current trusted keys.
func (s *Syncer) contentOptions() content.Options {
	o := s.opts.Content
	s.mu.Lock()
	if s.trusted != nil {
		o.TrustedKeys = s.trusted
	}
	s.mu.Unlock()
	return o
}

// errGone: the repository has no document for the package.
var errGone = errors.New("the repository has no document for the package")

// refusal is a package that is not installed for what it is.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refuse(format string, a ...any) error { return &refusal{fmt.Errorf(format, a...)} }

// syncPackage brings one package up to date. Only this goroutine touches
// the package's state during a round.
func (s *Syncer) syncPackage(ctx context.Context, e entry) (res result) {
	log := s.log.With(zap.String("package", e.name))
	defer func() {
		// Content from the repository must never take the server down.
		if v := recover(); v != nil {
			res = result{outcome: refused, version: res.version, err: fmt.Errorf("internal error while loading: %v", v)}
			log.Error("guideline package refused", zap.String("version", res.version), zap.Error(res.err))
		}
	}()
	st := s.state(e.name)
	s.mu.Lock()
	listed := st.listed
	s.mu.Unlock()
	if listed == e.stamp && s.loadedVersion(e.name) != "" {
		return result{outcome: unchanged, version: strings.SplitN(e.stamp, "|", 2)[0]}
	}
	version, err := s.install(ctx, e.name, st, log)
	var rf *refusal
	switch {
	case err == nil:
		s.mu.Lock()
		st.listed = e.stamp
		s.mu.Unlock()
		if version == "" {
			return result{outcome: unchanged}
		}
		return result{outcome: installed, version: version}
	case errors.Is(err, errUnchanged):
		s.mu.Lock()
		st.listed = e.stamp
		s.mu.Unlock()
		return result{outcome: unchanged, version: version}
	case errors.As(err, &rf):
		return result{outcome: refused, version: version, err: rf.err}
	default:
		if ctx.Err() == nil {
			log.Warn("guideline package not read", zap.String("version", version), zap.Error(err))
		}
		return result{outcome: failed, version: version, err: err}
	}
}

var errUnchanged = errors.New("unchanged")

// versionDoc is the part of an npm version document the sync uses.
type versionDoc struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dist    struct {
		Tarball    string                   `json:"tarball"`
		Integrity  string                   `json:"integrity"`
		Shasum     string                   `json:"shasum"`
		Signatures []sign.RegistrySignature `json:"signatures"`
	} `json:"dist"`
}

// install fetches the package document and installs its latest version
// when the engine does not have it. It returns the version considered.
func (s *Syncer) install(ctx context.Context, name string, st *pkgState, log *zap.Logger) (string, error) {
	docURL := s.packageURL(name)
	s.mu.Lock()
	etag, cached := st.etag, st.doc
	s.mu.Unlock()
	body, newTag, notModified, err := s.getDocument(ctx, docURL, etag)
	if err != nil {
		var se *statusError
		if errors.As(err, &se) && se.code == 404 {
			return "", &refusal{errGone}
		}
		return "", err
	}
	if notModified && cached != nil {
		body = cached
	}
	var doc struct {
		DistTags map[string]string          `json:"dist-tags"`
		Versions map[string]json.RawMessage `json:"versions"`
		Time     map[string]string          `json:"time"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", refuse("package document is not JSON: %v", err)
	}
	if !notModified {
		s.mu.Lock()
		st.etag, st.doc = newTag, body
		if newTag == "" {
			st.doc = nil
		}
		s.mu.Unlock()
	}
	version := doc.DistTags["latest"]
	if version == "" {
		return "", s.refused(st, log, "", "", refuse("the package document has no dist-tags.latest"))
	}
	s.mu.Lock()
	recheck := st.recheck
	st.recheck = false
	s.mu.Unlock()
	if s.loadedVersion(name) == version && !recheck {
		return version, errUnchanged
	}
	raw, ok := doc.Versions[version]
	if !ok {
		return version, s.refused(st, log, version, "", refuse("dist-tags.latest %s is not among the document's versions", version))
	}
	var vd versionDoc
	if err := json.Unmarshal(raw, &vd); err != nil {
		return version, s.refused(st, log, version, "", refuse("version document is not JSON: %v", err))
	}
	if (vd.Name != "" && vd.Name != name) || (vd.Version != "" && vd.Version != version) {
		return version, s.refused(st, log, version, "", refuse("version document names %s@%s", vd.Name, vd.Version))
	}
	rkey := version + "\x00" + vd.Dist.Integrity + "\x00" + vd.Dist.Shasum
	s.mu.Lock()
	why, seen := st.rejected[rkey]
	s.mu.Unlock()
	if seen {
		return version, &refusal{errors.New(why)} // logged when it was refused
	}
	tarURL, err := s.tarballURL(docURL, name, version, vd.Dist.Tarball)
	if err != nil {
		return version, s.refused(st, log, version, rkey, refuse("%v", err))
	}
	tgz, err := s.get(ctx, tarURL, s.opts.Limits.MaxCompressed, "application/octet-stream")
	if err != nil {
		var se *statusError
		if errors.Is(err, errTooLarge) || (errors.As(err, &se) && se.code == 404) {
			return version, s.refused(st, log, version, "", refuse("tarball %s: %v", tarURL, err))
		}
		return version, err
	}
	// Download and integrity problems are not remembered: the next round
	// downloads again (a corrupting proxy may be gone by then).
	if err := checkIntegrity(tgz, vd.Dist.Integrity, vd.Dist.Shasum); err != nil {
		return version, s.refused(st, log, version, "", refuse("tarball %s: %v", tarURL, err))
	}
	if err := s.checkRegistrySignatures(ctx, name, version, vd.Dist.Integrity, doc.Time[version], vd.Dist.Signatures); err != nil {
		var rf *refusal
		if errors.As(err, &rf) {
			return version, s.refused(st, log, version, "", err)
		}
		return version, err
	}
	fp, err := fhirpkg.ReadTarball(tgz, s.opts.Limits)
	if err != nil {
		return version, s.refused(st, log, version, rkey, refuse("%v", err))
	}
	if fp.Manifest.Name != name || fp.Manifest.Version != version {
		return version, s.refused(st, log, version, rkey, refuse("package.json is %s@%s", fp.Manifest.Name, fp.Manifest.Version))
	}
	if err := ctx.Err(); err != nil {
		return version, err
	}
	p, err := content.FromFHIRPackage(fp, tarURL, s.contentOptions())
	if err != nil {
		return version, s.refused(st, log, version, rkey, refuse("%v", err))
	}
	// The package's claim on its canonicals dates from its first publish.
	if t, err := time.Parse(time.RFC3339Nano, doc.Time["created"]); err == nil {
		p.Published = t
	}
	if len(p.Problems) > 0 {
		for i, pr := range p.Problems {
			if i == 20 {
				log.Warn("guideline package problem", zap.String("version", version), zap.String("problem", fmt.Sprintf("... %d more", len(p.Problems)-i)))
				break
			}
			log.Warn("guideline package problem", zap.String("version", version), zap.String("problem", pr.String()))
		}
		return version, s.refused(st, log, version, rkey, refuse("%d validation or compile problems, first: %s", len(p.Problems), p.Problems[0]))
	}
	previous := s.loadedVersion(name)
	if len(p.Inactive) > 0 {
		reasons := inactiveReasons(p)
		// The same version judged under changed trusted keys replaces itself.
		if previous != "" && previous != version {
			return version, s.refused(st, log, version, rkey, refuse("Trusted CCG: %s; %s stays loaded", reasons[0], previous))
		}
		for _, r := range reasons {
			log.Warn("guideline package not applicable (Trusted CCG)", zap.String("version", version), zap.String("reason", r))
		}
	}
	s.eng.Load(p)
	s.mu.Lock()
	st.installed = version
	s.mu.Unlock()
	log.Info("guideline package installed", zap.String("version", version), zap.String("previous", previous),
		zap.Int("resources", len(p.Resources)), zap.Int("inactive", len(p.Inactive)))
	return version, nil
}

func inactiveReasons(p *content.Package) []string {
	var out []string
	for ref, why := range p.Inactive {
		out = append(out, ref+": "+why)
	}
	sort.Strings(out)
	return out
}

// refused logs a refusal and, when key is set, remembers it so that the
// same version is not downloaded again.
func (s *Syncer) refused(st *pkgState, log *zap.Logger, version, key string, err error) error {
	log.Error("guideline package refused", zap.String("version", version), zap.Error(err))
	if key != "" {
		s.mu.Lock()
		st.rejected[key] = err.Error()
		s.mu.Unlock()
	}
	return err
}

// loadedVersion is the version of the package the engine has loaded, or "".
func (s *Syncer) loadedVersion(name string) string {
	for _, p := range s.eng.Packages() {
		if p.Name == name {
			return p.Version
		}
	}
	return ""
}

// tarballURL resolves dist.tarball against the document URL; without one
// it is npm's conventional NAME/-/BASENAME-VERSION.tgz.
func (s *Syncer) tarballURL(docURL, name, version, tarball string) (string, error) {
	if tarball == "" {
		base := name[strings.LastIndex(name, "/")+1:]
		return s.packageURL(name) + "/-/" + url.PathEscape(base+"-"+version+".tgz"), nil
	}
	d, _ := url.Parse(docURL)
	u, err := d.Parse(tarball)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("dist.tarball %q is not an http(s) URL", tarball)
	}
	return u.String(), nil
}

// checkIntegrity checks a tarball against dist.integrity (Subresource
// Integrity: one of its sha512 hashes must match) and dist.shasum (hex
// SHA-1). At least one of them must be given.
func checkIntegrity(tgz []byte, integrity, shasum string) error {
	checked := false
	if integrity = strings.TrimSpace(integrity); integrity != "" {
		s512 := sha512.Sum512(tgz)
		s1 := sha1.Sum(tgz)
		var want512, want1 []string
		for _, tok := range strings.Fields(integrity) {
			alg, val, ok := strings.Cut(tok, "-")
			if !ok {
				continue
			}
			val, _, _ = strings.Cut(val, "?")
			switch alg {
			case "sha512":
				want512 = append(want512, val)
			case "sha1":
				want1 = append(want1, val)
			}
		}
		have, wants := "", want512
		switch {
		case len(want512) > 0:
			have = base64.StdEncoding.EncodeToString(s512[:])
		case len(want1) > 0:
			have, wants = base64.StdEncoding.EncodeToString(s1[:]), want1
		default:
			return fmt.Errorf("dist.integrity %q has no sha512 or sha1 hash", integrity)
		}
		match := false
		for _, w := range wants {
			if subtle.ConstantTimeCompare([]byte(w), []byte(have)) == 1 {
				match = true
			}
		}
		if !match {
			return fmt.Errorf("integrity mismatch: the tarball's hash is not dist.integrity %s", integrity)
		}
		checked = true
	}
	if shasum = strings.ToLower(strings.TrimSpace(shasum)); shasum != "" {
		s1 := sha1.Sum(tgz)
		if hex.EncodeToString(s1[:]) != shasum {
			return fmt.Errorf("shasum mismatch: the tarball's SHA-1 is not dist.shasum %s", shasum)
		}
		checked = true
	}
	if !checked {
		return errors.New("the version document has neither dist.integrity nor dist.shasum")
	}
	return nil
}

// npmKey is a registry signing key of /-/npm/v1/keys.
type npmKey struct {
	pub     *ecdsa.PublicKey
	expires time.Time // zero: does not expire
}

// registryKeys returns the repository's signing keys (fetched once per
// round, or again when refresh is set); an empty map when it publishes
// none.
func (s *Syncer) registryKeys(ctx context.Context, refresh bool) (map[string]npmKey, error) {
	s.mu.Lock()
	keys := s.keys
	s.mu.Unlock()
	if keys != nil && !refresh {
		return keys, nil
	}
	keys = map[string]npmKey{}
	body, err := s.getJSON(ctx, s.ref("-/npm/v1/keys"))
	var se *statusError
	switch {
	case errors.As(err, &se) && se.code == 404:
		// no keys: registry signatures cannot be checked
	case err != nil:
		return nil, err
	default:
		var res struct {
			Keys []sign.NPMKey `json:"keys"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("/-/npm/v1/keys is not JSON: %v", err)
		}
		for _, k := range res.Keys {
			der, err := base64.StdEncoding.DecodeString(k.Key)
			if err != nil {
				continue
			}
			pk, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				continue
			}
			ec, ok := pk.(*ecdsa.PublicKey)
			if !ok {
				continue
			}
			nk := npmKey{pub: ec}
			if k.Expires != nil {
				if t, err := time.Parse(time.RFC3339Nano, *k.Expires); err == nil {
					nk.expires = t
				}
			}
			keys[k.KeyID] = nk
		}
	}
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
	return keys, nil
}

// checkRegistrySignatures verifies dist.signatures when the repository
// publishes signing keys: one signature by a known key (not expired when
// the version was published) must verify, and none by a known key may
// fail.
func (s *Syncer) checkRegistrySignatures(ctx context.Context, name, version, integrity, published string, sigs []sign.RegistrySignature) error {
	keys, err := s.registryKeys(ctx, false)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	if len(sigs) == 0 {
		return refuse("the repository publishes signing keys but %s@%s has no dist.signatures", name, version)
	}
	pubTime, _ := time.Parse(time.RFC3339Nano, published)
	for attempt := 0; attempt < 2; attempt++ {
		verified, unknown := false, false
		for _, sg := range sigs {
			k, ok := keys[sg.KeyID]
			if !ok {
				unknown = true
				continue
			}
			if !k.expires.IsZero() && !pubTime.IsZero() && pubTime.After(k.expires) {
				continue
			}
			if !sign.VerifyVersion(k.pub, name, version, integrity, sg.Sig) {
				return refuse("registry signature by %s does not match %s@%s:%s", sg.KeyID, name, version, integrity)
			}
			verified = true
		}
		if verified {
			return nil
		}
		if !unknown || attempt == 1 {
			break
		}
		if keys, err = s.registryKeys(ctx, true); err != nil {
			return err
		}
	}
	return refuse("no registry signature of %s@%s is by a current key of /-/npm/v1/keys", name, version)
}

// statusError is an HTTP answer other than 2xx (and 304 where expected).
type statusError struct {
	url  string
	code int
	msg  string
}

func (e *statusError) Error() string {
	if e.msg != "" {
		return fmt.Sprintf("GET %s: %d %s", e.url, e.code, e.msg)
	}
	return fmt.Sprintf("GET %s: %d", e.url, e.code)
}

var errTooLarge = errors.New("response exceeds the size limit")

func (s *Syncer) getJSON(ctx context.Context, u string) ([]byte, error) {
	return s.get(ctx, u, s.opts.MaxDocument, "application/json")
}

func (s *Syncer) getDocument(ctx context.Context, u, etag string) (body []byte, newTag string, notModified bool, err error) {
	req, err := s.request(ctx, u, "application/json")
	if err != nil {
		return nil, "", false, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && etag != "" {
		return nil, etag, true, nil
	}
	body, err = readBody(resp, u, s.opts.MaxDocument)
	if err != nil {
		return nil, "", false, err
	}
	return body, resp.Header.Get("ETag"), false, nil
}

func (s *Syncer) get(ctx context.Context, u string, limit int64, accept string) ([]byte, error) {
	req, err := s.request(ctx, u, accept)
	if err != nil {
		return nil, err
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readBody(resp, u, limit)
}

// request builds a GET; the token only goes to the repository's origin.
func (s *Syncer) request(ctx context.Context, u, accept string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "ccg-guideline-engine-sync")
	if s.opts.Token != "" && req.URL.Scheme == s.base.Scheme && req.URL.Host == s.base.Host {
		req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	}
	return req, nil
}

func readBody(resp *http.Response, u string, limit int64) ([]byte, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return nil, &statusError{url: u, code: resp.StatusCode, msg: msg}
	}
	if limit > 0 && resp.ContentLength > limit {
		return nil, fmt.Errorf("GET %s: %w (%d bytes)", u, errTooLarge, resp.ContentLength)
	}
	r := io.Reader(resp.Body)
	if limit > 0 {
		r = io.LimitReader(resp.Body, limit+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if limit > 0 && int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: %w", u, errTooLarge)
	}
	return b, nil
}

// observeRound records a finished round in the metrics.
func observeRound(rep *Report, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	obs.SyncRounds.WithLabelValues(result).Inc()
	obs.PackageLoads.WithLabelValues("sync", "ok").Add(float64(len(rep.Installed)))
	obs.PackageLoads.WithLabelValues("sync", "refused").Add(float64(len(rep.Refused)))
	obs.PackageLoads.WithLabelValues("sync", "error").Add(float64(len(rep.Errors)))
}

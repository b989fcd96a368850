// Package registry is the Guideline Repository of the IHE Computable Care
// Guidelines profile: it checks, signs and stores FHIR guideline packages
// (QRPH-63 Publish Guideline) and serves them to npm clients (QRPH-61
// Search, QRPH-62 Retrieve) through registry/npm.
package registry

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/validate"
	"github.com/ccg-project/ccg/registry/store"
)

// Validator is an extra check run on every package before it is stored
// (for example compiling its CQL). Violations reject the publish with 500.
type Validator interface {
	Validate(ctx context.Context, p *fhirpkg.Package) []validate.Violation
}

// ValidatorFunc adapts a function to Validator.
type ValidatorFunc func(ctx context.Context, p *fhirpkg.Package) []validate.Violation

// Validate calls f.
func (f ValidatorFunc) Validate(ctx context.Context, p *fhirpkg.Package) []validate.Violation {
	return f(ctx, p)
}

// Options configure a Registry.
type Options struct {
	Store       store.Store
	Logger      *zap.Logger
	SigningKey  *sign.Key    // the repository's own key (dist.signatures); required
	TrustedKeys sign.Keyring // publishers whose package signatures are accepted
	// TrustedKeyDir, when set, replaces TrustedKeys: the folder is read
	// again when its key files change, so a key added there counts from
	// the next publish on, and 417 answers name the folder.
	TrustedKeyDir *sign.KeyDir
	Validators    []Validator
	Limits        fhirpkg.Limits // zero: fhirpkg.DefaultLimits
	// ReadNeedsAuth makes every read require a valid token.
	ReadNeedsAuth bool
	// AllowSignup lets `npm adduser` create accounts; otherwise only
	// existing users (made with `ccg token create`) can log in.
	AllowSignup bool
	// Now is the clock that decides whether a token has expired; nil
	// means time.Now.
	Now func() time.Time
}

// Registry is the Guideline Repository service.
type Registry struct {
	opts Options
	log  *zap.Logger
}

// New checks the options and returns a Registry.
func New(o Options) (*Registry, error) {
	if o.Store == nil || o.SigningKey == nil || o.SigningKey.Private == nil {
		return nil, errors.New("registry: a store and a private signing key are required")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.TrustedKeys == nil {
		o.TrustedKeys = sign.Keyring{}
	}
	if o.Limits == (fhirpkg.Limits{}) {
		o.Limits = fhirpkg.DefaultLimits
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Registry{opts: o, log: o.Logger}, nil
}

// Store returns the registry's store.
func (r *Registry) Store() store.Store { return r.opts.Store }

// SigningKey returns the repository's key.
func (r *Registry) SigningKey() *sign.Key { return r.opts.SigningKey }

// Limits returns the tarball limits.
func (r *Registry) Limits() fhirpkg.Limits { return r.opts.Limits }

// ReadNeedsAuth reports whether reads need a token.
func (r *Registry) ReadNeedsAuth() bool { return r.opts.ReadNeedsAuth }

// Error is a publish failure with the HTTP status npm should see.
type Error struct {
	Status     int
	Message    string
	Violations []validate.Violation
	Err        error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func fail(status int, err error, format string, a ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, a...), Err: err}
}

// Checked is a package that passed every check, ready to store.
type Checked struct {
	Package   *fhirpkg.Package
	Tarball   []byte
	Integrity string // sha512-<base64>
	Shasum    string // hex sha1
	SHA512    string // hex sha512
	Signed    sign.Report
}

// Integrity returns npm's dist.integrity and dist.shasum for a tarball.
func Integrity(tgz []byte) (integrity, shasum string) {
	s512 := sha512.Sum512(tgz)
	s1 := sha1.Sum(tgz)
	return "sha512-" + base64.StdEncoding.EncodeToString(s512[:]), hex.EncodeToString(s1[:])
}

// CheckOptions configure CheckTarball.
type CheckOptions struct {
	Limits     fhirpkg.Limits
	Validators []Validator
	// TrustedKeys verifies signatures; nil skips the signature check.
	TrustedKeys sign.Keyring
	// KeysDir is the folder trusted keys are read from, named by 417
	// answers for an untrusted signer ("" when there is none).
	KeysDir string
}

// Check runs every QRPH-63 check with the registry's configuration.
func (r *Registry) Check(ctx context.Context, tgz []byte) (*Checked, error) {
	o := CheckOptions{Limits: r.opts.Limits, Validators: r.opts.Validators, TrustedKeys: r.opts.TrustedKeys}
	if d := r.opts.TrustedKeyDir; d != nil {
		kr, err := d.Keyring()
		if err != nil {
			r.log.Warn("trusted keys", zap.Error(err))
		}
		if kr == nil {
			kr = sign.Keyring{}
		}
		o.TrustedKeys, o.KeysDir = kr, d.Dir()
	}
	return CheckTarball(ctx, tgz, o)
}

// CheckTarball runs every QRPH-63 check on a tarball: FHIR package
// structure (package.json, .index.json), the CCG profiles, the validators
// and the digital signatures. The error is an *Error: 417 for a signature
// that does not match or an untrusted signer, 500 for anything else (with
// every violation listed).
func CheckTarball(ctx context.Context, tgz []byte, o CheckOptions) (*Checked, error) {
	if o.Limits == (fhirpkg.Limits{}) {
		o.Limits = fhirpkg.DefaultLimits
	}
	p, err := fhirpkg.ReadTarball(tgz, o.Limits)
	if err != nil {
		return nil, fail(500, err, "invalid package tarball: %v", err)
	}
	if problems := Violations(ctx, p, o.Validators); len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, v := range problems {
			msgs[i] = v.String()
		}
		e := fail(500, nil, "package %s@%s is not a valid CCG package (%d problems): %s",
			p.Manifest.Name, p.Manifest.Version, len(problems), strings.Join(msgs, "; "))
		e.Violations = problems
		return nil, e
	}
	integ, shasum := Integrity(tgz)
	c := &Checked{Package: p, Tarball: tgz, Integrity: integ, Shasum: shasum, SHA512: store.SHA512Hex(tgz)}
	if o.TrustedKeys != nil {
		rep, err := sign.VerifyPackage(p, o.TrustedKeys)
		if err != nil {
			return nil, fail(417, err, "signature check failed: %v%s", err, untrustedAdvice(err, o))
		}
		c.Signed = rep
	}
	return c, nil
}

// untrustedAdvice tells the publisher of a package signed by an unknown
// key which key it is and where the repository's trusted keys go.
func untrustedAdvice(err error, o CheckOptions) string {
	kid := sign.UntrustedKey(err)
	if kid == "" {
		return ""
	}
	if o.KeysDir == "" {
		return fmt.Sprintf(" (the repository trusts %d keys and has no trusted-keys folder): to trust the signer, its administrator starts ccg serve with --trusted-keys DIR holding the publisher's public key (the KEY.pub that ccg package keygen wrote with the key %s)",
			len(o.TrustedKeys), kid)
	}
	return fmt.Sprintf(" (not among the %d keys in %s): to trust the signer, the repository's administrator copies the publisher's public key (the KEY.pub that ccg package keygen wrote with it) into %s; it counts from the next publish, without a restart",
		len(o.TrustedKeys), o.KeysDir, o.KeysDir)
}

// Violations lists every structural and profile problem of an unpacked
// package: package.json, .index.json, the CCG profiles and the validators.
func Violations(ctx context.Context, p *fhirpkg.Package, validators []Validator) []validate.Violation {
	var problems []validate.Violation
	for _, m := range p.CheckManifest() {
		problems = append(problems, validate.Violation{Resource: "package", Message: m})
	}
	for _, m := range p.CheckIndex() {
		problems = append(problems, validate.Violation{Resource: "package", Message: m})
	}
	res, perrs := p.Resources()
	for _, m := range perrs {
		problems = append(problems, validate.Violation{Resource: "package", Message: m})
	}
	var rs []validate.Resource
	for _, x := range res {
		rs = append(rs, x.Data)
	}
	problems = append(problems, validate.Package(rs, true)...)
	for _, v := range validators {
		problems = append(problems, v.Validate(ctx, p)...)
	}
	return problems
}

// NewToken returns a fresh random token and the hash the store keeps.
func NewToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = "ccg_" + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token), nil
}

// HashToken is the SHA-256 (hex) under which a token is stored.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

const pbkdfIter = 100_000

// HashPassword returns a salted PBKDF2-SHA256 password hash.
func HashPassword(pw string) (string, error) {
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", err
	}
	k, err := pbkdf2.Key(sha256.New, pw, salt[:], pbkdfIter, 32)
	if err != nil {
		return "", err
	}
	return "pbkdf2-sha256$" + strconv.Itoa(pbkdfIter) + "$" + base64.RawStdEncoding.EncodeToString(salt[:]) + "$" + base64.RawStdEncoding.EncodeToString(k), nil
}

// CheckPassword reports whether pw matches a HashPassword hash.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// Rights of ccg's own tokens beyond SMART resource scopes: a token with
// ScopePublish publishes new packages and versions and changes the
// dist-tags and owners of the packages its user maintains; ScopeAdmin
// changes any package.
const (
	ScopePublish = "ccg/publish"
	ScopeAdmin   = "ccg/admin"
)

// ErrTokenExpired is Authenticate's answer for a token past its expiry.
var ErrTokenExpired = errors.New("token expired")

// TokenRights turns scopes into a token's rights: the registry's publish
// and admin rights (ScopeAdmin implies ScopePublish) and the other scopes.
func TokenRights(scopes []string) (publish, admin bool, other []string) {
	for _, s := range scopes {
		switch s {
		case ScopePublish:
			publish = true
		case ScopeAdmin:
			publish, admin = true, true
		default:
			if !slices.Contains(other, s) {
				other = append(other, s)
			}
		}
	}
	return publish, admin, other
}

// TokenScopes lists every right of a token as scopes (its SMART scopes,
// then ScopePublish and ScopeAdmin when it has them).
func TokenScopes(t *store.Token) []string {
	out := slices.Clone(t.Scopes)
	if t.Publish || t.Admin {
		out = append(out, ScopePublish)
	}
	if t.Admin {
		out = append(out, ScopeAdmin)
	}
	return out
}

// Authenticate resolves a bearer token to its stored record: ErrNotFound
// (from store) for an unknown token, ErrTokenExpired for an expired one.
func (r *Registry) Authenticate(ctx context.Context, token string) (*store.Token, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	hash := HashToken(token)
	t, err := r.opts.Store.LookupToken(ctx, hash)
	if err != nil {
		return nil, err
	}
	// The lookup found the hash by index; compare it again without
	// leaking, through timing, how much of it matched.
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1 {
		return nil, store.ErrNotFound
	}
	if !t.Expires.IsZero() && !r.opts.Now().Before(t.Expires) {
		return nil, ErrTokenExpired
	}
	return t, nil
}

// Login checks a user's password (creating the user when AllowSignup is
// set and the name is free) and returns a new token with the user's
// rights.
func (r *Registry) Login(ctx context.Context, name, password, email string) (string, error) {
	if err := r.VerifyUser(ctx, name, password, email); err != nil {
		return "", err
	}
	return r.IssueToken(ctx, name)
}

// badLogin is the one answer to an unknown user and a wrong password, so
// that logins do not tell which users exist.
const badLogin = "wrong user name or password"

var (
	dummyOnce sync.Once
	dummyHash string
)

// VerifyUser checks a user's password; when AllowSignup is set and the
// name is free it creates the user instead. Failures are *Error (400, 401
// or 409); an unknown user and a wrong password get the same 401 and take
// as long.
func (r *Registry) VerifyUser(ctx context.Context, name, password, email string) error {
	if name == "" || password == "" {
		return fail(400, nil, "name and password are required")
	}
	u, err := r.opts.Store.User(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if !r.opts.AllowSignup {
			dummyOnce.Do(func() { dummyHash, _ = HashPassword("not a password") })
			CheckPassword(dummyHash, password)
			return fail(401, nil, badLogin)
		}
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		if err := r.opts.Store.CreateUser(ctx, store.User{Name: name, Email: email, PasswordHash: h}); err != nil {
			return fail(409, err, "cannot create user %q: %v", name, err)
		}
	case err != nil:
		return err
	case !CheckPassword(u.PasswordHash, password):
		return fail(401, nil, badLogin)
	}
	return nil
}

// AllowSignup reports whether logins may create accounts.
func (r *Registry) AllowSignup() bool { return r.opts.AllowSignup }

// IssueToken stores and returns a new token for an existing user, with the
// rights the user's account grants its logins (store.User.Scopes): none
// (read only) unless `ccg token create --password` gave it more.
func (r *Registry) IssueToken(ctx context.Context, name string) (string, error) {
	return r.IssueExpiringToken(ctx, name, 0)
}

// IssueExpiringToken is IssueToken for a token that stops working after
// ttl (0: never), such as a web workbench session's.
func (r *Registry) IssueExpiringToken(ctx context.Context, name string, ttl time.Duration) (string, error) {
	u, err := r.opts.Store.User(ctx, name)
	if err != nil {
		return "", err
	}
	tok, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	pub, adm, other := TokenRights(u.Scopes)
	t := store.Token{Hash: hash, User: name, Publish: pub, Admin: adm, Scopes: other}
	if ttl > 0 {
		t.Expires = r.opts.Now().Add(ttl)
	}
	if err := r.opts.Store.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return tok, nil
}

// BackfillCanonicals claims the canonical URL bases of packages stored
// before canonical ownership existed, for the publisher of each version,
// oldest package and version first (what their publishes would have
// claimed). A base another publisher claimed first is logged and left
// alone. Packages are handled once; later calls find nothing to do.
func (r *Registry) BackfillCanonicals(ctx context.Context) error {
	st := r.opts.Store
	names, err := st.PackagesWithoutClaims(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		p, err := st.Package(ctx, name)
		if err != nil {
			return err
		}
		first := ""
		for _, v := range p.Versions {
			if first == "" {
				first = v.Publisher
			}
			tgz, err := st.Tarball(ctx, name, v.Version)
			if err != nil {
				r.log.Warn("canonical ownership: tarball not read", zap.String("package", name), zap.String("version", v.Version), zap.Error(err))
				continue
			}
			fp, err := fhirpkg.ReadTarball(tgz, r.opts.Limits)
			if err != nil {
				continue
			}
			for base := range fp.CanonicalBases() {
				err := st.ClaimCanonicals(ctx, name, v.Publisher, []string{base}, v.Published)
				var te *store.TrustError
				switch {
				case errors.As(err, &te):
					r.log.Warn("canonical ownership: a package stored earlier uses a base another publisher owns",
						zap.String("package", name), zap.String("version", v.Version), zap.String("publisher", v.Publisher), zap.String("conflict", te.Error()))
				case err != nil:
					return err
				}
			}
		}
		if err := st.ClaimCanonicals(ctx, name, first, nil, p.Created); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		r.log.Info("canonical ownership recorded for packages stored before it", zap.Int("packages", len(names)))
	}
	return nil
}

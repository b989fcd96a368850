// Package store persists guideline packages for the Guideline Repository:
// packages, immutable versions (their npm version documents), dist-tags,
// content-addressed tarballs and the users and tokens that may publish.
//
// Two back ends implement Store: SQLite (pure Go, the default, kept in a
// data directory) and PostgreSQL. Both share the SQL in sql.go and differ
// only in their dialect.
package store

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Errors callers can test with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrVersionExists = errors.New("version already published")
	ErrCorrupt       = errors.New("stored tarball does not match its digest")
	ErrUserExists    = errors.New("user already exists")
	ErrInvalid       = errors.New("invalid argument")
	// ErrForbidden: the actor is not a maintainer of the package.
	ErrForbidden = errors.New("not a maintainer of the package")
	// ErrConflict: the package changed since the revision the caller read.
	ErrConflict = errors.New("package revision conflict")
	// ErrNoUser: a user named in a maintainer change does not exist.
	ErrNoUser = errors.New("no such user")
)

// Actor is the user on whose behalf a package is changed. An admin may
// change any package; anybody else must be one of its maintainers (a
// package without maintainers, stored before ownership existed, may be
// changed by anyone with publish rights).
type Actor struct {
	User  string
	Admin bool
}

// Maintainer is one owner of a package.
type Maintainer struct {
	Name  string
	Email string
}

// Version is one published, immutable version of a package.
type Version struct {
	Name        string
	Version     string
	Doc         json.RawMessage // the npm version document as stored
	Integrity   string          // "sha512-<base64>" of the tarball
	Shasum      string          // hex sha1 of the tarball
	SHA512      string          // hex sha512 of the tarball: the blob key
	Size        int64
	Description string
	FHIRVersion string
	Keywords    []string
	Publisher   string
	Published   time.Time
	// Canonical is the canonical URL package.json names ("canonical",
	// else "url"), without a trailing slash; "" when it names none.
	Canonical string
}

// Package summarises a package: its dist-tags and versions.
type Package struct {
	Name        string
	Description string
	FHIRVersion string
	Keywords    []string
	Latest      string
	Created     time.Time
	Modified    time.Time
	DistTags    map[string]string
	Versions    []Version // publish order
	// Maintainers may publish new versions and change dist-tags and
	// owners; the first publisher becomes the first maintainer.
	Maintainers []Maintainer
	// Rev counts the changes of the package (publishes, dist-tags,
	// owners); a maintainer change names the revision it was based on.
	Rev int64
}

// PublishRequest is everything one publish stores, in one transaction.
type PublishRequest struct {
	Version  Version
	Tarball  []byte
	DistTags map[string]string // tag -> version; normally {"latest": Version.Version}
	// Admin lets Version.Publisher publish although not a maintainer
	// (and into any scope).
	Admin bool
	// Canonicals are the canonical URL bases the package's resources use
	// (fhirpkg.Package.CanonicalBases): the publisher must own each or
	// claims it (ErrCanonicalTaken otherwise).
	Canonicals []string
}

// SearchQuery filters packages. Text matches name, description and keywords
// (every whitespace-separated term must match); FHIRVersion matches the
// prefix of the package's FHIR version; Since keeps packages modified at or
// after that time. Results are newest first.
type SearchQuery struct {
	Text        string
	Name        string // substring of the name
	FHIRVersion string
	// Canonical keeps packages whose latest version's canonical URL is
	// Canonical or a prefix of it ending before a "/".
	Canonical  string
	Since      time.Time
	From, Size int
}

// SearchHit is one package found by Search (its latest version).
type SearchHit struct {
	Name        string
	Version     string
	Description string
	FHIRVersion string
	Keywords    []string
	Publisher   string
	Maintainers []Maintainer
	Modified    time.Time
}

// User is an account that can hold tokens.
type User struct {
	Name         string
	Email        string
	PasswordHash string
	// Scopes are the rights of the tokens a login hands out (npm login):
	// "ccg/publish" lets them publish, and so on. None: read only.
	Scopes  []string
	Created time.Time
}

// Token is an access token; only its SHA-256 hash is stored.
type Token struct {
	Hash    string
	User    string
	Publish bool
	Admin   bool // may publish and change any package (implies Publish)
	// Scopes are the token's other rights (SMART scopes such as
	// "system/PlanDefinition.rs"), in the order given.
	Scopes []string
	// Expires is when the token stops working; zero: never.
	Expires time.Time
	Created time.Time
}

// Store is the persistence contract of the Guideline Repository.
type Store interface {
	// Publish stores the version, its tarball and dist-tags atomically.
	// It returns ErrVersionExists when name@version is already stored and
	// ErrForbidden when the package has maintainers and the publisher is
	// none of them (unless req.Admin). The first publisher of a name
	// becomes its maintainer in the same transaction.
	Publish(ctx context.Context, req PublishRequest) error
	// Package returns the package with every version, or ErrNotFound.
	Package(ctx context.Context, name string) (*Package, error)
	// Version returns one version, or ErrNotFound.
	Version(ctx context.Context, name, version string) (*Version, error)
	// Tarball returns the tarball of name@version after checking its
	// sha512; ErrCorrupt when it does not match.
	Tarball(ctx context.Context, name, version string) ([]byte, error)
	// SetDistTag points tag at an existing version (ErrForbidden when
	// the actor may not change the package).
	SetDistTag(ctx context.Context, a Actor, name, tag, version string) error
	// DeleteDistTag removes a tag ("latest" cannot be removed).
	DeleteDistTag(ctx context.Context, a Actor, name, tag string) error
	// SetMaintainers replaces the maintainers of a package in one
	// transaction. rev is the revision the change was based on
	// (ErrConflict when the package changed since; negative: any). The
	// list must not be empty and every user must exist (ErrNoUser).
	SetMaintainers(ctx context.Context, a Actor, name string, rev int64, users []string) error
	// Search finds packages; total counts all matches before paging.
	Search(ctx context.Context, q SearchQuery) (hits []SearchHit, total int, err error)
	// CreateUser adds a user; ErrUserExists if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// User returns a user or ErrNotFound.
	User(ctx context.Context, name string) (*User, error)
	// CreateToken stores a token hash for an existing user.
	CreateToken(ctx context.Context, t Token) error
	// LookupToken finds a token by its hash, or ErrNotFound.
	LookupToken(ctx context.Context, hash string) (*Token, error)
	// ListTokens lists the tokens of user (every token when user is ""),
	// oldest first.
	ListTokens(ctx context.Context, user string) ([]Token, error)
	// DeleteToken revokes a token by its hash; ErrNotFound if unknown.
	DeleteToken(ctx context.Context, hash string) error
	// CreateWebLogin records a pending `npm login` web session under the
	// hashes of its two secrets (the login page's and the polling URL's),
	// dropping sessions started before since.
	CreateWebLogin(ctx context.Context, loginHash, doneHash string, since time.Time) error
	// CountWebLogins counts the web login sessions started at or after
	// since (pending or approved, not yet claimed).
	CountWebLogins(ctx context.Context, since time.Time) (int, error)
	// PendingWebLogin reports (nil) whether a session started at or after
	// since awaits its user; ErrNotFound otherwise.
	PendingWebLogin(ctx context.Context, loginHash string, since time.Time) error
	// ApproveWebLogin binds a pending session started at or after since to
	// user; ErrNotFound when there is none.
	ApproveWebLogin(ctx context.Context, loginHash, user string, since time.Time) error
	// ClaimWebLogin returns the user a session was approved for and deletes
	// it (so its token is handed out once); "" while still pending;
	// ErrNotFound when unknown or started before since.
	ClaimWebLogin(ctx context.Context, doneHash string, since time.Time) (string, error)
	// ClaimCanonicals claims for publisher (as package name) the bases
	// nobody owns yet, as Publish does (ErrCanonicalTaken when one belongs
	// to another user); for packages stored before canonical ownership.
	ClaimCanonicals(ctx context.Context, name, publisher string, bases []string, at time.Time) error
	// PackagesWithoutClaims lists the packages stored before canonical
	// ownership whose bases ClaimCanonicals has not recorded yet, oldest
	// first.
	PackagesWithoutClaims(ctx context.Context) ([]string, error)
	// CanonicalOwner returns the claim covering a base (its longest owned
	// prefix), or ErrNotFound.
	CanonicalOwner(ctx context.Context, base string) (*Claim, error)
	// AssignCanonical gives a canonical URL base to user (an existing
	// user, else ErrNoUser), whoever owned it.
	AssignCanonical(ctx context.Context, base, user string) error
	// AssignScope gives an npm scope ("@acme") to user.
	AssignScope(ctx context.Context, scope, user string) error
	// Claims lists every owned canonical base and scope.
	Claims(ctx context.Context) ([]Claim, error)
	// Deprecate sets (or, with "", clears) versions' deprecation messages.
	Deprecate(ctx context.Context, a Actor, name string, messages map[string]string) error
	// Unpublish removes versions (all when none are named) published at
	// or after notBefore (ErrTooOld otherwise); see sqlStore.Unpublish.
	Unpublish(ctx context.Context, a Actor, name string, rev int64, versions []string, notBefore time.Time) error
	// CachedUpstreamDoc returns the upstream document kept for name, or
	// ErrNotFound; PutUpstreamDoc keeps (or replaces) one.
	CachedUpstreamDoc(ctx context.Context, name string) (*UpstreamDoc, error)
	PutUpstreamDoc(ctx context.Context, d UpstreamDoc) error
	// RecentVersions returns the newest versions, newest first, leaving
	// out those whose publisher starts with excludePublisher (when not "").
	RecentVersions(ctx context.Context, limit int, excludePublisher string) ([]Version, error)
	// Close releases the database.
	Close() error
}

// SHA512Hex returns the hex sha512 of b, the key tarballs are stored under.
func SHA512Hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

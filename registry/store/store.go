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
)

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
}

// PublishRequest is everything one publish stores, in one transaction.
type PublishRequest struct {
	Version  Version
	Tarball  []byte
	DistTags map[string]string // tag -> version; normally {"latest": Version.Version}
}

// SearchQuery filters packages. Text matches name, description and keywords
// (every whitespace-separated term must match); FHIRVersion matches the
// prefix of the package's FHIR version; Since keeps packages modified at or
// after that time. Results are newest first.
type SearchQuery struct {
	Text        string
	Name        string // substring of the name
	FHIRVersion string
	Since       time.Time
	From, Size  int
}

// SearchHit is one package found by Search (its latest version).
type SearchHit struct {
	Name        string
	Version     string
	Description string
	FHIRVersion string
	Keywords    []string
	Publisher   string
	Modified    time.Time
}

// User is an account that can hold tokens.
type User struct {
	Name         string
	Email        string
	PasswordHash string
	Created      time.Time
}

// Token is an access token; only its SHA-256 hash is stored.
type Token struct {
	Hash    string
	User    string
	Publish bool
	Created time.Time
}

// Store is the persistence contract of the Guideline Repository.
type Store interface {
	// Publish stores the version, its tarball and dist-tags atomically.
	// It returns ErrVersionExists when name@version is already stored.
	Publish(ctx context.Context, req PublishRequest) error
	// Package returns the package with every version, or ErrNotFound.
	Package(ctx context.Context, name string) (*Package, error)
	// Version returns one version, or ErrNotFound.
	Version(ctx context.Context, name, version string) (*Version, error)
	// Tarball returns the tarball of name@version after checking its
	// sha512; ErrCorrupt when it does not match.
	Tarball(ctx context.Context, name, version string) ([]byte, error)
	// SetDistTag points tag at an existing version.
	SetDistTag(ctx context.Context, name, tag, version string) error
	// DeleteDistTag removes a tag ("latest" cannot be removed).
	DeleteDistTag(ctx context.Context, name, tag string) error
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
	// DeleteToken revokes a token by its hash; ErrNotFound if unknown.
	DeleteToken(ctx context.Context, hash string) error
	// Close releases the database.
	Close() error
}

// SHA512Hex returns the hex sha512 of b, the key tarballs are stored under.
func SHA512Hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

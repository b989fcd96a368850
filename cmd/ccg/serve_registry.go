package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/cqlcheck"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/store"
	"github.com/ccg-project/ccg/registry/upstream"
)

// Registry flags of `ccg serve`; each falls back to an environment
// variable when not given:
//
//	--trusted-keys DIR         CCG_TRUSTED_KEYS: directory of trusted
//	                           publisher keys (*.pem, *.pub); default
//	                           DATA/trusted-keys when it exists
//	--registry-read-auth       CCG_REGISTRY_READ_AUTH=true: reads need a token
//	--registry-allow-signup    CCG_REGISTRY_ALLOW_SIGNUP=true: `npm adduser`
//	                           may create accounts
//	--registry-prefix PATH     CCG_REGISTRY_PREFIX: path of the npm registry
//	                           (default /npm/)
//	--registry-scoped-names    CCG_REGISTRY_SCOPED_NAMES=true: CCG packages
//	                           may have scoped npm names (@scope/name);
//	                           otherwise new packages need FHIR package names
const (
	envScopedNames    = "CCG_REGISTRY_SCOPED_NAMES"
	envRegistryPrefix = "CCG_REGISTRY_PREFIX"
	envTrustedKeys    = "CCG_TRUSTED_KEYS"
	envReadAuth       = "CCG_REGISTRY_READ_AUTH"
	envAllowSignup    = "CCG_REGISTRY_ALLOW_SIGNUP"
)

// registryFlags holds the registry flags of the current `ccg serve`; the
// zero value (no flag given, as when a test calls mountRegistry directly)
// means "use the environment".
var registryFlags registryFlagValues

type registryFlagValues struct {
	trustedKeys, prefix   string
	readAuth, allowSignup optionalBool
	scopedNames           optionalBool
	upstreams             upstream.Set
	upstreamSearch        bool
}

// optionalBool is a boolean flag that remembers whether it was given.
type optionalBool struct{ set, value bool }

func (b *optionalBool) String() string {
	if b == nil || !b.value {
		return "false"
	}
	return "true"
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.value = true, v
	return nil
}

func (b *optionalBool) IsBoolFlag() bool { return true }

// or returns the flag's value when it was given, else def().
func (b optionalBool) or(def func() bool) bool {
	if b.set {
		return b.value
	}
	return def()
}

func init() {
	serveFlagHooks = append(serveFlagHooks, func(fs *flag.FlagSet) {
		registryFlags = registryFlagValues{}
		fs.StringVar(&registryFlags.trustedKeys, "trusted-keys", "", "`DIR`ectory of trusted publisher keys (*.pem, *.pub) for the repository and --trusted-ccg (default $"+envTrustedKeys+", else DATA/trusted-keys when it exists)")
		fs.Var(&registryFlags.readAuth, "registry-read-auth", "repository reads need a token too (default $"+envReadAuth+")")
		fs.Var(&registryFlags.allowSignup, "registry-allow-signup", "npm adduser may create repository accounts (default $"+envAllowSignup+")")
		fs.Var(&registryFlags.scopedNames, "registry-scoped-names", "CCG packages may have scoped npm names (@scope/name); otherwise new packages need FHIR package names such as ccg.example.diabetes (default $"+envScopedNames+")")
		fs.StringVar(&registryFlags.prefix, "registry-prefix", "", "`PATH` of the npm registry (default $"+envRegistryPrefix+", else /npm/)")
		fs.Func("upstream", "ask this registry for packages the repository does not hold, caching them as mirrors: `NAME=URL[;names=PATTERN,...][;timeout=D][;token-env=VAR]` (repeatable; asked in order)", func(v string) error {
			u, err := upstream.Parse(v)
			if err == nil {
				registryFlags.upstreams = append(registryFlags.upstreams, u)
			}
			return err
		})
		fs.BoolVar(&registryFlags.upstreamSearch, "upstream-search", false, "npm search and catalog queries add the upstreams' results for packages the repository does not hold")
	})
}

// trustedKeysDir is the directory of trusted publisher keys: --trusted-keys,
// else $CCG_TRUSTED_KEYS, else DATA/trusted-keys (which need not exist
// yet: keys copied there later count without a restart).
func trustedKeysDir(dataDir string) string {
	if registryFlags.trustedKeys != "" {
		return registryFlags.trustedKeys
	}
	if d := os.Getenv(envTrustedKeys); d != "" {
		return d
	}
	return filepath.Join(dataDir, "trusted-keys")
}

// trustedKeys is the folder of trusted keys, re-read as it changes; a
// folder given with --trusted-keys or $CCG_TRUSTED_KEYS must exist (the
// default DATA/trusted-keys may be created later).
func trustedKeys(dataDir string) (*sign.KeyDir, error) {
	dir := trustedKeysDir(dataDir)
	if dir != filepath.Join(dataDir, "trusted-keys") {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("trusted keys: %w", err)
		}
	}
	d := sign.NewKeyDir(dir)
	if _, err := d.Keyring(); err != nil {
		return nil, err
	}
	return d, nil
}

// registrySigningKeyFile is the repository's own ECDSA key in the data
// directory, created on first start.
const registrySigningKeyFile = "registry-signing-key.pem"

func init() { serveMounts = append(serveMounts, mountRegistry) }

// repositoryForAuth is the Guideline Repository of a running `ccg serve`:
// its tokens are ccg's own bearer tokens.
var repositoryForAuth *registry.Registry

func envTrue(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// openRegistryStore opens the store `ccg serve` and `ccg token` share.
func openRegistryStore(db, dataDir string) (store.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return store.Open(ctx, db, dataDir)
}

func mountRegistry(e *echo.Echo, cfg serveConfig, log *zap.Logger) (io.Closer, error) {
	st, err := openRegistryStore(cfg.DB, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("guideline repository: %w", err)
	}
	key, err := sign.LoadOrCreateKey(filepath.Join(cfg.DataDir, registrySigningKeyFile))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("guideline repository signing key: %w", err)
	}
	keyDir, err := trustedKeys(cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	trusted, _ := keyDir.Keyring()
	reg, err := registry.New(registry.Options{
		Store: st, Logger: log, SigningKey: key, TrustedKeyDir: keyDir,
		Validators:    []registry.Validator{cqlValidator()},
		ReadNeedsAuth: registryFlags.readAuth.or(func() bool { return envTrue(envReadAuth) }),
		AllowSignup:   registryFlags.allowSignup.or(func() bool { return envTrue(envAllowSignup) }),
		Names:         nameRule(registryFlags.scopedNames.or(func() bool { return envTrue(envScopedNames) })),
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	bctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err = reg.BackfillCanonicals(bctx)
	cancel()
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("guideline repository: canonical ownership of stored packages: %w", err)
	}
	prefix := registryFlags.prefix
	if prefix == "" {
		prefix = os.Getenv(envRegistryPrefix)
	}
	if prefix == "" {
		prefix = "/npm/"
	}
	if c, ok := st.(interface{ Check(context.Context) error }); ok && cfg.Server != nil {
		cfg.Server.AddReadinessCheck("registry", c.Check)
	}
	repositoryForAuth = reg
	h := npm.New(reg, prefix, log)
	h.SetUpstreams(registryFlags.upstreams)
	h.SearchUpstreams(registryFlags.upstreamSearch)
	registryForServe = h
	wrapped := echo.WrapHandler(h)
	e.Any(h.Prefix()+"*", wrapped)
	e.Any(strings.TrimSuffix(h.Prefix(), "/"), wrapped)
	e.GET("/catalog", echo.WrapHandler(http.HandlerFunc(h.ServeCatalog)))
	fhirAPI := echo.WrapHandler(h.FHIRPackages(npm.FHIRPackagesPrefix))
	e.Any(npm.FHIRPackagesPrefix+"*", fhirAPI)
	reads := "reads open"
	if reg.ReadNeedsAuth() {
		reads = "reads need a token"
	}
	cfg.Status.add("guideline repository (npm registry) at %s, FHIR package API at %s: %s", h.Prefix(), npm.FHIRPackagesPrefix, reads)
	for _, u := range registryFlags.upstreams {
		cfg.Status.add("upstream %s: %s (names %s, timeout %s)", u.Name, u.URL, upstreamNames(u), u.Timeout)
	}
	log.Info("guideline repository mounted", zap.String("prefix", h.Prefix()), zap.String("signingKey", key.ID()),
		zap.Int("trustedKeys", len(trusted)), zap.String("trustedKeysDir", keyDir.Dir()), zap.Bool("postgres", cfg.DB != ""))
	return closerFunc(func() error {
		h.Close()
		if err := st.Close(); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}), nil
}

// nameRule is the repository's rule for new package names.
func nameRule(scoped bool) registry.NameRule {
	if scoped {
		return registry.FHIROrScopedNames
	}
	return registry.FHIRNames
}

// upstreamNames describes the names an upstream serves.
func upstreamNames(u *upstream.Upstream) string {
	if len(u.Names) == 0 {
		return "all"
	}
	return strings.Join(u.Names, ",")
}

// registryForServe is the npm API of the repository of a running
// `ccg serve`, for its own engine to load what it holds.
var registryForServe *npm.Handler

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// cqlValidator is the registry's CQL compile check: the FHIR R4 model, the
// FHIRHelpers conversions and includes from the package itself, then the
// built-in FHIRHelpers. Libraries using another model are not checked.
func cqlValidator() registry.Validator {
	opts := []cql.Option{cql.WithModel(fhir.R4())}
	for name, fn := range fhir.FHIRHelpersNatives {
		f := fn
		opts = append(opts, cql.WithNativeFunction("FHIRHelpers", name, func(args []value.Value) (value.Value, error) { return f(args) }))
	}
	return cqlcheck.New(fhir.NewLibraryResolver(), opts...)
}

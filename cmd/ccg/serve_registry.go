package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/cqlcheck"
	"github.com/ccg-project/ccg/registry/npm"
	"github.com/ccg-project/ccg/registry/sign"
	"github.com/ccg-project/ccg/registry/store"
)

// Registry settings that `ccg serve` has no flags for are read from the
// environment:
//
//	CCG_REGISTRY_PREFIX        path of the npm registry (default /npm/)
//	CCG_TRUSTED_KEYS           directory of trusted publisher keys (*.pem);
//	                           default DATA/trusted-keys when it exists
//	CCG_REGISTRY_READ_AUTH     "true": reads need a token
//	CCG_REGISTRY_ALLOW_SIGNUP  "true": `npm adduser` may create accounts
const (
	envRegistryPrefix = "CCG_REGISTRY_PREFIX"
	envTrustedKeys    = "CCG_TRUSTED_KEYS"
	envReadAuth       = "CCG_REGISTRY_READ_AUTH"
	envAllowSignup    = "CCG_REGISTRY_ALLOW_SIGNUP"
)

// registrySigningKeyFile is the repository's own ECDSA key in the data
// directory, created on first start.
const registrySigningKeyFile = "registry-signing-key.pem"

func init() { serveMounts = append(serveMounts, mountRegistry) }

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
	keysDir := os.Getenv(envTrustedKeys)
	if keysDir == "" {
		if fi, err := os.Stat(filepath.Join(cfg.DataDir, "trusted-keys")); err == nil && fi.IsDir() {
			keysDir = filepath.Join(cfg.DataDir, "trusted-keys")
		}
	}
	trusted, err := sign.LoadKeyring(keysDir)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("trusted keys: %w", err)
	}
	reg, err := registry.New(registry.Options{
		Store: st, Logger: log, SigningKey: key, TrustedKeys: trusted,
		Validators:    []registry.Validator{cqlValidator()},
		ReadNeedsAuth: envTrue(envReadAuth), AllowSignup: envTrue(envAllowSignup),
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	prefix := os.Getenv(envRegistryPrefix)
	if prefix == "" {
		prefix = "/npm/"
	}
	h := npm.New(reg, prefix, log)
	wrapped := echo.WrapHandler(h)
	e.Any(h.Prefix()+"*", wrapped)
	e.Any(strings.TrimSuffix(h.Prefix(), "/"), wrapped)
	e.GET("/catalog", echo.WrapHandler(http.HandlerFunc(h.ServeCatalog)))
	log.Info("guideline repository mounted", zap.String("prefix", h.Prefix()), zap.String("signingKey", key.ID()),
		zap.Int("trustedKeys", len(trusted)), zap.Bool("postgres", cfg.DB != ""))
	return closerFunc(func() error {
		if err := st.Close(); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}), nil
}

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

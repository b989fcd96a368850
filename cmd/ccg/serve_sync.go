package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/content"
	enginesync "github.com/ccg-project/ccg/engine/sync"
)

// Engine sync and Trusted CCG flags of `ccg serve`:
//
//	--repository URL        npm registry URL of a Guideline Repository whose
//	                        packages the engine installs and keeps current
//	--sync-interval D       time between sync rounds (default 1m)
//	--sync-token TOKEN      read token for the repository (default
//	                        $CCG_SYNC_TOKEN)
//	--sync-packages LIST    comma-separated name patterns to sync (default all)
//	--trusted-ccg           Trusted CCG option: Folders whose artifacts are
//	                        not signed by a key of --trusted-keys are not
//	                        applicable
const envSyncToken = "CCG_SYNC_TOKEN"

// syncForServe is the engine sync of a running `ccg serve` (nil without
// one), whose state the web workbench shows.
var syncForServe *enginesync.Syncer

// syncFlags holds the flags of the current `ccg serve`.
var syncFlags syncFlagValues

type syncFlagValues struct {
	repository, token, packages string
	interval                    time.Duration
	trustedCCG, localSync       bool
}

func init() {
	serveFlagHooks = append(serveFlagHooks, func(fs *flag.FlagSet) {
		syncFlags = syncFlagValues{}
		fs.StringVar(&syncFlags.repository, "repository", "", "npm registry `URL` of a Guideline Repository to install and update guideline packages from (e.g. http://host:8080/npm/)")
		fs.DurationVar(&syncFlags.interval, "sync-interval", time.Minute, "time between searches of --repository")
		fs.StringVar(&syncFlags.token, "sync-token", "", "read `TOKEN` for --repository (default $"+envSyncToken+")")
		fs.StringVar(&syncFlags.packages, "sync-packages", "", "comma-separated package name `PATTERNS` to take from --repository (default all)")
		fs.BoolVar(&syncFlags.localSync, "local-sync", true, "without --repository, the guideline engine loads (and keeps current) the packages of this server's own repository; each publish and unpublish takes effect at once")
		fs.BoolVar(&syncFlags.trustedCCG, "trusted-ccg", false, "Trusted CCG option: Folders whose artifacts are unsigned, not signed by a key of --trusted-keys, or do not match their signature are not applicable")
	})
	serveMounts = append(serveMounts, mountSync)
}

// syncContentOptions are the loading options of synced packages (and of
// local ones under --trusted-ccg).
func syncContentOptions(dataDir string, log *zap.Logger) (content.Options, error) {
	opts := content.Options{RequireIG: true}
	if !syncFlags.trustedCCG {
		return opts, nil
	}
	dir, err := trustedKeys(dataDir)
	if err != nil {
		return opts, err
	}
	keys, _ := dir.Keyring()
	if len(keys) == 0 {
		log.Warn("Trusted CCG option without trusted keys: no Folder is applicable (give --trusted-keys DIR)")
	}
	opts.TrustedCCG, opts.TrustedKeys = true, keys
	return opts, nil
}

func mountSync(_ *echo.Echo, cfg serveConfig, log *zap.Logger) (io.Closer, error) {
	f := syncFlags
	syncForServe = nil
	local := f.repository == "" && f.localSync && registryForServe != nil
	if f.repository == "" && !f.trustedCCG && !local {
		return nil, nil
	}
	eng := engineForServe
	if eng == nil {
		return nil, errors.New("engine sync: the guideline engine is not mounted")
	}
	opts, err := syncContentOptions(cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	if f.trustedCCG {
		retrustLocal(eng, opts, log)
	}
	if f.repository == "" && !local {
		return nil, nil
	}
	if f.interval <= 0 {
		return nil, fmt.Errorf("engine sync: --sync-interval must be positive, got %v", f.interval)
	}
	token := f.token
	if token == "" {
		token = os.Getenv(envSyncToken)
	}
	var patterns []string
	for _, p := range strings.Split(f.packages, ",") {
		if p = strings.TrimSpace(p); p != "" {
			patterns = append(patterns, p)
		}
	}
	so := enginesync.Options{
		Repository: f.repository, Token: token, Interval: f.interval, Packages: patterns,
		Content: opts, Logger: log.Named("sync"),
	}
	if f.trustedCCG {
		// Keys added to the folder count from the next round on.
		if so.TrustedKeys, err = trustedKeys(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	if local {
		// The engine reads its own repository in-process; the host only
		// names it in logs and tarball URLs.
		so.Repository = "http://ccg-serve.local" + registryForServe.Prefix()
		so.Client = &http.Client{Transport: registryForServe.LocalTransport(), Timeout: 2 * time.Minute}
	}
	s, err := enginesync.New(eng, so)
	if err != nil {
		return nil, err
	}
	syncForServe = s
	if cfg.Server != nil {
		cfg.Server.AddReadinessCheck("sync", func(context.Context) error {
			if st := s.Status(); st.LastSuccess.IsZero() {
				return fmt.Errorf("no successful sync from %s yet (last error: %s)", so.Repository, st.LastError)
			}
			return nil
		})
	}
	if local {
		registryForServe.OnChange(func(name string) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := s.Refresh(ctx, name); err != nil {
				log.Warn("guideline engine: the package changed in this server's repository was not loaded", zap.String("package", name), zap.Error(err))
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx) //nolint:errcheck // returns ctx.Err() when serve closes it
	}()
	if local {
		cfg.Status.add("engine sync: loads the packages of this server's own repository as they are published (and every %v)", f.interval)
	} else {
		cfg.Status.add("engine sync: installs packages from %s every %v", so.Repository, f.interval)
	}
	log.Info("engine sync started", zap.String("repository", so.Repository), zap.Bool("ownRepository", local), zap.Duration("interval", f.interval),
		zap.Bool("trustedCCG", f.trustedCCG), zap.Strings("packages", patterns))
	return closerFunc(func() error {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			return errors.New("engine sync did not stop within 30s")
		}
		return nil
	}), nil
}

// retrustLocal loads the packages the engine already has from disk (the
// --packages ones) again under the Trusted CCG option and reports the
// Folders that are not applicable.
func retrustLocal(eng *engine.Engine, opts content.Options, log *zap.Logger) {
	opts.RequireIG = false // as serve's engine mount loads them
	for _, p := range eng.Packages() {
		if _, err := os.Stat(p.Source); err != nil {
			continue
		}
		np, err := content.LoadPath(p.Source, opts)
		if err != nil {
			log.Warn("Trusted CCG: package not reloaded", zap.String("path", p.Source), zap.Error(err))
			continue
		}
		eng.Load(np)
		var refs []string
		for ref := range np.Inactive {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		for _, ref := range refs {
			log.Warn("guideline package not applicable (Trusted CCG)", zap.String("package", np.Name), zap.String("resource", ref), zap.String("reason", np.Inactive[ref]))
		}
	}
}

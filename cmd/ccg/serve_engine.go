package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine"
	"github.com/ccg-project/ccg/engine/audit"
	"github.com/ccg-project/ccg/engine/cdshooks"
	"github.com/ccg-project/ccg/engine/content"
	"github.com/ccg-project/ccg/engine/httpapi"
	"github.com/ccg-project/ccg/engine/measure"
	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/server"
	"github.com/ccg-project/ccg/server/auth"
)

// Guideline Engine settings of `ccg serve`: --packages, else the
// environment:
//
//	CCG_PACKAGES   glob of CCG package folders or .tgz files to load
//	               (default: none)
const envPackages = "CCG_PACKAGES"

// servePackagesGlob is the --packages flag value when given (see
// packagesFlag); nil means unset.
var servePackagesGlob *string

// engineForServe is the Guideline Engine of a running `ccg serve`, for
// other mounts (the registry's engine sync) to load packages into.
var engineForServe *engine.Engine

// applyForServe runs $apply in-process with the HTTP operation's audit
// trail (for the web workbench).
var applyForServe *httpapi.API

// auditForServe is the audit store of a running `ccg serve`, where the
// authentication guard records refused requests.
var auditForServe audit.Store

func init() { serveMounts = append(serveMounts, mountEngine) }

func mountEngine(e *echo.Echo, cfg serveConfig, log *zap.Logger) (io.Closer, error) {
	opts := engine.Options{Logger: log.Named("engine")}
	if cfg.Server != nil {
		lim := cfg.Server.Limits()
		opts.EvalBytes, opts.MaxStringLen = lim.EvalBytes, lim.MaxStringLen
	}
	eng := engine.New(opts)
	glob, ok := os.LookupEnv(envPackages)
	from := "$" + envPackages
	if servePackagesGlob != nil {
		glob, ok, from = *servePackagesGlob, true, "--packages"
	}
	if !ok || glob == "" {
		msg := "NO CCG PACKAGES LOADED: give --packages GLOB (or $CCG_PACKAGES), e.g. --packages 'examples/*/package' as make run does, or sync them with --repository URL"
		log.Warn("guideline engine: " + msg)
		cfg.Status.warn("%s", msg)
	}
	var loadFailed error
	failed := 0
	if glob != "" {
		matches, err := filepath.Glob(glob)
		if err != nil {
			return nil, fmt.Errorf("guideline engine: packages %q: %w", glob, err)
		}
		if len(matches) == 0 {
			wd, _ := os.Getwd()
			msg := fmt.Sprintf("%s %q matches nothing in %s: the guideline engine has no packages, so every $apply answers 404. "+
				"Run ccg serve from the repository root, or name package folders or .tgz files with --packages GLOB (--packages '' loads none on purpose)",
				from, glob, wd)
			log.Warn("guideline engine: "+msg, zap.String("packages", glob))
			cfg.Status.warn("%s", msg)
		}
		sort.Strings(matches)
		for _, m := range matches {
			p, err := eng.LoadPath(m, content.Options{})
			if err != nil {
				obs.PackageLoads.WithLabelValues("local", "error").Inc()
				log.Warn("guideline engine: package not loaded", zap.String("path", m), zap.Error(err))
				loadFailed = err
				failed++
				continue
			}
			obs.PackageLoads.WithLabelValues("local", "ok").Inc()
			for _, pr := range p.Problems {
				log.Warn("guideline engine: package problem", zap.String("package", p.Name), zap.String("problem", pr.String()))
			}
			log.Info("guideline engine: package loaded", zap.String("package", p.Name), zap.String("version", p.Version),
				zap.Int("resources", len(p.Resources)), zap.Int("problems", len(p.Problems)))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := audit.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("guideline engine audit store: %w", err)
	}
	applyForServe = httpapi.Mount(e, httpapi.Config{Engine: eng, Audit: st, Software: "ccg-guideline-engine/" + version, Caller: auth.CallerOf, Logger: log.Named("engine")})
	cdshooks.Mount(e, cdshooks.Config{Engine: eng, Audit: st, Software: "ccg-guideline-engine/" + version, Caller: auth.CallerOf, Logger: log.Named("cds-hooks")})
	mcfg := measure.HTTPConfig{Packages: eng.Packages, Logger: log.Named("measure")}
	if cfg.Server != nil {
		lim := cfg.Server.Limits()
		mcfg.MaxBytes, mcfg.MaxStringLen = lim.EvalBytes, lim.MaxStringLen
	}
	measure.Mount(e, mcfg)
	if cfg.Server != nil {
		cfg.Server.AddOperation(server.Operation{Name: "evaluate-measure", Definition: measure.OperationURL, Resource: "Measure"})
		cfg.Server.SetLibrarySource(engineLibraries{eng: eng})
		cfg.Server.AddOperation(server.Operation{Name: "apply", Definition: "http://hl7.org/fhir/uv/cpg/OperationDefinition/cpg-plandefinition-apply", Resource: "PlanDefinition"})
		cfg.Server.AddReadinessCheck("packages", packagesReady(eng, glob, loadFailed))
		if c, ok := st.(audit.Checker); ok {
			cfg.Server.AddReadinessCheck("audit", c.Check)
			if err := c.Check(ctx); err != nil {
				log.Error("audit store not writable: $apply answers 507 and /readyz fails until it is", zap.Error(err))
			}
		}
	}
	engineForServe, auditForServe = eng, st
	log.Info("guideline engine mounted", zap.Int("packages", len(eng.Packages())))
	line := fmt.Sprintf("guideline packages: %d loaded from %q", len(eng.Packages()), glob)
	if glob == "" {
		line = "guideline packages: none (no --packages)"
	}
	if failed > 0 {
		line += fmt.Sprintf(", %d could not be loaded (see the log)", failed)
	}
	cfg.Status.add("%s", line)
	return st, nil
}

// packagesReady is the readiness check of the engine's packages: when
// --packages named some, at least one is loaded.
func packagesReady(eng *engine.Engine, glob string, loadErr error) server.ReadinessCheck {
	return func(context.Context) error {
		if glob == "" || len(eng.Packages()) > 0 {
			return nil
		}
		if loadErr != nil {
			return fmt.Errorf("no package of --packages %q loaded: %v", glob, loadErr)
		}
		return fmt.Errorf("no package matches --packages %q", glob)
	}
}

// engineLibraries lets the server's $cql and Library/$evaluate use the
// CQL libraries of the engine's loaded packages.
type engineLibraries struct{ eng *engine.Engine }

func (l engineLibraries) LibraryByRef(ref string) (server.LibraryInfo, bool) {
	version := ""
	if i := strings.LastIndexByte(ref, '|'); i >= 0 {
		version = ref[i+1:]
	}
	for _, p := range l.eng.Packages() {
		lib := p.Library(ref)
		if lib == nil || lib.Source == "" || (version != "" && lib.Version != version) {
			continue
		}
		info := server.LibraryInfo{URL: lib.URL, Version: lib.Version, CQL: lib.Source}
		if lib.CQL != nil {
			info.Name = lib.CQL.Name
		}
		if t := p.Terminology(); t != nil {
			info.Terminology = t
		}
		return info, true
	}
	return server.LibraryInfo{}, false
}

func (l engineLibraries) ResolveLibrary(name, version string) (string, error) {
	for _, p := range l.eng.Packages() {
		for _, r := range p.OfType("Library") {
			id, _ := r["id"].(string)
			lib := p.Library("Library/" + id)
			if lib == nil || lib.CQL == nil || lib.CQL.Name != name || (version != "" && lib.CQL.Version != version) {
				continue
			}
			return lib.Source, nil
		}
	}
	return "", fmt.Errorf("library %s is in no loaded package", name)
}

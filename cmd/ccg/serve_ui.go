package main

import (
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/engine/content"
	fj "github.com/ccg-project/ccg/engine/fhirjson"
	enginesync "github.com/ccg-project/ccg/engine/sync"
	"github.com/ccg-project/ccg/server/ui"
)

// uiForServe is the web workbench of a running `ccg serve`; installAuth
// gives it the authentication guard.
var uiForServe *ui.Handler

func init() { serveMounts = append(serveMounts, mountUI) }

// mountUI serves the web workbench under /ui/ (after the engine, the
// repository and the sync, whose state it shows).
func mountUI(e *echo.Echo, cfg serveConfig, log *zap.Logger) (io.Closer, error) {
	uiForServe = nil
	if engineForServe == nil {
		return nil, nil
	}
	uc := ui.Config{Engine: engineForServe, Apply: applyForServe, Server: cfg.Server, Audit: auditForServe,
		Registry: repositoryForAuth, Examples: exampleBundles, Version: version, Logger: log.Named("ui")}
	if registryForServe != nil {
		uc.RegistryURL = registryForServe.Prefix()
	}
	if s := syncForServe; s != nil {
		uc.Sync = func() enginesync.Status { return s.Status() }
	}
	h := ui.New(uc)
	h.Mount(e)
	uiForServe = h
	cfg.Status.add("web workbench at /ui/")
	return nil, nil
}

// exampleBundles are the example data-in Bundles of a package loaded from
// a folder: the Bundles in its example/ folder and in a data-in/ folder
// beside it (the layout of the repository's examples/).
func exampleBundles(p *content.Package) []ui.Example {
	info, err := os.Stat(p.Source)
	if err != nil || !info.IsDir() {
		return nil
	}
	var files []string
	for _, dir := range []string{filepath.Join(p.Source, "example"), filepath.Join(filepath.Dir(p.Source), "data-in")} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		files = append(files, m...)
	}
	sort.Strings(files)
	var out []ui.Example
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if r, err := fj.DecodeObj(b); err != nil || fj.Type(r) != "Bundle" {
			continue
		}
		out = append(out, ui.Example{Name: filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f), Bundle: b})
	}
	return out
}

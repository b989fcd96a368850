package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Operating `ccg serve`: every flag also comes from the environment,
// defaults that do not depend on the working directory, the version, and
// the pprof listener.

// envPrefix prefixes the environment variable of every serve flag:
// --sync-interval is CCG_SYNC_INTERVAL.
const envPrefix = "CCG_"

// flagEnv is the environment variable of flag name.
func flagEnv(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// applyFlagEnv sets every flag of fs (or only the named ones) that the
// command line did not give from its CCG_<FLAG> variable (read with
// getenv; an empty variable counts as unset): the command line wins over
// the environment, which wins over the defaults.
func applyFlagEnv(fs *flag.FlagSet, getenv func(string) string, only ...string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || len(only) > 0 && !slices.Contains(only, f.Name) {
			return
		}
		v := getenv(flagEnv(f.Name))
		if v == "" {
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			// Environment booleans are often written yes/no, on/off.
			switch strings.ToLower(v) {
			case "yes", "on":
				v = "true"
			case "no", "off":
				v = "false"
			}
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q (for --%s): %v", flagEnv(f.Name), v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// defaultDataDir is where serve keeps its state when --data is not given:
// $STATE_DIRECTORY (set by systemd's StateDirectory=), else
// $XDG_STATE_HOME/ccg, else ~/.local/state/ccg. It is "" when none can be
// found (serve then asks for --data).
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("STATE_DIRECTORY"); d != "" {
		// systemd lists one directory per StateDirectory= entry.
		return strings.Split(d, ":")[0]
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "ccg")
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "ccg")
	}
	return ""
}

// version is the program version: set at link time with
// -ldflags "-X main.version=$(git describe --tags --always --dirty)"
// (make build, make release); builds without it get their module version
// or VCS revision from the build information (see init).
var version string

func init() {
	if version == "" {
		version = buildInfoVersion()
	}
}

// buildInfoVersion is the module version (go install ...@vX), else the
// VCS revision the binary was built from, else "dev".
func buildInfoVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		return "dev-" + rev + dirty
	}
	return "dev"
}

func init() {
	register(&command{
		Name:    "version",
		Args:    "",
		Summary: "print the version and build information",
		Run:     runVersion,
	})
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs := commandFlags(e, "version")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "version takes no arguments, got %q", pos)
	}
	fmt.Fprintf(e.Stdout, "ccg %s\n", version)
	fmt.Fprintf(e.Stdout, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "CGO_ENABLED":
				fmt.Fprintf(e.Stdout, "%s: %s\n", s.Key, s.Value)
			}
		}
	}
	return exitOK
}

// startPprof serves net/http/pprof's /debug/pprof/ on its own listener at
// addr (keep it on loopback: profiles reveal internals) and returns a
// function that stops it.
func startPprof(addr string, log *zap.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // returns when stopped
	log.Info("pprof listening", zap.String("addr", ln.Addr().String()))
	return func() { hs.Close() }, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"time"

	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/internal/private"
	"github.com/ccg-project/ccg/server"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// serveConfig is the configuration of "ccg serve", passed to every mount.
type serveConfig struct {
	// Addr is the listen address (HOST:PORT).
	Addr string
	// DataDir is the directory for server state (the embedded database,
	// stored packages). serve creates it.
	DataDir string
	// DB is a database URL (postgres://...); empty means the embedded
	// SQLite database in DataDir.
	DB string
	// Server is the server being started. Mounts may call
	// Server.AddOperation to list FHIR operations in /metadata.
	Server *server.Server
	// Status collects what the ready message says about each mount (nil
	// when a test calls a mount directly).
	Status *serveStatus
}

// serveStatus is what `ccg serve` prints, in plain text on standard
// output, once it listens: the URL, then one line per mount (packages
// loaded, the repository's URL, the auth mode) and any warnings, so that
// a person who ran `make run` knows when to send the first request and
// what they are talking to. The JSON log on standard error says the same
// for machines.
type serveStatus struct {
	lines, warnings []string
}

// add appends a status line ("guideline packages: 2 loaded").
func (s *serveStatus) add(format string, a ...any) {
	if s != nil {
		s.lines = append(s.lines, fmt.Sprintf(format, a...))
	}
}

// warn appends a warning, printed after the status lines.
func (s *serveStatus) warn(format string, a ...any) {
	if s != nil {
		s.warnings = append(s.warnings, fmt.Sprintf(format, a...))
	}
}

// print writes the ready message for a server listening at url.
func (s *serveStatus) print(w io.Writer, url string) {
	fmt.Fprintf(w, "ccg serve: ready at %s\n", url)
	for _, l := range s.lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	for _, l := range s.warnings {
		fmt.Fprintf(w, "  WARNING: %s\n", l)
	}
}

// serveMount adds routes to the server before it starts. It returns an
// io.Closer (or nil) that serve closes after the server has shut down.
// Other files of this package append to serveMounts from init functions:
//
//	func init() { serveMounts = append(serveMounts, mountRegistry) }
type serveMount func(e *echo.Echo, cfg serveConfig, log *zap.Logger) (io.Closer, error)

// serveMounts are called in order by "ccg serve".
var serveMounts []serveMount

// serveFlagHooks let other files of this package add flags to "ccg serve":
// each hook is called with serve's flag set after serve's own flags are
// defined and binds its flags to its own package-level variables, which
// the file's mount reads (flags are parsed before any mount runs):
//
//	func init() { serveFlagHooks = append(serveFlagHooks, func(fs *flag.FlagSet) { ... }) }
var serveFlagHooks []func(fs *flag.FlagSet)

func init() {
	register(&command{
		Name:    "serve",
		Args:    "[--addr HOST:PORT] [--data DIR] [--db URL] [--packages GLOB] [--eval-timeout D] [--pprof HOST:PORT] [--debug] [--max-memory SIZE] [--max-evals N] [--eval-budget SIZE] [--max-string SIZE] [--max-cql-source SIZE] [--compile-timeout D] [--compile-cache SIZE] [--max-conns N] [--read-header-timeout D] [--read-timeout D] [--write-timeout D] [--idle-timeout D] [--trusted-proxies CIDR,...] [--cors-origins ORIGIN,...] [--tls-cert FILE --tls-key FILE] [--trusted-keys DIR] [--trusted-ccg] [--registry-read-auth] [--registry-allow-signup] [--registry-prefix PATH] [--registry-scoped-names] [--upstream NAME=URL[;names=PATTERN,...][;timeout=D][;ttl=D][;token-env=VAR] ...] [--upstream-search] [--local-sync=false] [--repository URL [--sync-interval D] [--sync-token TOKEN] [--sync-packages PATTERNS]] [--auth on|off] [--oidc-issuer URL --oidc-audience AUD [--oidc-jwks-url URL]] [--smart-clients FILE] [--evaluate-rate N] [--evaluate-burst N]",
		Summary: "run the HTTP server (FHIR endpoints and everything mounted on it)",
		Run:     runServe,
	})
}

func runServe(ctx context.Context, e *env, args []string) int {
	fs := commandFlags(e, "serve")
	servePackagesGlob = nil // set by --packages below
	cfg := serveConfig{}
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address `HOST:PORT`")
	fs.StringVar(&cfg.DataDir, "data", defaultDataDir(e.Getenv), "data `DIR`ectory (created if missing; default $STATE_DIRECTORY, else $XDG_STATE_HOME/ccg, else ~/.local/state/ccg)")
	fs.StringVar(&cfg.DB, "db", "", "database `URL` (postgres://...); empty = embedded SQLite in the data directory")
	fs.Func("packages", "load the CCG packages (folders or .tgz files) matching `GLOB` into the guideline engine (default none; make run gives examples/*/package)", func(v string) error {
		servePackagesGlob = &v
		return nil
	})
	timeout := fs.Duration("eval-timeout", 10*time.Second, "time limit for one CQL evaluation")
	debug := fs.Bool("debug", false, "log at debug level in a human-readable format")
	pprofAddr := fs.String("pprof", "", "serve /debug/pprof on a separate listener at `HOST:PORT` (keep it on loopback)")
	var lim server.Limits
	var proxies, origins, tlsCert, tlsKey string
	sizeFlag(fs, &lim.MaxMemory, "max-memory", "memory ceiling of the server `SIZE` (default half the machine's or cgroup's memory)")
	fs.IntVar(&lim.MaxEvals, "max-evals", 0, "operation requests ($cql, $apply, ...) evaluated at once (default 2 per CPU, 4 to 32)")
	intSizeFlag(fs, &lim.EvalBytes, "eval-budget", "bytes of values one CQL evaluation may build, `SIZE` (default max-memory / (8 x max-evals))")
	intSizeFlag(fs, &lim.MaxStringLen, "max-string", "longest CQL string, `SIZE` (default 1MiB)")
	intSizeFlag(fs, &lim.MaxSourceBytes, "max-cql-source", "largest $cql expression, `SIZE` (default 32KiB)")
	fs.DurationVar(&lim.CompileTimeout, "compile-timeout", 0, "time to compile one $cql expression (default 5s)")
	sizeFlag(fs, &lim.CacheBytes, "compile-cache", "memory of compiled $cql expressions kept, `SIZE` (default max-memory / 16)")
	fs.IntVar(&lim.MaxConns, "max-conns", 0, "open connections accepted (default 1024)")
	fs.DurationVar(&lim.ReadHeaderTimeout, "read-header-timeout", 0, "time to read a request's headers (default 10s)")
	fs.DurationVar(&lim.ReadTimeout, "read-timeout", 0, "time to read a whole request (default 60s)")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", 0, "time to answer a request, from the end of its headers (default 90s)")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", 0, "time a kept-alive connection may wait for its next request (default 120s)")
	fs.StringVar(&proxies, "trusted-proxies", "", "`CIDR,...` of reverse proxies whose X-Forwarded-For/-Proto are believed (default none)")
	fs.StringVar(&origins, "cors-origins", "", "`ORIGIN,...` allowed to call the server from a browser (default none; * for any)")
	fs.StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this certificate `FILE` (PEM; needs --tls-key)")
	fs.StringVar(&tlsKey, "tls-key", "", "the private key `FILE` of --tls-cert (PEM)")
	for _, hook := range serveFlagHooks {
		hook(fs)
	}
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, fs, "serve takes no arguments, got %q", pos)
	}
	if err := applyFlagEnv(fs, e.Getenv); err != nil {
		return usageError(e, fs, "bad environment: %v", err)
	}
	if cfg.DataDir == "" {
		return usageError(e, fs, "no data directory: give --data DIR (or $CCG_DATA)")
	}

	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return usageError(e, fs, "bad --addr %q: %v", cfg.Addr, err)
	}
	trusted, err := server.TrustedProxies(proxies)
	if err != nil {
		return usageError(e, fs, "bad --trusted-proxies: %v", err)
	}
	if (tlsCert == "") != (tlsKey == "") {
		return usageError(e, fs, "--tls-cert and --tls-key go together")
	}

	log := newLogger(e.Stderr, *debug)
	defer log.Sync() //nolint:errcheck // nothing useful to do about a failed flush

	if err := private.Dir(cfg.DataDir); err != nil {
		log.Error("cannot create the data directory", zap.String("dir", cfg.DataDir), zap.Error(err))
		return exitFailure
	}
	tracing, err := obs.SetupTracing(ctx, e.Getenv, version, e.Stderr)
	if err != nil {
		log.Error("cannot start", zap.Error(err))
		return exitFailure
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tracing.Shutdown(sctx) //nolint:errcheck // spans lost at exit are not worth failing for
	}()
	if tracing.Enabled() {
		log.Info("tracing on", zap.String("exporter", tracing.Exporter))
	}
	if *pprofAddr != "" {
		stop, err := startPprof(*pprofAddr, log)
		if err != nil {
			log.Error("cannot start", zap.Error(err))
			return exitFailure
		}
		defer stop()
	}
	lim = server.DefaultLimits(lim)
	soft := server.ApplyMemoryLimit(lim.MaxMemory)
	log.Info("limits", zap.Int64("maxMemory", lim.MaxMemory), zap.Int64("goMemoryLimit", soft), zap.Int("maxEvals", lim.MaxEvals),
		zap.Int("evalBudget", lim.EvalBytes), zap.Int64("compileCache", lim.CacheBytes), zap.Int("maxConns", lim.MaxConns))
	srv := server.New(server.Config{Logger: log, EvalTimeout: *timeout, Version: version, Limits: lim,
		TrustedProxies: trusted, CORSOrigins: splitList(origins), TLSCert: tlsCert, TLSKey: tlsKey, Tracing: tracing.Enabled()})
	cfg.Server = srv
	cfg.Status = &serveStatus{}

	var closers []io.Closer
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i].Close(); err != nil {
				log.Warn("closing", zap.Error(err))
			}
		}
	}()
	for _, mount := range serveMounts {
		c, err := mount(srv.Echo(), cfg, log)
		if err != nil {
			log.Error("cannot start", zap.Error(err))
			return exitFailure
		}
		if c != nil {
			closers = append(closers, c)
		}
	}

	authStatus, err := installAuth(e.Stderr, srv, log)
	if err != nil {
		log.Error("cannot start", zap.Error(err))
		return exitFailure
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err == nil {
		authStatus(cfg.Status, ln.Addr().String())
		cfg.Status.print(e.Stdout, "http://"+ln.Addr().String())
		err = srv.Serve(ctx, ln)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("server stopped", zap.Error(err))
		return exitFailure
	}
	return exitOK
}

// newLogger returns a logger writing JSON lines to w, or with debug
// human-readable lines at debug level.
func newLogger(w io.Writer, debug bool) *zap.Logger {
	level := zapcore.InfoLevel
	var enc zapcore.Encoder
	if debug {
		level = zapcore.DebugLevel
		enc = zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.TimeKey = "time"
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), level))
}

// sizeFlag defines a flag holding a size (4096, 64KiB, 512MiB, 2GiB).
func sizeFlag(fs *flag.FlagSet, p *int64, name, usage string) {
	fs.Func(name, usage, func(v string) error {
		n, err := server.ParseBytes(v)
		*p = n
		return err
	})
}

// intSizeFlag is sizeFlag for an int.
func intSizeFlag(fs *flag.FlagSet, p *int, name, usage string) {
	fs.Func(name, usage, func(v string) error {
		n, err := server.ParseBytes(v)
		if err == nil && n > math.MaxInt32 {
			err = fmt.Errorf("%s is larger than 2GiB", v)
		}
		*p = int(n)
		return err
	})
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

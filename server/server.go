// Package server is ccg's HTTP server: an echo instance with request
// logging, panic recovery and FHIR error handling, serving the FHIR
// endpoints of the CQL engine (GET /metadata, /$cql, Library/$evaluate,
// GET /OperationDefinition/{id}). Other packages
// add their own routes to Echo().
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/fhir"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// Logger receives request logs and errors; nil means no logging.
	Logger *zap.Logger
	// EvalTimeout bounds one CQL evaluation (compile + evaluate); 0 means 10s.
	EvalTimeout time.Duration
	// MaxBodyBytes bounds the bodies of the server's own FHIR endpoints;
	// 0 means 4 MiB. Routes added by others set their own limits.
	MaxBodyBytes int64
	// MaxListSize bounds lists built during an evaluation; 0 means
	// DefaultMaxListSize, negative means no limit.
	MaxListSize int
	// MaxDepth bounds function recursion; 0 means the engine's default.
	MaxDepth int
	// Now returns the evaluation timestamp; nil means time.Now.
	Now func() time.Time
	// CacheSize is how many compiled $cql expressions are kept; 0 means
	// 256, negative disables the cache.
	CacheSize int
	// Version is reported in the CapabilityStatement.
	Version string
	// ShutdownTimeout bounds the graceful shutdown in Run; 0 means 10s.
	ShutdownTimeout time.Duration
	// Tracing wraps the server in OpenTelemetry's HTTP instrumentation
	// (spans go to the global tracer provider; see obs.SetupTracing).
	Tracing bool
	// Limits bound memory, evaluations, connections and HTTP timeouts;
	// zero fields take their defaults (DefaultLimits).
	Limits Limits
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed; others' are dropped.
	TrustedProxies []*net.IPNet
	// CORSOrigins are the origins allowed to call the server from a
	// browser ("*" for any); empty means no CORS headers.
	CORSOrigins []string
	// TLSCert and TLSKey are PEM files; with both, Serve speaks HTTPS.
	TLSCert, TLSKey string
}

// DefaultMaxListSize is the default bound on lists built by one $cql
// evaluation, which keeps a single request from exhausting memory.
const DefaultMaxListSize = 1_000_000

// Operation is a FHIR operation listed in the CapabilityStatement.
type Operation struct {
	// Name is the operation's name without the '$' ("cql").
	Name string
	// Definition is the canonical URL of its OperationDefinition.
	Definition string
	// Resource is the resource type for type- or instance-level operations
	// ("PlanDefinition"); empty for system-level operations.
	Resource string
}

// Server is ccg's HTTP server. Create it with New.
type Server struct {
	cfg  Config
	log  *zap.Logger
	echo *echo.Echo
	// env compiles $cql expressions; a cql.Env is safe for concurrent use.
	env *cql.Env
	// fhirEnv compiles $cql expressions that read FHIR data: it has the
	// FHIR R4 model and FHIRHelpers.
	fhirEnv *cql.Env
	// cache holds recently compiled $cql expressions and libraries.
	cache *libraryCache
	// slots and mem admit operation requests and compilations (see
	// admit).
	slots chan struct{}
	mem   *semaphore.Weighted
	// libs are the libraries of the loaded packages (SetLibrarySource).
	libs libraries

	mu       sync.Mutex
	ops      []Operation
	security func(base string) any

	// handler is echo, wrapped in otelhttp when tracing.
	handler http.Handler
	ready   readiness
	// routeSet caches echo's route paths for the metrics' route label.
	routeMu    sync.Mutex
	routeSet   map[string]bool
	routeCount int
}

// New builds a Server with the CQL endpoints installed.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.EvalTimeout <= 0 {
		cfg.EvalTimeout = 10 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 4 << 20
	}
	if cfg.MaxListSize == 0 {
		cfg.MaxListSize = DefaultMaxListSize
	} else if cfg.MaxListSize < 0 {
		cfg.MaxListSize = 0
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	cfg.Limits = DefaultLimits(cfg.Limits)
	s := &Server{cfg: cfg, log: cfg.Logger, env: cql.NewEnv(), cache: newLibraryCache(cfg.CacheSize, cfg.Limits.CacheBytes),
		slots: make(chan struct{}, cfg.Limits.MaxEvals), mem: semaphore.NewWeighted(memoryBudget(cfg.Limits))}
	s.fhirEnv = cql.NewEnv(cql.WithModel(fhir.R4()), cql.WithLibraryResolver(&s.libs))
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	// The client's address (X-Forwarded-For, from the right, skipping
	// trusted proxies) and scheme (X-Forwarded-Proto) are believed from
	// trusted proxies only; others' forwarding headers are also dropped.
	e.IPExtractor = echo.ExtractIPFromXFFHeader(s.trustOptions()...)
	e.SchemeExtractor = echo.ExtractSchemeFromHeaders(s.trustOptions()...)
	e.Pre(s.dropUntrustedForwarding, unescapeDollar)
	// The request logger is outermost so that it logs the status the
	// error handler chose; recovery sits inside it so that a panic in a
	// handler becomes a 500 OperationOutcome like any other error.
	// The metrics middleware is outside the request logger: it sees the
	// final status and the route template.
	e.Use(s.observeRequests, s.logRequests, s.recoverPanics, securityHeaders)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(s.cors())
	}
	// Admission control is the last middleware: requests refused earlier
	// take no evaluation slot.
	e.Use(s.admit)
	s.echo = e
	s.handler = e
	if cfg.Tracing {
		s.handler = otelhttp.NewHandler(e, "ccg")
	}
	s.mountOps(e)

	e.GET("/metadata", s.handleMetadata)
	// The body limit is per route: other mounts (the registry) accept
	// larger bodies and set their own limits.
	e.POST("/$cql", s.handleCQL, s.limitBody)
	e.GET("/$cql", s.handleCQL)
	e.POST("/Library/$evaluate", s.handleLibraryEvaluate, s.limitBody)
	e.GET("/Library/$evaluate", s.handleLibraryEvaluate)
	e.POST("/Library/:id/$evaluate", s.handleLibraryEvaluate, s.limitBody)
	e.GET("/Library/:id/$evaluate", s.handleLibraryEvaluate)
	e.GET("/OperationDefinition/:id", s.handleOperationDefinition)
	s.AddOperation(Operation{Name: "cql", Definition: cqlOperationURL})
	s.AddOperation(Operation{Name: "evaluate", Definition: libraryEvaluateURL, Resource: "Library"})
	return s
}

// Echo returns the echo instance, for adding routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// AddOperation lists op in the CapabilityStatement served at /metadata.
// The route itself is added with Echo().
func (s *Server) AddOperation(op Operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = append(s.ops, op)
}

func (s *Server) operations() []Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	ops := append([]Operation(nil), s.ops...)
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Resource != ops[j].Resource {
			return ops[i].Resource < ops[j].Resource
		}
		return ops[i].Name < ops[j].Name
	})
	return ops
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting connections and waits (up to
// Config.ShutdownTimeout) for requests in flight. It closes ln. (The
// caller listens, so that it knows the address before the first request:
// `ccg serve` prints its ready message then.)
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	l, err := s.listen(ln)
	if err != nil {
		ln.Close()
		return err
	}
	ln = l
	hs := s.httpServer()
	s.log.Info("listening", zap.String("addr", ln.Addr().String()), zap.Bool("tls", s.cfg.TLSCert != ""))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handleError is echo's error handler: every error becomes an
// OperationOutcome with the status chosen by ErrorOutcome.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, oo := ErrorOutcome(err)
	if status >= 500 {
		s.log.Error("request failed", zap.String("method", c.Request().Method),
			zap.String("path", c.Request().URL.Path), zap.Int("status", status), zap.Error(err))
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	if werr := writeFHIR(c, status, oo); werr != nil {
		s.log.Warn("writing error response", zap.Error(werr))
	}
}

// writeFHIR writes v as FHIR JSON.
func writeFHIR(c echo.Context, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "List<System.Integer>" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return c.Blob(status, FHIRMediaType+"; charset=utf-8", buf.Bytes())
}

// guard runs fn in its own goroutine so that a panic in the engine is
// turned into an internal error and an engine that does not notice ctx's
// deadline still cannot hold the request past it (plus a short grace).
func guard(ctx context.Context, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- &internalError{err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return err
	case <-time.After(100 * time.Millisecond):
		return ctx.Err()
	}
}

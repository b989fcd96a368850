package server

import (
	"context"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/ccg-project/ccg/internal/obs"
)

// Operational endpoints, unauthenticated and cheap:
//
//	GET /healthz   200 while the process serves requests
//	GET /readyz    200 when every readiness check passes, else 503; the
//	               JSON body names each check and its error
//	GET /metrics   Prometheus metrics (obs.Registry)
const (
	HealthPath  = "/healthz"
	ReadyPath   = "/readyz"
	MetricsPath = "/metrics"
)

// ReadinessCheck reports why the server cannot take traffic (nil: ready).
// It is called for every GET /readyz with a deadline of a few seconds.
type ReadinessCheck func(ctx context.Context) error

// readiness holds the named checks of /readyz.
type readiness struct {
	mu     sync.Mutex
	checks map[string]ReadinessCheck
}

// AddReadinessCheck adds a check to /readyz; a second check of the same
// name replaces the first.
func (s *Server) AddReadinessCheck(name string, check ReadinessCheck) {
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	if s.ready.checks == nil {
		s.ready.checks = map[string]ReadinessCheck{}
	}
	s.ready.checks[name] = check
}

// readyTimeout bounds all the checks of one /readyz.
const readyTimeout = 3 * time.Second

// Ready runs the readiness checks (concurrently) and returns the error of
// each check by name ("" when it passed) and whether all passed.
func (s *Server) Ready(ctx context.Context) (map[string]string, bool) {
	s.ready.mu.Lock()
	checks := make(map[string]ReadinessCheck, len(s.ready.checks))
	for k, v := range s.ready.checks {
		checks[k] = v
	}
	s.ready.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]string, len(checks))
	ok := true
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := guard(ctx, func() error { return check(ctx) })
			mu.Lock()
			defer mu.Unlock()
			out[name] = ""
			if err != nil {
				out[name], ok = err.Error(), false
			}
		}()
	}
	wg.Wait()
	return out, ok
}

func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReady(c echo.Context) error {
	results, ok := s.Ready(c.Request().Context())
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	checks := make(map[string]string, len(results))
	for _, n := range names {
		checks[n] = "ok"
		if results[n] != "" {
			checks[n] = results[n]
		}
	}
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not ready", http.StatusServiceUnavailable
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(code, map[string]any{"status": status, "checks": checks})
}

// mountOps adds /healthz, /readyz and /metrics.
func (s *Server) mountOps(e *echo.Echo) {
	e.GET(HealthPath, s.handleHealth)
	e.GET(ReadyPath, s.handleReady)
	metrics := promhttp.HandlerFor(obs.Registry, promhttp.HandlerOpts{Registry: obs.Registry, EnableOpenMetrics: false})
	e.GET(MetricsPath, echo.WrapHandler(metrics))
	obs.BuildInfo.WithLabelValues(s.cfg.Version, runtime.Version()).Set(1)
}

// unmatchedRoute is the route label of requests no route matched.
const unmatchedRoute = "unmatched"

// observeRequests records every request in the HTTP metrics under its
// route template (never the raw path, which would let clients create
// series) and names the request's span after it.
func (s *Server) observeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		obs.HTTPInFlight.Inc()
		defer obs.HTTPInFlight.Dec()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound && route == c.Request().URL.Path && !s.routes()[route] {
			route = unmatchedRoute
		}
		method := c.Request().Method
		if !knownMethod(method) {
			method = "other"
		}
		status := strconv.Itoa(c.Response().Status)
		obs.HTTPRequests.WithLabelValues(method, route, status).Inc()
		obs.HTTPDuration.WithLabelValues(method, route, status).Observe(time.Since(start).Seconds())
		if span := trace.SpanFromContext(c.Request().Context()); span.IsRecording() {
			span.SetName(method + " " + route)
		}
		return nil
	}
}

// routes is the set of registered route paths.
func (s *Server) routes() map[string]bool {
	s.routeMu.Lock()
	defer s.routeMu.Unlock()
	rs := s.echo.Routes()
	if len(rs) != s.routeCount {
		s.routeSet = make(map[string]bool, len(rs))
		for _, r := range rs {
			s.routeSet[r.Path] = true
		}
		s.routeCount = len(rs)
	}
	return s.routeSet
}

func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// traceFields are the log fields of ctx's trace (none when not traced).
func traceFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String())}
}

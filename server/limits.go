package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/ccg-project/ccg/server/auth"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ccg-project/ccg/cql"
	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"golang.org/x/net/netutil"
)

// Limits bound what requests may cost the server. The zero value of each
// field means its default (see DefaultLimits); README's "Limits" table
// lists them with their flags.
type Limits struct {
	// MaxMemory is the memory ceiling of the process in bytes: the Go
	// runtime's soft memory limit is set just below it (ApplyMemoryLimit),
	// and the other defaults are derived from it.
	MaxMemory int64
	// MaxEvals bounds the operation requests ($cql, $apply, $evaluate,
	// ...) evaluated at once; more wait up to AdmissionWait, then get 503
	// with Retry-After. Besides their number, the memory they are expected
	// to need is bounded (see admit).
	MaxEvals      int
	AdmissionWait time.Duration
	// EvalBytes is the budget of one CQL evaluation: the bytes of the
	// values it builds (cql.EvalOptions.MaxBytes).
	EvalBytes int
	// MaxStringLen bounds CQL strings (bytes).
	MaxStringLen int
	// MaxSourceBytes bounds the CQL source of one $cql expression, and
	// CompileTimeout the time to compile it.
	MaxSourceBytes int
	CompileTimeout time.Duration
	// CacheBytes bounds the compile cache, by an estimate of the memory
	// of each compiled expression (cacheCost).
	CacheBytes int64
	// MaxConns bounds the open connections of the listener.
	MaxConns int
	// HTTP server timeouts (http.Server).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// DefaultLimits fills the zero fields of l; MaxMemory defaults to half the
// memory available (the cgroup limit when there is one, else the
// machine's).
func DefaultLimits(l Limits) Limits {
	if l.MaxMemory <= 0 {
		l.MaxMemory = AvailableMemory() / 2
	}
	if l.MaxEvals <= 0 {
		l.MaxEvals = min(max(2*runtime.GOMAXPROCS(0), 4), 32)
	}
	if l.AdmissionWait <= 0 {
		l.AdmissionWait = time.Second
	}
	if l.EvalBytes <= 0 {
		// Live memory is a few times the bytes counted; leave room for
		// MaxEvals evaluations at once, their request bodies and the cache.
		l.EvalBytes = int(l.MaxMemory / int64(8*l.MaxEvals))
	}
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = min(1<<20, l.EvalBytes)
	}
	if l.MaxSourceBytes <= 0 {
		l.MaxSourceBytes = 32 << 10
	}
	if l.CompileTimeout <= 0 {
		l.CompileTimeout = 5 * time.Second
	}
	if l.CacheBytes <= 0 {
		l.CacheBytes = l.MaxMemory / 16
	}
	if l.MaxConns <= 0 {
		l.MaxConns = 1024
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 60 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 90 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 120 * time.Second
	}
	return l
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit to 85% of the
// ceiling (the rest is room for stacks, the runtime and the OS's view of
// freed memory) and returns it.
func ApplyMemoryLimit(ceiling int64) int64 {
	lim := ceiling / 100 * 85
	debug.SetMemoryLimit(lim)
	return lim
}

// AvailableMemory is the memory this process may use: the cgroup's
// memory limit when one is set, else the machine's memory (MemTotal);
// 4 GiB when neither can be read.
func AvailableMemory() int64 {
	total := memTotal()
	if cg := cgroupLimit(); cg > 0 && (total == 0 || cg < total) {
		return cg
	}
	if total > 0 {
		return total
	}
	return 4 << 30
}

func cgroupLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && n > 0 && n < 1<<60 {
			return n
		}
	}
	return 0
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// ParseBytes reads a size: a number of bytes with an optional suffix
// KiB, MiB, GiB (or K, M, G, KB, MB, GB, all powers of 1024).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (a positive number of bytes, optionally with KiB, MiB or GiB)", s)
	}
	return n * mult, nil
}

// Limits are the server's limits, defaults filled in.
func (s *Server) Limits() Limits { return s.cfg.Limits }

// evalLimits sets the evaluation limits of one $cql evaluation.
func (s *Server) evalLimits(o *cql.EvalOptions) {
	o.MaxListSize = s.cfg.MaxListSize
	o.MaxDepth = s.cfg.MaxDepth
	o.MaxStringLen = s.cfg.Limits.MaxStringLen
	o.MaxBytes = s.cfg.Limits.EvalBytes
}

// checkSource refuses CQL source over the source size limit.
func (s *Server) checkSource(src string) error {
	if max := s.cfg.Limits.MaxSourceBytes; len(src) > max {
		return &builtins.LimitError{Limit: "CQL source size", Max: max, Unit: "bytes"}
	}
	return nil
}

// compileCached returns the compilation cached under key (which holds
// the sources compiled), or runs compile within the compile time limit
// and the memory admission, and caches what it returns. err is a
// *builtins.LimitError over the time limit, ctx's error when the
// request's time is up first.
func (s *Server) compileCached(ctx context.Context, key string, compile func(context.Context) *compiled) (*compiled, error) {
	if comp, ok := s.cache.get(key); ok {
		return comp, nil
	}
	release, err := s.acquireMemory(ctx, compileFactor*int64(len(key)))
	if err != nil {
		return nil, &RequestError{Status: http.StatusServiceUnavailable, Code: "throttled", RetryAfter: time.Second,
			Message: "the server is compiling as much CQL as it may at once: retry later"}
	}
	defer release()
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Limits.CompileTimeout)
	defer cancel()
	comp := compile(cctx)
	if cctx.Err() != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, &builtins.LimitError{Limit: "compile time", Max: int(s.cfg.Limits.CompileTimeout.Milliseconds()), Unit: "ms"}
	}
	s.cache.put(key, comp)
	return comp, nil
}

// Expected memory of requests, for admission (measured: decoding a JSON
// body takes about 6 times its size, compiling CQL about 3000 times the
// source's size for deeply nested expressions).
const (
	bodyFactor    = 8
	compileFactor = 3000
	// unknownBody is the size assumed for a body without Content-Length.
	unknownBody = 4 << 20
)

// memoryBudget is the memory admitted requests and compilations may be
// expected to use at once: half the ceiling (the rest is the process's
// baseline, the compile cache and slack for the estimates).
func memoryBudget(l Limits) int64 { return l.MaxMemory / 2 }

// acquireMemory reserves n bytes of the memory budget (at most all of
// it), waiting until ctx is done; release returns them.
func (s *Server) acquireMemory(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), memoryBudget(s.cfg.Limits))
	if err := s.mem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { s.mem.Release(n) }, nil
}

// isOperation reports whether a request runs an operation, a CDS
// service or an evaluation of the web workbench: the requests that
// evaluate CQL and are admitted in bounded number.
func isOperation(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "/$") || r.Method == http.MethodPost &&
		(strings.HasPrefix(r.URL.Path, "/cds-services/") || auth.WebEvaluation(r.URL.Path))
}

// admit bounds the operation requests evaluated at once: a request waits
// up to Limits.AdmissionWait for a slot, then is answered 503 with
// Retry-After.
func (s *Server) admit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isOperation(c.Request()) {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.Limits.AdmissionWait)
		defer cancel()
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return s.saturated(c)
		}
		defer func() { <-s.slots }()
		body := c.Request().ContentLength
		if body < 0 {
			body = unknownBody
		}
		release, err := s.acquireMemory(ctx, int64(s.cfg.Limits.EvalBytes)+bodyFactor*body)
		if err != nil {
			return s.saturated(c)
		}
		defer release()
		return next(c)
	}
}

func (s *Server) saturated(c echo.Context) error {
	return &RequestError{Status: http.StatusServiceUnavailable, Code: "throttled", RetryAfter: time.Second,
		Message: fmt.Sprintf("the server is evaluating as many requests as it may (%d): retry later", s.cfg.Limits.MaxEvals)}
}

// TrustedProxies parses --trusted-proxies: comma-separated CIDRs or IP
// addresses.
func TrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR: %v", f, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// forwardedHeaders are the headers proxies set to describe the client's
// request; echo reads them for RealIP and Scheme.
var forwardedHeaders = []string{echo.HeaderXForwardedFor, echo.HeaderXForwardedProto, echo.HeaderXForwardedProtocol,
	echo.HeaderXForwardedSsl, echo.HeaderXUrlScheme, echo.HeaderXRealIP, "X-Forwarded-Host", "Forwarded"}

// trusted reports whether the direct peer of r is a trusted proxy.
func (s *Server) trusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// dropUntrustedForwarding removes the X-Forwarded-* headers of requests
// that do not come from a trusted proxy, so that logs, rate limits and
// generated URLs see the real peer and scheme.
func (s *Server) dropUntrustedForwarding(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); !s.trusted(r) {
			for _, h := range forwardedHeaders {
				r.Header.Del(h)
			}
		}
		return next(c)
	}
}

// trustOptions make echo believe forwarding headers from the trusted
// proxies only (not, by default, from any private or loopback address).
func (s *Server) trustOptions() []echo.TrustOption {
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range s.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return opts
}

// cors answers cross-origin requests from the allowed origins only.
func (s *Server) cors() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  s.cfg.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, echo.HeaderAccept, "Prefer", "X-Request-Id"},
		ExposeHeaders: []string{"Location", "ETag", "Retry-After", echo.HeaderXRequestID},
		MaxAge:        600,
	})
}

// securityHeaders are sent with every response; HTML pages (the npm web
// login form) set their own Content-Security-Policy as well.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		c.Response().Before(func() {
			if strings.HasPrefix(h.Get(echo.HeaderContentType), "text/html") {
				if h.Get("Content-Security-Policy") == "" {
					h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
				}
				h.Set("X-Frame-Options", "DENY")
			}
			if c.Request().TLS != nil {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
		})
		return next(c)
	}
}

// httpServer is the http.Server of Serve, with the timeouts of Limits.
func (s *Server) httpServer() *http.Server {
	l := s.cfg.Limits
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
}

// listen wraps ln with the connection limit and, with a certificate, TLS.
func (s *Server) listen(ln net.Listener) (net.Listener, error) {
	ln = netutil.LimitListener(ln, s.cfg.Limits.MaxConns)
	if s.cfg.TLSCert == "" && s.cfg.TLSKey == "" {
		return ln, nil
	}
	if s.cfg.TLSCert == "" || s.cfg.TLSKey == "" {
		return nil, errors.New("TLS needs both a certificate and a key")
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), nil
}

package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// logRequests assigns a request id (X-Request-Id, kept when the client
// sent a sane one), runs the handler, lets the error handler write any
// error, and logs one line per request.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(echo.HeaderXRequestID)
		if id == "" || len(id) > 128 {
			id = newRequestID()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			// Write the error response now so the log has the real status.
			c.Error(err)
		}
		res := c.Response()
		fields := []zap.Field{
			zap.String("method", req.Method),
			zap.String("uri", redactURI(req.RequestURI)),
			zap.Int("status", res.Status),
			zap.Duration("latency", time.Since(start)),
			zap.Int64("bytes_out", res.Size),
			zap.String("remote_ip", c.RealIP()),
			zap.String("request_id", id),
		}
		fields = append(fields, traceFields(req.Context())...)
		if err != nil {
			fields = append(fields, zap.Error(err))
		}
		s.log.Info("request", fields...)
		return nil
	}
}

// recoverPanics turns a panic in a handler into an internal error, logged
// with its stack; the client only sees a 500 OperationOutcome.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic while handling request",
					zap.String("method", c.Request().Method),
					zap.String("path", c.Request().URL.Path),
					zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				err = &internalError{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		return next(c)
	}
}

// limitBody caps request bodies at Config.MaxBodyBytes; reading past the
// limit fails, and the handler's error becomes a 413.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.cfg.MaxBodyBytes {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body larger than %d bytes", s.cfg.MaxBodyBytes))
		}
		if req.Body != nil {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, s.cfg.MaxBodyBytes)
		}
		return next(c)
	}
}

// unescapeDollar routes "/%24cql" like "/$cql": clients (and curl users)
// often percent-encode the '$' of FHIR operation names, and echo routes on
// the raw path when there is one.
func unescapeDollar(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		if strings.Contains(u.RawPath, "%24") {
			if p, err := url.PathUnescape(strings.ReplaceAll(u.RawPath, "%24", "$")); err == nil && p == u.Path {
				u.RawPath = ""
			}
		}
		return next(c)
	}
}

func newRequestID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// secretSegments are path segments followed by a secret (the npm web
// login's one-time URLs); secretParams are query parameters holding one.
var (
	secretSegments = []string{"/login/web/", "/login/done/"}
	secretParams   = map[string]bool{"token": true, "access_token": true, "id_token": true, "refresh_token": true,
		"code": true, "password": true, "secret": true, "client_secret": true, "client_assertion": true, "key": true, "api_key": true}
)

// redactURI is a request URI fit for the log: secrets in its path and
// query are replaced by "REDACTED".
func redactURI(uri string) string {
	path, query, hasQuery := strings.Cut(uri, "?")
	for _, seg := range secretSegments {
		if i := strings.Index(path, seg); i >= 0 {
			rest := path[i+len(seg):]
			end := strings.IndexByte(rest, '/')
			if end < 0 {
				end = len(rest)
			}
			if end > 0 {
				path = path[:i+len(seg)] + "REDACTED" + rest[end:]
			}
		}
	}
	if !hasQuery {
		return path
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil && secretParams[strings.ToLower(n)] {
			parts[i] = name + "=REDACTED"
		}
	}
	return path + "?" + strings.Join(parts, "&")
}

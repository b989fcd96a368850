package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// outcomeText is the diagnostics of an OperationOutcome's issues.
func outcomeText(t *testing.T, body []byte) string {
	t.Helper()
	var out []string
	issues, _ := decodeOutcome(t, body)["issue"].([]any)
	for _, is := range issues {
		d, _ := is.(map[string]any)["diagnostics"].(string)
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

// TestCQLBombsAreTooCostly: each expression of issue 9 (and the list limit
// of issue 16) is answered 422 too-costly naming the limit it hit.
func TestCQLBombsAreTooCostly(t *testing.T) {
	s := New(Config{EvalTimeout: 30 * time.Second, Limits: Limits{MaxMemory: 512 << 20}})
	tests := []struct{ name, expr, limit string }{
		{"doubling string", "Length((expand Interval[1,40]) X aggregate S starting 'ab': S + S)", "string length limit of 1048576 bytes"},
		{"list over the list limit", "expand Interval[1, 2000000]", "list size limit of 1000000"},
		{"cartesian product", "Count(from (expand Interval[1, 2000]) A, (expand Interval[1, 2000]) B)", "evaluation memory limit"},
		{"50,000 terms", strings.Repeat("1+", 50_000) + "1", "CQL source size limit of 32768 bytes"},
		{"bytes built", "Count((expand Interval[1, 1000000]) X return Tuple { a: X, b: X, c: X, d: X })", "evaluation memory limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postCQL(t, s, tc.expr)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%.500s", status, body)
			}
			if codes := issueCodes(decodeOutcome(t, body)); len(codes) != 1 || codes[0] != "too-costly" {
				t.Errorf("issue codes %v, want [too-costly]", codes)
			}
			if text := outcomeText(t, body); !strings.Contains(text, tc.limit) {
				t.Errorf("diagnostics %q do not name the %q", text, tc.limit)
			}
		})
	}
}

func TestCompileTimeLimit(t *testing.T) {
	s := New(Config{Limits: Limits{CompileTimeout: time.Nanosecond}})
	status, body := postCQL(t, s, strings.Repeat("1+", 5000)+"1")
	if status != http.StatusUnprocessableEntity || !strings.Contains(outcomeText(t, body), "compile time limit") {
		t.Fatalf("status %d, want 422 naming the compile time limit\n%s", status, body)
	}
}

// TestCompileCacheBoundedInBytes: 120 large distinct expressions do not
// grow the cache past its size.
func TestCompileCacheBoundedInBytes(t *testing.T) {
	const max = 2 << 20
	s := New(Config{Limits: Limits{CacheBytes: max}})
	for i := range 120 {
		expr := fmt.Sprintf("%d + %s1", i, strings.Repeat("1 + ", 500))
		if status, body := postCQL(t, s, expr); status != http.StatusOK {
			t.Fatalf("status %d\n%s", status, body)
		}
		if n := s.cache.size(); n > max {
			t.Fatalf("after %d expressions the cache holds %d bytes, more than %d", i+1, n, max)
		}
	}
	if n := s.cache.len(); n == 0 || n >= 120 {
		t.Errorf("cache holds %d entries", n)
	}
}

// TestAdmission: with every evaluation slot taken, an operation request
// waits, then gets 503 with Retry-After; other requests are served.
func TestAdmission(t *testing.T) {
	s := New(Config{Limits: Limits{MaxEvals: 1, AdmissionWait: 20 * time.Millisecond}})
	s.slots <- struct{}{} // a request in progress
	status, body := postCQL(t, s, "1 + 1")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503\n%s", status, body)
	}
	if codes := issueCodes(decodeOutcome(t, body)); len(codes) != 1 || codes[0] != "throttled" {
		t.Errorf("issue codes %v", codes)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/$cql?expression=1", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("GET: status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if status, _, _ := do(t, s, http.MethodGet, "/metadata", "", ""); status != http.StatusOK {
		t.Errorf("/metadata: status %d while saturated", status)
	}
	<-s.slots
	if status, body := postCQL(t, s, "1 + 1"); status != http.StatusOK {
		t.Errorf("after the slot is free: status %d\n%s", status, body)
	}
}

// TestNoWorkAfterTimeout: once a request has timed out, the goroutine
// evaluating it stops (the goroutine count returns to what it was).
func TestNoWorkAfterTimeout(t *testing.T) {
	s := New(Config{EvalTimeout: 200 * time.Millisecond, Limits: Limits{MaxMemory: 512 << 20}})
	exprs := []string{
		"Count(from (expand Interval[1, 100000]) A, (expand Interval[1, 100000]) B where A = B)",
		"Count(distinct ((expand Interval[1, 300000]) X return Tuple { x: X }))",
		"(expand Interval[1, 300000]) X return X sort desc",
	}
	before := runtime.NumGoroutine()
	for _, e := range exprs {
		status, body := postCQL(t, s, e)
		if status != http.StatusServiceUnavailable && status != http.StatusUnprocessableEntity && status != http.StatusOK {
			t.Errorf("%s: status %d\n%.300s", e, status, body)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines still running after the timeouts (%d before):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestSpoofedForwardedHeaders: X-Forwarded-For and -Proto are believed
// from trusted proxies only, in the log and in what handlers see.
func TestSpoofedForwardedHeaders(t *testing.T) {
	proxies, err := TrustedProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	s := New(Config{Logger: zap.New(core), TrustedProxies: proxies})
	s.Echo().GET("/whoami", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()+" "+c.Scheme()) })
	tests := []struct{ peer, want string }{
		{"198.51.100.4:5000", "198.51.100.4 http"}, // a client claiming to be forwarded
		{"10.1.2.3:5000", "203.0.113.9 https"},     // a trusted proxy
		{"192.0.2.7:5000", "203.0.113.9 https"},
		{"192.0.2.8:5000", "192.0.2.8 http"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/whoami", nil)
		r.RemoteAddr = tc.peer
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Real-Ip", "203.0.113.10")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("from %s: handler sees %q, want %q", tc.peer, got, tc.want)
		}
		entries := logs.TakeAll()
		if len(entries) != 1 {
			t.Fatalf("%d log lines", len(entries))
		}
		if ip := entries[0].ContextMap()["remote_ip"]; ip != strings.Fields(tc.want)[0] {
			t.Errorf("from %s: logged remote_ip %v", tc.peer, ip)
		}
	}
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	s := New(Config{CORSOrigins: []string{"https://app.example"}})
	s.Echo().GET("/page", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>hi</p>") })
	get := func(path, origin string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec
	}
	page := get("/page", "")
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := page.Header().Get(h); got != want {
			t.Errorf("HTML page: %s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(page.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("HTML page without a Content-Security-Policy")
	}
	if got := get("/metadata", "https://app.example").Header().Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := get("/metadata", "https://evil.example").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin: Access-Control-Allow-Origin %q", got)
	}
	// a browser-based EHR sandbox calling a CDS Hooks service: the
	// preflight of its POST with a bearer token and JSON
	s.Echo().POST("/cds-services/:id", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]any{"cards": []any{}}) })
	pre := httptest.NewRequest(http.MethodOptions, "/cds-services/htn-folder", nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, pre)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("CDS Hooks preflight: %d %v", rec.Code, rec.Header())
	}
	if got := New(Config{}); got != nil {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/metadata", nil)
		r.Header.Set("Origin", "https://app.example")
		got.ServeHTTP(rec, r)
		if h := rec.Header().Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("without --cors-origins: Access-Control-Allow-Origin %q", h)
		}
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"/npm/-/v1/login/web/abc123secret":           "/npm/-/v1/login/web/REDACTED",
		"/-/v1/login/done/s3cr3t?x=1":                "/-/v1/login/done/REDACTED?x=1",
		"/$cql?expression=1&access_token=eyJ.x.y":    "/$cql?expression=1&access_token=REDACTED",
		"/AuditEvent?patient=Patient/p1&_count=10":   "/AuditEvent?patient=Patient/p1&_count=10",
		"/x?Password=hunter2&token=ccg_abc&code=xyz": "/x?Password=REDACTED&token=REDACTED&code=REDACTED",
	} {
		if got := redactURI(in); got != want {
			t.Errorf("redactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"512MiB": 512 << 20, "4096": 4096, "2GiB": 2 << 30, "64K": 64 << 10, "1 GB": 1 << 30} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "12XB", "0", "MiB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// serve runs s on a local listener until the test ends.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestTLS(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	addr := serve(t, New(Config{TLSCert: cert, TLSKey: key}))
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get("https://" + addr + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("status %d, TLS %v, HSTS %q", resp.StatusCode, resp.TLS != nil, resp.Header.Get("Strict-Transport-Security"))
	}
	if plain, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metadata"); err == nil {
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the TLS listener: status %d", plain.StatusCode)
		}
	}
	if err := New(Config{TLSCert: cert}).Serve(context.Background(), nopListener{}); err == nil {
		t.Errorf("a certificate without a key was accepted")
	}
}

type nopListener struct{ net.Listener }

func (nopListener) Close() error   { return nil }
func (nopListener) Addr() net.Addr { return &net.TCPAddr{} }

// TestConnectionLimit: with every connection slot taken, the listener
// accepts no other until one closes.
func TestConnectionLimit(t *testing.T) {
	addr := serve(t, New(Config{Limits: Limits{MaxConns: 1}}))
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&http.Client{Timeout: 300 * time.Millisecond}).Get("http://" + addr + "/metadata"); err == nil {
		t.Fatal("a second connection was served while the only slot was taken")
	}
	first.Close()
	var resp *http.Response
	for range 50 { // the server notices the close when its read fails
		if resp, err = (&http.Client{Timeout: time.Second}).Get("http://" + addr + "/metadata"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no connection after the first closed: %v", err)
	}
	resp.Body.Close()
}

// TestCompileThrottled: a compilation that finds the memory budget taken
// is answered 503 with Retry-After.
func TestCompileThrottled(t *testing.T) {
	s := New(Config{Limits: Limits{MaxMemory: 64 << 20}})
	budget := memoryBudget(s.cfg.Limits)
	if err := s.mem.Acquire(context.Background(), budget); err != nil {
		t.Fatal(err)
	}
	defer s.mem.Release(budget)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.compileCached(ctx, "define A: 1", func(context.Context) *compiled {
		t.Error("compiled without memory")
		return &compiled{}
	})
	rec := httptest.NewRecorder()
	s.handleError(err, s.Echo().NewContext(httptest.NewRequest(http.MethodPost, "/$cql", nil), rec))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("status %d, Retry-After %q, want 503 and 1\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if codes := issueCodes(decodeOutcome(t, rec.Body.Bytes())); len(codes) != 1 || codes[0] != "throttled" {
		t.Errorf("issue codes %v", codes)
	}
}

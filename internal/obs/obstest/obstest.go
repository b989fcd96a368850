// Package obstest reads series out of a Prometheus text exposition, for
// tests of GET /metrics.
package obstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ccg-project/ccg/internal/obs"
)

// Handler serves obs.Registry, as GET /metrics of the server does.
func Handler() http.Handler { return promhttp.HandlerFor(obs.Registry, promhttp.HandlerOpts{}) }

// Scrape GETs /metrics from h and returns the exposition text.
func Scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// Series is the text of one series: name{k="v",...} with the labels
// sorted, as the Prometheus client writes them.
func Series(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// Value returns the value of the series in text, and whether it is there.
func Value(text, name string, labels map[string]string) (float64, bool) {
	want := Series(name, labels) + " "
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, want); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// Has reports whether text has a series of the metric name (any labels).
func Has(text, name string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			return true
		}
	}
	return false
}

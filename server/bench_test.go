package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkCQLOperation measures a whole POST /$cql: decoding, compiling
// the expression, evaluating it and writing the Parameters answer.
func BenchmarkCQLOperation(b *testing.B) {
	s := New(Config{})
	body := `{"resourceType":"Parameters","parameter":[
		{"name":"expression","valueString":"Age >= 18 and Interval[1, 10] contains Visits"},
		{"name":"parameters","resource":{"resourceType":"Parameters","parameter":[
			{"name":"Age","valueInteger":42},{"name":"Visits","valueInteger":3}]}}]}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/$cql", strings.NewReader(body))
		req.Header.Set("Content-Type", FHIRMediaType)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkMetadata measures GET /metadata.
func BenchmarkMetadata(b *testing.B) {
	s := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metadata", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

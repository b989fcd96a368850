package npm

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
)

// localRequest marks a request made through LocalTransport.
type localRequest struct{}

// LocalTransport serves HTTP requests in-process, without a network
// round trip, for the guideline engine of the same `ccg serve` (its
// syncer): the registry's own reader, so reads need no token. Requests go
// to the handler whatever their host.
func (h *Handler) LocalTransport() http.RoundTripper { return localTransport{h} }

type localTransport struct{ h *Handler }

func (t localTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	r := req.WithContext(context.WithValue(req.Context(), localRequest{}, true))
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	w := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	t.h.ServeHTTP(w, r)
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	return &http.Response{
		Status: strconv.Itoa(w.status) + " " + http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(&w.body), ContentLength: int64(w.body.Len()), Request: req,
	}, nil
}

// bufferedResponse is the http.ResponseWriter of LocalTransport.
type bufferedResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
}

func (w *bufferedResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// isLocal reports whether r came through LocalTransport.
func isLocal(r *http.Request) bool { return r.Context().Value(localRequest{}) != nil }

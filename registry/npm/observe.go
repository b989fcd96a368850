package npm

import (
	"context"
	"errors"
	"net/http"

	"github.com/ccg-project/ccg/internal/obs"
	"github.com/ccg-project/ccg/internal/storagefault"
	"github.com/ccg-project/ccg/registry"
)

// observePublish counts a publish by its result and, for a store write,
// under a span.
func (h *Handler) observePublish(ctx context.Context, w http.ResponseWriter, r *http.Request, name string) error {
	ctx, span := obs.Start(ctx, "registry.publish")
	err := h.publish(w, r.WithContext(ctx), name)
	obs.End(span, err)
	var ae *apiError
	var re *registry.Error
	result := "ok"
	switch {
	case err == nil:
	case storagefault.Is(err):
		result = "storage_full"
		obs.StorageFaults.WithLabelValues("registry").Inc()
	case errors.As(err, &ae), errors.As(err, &re):
		result = "refused"
	default:
		result = "error"
	}
	obs.Publishes.WithLabelValues(result).Inc()
	return err
}

// observeTarball counts a tarball download (an install) by its result.
func (h *Handler) observeTarball(w http.ResponseWriter, r *http.Request, name, file string) error {
	rec := &statusRecorder{ResponseWriter: w}
	err := h.getTarball(rec, r, name, file)
	result := "ok"
	switch {
	case err != nil:
		result = "error"
	case rec.status == http.StatusNotModified:
		result = "not_modified"
	}
	obs.TarballDownloads.WithLabelValues(result).Inc()
	return err
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

package apperr

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
)

// WriteJSON writes err as the JSON error body with its status, and Retry-After when the
// caller should come back later. Internal errors, and dependencies out of reach, are logged
// here, the one place they leave the system.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	status, body := ToBody(err)
	switch status {
	case http.StatusInternalServerError:
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		slog.WarnContext(r.Context(), "request refused: service unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if d := RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

package apperr

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
)

// WriteJSON writes err as the JSON error body with its status, and Retry-After when the
// caller should come back later.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	status := Report(w, r, err)
	_, body := ToBody(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Report readies the answer to a refused request, whatever its body (JSON or a page): it
// logs internal errors and dependencies out of reach, the one place they leave the system,
// sets Retry-After when the caller should come back later, and returns the status.
func Report(w http.ResponseWriter, r *http.Request, err error) int {
	status, _ := ToBody(err)
	switch status {
	case http.StatusInternalServerError:
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		slog.WarnContext(r.Context(), "request refused: service unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if d := RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	return status
}

package apperr

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// WriteJSON writes err as the JSON error body with its status. Internal errors are
// logged here, the one place they leave the system.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	status, body := ToBody(err)
	if status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

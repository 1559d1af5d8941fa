package api

import (
	"mime"
	"net/http"

	"rectify/internal/apperr"
)

// bodyOf answers 415 when a request carrying a body does not declare the media type the
// route reads: JSON endpoints read application/json only (a form post from another site
// cannot send it without a CORS preflight), uploads multipart/form-data only. Requests
// without a body (GET, or an action with nothing to say) need no Content-Type.
func bodyOf(mediaType string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength == 0 || r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != mediaType {
				writeError(w, r, &apperr.Error{Kind: apperr.UnsupportedMediaType, Field: "Content-Type",
					Message: "请求头Content-Type应为" + mediaType})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

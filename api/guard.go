package api

import (
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"rectify/internal/apperr"
)

// crossOrigin refuses unsafe requests (POST, PUT, DELETE, ...) that a browser marks as
// coming from another site (Sec-Fetch-Site, or an Origin that is neither this host nor a
// trusted origin): a page elsewhere cannot act with a signed-in person's session cookie.
// Requests with a bearer token are exempt: a browser never adds that header to a
// cross-site request by itself, and such a request ignores the cookie.
func crossOrigin(trusted string) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if trusted != "" {
		if err := cop.AddTrustedOrigin(trusted); err != nil {
			// originOf only gives scheme://host, which AddTrustedOrigin accepts.
			slog.Error("api: trusted origin refused", "origin", trusted, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, apperr.New(apperr.Forbidden, "Origin", "跨站请求已被拒绝：请从本系统页面操作"))
	}))
	return func(next http.Handler) http.Handler {
		protected := cop.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if scheme, _, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				next.ServeHTTP(w, r)
				return
			}
			protected.ServeHTTP(w, r)
		})
	}
}

// originOf is the scheme://host[:port] of a public URL, for the trusted origins.
func originOf(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

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

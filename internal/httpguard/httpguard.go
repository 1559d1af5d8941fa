// Package httpguard holds the request guards the API and the staff pages share: protection
// of unsafe requests from other sites, and a bound on each request's work.
package httpguard

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/auth"
)

// DefaultTimeout bounds a request's work, Temporal calls included, when none is configured.
const DefaultTimeout = 30 * time.Second

// ErrCrossSite is the refusal of an unsafe request from another site.
var ErrCrossSite = apperr.New(apperr.Forbidden, "Origin", "跨站请求已被拒绝：请从本系统页面操作")

// CrossOriginOptions configure CrossOrigin.
type CrossOriginOptions struct {
	// PublicURL is where people reach the system; requests from its origin are trusted even
	// when a proxy changes the Host header.
	PublicURL string
	// Deny answers a refused request with ErrCrossSite, as the caller answers errors (JSON
	// or a page).
	Deny func(http.ResponseWriter, *http.Request, error)
	// ExemptBearer lets requests with a bearer token through: a browser never adds that
	// header to a cross-site request by itself, and such a request ignores the cookie.
	ExemptBearer bool
}

// CrossOrigin refuses unsafe requests (POST, PUT, DELETE, ...) that a browser marks as
// coming from another site (Sec-Fetch-Site, or an Origin that is neither this host nor
// PublicURL's): a page elsewhere cannot act with a signed-in person's session cookie.
func CrossOrigin(o CrossOriginOptions) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if origin := OriginOf(o.PublicURL); origin != "" {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			// OriginOf only gives scheme://host, which AddTrustedOrigin accepts.
			slog.Error("httpguard: trusted origin refused", "origin", origin, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.Deny(w, r, ErrCrossSite)
	}))
	return func(next http.Handler) http.Handler {
		protected := cop.Handler(next)
		if !o.ExemptBearer {
			return protected
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := auth.BearerToken(r); ok {
				next.ServeHTTP(w, r)
				return
			}
			protected.ServeHTTP(w, r)
		})
	}
}

// OriginOf is the scheme://host[:port] of a public URL, or "" when it has none.
func OriginOf(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Timeout bounds each request's work by d, or DefaultTimeout when d is zero.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	if d == 0 {
		d = DefaultTimeout
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

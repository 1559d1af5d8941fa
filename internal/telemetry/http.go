package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

type routeKey struct{}

// route is the pattern a request matched, written by the router that matched it (deep
// inside) and read by Middleware (outside) once the answer is written.
type route struct {
	mu      sync.Mutex
	pattern string
}

func setRoute(ctx context.Context, pattern string) {
	if rt, _ := ctx.Value(routeKey{}).(*route); rt != nil && pattern != "" {
		rt.mu.Lock()
		rt.pattern = pattern
		rt.mu.Unlock()
	}
}

// ChiRoute is chi middleware that tells Middleware the route pattern the request matched
// (such as /api/items/{id}), so that metrics are by route, never by raw path.
func ChiRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if rc := chi.RouteContext(r.Context()); rc != nil {
			setRoute(r.Context(), rc.RoutePattern())
		}
	})
}

// MuxRoute does what ChiRoute does for an http.ServeMux: the mux writes the pattern it
// matched into the request it was given.
func MuxRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		setRoute(r.Context(), muxPattern(r))
	})
}

// muxPattern is the pattern an http.ServeMux matched, less its method ("GET /items/{id}"):
// the method is a label of its own.
func muxPattern(r *http.Request) string {
	if _, pattern, found := strings.Cut(r.Pattern, " "); found {
		return pattern
	}
	return r.Pattern
}

// HTTPMetrics are the request metrics, by route pattern, method and status.
type HTTPMetrics struct {
	duration *prometheus.HistogramVec
}

// NewHTTPMetrics registers the request metrics on reg.
func NewHTTPMetrics(reg prometheus.Registerer) (*HTTPMetrics, error) {
	m := &HTTPMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "rectify_http_request_duration_seconds",
		Help: "HTTP requests by route pattern, method and status, and how long their answers took.",
		// From a cached page (a few ms) to an export or an upload (minutes).
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"route", "method", "status"})}
	if err := reg.Register(m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// Middleware gives each request its id (the X-Request-Id it came with, or a new one, sent
// back in the answer) and its log attributes, and measures it by the route it matched; an
// unmatched request counts under the pattern of the outer mux, or "other".
func (m *HTTPMetrics) Middleware(next http.Handler) http.Handler {
	return middleware.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := middleware.GetReqID(r.Context())
		w.Header().Set(middleware.RequestIDHeader, id)
		rt := &route{}
		ctx := context.WithValue(WithLogAttrs(r.Context(), slog.String("request_id", id)), routeKey{}, rt)
		r = r.WithContext(ctx)
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		rt.mu.Lock()
		pattern := rt.pattern
		rt.mu.Unlock()
		if pattern == "" {
			pattern = muxPattern(r) // set by an outer http.ServeMux on this request
		}
		if pattern == "" {
			pattern = "other"
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		m.duration.WithLabelValues(pattern, r.Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	}))
}

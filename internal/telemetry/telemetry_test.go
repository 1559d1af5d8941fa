package telemetry_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"rectify/internal/telemetry"
)

// A request through the middleware is answered with its request id; a line logged while it
// is handled carries that id and what inner layers added (the person signed in, the workflow
// an action went to); and it is counted under the chi route pattern it matched, or the outer
// mux's pattern when chi has none.
func TestRequestsCarryTheirIDPersonWorkflowAndRoute(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(telemetry.LogHandler{Handler: slog.NewTextHandler(&logs, nil)})
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewHTTPMetrics(reg)
	require.NoError(t, err)

	api := chi.NewRouter()
	api.Use(telemetry.ChiRoute)
	api.Post("/api/items/{id}/{action}", func(w http.ResponseWriter, r *http.Request) {
		telemetry.AddLogAttrs(r.Context(), slog.Int64("person_id", 7)) // as auth.Middleware does
		telemetry.AddLogAttrs(r.Context(), slog.String("workflow_id", "d1-unit-3"))
		log.InfoContext(r.Context(), "acted")
		w.WriteHeader(http.StatusConflict)
	})
	pages := http.NewServeMux()
	pages.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", telemetry.MuxRoute(pages))
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {})
	h := m.Middleware(mux)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/items/abc/submit", nil)
	req.Header.Set("X-Request-Id", "req-42")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Equal(t, "req-42", rec.Header().Get("X-Request-Id"))
	line := logs.String()
	for _, want := range []string{"msg=acted", "request_id=req-42", "person_id=7", "workflow_id=d1-unit-3"} {
		require.Contains(t, line, want)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/items/xyz", nil))
	require.NotEmpty(t, rec.Header().Get("X-Request-Id"), "a new id when the request had none")
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil))

	n, err := testutil.GatherAndCount(reg, "rectify_http_request_duration_seconds")
	require.NoError(t, err)
	require.Equal(t, 3, n, "one series each: the chi pattern, the page's pattern, /metrics")
	families, err := reg.Gather()
	require.NoError(t, err)
	var series []string
	for _, mf := range families {
		for _, mt := range mf.GetMetric() {
			var labels []string
			for _, l := range mt.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			series = append(series, strings.Join(labels, ","))
		}
	}
	require.ElementsMatch(t, []string{
		"method=POST,route=/api/items/{id}/{action},status=409",
		"method=GET,route=/items/{id},status=200",
		"method=GET,route=/metrics,status=200",
	}, series)
}

package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"rectify/api"
	"rectify/internal/auth"
	"rectify/internal/testenv"
)

// routesOnly is the API with nothing behind it but sign-in: enough to list its routes and
// serve its description.
func routesOnly(t *testing.T) http.Handler {
	pool, _ := testenv.Pool(t)
	svc := auth.NewService(pool, auth.Options{})
	t.Cleanup(svc.Close)
	return api.New(api.Deps{Auth: svc})
}

// Every route the API serves is described in /api/openapi.json, with the same method, and
// the document describes no route that does not exist. What the routes answer is checked
// against the document by the integration tests' client (internal/apptest).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	h := routesOnly(t)

	served := map[string]bool{}
	require.NoError(t, chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[strings.ToLower(method)+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	require.Equal(t, 200, rec.Code)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "3.0.3", doc.OpenAPI)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[method+" "+path] = true
		}
	}
	require.Equal(t, served, documented)
}

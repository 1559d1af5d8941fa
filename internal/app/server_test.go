package app_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/apptest"
)

// The API's server bounds every phase of a connection: headers, the whole request (long
// enough for a 20 MB upload over a slow line), the answer (long enough for that upload's
// handling and a ledger export), idle keep-alive, and header size.
func TestHTTPServerBoundsSlowAndIdleClients(t *testing.T) {
	srv := app.NewHTTPServer("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	require.Equal(t, 10*time.Second, srv.ReadHeaderTimeout)
	twentyMBAtOneMbit := time.Duration(20<<20*8/1_000_000) * time.Second
	require.Greater(t, srv.ReadTimeout, twentyMBAtOneMbit)
	require.Less(t, srv.ReadTimeout, 15*time.Minute)
	require.Greater(t, srv.WriteTimeout, srv.ReadTimeout)
	require.Positive(t, srv.IdleTimeout)
	require.Equal(t, 64<<10, srv.MaxHeaderBytes)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	req, err := http.NewRequest("GET", "http://"+l.Addr().String()+"/", nil)
	require.NoError(t, err)
	req.Header.Set("X-Padding", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// An https public URL turns Secure cookies on by itself, and cannot be combined with
// RECTIFY_SECURE_COOKIE=false; the session cookie then carries Secure.
func TestHTTPSPublicURLMakesCookiesSecure(t *testing.T) {
	configFrom := func(publicURL, secureCookie string) (app.Config, error) {
		t.Setenv("RECTIFY_PUBLIC_URL", publicURL)
		t.Setenv("RECTIFY_SECURE_COOKIE", secureCookie)
		return app.ConfigFromEnv()
	}
	cfg, err := configFrom("https://zgdb.example.cn", "")
	require.NoError(t, err)
	require.True(t, cfg.SecureCookie)
	_, err = configFrom("https://zgdb.example.cn", "false")
	require.ErrorContains(t, err, "an https site needs Secure cookies")
	plain, err := configFrom("http://127.0.0.1:8080", "")
	require.NoError(t, err)
	require.False(t, plain.SecureCookie)
	_, err = configFrom("zgdb.example.cn", "")
	require.ErrorContains(t, err, "RECTIFY_PUBLIC_URL")

	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		c.PublicURL, c.SecureCookie = cfg.PublicURL, cfg.SecureCookie
	}})
	st, hdr, body := e.Anonymous().Send("POST", "/api/session",
		strings.NewReader(`{"login":"cs","password":"`+apptest.Password+`"}`), http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusOK, st, "%s", body)
	var secure bool
	for _, c := range (&http.Response{Header: hdr}).Cookies() {
		if c.Name == "rectify_session" {
			secure = c.Secure
		}
	}
	require.True(t, secure, "session cookie without Secure: %v", hdr.Values("Set-Cookie"))
}

// The pool is sized for the senders, not pgx's default of one connection a CPU (4 here),
// and RECTIFY_DB_MAX_CONNS sizes it otherwise.
func TestThePoolIsSizedForTheSenders(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true})
	require.EqualValues(t, app.Defaults().DBMaxConns, e.Sys.Pool.Config().MaxConns)
	require.EqualValues(t, 12, app.Defaults().DBMaxConns)
	sized := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		c.DBMaxConns = 7
	}})
	require.EqualValues(t, 7, sized.Sys.Pool.Config().MaxConns)
}

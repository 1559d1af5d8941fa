package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/api"
	"rectify/internal/auth"
	"rectify/internal/password"
	"rectify/internal/testenv"
)

type guardEnv struct {
	srv *httptest.Server
}

func newGuardEnv(t *testing.T) *guardEnv {
	t.Helper()
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO units (id, code, name, kind, parent_id, path) OVERRIDING SYSTEM VALUE VALUES
		(1, 'C001', '某县', 'county', NULL, '/1/')`)
	require.NoError(t, err)
	h, err := password.Hash("县里的密码-1")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO people (login, name, unit_id, roles, password_hash)
		VALUES ('cs', '县委组织部干部', 1, '{org_staff}', $1)`, h)
	require.NoError(t, err)
	svc := auth.NewService(pool, auth.Options{})
	t.Cleanup(svc.Close)
	srv := httptest.NewServer(api.New(api.Deps{Auth: svc, PublicURL: "https://rectify.example.cn/"}))
	t.Cleanup(srv.Close)
	return &guardEnv{srv: srv}
}

func (e *guardEnv) send(t *testing.T, c *http.Client, method, path, contentType, body string, header ...string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out struct{ Error map[string]string }
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Error
}

const signIn = `{"login":"cs","password":"县里的密码-1"}`

// A JSON endpoint reads application/json only, and an upload multipart/form-data only:
// anything else is 415 naming the header. A request without a body needs no type.
func TestRequestBodiesMustDeclareTheirType(t *testing.T) {
	e := newGuardEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		st, body := e.send(t, c, "POST", "/api/session", ct, signIn)
		require.Equal(t, http.StatusUnsupportedMediaType, st, "Content-Type %q", ct)
		require.Equal(t, "请求头Content-Type应为application/json", body["message"])
		require.Equal(t, "Content-Type", body["field"])
	}
	st, _ := e.send(t, c, "POST", "/api/session", "application/json; charset=utf-8", signIn)
	require.Equal(t, http.StatusOK, st)

	st, body := e.send(t, c, "POST", "/api/orders/import", "application/json", `{"file":"x"}`)
	require.Equal(t, http.StatusUnsupportedMediaType, st)
	require.Equal(t, "请求头Content-Type应为multipart/form-data", body["message"])

	// No body, no type needed: the request reaches the handler.
	st, body = e.send(t, c, "POST", "/api/orders/validate", "", "")
	require.Equal(t, http.StatusBadRequest, st)
	require.Equal(t, "请求体不能为空", body["message"])
}

// A page on another site cannot act with a signed-in person's cookie; the same request
// from this origin, the public URL's origin, a script (no browser headers) or with a
// bearer token goes through.
func TestCrossOriginRequestsAreRefused(t *testing.T) {
	e := newGuardEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	st, _ := e.send(t, c, "POST", "/api/session", "application/json", signIn)
	require.Equal(t, http.StatusOK, st)

	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		st, body := e.send(t, c, "POST", "/api/tokens", "application/json", `{"name":"偷"}`, h...)
		require.Equal(t, http.StatusForbidden, st, "%v", h)
		require.Equal(t, "跨站请求已被拒绝：请从本系统页面操作", body["message"])
		st, _ = e.send(t, c, "DELETE", "/api/session", "", "", h...)
		require.Equal(t, http.StatusForbidden, st, "sign-out from %v", h)
	}
	// Still signed in; reading is not refused.
	st, _ = e.send(t, c, "GET", "/api/me", "", "", "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusOK, st)

	for _, h := range [][]string{{"Sec-Fetch-Site", "same-origin"}, {"Origin", e.srv.URL}, {"Origin", "https://rectify.example.cn"}, {}} {
		st, _ := e.send(t, c, "POST", "/api/tokens", "application/json", `{"name":"脚本"}`, h...)
		require.Equal(t, http.StatusCreated, st, "%v", h)
	}

	// A bearer token is not a cookie: no browser sends it by itself.
	var tok struct{ Token string }
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/tokens", strings.NewReader(`{"name":"t"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	st, _ = e.send(t, &http.Client{}, "POST", "/api/tokens", "application/json", `{"name":"t2"}`,
		"Authorization", "Bearer "+tok.Token, "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusCreated, st)
}

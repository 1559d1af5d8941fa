package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http/httptest"

	"rectify/api"
	"rectify/internal/auth"
)

func retryAfter(t *testing.T, r response) int {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After %q: %v (status %d body %s)", r.header.Get("Retry-After"), err, r.status, r.body)
	}
	return n
}

// Five wrong passwords for a login, and the sixth try is refused with 429 and Retry-After
// before any password is checked, even the right one, from this API process or another
// one on the same database; once the window has passed the right password works and the
// count starts over.
func TestSignInThrottledPerLogin(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	for i := range 5 {
		wantError(t, f.do(t, c, http.MethodPost, "/api/session", signInBody("town_official", fmt.Sprintf("猜的-%d", i))),
			http.StatusUnauthorized, "", "用户名或密码错误")
	}
	r := f.do(t, c, http.MethodPost, "/api/session", signInBody("town_official", "镇里的密码-2"))
	wantError(t, r, http.StatusTooManyRequests, "", "登录尝试次数过多，请15分钟后再试")
	if s := retryAfter(t, r); s < 14*60 || s > 15*60 {
		t.Fatalf("Retry-After %d s, want about 15 minutes", s)
	}

	// A second API process on the same database refuses too.
	other := auth.NewService(f.pool, auth.Options{})
	t.Cleanup(other.Close)
	srv2 := httptest.NewServer(api.New(api.Deps{Auth: other}))
	t.Cleanup(srv2.Close)
	resp, err := http.Post(srv2.URL+"/api/session", "application/json", strings.NewReader(signInBody("town_official", "镇里的密码-2")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("other process: status %d, want 429", resp.StatusCode)
	}

	// Another login from the same address is not held back by this one.
	f.signIn(t, jarClient(t), "secretary", "村里的密码-3")

	// The window passes.
	if _, err := f.pool.Exec(context.Background(),
		`UPDATE sign_in_attempts SET window_start = now() - interval '16 minutes' WHERE scope = 'login' AND key = 'town_official'`); err != nil {
		t.Fatal(err)
	}
	f.signIn(t, c, "town_official", "镇里的密码-2")
	var n int
	if err := f.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM sign_in_attempts WHERE scope = 'login' AND key = 'town_official'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a successful sign-in left the login's failed attempts counted")
	}
}

// Guesses spread over many logins from one address are throttled by the address; a
// client behind the trusted proxy's other address is not.
func TestSignInThrottledPerAddress(t *testing.T) {
	f := setupWith(t, auth.Options{Limits: auth.Limits{PerLogin: 100, PerAddress: 3, Window: time.Minute}, ClientIPHeader: "X-Real-IP"})
	c := jarClient(t)
	for _, login := range []string{"a", "b", "c"} {
		wantError(t, f.do(t, c, http.MethodPost, "/api/session", signInBody(login, "x"), "X-Real-IP", "198.51.100.7"),
			http.StatusUnauthorized, "", "用户名或密码错误")
	}
	r := f.do(t, c, http.MethodPost, "/api/session", signInBody("county_staff", "县里的密码-1"), "X-Real-IP", "198.51.100.7")
	wantError(t, r, http.StatusTooManyRequests, "", "登录尝试次数过多，请1分钟后再试")
	if s := retryAfter(t, r); s < 1 || s > 60 {
		t.Fatalf("Retry-After %d", s)
	}
	r = f.do(t, jarClient(t), http.MethodPost, "/api/session", signInBody("county_staff", "县里的密码-1"), "X-Real-IP", "198.51.100.8")
	if r.status != http.StatusOK {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
}

// Concurrent guesses cannot slip past the limit between a check and its count: an
// attempt is counted before its password is checked.
func TestConcurrentGuessesAreCounted(t *testing.T) {
	f := setupWith(t, auth.Options{Limits: auth.Limits{PerLogin: 3, PerAddress: 1000, Window: time.Minute}})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			r := f.do(t, &http.Client{}, http.MethodPost, "/api/session", signInBody("secretary", fmt.Sprintf("猜-%d", i)))
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] != 3 || statuses[http.StatusTooManyRequests] != 9 {
		t.Fatalf("statuses %v, want 3 checked (401) and 9 refused (429)", statuses)
	}
}

// Password checks run in a bounded number of slots: when all are taken, a sign-in waits
// briefly and then answers 503 with Retry-After, without counting against the person.
func TestPasswordChecksAreBounded(t *testing.T) {
	f := setupWith(t, auth.Options{HashConcurrency: 1, HashWait: 300 * time.Millisecond})
	release := auth.HoldHashSlot(f.svc) // another check holds the only slot
	start := time.Now()
	r := f.do(t, jarClient(t), http.MethodPost, "/api/session", signInBody("secretary", "村里的密码-3"))
	wantError(t, r, http.StatusServiceUnavailable, "", "登录请求较多，请稍后再试")
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("busy answer took %s", took)
	}
	if retryAfter(t, r) < 1 {
		t.Fatal("no Retry-After")
	}
	var attempts int
	if err := f.pool.QueryRow(context.Background(),
		`SELECT attempts FROM sign_in_attempts WHERE scope = 'login' AND key = 'secretary'`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 0 {
		t.Fatalf("an unchecked attempt was counted: %d", attempts)
	}
	release()
	f.signIn(t, jarClient(t), "secretary", "村里的密码-3")
}

// A password change needs the old password and a new one that follows the rules; it ends
// the person's other sessions, keeps the one that made it, and leaves tokens alone.
func TestChangePassword(t *testing.T) {
	f := setup(t)
	here, elsewhere := jarClient(t), jarClient(t)
	f.signIn(t, here, "town_official", "镇里的密码-2")
	f.signIn(t, elsewhere, "town_official", "镇里的密码-2")
	created := f.do(t, here, http.MethodPost, "/api/tokens", `{"name":"脚本"}`)
	var tok auth.Token
	if err := json.Unmarshal(created.body, &tok); err != nil {
		t.Fatal(err)
	}

	change := func(old, new string) response {
		b, _ := json.Marshal(map[string]string{"old_password": old, "new_password": new})
		return f.do(t, here, http.MethodPut, "/api/me/password", string(b))
	}
	wantError(t, change("不对", "新密码-2026"), http.StatusBadRequest, "old_password", "原密码不正确")
	wantError(t, change("镇里的密码-2", "short"), http.StatusBadRequest, "new_password", "密码至少需要8个字符")
	wantError(t, change("", "新密码-2026"), http.StatusBadRequest, "old_password", "请输入原密码")
	if r := change("镇里的密码-2", "新密码-2026"); r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}

	if r := f.do(t, here, http.MethodGet, "/api/me", ""); r.status != http.StatusOK {
		t.Fatalf("the session that changed the password was ended: %d %s", r.status, r.body)
	}
	wantError(t, change("新密码-2026", "新密码-2026"), http.StatusBadRequest, "new_password", "新密码不能与原密码相同")
	wantError(t, f.do(t, elsewhere, http.MethodGet, "/api/me", ""), http.StatusUnauthorized, "", "请先登录")
	if r := f.do(t, &http.Client{}, http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok.Token); r.status != http.StatusOK {
		t.Fatalf("token after password change: %d %s", r.status, r.body)
	}
	wantError(t, f.do(t, jarClient(t), http.MethodPost, "/api/session", signInBody("town_official", "镇里的密码-2")),
		http.StatusUnauthorized, "", "用户名或密码错误")
	f.signIn(t, jarClient(t), "town_official", "新密码-2026")
}

// Tokens expire: 90 days unless asked otherwise, at most 365; an expired token is refused
// with a message that says it expired.
func TestTokensExpire(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	f.signIn(t, c, "county_staff", "县里的密码-1")
	wantError(t, f.do(t, c, http.MethodPost, "/api/tokens", `{"name":"x","expires_in_days":366}`),
		http.StatusBadRequest, "expires_in_days", "有效期应为1至365天")
	wantError(t, f.do(t, c, http.MethodPost, "/api/tokens", `{"name":"x","expires_in_days":0}`),
		http.StatusBadRequest, "expires_in_days", "有效期应为1至365天")

	create := func(body string) auth.Token {
		r := f.do(t, c, http.MethodPost, "/api/tokens", body)
		if r.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", body, r.status, r.body)
		}
		var tok auth.Token
		if err := json.Unmarshal(r.body, &tok); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	def := create(`{"name":"默认"}`)
	week := create(`{"name":"一周","expires_in_days":7}`)
	near := func(got time.Time, want time.Duration) bool {
		d := time.Until(got) - want
		return d > -time.Minute && d < time.Minute
	}
	if !near(def.ExpiresAt, 90*24*time.Hour) || !near(week.ExpiresAt, 7*24*time.Hour) {
		t.Fatalf("expiry: default %s, week %s", def.ExpiresAt, week.ExpiresAt)
	}

	bearer := func(tok string) response {
		return f.do(t, &http.Client{}, http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
	}
	if r := bearer(week.Token); r.status != http.StatusOK {
		t.Fatalf("fresh token: %d %s", r.status, r.body)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, week.ID); err != nil {
		t.Fatal(err)
	}
	wantError(t, bearer(week.Token), http.StatusUnauthorized, "", "访问令牌已过期，请登录后重新创建")

	r := f.do(t, c, http.MethodGet, "/api/tokens", "")
	var list struct{ Tokens []map[string]any }
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if len(list.Tokens) != 2 || list.Tokens[0]["name"] != "一周" || list.Tokens[0]["token"] != nil || list.Tokens[0]["expires_at"] == nil {
		t.Fatalf("list %v", list.Tokens)
	}
}

package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/api"
	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/password"
	"rectify/internal/role"
	"rectify/internal/testenv"
)

// The tree every test gets: county /1/, township /1/2/, sibling township /1/3/,
// village /1/2/4/.
const (
	countyID   = 1
	townshipID = 2
	siblingID  = 3
	villageID  = 4
)

type person struct {
	login, name, pw string
	unit            int64
	roles           []role.Role
}

var people = []person{
	{"county_staff", "县委组织部干部", "县里的密码-1", countyID, []role.Role{role.OrgStaff}},
	{"town_official", "镇党委委员", "镇里的密码-2", townshipID, []role.Role{role.TownshipOfficial}},
	{"secretary", "村党支部书记", "村里的密码-3", villageID, []role.Role{role.BranchSecretary}},
}

type fixture struct {
	pool *pgxpool.Pool
	svc  *auth.Service
	srv  *httptest.Server
	ids  map[string]int64
}

func setup(t *testing.T) *fixture { return setupWith(t, auth.Options{}) }

func setupWith(t *testing.T, opts auth.Options) *fixture {
	t.Helper()
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO units (id, code, name, kind, parent_id, path) OVERRIDING SYSTEM VALUE VALUES
		(1, 'C001', '某县', 'county', NULL, '/1/'),
		(2, 'T001', '甲镇', 'township', 1, '/1/2/'),
		(3, 'T002', '乙镇', 'township', 1, '/1/3/'),
		(4, 'V001', '东村', 'village', 2, '/1/2/4/')`)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, p := range people {
		h, err := password.Hash(p.pw)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		err = pool.QueryRow(ctx, `INSERT INTO people (login, name, unit_id, roles, password_hash)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, p.login, p.name, p.unit, p.roles, h).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.login] = id
	}
	svc := auth.NewService(pool, opts)
	t.Cleanup(svc.Close)
	srv := httptest.NewServer(api.New(api.Deps{Auth: svc}))
	t.Cleanup(srv.Close)
	return &fixture{pool: pool, svc: svc, srv: srv, ids: ids}
}

func jarClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (f *fixture) do(t *testing.T, c *http.Client, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, b, resp.Header}
}

func signInBody(login, pw string) string {
	b, _ := json.Marshal(map[string]string{"login": login, "password": pw})
	return string(b)
}

func errorBody(t *testing.T, r response) apperr.BodyError {
	t.Helper()
	var b apperr.Body
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return b.Error
}

func wantError(t *testing.T, r response, status int, field, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	e := errorBody(t, r)
	if e.Field != field || e.Message != message {
		t.Fatalf("error field %q message %q, want %q %q", e.Field, e.Message, field, message)
	}
}

func (f *fixture) signIn(t *testing.T, c *http.Client, login, pw string) response {
	t.Helper()
	r := f.do(t, c, http.MethodPost, "/api/session", signInBody(login, pw))
	if r.status != http.StatusOK {
		t.Fatalf("sign in %s: status %d body %s", login, r.status, r.body)
	}
	return r
}

func TestSignInThenMe(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	r := f.signIn(t, c, "town_official", "镇里的密码-2")

	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"person_id": float64(f.ids["town_official"]), "login": "town_official", "name": "镇党委委员",
		"unit_id": float64(townshipID), "unit_code": "T001", "unit_name": "甲镇",
		"roles": []any{role.TownshipOfficial},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sign-in body %v, want %v", got, want)
	}

	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == auth.CookieName {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Value == "" {
		t.Fatalf("session cookie %+v, want %s HttpOnly SameSite=Lax", cookie, auth.CookieName)
	}
	var plain int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE token = $1`, cookie.Value).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain != 0 {
		t.Fatal("session token stored in plain text")
	}

	me := f.do(t, c, http.MethodGet, "/api/me", "")
	if me.status != http.StatusOK {
		t.Fatalf("/api/me status %d body %s", me.status, me.body)
	}
	var a auth.Actor
	if err := json.Unmarshal(me.body, &a); err != nil {
		t.Fatal(err)
	}
	if a.PersonID != f.ids["town_official"] || a.Login != "town_official" || a.UnitID != townshipID {
		t.Fatalf("/api/me %+v", a)
	}

	// Without the cookie there is nobody.
	wantError(t, f.do(t, http.DefaultClient, http.MethodGet, "/api/me", ""), http.StatusUnauthorized, "", "请先登录")
}

func TestSignInRenewsPlantedSession(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	first := f.signIn(t, c, "secretary", "村里的密码-3")
	second := f.signIn(t, c, "secretary", "村里的密码-3")
	get := func(h http.Header) string {
		for _, ck := range (&http.Response{Header: h}).Cookies() {
			if ck.Name == auth.CookieName {
				return ck.Value
			}
		}
		return ""
	}
	a, b := get(first.header), get(second.header)
	if a == "" || b == "" || a == b {
		t.Fatalf("session token not renewed on sign-in: %q then %q", a, b)
	}
	// The earlier token is gone from the store.
	old := &http.Client{}
	r := f.do(t, old, http.MethodGet, "/api/me", "", "Cookie", auth.CookieName+"="+a)
	wantError(t, r, http.StatusUnauthorized, "", "请先登录")
}

func TestBadCredentialsLookTheSame(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	wrongPw := f.do(t, c, http.MethodPost, "/api/session", signInBody("town_official", "不对的密码"))
	unknown := f.do(t, c, http.MethodPost, "/api/session", signInBody("nobody", "镇里的密码-2"))
	wantError(t, wrongPw, http.StatusUnauthorized, "", "用户名或密码错误")
	wantError(t, unknown, http.StatusUnauthorized, "", "用户名或密码错误")
	if !bytes.Equal(wrongPw.body, unknown.body) {
		t.Fatalf("bodies differ: %s vs %s", wrongPw.body, unknown.body)
	}
	if len(c.Jar.Cookies(mustURL(t, f.srv.URL))) != 0 {
		t.Fatal("failed sign-in set a cookie")
	}
	wantError(t, f.do(t, c, http.MethodGet, "/api/me", ""), http.StatusUnauthorized, "", "请先登录")

	// The service itself keeps the kind detectable through wrapping.
	_, err := f.svc.Authenticate(context.Background(), "nobody", "x", "192.0.2.1")
	if apperr.KindOf(err) != apperr.Unauthenticated || !strings.Contains(err.Error(), "auth.Authenticate") {
		t.Fatalf("Authenticate unknown login: %v", err)
	}
}

func TestSignInInputErrors(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	wantError(t, f.do(t, c, http.MethodPost, "/api/session", `{"login":`), http.StatusBadRequest, "body", "请求体不是有效的JSON")
	wantError(t, f.do(t, c, http.MethodPost, "/api/session", `{"password":"x"}`), http.StatusBadRequest, "login", "请输入用户名")
	wantError(t, f.do(t, c, http.MethodPost, "/api/session", `{"login":"secretary"}`), http.StatusBadRequest, "password", "请输入密码")
	// Bodies are read by the API's strict decoder: a field it does not know is refused.
	wantError(t, f.do(t, c, http.MethodPost, "/api/session", `{"login":"secretary","password":"村里的密码-3","remember":true}`),
		http.StatusBadRequest, "remember", "未知字段“remember”")
}

func TestSignOut(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	r := f.signIn(t, c, "county_staff", "县里的密码-1")
	var token string
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == auth.CookieName {
			token = ck.Value
		}
	}
	if f.do(t, c, http.MethodGet, "/api/me", "").status != http.StatusOK {
		t.Fatal("not signed in")
	}
	out := f.do(t, c, http.MethodDelete, "/api/session", "")
	if out.status != http.StatusNoContent {
		t.Fatalf("sign out status %d body %s", out.status, out.body)
	}
	wantError(t, f.do(t, c, http.MethodGet, "/api/me", ""), http.StatusUnauthorized, "", "请先登录")
	// Replaying the old cookie does not bring the session back.
	replay := f.do(t, &http.Client{}, http.MethodGet, "/api/me", "", "Cookie", auth.CookieName+"="+token)
	wantError(t, replay, http.StatusUnauthorized, "", "请先登录")
}

func TestTokens(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	f.signIn(t, c, "secretary", "村里的密码-3")

	wantError(t, f.do(t, c, http.MethodPost, "/api/tokens", `{"name":"  "}`), http.StatusBadRequest, "name", "令牌名称不能为空")
	wantError(t, f.do(t, c, http.MethodPost, "/api/tokens", `nope`), http.StatusBadRequest, "body", "请求体不是有效的JSON")

	r := f.do(t, c, http.MethodPost, "/api/tokens", `{"name":"统计脚本"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create token status %d body %s", r.status, r.body)
	}
	var created struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || created.Name != "统计脚本" || !strings.HasPrefix(created.Token, "rct_") || len(created.Token) != 4+43 {
		t.Fatalf("created %+v", created)
	}
	var stored []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT token_hash FROM api_tokens WHERE id = $1`, created.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(created.Token))
	if !bytes.Equal(stored, sum[:]) {
		t.Fatal("stored token hash is not the SHA-256 of the token")
	}

	bare := &http.Client{}
	bearer := func(tok string) response {
		return f.do(t, bare, http.MethodGet, "/api/me", "", "Authorization", "Bearer "+tok)
	}
	me := bearer(created.Token)
	if me.status != http.StatusOK {
		t.Fatalf("bearer /api/me status %d body %s", me.status, me.body)
	}
	var a auth.Actor
	if err := json.Unmarshal(me.body, &a); err != nil {
		t.Fatal(err)
	}
	if a.PersonID != f.ids["secretary"] || a.UnitCode != "V001" {
		t.Fatalf("bearer actor %+v", a)
	}
	wantError(t, bearer("rct_"+strings.Repeat("A", 43)), http.StatusUnauthorized, "", "访问令牌无效或已撤销")
	wantError(t, bearer("garbage"), http.StatusUnauthorized, "", "访问令牌无效或已撤销")

	// Someone else cannot revoke it.
	other := jarClient(t)
	f.signIn(t, other, "county_staff", "县里的密码-1")
	wantError(t, f.do(t, other, http.MethodDelete, fmt.Sprintf("/api/tokens/%d", created.ID), ""), http.StatusNotFound, "id", "访问令牌不存在")
	if bearer(created.Token).status != http.StatusOK {
		t.Fatal("token stopped working after someone else's revoke attempt")
	}

	// The owner can, with the token itself.
	rv := f.do(t, bare, http.MethodDelete, fmt.Sprintf("/api/tokens/%d", created.ID), "", "Authorization", "Bearer "+created.Token)
	if rv.status != http.StatusNoContent {
		t.Fatalf("revoke status %d body %s", rv.status, rv.body)
	}
	wantError(t, bearer(created.Token), http.StatusUnauthorized, "", "访问令牌无效或已撤销")

	err := f.svc.RevokeToken(context.Background(), f.ids["secretary"], created.ID+1000)
	if apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("revoke missing token: %v", err)
	}
}

func TestPasswordNeverStoredPlain(t *testing.T) {
	f := setup(t)
	c := jarClient(t)
	ctx := context.Background()
	for _, p := range people {
		f.signIn(t, c, p.login, p.pw)
		var hash string
		if err := f.pool.QueryRow(ctx, `SELECT password_hash FROM people WHERE login = $1`, p.login).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if hash == p.pw || strings.Contains(hash, p.pw) {
			t.Fatalf("%s: password stored as plain text", p.login)
		}
		if err := password.Check(hash, p.pw); err != nil {
			t.Fatalf("%s: stored hash does not check: %v", p.login, err)
		}
		var leaks int
		err := f.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM sessions WHERE position($1::bytea IN data) > 0) +
			(SELECT count(*) FROM api_tokens WHERE name = $2)`, []byte(p.pw), p.pw).Scan(&leaks)
		if err != nil {
			t.Fatal(err)
		}
		if leaks != 0 {
			t.Fatalf("%s: password found in sessions or tokens", p.login)
		}
	}
}

func TestMiddlewareWithoutCredentials(t *testing.T) {
	f := setup(t)
	var seen, hadActor bool
	h := f.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = true
		_, hadActor = auth.ActorFrom(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/anything", nil))
	if !seen || hadActor || rec.Code != http.StatusTeapot {
		t.Fatalf("seen %v actor %v code %d", seen, hadActor, rec.Code)
	}

	// An actor put by the middleware reaches the handler when a token is given.
	created, err := f.svc.CreateToken(context.Background(), f.ids["county_staff"], "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	tok := created.Token
	var got auth.Actor
	h = f.svc.Middleware(f.svc.RequireActor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = auth.ActorFrom(r.Context())
	})))
	req := httptest.NewRequest(http.MethodGet, "/anything", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || got.Login != "county_staff" || got.UnitPath != "/1/" || !got.CanIssue() {
		t.Fatalf("code %d actor %+v", rec.Code, got)
	}
}

func TestSees(t *testing.T) {
	// The actor sits at the township /1/2/.
	own, child, grandchild, sibling, parent := "/1/2/", "/1/2/4/", "/1/2/4/9/", "/1/3/", "/1/"
	cases := []struct {
		roles                                   []role.Role
		own, child, grandchild, sibling, parent bool
	}{
		{[]role.Role{role.OrgStaff}, true, true, true, false, false},
		{[]role.Role{role.TownshipOfficial}, true, true, true, false, false},
		{[]role.Role{role.Leader}, true, true, true, false, false},
		{[]role.Role{role.BranchSecretary}, true, false, false, false, false},
		{[]role.Role{role.BranchSecretary, role.Leader}, true, true, true, false, false},
	}
	for _, tc := range cases {
		a := auth.Actor{UnitID: townshipID, UnitPath: own, Roles: tc.roles}
		got := []bool{a.Sees(own), a.Sees(child), a.Sees(grandchild), a.Sees(sibling), a.Sees(parent)}
		want := []bool{tc.own, tc.child, tc.grandchild, tc.sibling, tc.parent}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v sees own/child/grandchild/sibling/parent = %v, want %v", tc.roles, got, want)
		}
	}

	// /1/ is not a prefix of /12/ in the id sense.
	county := auth.Actor{UnitPath: "/1/", Roles: []role.Role{role.OrgStaff}}
	if county.Sees("/12/") || !county.Sees("/1/2/") {
		t.Error("path prefix must stop at id boundaries")
	}
	if (auth.Actor{Roles: []role.Role{role.OrgStaff}}).Sees("/1/") {
		t.Error("an actor without a unit sees nothing")
	}
}

func TestCanIssueAndHas(t *testing.T) {
	cases := map[role.Role]bool{
		role.OrgStaff: true, role.TownshipOfficial: true, role.Leader: false, role.BranchSecretary: false,
	}
	for r, want := range cases {
		a := auth.Actor{Roles: []role.Role{r}}
		if a.CanIssue() != want {
			t.Errorf("%s CanIssue = %v, want %v", r, !want, want)
		}
		if !a.Has(r) || a.Has(r+"x") {
			t.Errorf("%s Has wrong", r)
		}
	}
}

func TestActorContext(t *testing.T) {
	if _, ok := auth.ActorFrom(context.Background()); ok {
		t.Fatal("empty context has an actor")
	}
	a := auth.Actor{PersonID: 7, Login: "x"}
	got, ok := auth.ActorFrom(auth.WithActor(context.Background(), a))
	if !ok || got.PersonID != 7 || got.Login != "x" {
		t.Fatalf("got %+v %v", got, ok)
	}
	// Another package's context value of the same underlying type is not an actor.
	type actorKey2 struct{}
	if _, ok := auth.ActorFrom(context.WithValue(context.Background(), actorKey2{}, a)); ok {
		t.Fatal("foreign key leaked")
	}
	var e *apperr.Error
	_, err := (&auth.Service{}).CreateToken(context.Background(), 1, "", 0)
	if !errors.As(err, &e) || e.Field != "name" {
		t.Fatalf("empty name: %v", err)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The account methods the pages call act on the session Middleware loaded; called outside
// it they fail (and change nothing) instead of panicking in the session manager. A person
// without tokens gets an empty list, which the API sends as [] and not null.
func TestAccountMethodsOutsideMiddleware(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	secretary, err := f.svc.ActorByPersonID(ctx, f.ids["secretary"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "secretary", "村里的密码-3", "192.0.2.1"); err == nil || !strings.Contains(err.Error(), "auth.Middleware") {
		t.Fatalf("SignIn without a session: %v", err)
	}
	if err := f.svc.SignOut(ctx); err == nil || !strings.Contains(err.Error(), "auth.Middleware") {
		t.Fatalf("SignOut without a session: %v", err)
	}
	if err := f.svc.ChangeOwnPassword(ctx, secretary, "村里的密码-3", "新密码-2026", "192.0.2.1", false); err == nil ||
		!strings.Contains(err.Error(), "auth.Middleware") {
		t.Fatalf("ChangeOwnPassword without a session: %v", err)
	}
	f.signIn(t, jarClient(t), "secretary", "村里的密码-3")

	list, err := f.svc.OwnTokens(ctx, secretary)
	if err != nil || list.Tokens == nil || len(list.Tokens) != 0 {
		t.Fatalf("no tokens: %#v %v", list, err)
	}
	c := jarClient(t)
	f.signIn(t, c, "secretary", "村里的密码-3")
	if r := f.do(t, c, http.MethodGet, "/api/tokens", ""); r.status != http.StatusOK || string(r.body) != "{\"tokens\":[]}\n" {
		t.Fatalf("GET /api/tokens without tokens: %d %s", r.status, r.body)
	}
}

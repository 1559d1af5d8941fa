package pages

import (
	"bytes"
	"compress/gzip"
	"context"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/org"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
)

// Every view is parsed and executed here with sample data in both languages, so that a
// template error or a text missing from a catalogue fails a test and not a person.

func sampleViews(t *testing.T, lang string, c *catalog) map[string]any {
	t.Helper()
	a := &auth.Actor{PersonID: 1, Name: "城关镇组织委员", UnitName: "城关镇", Roles: []role.Role{role.TownshipOfficial}}
	p := Page{Lang: lang, Title: "标题", Actor: a, Nav: []NavLink{{URL: "/todo", Label: "我的待办", Current: true}},
		Flash: "已提交", SwitchURL: "/todo?lang=en", SwitchLabel: "English", c: c}
	due := time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC)
	row := items.Row{ID: "it-1", Problem: "三会一课记录不全", Measure: "补齐会议记录<script>", Criterion: "记录完整率100%",
		UnitName: "城关镇", State: "in_progress", DeadlineKind: "by_date", Due: "2026-03-01", DueAt: &due,
		Light: light.Red, LightReason: "已超期5个工作日", Listed: true, PrimaryName: "王芳", HandlerName: "李军",
		OrderTitle: "关于巡察反馈问题整改的通知", IssuerUnit: "示范县", ExtensionAsk: "2026-04-01"}
	ev := items.Event{At: due, Actor: "县组织部干部", ActorUnit: "示范县", Action: "return", From: "close_requested", To: "in_progress",
		Note: "佐证材料不足"}
	files := evidenceLinks(c, []evidence.File{{ID: 7, Filename: "会议记录.jpg", ContentType: "image/jpeg", Size: 123456, UploadedAt: due},
		{ID: 8, Filename: "台账.pdf", ContentType: "application/pdf", Size: 2 << 20, UploadedAt: due}},
		[]evidence.Reuse{{EvidenceID: 7, ItemID: "m1-u2", Unit: "东关村"}, {EvidenceID: 8}})
	all := map[string]bool{"acknowledge": true, "progress": true, "request_close": true, "request_extension": true, "close": true,
		"return": true, "approve_extension": true, "refuse_extension": true}
	views := map[string]any{
		"error":  errorView{Page: p, Status: 404, Message: "整改事项不存在"},
		"signin": signInView{Page: Page{Lang: lang, Title: "登录", c: c}, Next: "/items/it-1", Login: "lijun", Errors: fieldErrors{"password": "请输入密码"}, Message: "用户名或密码错误"},
		"todo": todoView{Page: p, Filters: []stateFilter{{URL: "/todo", Label: "全部", N: 3, Current: true}},
			Cards: []card{{Row: row, Deadline: "2026-03-01", Acknowledge: true, Key: "k"}, {Row: row, RequestClose: true}, {Row: row, Review: true}}},
		"item": itemView{Page: p, Item: row, Deadline: "2026-03-01", Returned: &ev, Timeline: []items.Event{ev}, Evidence: files,
			Can: all, Open: "request_close", Errors: fieldErrors{"file": "申请销号须附佐证材料", "note": "x"}, Message: "整改事项已签收",
			Note: "已逐村检查", MinExtend: "2026-02-02", Chosen: map[int64]bool{7: true}, Key: "k"},
		"review": reviewView{Page: p, CloseOuts: []reviewCard{{Item: row, Deadline: "2026-03-01", Request: ev, Evidence: files}},
			Extensions: []reviewCard{{Item: row, Request: ev}}, ErrItem: "it-1", ErrForm: "return", Errors: fieldErrors{"note": "退回须说明理由"}, Key: "k"},
		"dashboard": dashboardViewOf(p, rectification.Dashboard{Unit: org.Unit{Code: "T1", Name: "城关镇"},
			Trail: []org.Unit{{Code: "C", Name: "示范县"}, {Code: "T1", Name: "城关镇"}},
			All:   items.Tally{Total: 3, Closed: 1, Overdue: 1, Listed: 1, Red: 1, Green: 1}, CloseRate: 1.0 / 3, DaysOverdue: 5,
			Own:     items.Tally{Own: true, Total: 1, Red: 1, Overdue: 1, Listed: 1},
			Below:   []items.Tally{{Code: "V11", Name: "东关村<script>", Total: 2, Closed: 1, Green: 1}},
			Ranking: []bulletin.UnitRank{{Rank: 1, Unit: "东关村", Sentence: "东关村：销号率50%（1/2项），超期0项，列第1位。"}},
			Weeks:   []rectification.WeekCount{{Monday: due, Closed: 1}}, Items: []items.Row{row}},
			weakbranch.UnitFigures{Year: 2026, Campaigns: []weakbranch.CampaignFigures{{Campaign: weak.Campaign{Title: "2026年示范县软弱涣散基层党组织排查整顿"},
				Figures: weak.Figures{Proposed: 2, Determined: 1, Declined: 1}}}}),
	}
	maps.Copy(views, orderSamples(t, p))
	maps.Copy(views, boardSamples(t, p))
	maps.Copy(views, selfServiceSamples(p))
	maps.Copy(views, weakSamples(t, p))
	maps.Copy(views, passDownSamples(p, row))
	return views
}

// parsed is every view in every language, with the catalogues.
func parsed(t *testing.T) (map[string]*catalog, map[string]map[string]*template.Template) {
	t.Helper()
	as, err := loadAssets()
	require.NoError(t, err)
	cats, err := loadCatalogs()
	require.NoError(t, err)
	views, err := parseViews(as, cats)
	require.NoError(t, err)
	return cats, views
}

func TestEveryViewRendersInBothLanguages(t *testing.T) {
	cats, views := parsed(t)
	for lang, c := range cats {
		samples := sampleViews(t, lang, c)
		require.Len(t, views[lang], len(samples), "a view without sample data, or sample data without a view")
		for name, data := range samples {
			var buf bytes.Buffer
			require.NoError(t, views[lang][name].ExecuteTemplate(&buf, "layout", data), "%s/%s", lang, name)
			html := buf.String()
			require.NotContains(t, html, missing, "%s/%s uses a text the %s catalogue lacks", lang, name, lang)
			require.NotContains(t, html, "补齐会议记录<script>", "%s/%s: data must be escaped", lang, name)
			require.Contains(t, html, `lang="`+c.T("lang.code")+`"`)
			title := regexp.MustCompile(`<title>(.*) · `).FindStringSubmatch(html)
			require.Contains(t, html, "<h1>"+title[1]+"</h1>", "%s/%s: a view's fields must not hide the page's title", lang, name)
		}
	}
	// The refusals sit beside their fields.
	var buf bytes.Buffer
	require.NoError(t, views["zh"]["item"].ExecuteTemplate(&buf, "layout", sampleViews(t, "zh", cats["zh"])["item"]))
	require.Regexp(t, `id="rc-file"[^>]*aria-describedby="rc-file-err"[^>]*>\s*<p class="hint">[^<]*</p>\s*<p class="err" id="rc-file-err">申请销号须附佐证材料</p>`, buf.String())
	require.Contains(t, buf.String(), "本人承诺所报整改情况真实")
	require.Contains(t, buf.String(), `<span class="badge red">红灯</span> 已超期5个工作日`)
	// 佐证重复 shows beside the file it concerns, on the item and in the review queue.
	require.Regexp(t, `会议记录.jpg</a> <span class="meta">[^<]*</span>\s*<p class="err reused">该佐证材料已用于事项 m1-u2（东关村）</p></li>`, buf.String())
	require.Regexp(t, `台账.pdf</a> <span class="meta">[^<]*</span>\s*<p class="err reused">该佐证材料已用于其他单位的事项</p></li>`, buf.String())
	buf.Reset()
	require.NoError(t, views["zh"]["review"].ExecuteTemplate(&buf, "layout", sampleViews(t, "zh", cats["zh"])["review"]))
	require.Contains(t, buf.String(), `<p class="err reused">该佐证材料已用于事项 m1-u2（东关村）</p>`)
	// A bulletin's checks against rectification on paper are listed with it.
	buf.Reset()
	require.NoError(t, views["zh"]["bulletins"].ExecuteTemplate(&buf, "layout", sampleViews(t, "zh", cats["zh"])["bulletins"]))
	require.Regexp(t, `<dt>一次性销号率</dt><dd class="first-time">25%</dd>\s*<dt>逾期签收（项）</dt><dd class="ack-late">1</dd>`, buf.String())
	require.Contains(t, buf.String(), `<dt>屡改屡犯单位（个）</dt><dd class="repeat">1</dd>`)
}

// The catalogues hold the same texts, and every text a template asks for is in them.
func TestCataloguesAgree(t *testing.T) {
	cats, err := loadCatalogs()
	require.NoError(t, err)
	// Chinese state, action, rung and deadline-kind labels are the domain's own (itemmsg, order).
	englishOnly := regexp.MustCompile(`^(state|action|rung)\.|^deadline\.(immediate|by_date|ongoing)$`)
	for k := range cats["zh"].texts {
		require.Contains(t, cats["en"].texts, k, "en lacks %s", k)
	}
	for k := range cats["en"].texts {
		if !englishOnly.MatchString(k) {
			require.Contains(t, cats["zh"].texts, k, "zh lacks %s", k)
		}
	}
	used := regexp.MustCompile(`\{\{-?\s*t "([^"]+)"|\(t "([^"]+)"`)
	names, err := templatesFS.ReadDir("templates")
	require.NoError(t, err)
	for _, n := range names {
		b, err := templatesFS.ReadFile("templates/" + n.Name())
		require.NoError(t, err)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			require.Contains(t, cats["zh"].texts, key, "%s uses %s", n.Name(), key)
		}
	}
}

// Vendored files go out compressed and cacheable for a year under their versioned URL.
func TestStaticFilesAreCompressedAndCached(t *testing.T) {
	as, err := loadAssets()
	require.NoError(t, err)
	require.Contains(t, as, "vendor/htmx-2.0.11/LICENSE", "the licence travels with the file")
	require.Contains(t, as, "vendor/echarts-6.1.0/LICENSE")
	require.Contains(t, as, "vendor/echarts-6.1.0/NOTICE")
	for _, name := range []string{"style.css", "vendor/htmx-2.0.11/htmx.min.js", "vendor/echarts-6.1.0/echarts.min.js", "dashboard.js"} {
		req := httptest.NewRequest("GET", as.URL(name), nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		rec := httptest.NewRecorder()
		as.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
		require.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
		zr, err := gzip.NewReader(rec.Body)
		require.NoError(t, err)
		body, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, as[name].body, body)
		t.Logf("%s: %d bytes, %d gzip-compressed", name, len(as[name].body), len(as[name].gz))

		// Without the current version the browser must ask again.
		rec = httptest.NewRecorder()
		as.ServeHTTP(rec, httptest.NewRequest("GET", "/static/"+name, nil))
		require.Equal(t, "no-cache", rec.Header().Get("Cache-Control"))
		require.Empty(t, rec.Header().Get("Content-Encoding"))
	}
}

// ?next= only ever leads to a page of this site.
func TestNextStaysOnSite(t *testing.T) {
	for p, want := range map[string]string{
		"/items/abc?open=x": "/items/abc?open=x", "//evil.example/": "", "/\\evil.example": "", "https://evil.example/": "",
		"items/abc": "", "": "",
	} {
		require.Equal(t, want, localPath(p), p)
	}
	require.True(t, strings.HasPrefix(landing(auth.Actor{Roles: []role.Role{role.Leader}}), "/dashboard"))
}

// A form refused with Unavailable may have acted already: shown again, it sends the key it
// sent, so that sending it again cannot act twice. Refused otherwise, it gets a fresh key.
func TestARetryAfterUnavailableSendsTheSameKey(t *testing.T) {
	handedOver := reachable.Unconfirmed(context.DeadlineExceeded)
	for _, posted := range []string{"K7-ack", "K7-close-it-1"} {
		require.Equal(t, "K7", keyAfter(handedOver, posted), posted)
		require.Equal(t, "K7", keyAfter(apperr.New(apperr.Unavailable, "", apperr.MsgUnavailable), posted), posted)
		fresh := keyAfter(apperr.New(apperr.Conflict, "action", "整改事项已签收"), posted)
		require.NotEmpty(t, fresh)
		// A fresh random key: not the posted base (it may contain "K7" by chance, 1 in 40).
		require.NotEqual(t, "K7", fresh)
	}
	require.NotEmpty(t, keyAfter(handedOver, ""), "a form without a key gets one")

	// 签收 from a to-do card sends the key the item page, shown after the refusal, sends.
	cats, views := parsed(t)
	samples := sampleViews(t, "zh", cats["zh"])
	todo, item := samples["todo"].(todoView), samples["item"].(itemView)
	todo.Cards[0].Key, item.Key = "K7", keyAfter(handedOver, "K7-ack")
	for name, v := range map[string]any{"todo": todo, "item": item} {
		var buf bytes.Buffer
		require.NoError(t, views["zh"][name].ExecuteTemplate(&buf, "layout", v))
		require.Contains(t, buf.String(), `name="key" value="K7-ack"`, name)
	}

	// The person reads the page's own words, not the API's about its header.
	msg := unconfirmed(cats["zh"], handedOver, "ignored")
	require.Equal(t, cats["zh"].T("act.unconfirmed"), msg)
	require.NotContains(t, msg, "Idempotency-Key")
	require.Equal(t, "整改事项已签收", unconfirmed(cats["zh"], apperr.New(apperr.Conflict, "", "整改事项已签收"), "整改事项已签收"))
}

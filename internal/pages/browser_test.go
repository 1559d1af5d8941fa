package pages_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// The pages walked in a real browser (Debian's chromium, headless) on a 390 px phone screen,
// as the people who use them would: every tap that goes to the server is counted, every
// outcome is read back through the API, and every page is checked for sideways scrolling,
// touch targets and text contrast.

// chromium is where Debian installs the browser; `make test` installs it when missing.
const chromium = "/usr/bin/chromium"

// phoneWidth is the screen the pages must fit without scrolling sideways.
const phoneWidth = 390

var temporalAddr string

func TestMain(m *testing.M) {
	if _, err := os.Stat(chromium); err != nil {
		fmt.Fprintf(os.Stderr, "the browser tests need %s: apt-get install -y chromium (make test does)\n", chromium)
		os.Exit(1)
	}
	apptest.Main(m, &temporalAddr)
}

// browser is one headless chromium; each person gets their own profile (cookies) in it.
type browser struct {
	t    *testing.T
	root context.Context
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.WindowSize(phoneWidth, 844))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	// The first tab starts the browser; each person then gets a profile of their own in it.
	root, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(root), "start %s", chromium)
	return &browser{t: t, root: root, base: base}
}

// workingOnPhones is the whole system on a fresh database with every day a working day, so
// that deadlines and lights read the same whatever day the test runs, and a phone browser
// on its address.
func workingOnPhones(t *testing.T) (*apptest.Env, *browser) {
	t.Helper()
	e := apptest.New(t, temporalAddr, apptest.Options{})
	e.AlwaysWorking()
	return e, newBrowser(t, e.Server.URL)
}

// person is someone at a phone: taps are their actions (a link, a button, a section
// unfolded); entries are what they put into a form before a tap (text, a file, a tick).
type person struct {
	t       *testing.T
	ctx     context.Context
	base    string
	taps    int
	entries int
}

// signedIn is a person who opened the site and signed in, on the page they land on.
func (b *browser) signedIn(login string) *person {
	b.t.Helper()
	p := b.person(login)
	p.open("/")
	p.fill("#login", login)
	p.fill("#password", apptest.Password)
	require.Equal(b.t, 200, p.tap("button[type=submit]"), "%s signs in", login)
	return p
}

func (b *browser) person(login string) *person {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	b.t.Cleanup(cancelTimeout)
	require.NoError(b.t, chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile,
		chromedp.EmulateTouch)), "start the browser for %s", login)
	// Every page records what the content security policy refused, for check to report.
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.refused = []; document.addEventListener('securitypolicyviolation', e => refused.push(e.violatedDirective + ' ' + e.blockedURI));`})
	require.NoError(b.t, err)
	return &person{t: b.t, ctx: ctx, base: b.base}
}

// open goes to a path by typing its address (or following a link from a message).
func (p *person) open(path string) int {
	p.t.Helper()
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(p.base+path))
	require.NoError(p.t, err, "open %s", path)
	return int(resp.Status)
}

// tap taps what sel finds and waits for the page that answers; it counts as an action.
func (p *person) tap(sel string) int {
	p.t.Helper()
	p.taps++
	resp, err := chromedp.RunResponse(p.ctx, chromedp.Tap(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(p.t, err, "tap %s", sel)
	return int(resp.Status)
}

// press taps what sel finds when nothing goes to the server (a section that unfolds).
func (p *person) press(sel string) {
	p.t.Helper()
	p.taps++
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.Tap(chromedp.CSS(sel), chromedp.NodeVisible)), "press %s", sel)
}

// enter puts something into a form before a tap: an entry, not an action.
func (p *person) enter(what, sel string, a chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.entries++
	require.NoError(p.t, chromedp.Do(p.ctx, a), "%s %s", what, sel)
}

// fill types text into a field.
func (p *person) fill(sel, text string) {
	p.t.Helper()
	p.enter("fill", sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// tick ticks a checkbox.
func (p *person) tick(sel string) {
	p.t.Helper()
	p.enter("tick", sel, chromedp.Tap(chromedp.CSS(sel), chromedp.NodeVisible))
}

// attach chooses a file (from the camera roll or the files) in a file field.
func (p *person) attach(sel, file string) {
	p.t.Helper()
	p.enter("attach", sel, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{file}, chromedp.NodeReady))
}

// choose picks an option of a select, or a date in a date field, as a phone's picker does.
func (p *person) choose(sel, value string) {
	p.t.Helper()
	p.enter("choose", sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeReady))
}

func (p *person) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeReady))
	require.NoError(p.t, err, "text of %s", sel)
	return strings.Join(strings.Fields(s), " ")
}

func (p *person) eval(js string) []string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](js))
	require.NoError(p.t, err)
	return v
}

func (p *person) location() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Location())
	require.NoError(p.t, err)
	return strings.TrimPrefix(s, p.base)
}

// pageChecks lists what a phone user would trip over: text under 4.5:1 contrast against its
// background, and controls smaller than 44×44 px (a checkbox counts by its label).
const pageChecks = `(() => {
  const bad = [];
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const a = lum(parse(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push('contrast ' + ratio.toFixed(2) + ' ' + el.tagName + '.' + el.className + ' “' + el.textContent.trim().slice(0, 20) + '”');
  }
  for (const el of document.querySelectorAll('a, button, input:not([type=hidden]), textarea, select, summary')) {
    if (!shown(el)) continue;
    const target = (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') || el) : el;
    const r = target.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) bad.push('target ' + Math.round(r.width) + '×' + Math.round(r.height) + ' ' + el.tagName + ' “' + (el.textContent || el.name || '').trim().slice(0, 20) + '”');
  }
  return bad;
})()`

// check is every page's check at 390 px: nothing scrolls sideways, no control is too small
// to tap, no text too faint, nothing refused by the content security policy; the page is saved as docs/screenshots/<name>.png when
// SCREENSHOTS is set (make screenshots). It returns the page's weight as sent.
func (p *person) check(name string) {
	p.t.Helper()
	width, err := chromedp.Run(p.ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	require.NoError(p.t, err)
	assert.LessOrEqual(p.t, width, phoneWidth, "%s scrolls sideways at %d px", name, phoneWidth)
	assert.Empty(p.t, p.eval(pageChecks), "%s: contrast and touch targets", name)
	assert.Empty(p.t, p.eval(`window.refused`), "%s: refused by the content security policy", name)
	weight, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](`[performance.getEntriesByType('navigation')[0].transferSize,
		performance.getEntriesByType('navigation')[0].decodedBodySize,
		performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0)]`))
	require.NoError(p.t, err)
	p.t.Logf("page %-16s %5.0f B sent (%5.0f B of HTML), %6.0f B of static files fetched", name, weight[0], weight[1], weight[2])
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	require.NotEmpty(p.t, shot)
	if dir := os.Getenv("SCREENSHOTS"); dir != "" {
		require.NoError(p.t, os.MkdirAll(dir, 0o755))
		require.NoError(p.t, os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644))
	}
}

// photo writes a small PNG, the kind of picture a phone sends as evidence.
func photo(t *testing.T, name string, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

func dueIn(days int) string {
	return time.Now().In(order.Shanghai).AddDate(0, 0, days).Format("2006-01-02")
}

func measure(content, criterion, due string) order.Measure {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"},
		Handler: order.PersonRef{Position: "组织委员"}}
	return order.Measure{Content: content, Criterion: criterion, Responsibility: resp, Deadline: order.Deadline{Kind: "限期整改", Due: due}}
}

// township is 城关镇's share of two orders: one issued today with a measure due in two
// working days (yellow) and one due in thirty (green), and one entered as issued twenty
// days ago whose measure fell due ten days ago (red). It returns the item ids by measure.
func township(t *testing.T, e *apptest.Env) map[string]string {
	t.Helper()
	issueNow(e.Login("cs"), "T1", "关于巡察反馈问题整改的通知", "三会一课记录不全",
		measure("补齐近三年支部会议记录", "记录完整率100%", dueIn(2)),
		measure("建立党员活动月度台账", "每月一张台账", dueIn(30)))
	issuedDaysAgo(t, e, 20, "T1", "关于党员发展工作的整改通知", "党员发展程序不规范",
		measure("逐一倒查近五年发展的党员", "倒查清单覆盖全部新党员", dueIn(-10)))

	ids := map[string]string{}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var list rectification.ItemList
		e.Login("t1o").JSON("GET", "/api/me/items", nil, 200, &list)
		lit := 0
		for _, it := range list.Items {
			ids[it.Measure] = it.ID
			if it.Light.Lit() {
				lit++
			}
		}
		assert.Equal(c, 3, lit, "three items at 城关镇 with their lights")
	}, 60*time.Second, 200*time.Millisecond)
	return ids
}

// issueNow drafts an order from the person signed in on c to unit, with one problem and its
// measures, and issues it through the API.
func issueNow(c *apptest.Client, unit, title, problem string, measures ...order.Measure) {
	var created struct{ ID int64 }
	c.JSON("POST", "/api/orders", order.Draft{Title: title, Source: "巡察", Targets: []string{unit},
		Problems: []order.Problem{{Description: problem, Measures: measures}}}, 201, &created)
	c.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)
}

// issuedDaysAgo enters an order of the county (cs) to unit with one problem and its
// measures as if it had been issued days ago, and issues it.
func issuedDaysAgo(t *testing.T, e *apptest.Env, days int, unit, title, problem string, measures ...order.Measure) {
	t.Helper()
	ctx := context.Background()
	past := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	st := order.NewStore(e.Sys.Pool, func() time.Time { return past })
	issuer, err := e.Org.PersonByLogin(ctx, "cs")
	require.NoError(t, err)
	id, err := st.Create(ctx, issuer.UnitID, issuer.ID, order.Draft{Title: title, Source: "督查", Targets: []string{unit},
		Problems: []order.Problem{{Description: problem, Measures: measures}}})
	require.NoError(t, err)
	at, err := st.BeginIssue(ctx, id, issuer.UnitID, issuer.ID)
	require.NoError(t, err)
	_, err = item.StartIssue(ctx, e.Sys.Temporal, e.Sys.Config.TaskQueue,
		itemmsg.IssueOrderInput{Deployment: e.Sys.Deployment, OrderID: id, IssuedBy: issuer.ID, IssuedAt: at})
	require.NoError(t, err)
}

// itemState reads an item back through the API, as the county sees it.
func itemState(t *testing.T, e *apptest.Env, id string) rectification.ItemDetail {
	t.Helper()
	var d rectification.ItemDetail
	e.Login("cs").JSON("GET", "/api/items/"+id, nil, 200, &d)
	return d
}

// A township official closes out an item from the to-do list in at most three actions; the
// county returns it with a reason; the township reads the reason and asks again; the county
// closes it out. On the way: sign-in that leads back to a linked item, red-yellow-green
// order, a refusal beside its field, an extension asked and approved, the leader's
// read-only dashboard and the English switch — every page at 390 px.
func TestCloseOutOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	ids := township(t, e)
	yellow, green, red := ids["补齐近三年支部会议记录"], ids["建立党员活动月度台账"], ids["逐一倒查近五年发展的党员"]
	require.NotEmpty(t, yellow)
	require.NotEmpty(t, green)
	require.NotEmpty(t, red)
	meeting := photo(t, "会议记录.png", color.RGBA{200, 40, 40, 255})

	// A link to an item opened while signed out leads to sign-in, then to the item.
	tw := b.person("t1o")
	require.Equal(t, 200, tw.open("/items/"+yellow))
	require.Equal(t, "/?next="+strings.ReplaceAll("/items/"+yellow, "/", "%2F"), tw.location())
	tw.check("signin")
	// The page checks can fail: a faint, tiny link is caught.
	require.Len(t, tw.eval(`(() => { const a = document.createElement('a'); a.href = '#'; a.textContent = 'x';
		a.style.cssText = 'color:#bbb;font-size:10px'; document.body.append(a); const bad = `+pageChecks+`; a.remove(); return bad; })()`), 2)
	tw.fill("#login", "t1o")
	tw.fill("#password", "wrong")
	require.Equal(t, 401, tw.tap("button[type=submit]"))
	require.Equal(t, "用户名或密码错误", tw.text("#form-err"))
	tw.fill("#password", apptest.Password)
	require.Equal(t, 200, tw.tap("button[type=submit]"))
	require.Equal(t, "/items/"+yellow, tw.location())

	// 我的待办: red, then yellow, then green, each light said in words with its sentence.
	require.Equal(t, 200, tw.tap(`nav.tabs a[href="/todo"]`))
	lights := tw.eval(`[...document.querySelectorAll('#todo .card .light')].map(e => e.textContent.trim())`)
	require.Len(t, lights, 3)
	require.Regexp(t, `^红灯 已超期\d+个工作日$`, lights[0])
	require.Equal(t, "黄灯 距完成时限还有2个工作日", lights[1])
	require.Regexp(t, `^绿灯 距完成时限还有\d+个工作日$`, lights[2])
	require.Equal(t, "已交办 3", tw.text(`a.chip[href="/todo?state=issued"]`))
	tw.check("todo")

	// 签收 right on the card.
	require.Equal(t, 200, tw.tap("#card-"+yellow+" form button"))
	require.Contains(t, tw.text(".flash"), "签收")
	require.Equal(t, string(itemmsg.Acknowledged), itemState(t, e, yellow).Item.State)

	// The counts filter the list in place (htmx, under the pages' script policy).
	tw.press(`a.chip[href="/todo?state=acknowledged"]`)
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.WaitVisible(chromedp.CSS(`a.chip[href="/todo?state=acknowledged"][aria-current]`))))
	require.Equal(t, "/todo?state=acknowledged", tw.location())
	require.Equal(t, []string{"card-" + yellow}, tw.eval(`[...document.querySelectorAll('#todo .card')].map(c => c.id)`))
	require.Equal(t, "已签收 1", tw.text(`a.chip[aria-current]`))

	// From the to-do list to a submitted close-out request of the acknowledged item.
	tw.taps, tw.entries = 0, 0
	require.Equal(t, 200, tw.tap("#card-"+yellow+" a.button"))
	require.Equal(t, "/items/"+yellow+"?open=request-close#request_close", tw.location())
	tw.fill("#rc-note", "已补齐2023至2025年支部会议记录共36份")
	tw.attach("#rc-file", meeting)
	tw.tick("input[name=pledge]")
	tw.check("item-request-close")
	require.Equal(t, 200, tw.tap("#request_close button[type=submit]"))
	t.Logf("close-out request from the to-do list: %d actions (taps), %d entries in the form (note, photo, pledge)",
		tw.taps, tw.entries)
	require.LessOrEqual(t, tw.taps, 3, "at most three actions from the to-do list to a submitted close-out request")
	d := itemState(t, e, yellow)
	require.Equal(t, string(itemmsg.CloseRequested), d.Item.State)
	require.Len(t, d.Evidence, 1)
	require.Equal(t, "会议记录.png", d.Evidence[0].Filename)

	// A refusal is shown in Chinese beside what caused it: no evidence for the green item.
	require.Equal(t, 200, tw.open("/items/"+green))
	require.Equal(t, 200, tw.tap(".act-now button"))
	tw.press("#request_close summary")
	tw.fill("#rc-note", "台账已建立")
	// Without the pledge the server refuses too, whatever the browser lets through.
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.RemoveAttribute(chromedp.CSS("input[name=pledge]"), "required")))
	require.Equal(t, 400, tw.tap("#request_close button[type=submit]"))
	require.Equal(t, "请勾选“本人承诺所报整改情况真实”后再提交", tw.text("#rc-pledge-err"))
	require.Equal(t, "台账已建立", tw.eval(`[document.querySelector('#rc-note').value]`)[0], "what was typed is kept")
	tw.tick("input[name=pledge]")
	require.Equal(t, 400, tw.tap("#request_close button[type=submit]"))
	require.Equal(t, "申请销号须附佐证材料", tw.text("#rc-file-err"))
	require.Equal(t, string(itemmsg.Acknowledged), itemState(t, e, green).Item.State)
	tw.check("item-refused")

	// 延期申请 for the green item, before its deadline.
	tw.press("#request_extension summary")
	extendTo := dueIn(45)
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.SetValue(chromedp.CSS("#ext-to"), extendTo)))
	tw.fill("#ext-note", "需等待县里统一印制台账本")
	require.Equal(t, 200, tw.tap("#request_extension button[type=submit]"))
	require.Equal(t, extendTo, itemState(t, e, green).Item.ExtensionAsk)

	// The county signs in at its queue: the request with its photo inline.
	cs := b.signedIn("cs")
	require.Equal(t, "/review", cs.location())
	card := "#review-" + yellow
	require.Contains(t, cs.text(card), "已补齐2023至2025年支部会议记录共36份")
	_, err := chromedp.Run(cs.ctx, chromedp.Poll[bool](`[...document.querySelectorAll('`+card+` img.thumb')].every(i => i.complete)`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	shown := cs.eval(`[...document.querySelectorAll('` + card + ` img.thumb')].map(i => i.naturalWidth + 'x' + i.naturalHeight)`)
	require.Equal(t, []string{"64x48"}, shown, "the evidence photo is shown inline")
	require.Contains(t, cs.text("#extension-"+green), extendTo)
	cs.check("review")

	// 退回 needs a reason: the server says so beside the field even if the browser lets it through.
	require.NoError(t, chromedp.Do(cs.ctx, chromedp.RemoveAttribute(chromedp.CSS("#ret-"+yellow), "required")))
	require.Equal(t, 400, cs.tap(card+` form[action$="/return"] button`))
	require.Equal(t, "退回须说明理由", cs.text("#ret-"+yellow+"-err"))
	require.Equal(t, string(itemmsg.CloseRequested), itemState(t, e, yellow).Item.State)
	cs.fill("#ret-"+yellow, "照片不清晰，请补充会议记录首页照片")
	require.Equal(t, 200, cs.tap(card+` form[action$="/return"] button`))
	require.Equal(t, string(itemmsg.InProgress), itemState(t, e, yellow).Item.State)

	// The extension is approved from the same queue.
	require.Equal(t, 200, cs.tap("#extension-"+green+` form[action$="/approve-extension"] button`))
	require.Equal(t, extendTo, itemState(t, e, green).Item.ExtendedTo)

	// The township reads the reason and asks again, adding a photo to the one kept.
	require.Equal(t, 200, tw.open("/todo"))
	require.Equal(t, 200, tw.tap("#card-"+yellow+" a.button"))
	require.Equal(t, "照片不清晰，请补充会议记录首页照片", tw.text(".returned .reason"))
	tw.check("item-returned")
	tw.fill("#rc-note", "已补充会议记录首页照片")
	tw.attach("#rc-file", photo(t, "首页.png", color.RGBA{40, 40, 200, 255}))
	tw.tick("input[name=pledge]")
	require.Equal(t, 200, tw.tap("#request_close button[type=submit]"))
	d = itemState(t, e, yellow)
	require.Equal(t, string(itemmsg.CloseRequested), d.Item.State)
	require.Len(t, d.Evidence, 2)
	last := d.Timeline[len(d.Timeline)-1]
	require.Equal(t, string(itemmsg.RequestClose), last.Action)
	require.Len(t, last.EvidenceIDs, 2, "the kept photo and the new one")

	// The county closes it out.
	require.Equal(t, 200, cs.open("/review"))
	require.Equal(t, 200, cs.tap(card+` form[action$="/close"] button`))
	require.Equal(t, string(itemmsg.Closed), itemState(t, e, yellow).Item.State)
	require.Contains(t, cs.text("main"), "没有待审核的销号申请")

	// The leader lands on the dashboard (browser_dashboard_test.go walks it) and reads 城关镇's items.
	cl := b.signedIn("cl")
	require.Equal(t, "/dashboard", cl.location())
	require.Equal(t, []string{"1", "0", "1"}, cl.eval(`[...document.querySelectorAll('#lights-table tfoot td')].slice(0, 3).map(td => td.textContent)`),
		"one red, no yellow (closed), one green")
	require.Empty(t, cl.eval(`[...document.querySelectorAll('main form')].map(f => f.action)`), "a leader only reads")
	require.Equal(t, 200, cl.tap(`#lights-table a[href="/dashboard/T1"]`))
	require.Equal(t, 200, cl.tap("main .card a"))
	require.Empty(t, cl.eval(`[...document.querySelectorAll('main form')].map(f => f.action)`), "no actions on the item either")

	// The English switch, remembered across pages, and back.
	require.Equal(t, 200, tw.open("/todo?lang=en"))
	require.Equal(t, "My to-do", tw.text("main h1"))
	require.Equal(t, []string{"en"}, tw.eval(`[document.documentElement.lang]`))
	require.Equal(t, 200, tw.open("/items/"+red))
	require.Equal(t, "Rectification item", tw.text("main h1"))
	require.Regexp(t, `^Red light `, tw.text("main .light"))
	tw.check("item-en")
	require.Equal(t, 200, tw.tap("header a.lang"))
	require.Equal(t, "整改事项", tw.text("main h1"))
	require.Equal(t, []string{"zh-CN"}, tw.eval(`[document.documentElement.lang]`))

	// The pages share the API's address, and its cross-origin protection, without changing it.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest("POST", e.Server.URL+"/signin", strings.NewReader("login=t1o&password="+url.QueryEscape(apptest.Password)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, string(body), "跨站请求已被拒绝")
	require.Empty(t, resp.Cookies(), "no session from another site")
	st, answer := e.Anonymous().Do("GET", "/api/nothing", nil, nil)
	require.Equal(t, 404, st)
	require.Contains(t, string(answer), `"code":"not_found"`)
	st, _ = e.Anonymous().Do("GET", "/healthz", nil, nil)
	require.Equal(t, 204, st)
	resp, err = hc.Get(e.Server.URL + "/nothing")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
}

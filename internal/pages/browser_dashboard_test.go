package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
)

// county is the fixture county at work: 城关镇's share (township), 河西乡 with a yellow and a
// green item and one entered as issued 25 days ago whose measure fell due 15 working days ago
// (so it is red and under 挂牌督办), 东关村 with an item from 城关镇, 城关镇's yellow item closed
// out, and this year's weak-branch campaign with 东关村 determined and 柳树村 declined. Every
// step goes through the API or the stores the API uses; it returns when the lights show.
func county(t *testing.T, e *apptest.Env) {
	t.Helper()
	ids := township(t, e)
	cs, t1o, t2o := e.Login("cs"), e.Login("t1o"), e.Login("t2o")
	issueNow(cs, "T2", "关于组织生活会问题整改的通知", "组织生活会质量不高",
		measure("重新召开专题组织生活会", "会议记录和批评意见清单齐全", dueIn(2)),
		measure("建立党员谈心谈话台账", "每季度谈心谈话全覆盖", dueIn(30)))
	issuedDaysAgo(t, e, 25, "T2", "关于阵地建设问题整改的通知", "党群服务中心功能室挪作他用",
		measure("清理挪用的功能室", "功能室全部恢复使用", dueIn(-15)))
	// 东关村 has its secretary only.
	village := measure("按月更新村务公开栏", "每月更新并拍照留存", dueIn(20))
	village.Responsibility.Direct, village.Responsibility.Handler = village.Responsibility.Primary, village.Responsibility.Primary
	issueNow(t1o, "V11", "关于村务公开问题整改的通知", "村务公开栏内容陈旧", village)

	// 城关镇 closes out its yellow item.
	yellow := "/api/items/" + ids["补齐近三年支部会议记录"]
	t1o.JSON("POST", yellow+"/acknowledge", nil, 200, nil)
	st, body := t1o.Upload(yellow+"/evidence", "会议记录.pdf", []byte("会议记录扫描件"))
	require.Equal(t, 201, st, string(body))
	var ev struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &ev))
	t1o.JSON("POST", yellow+"/request-close", map[string]any{"note": "已补齐", "evidence_ids": []int64{ev.ID}}, 200, nil)
	cs.JSON("POST", yellow+"/close", nil, 200, nil)

	var c weak.Campaign
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": time.Now().In(order.Shanghai).Year()}, 201, &c)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	why := []map[string]any{{"reason_id": reasons.Reasons[0].ID, "note": "班子长期不和"}}
	var p1, p2 weak.Proposal
	t1o.JSON("POST", fmt.Sprintf("/api/weak/campaigns/%d/proposals", c.ID), map[string]any{"branch": "V11", "reasons": why}, 201, &p1)
	t2o.JSON("POST", fmt.Sprintf("/api/weak/campaigns/%d/proposals", c.ID), map[string]any{"branch": "V21", "reasons": why}, 201, &p2)
	cs.JSON("POST", fmt.Sprintf("/api/weak/proposals/%d/determine", p1.ID),
		map[string]any{"county_leader": "cl", "township_leader": "t1s", "first_secretary": "t1l", "paired_unit": "C"}, 201, nil)
	st, _ = cs.Do("POST", fmt.Sprintf("/api/weak/proposals/%d/decline", p2.ID), map[string]any{"note": "经核查不属于软弱涣散"}, nil)
	require.Equal(t, 204, st)

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var list rectification.ItemList
		cs.JSON("GET", "/api/items", nil, 200, &list)
		lit, listed := 0, 0
		for _, it := range list.Items {
			if it.Light.Lit() {
				lit++
			}
			if it.Listed && it.UnitCode == "T2" {
				listed++
			}
		}
		assert.Equal(c, 6, lit, "six open items with their lights")
		assert.Equal(c, 1, listed, "河西乡's late item under 挂牌督办")
	}, 60*time.Second, 200*time.Millisecond)
}

// The county's leader signs in on a phone and lands on the dashboard: its figures are the
// service's, its two charts are drawn (their canvases hold the lights' colours) with nothing
// refused by the pages' script policy, and each chart's numbers are in a table. A tap on 城关镇's bar opens
// 城关镇's dashboard, a tap on 东关村 in the table 东关村's; 城关镇's own leader cannot reach
// 河西乡 or the county by address.
func TestLeaderDashboardOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	county(t, e)
	ctx := context.Background()

	cl := b.signedIn("cl")
	require.Equal(t, "/dashboard", cl.location())
	ms := cl.charts()
	t.Logf("after navigation began: bars first drawn at %d ms, finished %d ms; line first drawn %d ms, finished %d ms", ms[0], ms[1], ms[2], ms[3])
	cl.check("dashboard")

	a := actor(t, e, "cl")
	d, err := e.Sys.Rectification().Dashboard(ctx, a, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, [3]int{7, 1, 2}, [3]int{d.All.Total, d.All.Closed, d.All.Overdue}, "seven items, one closed out, two overdue")
	require.Equal(t, 10+15, d.DaysOverdue)
	require.Equal(t, strconv.Itoa(bulletin.Percent(d.CloseRate))+"%", cl.text("#fig-rate strong"))
	require.Equal(t, "14%", cl.text("#fig-rate strong"))
	require.Equal(t, "已销号1项，共7项", cl.text("#fig-rate span"))
	require.Equal(t, "2项", cl.text("#fig-overdue strong"))
	require.Equal(t, "合计超期25个工作日", cl.text("#fig-overdue span"))
	require.Equal(t, fmt.Sprintf("%d项", d.All.Listed), cl.text("#fig-listed strong"))
	require.GreaterOrEqual(t, d.All.Listed, 1)

	// The lights table says what the bar chart shows, with every colour in words.
	require.Equal(t, []string{"单位 红灯 黄灯 绿灯 销号率 超期"}, cl.eval(`[...document.querySelectorAll('#lights-table thead tr')].map(r => r.innerText.replace(/\s+/g, ' '))`))
	rows := cl.eval(`[...document.querySelectorAll('#lights-table tbody tr, #lights-table tfoot tr')].map(r => [...r.cells].map(c => c.textContent).join(' '))`)
	require.Equal(t, []string{"城关镇 1 0 2 25% 1", "河西乡 1 1 1 0% 1", "合计 2 1 3 14% 2"}, rows)
	for i, u := range d.Below {
		require.Equal(t, fmt.Sprintf("%s %d %d %d %d%% %d", u.Name, u.Red, u.Yellow, u.Green, bulletin.Percent(bulletin.Rate(u.Closed, u.Total)), u.Overdue), rows[i])
	}
	ranking := cl.eval(`[...document.querySelectorAll('.ranking li')].map(l => l.textContent)`)
	require.Equal(t, []string{d.Ranking[0].Sentence, d.Ranking[1].Sentence}, ranking)
	require.Equal(t, "城关镇：销号率25%（1/4项），超期1项，列第1位，销号率最高。", ranking[0])
	weeks := cl.eval(`[...document.querySelectorAll('#weeks-table tbody tr')].map(r => r.cells[1].textContent)`)
	require.Len(t, weeks, rectification.DashboardWeeks)
	require.Equal(t, "1", weeks[len(weeks)-1], "this week's close-out")
	require.Equal(t, "近12周共销号1项。", cl.text("#weeks-sum"))

	// The weak-branch figures are the campaign's, counted over the county.
	wf, err := (&weakbranch.Service{Weak: e.Sys.Weak, Rectification: e.Sys.Rectification()}).FiguresAt(ctx, a, "")
	require.NoError(t, err)
	require.Len(t, wf.Campaigns, 1)
	f := wf.Campaigns[0].Figures
	require.Equal(t, [3]int{2, 1, 1}, [3]int{f.Proposed, f.Determined, f.Declined})
	require.Equal(t, []string{"排查提出 2", "待认定 0", "认定 1", "不予认定 1", fmt.Sprintf("整顿中 %d", f.InRectification),
		"已验收 0", "已销号 0", "出现反弹 0", "收到月报（份） 0"}, cl.eval(`[...document.querySelectorAll('.facts.weak dt')].map(dt => dt.textContent + ' ' + dt.nextElementSibling.textContent)`))

	// A tap on 城关镇's bar in the chart opens 城关镇's dashboard.
	at := cl.barAt("城关镇")
	cl.taps++
	resp, err := chromedp.RunResponse(cl.ctx, chromedp.TapXY(at[0], at[1]))
	require.NoError(t, err)
	require.EqualValues(t, 200, resp.Status)
	require.Equal(t, "/dashboard/T1", cl.location())
	cl.charts()
	require.Equal(t, []string{"示范县", "城关镇"}, cl.eval(`[...document.querySelectorAll('nav.trail a')].map(a => a.textContent)`))
	require.Equal(t, []string{"本级 1 0 1 33% 1", "东关村 0 0 1 0% 0", "合计 1 0 2 25% 1"},
		cl.eval(`[...document.querySelectorAll('#lights-table tbody tr, #lights-table tfoot tr')].map(r => [...r.cells].map(c => c.textContent).join(' '))`))
	require.Equal(t, []string{"东关村：销号率0%（0/1项），超期0项，列第1位。"}, cl.eval(`[...document.querySelectorAll('.ranking li')].map(l => l.textContent)`))
	lights := cl.eval(`[...document.querySelectorAll('#items-h ~ .card .light')].map(e => e.textContent.trim())`)
	require.Len(t, lights, 2, "城关镇's own open items")
	require.Regexp(t, `^红灯 已超期10个工作日`, lights[0])
	require.Regexp(t, `^绿灯 `, lights[1])
	require.Contains(t, cl.eval(`[...document.querySelectorAll('.facts.weak dt')].map(dt => dt.textContent + ' ' + dt.nextElementSibling.textContent)`),
		"排查提出 1", "城关镇 counts its own branch only")
	cl.check("dashboard-township")

	// A tap on 东关村 in the table opens 东关村's, which has no units below.
	require.Equal(t, 200, cl.tap(`#lights-table a[href="/dashboard/V11"]`))
	require.Equal(t, []string{"示范县", "城关镇", "东关村"}, cl.eval(`[...document.querySelectorAll('nav.trail a')].map(a => a.textContent)`))
	require.Equal(t, []string{"本级 0 0 1 0% 0", "合计 0 0 1 0% 0"},
		cl.eval(`[...document.querySelectorAll('#lights-table tbody tr, #lights-table tfoot tr')].map(r => [...r.cells].map(c => c.textContent).join(' '))`))
	require.Equal(t, "下级单位暂无整改事项，不排名。", cl.text("#ranking-h + p"))

	// In English, on the way back up.
	require.Equal(t, 200, cl.open("/dashboard/C?lang=en"))
	cl.charts()
	require.Equal(t, "Leader's dashboard", cl.text("main h1"))
	require.Equal(t, []string{"Red light", "Yellow light", "Green light"},
		cl.eval(`JSON.parse(document.getElementById('dashboard-data').textContent).lights.series.map(s => s.name)`))
	cl.check("dashboard-en")

	// 城关镇's leader starts at 城关镇, and may not look across or up by address.
	t1l := b.signedIn("t1l")
	require.Equal(t, "/dashboard", t1l.location())
	require.Equal(t, "城关镇及所属单位", t1l.text("p.scope"))
	for _, path := range []string{"/dashboard/T2", "/dashboard/V21", "/dashboard/C", "/dashboard/NOWHERE"} {
		require.Equal(t, 404, t1l.open(path), path)
		require.Contains(t, t1l.text("main"), "单位不存在或无权查看", path)
	}
	_, err = e.Sys.Rectification().Dashboard(ctx, actor(t, e, "t1l"), rectification.DashboardInput{UnitCode: "T2"})
	require.ErrorContains(t, err, "单位不存在或无权查看")

	// The old address of the leader's page leads here; the charts' files are only on this page.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := hc.Get(e.Server.URL + "/overview")
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, http.StatusMovedPermanently, r.StatusCode)
	require.Equal(t, "/dashboard", r.Header.Get("Location"))
	require.Equal(t, 200, t1l.open("/todo"))
	require.Empty(t, t1l.eval(`[...document.scripts].map(s => s.src).filter(s => /echarts|dashboard/.test(s))`))
}

// charts waits until both charts have drawn and checks that their canvases hold what they
// draw: below the legend, a light's colour exactly when some unit has an item of that light,
// and the line in the link colour. It returns
// when the first frame of each chart was drawn and when each finished, in ms after
// navigation began.
func (p *person) charts() [4]int {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`!!(document.querySelector('#chart-lights').dataset.drawn && document.querySelector('#chart-weeks').dataset.drawn)`,
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(p.t, err, "the charts draw")
	// Pixels of a chart's canvas from css px top down: how many are painted at all, and how
	// many are (nearly) the stylesheet's red, yellow, green and link colours.
	count := func(id string, top int) []int {
		n, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]int](`(() => {
			const c = document.querySelector('#`+id+` canvas');
			const y = Math.round(`+strconv.Itoa(top)+` * c.height / c.clientHeight);
			const px = c.getContext('2d').getImageData(0, y, c.width, c.height - y).data;
			const css = getComputedStyle(document.documentElement);
			const want = ['red', 'yellow', 'green', 'link'].map(v => { const h = css.getPropertyValue('--' + v).trim();
				return [1, 3, 5].map(k => parseInt(h.slice(k, k + 2), 16)); });
			const n = [0, 0, 0, 0, 0];
			for (let i = 0; i < px.length; i += 4) {
				if (px[i + 3] === 0) continue;
				n[0]++;
				want.forEach((w, k) => { if (px[i + 3] > 240 && w.every((v, j) => Math.abs(px[i + j] - v) < 16)) n[k + 1]++; });
			}
			return n;
		})()`))
		require.NoError(p.t, err)
		return n
	}
	// The bars' grid starts 36 px down, below the legend (static/dashboard.js).
	bars, line := count("chart-lights", 36), count("chart-weeks", 0)
	p.t.Logf("painted pixels: bars %d (red %d, yellow %d, green %d), line %d (link colour %d)", bars[0], bars[1], bars[2], bars[3], line[0], line[4])
	require.Greater(p.t, bars[0], 2000, "the bar chart is drawn")
	lit := p.eval(`JSON.parse(document.getElementById('dashboard-data').textContent).lights.series.map(s => String(s.data.some(n => n > 0)))`)
	for i, name := range []string{"red", "yellow", "green"} {
		if lit[i] == "true" {
			require.Greater(p.t, bars[i+1], 200, "%s bars", name)
		} else {
			require.Zero(p.t, bars[i+1], "no %s bar", name)
		}
	}
	require.Greater(p.t, line[0], 1000, "the line chart is drawn")
	require.Greater(p.t, line[4], 200, "the line is drawn in the link colour")
	times, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]int](`['chart-lights', 'chart-weeks'].flatMap(id =>
		[+document.getElementById(id).dataset.shown, +document.getElementById(id).dataset.drawn])`))
	require.NoError(p.t, err)
	return [4]int(times)
}

// barAt is where on the screen the middle of unit's bar is, brought into view.
func (p *person) barAt(unit string) [2]float64 {
	p.t.Helper()
	at, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](`(() => {
		const el = document.getElementById('chart-lights');
		el.scrollIntoView({block: 'center'});
		const l = JSON.parse(document.getElementById('dashboard-data').textContent).lights;
		const i = l.units.indexOf(`+strconv.Quote(unit)+`);
		const total = l.series.reduce((n, s) => n + s.data[i], 0);
		const xy = echarts.getInstanceByDom(el).convertToPixel({gridIndex: 0}, [total / 2, l.units[i]]);
		const r = el.getBoundingClientRect();
		return [r.left + xy[0], r.top + xy[1]];
	})()`))
	require.NoError(p.t, err)
	require.Len(p.t, at, 2)
	return [2]float64{at[0], at[1]}
}

// actor is a fixture person as the services see them.
func actor(t *testing.T, e *apptest.Env, login string) auth.Actor {
	t.Helper()
	ctx := context.Background()
	p, err := e.Org.PersonByLogin(ctx, login)
	require.NoError(t, err)
	a, err := e.Sys.Auth.ActorByPersonID(ctx, p.ID)
	require.NoError(t, err)
	return a
}

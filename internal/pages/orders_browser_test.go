package pages_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/order"
	"rectify/internal/rectification"
)

// sheet writes a problem list as a CSV file, as a county keeps it.
func sheet(t *testing.T, name string, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	body := "问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限\n" + strings.Join(rows, "\n") + "\n"
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

// The county builds an order in the form on a phone: the units and posts come from the
// system, a post one township lacks is refused beside its field with everything typed
// kept, the fixed draft is saved, its reminder plan previewed and the order issued — and
// its items exist at both townships. A broken sheet shows its row errors; a good one
// becomes a draft.
func TestCountyIssuesAnOrderOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	cs := b.signedIn("cs")
	api := e.Login("cs")

	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/orders"]`))
	require.Contains(t, cs.text("main"), "没有整改通知")
	require.Equal(t, 200, cs.tap(`main a[href="/orders/new"]`))

	// Nothing the system has is typed: the townships (their villages folded below them)
	// and the posts held there are offered.
	require.Equal(t, []string{"T1", "V11", "T2", "V21"}, cs.eval(`[...document.querySelectorAll('input[name=targets]')].map(i => i.value)`))
	handler := "#f-problems0-measures0-responsibility-handler"
	require.Equal(t, []string{"pos:书记", "pos:组织委员", "pos:镇长"},
		cs.eval(`[...document.querySelectorAll('`+handler+` optgroup option')].map(o => o.value)`), "posts, the most widely held first")

	cs.fill("#f-title", "关于巡察反馈问题整改的通知")
	cs.choose("#f-source", "巡察")
	cs.tick("#t-T1")
	// One unit chosen: its people may be named too.
	require.Equal(t, 200, cs.tap(`button[value=units]`))
	require.Equal(t, "/orders/new#problems", cs.location())
	require.Equal(t, []string{"按岗位", "城关镇的人员"}, cs.eval(`[...document.querySelectorAll('`+handler+` optgroup')].map(g => g.label)`))
	require.Equal(t, []string{"login:t1s", "login:t1o", "login:t1l"}, cs.eval(`[...document.querySelectorAll('`+handler+` optgroup:last-child option')].map(o => o.value)`))
	require.Equal(t, "关于巡察反馈问题整改的通知", cs.eval(`[document.querySelector('#f-title').value]`)[0], "what was typed is kept")
	cs.tick("#t-T2")
	cs.fill("#f-problems0-description", "三会一课记录不全")
	cs.fill("#f-problems0-measures0-content", "补齐近三年支部会议记录")
	cs.fill("#f-problems0-measures0-criterion", "记录完整率100%")
	cs.choose("#f-problems0-measures0-responsibility-primary", "pos:书记")
	cs.choose(handler, "pos:镇长") // only 城关镇 has a 镇长
	due := dueIn(10)
	cs.choose("#f-problems0-measures0-deadline-due", due)
	// A measure added starts with the posts of the one before; removed, it is gone.
	require.Equal(t, 200, cs.tap(`button[value="add-measure:0"]`))
	require.Equal(t, "pos:书记", cs.eval(`[document.querySelector('#f-problems0-measures1-responsibility-primary').value]`)[0])
	require.Equal(t, 200, cs.tap(`button[value="drop-measure:0.1"]`))
	require.Empty(t, cs.eval(`[...document.querySelectorAll('#f-problems0-measures1')].map(f => f.id)`))
	require.Equal(t, 400, cs.tap(`button[value=save]`))
	require.Equal(t, "具体责任人：责任单位“河西乡”没有岗位为“镇长”的人员", cs.text(handler+"-err"), "beside the field")
	require.Equal(t, []string{"true"}, cs.eval(`[document.querySelector('`+handler+`').getAttribute('aria-invalid')]`))
	require.Equal(t, "有1处需要修改", cs.text(".summary h2"))
	require.Equal(t, []string{"#" + handler[1:]}, cs.eval(`[...document.querySelectorAll('.summary a')].map(a => a.getAttribute('href'))`))
	require.Equal(t, []string{"关于巡察反馈问题整改的通知", "巡察", "补齐近三年支部会议记录", "记录完整率100%", due, "pos:镇长"},
		cs.eval(`['#f-title', '#f-source', '#f-problems0-measures0-content', '#f-problems0-measures0-criterion',
			'#f-problems0-measures0-deadline-due', '`+handler+`'].map(s => document.querySelector(s).value)`), "what was typed is kept")
	require.Equal(t, []string{"T1", "T2"}, cs.eval(`[...document.querySelectorAll('input[name=targets]:checked')].map(i => i.value)`))
	var orders rectification.OrderList
	api.JSON("GET", "/api/orders", nil, 200, &orders)
	require.Empty(t, orders.Orders, "nothing stored")
	cs.check("order-new-refused")

	cs.choose(handler, "pos:组织委员")
	require.Equal(t, 200, cs.tap(`button[value=check]`))
	require.Equal(t, "检查通过，可以保存为草稿。", cs.text("main .flash"))
	require.Empty(t, cs.eval(`[...document.querySelectorAll('.summary, main .err')].map(e => e.textContent)`))
	require.Equal(t, 200, cs.tap(`button[value=save]`))
	m := regexp.MustCompile(`^/orders/(\d+)\?done=saved$`).FindStringSubmatch(cs.location())
	require.NotNil(t, m, cs.location())
	id := m[1]
	require.Contains(t, cs.text(".flash"), "已保存为草稿")
	require.Equal(t, "草稿", cs.text("main .tag"))

	// The reminder plan before issue is the one the API computes, step by step.
	var plan rectification.ReminderPlan
	api.JSON("GET", "/api/orders/"+id+"/reminder-plan", nil, 200, &plan)
	require.NotEmpty(t, plan.Steps)
	steps := cs.eval(`[...document.querySelectorAll('#plan .steps li')].map(l => l.textContent.replace(/\s+/g, ' ').trim())`)
	require.Len(t, steps, len(plan.Steps))
	for _, s := range plan.Steps {
		line := fmt.Sprintf("%s %s · %s → %s", s.SendAt.In(order.Shanghai).Format("2006-01-02 15:04"), s.RungLabel, s.Unit, strings.Join(s.Recipients, "、"))
		require.Contains(t, steps, line)
	}
	require.Contains(t, cs.text("#plan"), "到期提醒")
	require.Contains(t, cs.text("#plan"), "河西乡组织委员")
	cs.check("order-draft")

	// 下发: the items start at both townships.
	require.Equal(t, 200, cs.tap(`form[action$="/issue"] button`))
	require.Equal(t, "/orders/"+id+"?done=issuing", cs.location())
	require.Contains(t, cs.text(".flash"), "已开始下发")
	var list rectification.ItemList
	require.Eventually(t, func() bool {
		var o order.Order
		api.JSON("GET", "/api/orders/"+id, nil, 200, &o)
		api.JSON("GET", "/api/items?order="+id, nil, 200, &list)
		return o.Status == "issued" && len(list.Items) == 2
	}, 60*time.Second, 200*time.Millisecond, "the order is issued with an item at each township")
	var units []string
	for _, it := range list.Items {
		units = append(units, it.UnitCode)
		require.Equal(t, "补齐近三年支部会议记录", it.Measure)
		require.Equal(t, "issued", it.State)
		require.Equal(t, due, it.Due)
	}
	require.ElementsMatch(t, []string{"T1", "T2"}, units)
	require.Equal(t, 200, cs.open("/orders/"+id))
	require.Equal(t, "已下发", cs.text("main .tag"))
	require.Empty(t, cs.eval(`[...document.querySelectorAll('main form')].map(f => f.action)`), "issued once")
	// 下发 sent again (a second tab left open on the draft) is refused, saying why.
	again := cs.eval(`(() => { const x = new XMLHttpRequest(); x.open('POST', '/orders/` + id + `/issue', false); x.send();
		const d = new DOMParser().parseFromString(x.responseText, 'text/html');
		return [String(x.status), d.querySelector('main p.err[role=alert]').textContent]; })()`)
	require.Equal(t, []string{"409", "该整改通知已交办"}, again)
	require.Equal(t, []string{"城关镇 已交办", "河西乡 已交办"},
		cs.eval(`[...document.querySelectorAll('.units li')].map(l => l.querySelector('a').textContent + ' ' + l.querySelector('.state').textContent)`))
	cs.check("order-issued")

	// The list: counts by status, 销号率.
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/orders"]`))
	require.Equal(t, "已下发 1", cs.text(`a.chip[href="/orders?status=issued"]`))
	require.Contains(t, cs.text("#order-"+id), "销号率 0%")
	require.Contains(t, cs.text("#order-"+id), "已交办 2")
	cs.check("orders")

	// A broken sheet stores nothing and shows every place to fix, row by row.
	require.Equal(t, 200, cs.tap(`main a[href="/orders/import"]`))
	broken := sheet(t, "问题清单.csv",
		"三会一课记录不全,补齐会议记录,记录完整率100%,城关镇,书记,组织委员,2026-02-30",
		"党员发展程序不规范,逐一倒查,,西关镇,书记,组织委员,"+dueIn(20))
	cs.attach("#im-file", broken)
	cs.choose("#im-source", "巡察")
	require.Equal(t, 400, cs.tap(`form[action="/orders/import"] button[type=submit]`))
	rows := cs.eval(`[...document.querySelectorAll('table.rows tbody tr')].map(r => [...r.cells].map(c => c.textContent).join(' | '))`)
	require.Equal(t, []string{
		"第2行 | 完成时限 | “2026-02-30”不是日期，应写作2026-12-31、2026/12/31、2026.12.31或2026年12月31日，或者“N个工作日”“签收后N个工作日”",
		"第3行 | 验收标准 | 不能为空：整改措施须可检验、可考核",
		"第3行 | 牵头单位 | “西关镇”无法识别：单位“西关镇”不存在或不在本单位管辖范围内",
	}, rows)
	require.Equal(t, "巡察", cs.eval(`[document.querySelector('#im-source').value]`)[0], "the choice is kept")
	api.JSON("GET", "/api/orders", nil, 200, &orders)
	require.Len(t, orders.Orders, 1, "nothing imported")
	cs.check("import-errors")

	// A good sheet becomes a draft, opened for its reminder plan.
	cs.attach("#im-file", sheet(t, "村级整顿.csv", "组织生活不经常,每月召开支部委员会,每月一份会议记录,城关镇,书记,组织委员,"+dueIn(20)))
	require.Equal(t, 200, cs.tap(`form[action="/orders/import"] button[type=submit]`))
	require.Regexp(t, `^/orders/\d+\?done=imported$`, cs.location())
	require.Equal(t, "村级整顿", cs.text("main h1"))
	require.Contains(t, cs.text("main"), "每月召开支部委员会")
	require.NotEmpty(t, cs.eval(`[...document.querySelectorAll('#plan .steps li')].map(l => l.textContent)`))
}

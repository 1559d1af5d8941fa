package pages_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/order"
	"rectify/internal/rectification"
)

// The county's staff on a phone: the board shows 城关镇's red item under 城关镇 and links
// to it, lists it under 挂牌督办 with its undelivered reminders; 立即通报 lists a bulletin
// whose spreadsheet downloads as xlsx; a policy refused by the service shows the refusal
// beside its field with what was typed kept, and a good one is stored — every page at 390 px.
func TestCountySupervisesOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	ids := township(t, e)
	ctx := context.Background()
	svc := e.Sys.Rectification()
	cs := b.signedIn("cs")

	// 督办看板: the red item under its unit, with its light said in words.
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/board"]`))
	red := ids["逐一倒查近五年发展的党员"]
	require.Equal(t, "城关镇", cs.text("#unit-T1 h3"))
	require.Contains(t, cs.text("#unit-T1 #b-"+red), "红灯")
	require.Contains(t, cs.text("#unit-T1 #b-"+red), "逐一倒查近五年发展的党员")
	require.Contains(t, cs.text("#unit-T1 .meta"), "红灯1项")
	// Under 挂牌督办 too, and its reminders that no mail server took are listed with why.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		require.Equal(c, 200, cs.open("/board"))
		assert.Contains(c, cs.text("#listed"), "逐一倒查近五年发展的党员")
		assert.Contains(c, cs.text("#failed"), "城关镇 · 逐一倒查近五年发展的党员")
		assert.Contains(c, cs.text("#failed"), "邮件")
	}, 60*time.Second, 500*time.Millisecond, "the dispatcher's first failed send; under a loaded machine it has taken over 30 s")
	cs.check("board")
	require.Equal(t, 200, cs.tap(`#unit-T1 #b-`+red+` a`))
	require.Equal(t, "/items/"+red, cs.location())

	// 通报: published now, listed once computed, its spreadsheet an xlsx.
	require.Equal(t, 200, cs.open("/board"))
	require.Equal(t, 200, cs.tap(`main a[href="/bulletins"]`))
	require.Contains(t, cs.text("main"), "还没有通报")
	require.Equal(t, 200, cs.tap(`form[action="/bulletins/publish"] button`))
	require.Equal(t, "/bulletins?done=publishing", cs.location())
	require.Contains(t, cs.text(".flash"), "已开始生成通报")
	a := actor(t, e, "cs")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		list, err := svc.ListBulletins(ctx, a)
		require.NoError(c, err)
		require.NotEmpty(c, list.Bulletins)
	}, 30*time.Second, 200*time.Millisecond)
	list, err := svc.ListBulletins(ctx, a)
	require.NoError(t, err)
	bl := list.Bulletins[0]
	id := strconv.FormatInt(bl.ID, 10)
	require.Equal(t, 200, cs.open("/bulletins"))
	card := "#bulletin-" + id
	require.Equal(t, "示范县 · 专项通报", cs.text(card+" h2"))
	require.Equal(t, strconv.FormatFloat(bl.CloseRate*100, 'f', 1, 64)+"%", cs.text(card+" .rate"))
	require.Equal(t, strconv.Itoa(bl.Overdue), cs.text(card+" .overdue"))
	require.Equal(t, bl.PeriodEnd.In(order.Shanghai).Format("2006-01-02"), cs.text(card + " dd")[len(cs.text(card+" dd"))-10:])
	cs.check("bulletins")
	got := cs.eval(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/bulletins/` + id + `/xlsx', false);
		x.overrideMimeType('text/plain; charset=x-user-defined'); x.send();
		return [String(x.status), x.getResponseHeader('Content-Type'), x.responseText.slice(0, 2)]; })()`)
	require.Equal(t, []string{"200", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"}, got)

	// 设置: the policy in force, the holiday table's years.
	require.Equal(t, 200, cs.open("/board"))
	require.Equal(t, 200, cs.tap(`main a[href="/settings"]`))
	before, err := svc.Policy(ctx, a)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(before.YellowDays), cs.eval(`[document.querySelector('#p-yellow-days').value]`)[0])
	cal, err := svc.Calendar(ctx, a, rectification.CalendarInput{})
	require.NoError(t, err)
	require.NotEmpty(t, cal.Years)
	require.Contains(t, cs.text("#holidays .years"), strconv.Itoa(cal.Years[0]))
	// The warning, when next year's table is missing, is the calendar's own.
	want := []string{}
	if cal.Warning != "" {
		want = []string{cal.Warning}
	}
	require.Equal(t, want, cs.eval(`[...document.querySelectorAll('#holidays [role=alert]')].map(e => e.textContent)`))
	cs.check("settings")

	// Refused: beside the field, everything typed kept, nothing stored.
	refill(cs, "#p-yellow-days", "99")
	refill(cs, "#p-remind-before", "5,2")
	refill(cs, "#p-ack-within", "两天")
	require.Equal(t, 400, cs.tap(`form[action="/settings/policy"] button[type=submit]`))
	require.Equal(t, "应填写整数（工作日数）", cs.text("#p-ack-within-err"), "a number is checked by the page")
	require.Equal(t, []string{"true"}, cs.eval(`[document.querySelector('#p-ack-within').getAttribute('aria-invalid')]`))
	require.Equal(t, []string{"99", "5,2", "两天"}, cs.eval(`['#p-yellow-days', '#p-remind-before', '#p-ack-within'].map(s => document.querySelector(s).value)`))
	refill(cs, "#p-ack-within", "1")
	require.Equal(t, 400, cs.tap(`form[action="/settings/policy"] button[type=submit]`))
	require.Equal(t, "黄灯提前量应在0到60个工作日之间", cs.text("#p-yellow-days-err"), "the service's refusal, beside its field")
	require.Empty(t, cs.eval(`[...document.querySelectorAll('#p-ack-within-err')].map(e => e.textContent)`))
	cs.check("settings-refused")
	now, err := svc.Policy(ctx, a)
	require.NoError(t, err)
	require.Equal(t, before, now, "nothing stored")

	// Accepted: stored as typed.
	refill(cs, "#p-yellow-days", "5")
	require.Equal(t, 200, cs.tap(`form[action="/settings/policy"] button[type=submit]`))
	require.Equal(t, "/settings?done=saved", cs.location())
	require.Contains(t, cs.text(".flash"), "规则已保存")
	now, err = svc.Policy(ctx, a)
	require.NoError(t, err)
	stored := before
	stored.YellowDays, stored.RemindBefore, stored.AckWithin = 5, []int{5, 2}, 1
	require.Equal(t, stored, now)
	require.Equal(t, "5", cs.eval(`[document.querySelector('#p-yellow-days').value]`)[0])
}

// refill replaces what a field holds with text, as a person selecting it and typing does.
func refill(p *person, sel, text string) {
	p.t.Helper()
	p.eval(`(document.querySelector('` + sel + `').value = '', [])`)
	p.fill(sel, text)
}

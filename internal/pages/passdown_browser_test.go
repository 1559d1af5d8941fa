package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/items"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// withVillage adds 西关村 (V12) under 城关镇, so that the township has two villages.
func withVillage(t *testing.T, e *apptest.Env) {
	t.Helper()
	_, err := e.Org.Load(context.Background(), org.Tree{
		Units: []org.UnitRecord{{Code: "V12", Name: "西关村", Kind: "village", Parent: "T1"}},
		People: []org.PersonRecord{{Login: "v12", Name: "西关村书记", Unit: "V12", Roles: []role.Role{role.BranchSecretary}, Position: "书记",
			Password: apptest.Password, Email: "v12@example.cn"}},
	})
	require.NoError(t, err)
}

// oneItem issues an order of the county to 城关镇 with one measure due in 30 days and
// returns its item as the township reads it.
func oneItem(t *testing.T, e *apptest.Env, measureText string) items.Row {
	t.Helper()
	issueNow(e.Login("cs"), "T1", "关于组织生活整改的通知", "组织生活不经常", measure(measureText, "每月一份会议记录", dueIn(30)))
	var row items.Row
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var list rectification.ItemList
		e.Login("t1o").JSON("GET", "/api/me/items", nil, 200, &list)
		if assert.Len(c, list.Items, 1) {
			row = list.Items[0]
		}
	}, 60*time.Second, 200*time.Millisecond)
	return row
}

// A township official names the item's handler (分办) and passes it down to two of its
// villages (转办) on a phone: both villages are ticked in the form, a deadline later than the item's is refused beside its
// field with everything typed kept, and once sent the item lists its two sub-items, each
// with its village, light and state, and each sub-item links back to it.
func TestTownshipPassesAnItemDownOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	withVillage(t, e)
	parent := oneItem(t, e, "每月召开支部委员会")

	tw := b.signedIn("t1o")
	require.Equal(t, 200, tw.open("/items/"+parent.ID))
	require.Empty(t, tw.eval(`[...document.querySelectorAll('#split')].map(e => e.id)`), "转办 waits for 签收")
	require.Equal(t, 200, tw.tap(".act-now button"))
	require.Contains(t, tw.text(".flash"), "签收")

	// 分办: the township names its 书记 as the handler instead of the 组织委员 the order named;
	// naming him again is refused beside the field.
	tw.press("#assign summary")
	require.Equal(t, []string{"", "t1s", "t1o", "t1l"}, tw.eval(`[...document.querySelectorAll('#asg-handler option')].map(o => o.value)`))
	require.Contains(t, tw.text(".lists"), "具体责任人：城关镇组织委员")
	tw.choose("#asg-handler", "t1s")
	require.Equal(t, 200, tw.tap("#assign button[type=submit]"))
	require.Contains(t, tw.text(".flash"), "分办")
	require.Contains(t, tw.text(".lists"), "具体责任人：城关镇书记")
	tw.press("#assign summary")
	tw.choose("#asg-handler", "t1s")
	require.Equal(t, 409, tw.tap("#assign button[type=submit]"))
	require.Equal(t, "该事项已由此人具体负责", tw.text("#asg-handler-err"))
	require.Equal(t, []string{"t1s"}, tw.eval(`[document.querySelector('#asg-handler').value]`))
	tw.check("item-assign-refused")

	// One row a village, prefilled from the item.
	tw.press("#split summary")
	require.Equal(t, []string{"V11", "V12"}, tw.eval(`[...document.querySelectorAll('#split input[name=pick]')].map(i => i.value)`))
	require.Equal(t, []string{"每月召开支部委员会", "每月一份会议记录", parent.Due, "v12"},
		tw.eval(`['#sp-V12-content', '#sp-V12-criterion', '#sp-V12-due', '#sp-V12-handler'].map(s => document.querySelector(s).value)`))
	tw.tick("#sp-V11-pick")
	tw.tick("#sp-V12-pick")
	tw.enter("rewrite", "#sp-V11-content", chromedp.SetValue(chromedp.CSS("#sp-V11-content"), "东关村每月召开支部委员会"))
	// A deadline after the item's: the server refuses it beside the field, whatever the
	// browser lets through.
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.RemoveAttribute(chromedp.CSS("#sp-V11-due"), "max")))
	tw.choose("#sp-V11-due", dueIn(40))
	tw.check("item-split-form")
	require.Equal(t, 400, tw.tap("#split button[type=submit]"))
	require.Equal(t, fmt.Sprintf("完成时限%s不能晚于上级事项的完成时限%s", dueIn(40), parent.Due), tw.text("#sp-V11-due-err"))
	require.Equal(t, []string{"true"}, tw.eval(`[document.querySelector('#sp-V11-due').getAttribute('aria-invalid')]`))
	require.Equal(t, []string{"V11", "V12"}, tw.eval(`[...document.querySelectorAll('#split input[name=pick]:checked')].map(i => i.value)`),
		"the ticks are kept")
	require.Equal(t, "东关村每月召开支部委员会", tw.eval(`[document.querySelector('#sp-V11-content').value]`)[0], "what was typed is kept")
	require.Empty(t, itemState(t, e, parent.ID).Children, "nothing passed down")
	tw.check("item-split-refused")

	tw.choose("#sp-V11-due", dueIn(10))
	tw.fill("#split-note", "分解到两个村")
	require.Equal(t, 200, tw.tap("#split button[type=submit]"))
	require.Equal(t, "/items/"+parent.ID+"?done=split", tw.location())
	require.Contains(t, tw.text(".flash"), "转办")

	// The sub-items start at the villages; the item lists them.
	var d rectification.ItemDetail
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d = itemState(t, e, parent.ID)
		assert.Len(c, d.Children, 2)
	}, 60*time.Second, 200*time.Millisecond)
	require.Equal(t, 200, tw.open("/items/"+parent.ID))
	require.Equal(t, "下级事项（已完成0/2）", tw.text("#children-h"))
	require.Equal(t, []string{"child-V11", "child-V12"}, tw.eval(`[...document.querySelectorAll('#children article')].map(a => a.id)`))
	require.Equal(t, "东关村", tw.text("#child-V11 h3"))
	require.Regexp(t, `^(绿灯|黄灯|红灯|未亮灯) 已交办$`, tw.text("#child-V11 .light"))
	require.Contains(t, tw.text("#child-V11 .meta"), "东关村每月召开支部委员会 · "+dueIn(10))
	require.Equal(t, string(itemmsg.InProgress), d.Item.State)
	tw.check("item-split")

	// A sub-item leads back to its parent.
	require.Equal(t, 200, tw.tap("#child-V12 h3 a"))
	require.Equal(t, "西关村", tw.text(".lists dd:nth-of-type(4)"))
	require.Empty(t, tw.eval(`[...document.querySelectorAll('main form')].map(f => f.action)`),
		"the township neither 分办 nor 转办 a village's sub-item")
	require.Equal(t, 200, tw.tap("a.parent"))
	require.Equal(t, "/items/"+parent.ID, tw.location())
}

// The county re-checks a closed item on a phone: it draws its closed items (抽查复核) and
// records that the item passes; the item's 30-day look-back round comes (回头看), and the
// county finds a relapse: without a new deadline it is refused beside the field, with one
// the item is reopened (整改中), its evidence photo kept and the round marked 反弹.
func TestIssuerLooksBackAndSpotChecksOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	row := oneItem(t, e, "每月召开支部委员会")
	id := row.ID
	t1o, api := e.Login("t1o"), e.Login("cs")
	var res itemmsg.ActionResult
	t1o.JSON("POST", "/api/items/"+id+"/acknowledge", nil, 200, &res)
	st, body := t1o.Upload("/api/items/"+id+"/evidence", "记录.pdf", []byte("会议记录"))
	require.Equal(t, 201, st, "%s", body)
	var ev struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &ev))
	t1o.JSON("POST", "/api/items/"+id+"/request-close", map[string]any{"note": "已建立会议制度", "evidence_ids": []int64{ev.ID}}, 200, &res)
	api.JSON("POST", "/api/items/"+id+"/close", nil, 200, &res)
	require.Equal(t, itemmsg.Closed, res.State)

	// 抽查复核: a draw of all the county's closed items, then the item passes.
	cs := b.signedIn("cs")
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/samples"]`))
	require.Contains(t, cs.text("main"), "还没有抽查记录")
	// A share of nothing is refused beside the field, whatever the browser lets through.
	require.NoError(t, chromedp.Do(cs.ctx, chromedp.RemoveAttribute(chromedp.CSS("#draw-share"), "min")))
	cs.choose("#draw-share", "0")
	require.Equal(t, 400, cs.tap("#draw button[type=submit]"))
	require.Equal(t, "抽查比例应大于0且不超过100%", cs.text("#draw-share-err"))
	cs.check("samples-refused")
	cs.choose("#draw-share", "100")
	require.Equal(t, 200, cs.tap("#draw button[type=submit]"))
	m := regexp.MustCompile(`^/samples/(\d+)\?drawn=1$`).FindStringSubmatch(cs.location())
	require.NotNil(t, m, cs.location())
	require.Equal(t, "已抽取1项，请逐项复核。", cs.text(".flash"))
	require.Equal(t, "待复核 · 已销号", cs.text("#s-"+id+" .light"))
	cs.check("sample")
	cs.press("#pass-" + id + " summary")
	cs.fill("#pass-note-"+id, "现场查看会议记录属实")
	require.Equal(t, 200, cs.tap("#pass-"+id+" button[type=submit]"))
	require.Equal(t, "合格 · 已销号", cs.text("#s-"+id+" .light"))
	require.Contains(t, cs.text("#s-"+id), "现场查看会议记录属实")
	require.Empty(t, cs.eval(`[...document.querySelectorAll('#s-`+id+` form')].map(f => f.action)`), "recorded once")
	var sm items.Sample
	api.JSON("GET", "/api/samples/"+m[1], nil, 200, &sm)
	require.Equal(t, "pass", sm.Items[0].Result)
	require.Equal(t, 200, cs.open("/samples"))
	require.Equal(t, fmt.Sprint(sm.Seed), cs.text("#sample-"+m[1]+" .seed"), "the seed is shown, so that the draw can be checked")
	cs.check("samples")

	// 回头看: nothing is due until the 30-day round comes; then the item is listed.
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/look-backs"]`))
	require.Contains(t, cs.text("main"), "眼下没有需要回头看的事项")
	_, err := e.Sys.Pool.Exec(context.Background(), `UPDATE item_look_backs SET due_on = (now() AT TIME ZONE 'Asia/Shanghai')::date
		WHERE item_id = $1 AND days = 30`, id) // as if 30 days had passed since 销号
	require.NoError(t, err)
	require.Equal(t, 200, cs.open("/look-backs"))
	require.Contains(t, cs.text("#lb-"+id), "第30天")
	require.Contains(t, cs.text("#lb-"+id), "城关镇")
	cs.check("look-backs")
	require.Equal(t, 200, cs.tap("#lb-"+id+" h2 a"))
	require.Equal(t, []string{"true"}, cs.eval(`[String(document.querySelector('#look_back').open)]`), "the form is open")

	// 反弹 needs a new deadline.
	cs.tick("#lb-relapse")
	cs.fill("#lb-note", "三会一课又中断")
	require.Equal(t, 400, cs.tap("#look_back button[type=submit]"))
	require.Equal(t, "重新整改须定出新的完成时限", cs.text("#lb-due-err"))
	require.Equal(t, []string{"true", "三会一课又中断"}, cs.eval(`[String(document.querySelector('#lb-relapse').checked), document.querySelector('#lb-note').value]`))
	require.Equal(t, string(itemmsg.Closed), itemState(t, e, id).Item.State)
	cs.check("item-look-back-refused")
	cs.choose("#lb-due", dueIn(20))
	cs.attach("#lb-file", photo(t, "现场.png", color.RGBA{30, 120, 60, 255}))
	require.Equal(t, 200, cs.tap("#look_back button[type=submit]"))
	require.Equal(t, "/items/"+id+"?done=look_back_relapse", cs.location())
	require.Contains(t, cs.text(".flash"), "回头看：反弹")
	require.Equal(t, "整改中", cs.text(".status .state"))
	require.Equal(t, "重新整改1次", cs.text(".tag.reopened"))
	require.Regexp(t, `^第30天 \S+ 反弹$`, cs.text("#look-backs li:first-child"))
	cs.check("item-look-back")

	d := itemState(t, e, id)
	require.Equal(t, string(itemmsg.InProgress), d.Item.State)
	require.Equal(t, 1, d.Item.ReopenCount)
	require.Equal(t, dueIn(20), d.Item.ExtendedTo)
	require.Len(t, d.Evidence, 2, "the township's record and the county's photo")
	last := d.Timeline[len(d.Timeline)-1]
	require.Equal(t, string(itemmsg.LookBackRelapse), last.Action)
	require.Equal(t, "三会一课又中断", last.Note)
	require.Len(t, last.EvidenceIDs, 1)
}

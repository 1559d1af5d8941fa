package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/demo"
	"rectify/internal/items"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/sampling"
	"rectify/workflows/item/itemmsg"
)

// withVillages adds two villages under 城关镇 (T1), so that T1 has three: V11, V12, V13.
func withVillages(t *testing.T, e *apptest.Env) {
	t.Helper()
	p := func(login, name, unit string) org.PersonRecord {
		return org.PersonRecord{Login: login, Name: name, Unit: unit, Roles: []role.Role{role.BranchSecretary}, Position: "书记",
			Password: apptest.Password, Email: login + "@example.cn"}
	}
	_, err := e.Org.Load(context.Background(), org.Tree{
		Units:  []org.UnitRecord{{Code: "V12", Name: "西关村", Kind: "village", Parent: "T1"}, {Code: "V13", Name: "南关村", Kind: "village", Parent: "T1"}},
		People: []org.PersonRecord{p("v12", "西关村书记", "V12"), p("v13", "南关村书记", "V13")},
	})
	require.NoError(t, err)
}

// upload stores a piece of evidence for an item as c and returns its id.
func upload(t *testing.T, c *apptest.Client, itemID, name string) int64 {
	t.Helper()
	st, body := c.Upload("/api/items/"+itemID+"/evidence", name, []byte("佐证："+name))
	require.Equal(t, 201, st, "%s", body)
	var ev struct{ ID int64 }
	require.NoError(t, jsonUnmarshal(body, &ev))
	return ev.ID
}

func getItem(t *testing.T, c *apptest.Client, id string) rectification.ItemDetail {
	t.Helper()
	var d rectification.ItemDetail
	c.JSON("GET", "/api/items/"+id, nil, 200, &d)
	return d
}

// 一级抓一级 over HTTP: the county issues to 城关镇; the township names its handler (分办),
// then splits the item for its three villages (转办). Each village sees only its own
// sub-item; the county sees the split and cannot act on it. The villages close out, the
// township reviews them, only then requests its own close-out, and the county closes it.
// The county then samples its closed items (reproducibly) and a look-back finds a relapse,
// which reopens the item although its workflow had ended.
func TestPassingWorkDownToVillagesAndLookingBack(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	withVillages(t, e)
	cs, t1s, t1o := e.Login("cs"), e.Login("t1s"), e.Login("t1o")
	orderID := issue(t, e, villageDraft("T1"), 1)
	var list rectification.ItemList
	cs.JSON("GET", fmt.Sprintf("/api/items?order=%d", orderID), nil, 200, &list)
	require.Len(t, list.Items, 1)
	parent := list.Items[0].ID
	parentDue := list.Items[0].Due

	var res itemmsg.ActionResult
	t1s.JSON("POST", "/api/items/"+parent+"/acknowledge", nil, 200, &res)

	// 分办: the township's 组织委员 handles it; a person of another unit cannot.
	st, body := t1s.Do("POST", "/api/items/"+parent+"/assign", map[string]string{"handler": "t2o"}, nil)
	requireRefused(t, st, body, "handler", "河西乡组织委员（t2o）不是该单位人员")
	t1s.JSON("POST", "/api/items/"+parent+"/assign", map[string]string{"handler": "t1o"}, 200, &res)
	require.Equal(t, "城关镇组织委员", getItem(t, cs, parent).Item.HandlerName)

	// 转办: bad sub-items are refused with the field, and nothing is created.
	sub := func(unit, handler, due string) map[string]string {
		return map[string]string{"unit": unit, "handler": handler, "due": due}
	}
	late := day(time.Now(), 400)
	st, body = t1o.Do("POST", "/api/items/"+parent+"/split", map[string]any{"sub_items": []any{sub("V11", "v11", late)}}, nil)
	requireRefused(t, st, body, "sub_items[0].due", "不能晚于上级事项的完成时限"+parentDue)
	st, body = t1o.Do("POST", "/api/items/"+parent+"/split", map[string]any{"sub_items": []any{sub("V11", "v11", dueIn(10)), sub("V21", "v21", dueIn(10))}}, nil)
	requireRefused(t, st, body, "sub_items[1].unit", "柳树村不是城关镇的下级单位")
	st, body = cs.Do("POST", "/api/items/"+parent+"/split", map[string]any{"sub_items": []any{sub("V11", "v11", dueIn(10))}}, nil)
	requireAnswer(t, 403, st, body, "actor", "只有责任单位的乡镇干部或组织部门可以转办")
	var orders int
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE parent_item_id IS NOT NULL`).Scan(&orders))
	require.Zero(t, orders, "a refused split leaves no order behind")

	split := map[string]any{"note": "分解到三个村", "sub_items": []any{
		map[string]string{"unit": "V11", "handler": "v11", "due": dueIn(10), "content": "东关村补齐会议记录"},
		sub("V12", "v12", dueIn(12)), sub("V13", "v13", dueIn(14))}}
	key := http.Header{"Idempotency-Key": {"split-1"}}
	var sr rectification.SplitResult
	st, body = t1o.Do("POST", "/api/items/"+parent+"/split", split, key)
	require.Equal(t, 201, st, "%s", body)
	require.NoError(t, jsonUnmarshal(body, &sr))
	require.Len(t, sr.SubItems, 3)
	require.Equal(t, itemmsg.InProgress, sr.State)
	var again rectification.SplitResult
	st, body = t1o.Do("POST", "/api/items/"+parent+"/split", split, key)
	require.Equal(t, 201, st, "%s", body)
	require.NoError(t, jsonUnmarshal(body, &again))
	require.True(t, again.Repeated)
	require.Equal(t, sr.OrderID, again.OrderID, "the same key splits once")

	kids := map[string]string{} // village code → sub-item id
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var l rectification.ItemList
		cs.JSON("GET", "/api/items/"+parent+"/children", nil, 200, &l)
		if assert.Len(c, l.Items, 3) {
			for _, it := range l.Items {
				kids[it.UnitCode] = it.ID
				assert.Equal(c, parent, it.ParentItemID)
			}
		}
	}, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, "东关村补齐会议记录", getItem(t, cs, kids["V11"]).Item.Measure)
	require.Equal(t, "每月召开支部委员会", getItem(t, cs, kids["V12"]).Item.Measure, "prefilled from the parent")

	// A village sees its own sub-item only; the county sees the split but may not act on it.
	v11 := e.Login("v11")
	var mine rectification.ItemList
	v11.JSON("GET", "/api/items", nil, 200, &mine)
	require.Len(t, mine.Items, 1)
	require.Equal(t, kids["V11"], mine.Items[0].ID)
	st, _ = v11.Do("GET", "/api/items/"+kids["V12"], nil, nil)
	require.Equal(t, 404, st)
	st, _ = v11.Do("GET", "/api/items/"+parent, nil, nil)
	require.Equal(t, 404, st)
	st, body = cs.Do("POST", "/api/items/"+kids["V11"]+"/acknowledge", nil, nil)
	requireAnswer(t, 403, st, body, "actor", "只有责任单位人员可以签收")

	// The township cannot close out while its villages are at work.
	ev := upload(t, t1o, parent, "汇总.pdf")
	st, body = t1o.Do("POST", "/api/items/"+parent+"/request-close", map[string]any{"note": "完成", "evidence_ids": []int64{ev}}, nil)
	requireAnswer(t, 409, st, body, "state", "下级3个分解事项中还有3个未销号或撤销")

	for _, code := range []string{"V11", "V12", "V13"} {
		v := e.Login("v" + code[1:])
		id := kids[code]
		v.JSON("POST", "/api/items/"+id+"/acknowledge", nil, 200, &res)
		eid := upload(t, v, id, code+".jpg")
		v.JSON("POST", "/api/items/"+id+"/request-close", map[string]any{"note": "已整改", "evidence_ids": []int64{eid}}, 200, &res)
		st, body = cs.Do("POST", "/api/items/"+id+"/close", nil, nil)
		requireAnswer(t, 403, st, body, "actor", "只有交办单位的组织部门或乡镇干部可以销号")
		t1o.JSON("POST", "/api/items/"+id+"/close", nil, 200, &res)
		require.Equal(t, itemmsg.Closed, res.State)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		it := getItem(t, cs, parent).Item
		assert.Equal(c, 3, it.ChildrenClosed)
		assert.Equal(c, 3, it.ChildrenTotal)
	}, 30*time.Second, 100*time.Millisecond)
	t1o.JSON("POST", "/api/items/"+parent+"/request-close", map[string]any{"note": "三个村均已销号", "evidence_ids": []int64{ev}}, 200, &res)
	require.Equal(t, itemmsg.CloseRequested, res.State)
	cs.JSON("POST", "/api/items/"+parent+"/close", nil, 200, &res)
	require.Equal(t, itemmsg.Closed, res.State)
	d := getItem(t, cs, parent)
	require.Len(t, d.LookBacks, 3, "30, 60 and 90 days after 销号")
	require.Equal(t, 30, d.LookBacks[0].Days)
	require.Equal(t, day(time.Now(), 30), d.LookBacks[0].DueOn)

	parentWF := mustWorkflowOf(t, e, parent)
	recordHistories(t, e, map[string]string{parentWF: "item/unit_order_split_parent_closed.json"})

	// Sampling: the county draws its closed items; the township draws its villages'. The
	// recorded seed draws the same items again.
	var sm items.Sample
	cs.JSON("POST", "/api/samples", map[string]any{"share": 1}, 201, &sm)
	require.Equal(t, []string{parent}, sm.ItemIDs)
	var tsm items.Sample
	t1o.JSON("POST", "/api/samples", map[string]any{"share": 0.5, "order_id": sr.OrderID}, 201, &tsm)
	require.Len(t, tsm.Eligible, 3)
	require.Len(t, tsm.ItemIDs, 2)
	require.Equal(t, sampling.Draw(tsm.Eligible, 2, tsm.Seed), tsm.ItemIDs, "the recorded seed redraws the same items")
	st, body = t1o.Do("POST", "/api/samples", map[string]any{"share": 0}, nil)
	requireRefused(t, st, body, "share", "抽查比例应大于0且不超过100%")
	st, _ = t1o.Do("GET", fmt.Sprintf("/api/samples/%d", sm.ID), nil, nil)
	require.Equal(t, 404, st, "another unit's draw")
	// The county's re-inspection finds it holds: the ended workflow starts, records it, ends.
	cs.JSON("POST", fmt.Sprintf("/api/samples/%d/items/%s", sm.ID, parent), map[string]any{"outcome": "pass", "note": "现场查看属实"}, 200, &res)
	require.Equal(t, itemmsg.Closed, res.State)
	cs.JSON("GET", fmt.Sprintf("/api/samples/%d", sm.ID), nil, 200, &sm)
	require.Equal(t, "pass", sm.Items[0].Result)

	// 回头看: a relapse reopens the item with a new deadline through Update-with-Start.
	st, body = cs.Do("POST", "/api/items/"+parent+"/look-back", map[string]any{"outcome": "relapse", "note": "又不开会了"}, nil)
	requireRefused(t, st, body, "due", "重新整改须定出新的完成时限")
	st, body = t1o.Do("POST", "/api/items/"+parent+"/look-back", map[string]any{"outcome": "holds", "note": "自查"}, nil)
	requireAnswer(t, 403, st, body, "actor", "只有交办单位的组织部门或乡镇干部可以回头看：巩固")
	cs.JSON("POST", "/api/items/"+parent+"/look-back", map[string]any{"outcome": "relapse", "note": "三会一课又中断", "due": dueIn(20)}, 200, &res)
	require.Equal(t, itemmsg.InProgress, res.State)
	d = getItem(t, cs, parent)
	require.Equal(t, "in_progress", d.Item.State)
	require.Equal(t, 1, d.Item.ReopenCount)
	require.Equal(t, dueIn(20), d.Item.ExtendedTo)
	require.Equal(t, "relapse", d.LookBacks[0].Outcome)
	require.Equal(t, string(itemmsg.LookBackRelapse), d.Timeline[len(d.Timeline)-1].Action)
	// The reopened item is supervised again: the township acts on it.
	t1o.JSON("POST", "/api/items/"+parent+"/progress", map[string]any{"note": "重新建立会议制度"}, 200, &res)
	require.Equal(t, itemmsg.InProgress, res.State)

	recordHistories(t, e, map[string]string{
		parentWF:                          "item/unit_order_split_relapsed.json",
		mustWorkflowOf(t, e, kids["V11"]): "item/unit_order_child_closed.json",
	})
}

// mustWorkflowOf is the workflow id of an item.
func mustWorkflowOf(t *testing.T, e *apptest.Env, itemID string) string {
	t.Helper()
	var wf string
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT workflow_id FROM items WHERE id = $1`, itemID).Scan(&wf))
	return wf
}

// The demo county's pass-down story: 城关镇's item split for three branches, one closed; 河西乡's
// item reopened by a look-back. Loading it again does nothing.
func TestTheDemoShowsASplitItemAndAReopenedOne(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	_, err := demo.Load(ctx, e.Sys.Pool, e.Sys.Temporal, e.Sys.Config.TaskQueue, e.Sys.Deployment)
	require.NoError(t, err)
	did, err := demo.LoadPassDown(ctx, e.Sys.Rectification(), e.Sys.Auth)
	require.NoError(t, err)
	require.True(t, did)

	zw := e.Anonymous()
	zw.JSON("POST", "/api/session", map[string]string{"login": "zhangwei", "password": demo.Password}, 200, nil)
	var town, west rectification.ItemList
	zw.JSON("GET", "/api/items?unit=QH01&order="+itoa(orderByTitle(t, e, demo.PassDownTitle)), nil, 200, &town)
	zw.JSON("GET", "/api/items?unit=QH02&order="+itoa(orderByTitle(t, e, demo.PassDownTitle)), nil, 200, &west)
	require.Len(t, town.Items, 1)
	require.Len(t, west.Items, 1)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d := getItem(t, zw, town.Items[0].ID)
		assert.Len(c, d.Children, 3)
		assert.Equal(c, 1, d.Item.ChildrenClosed)
		assert.Equal(c, 3, d.Item.ChildrenTotal)
	}, 30*time.Second, 100*time.Millisecond)
	d := getItem(t, zw, west.Items[0].ID)
	require.Equal(t, "in_progress", d.Item.State)
	require.Equal(t, 1, d.Item.ReopenCount)

	// The dashboard drills down to the township, whose villages carry the sub-items.
	var dash rectification.Dashboard
	zw.JSON("GET", "/api/dashboard?unit=QH01", nil, 200, &dash)
	require.Equal(t, "QH01", dash.Unit.Code)
	require.Equal(t, []string{"QH", "QH01"}, []string{dash.Trail[0].Code, dash.Trail[1].Code})
	var east items.Tally
	for _, b := range dash.Below {
		if b.Code == "QH0101" {
			east = b
		}
	}
	require.Equal(t, 1, east.Total, "东关村's sub-item (at its branch) counts under the village")
	require.Equal(t, 1, east.Closed)

	did, err = demo.LoadPassDown(ctx, e.Sys.Rectification(), e.Sys.Auth)
	require.NoError(t, err)
	require.False(t, did, "a second load finds every step done")
}

func orderByTitle(t *testing.T, e *apptest.Env, title string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT id FROM orders WHERE title = $1`, title).Scan(&id))
	return id
}

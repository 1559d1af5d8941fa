package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/evidence"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/ledger"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/testenv"
	"rectify/internal/weak"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase/weakcasemsg"
)

// requireRefused requires a 400 whose error names the field.
func requireRefused(t *testing.T, st int, body []byte, field, fragment string) {
	t.Helper()
	requireAnswer(t, 400, st, body, field, fragment)
}

// requireAnswer checks an error answer: its status, field and message.
func requireAnswer(t *testing.T, want, st int, body []byte, field, fragment string) {
	t.Helper()
	require.Equal(t, want, st, "%s", body)
	var b apperr.Body
	require.NoError(t, json.Unmarshal(body, &b), "%s", body)
	require.Equal(t, field, b.Error.Field, "%s", body)
	require.Contains(t, b.Error.Message, fragment)
}

func t1oID(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT id FROM people WHERE login = 't1o'`).Scan(&id))
	return id
}

// An item's whole life over HTTP: acknowledged, reported on, evidence uploaded, close-out
// requested, returned once and closed; refusals change nothing; the timeline and the audit
// trail tell it, and the evidence comes back byte for byte to those who see the item.
func TestAnItemIsReturnedOnceThenClosedOutOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	o := issueThree(t, e)
	orderID, ord := o.ID, o.Order
	require.Equal(t, 6, ord.Counts["issued"])
	id := o.items(t, "T1")[0]
	cs, t1o, t2o := e.Login("cs"), e.Login("t1o"), e.Login("t2o")

	var mine struct{ Items []items.Row }
	t1o.JSON("GET", "/api/me/items?view=todo", nil, 200, &mine)
	require.Len(t, mine.Items, 3, "T1's three items wait for T1")
	require.Equal(t, "城关镇组织委员", mine.Items[0].HandlerName)

	act := func(c *apptest.Client, action string, body any, want int) itemmsg.ActionResult {
		t.Helper()
		var res itemmsg.ActionResult
		c.JSON("POST", "/api/items/"+id+"/"+action, body, want, &res)
		return res
	}
	require.Equal(t, itemmsg.Acknowledged, act(t1o, "acknowledge", nil, 200).State)
	require.Equal(t, itemmsg.InProgress, act(t1o, "progress", map[string]any{"note": "已逐村检查8个村"}, 200).State)

	content := []byte("会议记录扫描件")
	st, body := t1o.Upload("/api/items/"+id+"/evidence", "记录.pdf", content)
	require.Equal(t, 201, st, string(body))
	var ev struct {
		ID     int64  `json:"id"`
		SHA256 string `json:"sha256"`
	}
	require.NoError(t, jsonUnmarshal(body, &ev))
	sum := sha256.Sum256(content)
	require.Equal(t, hex.EncodeToString(sum[:]), ev.SHA256)

	// 河西乡 offers the very same scan for its own item (文字整改): 佐证重复.
	t2item := o.items(t, "T2")[0]
	st, body = t2o.Upload("/api/items/"+t2item+"/evidence", "河西乡记录.pdf", content)
	require.Equal(t, 201, st, string(body))
	var ev2 struct{ ID int64 }
	require.NoError(t, jsonUnmarshal(body, &ev2))

	require.Equal(t, itemmsg.CloseRequested, act(t1o, "request-close", map[string]any{"note": "已补齐", "evidence_ids": []int64{ev.ID}}, 200).State)
	// The county's review queue shows the request with its evidence and where else that
	// evidence was used; the township sees the reuse on its own item without 城关镇's name.
	var queue rectification.ReviewQueue
	cs.JSON("GET", "/api/review", nil, 200, &queue)
	require.Len(t, queue.CloseOuts, 1)
	require.Equal(t, id, queue.CloseOuts[0].Item.ID)
	require.Equal(t, "已补齐", queue.CloseOuts[0].Request.Note)
	require.Len(t, queue.CloseOuts[0].Evidence, 1)
	require.Equal(t, []evidence.Reuse{{EvidenceID: ev.ID, ItemID: t2item, Unit: "河西乡"}}, queue.CloseOuts[0].EvidenceReuse)
	require.Equal(t, "该佐证材料已用于事项 "+t2item+"（河西乡）", queue.CloseOuts[0].EvidenceReuse[0].Text())
	var other rectification.ItemDetail
	t2o.JSON("GET", "/api/items/"+t2item, nil, 200, &other)
	require.Equal(t, []evidence.Reuse{{EvidenceID: ev2.ID}}, other.EvidenceReuse, "flagged, but 城关镇's item is not named to 河西乡")
	cs.JSON("GET", "/api/items/"+t2item, nil, 200, &other)
	require.Equal(t, []evidence.Reuse{{EvidenceID: ev2.ID, ItemID: id, Unit: "城关镇"}}, other.EvidenceReuse)
	st, body = t1o.Do("GET", "/api/review", nil, nil)
	require.Equal(t, 200, st, "a township reviews what it issued: nothing yet (%s)", body)
	// Refusals change nothing: the unit cannot close its own item, T2 cannot even see it.
	act(t1o, "close", nil, 403)
	st, _ = t2o.Do("POST", "/api/items/"+id+"/close", nil, nil)
	require.Equal(t, 404, st)
	act(cs, "return", map[string]any{}, 400) // a return needs a reason
	require.Equal(t, itemmsg.InProgress, act(cs, "return", map[string]any{"note": "缺少会议签到表"}, 200).State)
	require.Equal(t, itemmsg.CloseRequested, act(t1o, "request-close", map[string]any{"note": "已补签到表", "evidence_ids": []int64{ev.ID}}, 200).State)
	res := act(cs, "close", nil, 200)
	require.Equal(t, itemmsg.Closed, res.State)
	require.EqualValues(t, 7, res.Revision)
	act(cs, "close", nil, 409) // closed is final
	act(t1o, "progress", map[string]any{"note": "再报"}, 409)

	// The read model.
	var detail struct {
		Item     items.Row
		Timeline []items.Event
	}
	cs.JSON("GET", "/api/items/"+id, nil, 200, &detail)
	require.Equal(t, "closed", detail.Item.State)
	require.Equal(t, "none", detail.Item.Holder)
	require.EqualValues(t, 7, detail.Item.Revision)
	require.NotNil(t, detail.Item.ClosedAt)
	var trail []string
	for _, ev := range detail.Timeline {
		trail = append(trail, fmt.Sprintf("%s:%s>%s:%s", ev.Actor, ev.From, ev.To, ev.Note))
	}
	require.Equal(t, []string{
		"县组织部干部:>issued:",
		"城关镇组织委员:issued>acknowledged:",
		"城关镇组织委员:acknowledged>in_progress:已逐村检查8个村",
		"城关镇组织委员:in_progress>close_requested:已补齐",
		"县组织部干部:close_requested>in_progress:缺少会议签到表",
		"城关镇组织委员:in_progress>close_requested:已补签到表",
		"县组织部干部:close_requested>closed:",
	}, trail)
	var auditRows, unitRows int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT actor_unit_id) FROM item_audit WHERE item_id = $1`, id).Scan(&auditRows, &unitRows))
	require.Equal(t, 7, auditRows)
	require.Equal(t, 2, unitRows, "actors from the county and the township")
	cs.JSON("GET", fmt.Sprintf("/api/orders/%d", orderID), nil, 200, &ord)
	require.Equal(t, map[string]int{"issued": 5, "closed": 1}, ord.Counts)

	// The order's ledger carries 佐证重复 on both items and nowhere else.
	st, x := cs.Do("GET", fmt.Sprintf("/api/ledger?order=%d", orderID), nil, nil)
	require.Equal(t, 200, st, string(x))
	f := testenv.OpenXLSX(t, x)
	col, hdr := findCol(t, f, ledger.SheetLedger, "佐证重复")
	rows, err := f.GetRows(ledger.SheetLedger)
	require.NoError(t, err)
	var dup []string
	for _, row := range rows[hdr:] {
		if len(row) >= col && row[col-1] != "" {
			dup = append(dup, row[col-1])
		}
	}
	require.ElementsMatch(t, []string{t2item + "（河西乡）", id + "（城关镇）"}, dup)

	// Evidence comes back byte for byte, to those who can see the item.
	st, got := cs.Do("GET", fmt.Sprintf("/api/evidence/%d", ev.ID), nil, nil)
	require.Equal(t, 200, st)
	require.Equal(t, content, got)
	st, _ = t2o.Do("GET", fmt.Sprintf("/api/evidence/%d", ev.ID), nil, nil)
	require.Equal(t, 404, st)

	recordHistories(t, e, map[string]string{
		itemmsg.UnitWorkflowID(e.Sys.Deployment, orderID, o.unitID(t, "T1")): "item/unit_order_closed_after_return.json",
		itemmsg.IssueWorkflowID(e.Sys.Deployment, orderID):                   "item/issue_order.json",
	})
}

// The README's walk acknowledges with Idempotency-Key ack-1. A township official who does
// that for each of the unit's three items gets all three acknowledged; a retry is answered
// from memory; the key reused for another action is a 409 that says so; and a colleague's
// ack-1 is not answered with the official's result.
func TestOneIdempotencyKeyAcrossTheItemsOfAUnit(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	o := issueThree(t, e)
	ids := o.items(t, "T1")
	t1o, t1s := e.Login("t1o"), e.Login("t1s")
	key := http.Header{"Idempotency-Key": []string{"ack-1"}}
	post := func(c *apptest.Client, id, action string, body any) (int, itemmsg.ActionResult, string) {
		t.Helper()
		st, raw := c.Do("POST", "/api/items/"+id+"/"+action, body, key)
		var res itemmsg.ActionResult
		if st == 200 {
			require.NoError(t, jsonUnmarshal(raw, &res))
		}
		return st, res, string(raw)
	}
	for _, id := range ids {
		st, res, raw := post(t1o, id, "acknowledge", nil)
		require.Equal(t, 200, st, raw)
		require.Equal(t, itemmsg.Acknowledged, res.State, id)
		require.False(t, res.Duplicate, "%s was acted on, not answered from memory", id)
		require.Empty(t, res.Fingerprint)
	}
	st, res, raw := post(t1o, ids[1], "acknowledge", nil)
	require.Equal(t, 200, st, raw)
	require.True(t, res.Duplicate, "a retry of the same request is answered from memory")
	require.EqualValues(t, 2, res.Revision)

	st, _, raw = post(t1o, ids[0], "progress", map[string]any{"note": "已逐村检查"})
	require.Equal(t, 409, st, raw)
	require.Contains(t, raw, "Idempotency-Key")
	require.Contains(t, raw, "幂等键")

	// A colleague's ack-1 on an acknowledged item is their own request: refused as late, not
	// answered with the first official's result.
	st, _, raw = post(t1s, ids[0], "acknowledge", nil)
	require.Equal(t, 409, st, raw)
	require.Contains(t, raw, "已签收")

	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = $1 AND state = 'acknowledged'`, o.ID).Scan(&n))
	require.Equal(t, 3, n, "all three of T1's items are acknowledged in the read model")
}

// Staff see the reminder plan before issuing; a unit asks for an extension before the
// deadline and the issuer grants it; a new holiday table moves a deadline counted in
// working days while the granted extension stays.
func TestPlanExtensionAndANewHolidayTableOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	e.AlwaysWorking()
	cs, t1o := e.Login("cs"), e.Login("t1o")
	ctx := context.Background()
	now := time.Now().In(calendar.Shanghai)
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "工作日时限", Source: "自查", Targets: []string{"T1"}, Problems: []order.Problem{{Description: "问题",
		Measures: []order.Measure{
			{Content: "按日期", Criterion: "标准", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 20)}},
			{Content: "按工作日", Criterion: "标准", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", WorkingDays: 10, From: "交办"}},
		}}}}
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", d, 201, &created)

	var plan struct {
		Steps []rectification.PlanStep
	}
	cs.JSON("GET", fmt.Sprintf("/api/orders/%d/reminder-plan", created.ID), nil, 200, &plan)
	var rungs []itemmsg.Rung
	for _, s := range plan.Steps {
		if s.MeasureID == plan.Steps[0].MeasureID {
			rungs = append(rungs, s.Rung)
		}
	}
	require.Contains(t, rungs, itemmsg.RungUrge)
	require.Contains(t, rungs, itemmsg.RungListed)
	for _, s := range plan.Steps {
		require.NotEmpty(t, s.Recipients)
		require.NotContains(t, s.Recipients, "", "recipients are named")
		if s.Rung == itemmsg.RungUnitHead {
			require.Equal(t, []string{"城关镇书记"}, s.Recipients)
		}
	}

	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)
	var list struct{ Items []items.Row }
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, b := cs.Do("GET", fmt.Sprintf("/api/items?order=%d", created.ID), nil, nil)
		require.Equal(c, 200, st)
		require.NoError(c, json.Unmarshal(b, &list))
		require.Len(c, list.Items, 2)
		for _, it := range list.Items {
			assert.NotNil(c, it.DueAt)
			assert.NotEmpty(c, it.LightReason)
		}
	}, 30*time.Second, 50*time.Millisecond)
	var byDate, byWorkdays items.Row
	for _, it := range list.Items {
		if it.Measure == "按日期" {
			byDate = it
		} else {
			byWorkdays = it
		}
	}
	// Every day is a working day here: 10 working days from today is 10 days on.
	require.Equal(t, day(now, 10), byWorkdays.DueAt.In(calendar.Shanghai).Format("2006-01-02"))

	// 延期: the unit asks, with a reason and a later date; the county agrees.
	act := func(c *apptest.Client, id, action string, body any, want int) {
		t.Helper()
		c.JSON("POST", "/api/items/"+id+"/"+action, body, want, nil)
	}
	act(t1o, byDate.ID, "acknowledge", nil, 200)
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 15), "note": "材料未到"}, 400) // earlier than the deadline
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 30)}, 400)                 // no reason
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 30), "note": "材料未到"}, 200)
	act(t1o, byDate.ID, "approve-extension", nil, 403) // only the issuer decides
	act(cs, byDate.ID, "approve-extension", nil, 200)
	act(cs, byDate.ID, "approve-extension", nil, 409) // nothing pending any more
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var due time.Time
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byDate.ID).Scan(&due))
		assert.Equal(c, day(now, 30), due.In(calendar.Shanghai).Format("2006-01-02"))
	}, 10*time.Second, 50*time.Millisecond)

	// A new table for this year makes the next five days off: the working-day deadline
	// moves five days later; the extended one stays.
	off := map[string]bool{}
	for i := 1; i <= 5; i++ {
		off[day(now, i)] = true
	}
	var recalendar string
	for _, year := range []int{now.Year(), now.Year() + 1} { // the five days may cross a year end
		y := calendar.EveryDayWorking(year)
		var kept []calendar.Day
		for _, dd := range y.Days {
			if !off[dd.Date] {
				kept = append(kept, dd)
			}
		}
		y.Days = kept
		for ds := range off {
			t0, _ := calendar.ParseDate(ds)
			if wd := t0.Weekday(); t0.Year() == year && wd != time.Saturday && wd != time.Sunday {
				y.Days = append(y.Days, calendar.Day{Name: "临时调整", Date: ds, IsOffDay: true})
			}
		}
		body, _ := json.Marshal(y)
		st, b := cs.Do("POST", "/api/calendar/years", json.RawMessage(body), nil)
		require.Equal(t, http.StatusCreated, st, string(b))
		var up struct {
			Workflow string `json:"recompute_workflow"`
		}
		require.NoError(t, json.Unmarshal(b, &up))
		recalendar = up.Workflow
	}

	// Only the top unit's administrators change the table: not a township's org staff, not a
	// township official. Every upload is kept as a version with who and when.
	_, err := e.Org.Load(ctx, org.Tree{People: []org.PersonRecord{{Login: "t1z", Name: "城关镇组织干事", Unit: "T1",
		Roles: []role.Role{role.OrgStaff}, Password: apptest.Password}}})
	require.NoError(t, err)
	for _, who := range []*apptest.Client{e.Login("t1z"), t1o} {
		st, b := who.Do("POST", "/api/calendar/years", json.RawMessage(`{"year":2031,"days":[]}`), nil)
		require.Equal(t, http.StatusForbidden, st, string(b))
	}
	var calView struct {
		Uploaded []holidays.Version `json:"uploaded"`
	}
	cs.JSON("GET", "/api/calendar", nil, 200, &calView)
	byYear := map[int]holidays.Version{}
	for _, v := range calView.Uploaded {
		byYear[v.Year] = v
	}
	require.Len(t, byYear, 3, "last year, this year and next, and nothing of 2031")
	for _, y := range []int{now.Year(), now.Year() + 1} {
		require.Equal(t, 2, byYear[y].Version, "the system's table, then cs's")
		require.Equal(t, "县组织部干部", byYear[y].UploadedByName)
		require.WithinDuration(t, time.Now(), byYear[y].UploadedAt, time.Minute)
	}
	require.Equal(t, 1, byYear[now.Year()-1].Version)
	require.Zero(t, byYear[now.Year()-1].UploadedBy, "uploaded by the system")
	history, err := e.Sys.Holidays.History(ctx, now.Year())
	require.NoError(t, err)
	require.Len(t, history, 2, "the replaced version is kept")
	require.Equal(t, []int{2, 1}, []int{history[0].Version, history[1].Version})
	var audited int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'calendar.upload'`).Scan(&audited))
	require.Equal(t, 5, audited, "three system uploads and two by cs")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var wdDue, dateDue time.Time
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byWorkdays.ID).Scan(&wdDue))
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byDate.ID).Scan(&dateDue))
		assert.Equal(c, day(now, 15), wdDue.In(calendar.Shanghai).Format("2006-01-02"))
		assert.Equal(c, day(now, 30), dateDue.In(calendar.Shanghai).Format("2006-01-02"))
	}, 20*time.Second, 100*time.Millisecond)

	// A malformed table is refused with the field named, and nothing changes.
	st, b := cs.Do("POST", "/api/calendar/years", json.RawMessage(`{"year":2027,"days":[{"name":"元旦","date":"2027-13-01","isOffDay":true}]}`), nil)
	require.Equal(t, 400, st, string(b))
	require.True(t, bytes.Contains(b, []byte(`"field":"days[0].date"`)), string(b))

	err = e.Sys.Temporal.GetWorkflow(ctx, recalendar, "").Get(ctx, nil)
	require.NoError(t, err)
	t1, err := e.Org.UnitByCode(ctx, "T1")
	require.NoError(t, err)
	recordHistories(t, e, map[string]string{
		itemmsg.UnitWorkflowID(e.Sys.Deployment, created.ID, t1.ID): "item/unit_order_extended_recalendared.json",
		recalendar: "recalendar/recalendar.json",
	})
}

// Numbers that reach the calendar's loops and texts that become workflow payloads are
// bounded at the API: 9e18 working days once kept a core spinning until restart.
func TestNumbersAndTextsBoundedOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs := e.Login("cs")

	start := time.Now()
	st, b := cs.Do("GET", "/api/calendar?date=2026-02-13&add=9000000000000000000", nil, nil)
	requireRefused(t, st, b, "add", "工作日数应在-3660到3660之间")
	require.Less(t, time.Since(start), 5*time.Second)
	st, b = cs.Do("GET", "/api/calendar?date=2026-02-13&add=2305843009213693952", nil, nil) // 2^61
	requireRefused(t, st, b, "add", "3660")
	st, b = cs.Do("GET", "/api/calendar?date=1999-12-31&add=1", nil, nil)
	requireRefused(t, st, b, "date", "超出2000年至2100年的范围")
	var ok struct {
		Plus string `json:"plus_workdays"`
	}
	cs.JSON("GET", "/api/calendar?date=2026-02-13&add=1", nil, 200, &ok)
	require.Equal(t, "2026-02-14", ok.Plus)

	p := itemmsg.DefaultPolicy()
	p.AckWithin = 1 << 61
	st, b = cs.Do("PUT", "/api/policy", p, nil)
	requireRefused(t, st, b, "policy.ack_within", "签收时限不能超过250个工作日")

	// Texts are counted in characters: 2000 汉字 are fine for the bound, 2001 are not.
	st, b = cs.Do("POST", "/api/items/m1-u1/progress", map[string]any{"note": strings.Repeat("进", 2001)}, nil)
	requireRefused(t, st, b, "note", "说明不能超过2000字")
	st, b = cs.Do("POST", "/api/items/m1-u1/request-close", map[string]any{"note": "完成", "evidence_ids": make([]int64, 51)}, nil)
	requireRefused(t, st, b, "evidence_ids", "佐证材料不能超过50项")
	far := time.Now().In(calendar.Shanghai).AddDate(5, 0, 2).Format("2006-01-02")
	st, b = cs.Do("POST", "/api/items/m1-u1/request-extension", map[string]any{"note": "等", "extend_to": far}, nil)
	requireRefused(t, st, b, "extend_to", "太远，不能晚于5年后")

	// A body over 1 MiB is refused without reading it all.
	huge := `{"title":"` + strings.Repeat("x", 2<<20) + `"}`
	st, b = cs.Raw("POST", "/api/orders/validate", "application/json", bytes.NewReader([]byte(huge)))
	requireRefused(t, st, b, "body", "请求体不能超过1024KB")

	// A weak campaign whose policy is refused is not created half-way.
	wp := weakcasemsg.DefaultPolicy()
	wp.ReportEscalateAfter = 9000000000000000000
	st, b = cs.Do("POST", "/api/weak/campaigns", map[string]any{"year": 2026, "policy": wp}, nil)
	requireRefused(t, st, b, "policy.report_escalate_after", "逾期督办不能超过250个工作日")
	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(t.Context(), `SELECT count(*) FROM weak_campaigns`).Scan(&n))
	require.Zero(t, n)
}

// Every state change that is not an item's or a case's own event leaves a row in the
// general audit trail, written with the change, naming who; a refused change leaves none;
// and the app itself cannot remove a row.
func TestEveryStateChangeIsAudited(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	cs, t1o := e.Login("cs"), e.Login("t1o")

	var policy itemmsg.Policy
	cs.JSON("GET", "/api/policy", nil, 200, &policy)
	cs.JSON("PUT", "/api/policy", policy, 200, nil)
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", villageDraft("V11"), 201, &created)
	st, _ := cs.Do("POST", "/api/orders", villageDraft("ZZZ"), nil)
	require.Equal(t, 400, st, "refused: no row")
	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)
	var tok struct{ ID int64 }
	cs.JSON("POST", "/api/tokens", map[string]string{"name": "脚本"}, 201, &tok)
	st, _ = cs.Do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), nil, nil)
	require.Equal(t, 204, st)
	year, err := json.Marshal(calendar.EveryDayWorking(2031))
	require.NoError(t, err)
	cs.JSON("POST", "/api/calendar/years", json.RawMessage(year), 201, nil)
	var c weak.Campaign
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": 2031}, 201, &c)
	cs.JSON("PUT", "/api/weak/reasons", map[string]any{"reasons": []map[string]any{{"category": "发展治理", "name": "产业发展滞后", "active": true}}}, 200, nil)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	var p weak.Proposal
	t1o.JSON("POST", fmt.Sprintf("/api/weak/campaigns/%d/proposals", c.ID), map[string]any{"branch": "V11",
		"reasons": []map[string]any{{"reason_id": reasons.Reasons[0].ID}}}, 201, &p)
	cs.JSON("POST", fmt.Sprintf("/api/weak/proposals/%d/determine", p.ID), map[string]any{"county_leader": "cl",
		"township_leader": "t1s", "first_secretary": "t1l", "paired_unit": "C"}, 201, nil)
	st, raw := t1o.Do("PUT", "/api/me/password", map[string]string{"old_password": apptest.Password, "new_password": "新密码-2026"}, nil)
	require.Equal(t, 204, st, string(raw))

	type row struct{ Action, Subject, Actor, Unit string }
	rows, err := e.Sys.Pool.Query(ctx, `SELECT a.action, a.subject, coalesce(p.login, ''), coalesce(u.code, '')
		FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id LEFT JOIN units u ON u.id = a.actor_unit_id ORDER BY a.id`)
	require.NoError(t, err)
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.Action, &r.Subject, &r.Actor, &r.Unit))
		if r.Action == "calendar.upload" && r.Actor == "" {
			continue // the fixture's own tables, loaded by the system
		}
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	order := fmt.Sprintf("order:%d", created.ID)
	campaign := fmt.Sprintf("campaign:%d", c.ID)
	want := []row{
		{"policy.set", "unit:1", "cs", "C"},
		{"order.create", order, "cs", "C"},
		{"order.issue", order, "cs", "C"},
		{"token.create", fmt.Sprintf("token:%d", tok.ID), "cs", "C"},
		{"token.revoke", fmt.Sprintf("token:%d", tok.ID), "cs", "C"},
		{"calendar.upload", "year:2031", "cs", "C"},
		{"weak.campaign", campaign, "cs", "C"},
		{"weak.campaign_policy", campaign, "cs", "C"},
		{"weak.reasons", "unit:1", "cs", "C"},
		{"weak.propose", fmt.Sprintf("proposal:%d", p.ID), "t1o", "T1"},
		{"weak.determine", fmt.Sprintf("proposal:%d", p.ID), "cs", "C"},
		{"password.change", fmt.Sprintf("person:%d", t1oID(t, e)), "t1o", "T1"},
	}
	require.Equal(t, want, got)
	var hashes int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail ? 'token_hash'`).Scan(&hashes))
	require.Zero(t, hashes, "a token's hash never reaches the trail")

	_, err = e.Sys.Pool.Exec(ctx, `DELETE FROM audit_log`)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "42501", pe.Code, "the app's own connection may not delete: %v", err)
}

package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/testenv"
	"rectify/workflows/item"
)

// threeMeasures is an order of 2 problems / 3 measures to townships T1 and T2.
func threeMeasures(due string) order.Draft {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"},
		Handler: order.PersonRef{Position: "组织委员"}}
	return order.Draft{Title: "关于巡察反馈问题整改的通知", Source: "巡察", DocNumber: "示组通〔2026〕3号", Targets: []string{"T1", "T2"},
		Problems: []order.Problem{
			{Description: "三会一课记录不全", Measures: []order.Measure{
				{Content: "补齐会议记录", Criterion: "记录完整率100%", Responsibility: resp, Deadline: order.Deadline{Kind: "限期整改", Due: due}},
				{Content: "建立月度台账", Criterion: "每月一张台账", Responsibility: resp, Deadline: order.Deadline{Kind: "immediate", Due: due}},
			}},
			{Description: "党员发展程序不规范", Measures: []order.Measure{
				{Content: "逐一倒查", Criterion: "倒查清单覆盖全部新党员", Responsibility: resp, Deadline: order.Deadline{Kind: "ongoing", Checkpoints: []string{due}}},
			}},
		}}
}

func dueIn(days int) string {
	return time.Now().In(order.Shanghai).AddDate(0, 0, days).Format("2006-01-02")
}

// issue creates and issues an order as cs and waits until all its items are readable.
func issue(t *testing.T, e *apptest.Env, d order.Draft, wantItems int) int64 {
	t.Helper()
	cs := e.Login("cs")
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", d, 201, &created)
	var issued struct {
		Status string `json:"status"`
	}
	start := time.Now()
	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, &issued)
	require.Equal(t, "issuing", issued.Status)
	require.Less(t, time.Since(start), 2*time.Second, "issuing answers at once")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var n int
		require.NoError(c, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM items WHERE order_id = $1`, created.ID).Scan(&n))
		assert.Equal(c, wantItems, n)
		var status string
		require.NoError(c, e.Sys.Pool.QueryRow(context.Background(), `SELECT status FROM orders WHERE id = $1`, created.ID).Scan(&status))
		assert.Equal(c, "issued", status)
	}, 30*time.Second, 50*time.Millisecond)
	return created.ID
}

// issuedOrder is an order issued in a scenario, as its issuer read it once all its items
// existed.
type issuedOrder struct {
	e     *apptest.Env
	ID    int64
	Order order.Order
}

// issueThree issues threeMeasures, due in 20 days, as cs: six items, three at T1 and three at T2.
func issueThree(t *testing.T, e *apptest.Env) issuedOrder {
	t.Helper()
	o := issuedOrder{e: e, ID: issue(t, e, threeMeasures(dueIn(20)), 6)}
	e.Login("cs").JSON("GET", fmt.Sprintf("/api/orders/%d", o.ID), nil, 200, &o.Order)
	return o
}

// unitID is the id of the unit with this code.
func (o issuedOrder) unitID(t *testing.T, code string) int64 {
	t.Helper()
	u, err := o.e.Org.UnitByCode(context.Background(), code)
	require.NoError(t, err)
	return u.ID
}

// items are the order's items at the unit with this code, in the order of the measures.
func (o issuedOrder) items(t *testing.T, code string) []string {
	t.Helper()
	unit := o.unitID(t, code)
	var ids []string
	for _, p := range o.Order.Problems {
		for _, m := range p.Measures {
			ids = append(ids, item.ItemID(m.ID, unit))
		}
	}
	return ids
}

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

	act := func(c *apptest.Client, action string, body any, want int) item.ActionResult {
		t.Helper()
		var res item.ActionResult
		c.JSON("POST", "/api/items/"+id+"/"+action, body, want, &res)
		return res
	}
	require.Equal(t, item.Acknowledged, act(t1o, "acknowledge", nil, 200).State)
	require.Equal(t, item.InProgress, act(t1o, "progress", map[string]any{"note": "已逐村检查8个村"}, 200).State)

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

	require.Equal(t, item.CloseRequested, act(t1o, "request-close", map[string]any{"note": "已补齐", "evidence_ids": []int64{ev.ID}}, 200).State)
	// Refusals change nothing: the unit cannot close its own item, T2 cannot even see it.
	act(t1o, "close", nil, 403)
	st, _ = t2o.Do("POST", "/api/items/"+id+"/close", nil, nil)
	require.Equal(t, 404, st)
	act(cs, "return", map[string]any{}, 400) // a return needs a reason
	require.Equal(t, item.InProgress, act(cs, "return", map[string]any{"note": "缺少会议签到表"}, 200).State)
	require.Equal(t, item.CloseRequested, act(t1o, "request-close", map[string]any{"note": "已补签到表", "evidence_ids": []int64{ev.ID}}, 200).State)
	res := act(cs, "close", nil, 200)
	require.Equal(t, item.Closed, res.State)
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

	// Evidence comes back byte for byte, to those who can see the item.
	st, got := cs.Do("GET", fmt.Sprintf("/api/evidence/%d", ev.ID), nil, nil)
	require.Equal(t, 200, st)
	require.Equal(t, content, got)
	st, _ = t2o.Do("GET", fmt.Sprintf("/api/evidence/%d", ev.ID), nil, nil)
	require.Equal(t, 404, st)

	recordHistories(t, e, map[string]string{
		item.UnitWorkflowID(e.Sys.Deployment, orderID, o.unitID(t, "T1")): "unit_order_closed_after_return.json",
		item.IssueWorkflowID(e.Sys.Deployment, orderID):                   "issue_order.json",
	})
}

// recordHistories replays this run's histories with the current code and, with
// RECORD_HISTORIES=1, saves them as the replay fixtures in workflows/item/testdata.
func recordHistories(t *testing.T, e *apptest.Env, files map[string]string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if os.Getenv("RECORD_HISTORIES") == "1" {
		root, err := testenv.RepoRoot()
		require.NoError(t, err)
		dir = filepath.Join(root, "workflows", "item", "testdata")
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	r := worker.NewWorkflowReplayer()
	app.RegisterWorkflows(r)
	for wfID, name := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, apptest.WriteHistory(ctx, e.Sys.Temporal, wfID, p))
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, p), "replay %s", wfID)
	}
}

package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rectify/internal/notify"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"rectify/internal/apptest"
	"rectify/internal/bulletin"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/dispatch/dispatchmsg"
	"rectify/workflows/item/itemmsg"
)

// An order entered 20 days after issue, to T1 and T2, with one measure long overdue and one
// due soon: each handler gets one reminder message listing all of their items; the
// escalations go out one by one to the 第一责任人 and the issuing department.
func TestOverdueWorkIsRemindedOnceADayAndEscalatedByEmail(t *testing.T) {
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{Configure: cfg})
	e.AlwaysWorking() // every day a working day: the test never waits for Monday
	now := time.Now()
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "专项督查整改", Source: "督查", Targets: []string{"T1", "T2"}, Policy: roundTheClock(),
		Problems: []order.Problem{{Description: "台账不全", Measures: []order.Measure{
			{Content: "补齐台账", Criterion: "台账齐全", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, -20+5)}},
			{Content: "建立制度", Criterion: "制度上墙", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 1)}},
		}}}}
	orderID := issueBackdated(t, e, 20*24*time.Hour, "cs", d)

	// Per township: the 组织委员 gets one consolidated message (not signed for, due soon,
	// overdue); the 书记 gets 督办 and 挂牌督办; the county gets 督办 and 挂牌督办 for each.
	want := 2*1 + 2*2 + 2*2
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		n, _ := sink.Count()
		assert.Equal(c, want, n)
		var pending int
		require.NoError(c, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notices WHERE status <> 'sent'`).Scan(&pending))
		assert.Zero(c, pending)
	}, 60*time.Second, 200*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	accepted, distinct := sink.Count()
	require.Equal(t, want, accepted)
	require.Equal(t, want, distinct)

	byRecipient := map[string][]string{}
	for _, m := range sink.Messages() {
		require.Len(t, m.To, 1)
		byRecipient[m.To[0]] = append(byRecipient[m.To[0]], m.Subject)
	}
	for _, org := range []string{"t1o@example.cn", "t2o@example.cn"} {
		require.Len(t, byRecipient[org], 1, org)
		require.Equal(t, "【整改提醒】您有2项整改事项需要办理（其中1项已超期）", byRecipient[org][0], "one digest for items in different states")
	}
	for _, head := range []string{"t1s@example.cn", "t2s@example.cn"} {
		subjects := strings.Join(byRecipient[head], "|")
		require.Len(t, byRecipient[head], 2, head)
		require.Contains(t, subjects, "【督办】")
		require.Contains(t, subjects, "【挂牌督办】")
	}
	require.Len(t, byRecipient["cs@example.cn"], 4)
	var t1oBody string
	for _, m := range sink.Messages() {
		if m.To[0] == "t1o@example.cn" {
			t1oBody = m.Body
		}
	}
	require.Contains(t, t1oBody, "补齐台账")
	require.Contains(t, t1oBody, "建立制度", "one message lists all of the person's items")

	// The read model: lights, 挂牌督办, the notices and deliveries on the item.
	cs := e.Login("cs")
	var list struct{ Items []items.Row }
	cs.JSON("GET", fmt.Sprintf("/api/items?order=%d&listed=true", orderID), nil, 200, &list)
	require.Len(t, list.Items, 2, "the overdue measure at both townships is listed")
	require.Equal(t, light.Red, list.Items[0].Light)
	require.Contains(t, list.Items[0].LightReason, "已超期")
	var detail struct {
		Deliveries []struct {
			Channel string `json:"channel"`
			Status  string `json:"status"`
		}
		Notices []items.NoticeRow
		Lights  []items.LightChange
	}
	cs.JSON("GET", "/api/items/"+list.Items[0].ID, nil, 200, &detail)
	require.NotEmpty(t, detail.Lights)
	require.NotEmpty(t, detail.Deliveries)
	for _, n := range detail.Notices {
		require.Equal(t, "sent", n.Status, n.Rung)
	}

	var slot time.Time
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT min(send_at) FROM notices`).Scan(&slot))
	t1, err := e.Org.UnitByCode(context.Background(), "T1")
	require.NoError(t, err)
	recordHistories(t, e, map[string]string{
		itemmsg.UnitWorkflowID(e.Sys.Deployment, orderID, t1.ID):                     "item/unit_order_supervised_escalated.json",
		dispatchmsg.DispatchWorkflowID(e.Sys.Deployment, slot.Truncate(time.Minute)): "dispatch/dispatch.json",
	})
}

// A department asks for a bulletin now: it is computed through the bulletin workflow, kept,
// served by the API and emailed with its spreadsheet to the department's staff and leaders.
// The weekly and monthly schedules exist once however often the worker starts.
func TestAnOnDemandBulletinIsKeptServedAndEmailed(t *testing.T) {
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{Configure: cfg})
	ctx := context.Background()
	issue(t, e, threeMeasures(dueIn(20)), 6)
	cs, t1o := e.Login("cs"), e.Login("t1o")

	b := publishNow(t, cs)
	require.Equal(t, 6, b.Total)
	require.Equal(t, 6, b.IssuedInPeriod)
	require.Zero(t, b.Closed)
	require.Len(t, b.Ranking, 2)
	require.Equal(t, "城关镇：销号率0%（0/3项），超期0项，列第1位，销号率并列最高，超期事项最少。", b.Ranking[0].Sentence)

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		n, _ := sink.Count()
		assert.Equal(c, 2, n, "cs (org_staff) and cl (leader)")
	}, 20*time.Second, 100*time.Millisecond)
	for _, m := range sink.Messages() {
		require.True(t, strings.HasPrefix(m.Subject, "【通报】示范县整改工作专项通报"), m.Subject)
		require.Contains(t, []string{"cs@example.cn", "cl@example.cn"}, m.To[0])
	}
	var list struct{ Bulletins []bulletin.Summary }
	cs.JSON("GET", "/api/bulletins", nil, 200, &list)
	require.Len(t, list.Bulletins, 1)
	st, x := cs.Do("GET", "/api/bulletins/"+itoa(b.ID)+"/xlsx", nil, nil)
	require.Equal(t, 200, st)
	require.True(t, strings.HasPrefix(string(x), "PK"), "an xlsx is a zip")
	st, _ = t1o.Do("GET", "/api/bulletins/"+itoa(b.ID), nil, nil)
	require.Equal(t, 404, st, "a township does not read the county's bulletin")

	require.NoError(t, e.Sys.EnsureSchedules(ctx))
	require.NoError(t, e.Sys.EnsureSchedules(ctx), "a second start finds them")
	d, err := e.Sys.Temporal.ScheduleClient().GetHandle(ctx, e.Sys.Deployment+"-bulletin-weekly").Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, "Asia/Shanghai", d.Schedule.Spec.TimeZoneName)
	require.NotEmpty(t, d.Schedule.Spec.Calendars)
	require.NotEmpty(t, d.Info.NextActionTimes)
	next := d.Info.NextActionTimes[0].In(time.FixedZone("CST", 8*3600))
	require.Equal(t, time.Monday, next.Weekday())
	require.Equal(t, "08:30", next.Format("15:04"))

	var wfID string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := e.Sys.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'BulletinWorkflow'"})
		require.NoError(c, err)
		require.NotEmpty(c, resp.Executions)
		wfID = resp.Executions[0].Execution.WorkflowId
	}, 10*time.Second, 100*time.Millisecond)
	recordHistories(t, e, map[string]string{wfID: "bulletin/bulletin.json"})
}

// A robot whose webhook refuses a reminder with an error repeating its access token, the
// signing secret and the recipient's phone number: the item's detail, to everyone in scope,
// shows the delivery's channel, status, time and a cleaned reason, and none of those.
func TestItemDetailShowsNoProviderSecrets(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	orderID := issue(t, e, threeMeasures(dueIn(20)), 6)
	const token, secret, phone = "webhookTOKEN4242abcd", "SECdingSigning0000", "13700001111"
	robotSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"errcode": 300001, "errmsg": "token %s invalid for %s (%s), see %s"}`, r.URL.Query().Get("access_token"), phone, secret, r.URL)
	}))
	defer robotSrv.Close()
	robot, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: robotSrv.URL + "/robot/send?access_token=" + token, Secret: secret})
	require.NoError(t, err)

	var itemID string
	var personID int64
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT i.id, p.id FROM items i JOIN units u ON u.id = i.unit_id JOIN people p ON p.login = 't1o'
		WHERE i.order_id = $1 AND u.code = 'T1' ORDER BY i.id LIMIT 1`, orderID).Scan(&itemID, &personID))
	n := &notify.Notifier{Store: notify.NewStore(e.Sys.Pool), Senders: []notify.Sender{robot}}
	_, err = n.Deliver(ctx, "secrets-test", notify.Recipient{PersonID: personID, Name: "城关镇组织委员", Mobile: phone},
		notify.RungOverdueUrge, []string{itemID}, notify.Message{Subject: "催办", Body: "请尽快整改"})
	require.Error(t, err)

	var row string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT row_to_json(d)::text FROM deliveries d WHERE key LIKE 'secrets-test%'`).Scan(&row))
	for _, who := range []string{"cs", "t1o"} {
		body := e.Login(who).JSON("GET", "/api/items/"+itemID, nil, 200, nil)
		for _, text := range []string{row, string(body)} {
			for _, s := range []string{token, secret, phone, robotSrv.URL} {
				require.False(t, strings.Contains(text, s), "%q leaked into %s", s, text)
			}
		}
		var detail struct {
			Deliveries []map[string]any `json:"deliveries"`
		}
		require.NoError(t, json.Unmarshal(body, &detail))
		require.Len(t, detail.Deliveries, 1)
		d := detail.Deliveries[0]
		require.Equal(t, "dingtalk", d["channel"])
		require.Equal(t, "failed", d["status"])
		require.Equal(t, "服务商拒绝 (provider refused, HTTP 403)", d["reason"])
		require.NotEmpty(t, d["at"])
		require.Len(t, d, 4, "channel, status, time and reason only: %v", d)
	}
}

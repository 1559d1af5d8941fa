package app_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/mailsink"
	"rectify/internal/order"
	"rectify/workflows/dispatch/dispatchmsg"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// withSink starts a real SMTP server and points the system's email at it.
func withSink(t *testing.T) (*mailsink.Sink, func(*app.Config)) {
	t.Helper()
	sink, err := mailsink.Start("127.0.0.1:0", "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sink.Close() })
	host, port, _ := net.SplitHostPort(sink.Addr)
	p, _ := strconv.Atoi(port)
	return sink, func(c *app.Config) { c.Notify.SMTP.Host, c.Notify.SMTP.Port = host, p }
}

// issueBackdated creates and issues an order as if it had been issued `ago` before now,
// the way staff enter an order after the fact, so that its rungs are already due.
func issueBackdated(t *testing.T, e *apptest.Env, ago time.Duration, issuer string, d order.Draft) int64 {
	t.Helper()
	ctx := context.Background()
	past := time.Now().Add(-ago)
	st := order.NewStore(e.Sys.Pool, func() time.Time { return past })
	p, err := e.Org.PersonByLogin(ctx, issuer)
	require.NoError(t, err)
	id, err := st.Create(ctx, p.UnitID, p.ID, d)
	require.NoError(t, err)
	at, err := st.BeginIssue(ctx, id, p.UnitID, p.ID)
	require.NoError(t, err)
	_, err = item.StartIssue(ctx, e.Sys.Temporal, e.Sys.Config.TaskQueue, itemmsg.IssueOrderInput{Deployment: e.Sys.Deployment, OrderID: id, IssuedBy: p.ID, IssuedAt: at})
	require.NoError(t, err)
	return id
}

func roundTheClock() *itemmsg.Policy {
	p := itemmsg.DefaultPolicy()
	p.SendStart, p.SendEnd = "00:00", "23:59"
	return &p
}

func day(t time.Time, n int) string {
	return t.In(order.Shanghai).AddDate(0, 0, n).Format("2006-01-02")
}

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

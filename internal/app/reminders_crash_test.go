package app_test

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
)

// Killing the worker process in the middle of a burst of 1,000 due reminders (one each
// for 1,000 handlers) loses none and repeats none: after a restart every handler has
// received exactly one message, counted by Message-ID at a real SMTP server.
func TestKillingTheWorkerDuringAReminderBurstSendsEachOnce(t *testing.T) {
	bin := buildRectify(t)
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: cfg})
	e.AlwaysWorking()
	ctx := context.Background()

	const units, perUnit = 50, 20
	tree := org.Tree{}
	var targets []string
	for u := range units {
		code := fmt.Sprintf("B%02d", u)
		targets = append(targets, code)
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: code + "村", Kind: "village", Parent: "T1"})
		for k := range perUnit {
			login := fmt.Sprintf("h%s%02d", code, k)
			tree.People = append(tree.People, org.PersonRecord{Login: login, Name: login, Unit: code, Roles: []role.Role{role.BranchSecretary},
				Position: fmt.Sprintf("岗位%02d", k), Email: login + "@example.cn"})
		}
	}
	_, err := e.Org.Load(ctx, tree)
	require.NoError(t, err)
	now := time.Now()
	d := order.Draft{Title: "提醒爆发", Source: "督查", Targets: targets, Policy: roundTheClock()}
	pr := order.Problem{Description: "问题"}
	for k := range perUnit {
		ref := order.PersonRef{Position: fmt.Sprintf("岗位%02d", k)}
		pr.Measures = append(pr.Measures, order.Measure{Content: fmt.Sprintf("措施%02d", k), Criterion: "可检验",
			Responsibility: order.Responsibility{Primary: ref, Handler: ref}, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 6)}})
	}
	d.Problems = []order.Problem{pr}
	// Issued two days ago and never signed for: each handler's 未签收提醒 is due now.
	issueBackdated(t, e, 48*time.Hour, "t1o", d)

	host, port, _ := net.SplitHostPort(sink.Addr)
	env := []string{"SMTP_HOST=" + host, "SMTP_PORT=" + port, "RECTIFY_DISPATCH_SETTLE=0s"}
	w := startWorkerEnv(t, bin, e, append(env, "RECTIFY_SEND_CONCURRENCY=2"))
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, _ := sink.Count()
		if n >= 100 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the burst never began")
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	atKill, _ := sink.Count()
	require.Less(t, atKill, units*perUnit, "the kill must land mid-burst")
	t.Logf("killed the worker after %d of %d messages", atKill, units*perUnit)

	startWorkerEnv(t, bin, e, append(env, "RECTIFY_SEND_CONCURRENCY=16"))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var pending int
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE status <> 'sent'`).Scan(&pending))
		assert.Zero(c, pending)
		_, distinct := sink.Count()
		assert.Equal(c, units*perUnit, distinct)
	}, 120*time.Second, 100*time.Millisecond)
	time.Sleep(time.Second)

	accepted, distinct := sink.Count()
	t.Logf("SMTP transactions %d, distinct messages %d", accepted, distinct)
	require.Equal(t, units*perUnit, distinct, "every handler reached")
	perRecipient := map[string]map[string]bool{}
	for _, m := range sink.Messages() {
		if perRecipient[m.To[0]] == nil {
			perRecipient[m.To[0]] = map[string]bool{}
		}
		perRecipient[m.To[0]][m.MessageID] = true
	}
	require.Len(t, perRecipient, units*perUnit)
	for to, ids := range perRecipient {
		require.Len(t, ids, 1, "%s got more than one message", to)
	}
	// A send the SMTP server accepted just before the kill, not yet recorded, is sent again
	// under the same Message-ID; at most the sends then in flight.
	require.LessOrEqual(t, accepted-distinct, 2)
	var sent int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent))
	require.Equal(t, units*perUnit, sent)
}

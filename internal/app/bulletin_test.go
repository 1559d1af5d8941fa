package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"rectify/internal/apptest"
	"rectify/internal/bulletin"
)

// publishNow asks for a bulletin of the caller's department and waits until it is kept.
func publishNow(t *testing.T, c *apptest.Client) bulletin.Bulletin {
	t.Helper()
	var before struct{ Bulletins []bulletin.Summary }
	c.JSON("GET", "/api/bulletins", nil, 200, &before)
	c.JSON("POST", "/api/bulletins", nil, 202, nil)
	var b bulletin.Bulletin
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var list struct{ Bulletins []bulletin.Summary }
		c.JSON("GET", "/api/bulletins", nil, 200, &list)
		require.Greater(ct, len(list.Bulletins), len(before.Bulletins))
		c.JSON("GET", "/api/bulletins/"+itoa(list.Bulletins[0].ID), nil, 200, &b)
	}, 20*time.Second, 100*time.Millisecond)
	return b
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

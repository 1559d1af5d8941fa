package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/testenv"
	"rectify/internal/weak"
	"rectify/workflows/weakcase"
)

// A county determines two branches while Temporal cannot be reached: both cases commit and
// neither workflow starts. Determining the first again with the same four ones answers the
// committed case and starts its workflow; the second, which nobody retries, is started by
// the worker's sweep. Both cases then answer actions.
func TestAWeakCaseWhoseWorkflowFailedToStartIsStartedLater(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	cs, t1o, t2o := e.Login("cs"), e.Login("t1o"), e.Login("t2o")
	var c weak.Campaign
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": 2026}, 201, &c)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	r0 := reasons.Reasons[0].ID
	base := "/api/weak/campaigns/" + itoa(c.ID)
	var p1, p2 weak.Proposal
	t1o.JSON("POST", base+"/proposals", map[string]any{"branch": "V11", "reasons": []map[string]any{{"reason_id": r0}}}, 201, &p1)
	t2o.JSON("POST", base+"/proposals", map[string]any{"branch": "V21", "reasons": []map[string]any{{"reason_id": r0}}}, 201, &p2)

	county, err := e.Org.PersonByLogin(ctx, "cs")
	require.NoError(t, err)
	by := weak.Actor{PersonID: county.ID, UnitID: county.UnitID}
	down, err := client.NewLazyClient(client.Options{HostPort: testenv.ClosedPort(t)})
	require.NoError(t, err)
	t.Cleanup(down.Close)
	ones1 := weak.FourOnes{CountyLeader: "cl", TownshipLeader: "t1s", FirstSecretary: "t1l", PairedUnit: "C"}
	ones2 := weak.FourOnes{CountyLeader: "cl", TownshipLeader: "t2s", FirstSecretary: "t1l", PairedUnit: "C"}
	workflowID := func(id int64) string { return weakcase.WorkflowID(e.Sys.Deployment, id) }
	var cases []weak.Case
	for _, d := range []struct {
		proposal int64
		ones     weak.FourOnes
	}{{p1.ID, ones1}, {p2.ID, ones2}} {
		k, err := e.Sys.Weak.Determine(ctx, d.proposal, by, d.ones, "", workflowID)
		require.NoError(t, err)
		in, err := e.Sys.Weak.StartInput(ctx, k.ID, e.Sys.Deployment)
		require.NoError(t, err)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		require.Error(t, weakcase.Start(sctx, down, e.Sys.Config.TaskQueue, in), "Temporal is down")
		cancel()
		_, err = e.Sys.Temporal.DescribeWorkflowExecution(ctx, k.WorkflowID, "")
		var nf *serviceerror.NotFound
		require.True(t, errors.As(err, &nf), "no workflow: %v", err)
		cases = append(cases, k)
	}

	// The county retries the first: the same case, now with its workflow.
	var again weak.Case
	cs.JSON("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", ones1, 201, &again)
	require.Equal(t, cases[0].ID, again.ID)
	other := ones1
	other.FirstSecretary = "t2o"
	st, b := cs.Do("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", other, nil)
	require.Equal(t, 409, st, "other four ones are not a retry: %s", b)

	// The sweep starts the second, and only it; a second sweep finds nothing to do.
	n, err := e.Sys.StartMissingCases(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	for _, k := range cases {
		_, err := e.Sys.Temporal.DescribeWorkflowExecution(ctx, k.WorkflowID, "")
		require.NoError(t, err, "case %d has its workflow", k.ID)
	}

	month := time.Now().In(calendar.Shanghai).Format("2006-01")
	for i, reporter := range []*apptest.Client{e.Login("v11"), e.Login("v21")} {
		url := "/api/weak/cases/" + itoa(cases[i].ID)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var detail struct{ Events []weak.Event }
			cs.JSON("GET", url, nil, 200, &detail)
			assert.NotEmpty(c, detail.Events, "the workflow wrote the determination")
		}, 20*time.Second, 100*time.Millisecond)
		var r weakcase.Result
		reporter.JSON("POST", url+"/actions/report", map[string]any{"month": month, "note": "本月召开支委会"}, 200, &r)
		require.Equal(t, weakcase.Rectifying, r.Stage)
	}
	n, err = e.Sys.StartMissingCases(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

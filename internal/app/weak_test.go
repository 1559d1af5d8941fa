package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/sampling"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// A county screens its branches: each township proposes its own; the county determines one
// with the four ones and declines another; the case runs as a workflow; a township sees
// only its own branches' cases; a failed acceptance returns the case to rectification with
// the reasons; a passed one removes it from the list and it can be sampled, reproducibly.
func TestAWeakBranchCampaignOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs, t1o, t2o, t1l := e.Login("cs"), e.Login("t1o"), e.Login("t2o"), e.Login("t1l")
	var c weak.Campaign
	policy := weakcasemsg.DefaultPolicy()
	policy.PassScore = 80
	bad := policy
	bad.LookbackMonths = []int{6, 18}
	st, b := cs.Do("POST", "/api/weak/campaigns", map[string]any{"year": 2026, "policy": bad}, nil)
	require.Equal(t, 400, st)
	require.Contains(t, string(b), "policy.lookback_months[1]")
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": 2026, "policy": policy}, 201, &c)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	require.NotEmpty(t, reasons.Reasons)
	r0 := reasons.Reasons[0].ID
	base := "/api/weak/campaigns/" + itoa(c.ID)

	var p1, p2 weak.Proposal
	t1o.JSON("POST", base+"/proposals", map[string]any{"branch": "V11", "reasons": []map[string]any{{"reason_id": r0, "note": "班子长期不和"}}}, 201, &p1)
	st, _ = t1o.Do("POST", base+"/proposals", map[string]any{"branch": "V21", "reasons": []map[string]any{{"reason_id": r0}}}, nil)
	require.Equal(t, 403, st, "a township proposes only its own branches")
	t2o.JSON("POST", base+"/proposals", map[string]any{"branch": "V21", "reasons": []map[string]any{{"reason_id": r0}}}, 201, &p2)
	st, _ = t1o.Do("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", map[string]any{"county_leader": "cl"}, nil)
	require.Equal(t, 403, st, "only the county determines")
	st, b = cs.Do("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", map[string]any{"county_leader": "nobody", "township_leader": "t1s", "first_secretary": "t1l", "paired_unit": "C"}, nil)
	require.Equal(t, 400, st)
	require.Contains(t, string(b), "county_leader")
	var kase weak.Case
	cs.JSON("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", map[string]any{"county_leader": "cl", "township_leader": "t1s", "first_secretary": "t1l", "paired_unit": "C"}, 201, &kase)
	st, _ = cs.Do("POST", "/api/weak/proposals/"+itoa(p2.ID)+"/decline", map[string]any{}, nil)
	require.Equal(t, 400, st, "declining needs a reason")
	st, _ = cs.Do("POST", "/api/weak/proposals/"+itoa(p2.ID)+"/decline", map[string]any{"note": "经核查不属于软弱涣散"}, nil)
	require.Equal(t, 204, st)
	var campaigns struct{ Campaigns []weak.Campaign }
	t1o.JSON("GET", "/api/weak/campaigns", nil, 200, &campaigns)
	require.Len(t, campaigns.Campaigns, 1, "a township sees its county's campaign")
	require.Equal(t, c.ID, campaigns.Campaigns[0].ID)
	var proposals struct{ Proposals []weak.Proposal }
	cs.JSON("GET", base+"/proposals", nil, 200, &proposals)
	statuses := map[int64]string{}
	for _, p := range proposals.Proposals {
		statuses[p.ID] = p.Status
	}
	require.Equal(t, map[int64]string{p1.ID: "determined", p2.ID: "declined"}, statuses)

	caseURL := "/api/weak/cases/" + itoa(kase.ID)
	var detail struct {
		Case   weak.CaseRow
		Events []weak.Event
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, b := cs.Do("GET", caseURL, nil, nil)
		require.Equal(c, 200, st)
		require.NoError(c, jsonUnmarshal(b, &detail))
		assert.NotEmpty(c, detail.Events, "the workflow wrote the determination")
	}, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, "rectifying", detail.Case.Stage)

	// Scoping: the county and T1 see the case, T2 does not.
	for who, want := range map[*apptest.Client]int{cs: 1, t1o: 1, t2o: 0} {
		var list struct{ Cases []weak.CaseRow }
		who.JSON("GET", base+"/cases", nil, 200, &list)
		require.Len(t, list.Cases, want)
	}
	st, _ = t2o.Do("GET", caseURL, nil, nil)
	require.Equal(t, 404, st)

	act := func(c *apptest.Client, kind string, body map[string]any, want int) weakcasemsg.Result {
		t.Helper()
		var r weakcasemsg.Result
		c.JSON("POST", caseURL+"/actions/"+kind, body, want, &r)
		return r
	}
	month := time.Now().In(calendar.Shanghai).Format("2006-01")
	act(t1l, "report", map[string]any{"month": month, "note": "本月召开支委会2次"}, 200) // the first secretary reports
	act(t1l, "report", map[string]any{"month": month, "note": "again"}, 409)
	act(cs, "accept", map[string]any{"scores": []map[string]any{{"item": "总分", "score": 80}}, "polled": 10}, 409) // not pre-checked
	act(t1o, "precheck", map[string]any{"pass": true}, 200)
	r := act(cs, "accept", map[string]any{"scores": []map[string]any{{"item": "班子建设", "score": 40}, {"item": "组织生活", "score": 20}}, "polled": 10, "dissatisfied": 6}, 200)
	require.Equal(t, weakcasemsg.Rectifying, r.Stage, "a failed acceptance returns the case")
	require.Contains(t, r.Outcome, "低于80分", "the campaign's pass score")
	require.Contains(t, r.Outcome, "超过测评人数10人的一半")
	st, _ = t2o.Do("POST", caseURL+"/actions/precheck", map[string]any{"pass": true}, nil)
	require.Equal(t, 404, st)

	var sample weak.Sample
	st, _ = cs.Do("POST", base+"/samples", map[string]any{"round": 1, "share": 0.5}, nil)
	require.Equal(t, 409, st, "nothing accepted yet to sample")
	act(t1o, "precheck", map[string]any{"pass": true}, 200)
	r = act(cs, "accept", map[string]any{"scores": []map[string]any{{"item": "总分", "score": 86}}, "polled": 10, "dissatisfied": 2}, 200)
	require.Equal(t, weakcasemsg.Consolidating, r.Stage)
	// The seed is the server's: a caller's seed is refused, and the drawn one recorded.
	st, b = cs.Do("POST", base+"/samples", map[string]any{"round": 1, "share": 0.5, "seed": 42}, nil)
	require.Equal(t, 400, st, string(b))
	require.Contains(t, string(b), `"field":"seed"`)
	st, _ = t1o.Do("POST", base+"/samples", map[string]any{"round": 1, "share": 0.5}, nil)
	require.Equal(t, 403, st, "only the county's staff sample")
	cs.JSON("POST", base+"/samples", map[string]any{"round": 1, "share": 0.5}, 201, &sample)
	require.NotZero(t, sample.Seed)
	require.Equal(t, 1, sample.Round)
	require.Equal(t, []int64{kase.ID}, sample.CaseIDs)
	require.Equal(t, sampling.Draw([]int64{kase.ID}, 1, sample.Seed), sample.CaseIDs)
	st, b = cs.Do("POST", base+"/samples", map[string]any{"round": 1, "share": 1}, nil)
	require.Equal(t, 409, st, "one draw a round")
	require.Contains(t, string(b), "第1轮")

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var got struct {
			Figures weak.Figures
		}
		cs.JSON("GET", base, nil, 200, &got)
		assert.Equal(c, 1, got.Figures.Determined)
		assert.Equal(c, 1, got.Figures.Declined)
		assert.Equal(c, 1, got.Figures.Accepted)
	}, 20*time.Second, 100*time.Millisecond)
	// A township sees its county's campaign, counting only its own branches.
	for who, want := range map[*apptest.Client]weak.Figures{
		t1o: {CampaignID: c.ID, Year: 2026, Proposed: 1, Determined: 1, Accepted: 1, ReportsReceived: 1},
		t2o: {CampaignID: c.ID, Year: 2026, Proposed: 1, Declined: 1},
	} {
		var got struct{ Figures weak.Figures }
		who.JSON("GET", base, nil, 200, &got)
		require.Equal(t, want, got.Figures)
	}
	cs.JSON("GET", caseURL, nil, 200, &detail)
	var kinds []string
	for _, ev := range detail.Events {
		kinds = append(kinds, ev.Kind)
	}
	require.Equal(t, "determined,report,precheck,accept,precheck,accept", strings.Join(kinds, ","))

	// Changing the four ones obeys the rules of determination, and only the county may.
	var t2s, t1s int64
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT (SELECT id FROM people WHERE login = 't2s'), (SELECT id FROM people WHERE login = 't1s')`).Scan(&t2s, &t1s))
	st, b = cs.Do("POST", caseURL+"/actions/assign", map[string]any{"role": "township_leader", "assignee": t2s}, nil)
	require.Equal(t, 400, st, "the sibling township's secretary leads no village of T1: %s", b)
	require.Contains(t, string(b), `"field":"assignee"`)
	st, _ = cs.Do("POST", caseURL+"/actions/assign", map[string]any{"role": "county_leader", "assignee": 987654}, nil)
	require.Equal(t, 400, st, "nobody")
	st, _ = t1o.Do("POST", caseURL+"/actions/assign", map[string]any{"role": "township_leader", "assignee": t1s}, nil)
	require.Equal(t, 403, st)
	act(cs, "assign", map[string]any{"role": "township_leader", "assignee": t1s}, 200)

	st, x := cs.Do("GET", base+"/ledger", nil, nil)
	require.Equal(t, 200, st)
	require.True(t, strings.HasPrefix(string(x), "PK"))
	var g weak.GradeResult
	cs.JSON("POST", base+"/grades", nil, 200, &g)
	require.Equal(t, 2, g.Counts["中间"], "V11 accepted, V21 proposed and declined")

	// The county's bulletin carries the campaign's figures.
	bl := publishNow(t, cs)
	require.NotNil(t, bl.WeakBranches)
	require.Equal(t, weak.Figures{CampaignID: c.ID, Year: 2026, Proposed: 2, Determined: 1, Declined: 1, Accepted: 1,
		ReportsReceived: 1}, *bl.WeakBranches)

	recordHistories(t, e, map[string]string{weakcasemsg.WorkflowID(e.Sys.Deployment, kase.ID): "weakcase/weak_case.json"})

	// The one-village plan (一村一策) is issued to the branch as an order, once.
	plan := map[string]any{"problems": []map[string]any{{"description": "班子弱", "measures": []map[string]any{{
		"content": "调整班子", "criterion": "到位", "deadline": map[string]any{"kind": "by_date", "working_days": 30},
		"responsibility": map[string]any{"primary": map[string]any{"position": "书记"}, "handler": map[string]any{"position": "书记"}}}}}}}
	var planned struct {
		CaseID      int64 `json:"case_id"`
		PlanOrderID int64 `json:"plan_order_id"`
	}
	cs.JSON("POST", caseURL+"/plan", plan, 201, &planned)
	require.Equal(t, kase.ID, planned.CaseID)
	require.NotZero(t, planned.PlanOrderID)
	st, _ = cs.Do("POST", caseURL+"/plan", plan, nil)
	require.Equal(t, 409, st, "one plan a case")
}

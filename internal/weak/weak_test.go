package weak_test

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apperr"
	"rectify/internal/light"
	"rectify/internal/sampling"
	"rectify/internal/testenv"
	"rectify/internal/weak"
)

func reasonNames(rs []weak.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func TestReasonsCountyOverrideHidesDefault(t *testing.T) {
	f := newFixture(t)
	defaults, err := f.s.Reasons(f.ctx, f.unit("C"))
	require.NoError(t, err)
	require.Len(t, defaults, 8)
	require.Contains(t, reasonNames(defaults), "书记不胜任")

	require.NoError(t, f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{
		{Category: "班子建设", Name: "书记不胜任", Active: false},
		{Category: "发展治理", Name: "产业发展滞后", Active: true},
	}, f.people["zuzhi"]))
	rs, err := f.s.Reasons(f.ctx, f.unit("C"))
	require.NoError(t, err)
	names := reasonNames(rs)
	require.Len(t, rs, 8)
	require.NotContains(t, names, "书记不胜任")
	require.Contains(t, names, "产业发展滞后")
	require.Contains(t, names, "集体经济薄弱")
	for _, r := range rs {
		require.Equal(t, r.Name != "产业发展滞后", r.Default, r.Name)
	}

	// A township below the county sees the county's list; the neighbouring county does not.
	rsT1, err := f.s.Reasons(f.ctx, f.unit("T1"))
	require.NoError(t, err)
	require.ElementsMatch(t, names, reasonNames(rsT1))
	rsC2, err := f.s.Reasons(f.ctx, f.unit("C2"))
	require.NoError(t, err)
	require.Contains(t, reasonNames(rsC2), "书记不胜任")
	require.NotContains(t, reasonNames(rsC2), "产业发展滞后")

	// Replacing keeps the id of a kept row, drops the rest and shows the default again.
	custom := rs[slices.IndexFunc(rs, func(r weak.Reason) bool { return r.Name == "产业发展滞后" })].ID
	require.NoError(t, f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{{Category: "发展治理", Name: "产业发展滞后", Active: true}}, f.people["zuzhi"]))
	rs, err = f.s.Reasons(f.ctx, f.unit("C"))
	require.NoError(t, err)
	require.Len(t, rs, 9)
	require.Contains(t, reasonNames(rs), "书记不胜任")
	require.Equal(t, custom, rs[len(rs)-1].ID)
	own, err := f.s.OwnReasons(f.ctx, f.unit("C"))
	require.NoError(t, err)
	require.Equal(t, []weak.ReasonInput{{Category: "发展治理", Name: "产业发展滞后", Active: true}}, own)

	err = f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{{Category: "x", Name: "  ", Active: true}}, f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "reasons[0].name")
	err = f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{{Category: "x", Name: "甲", Active: true}, {Category: "y", Name: "甲", Active: true}}, f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "reasons[1].name")
	_, err = f.s.Reasons(f.ctx, 999999)
	requireKind(t, err, apperr.NotFound, "unit")
}

func TestCampaignUniquePerCountyAndYear(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	require.Equal(t, "2025年某某县软弱涣散基层党组织排查整顿", c.Title)
	_, err := f.s.CreateCampaign(f.ctx, f.unit("C"), 2025, "again", f.people["zuzhi"])
	requireKind(t, err, apperr.Conflict, "year")
	_, err = f.s.CreateCampaign(f.ctx, f.unit("C"), 1999, "", f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "year")
	_, err = f.s.CreateCampaign(f.ctx, f.unit("T1"), 2025, "", f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "unit")
	c2 := f.campaign("C2", 2025)
	f.campaign("C", 2026)

	// The county and its townships see its campaigns; the neighbour sees only its own.
	got, err := f.s.Campaign(f.ctx, f.scope("T1"), c.ID)
	require.NoError(t, err)
	require.Equal(t, "某某县", got.UnitName)
	list, err := f.s.Campaigns(f.ctx, f.scope("V11"))
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, 2026, list[0].Year)
	list, err = f.s.Campaigns(f.ctx, f.scope("C2"))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, c2.ID, list[0].ID)
	_, err = f.s.Campaign(f.ctx, f.scope("C2"), c.ID)
	requireKind(t, err, apperr.NotFound, "campaign_id")
}

func TestPropose(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	reason := f.reasonID("C", "组织生活不正常")

	p, err := f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V11", []weak.ProposedReason{{ReasonID: reason, Note: "全年仅开2次支委会"}})
	require.NoError(t, err)
	require.Equal(t, weak.StatusProposed, p.Status)
	require.Equal(t, "东村", p.BranchName)
	require.Equal(t, "城关镇", p.TownshipName)
	require.Equal(t, "王镇长", p.ProposedByName)
	require.Equal(t, []weak.ProposalReason{{ReasonID: reason, Category: "组织生活", Name: "组织生活不正常", Note: "全年仅开2次支委会"}}, p.Reasons)
	require.False(t, p.RepeatFlag)

	// T1 cannot propose T2's village, nor a village of the other county.
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V21", []weak.ProposedReason{{ReasonID: reason}})
	require.Contains(t, []apperr.Kind{apperr.Forbidden, apperr.NotFound}, apperr.KindOf(err), "%v", err)
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("zuzhi"), "V31", []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.Forbidden, "branch")
	// The other county's staff do not see the campaign at all.
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("c2"), "V31", []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.NotFound, "campaign_id")
	// An agency is not a branch.
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("zuzhi"), "A1", []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.Invalid, "branch")
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "NOPE", []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.NotFound, "branch")

	// Reasons: at least one, each in force for the county.
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V12", nil)
	requireKind(t, err, apperr.Invalid, "reasons")
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V12", []weak.ProposedReason{{ReasonID: reason}, {ReasonID: 987654}})
	requireKind(t, err, apperr.Invalid, "reasons[1].reason_id")
	hidden := f.reasonID("C", "书记不胜任")
	require.NoError(t, f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{{Name: "书记不胜任", Active: false}}, f.people["zuzhi"]))
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V12", []weak.ProposedReason{{ReasonID: hidden}})
	requireKind(t, err, apperr.Invalid, "reasons[0].reason_id")

	// One proposal per branch per campaign, whoever proposes it.
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("zuzhi"), "V11", []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.Conflict, "branch")

	// The county proposes anywhere in it; T1's official sees only T1's proposals.
	f.propose(c.ID, "zuzhi", "V21")
	all, err := f.s.Proposals(f.ctx, f.scope("C"), c.ID)
	require.NoError(t, err)
	require.Len(t, all, 2)
	mine, err := f.s.Proposals(f.ctx, f.scope("T1"), c.ID)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	require.Equal(t, "V11", mine[0].BranchCode)
}

func TestProposeRepeatFlagFiveYears(t *testing.T) {
	f := newFixture(t)
	// V12 was determined weak in 2021 (within five years of 2025), V11 in 2018 (too long ago),
	// V21 in the 2019 campaign but determined early 2020.
	old2021 := f.seedCampaign("C", 2021)
	f.seedCase(old2021, "V12", weak.StageClosed, 0, 12, "2021-04-01T10:00:00+08:00")
	old2018 := f.seedCampaign("C", 2018)
	f.seedCase(old2018, "V11", weak.StageClosed, 0, 12, "2018-05-01T10:00:00+08:00")
	old2019 := f.seedCampaign("C", 2019)
	f.seedCase(old2019, "V21", weak.StageClosed, 0, 12, "2020-01-10T10:00:00+08:00")

	c := f.campaign("C", 2025)
	p := f.propose(c.ID, "t1", "V12")
	require.True(t, p.RepeatFlag)
	require.Equal(t, "2021年曾被认定为软弱涣散党组织", p.RepeatNote)
	p = f.propose(c.ID, "t1", "V11")
	require.False(t, p.RepeatFlag)
	require.Empty(t, p.RepeatNote)
	p = f.propose(c.ID, "t2", "V21")
	require.True(t, p.RepeatFlag)
	require.Equal(t, "2020年曾被认定为软弱涣散党组织", p.RepeatNote)
	p = f.propose(c.ID, "t2", "V22")
	require.False(t, p.RepeatFlag)
}

func TestDetermineAndDecline(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	p := f.propose(c.ID, "t1", "V11")

	bad := []struct {
		field string
		ones  weak.FourOnes
	}{
		{"county_leader", weak.FourOnes{CountyLeader: "nobody", TownshipLeader: "t1", FirstSecretary: "shuji", PairedUnit: "A1"}},
		{"county_leader", weak.FourOnes{CountyLeader: "c2lead", TownshipLeader: "t1", FirstSecretary: "shuji", PairedUnit: "A1"}},
		{"township_leader", weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "t2", FirstSecretary: "shuji", PairedUnit: "A1"}},
		{"township_leader", weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "", FirstSecretary: "shuji", PairedUnit: "A1"}},
		{"first_secretary", weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "t1", FirstSecretary: "c2", PairedUnit: "A1"}},
		{"paired_unit", weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "t1", FirstSecretary: "shuji", PairedUnit: "A2"}},
		{"paired_unit", weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "t1", FirstSecretary: "shuji", PairedUnit: "ZZZ"}},
	}
	for _, b := range bad {
		_, err := f.s.Determine(f.ctx, p.ID, f.actor("zuzhi"), b.ones, "", wfID)
		requireKind(t, err, apperr.Invalid, b.field)
		e, _ := apperr.As(err)
		require.Len(t, e.Fields, 1, "%v", err)
	}
	// Only the county decides.
	_, err := f.s.Determine(f.ctx, p.ID, f.actor("t1"), goodOnes, "", wfID)
	requireKind(t, err, apperr.Forbidden, "")
	_, err = f.s.Determine(f.ctx, 424242, f.actor("zuzhi"), goodOnes, "", wfID)
	requireKind(t, err, apperr.NotFound, "proposal_id")
	// Nothing was written by the refused attempts.
	var cases int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM weak_cases`).Scan(&cases))
	require.Zero(t, cases)

	cs, err := f.s.Determine(f.ctx, p.ID, f.actor("zuzhi"), goodOnes, "县委组织部部务会研究认定", wfID)
	require.NoError(t, err)
	require.Equal(t, weak.StageRectifying, cs.Stage)
	require.Equal(t, wfID(cs.ID), cs.WorkflowID)
	require.Equal(t, f.people["xianzhang"], cs.CountyLeaderID)
	require.Equal(t, f.people["t1"], cs.TownshipLeaderID)
	require.Equal(t, f.people["shuji"], cs.FirstSecretaryID)
	require.Equal(t, f.unit("A1"), cs.PairedUnitID)
	require.Zero(t, cs.Revision)
	require.WithinDuration(t, time.Now(), cs.DeterminedAt, time.Minute)

	got, err := f.s.Proposal(f.ctx, f.scope("T1"), p.ID)
	require.NoError(t, err)
	require.Equal(t, weak.StatusDetermined, got.Status)
	require.Equal(t, cs.ID, got.CaseID)
	require.Equal(t, "县委组织部部务会研究认定", got.DecisionNote)

	start, err := f.s.CaseForWorkflow(f.ctx, cs.ID)
	require.NoError(t, err)
	require.Equal(t, weak.CaseStart{CaseID: cs.ID, CampaignID: c.ID, Year: 2025, WorkflowID: cs.WorkflowID,
		BranchUnitID: f.unit("V11"), BranchName: "东村", TownshipUnitID: f.unit("T1"), CountyUnitID: f.unit("C"),
		CountyLeader: f.people["xianzhang"], TownshipLeader: f.people["t1"], FirstSecretary: f.people["shuji"],
		PairedUnit: f.unit("A1"), Stage: weak.StageRectifying, DeterminedAt: start.DeterminedAt}, start)
	require.True(t, start.DeterminedAt.Equal(cs.DeterminedAt))
	var events int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM weak_case_events`).Scan(&events))
	require.Zero(t, events)

	// Decided once. The same determination again is a retry (its answer, or the start of
	// the case's workflow, was lost): it answers the committed case and creates nothing;
	// other four ones are a conflict.
	again, err := f.s.Determine(f.ctx, p.ID, f.actor("zuzhi"), goodOnes, "", wfID)
	require.NoError(t, err)
	require.Equal(t, cs, again)
	var nCases int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM weak_cases`).Scan(&nCases))
	require.Equal(t, 1, nCases)
	other := goodOnes
	other.FirstSecretary = "t1"
	_, err = f.s.Determine(f.ctx, p.ID, f.actor("zuzhi"), other, "", wfID)
	requireKind(t, err, apperr.Conflict, "status")
	requireKind(t, f.s.Decline(f.ctx, p.ID, f.actor("zuzhi"), "重复"), apperr.Conflict, "status")

	// Declining needs a note.
	p2 := f.propose(c.ID, "t2", "V21")
	requireKind(t, f.s.Decline(f.ctx, p2.ID, f.actor("zuzhi"), "  "), apperr.Invalid, "note")
	requireKind(t, f.s.Decline(f.ctx, p2.ID, f.actor("t2"), "不符合"), apperr.Forbidden, "")
	require.NoError(t, f.s.Decline(f.ctx, p2.ID, f.actor("zuzhi"), "经核实班子运转正常"))
	got, err = f.s.Proposal(f.ctx, f.scope("C"), p2.ID)
	require.NoError(t, err)
	require.Equal(t, weak.StatusDeclined, got.Status)
	require.Equal(t, "经核实班子运转正常", got.DecisionNote)
	require.Zero(t, got.CaseID)
	_, err = f.s.Determine(f.ctx, p2.ID, f.actor("zuzhi"), goodOnes, "", wfID)
	requireKind(t, err, apperr.Conflict, "status")
}

func TestWriteCaseRevisionGuard(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	cs := f.determine(c.ID, "V11")
	actor := f.people["t1"]
	score := 86.5
	at := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	ev := []weak.Event{
		{Revision: 1, At: at, ActorID: actor, Kind: "report", From: "rectifying", To: "rectifying", Detail: map[string]any{"month": "2025-05"}},
		{Revision: 2, At: at, ActorID: actor, Kind: "precheck", From: "rectifying", To: "prechecked", Detail: map[string]any{"pass": true}},
	}
	w := weak.CaseWrite{CaseID: cs.ID, Revision: 2, Stage: weak.StagePrechecked, Light: light.Yellow, LightReason: "5月报告逾期",
		ReportsReceived: 1, LastReportMonth: "2025-05", Score: &score, At: at}
	require.NoError(t, f.s.WriteCase(f.ctx, w, ev))

	row, events, err := f.s.Case(f.ctx, f.scope("C"), cs.ID)
	require.NoError(t, err)
	require.Equal(t, weak.StagePrechecked, row.Stage)
	require.Equal(t, "已初验", row.StageLabel)
	require.Equal(t, light.Yellow, row.Light)
	require.Equal(t, int64(2), row.Revision)
	require.NotNil(t, row.Score)
	require.InDelta(t, 86.5, *row.Score, 1e-9)
	require.Equal(t, f.people["xianzhang"], row.CountyLeaderID, "zero ids keep the four ones")
	require.Len(t, events, 2)
	require.Equal(t, "2025-05", events[0].Detail["month"])
	require.Equal(t, "prechecked", events[1].To)

	// An older revision changes nothing and events already there are not added again.
	old := weak.CaseWrite{CaseID: cs.ID, Revision: 1, Stage: weak.StageConsolidating, Light: light.Red, ReportsReceived: 9, At: at}
	require.NoError(t, f.s.WriteCase(f.ctx, old, ev[:1]))
	retry := w // the same revision again changes nothing either
	retry.Light, retry.ReportsReceived = light.Red, 5
	require.NoError(t, f.s.WriteCase(f.ctx, retry, ev))
	row, events, err = f.s.Case(f.ctx, f.scope("C"), cs.ID)
	require.NoError(t, err)
	require.Equal(t, weak.StagePrechecked, row.Stage)
	require.Equal(t, light.Yellow, row.Light)
	require.Equal(t, 1, row.ReportsReceived)
	require.Len(t, events, 2)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM weak_case_events WHERE case_id = $1`, cs.ID).Scan(&n))
	require.Equal(t, 2, n)

	// A newer revision moves on and may change one of the four ones.
	accepted := at.Add(24 * time.Hour)
	require.NoError(t, f.s.WriteCase(f.ctx, weak.CaseWrite{CaseID: cs.ID, Revision: 3, Stage: weak.StageConsolidating, Light: light.Green,
		ReportsReceived: 1, LastReportMonth: "2025-05", Score: &score, AcceptedAt: &accepted, FirstSecretary: f.people["zuzhi"], At: accepted},
		[]weak.Event{{Revision: 3, At: accepted, Kind: "accept", From: "prechecked", To: "consolidating"}}))
	row, events, err = f.s.Case(f.ctx, f.scope("C"), cs.ID)
	require.NoError(t, err)
	require.Equal(t, weak.StageConsolidating, row.Stage)
	require.Equal(t, "组织部张三", row.FirstSecretary)
	require.NotNil(t, row.AcceptedAt)
	require.True(t, row.AcceptedAt.Equal(accepted))
	require.Len(t, events, 3)
	require.Equal(t, map[string]any{}, events[2].Detail)

	requireKind(t, f.s.WriteCase(f.ctx, weak.CaseWrite{CaseID: cs.ID, Revision: 9, Stage: "bogus"}, nil), apperr.Invalid, "stage")
	requireKind(t, f.s.WriteCase(f.ctx, weak.CaseWrite{CaseID: 777777, Revision: 9, Stage: weak.StageClosed}, nil), apperr.NotFound, "case_id")
}

// seedPlan makes an order with three items at the branch: one closed, one in progress and
// one cancelled.
func seedPlan(f *fixture, branch string) int64 {
	var oid, pid int64
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO orders (issuer_unit_id, title, source, status, created_by)
		VALUES ($1, '整顿方案', 'weak', 'issued', $2) RETURNING id`, f.unit("C"), f.people["zuzhi"]).Scan(&oid))
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO problems (order_id, seq, description) VALUES ($1, 1, '集体经济薄弱') RETURNING id`, oid).Scan(&pid))
	for i, state := range []string{"closed", "in_progress", "cancelled"} {
		var mid int64
		require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES ($1, $2, $3, '措施', '标准', '{}', 'ongoing') RETURNING id`, oid, pid, i+1).Scan(&mid))
		_, err := f.pool.Exec(f.ctx, `INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision, issued_at, updated_at)
			VALUES ($1, $2, $3, $4, 'wf', $5, 'unit', 'ongoing', 1, now(), now())`,
			"plan-"+state, oid, mid, f.unit(branch), state)
		require.NoError(f.t, err)
	}
	return oid
}

func TestCasesScoping(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	c11 := f.determine(c.ID, "V11")
	c21 := f.determine(c.ID, "V21")
	plan := seedPlan(f, "V11")
	require.NoError(t, f.s.SetPlanOrder(f.ctx, c11.ID, plan, f.people["zuzhi"]))
	requireKind(t, f.s.SetPlanOrder(f.ctx, c11.ID, 99999, f.people["zuzhi"]), apperr.Invalid, "order_id")
	requireKind(t, f.s.SetPlanOrder(f.ctx, 99999, plan, f.people["zuzhi"]), apperr.NotFound, "case_id")

	t1, err := f.s.Cases(f.ctx, f.scope("T1"), c.ID)
	require.NoError(t, err)
	require.Len(t, t1, 1)
	r := t1[0]
	require.Equal(t, c11.ID, r.ID)
	require.Equal(t, "V11", r.BranchCode)
	require.Equal(t, "东村", r.BranchName)
	require.Equal(t, "城关镇", r.TownshipName)
	require.Equal(t, "李县长", r.CountyLeader)
	require.Equal(t, "王镇长", r.TownshipLeader)
	require.Equal(t, "刘书记", r.FirstSecretary)
	require.Equal(t, "县农业农村局", r.PairedUnit)
	require.Equal(t, []weak.ProposalReason{{ReasonID: f.reasonID("C", "集体经济薄弱"), Category: "发展治理", Name: "集体经济薄弱", Note: "村集体年收入不足5万元"}}, r.Reasons)
	require.Equal(t, plan, r.PlanOrderID)
	require.Equal(t, [2]int{1, 2}, [2]int{r.PlanClosed, r.PlanTotal})
	require.Equal(t, "整顿中", r.StageLabel)
	require.Equal(t, light.Green, r.Light)

	all, err := f.s.Cases(f.ctx, f.scope("C"), c.ID)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, []int64{c11.ID, c21.ID}, []int64{all[0].ID, all[1].ID})
	require.Equal(t, [2]int{0, 0}, [2]int{all[1].PlanClosed, all[1].PlanTotal})

	// A village sees its own case; T2 does not see T1's; the other county sees nothing.
	v11, err := f.s.Cases(f.ctx, f.scope("V11"), c.ID)
	require.NoError(t, err)
	require.Len(t, v11, 1)
	_, _, err = f.s.Case(f.ctx, f.scope("T2"), c11.ID)
	requireKind(t, err, apperr.NotFound, "case_id")
	_, _, err = f.s.Case(f.ctx, f.scope("T1"), c11.ID)
	require.NoError(t, err)
	_, err = f.s.Cases(f.ctx, f.scope("C2"), c.ID)
	requireKind(t, err, apperr.NotFound, "campaign_id")
}

// manyVillages adds n villages V50.. under T2.
func manyVillages(f *fixture, n int) []string {
	var codes []string
	for i := range n {
		code := "V5" + string(rune('A'+i))
		var id int64
		require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO units (code, name, kind, parent_id, path) VALUES ($1, $1 || '村', 'village', $2, 'pending-' || $1) RETURNING id`,
			code, f.unit("T2")).Scan(&id))
		path := f.units["T2"].Path + strconv.FormatInt(id, 10) + "/"
		_, err := f.pool.Exec(f.ctx, `UPDATE units SET path = $2 WHERE id = $1`, id, path)
		require.NoError(f.t, err)
		f.units[code] = unitRef{ID: id, Path: path}
		codes = append(codes, code)
	}
	return codes
}

// A sampling check's seed is drawn by the server and recorded, so the draw can be redone by
// anyone and chosen by nobody; each round is drawn once; only the county's own staff draw.
func TestDrawSeedFromServerOneDrawPerRound(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	var eligible []int64
	for i, code := range manyVillages(f, 12) {
		stage := []string{weak.StageConsolidating, weak.StageClosed, weak.StageRectifying}[i%3]
		id := f.seedCase(c.ID, code, stage, 0, 3, "2025-03-01T10:00:00+08:00")
		if stage != weak.StageRectifying {
			eligible = append(eligible, id)
		}
	}
	require.Len(t, eligible, 8)
	by := f.actor("zuzhi")

	a, err := f.s.Draw(f.ctx, c.ID, 1, 0.25, by)
	require.NoError(t, err)
	require.Equal(t, 8, a.Eligible)
	require.Equal(t, 1, a.Round)
	require.Len(t, a.CaseIDs, 2) // ceil(0.25 × 8)
	require.NotZero(t, a.Seed)
	require.Len(t, a.Branches, 2)
	require.Equal(t, sampling.Draw(eligible, 2, a.Seed), a.CaseIDs, "the recorded seed redraws the same cases")
	for _, id := range a.CaseIDs {
		require.Contains(t, eligible, id)
	}

	// The same round again is refused, naming the round, and nothing is recorded.
	_, err = f.s.Draw(f.ctx, c.ID, 1, 0.5, by)
	requireKind(t, err, apperr.Conflict, "round")
	require.Contains(t, err.Error(), "第1轮")

	// Other rounds draw with their own fresh seeds. ceil: 0.3 × 8 = 2.4 → 3; 0.5 × 8 = 4; 1 takes all.
	seeds := map[int64]bool{a.Seed: true}
	for round, tc := range map[int]struct {
		share float64
		n     int
	}{2: {0.3, 3}, 3: {0.5, 4}, 4: {1, 8}} {
		d, err := f.s.Draw(f.ctx, c.ID, round, tc.share, by)
		require.NoError(t, err)
		require.Len(t, d.CaseIDs, tc.n)
		require.Equal(t, sampling.Draw(eligible, tc.n, d.Seed), d.CaseIDs)
		seeds[d.Seed] = true
	}
	require.Len(t, seeds, 4, "every round has its own seed")
	require.Equal(t, 3, sampling.Size(0.3, 10))
	require.Equal(t, 1, sampling.Size(0.01, 10))

	for _, share := range []float64{0, -0.1, 1.01, math.NaN()} {
		_, err = f.s.Draw(f.ctx, c.ID, 9, share, by)
		requireKind(t, err, apperr.Invalid, "share")
	}
	for _, round := range []int{0, -1, weak.MaxRounds + 1} {
		_, err = f.s.Draw(f.ctx, c.ID, round, 0.5, by)
		requireKind(t, err, apperr.Invalid, "round")
	}
	// Only org staff of the campaign's own county: not its leader, not the neighbouring
	// county's staff, not a township.
	for _, login := range []string{"xianzhang", "c2", "t1"} {
		_, err = f.s.Draw(f.ctx, c.ID, 9, 0.5, f.actor(login))
		requireKind(t, err, apperr.Forbidden, "actor")
	}

	samples, err := f.s.Samples(f.ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, samples, 4)
	require.Equal(t, 4, samples[0].Round)
	require.Equal(t, a.ID, samples[3].ID)
	require.Equal(t, a.CaseIDs, samples[3].CaseIDs)
	require.Equal(t, a.Seed, samples[3].Seed)
	require.Equal(t, "组织部张三", samples[0].DrawnByName)
	require.InDelta(t, 0.25, samples[3].Share, 1e-9)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE action = 'weak.sample' AND subject = $1`,
		fmt.Sprintf("campaign:%d", c.ID)).Scan(&audited))
	require.Equal(t, 4, audited, "every draw, and only the draws, audited")

	empty := f.campaign("C", 2026)
	_, err = f.s.Draw(f.ctx, empty.ID, 1, 0.5, by)
	requireKind(t, err, apperr.Conflict, "")
}

func TestGradeAndFigures(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	f.seedCase(c.ID, "V11", weak.StageRectifying, 0, 4, "2025-03-01T10:00:00+08:00")    // 后进
	f.seedCase(c.ID, "V12", weak.StageConsolidating, 0, 6, "2025-03-01T10:00:00+08:00") // 中间
	f.seedCase(c.ID, "V22", weak.StageClosed, 1, 9, "2025-03-01T10:00:00+08:00")        // relapsed: 后进
	p := f.propose(c.ID, "t2", "V21")                                                   // declined: 中间
	require.NoError(t, f.s.Decline(f.ctx, p.ID, f.actor("zuzhi"), "经核实不符合认定条件"))
	v31 := f.unit("V31") // the other county: not graded

	// Last year's grades: V11 先进 → 后进 (down), V12 后进 → 中间 (up), V21 中间 → 中间.
	for code, g := range map[string]string{"V11": weak.GradeAdvanced, "V12": weak.GradeLagging, "V21": weak.GradeMiddle} {
		_, err := f.pool.Exec(f.ctx, `INSERT INTO weak_grades (unit_id, year, grade, basis) VALUES ($1, 2024, $2, '上年')`, f.unit(code), g)
		require.NoError(t, err)
	}
	// A stale grade for this year is overwritten.
	_, err := f.pool.Exec(f.ctx, `INSERT INTO weak_grades (unit_id, year, grade, basis) VALUES ($1, 2025, '先进', '旧')`, f.unit("V11"))
	require.NoError(t, err)

	for _, login := range []string{"xianzhang", "c2", "t1"} {
		_, err := f.s.Grade(f.ctx, c.ID, f.actor(login))
		requireKind(t, err, apperr.Forbidden, "actor")
	}
	res, err := f.s.Grade(f.ctx, c.ID, f.actor("zuzhi"))
	require.NoError(t, err)
	require.Equal(t, map[string]int{weak.GradeAdvanced: 0, weak.GradeMiddle: 2, weak.GradeLagging: 2}, res.Counts)
	require.Equal(t, 1, res.MovedUp)
	require.Equal(t, 1, res.MovedDown)
	require.Len(t, res.Rows, 4)
	byCode := map[string]weak.GradeRow{}
	for _, r := range res.Rows {
		byCode[r.UnitCode] = r
		require.NotEqual(t, v31, r.UnitID)
		require.NotEmpty(t, r.Basis)
	}
	require.Equal(t, weak.GradeLagging, byCode["V11"].Grade)
	require.Equal(t, weak.GradeAdvanced, byCode["V11"].Previous)
	require.Equal(t, -1, byCode["V11"].Move)
	require.Equal(t, weak.GradeMiddle, byCode["V12"].Grade)
	require.Equal(t, 1, byCode["V12"].Move)
	require.Equal(t, weak.GradeMiddle, byCode["V21"].Grade)
	require.Equal(t, weak.GradeLagging, byCode["V22"].Grade)
	require.Contains(t, byCode["V22"].Basis, "反弹")
	require.Empty(t, byCode["V22"].Previous)

	var stored string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT grade || '|' || basis FROM weak_grades WHERE unit_id = $1 AND year = 2025`, f.unit("V11")).Scan(&stored))
	require.Equal(t, weak.GradeLagging+"|"+byCode["V11"].Basis, stored)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM weak_grades WHERE year = 2025`).Scan(&n))
	require.Equal(t, 4, n)

	// A branch never proposed is 先进, and grading again is stable.
	manyVillages(f, 1)
	res, err = f.s.Grade(f.ctx, c.ID, f.actor("zuzhi"))
	require.NoError(t, err)
	require.Equal(t, 1, res.Counts[weak.GradeAdvanced])
	require.Len(t, res.Rows, 5)

	fig, err := f.s.Figures(f.ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, weak.Figures{CampaignID: c.ID, Year: 2025, Proposed: 4, Pending: 0, Determined: 3, Declined: 1,
		InRectification: 1, Accepted: 2, Relapsed: 1, Closed: 1, ReportsReceived: 19}, fig)
	_, err = f.s.Figures(f.ctx, 888888)
	requireKind(t, err, apperr.NotFound, "campaign_id")

	// A township sees its county's campaign but counts only its own branches (V11, V12).
	fig, err = f.s.FiguresInScope(f.ctx, f.scope("T1"), c.ID)
	require.NoError(t, err)
	require.Equal(t, weak.Figures{CampaignID: c.ID, Year: 2025, Proposed: 2, Determined: 2,
		InRectification: 1, Accepted: 1, ReportsReceived: 10}, fig)
	fig, err = f.s.FiguresInScope(f.ctx, f.scope("C"), c.ID)
	require.NoError(t, err)
	require.Equal(t, 4, fig.Proposed, "the county sees all")
	_, err = f.s.FiguresInScope(f.ctx, f.scope("C2"), c.ID)
	requireKind(t, err, apperr.NotFound, "campaign_id")
}

func TestLedger(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	cs := f.determine(c.ID, "V11")
	f.determine(c.ID, "V21")
	require.NoError(t, f.s.SetPlanOrder(f.ctx, cs.ID, seedPlan(f, "V11"), f.people["zuzhi"]))
	require.NoError(t, f.s.WriteCase(f.ctx, weak.CaseWrite{CaseID: cs.ID, Revision: 1, Stage: weak.StageRectifying, Light: light.Red,
		LightReason: "报告逾期", ReportsReceived: 3, LastReportMonth: "2025-05"}, nil))

	var buf bytes.Buffer
	require.NoError(t, f.s.WriteLedger(f.ctx, f.scope("C"), c.ID, &buf, false))
	x, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer func() { _ = x.Close() }()
	rows, err := x.GetRows(weak.LedgerSheet)
	require.NoError(t, err)
	require.Len(t, rows, 4)
	require.Contains(t, rows[0][0], "2025年某某县软弱涣散基层党组织排查整顿台账")
	require.Equal(t, []string{"序号", "村（社区）党组织", "乡镇", "软弱涣散原因", "县级联系领导", "乡镇包村领导", "第一书记",
		"结对帮扶单位", "方案进度", "整顿阶段", "预警", "月度报告（已报）"}, rows[1])
	require.Equal(t, []string{"1", "东村", "城关镇", "集体经济薄弱（村集体年收入不足5万元）", "李县长", "王镇长", "刘书记",
		"县农业农村局", "1/2", "整顿中", "红", "3"}, rows[2])
	require.Equal(t, "河村", rows[3][1])
	require.Equal(t, "0/0", rows[3][8])
	require.Equal(t, "绿", rows[3][10])

	// The light cell is filled red, the header is frozen.
	require.Equal(t, []string{"FFC7CE"}, testenv.CellStyle(t, x, weak.LedgerSheet, "K3").Fill.Color)
	panes, err := x.GetPanes(weak.LedgerSheet)
	require.NoError(t, err)
	require.True(t, panes.Freeze)
	require.Equal(t, 2, panes.YSplit)
	width, err := x.GetColWidth(weak.LedgerSheet, "D")
	require.NoError(t, err)
	require.Greater(t, width, 30.0)

	// T1 gets only its own row; English headers on request.
	buf.Reset()
	require.NoError(t, f.s.WriteLedger(f.ctx, f.scope("T1"), c.ID, &buf, true))
	x2, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer func() { _ = x2.Close() }()
	rows, err = x2.GetRows(weak.LedgerSheetEN)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, weak.LedgerHeaders(true), rows[1])
	require.Equal(t, "No.", rows[1][0])
	require.Equal(t, "red", rows[2][10])
	require.Equal(t, "Rectifying", rows[2][9])
}

// Changing one of the four ones obeys the rules of determination: the person (or unit)
// exists and lies within the role's bounds for the branch.
func TestAssignmentValidatedAsDetermination(t *testing.T) {
	f := newFixture(t)
	c := f.campaign("C", 2025)
	k := f.determine(c.ID, "V11")
	for _, tc := range []struct {
		role     string
		assignee int64
		ok       bool
	}{
		{weak.RoleCountyLeader, f.people["xianzhang"], true},
		{weak.RoleCountyLeader, f.people["c2lead"], false}, // the neighbouring county
		{weak.RoleCountyLeader, 987654, false},             // nobody
		{weak.RoleCountyLeader, 0, false},
		{weak.RoleTownshipLeader, f.people["t1"], true},
		{weak.RoleTownshipLeader, f.people["t2"], false}, // the sibling township
		{weak.RoleFirstSecretary, f.people["shuji"], true},
		{weak.RoleFirstSecretary, f.people["c2"], false},
		{weak.RolePairedUnit, f.unit("A1"), true},
		{weak.RolePairedUnit, f.unit("A2"), false},
		{weak.RolePairedUnit, f.people["shuji"] + 100000, false},
	} {
		err := f.s.ValidateAssignment(f.ctx, k.ID, tc.role, tc.assignee)
		if tc.ok {
			require.NoError(t, err, "%s %d", tc.role, tc.assignee)
		} else {
			requireKind(t, err, apperr.Invalid, "assignee")
		}
	}
	requireKind(t, f.s.ValidateAssignment(f.ctx, k.ID, "mayor", f.people["t1"]), apperr.Invalid, "role")
	requireKind(t, f.s.ValidateAssignment(f.ctx, 987654, weak.RoleCountyLeader, f.people["xianzhang"]), apperr.NotFound, "case_id")

	// Deciding is for the county's org staff only, not its leaders.
	p := f.propose(c.ID, "t1", "V12")
	_, err := f.s.Determine(f.ctx, p.ID, f.actor("xianzhang"), goodOnes, "", wfID)
	requireKind(t, err, apperr.Forbidden, "actor")
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE action = 'weak.determine'`).Scan(&audited))
	require.Equal(t, 1, audited, "the determination of V11 only")
}

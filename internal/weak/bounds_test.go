package weak_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Every count of a campaign's policy that reaches the calendar, and every text a person
// writes into a campaign, has a bound; a refused input stores nothing.
func TestCampaignInputsBounded(t *testing.T) {
	f := newFixture(t)
	count := func(table string) int {
		var n int
		require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM `+table).Scan(&n))
		return n
	}

	_, err := f.s.CreateCampaign(f.ctx, f.unit("C"), 2025, strings.Repeat("题", 201), f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "title")
	require.Zero(t, count("weak_campaigns"))

	c := f.campaign("C", 2025)
	p := weakcasemsg.DefaultPolicy()
	p.ReportEscalateAfter = 1 << 61
	p.SampleWindowMonths = 1000
	err = f.s.SetCampaignPolicy(f.ctx, c.ID, p, f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "policy.report_escalate_after")
	e, _ := apperr.As(err)
	require.Len(t, e.Fields, 2)
	require.Contains(t, e.Message, "逾期督办不能超过250个工作日")
	require.Equal(t, "policy.sample_window_months", e.Fields[1].Field)
	var stored *string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT policy->>'report_escalate_after' FROM weak_campaigns WHERE id = $1`, c.ID).Scan(&stored))
	require.Nil(t, stored, "the refused policy stored nothing")

	reason := f.reasonID("C", "组织生活不正常")
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V11", []weak.ProposedReason{{ReasonID: reason, Note: strings.Repeat("因", 2001)}})
	requireKind(t, err, apperr.Invalid, "reasons[0].note")
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), strings.Repeat("V", 101), []weak.ProposedReason{{ReasonID: reason}})
	requireKind(t, err, apperr.Invalid, "branch")
	_, err = f.s.Propose(f.ctx, c.ID, f.actor("t1"), "V11", make([]weak.ProposedReason, 51))
	requireKind(t, err, apperr.Invalid, "reasons")
	require.Zero(t, count("weak_proposals"))

	prop := f.propose(c.ID, "t1", "V11")
	err = f.s.Decline(f.ctx, prop.ID, f.actor("zuzhi"), strings.Repeat("由", 2001))
	requireKind(t, err, apperr.Invalid, "note")
	_, err = f.s.Determine(f.ctx, prop.ID, f.actor("zuzhi"), goodOnes, strings.Repeat("由", 2001), wfID)
	requireKind(t, err, apperr.Invalid, "note")
	var status string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT status FROM weak_proposals WHERE id = $1`, prop.ID).Scan(&status))
	require.Equal(t, "proposed", status)

	err = f.s.SetReasons(f.ctx, f.unit("C"), make([]weak.ReasonInput, 51), f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "reasons")
	err = f.s.SetReasons(f.ctx, f.unit("C"), []weak.ReasonInput{{Category: strings.Repeat("类", 101), Name: "甲", Active: true}}, f.people["zuzhi"])
	requireKind(t, err, apperr.Invalid, "reasons[0].category")
}

// A case action's free parts are bounded before they become a workflow payload.
func TestCaseActionBounded(t *testing.T) {
	ok := weakcasemsg.Action{Kind: weakcasemsg.Accept, Note: strings.Repeat("验", 2000), Scores: []weakcasemsg.ScoreLine{{Item: "总分", Score: 85}}, Polled: 20}
	require.NoError(t, weak.CheckAction(ok))
	for _, tc := range []struct {
		field  string
		change func(a *weakcasemsg.Action)
	}{
		{"note", func(a *weakcasemsg.Action) { a.Note += "多" }},
		{"scores", func(a *weakcasemsg.Action) { a.Scores = make([]weakcasemsg.ScoreLine, 51) }},
		{"scores[0].score", func(a *weakcasemsg.Action) { a.Scores[0].Score = 1e308 }},
		{"scores[0].item", func(a *weakcasemsg.Action) { a.Scores[0].Item = strings.Repeat("项", 101) }},
		{"polled", func(a *weakcasemsg.Action) { a.Polled = 1 << 40 }},
		{"dissatisfied", func(a *weakcasemsg.Action) { a.Dissatisfied = -1 }},
		{"month", func(a *weakcasemsg.Action) { a.Month = strings.Repeat("2", 101) }},
	} {
		a := ok
		a.Scores = []weakcasemsg.ScoreLine{ok.Scores[0]}
		tc.change(&a)
		requireKind(t, weak.CheckAction(a), apperr.Invalid, tc.field)
	}
}

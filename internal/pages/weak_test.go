package pages

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/light"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// weakSamples are the weak-branch views with sample data: a refused proposal and determination
// kept in their forms, a case at each of two stages, a case with its events.
func weakSamples(t *testing.T, p Page) map[string]any {
	t.Helper()
	c := p.c
	at := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)
	score := 82.5
	row := weak.CaseRow{ID: 3, BranchName: "东关村党支部<script>", TownshipName: "城关镇", Stage: "rectifying", Light: light.Yellow,
		LightReason: "2026-02月报未报送", ReportsReceived: 1, LastReportMonth: "2026-01", PlanClosed: 1, PlanTotal: 3, PlanOrderID: 9,
		CountyLeader: "县领导", TownshipLeader: "王芳", FirstSecretary: "李军", PairedUnit: "县财政局", DeterminedAt: at, Score: &score,
		Reasons: []weak.ProposalReason{{Name: "班子不团结", Note: "长期不和"}}}
	closed := row
	closed.Stage = "closed"
	prop := weak.Proposal{ID: 5, BranchName: "柳树村党支部", TownshipName: "河西乡", ProposedByName: "赵磊", Status: "proposed",
		RepeatFlag: true, RepeatNote: "2023年曾被认定", Reasons: row.Reasons}
	decided := prop
	decided.ID, decided.Status, decided.DecidedAt, decided.DecisionNote, decided.CaseID = 6, "determined", &at, "同意", 3
	v := weakView{Page: p, Campaigns: []stateFilter{{URL: "/weak?campaign=1", Label: "2026年", Current: true}, {URL: "/weak?campaign=2", Label: "2025年"}},
		Campaign: &weak.Campaign{ID: 1, Title: "2026年示范县软弱涣散基层党组织排查整顿"}, Lines: weakLines(c, weak.Figures{Proposed: 2}),
		Ledger: "/weak/campaigns/1/ledger", CanPropose: true, CanDecide: true,
		Branches: []weakOption{{Value: "V11", Label: "东关村党支部", Chosen: true}}, Reasons: []weakOption{{Value: "1", Label: "班子：不团结"}},
		Proposals: []proposalCard{{Proposal: prop, Status: c.T("weak.status.proposed"), Reasons: "班子不团结", Open: true},
			{Proposal: decided, Status: c.T("weak.status.determined"), Decided: c.When(at)}},
		Stages:  []weakStage{{Label: c.T("weak.stage.rectifying"), Cases: []weak.CaseRow{row}}, {Label: c.T("weak.stage.closed"), Cases: []weak.CaseRow{closed}}},
		ErrForm: "p-5", Message: "用户名“x”不存在", Posted: proposalForm{Ones: weak.FourOnes{CountyLeader: "x"}, Decline: "y"}}
	cv := weakCaseView{Page: p, Case: row, Stage: c.T("weak.stage.rectifying"), Reasons: "班子不团结（长期不和）", CanAct: true,
		Month: "2026-02", Note: "已召开支部会议", Key: "k", ErrForm: "report", CanPrecheck: true, CanAccept: true,
		Scores: []scoreRow{{N: 0, Seq: 1, Item: "支部设置标准化", Score: "18"}}, Polled: "30", Dissatisfied: "2", Message: "该月月报已报送", Determined: c.When(at), Score: "82.5",
		Events: []weakEvent{{When: c.When(at), Kind: c.T("weak.event.report"), Stage: c.T("weak.stage.rectifying"), Month: "2026-01",
			Note: "补齐会议记录<script>", Outcome: "已收到月报"}}}
	return map[string]any{"weak": v, "weak_case": cv}
}

// The score sheet keeps the lines named, sums nothing itself (the case does), and refuses a
// score or a count that is not a number, naming its line.
func TestScoreSheet(t *testing.T) {
	read := func(form url.Values) (weakcasemsg.Action, error) {
		r := httptest.NewRequest("POST", "/weak/cases/1/accept", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		require.NoError(t, r.ParseForm())
		var act weakcasemsg.Action
		return act, scoreSheet(r, &act)
	}
	act, err := read(url.Values{"item0": {"支部设置标准化"}, "score0": {"18.5"}, "item1": {""}, "score1": {""},
		"item2": {"阵地建设规范化"}, "score2": {"20"}, "polled": {"30"}, "dissatisfied": {"2"}})
	require.NoError(t, err)
	require.Equal(t, []weakcasemsg.ScoreLine{{Item: "支部设置标准化", Score: 18.5}, {Item: "阵地建设规范化", Score: 20}}, act.Scores)
	require.Equal(t, [2]int{30, 2}, [2]int{act.Polled, act.Dissatisfied})

	_, err = read(url.Values{"item0": {"组织生活正常化"}, "score0": {"很好"}, "polled": {"30"}, "dissatisfied": {"2"}})
	require.Equal(t, "“组织生活正常化”的得分应为数字", refusalText(err))
	_, err = read(url.Values{"polled": {"三十"}, "dissatisfied": {"2"}})
	require.Equal(t, "测评人数应为整数", refusalText(err))
}

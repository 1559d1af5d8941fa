package weakcase

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"rectify/internal/limits"
	"rectify/internal/role"
	"rectify/workflows/weakcase/weakcasemsg"
)

type outcome struct {
	res weakcasemsg.Result
	err error
}

// act delivers actions to a fresh case at the given offsets (0 = with the start) and
// returns each answer, the recorder, and whether every answer arrived.
func act(t *testing.T, actions []weakcasemsg.Action, at func(i int) int) ([]outcome, *recorder) {
	t.Helper()
	in := weakcasemsg.Input{Deployment: "d", CaseID: 7, BranchUnitID: branch, TownshipUnitID: township, CountyUnitID: county,
		DeterminedAt: sh(2026, 3, 2, 9, 0), Ones: weakcasemsg.FourOnes{CountyLeader: countyLeader, TownshipLeader: townshipLeader, FirstSecretary: firstSecretary}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(in.DeterminedAt)
	rec := &recorder{}
	env.RegisterWorkflow(CaseWorkflow)
	rec.register(env)
	out := make([]outcome, len(actions))
	for i, a := range actions {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(weakcasemsg.UpdateCaseAction, fmt.Sprintf("u%d", i), &testsuite.TestUpdateCallback{
				OnAccept: func() {},
				OnReject: func(err error) { out[i].err = err },
				OnComplete: func(v any, err error) {
					out[i].err = err
					if err == nil {
						out[i].res = v.(weakcasemsg.Result)
					}
				},
			}, a)
		}, minutes(at(i)))
	}
	env.ExecuteWorkflow(CaseWorkflow, in)
	return out, rec
}

// A monthly report sent the moment a case is determined (the demo loader does this) is
// handled once the run is initialised, not refused as an unknown update.
func TestAReportSentWithTheStartIsHandled(t *testing.T) {
	out, rec := act(t, []weakcasemsg.Action{{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: "已召开支部大会", Key: "r-1"}},
		func(int) int { return 0 })
	require.NoError(t, out[0].err)
	require.Equal(t, "2026-03月度报告已报送", out[0].res.Outcome)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Contains(t, rec.last.Reports, "2026-03")
}

// Keys are remembered per person with what they asked: a retry is answered from memory,
// the same key with another body is a conflict, and another person's key is their own.
func TestCaseKeysAreScopedToThePersonAndTheBody(t *testing.T) {
	other := weakcasemsg.Actor{PersonID: 77, UnitID: township, Roles: []role.Role{role.TownshipOfficial}}
	out, rec := act(t, []weakcasemsg.Action{
		{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: "三月进展", Key: "k"},
		{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: "三月进展", Key: "k"},
		{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: "改了内容", Key: "k"},
		{Kind: weakcasemsg.Precheck, Actor: other, Pass: false, Note: "村务公开栏未更新", Key: "k"},
	}, func(i int) int { return i + 1 })
	require.NoError(t, out[0].err)
	require.NoError(t, out[1].err)
	require.Equal(t, out[0].res.Revision, out[1].res.Revision, "the retry is answered from memory")
	require.ErrorContains(t, out[2].err, "幂等键")
	require.NoError(t, out[3].err, "another person's key k is theirs")
	require.Equal(t, "初验未通过，继续整顿", out[3].res.Outcome)
	require.Empty(t, out[3].res.Fingerprint, "fingerprints stay inside the workflow")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, e := range rec.events {
		if e.Kind == string(weakcasemsg.Report) {
			n++
		}
	}
	require.Equal(t, 1, n, "one report recorded")
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// An oversized report is refused by the case's own validator, whichever way it arrives.
func TestOversizedCaseActionsAreRefused(t *testing.T) {
	out, rec := act(t, []weakcasemsg.Action{
		{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: strings.Repeat("整", limits.MaxNote+1)},
		{Kind: weakcasemsg.Report, Actor: secretary, Month: "2026-03", Note: "三月进展"},
	}, func(i int) int { return i + 1 })
	require.ErrorContains(t, out[0].err, "说明不能超过2000字")
	require.NoError(t, out[1].err)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Equal(t, []string{"2026-03"}, rec.last.Reports)
}

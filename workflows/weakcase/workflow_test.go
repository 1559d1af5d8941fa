package weakcase

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/calendar"
	"rectify/internal/role"
	"rectify/workflows/weakcase/weakcasemsg"
)

// recorder stands in for the read model and the messages, to look at workflow logic only.
type recorder struct {
	mu      sync.Mutex
	events  []weakcasemsg.Event
	notices []weakcasemsg.Notice
	last    weakcasemsg.State
}

func (r *recorder) LoadCalendar(context.Context) ([]calendar.Year, error) {
	return calendar.Default().Years(), nil
}

func (r *recorder) RecordCase(_ context.Context, rec weakcasemsg.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range rec.Events {
		dup := false
		for _, x := range r.events {
			dup = dup || x.Revision == e.Revision
		}
		if !dup {
			r.events = append(r.events, e)
		}
	}
	if rec.State.Revision >= r.last.Revision {
		r.last = rec.State
	}
	return nil
}

func (r *recorder) NotifyCase(_ context.Context, n weakcasemsg.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, n)
	return nil
}

// register puts the recorder on env under the activity names the recorded histories hold,
// which are the method names of weakacts.Activities and calendaracts.Activities.
func (r *recorder) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(r.LoadCalendar, activity.RegisterOptions{Name: "LoadCalendar"})
	env.RegisterActivityWithOptions(r.RecordCase, activity.RegisterOptions{Name: "RecordCase"})
	env.RegisterActivityWithOptions(r.NotifyCase, activity.RegisterOptions{Name: "NotifyCase"})
}

const (
	county, township, branch                                      int64 = 10, 20, 30
	countyLeader, townshipLeader, firstSecretary, staff, official int64 = 1, 2, 3, 4, 5
)

var (
	countyStaff = weakcasemsg.Actor{PersonID: staff, UnitID: county, Roles: []role.Role{role.OrgStaff}}
	townOfficer = weakcasemsg.Actor{PersonID: official, UnitID: township, Roles: []role.Role{role.TownshipOfficial}}
	secretary   = weakcasemsg.Actor{PersonID: firstSecretary, UnitID: 99, Roles: []role.Role{role.BranchSecretary}}
)

func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.Shanghai)
}

type step struct {
	at     time.Time
	action weakcasemsg.Action
	reject string // apperr code when the update must be refused
}

// live runs a case from determination to its end, one run a month as the workflow continues
// as new, delivering each action at its moment. It returns the recorder and the runs made.
func live(t *testing.T, in weakcasemsg.Input, steps []step) (*recorder, int) {
	t.Helper()
	rec := &recorder{}
	start := in.DeterminedAt
	runs := 0
	for {
		runs++
		require.Less(t, runs, 80, "the case never ended")
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.SetStartTime(start)
		env.RegisterWorkflow(CaseWorkflow)
		rec.register(env)
		boundary := firstOfMonth(start).AddDate(0, 1, 0)
		for i, st := range steps {
			if st.at.Before(start) || !st.at.Before(boundary) {
				continue
			}
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(weakcasemsg.UpdateCaseAction, fmt.Sprintf("u%d", i), &testsuite.TestUpdateCallback{
					OnAccept: func() {
						if st.reject != "" {
							t.Errorf("%s %s at %s accepted, want %s", st.action.Kind, st.action.Month, st.at, st.reject)
						}
					},
					OnReject: func(err error) {
						var ae *temporal.ApplicationError
						if !errors.As(err, &ae) || ae.Type() != st.reject {
							t.Errorf("%s at %s rejected: %v", st.action.Kind, st.at, err)
						}
					},
					OnComplete: func(any, error) {},
				}, st.action)
			}, st.at.Sub(start))
		}
		env.ExecuteWorkflow(CaseWorkflow, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		if err == nil {
			return rec, runs
		}
		var can *workflow.ContinueAsNewError
		require.ErrorAs(t, err, &can, "run %d starting %s", runs, start)
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
		start = boundary
	}
}

func report(at time.Time, month string) step {
	return step{at: at, action: weakcasemsg.Action{Kind: weakcasemsg.Report, Actor: secretary, Month: month, Note: month + "整顿进展：按方案推进"}}
}

// One branch determined on 2026-01-15: twelve monthly reports (March's late, reminded and
// escalated), a pre-check refused while the plan is open, an acceptance failed on score and
// one vetoed by the villagers, 销号 on 2027-01-25, a relapse found by the 6-month look-back,
// a second 销号 on 2027-08-27, a year of consolidation, then the sampling window.
func TestAWeakBranchCaseFromDeterminationToTheEndOfConsolidation(t *testing.T) {
	in := weakcasemsg.Input{Deployment: "d", CaseID: 7, BranchUnitID: branch, TownshipUnitID: township, CountyUnitID: county,
		DeterminedAt: sh(2026, 1, 15, 10, 0), Ones: weakcasemsg.FourOnes{CountyLeader: countyLeader, TownshipLeader: townshipLeader, FirstSecretary: firstSecretary, PairedUnit: 40}}
	var steps []step
	for m := time.January; m <= time.November; m++ {
		if m == time.March {
			continue
		}
		steps = append(steps, report(sh(2026, m+1, 3, 10, 0), fmt.Sprintf("2026-%02d", m)))
	}
	steps = append(steps,
		report(sh(2026, 4, 14, 10, 0), "2026-03"), // late: due 4/8 (清明 4/4–6 off)
		step{at: sh(2026, 11, 20, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: townOfficer, Pass: true, PlanOpen: 2}, reject: "conflict"},
		step{at: sh(2026, 12, 1, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: townOfficer, Pass: true}},
		step{at: sh(2026, 12, 10, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Accept, Actor: countyStaff, Scores: []weakcasemsg.ScoreLine{{Item: "班子建设", Score: 30}, {Item: "组织生活", Score: 20}, {Item: "发展治理", Score: 15}}, Polled: 20, Dissatisfied: 3}},
		report(sh(2027, 1, 5, 10, 0), "2026-12"),
		step{at: sh(2027, 1, 8, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: townOfficer, Pass: true}},
		step{at: sh(2027, 1, 15, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Accept, Actor: countyStaff, Scores: []weakcasemsg.ScoreLine{{Item: "总分", Score: 85}}, Polled: 20, Dissatisfied: 11}},
		step{at: sh(2027, 1, 20, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: townOfficer, Pass: true}},
		step{at: sh(2027, 1, 25, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Accept, Actor: countyStaff, Scores: []weakcasemsg.ScoreLine{{Item: "总分", Score: 85}}, Polled: 20, Dissatisfied: 3}},
		step{at: sh(2027, 7, 28, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Lookback, Actor: countyStaff, Pass: false, Note: "村两委又起矛盾"}},
		report(sh(2027, 8, 3, 10, 0), "2027-07"),
		step{at: sh(2027, 8, 20, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: townOfficer, Pass: true}},
		step{at: sh(2027, 8, 27, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Accept, Actor: countyStaff, Scores: []weakcasemsg.ScoreLine{{Item: "总分", Score: 90}}, Polled: 30, Dissatisfied: 2}},
		step{at: sh(2027, 9, 1, 10, 0), action: weakcasemsg.Action{Kind: weakcasemsg.Report, Actor: secretary, Month: "2027-08", Note: "x"}, reject: "conflict"}, // no reports in consolidation
	)
	sort.Slice(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	rec, runs := live(t, in, steps)

	var stages []string
	for _, e := range rec.events {
		if e.From != e.To || e.Kind == "accept" {
			stages = append(stages, fmt.Sprintf("%s %s %s>%s", e.At.In(calendar.Shanghai).Format("2006-01-02"), e.Kind, e.From, e.To))
		}
	}
	require.Equal(t, []string{
		"2026-01-15 determined >rectifying",
		"2026-12-01 precheck rectifying>prechecked",
		"2026-12-10 accept prechecked>rectifying", // 65 points
		"2027-01-08 precheck rectifying>prechecked",
		"2027-01-15 accept prechecked>rectifying", // 11 of 20 dissatisfied
		"2027-01-20 precheck rectifying>prechecked",
		"2027-01-25 accept prechecked>consolidating",
		"2027-07-28 lookback consolidating>rectifying",
		"2027-08-20 precheck rectifying>prechecked",
		"2027-08-27 accept prechecked>consolidating",
		"2028-08-28 consolidated consolidating>closed", // after the 12-month look-back reminder, Monday morning
	}, stages)
	reports := 0
	for _, e := range rec.events {
		if e.Kind == "report" {
			reports++
		}
	}
	require.Equal(t, 13, reports, "twelve monthly reports of 2026 and July 2027's after the relapse")
	for _, e := range rec.events {
		if e.Kind == "accept" && e.To == weakcasemsg.Rectifying {
			require.NotEmpty(t, e.Detail["reasons"], "a failed acceptance says why")
		}
	}

	var sent []string
	for _, n := range rec.notices {
		sent = append(sent, fmt.Sprintf("%s %s %v", n.At.In(calendar.Shanghai).Format("2006-01-02 15:04"), strings.SplitN(n.Key, "/", 2)[1], n.People))
	}
	require.Equal(t, []string{
		"2026-04-09 08:30 report-2026-03 [3 2]",        // due Wed 4/8 17:30; sent the next working morning
		"2026-04-13 08:30 report-escalate-2026-03 [1]", // 3 working days late: 4/9, 4/10, 4/13
		"2027-07-26 08:30 lookback-6-2027-01 [1 2]",    // 6 months after 1/25 is Sun 7/25
		"2028-02-28 08:30 lookback-6-2027-08 [1 2]",    // Sun 2/27 → Mon
		"2028-08-28 08:30 lookback-12-2027-08 [1 2]",   // Sun 8/27 → Mon
	}, sent)

	require.Equal(t, weakcasemsg.Closed, rec.last.Stage)
	require.Equal(t, 1, rec.last.Relapses)
	require.InDelta(t, 90, *rec.last.Score, 1e-9)
	require.Less(t, rec.last.MaxHistory, 1000, "monthly continue-as-new keeps each history small")
	require.Greater(t, runs, 40, "one run a month")
}

package item

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/light"
	"rectify/workflows/item/itemmsg"
)

// at runs fn after d of workflow time.
type timed struct {
	after time.Duration
	fn    func()
}

// act sends an action and reports its answer to got (nil when accepted and done).
func act(env *testsuite.TestWorkflowEnvironment, id string, req itemmsg.ActionRequest, got func(itemmsg.ActionResult, error)) {
	env.UpdateWorkflow(itemmsg.UpdateAction, id, &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { got(itemmsg.ActionResult{}, err) },
		OnComplete: func(v any, err error) {
			res, _ := v.(itemmsg.ActionResult)
			got(res, err)
		},
	}, req)
}

// rejectionType is the apperr code of a refused action, or "" when it went through.
func rejectionType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// A township splits its item into three sub-items (one per village). One village runs late:
// the township's item is held yellow with a sentence saying so, and its close-out is refused
// until every sub-item is closed or cancelled; then it goes through.
func TestASplitItemFollowsItsChildrenAndClosesOnlyAfterThem(t *testing.T) {
	issued := sh(2026, 3, 2, 9, 0)
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}}
	env := newTestEnv(rec)
	env.SetStartTime(issued)
	kids := []string{"m8-u31", "m9-u32", "m10-u33"}
	report := func(id string, st itemmsg.State, l light.Light, rev, seq int64) func() {
		return func() {
			env.SignalWorkflow(itemmsg.SignalChildProgress, itemmsg.ChildProgress{ParentItemID: "m1-u20",
				Child: itemmsg.Child{ItemID: id, State: st, Light: l, Revision: rev, SupervisionSeq: seq}})
		}
	}
	answers := map[string]string{}
	send := func(name string, req itemmsg.ActionRequest) func() {
		return func() {
			req.ItemID = "m1-u20"
			act(env, name, req, func(_ itemmsg.ActionResult, err error) { answers[name] = rejectionType(err) })
		}
	}
	closeReq := itemmsg.ActionRequest{Action: itemmsg.RequestClose, Actor: township, Note: "已完成", EvidenceIDs: []int64{5}}
	steps := []timed{
		{time.Hour, send("ack", itemmsg.ActionRequest{Action: itemmsg.Acknowledge, Actor: township})},
		{2 * time.Hour, send("split", itemmsg.ActionRequest{Action: itemmsg.Split, Actor: township, Split: &itemmsg.SplitRequest{ChildOrderID: 70, Children: kids}})},
		{3 * time.Hour, send("split-by-village", itemmsg.ActionRequest{Action: itemmsg.Split, Actor: sibling, Split: &itemmsg.SplitRequest{ChildOrderID: 71, Children: kids}})},
		{24 * time.Hour, report("m8-u31", itemmsg.Closed, light.None, 4, 2)},
		{25 * time.Hour, report("m9-u32", itemmsg.InProgress, light.Green, 3, 1)},
		{10 * 24 * time.Hour, report("m9-u32", itemmsg.InProgress, light.Red, 3, 4)},
		{10*24*time.Hour + time.Minute, report("m9-u32", itemmsg.InProgress, light.Yellow, 3, 3)}, // late, older: ignored
		{11 * 24 * time.Hour, send("close-early", closeReq)},
		{12 * 24 * time.Hour, report("m9-u32", itemmsg.Closed, light.None, 6, 5)},
		{12*24*time.Hour + time.Hour, report("m10-u33", itemmsg.Cancelled, light.None, 2, 2)},
		{13 * 24 * time.Hour, send("close", closeReq)},
		{13*24*time.Hour + time.Hour, send("approve", itemmsg.ActionRequest{Action: itemmsg.Close, Actor: county})},
	}
	for _, s := range steps {
		env.RegisterDelayedCallback(s.fn, s.after)
	}
	env.ExecuteWorkflow(UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: issuedBy, IssuedAt: issued,
		Items: []itemmsg.Spec{{ID: "m1-u20", MeasureID: 1, DeadlineKind: "by_date", DueDate: "2026-04-30", HandlerPerson: handler}}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	require.Equal(t, map[string]string{"ack": "", "split": "", "split-by-village": "forbidden", "close-early": "conflict", "close": "", "approve": ""}, answers)
	day := func(d int) time.Time { return issued.Add(time.Duration(d)*24*time.Hour + 2*time.Hour) }
	require.Equal(t, "green 距完成时限还有42个工作日；下级3个事项已完成0个", lightAt(rec, day(0)))
	require.Equal(t, "green 距完成时限还有41个工作日；下级3个事项已完成1个", lightAt(rec, day(1)))
	require.Equal(t, "yellow 下级3个事项中1个已超期", lightAt(rec, day(10)), "held yellow while a child is red; the older report did not undo it")
	require.Equal(t, "green 距完成时限还有33个工作日；下级3个事项已完成3个", lightAt(rec, day(12)))
	last := rec.writes[len(rec.writes)-1]
	require.Equal(t, [2]int{3, 3}, [2]int{last.ChildrenClosed, last.ChildrenTotal})
	require.Equal(t, itemmsg.Closed, rec.rows["m1-u20"].State)
	require.Len(t, rec.rows["m1-u20"].Children, 3)
}

// A sub-item's workflow tells the workflow of the item it was split from about each change
// of its state and light, in order; its items carry the parent item's id.
func TestAChildOrderTellsItsParentOfEveryChange(t *testing.T) {
	issued := sh(2026, 3, 2, 9, 0)
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}}
	env := newTestEnv(rec)
	env.SetStartTime(issued)
	var told []string
	env.OnSignalExternalWorkflow(mock.Anything, "parent-wf", "", itemmsg.SignalChildProgress, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			p := arg.(itemmsg.ChildProgress)
			require.Equal(t, "m1-u20", p.ParentItemID)
			told = append(told, string(p.State)+" "+string(p.Light))
			return nil
		})
	village := itemmsg.Actor{PersonID: 31, Name: "村书记", UnitID: 31, Roles: township.Roles}
	town := itemmsg.Actor{PersonID: 2, Name: "乡镇干部", UnitID: 20, Roles: township.Roles}
	env.RegisterDelayedCallback(func() {
		act(env, "ack", itemmsg.ActionRequest{ItemID: "m8-u31", Action: itemmsg.Acknowledge, Actor: village}, func(_ itemmsg.ActionResult, err error) { require.NoError(t, err) })
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		act(env, "req", itemmsg.ActionRequest{ItemID: "m8-u31", Action: itemmsg.RequestClose, Actor: village, Note: "补上了", EvidenceIDs: []int64{1}},
			func(_ itemmsg.ActionResult, err error) { require.NoError(t, err) })
	}, 5*24*time.Hour)
	env.RegisterDelayedCallback(func() {
		act(env, "close", itemmsg.ActionRequest{ItemID: "m8-u31", Action: itemmsg.Close, Actor: town}, func(_ itemmsg.ActionResult, err error) { require.NoError(t, err) })
	}, 6*24*time.Hour)
	env.ExecuteWorkflow(UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 70, UnitID: 31, IssuerUnitID: 20, IssuedBy: 2, IssuedAt: issued,
		ParentWorkflowID: "parent-wf", Policy: &itemmsg.Policy{YellowDays: 1, AckWithin: 1, UrgeAfter: 1, EscalateUnitAfter: 3, EscalateIssuerAfter: 5,
			ListAfter: 10, LookBackDays: []int{}, Hours: itemmsg.DefaultPolicy().Hours},
		Items: []itemmsg.Spec{{ID: "m8-u31", MeasureID: 8, DeadlineKind: "by_date", DueDate: "2026-03-05", HandlerPerson: 31, ParentItemID: "m1-u20"}}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []string{
		"issued green", "acknowledged green", "acknowledged yellow", // the day before the deadline
		"acknowledged red", "close_requested red", "closed none",
	}, told)
	require.Empty(t, lookBackNotices(rec), "a policy with no look-back days schedules none")
}

func lookBackNotices(rec *recorder) []string {
	var out []string
	for _, n := range rec.notices {
		if n.Rung == itemmsg.RungLookBack {
			out = append(out, n.SendAt.Format("2006-01-02 15:04")+" "+n.Key)
		}
	}
	return out
}

// An item signed for late is told apart from one reported late: it turns yellow for the
// missed acknowledgement (the deadline is not near) and remembers it was late.
func TestALateAcknowledgementIsYellowAndRemembered(t *testing.T) {
	issued := sh(2026, 3, 2, 9, 0)
	rec := ladder(t, issued, itemmsg.Spec{DeadlineKind: "by_date", DueDate: "2026-04-30"}, sh(2026, 3, 10, 9, 0),
		map[time.Time]itemmsg.ActionRequest{sh(2026, 3, 4, 9, 0): {Action: itemmsg.Acknowledge, Actor: township}}, nil)
	require.Equal(t, "green 距完成时限还有41个工作日", lightAt(rec, sh(2026, 3, 3, 8, 59)))
	require.Equal(t, "yellow 超过签收时限仍未签收", lightAt(rec, sh(2026, 3, 3, 9, 0)))
	require.Equal(t, "green 距完成时限还有40个工作日", lightAt(rec, sh(2026, 3, 4, 9, 0)))
	var acked bool
	for _, a := range rec.audit {
		if a.Action == itemmsg.Acknowledge {
			acked = true
		}
	}
	require.True(t, acked)
	require.True(t, rec.rows["m1-u20"].AckLate)
}

// 销号 schedules the 30/60/90-day look-backs (回头看) to the issuer and the workflow ends. A
// month later the issuer finds a relapse: the workflow is started again from the read model
// (as Update-with-Start does), the item reopens to 整改中 with its new deadline, and the run
// continues as new to supervise it.
func TestALookBackFindsARelapseAndReopensAnEndedWorkflow(t *testing.T) {
	issued := sh(2026, 3, 2, 9, 0)
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}}
	env := newTestEnv(rec)
	env.SetStartTime(issued)
	steps := []itemmsg.ActionRequest{
		{Action: itemmsg.Acknowledge, Actor: township},
		{Action: itemmsg.RequestClose, Actor: township, Note: "制度已建立", EvidenceIDs: []int64{3}},
		{Action: itemmsg.Close, Actor: county},
	}
	for i, req := range steps {
		req.ItemID = "m1-u20"
		env.RegisterDelayedCallback(func() {
			act(env, "s"+string(rune('a'+i)), req, func(_ itemmsg.ActionResult, err error) { require.NoError(t, err) })
		}, time.Duration(i+1)*time.Hour)
	}
	spec := itemmsg.Spec{ID: "m1-u20", MeasureID: 1, DeadlineKind: "by_date", DueDate: "2026-03-31", HandlerPerson: handler}
	env.ExecuteWorkflow(UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: issuedBy, IssuedAt: issued, Items: []itemmsg.Spec{spec}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "all items closed: the workflow ends")
	require.Equal(t, []string{
		"2026-04-01 08:30 default-test-workflow-id/m1-u20/look_back-30@2026-03-02/1",
		"2026-05-06 08:30 default-test-workflow-id/m1-u20/look_back-60@2026-03-02/1", // 5/1: Labour Day holiday until 5/5
		"2026-06-01 08:30 default-test-workflow-id/m1-u20/look_back-90@2026-03-02/1", // 5/31: a Sunday
	}, lookBackNotices(rec), "calendar days after 销号, sent on the next working morning")
	closed := rec.rows["m1-u20"]
	require.Equal(t, itemmsg.Closed, closed.State)

	// 30 days on, the item's workflow has ended; the look-back is sent with a start whose
	// input carries the items as the read model holds them.
	env2 := newTestEnv(rec)
	env2.SetStartTime(sh(2026, 4, 1, 10, 0))
	var res itemmsg.ActionResult
	env2.RegisterDelayedCallback(func() {
		act(env2, "relapse", itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.LookBackRelapse, Actor: county, Note: "三会一课记录又中断", ExtendTo: "2026-04-30"},
			func(r itemmsg.ActionResult, err error) { require.NoError(t, err); res = r })
	}, 0)
	env2.ExecuteWorkflow(UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: issuedBy, IssuedAt: issued,
		Carried: &itemmsg.Carried{Items: []itemmsg.Item{closed.Item}}})
	require.True(t, env2.IsWorkflowCompleted())
	// The reopened item is supervised on: in this run, or (when the relapse came after the
	// run found every item closed) in the next.
	var can *workflow.ContinueAsNewError
	var te *temporal.TimeoutError
	if err := env2.GetWorkflowError(); !errors.As(err, &can) {
		require.ErrorAs(t, err, &te, "still supervising when the test environment stopped")
		require.Equal(t, "green 距完成时限还有20个工作日", lightAt(rec, sh(2026, 4, 1, 11, 0)), "the new deadline's light")
	}
	require.Equal(t, itemmsg.InProgress, res.State)
	row := rec.rows["m1-u20"]
	require.Equal(t, itemmsg.InProgress, row.State)
	require.Equal(t, 1, row.ReopenCount)
	require.Equal(t, "2026-04-30", row.ExtendedTo)
	require.True(t, row.ClosedAt.IsZero())
	require.Equal(t, itemmsg.LookBackRelapse, rec.audit[len(rec.audit)-1].Action)
	require.Equal(t, itemmsg.Closed, rec.audit[len(rec.audit)-1].From)
}

// Re-checks are only for closed items, by the issuer, with a note; a reopening needs a
// deadline in the future. 分办 names someone else than the current handler.
func TestRechecksAndAssignmentAreJudged(t *testing.T) {
	in := input()
	// run starts at the real clock: the new deadline must be after it.
	later := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	env, rec := run(t, in, []step{
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.LookBackHolds, Actor: county, Note: "看了"}, kind: "conflict"},
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Assign, Actor: township, HandlerPerson: 0}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Assign, Actor: county, HandlerPerson: 99}, kind: "forbidden"},
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Assign, Actor: township, HandlerPerson: 99}, state: itemmsg.Issued},
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Split, Actor: township, Split: &itemmsg.SplitRequest{ChildOrderID: 1, Children: []string{"x"}}}, kind: "conflict"},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.Acknowledge, Actor: township}, state: itemmsg.Acknowledged},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.RequestClose, Actor: township, Note: "好了", EvidenceIDs: []int64{1}}, state: itemmsg.CloseRequested},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.Close, Actor: county}, state: itemmsg.Closed},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.LookBackHolds, Actor: township, Note: "看了"}, kind: "forbidden"},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.LookBackHolds, Actor: county}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.ReinspectFail, Actor: county, Note: "材料不实", ExtendTo: "2026-03-01"}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.ReinspectPass, Actor: county, Note: "属实"}, state: itemmsg.Closed},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.ReinspectFail, Actor: county, Note: "材料不实", ExtendTo: later}, state: itemmsg.InProgress},
	})
	stillOpen(t, env)
	require.Equal(t, int64(99), rec.rows["m1-u20"].HandlerPerson)
	require.Equal(t, 1, rec.rows["m2-u20"].ReopenCount)
	require.Equal(t, later, rec.rows["m2-u20"].ExtendedTo)
}

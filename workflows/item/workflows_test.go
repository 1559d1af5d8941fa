package item

import (
	"context"
	"errors"
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
	"rectify/internal/limits"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// recorder stands in for the read-model writes so that these tests look only at workflow
// logic; the integration tests in internal/app write to the real PostgreSQL.
type recorder struct {
	mu      sync.Mutex
	rows    map[string]itemmsg.ItemRow
	audit   []itemmsg.AuditEntry
	writes  []itemmsg.SupervisionWrite
	notices []itemmsg.Notice
	cal     *calendar.Calendar
	nextCal *calendar.Calendar // what LoadCalendar returns after a calendar signal
}

func (r *recorder) LoadCalendar(context.Context) ([]calendar.Year, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cal == nil {
		return calendar.Default().Years(), nil
	}
	return r.cal.Years(), nil
}

func (r *recorder) RecordSupervision(_ context.Context, in itemmsg.RecordSupervisionInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, in.Writes...)
	r.notices = append(r.notices, in.Notices...)
	return nil
}

func (r *recorder) RecordIssued(_ context.Context, in itemmsg.RecordIssuedInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, row := range in.Rows {
		r.rows[row.ID] = row
	}
	r.audit = append(r.audit, in.Audit...)
	return nil
}

func (r *recorder) RecordChange(_ context.Context, in itemmsg.ChangeRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.rows[in.Row.ID]; !ok || cur.Revision < in.Row.Revision {
		r.rows[in.Row.ID] = in.Row
	}
	r.audit = append(r.audit, in.Audit)
	return nil
}

var (
	county   = itemmsg.Actor{PersonID: 1, Name: "县委组织部干部", UnitID: 10, Roles: []role.Role{role.OrgStaff}}
	township = itemmsg.Actor{PersonID: 2, Name: "乡镇干部", UnitID: 20, Roles: []role.Role{role.TownshipOfficial}}
	sibling  = itemmsg.Actor{PersonID: 3, Name: "邻乡干部", UnitID: 30, Roles: []role.Role{role.TownshipOfficial}}
	leader   = itemmsg.Actor{PersonID: 4, Name: "乡镇领导", UnitID: 20, Roles: []role.Role{role.Leader}}
)

func input() itemmsg.UnitOrderInput {
	return itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: 1,
		IssuedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Items: []itemmsg.Spec{
			{ID: "m1-u20", MeasureID: 1, DeadlineKind: "by_date", DueDate: "2026-04-30"},
			{ID: "m2-u20", MeasureID: 2, DeadlineKind: "immediate", DueDate: "2026-03-10"},
		}}
}

// readModel is what the unit workflow's local activities write to in these tests.
type readModel interface {
	RecordIssued(context.Context, itemmsg.RecordIssuedInput) error
	RecordChange(context.Context, itemmsg.ChangeRecord) error
	LoadCalendar(context.Context) ([]calendar.Year, error)
	RecordSupervision(context.Context, itemmsg.RecordSupervisionInput) error
}

// newTestEnv is a time-skipping environment for UnitOrderWorkflow writing to rm. The
// stand-ins are registered under the activity names the recorded histories hold, which are
// the method names of itemacts.Activities and calendaracts.Activities.
func newTestEnv(rm readModel) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(UnitOrderWorkflow)
	env.RegisterActivityWithOptions(rm.RecordIssued, activity.RegisterOptions{Name: "RecordIssued"})
	env.RegisterActivityWithOptions(rm.RecordChange, activity.RegisterOptions{Name: "RecordChange"})
	env.RegisterActivityWithOptions(rm.LoadCalendar, activity.RegisterOptions{Name: "LoadCalendar"})
	env.RegisterActivityWithOptions(rm.RecordSupervision, activity.RegisterOptions{Name: "RecordSupervision"})
	return env
}

type step struct {
	req   itemmsg.ActionRequest
	kind  string // "" accepted, else the apperr code of the rejection
	state itemmsg.State
	dupe  bool
}

// run drives UnitOrderWorkflow through steps, one update a minute, checking each answer.
func run(t *testing.T, in itemmsg.UnitOrderInput, steps []step) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}}
	env := newTestEnv(rec)
	for i, st := range steps {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(itemmsg.UpdateAction, "u"+string(rune('a'+i)), &testsuite.TestUpdateCallback{
				OnAccept: func() {
					if st.kind != "" {
						t.Errorf("step %d (%s): accepted, want rejection %s", i, st.req.Action, st.kind)
					}
				},
				OnReject: func(err error) {
					var ae *temporal.ApplicationError
					if !errors.As(err, &ae) || ae.Type() != st.kind {
						t.Errorf("step %d (%s): rejected with %v, want %q", i, st.req.Action, err, st.kind)
					}
				},
				OnComplete: func(v any, err error) {
					if st.kind != "" {
						return
					}
					require.NoError(t, err, "step %d", i)
					res := v.(itemmsg.ActionResult)
					if res.State != st.state || res.Duplicate != st.dupe {
						t.Errorf("step %d (%s): got %s dup=%v, want %s dup=%v", i, st.req.Action, res.State, res.Duplicate, st.state, st.dupe)
					}
				},
			}, st.req)
		}, time.Duration(i+1)*time.Minute)
	}
	env.ExecuteWorkflow(UnitOrderWorkflow, in)
	return env, rec
}

// stillOpen checks that the workflow was still serving when the test environment's own
// time limit ended it, that is, it had not finished by itself.
func stillOpen(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
	t.Helper()
	var te *temporal.TimeoutError
	require.ErrorAs(t, env.GetWorkflowError(), &te, "the workflow should still be open")
}

func TestAnItemIsReturnedOnceThenClosedOutWhileTheOtherIsCancelled(t *testing.T) {
	a := "m1-u20"
	env, rec := run(t, input(), []step{
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: township}, state: itemmsg.Acknowledged},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Note: "已召开专题会议"}, state: itemmsg.InProgress},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestClose, Actor: township, Note: "已完成", EvidenceIDs: []int64{5}}, state: itemmsg.CloseRequested},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Return, Actor: county, Note: "佐证材料不足"}, state: itemmsg.InProgress},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestClose, Actor: township, Note: "补充会议记录", EvidenceIDs: []int64{6}}, state: itemmsg.CloseRequested},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Close, Actor: county}, state: itemmsg.Closed},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.Cancel, Actor: county, Note: "问题已不存在"}, state: itemmsg.Cancelled},
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "all items terminal: the workflow ends")
	row := rec.rows[a]
	require.Equal(t, itemmsg.Closed, row.State)
	require.EqualValues(t, 7, row.Revision)
	require.Equal(t, 1, row.ReturnCount)
	require.Equal(t, 1, row.ProgressCount)
	require.Equal(t, itemmsg.HolderNone, row.Holder)
	var trail []string
	for _, e := range rec.audit {
		if e.ItemID == a {
			trail = append(trail, string(e.From)+">"+string(e.To))
		}
	}
	require.Equal(t, []string{">issued", "issued>acknowledged", "acknowledged>in_progress", "in_progress>close_requested",
		"close_requested>in_progress", "in_progress>close_requested", "close_requested>closed"}, trail)
}

func TestIllegalActionsAreRejectedAndChangeNothing(t *testing.T) {
	a, b := "m1-u20", "m2-u20"
	env, rec := run(t, input(), []step{
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Close, Actor: county}, kind: "conflict"},                    // never requested
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: sibling}, kind: "forbidden"},            // another township
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: leader}, kind: "forbidden"},             // leaders read only
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: township}, state: itemmsg.Acknowledged}, // fine
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township}, kind: "invalid"},                // no note
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestClose, Actor: township, Note: "x"}, kind: "invalid"}, // no evidence
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestClose, Actor: township, Note: "完成", EvidenceIDs: []int64{1}}, state: itemmsg.CloseRequested},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Close, Actor: sibling}, kind: "forbidden"},  // reviewer outside issuing unit
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Close, Actor: township}, kind: "forbidden"}, // the unit cannot close its own item
		{req: itemmsg.ActionRequest{ItemID: b, Action: itemmsg.Cancel, Actor: county}, state: itemmsg.Cancelled},
		{req: itemmsg.ActionRequest{ItemID: b, Action: itemmsg.Acknowledge, Actor: township}, kind: "conflict"}, // cancelled
		{req: itemmsg.ActionRequest{ItemID: "nope", Action: itemmsg.Acknowledge, Actor: township}, kind: "not_found"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: "approve", Actor: county}, kind: "invalid"},
	})
	stillOpen(t, env)
	require.Equal(t, itemmsg.CloseRequested, rec.rows[a].State)
	require.EqualValues(t, 3, rec.rows[a].Revision, "only the two accepted actions moved item a")
	require.Equal(t, itemmsg.Cancelled, rec.rows[b].State)
	require.Len(t, rec.audit, 2+2+1, "two issue rows, two actions on a, one on b")
}

func TestTheSameIdempotencyKeyIsActedOnOnce(t *testing.T) {
	a := "m1-u20"
	req := itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: township, Key: "k-1"}
	prog := itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Note: "第一次", Key: "k-2"}
	env, rec := run(t, input(), []step{
		{req: req, state: itemmsg.Acknowledged},
		{req: req, state: itemmsg.Acknowledged, dupe: true},
		{req: prog, state: itemmsg.InProgress},
		{req: prog, state: itemmsg.InProgress, dupe: true},
	})
	stillOpen(t, env)
	require.EqualValues(t, 3, rec.rows[a].Revision)
	require.Equal(t, 1, rec.rows[a].ProgressCount)
	require.Len(t, rec.audit, 4)
}

func TestAWorkflowContinuesAsNewCarryingItemsAndKeys(t *testing.T) {
	in := input()
	in.ActionsPerRun = 2
	env, _ := run(t, in, []step{
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Acknowledge, Actor: township, Key: "k"}, state: itemmsg.Acknowledged},
		{req: itemmsg.ActionRequest{ItemID: "m2-u20", Action: itemmsg.Acknowledge, Actor: township}, state: itemmsg.Acknowledged},
	})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	var next itemmsg.UnitOrderInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carried)
	require.Empty(t, next.Items)
	require.Equal(t, itemmsg.Acknowledged, next.Carried.Items[0].State)
	require.EqualValues(t, 2, next.Carried.Items[1].Revision)
	require.Contains(t, next.Carried.Handled, "m1-u20|2|k", "keys are remembered per item and person")

	// The next run answers the carried key without acting again.
	env2, rec2 := run(t, next, []step{
		{req: itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Acknowledge, Actor: township, Key: "k"}, state: itemmsg.Acknowledged, dupe: true},
	})
	stillOpen(t, env2)
	require.Empty(t, rec2.audit, "a continued run neither re-issues nor re-acts")
}

// The README's own walk acknowledges with the key ack-1; a township with two items of one
// order that uses it for both must see both acknowledged, not the first answered twice.
func TestOneKeyOnTwoItemsOfAUnitActsOnBoth(t *testing.T) {
	a, b := "m1-u20", "m2-u20"
	colleague := itemmsg.Actor{PersonID: 5, Name: "乡镇干部二", UnitID: 20, Roles: []role.Role{role.TownshipOfficial}}
	env, rec := run(t, input(), []step{
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: township, Key: "ack-1"}, state: itemmsg.Acknowledged},
		{req: itemmsg.ActionRequest{ItemID: b, Action: itemmsg.Acknowledge, Actor: township, Key: "ack-1"}, state: itemmsg.Acknowledged},
		// The same person retrying is answered from memory.
		{req: itemmsg.ActionRequest{ItemID: b, Action: itemmsg.Acknowledge, Actor: township, Key: "ack-1"}, state: itemmsg.Acknowledged, dupe: true},
		// The same key with another action on the same item is a conflict, not a replay.
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Key: "ack-1", Note: "已开会"}, kind: "conflict"},
		// A colleague's key is their own: ack-1 from them is a new request (and a late one).
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: colleague, Key: "ack-1"}, kind: "conflict"},
		// Someone outside the unit never receives the remembered answer.
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: itemmsg.Actor{PersonID: 2, Name: "调离", UnitID: 30, Roles: []role.Role{role.TownshipOfficial}}, Key: "ack-1"}, kind: "forbidden"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Key: "p-1", Note: "第一次"}, state: itemmsg.InProgress},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Key: "p-1", Note: "改过的内容"}, kind: "conflict"},
	})
	stillOpen(t, env)
	require.Equal(t, itemmsg.Acknowledged, rec.rows[b].State, "the second item was acknowledged")
	require.EqualValues(t, 2, rec.rows[b].Revision)
	require.Equal(t, itemmsg.InProgress, rec.rows[a].State)
	require.Equal(t, 1, rec.rows[a].ProgressCount, "the conflicting body did not act")
	require.Len(t, rec.audit, 2+3)
}

// Whatever way an action arrives (API, progress sheet, a script on Temporal directly), the
// validator refuses texts and lists that would outgrow the workflow's remembered state.
func TestOversizedRequestsAreRefusedByTheWorkflow(t *testing.T) {
	a := "m1-u20"
	long := strings.Repeat("整", limits.MaxNote+1)
	many := make([]int64, limits.MaxEvidenceIDs+1)
	env, rec := run(t, input(), []step{
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Acknowledge, Actor: township}, state: itemmsg.Acknowledged},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Note: long}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestClose, Actor: township, Note: "完成", EvidenceIDs: many}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Note: "正常长度", Key: strings.Repeat("k", MaxKeyLength+1)}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.RequestExtension, Actor: township, Note: "理由", ExtendTo: "2040-01-01"}, kind: "invalid"},
		{req: itemmsg.ActionRequest{ItemID: a, Action: itemmsg.Progress, Actor: township, Note: strings.Repeat("整", limits.MaxNote)}, state: itemmsg.InProgress},
	})
	stillOpen(t, env)
	require.EqualValues(t, 3, rec.rows[a].Revision, "only the acknowledgement and the last report acted")
}

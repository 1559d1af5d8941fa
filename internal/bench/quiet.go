package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/calendar"
	"rectify/internal/role"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// QuietWeek is what one open unit workflow costs over a week in which nothing happens to its
// items: the timers that woke it (each a workflow task) and the read-model writes it made,
// day by day, Monday first.
type QuietWeek struct {
	Wakes  [7]int
	Writes [7]int
}

// quietStart is a Monday; the week measured is the one after it.
var quietStart = time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Shanghai)

// RunQuietWeek runs UnitOrderWorkflow in the SDK's time-skipping test environment: three
// items due in about four months are issued and signed for on a Monday, then the workflow is
// left alone for the next seven days. With before, the run takes the code path of workflows
// started before the quiet-days version (as their histories replay), which woke every
// midnight to rewrite the count of days left.
func RunQuietWeek(before bool) (QuietWeek, error) {
	var q QuietWeek
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(quietStart)
	env.RegisterWorkflow(item.UnitOrderWorkflow)
	// day is the day of the week measured, 0 for the Tuesday, in Asia/Shanghai.
	day := func() int {
		n, s := env.Now().In(calendar.Shanghai), quietStart
		return int(calendar.Date(n.Date()).Sub(calendar.Date(s.Date())).Hours()/24) - 1
	}
	noop := func(context.Context, any) error { return nil }
	for _, name := range []string{"RecordIssued", "RecordChange"} {
		env.RegisterActivityWithOptions(noop, activity.RegisterOptions{Name: name})
	}
	env.RegisterActivityWithOptions(func(context.Context) ([]calendar.Year, error) { return calendar.Default().Years(), nil },
		activity.RegisterOptions{Name: "LoadCalendar"})
	env.RegisterActivityWithOptions(func(_ context.Context, in itemmsg.RecordSupervisionInput) error {
		if d := day(); d >= 0 && d < 7 {
			q.Writes[d]++
		}
		return nil
	}, activity.RegisterOptions{Name: "RecordSupervision"})
	env.SetOnTimerFiredListener(func(string) {
		if d := day(); d >= 0 && d < 7 {
			q.Wakes[d]++
		}
	})
	if before {
		env.OnGetVersion("quiet-days", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	}
	unit := itemmsg.Actor{PersonID: 2, Name: "乡镇干部", UnitID: 20, Roles: []role.Role{role.TownshipOfficial}}
	var specs []itemmsg.Spec
	for i := range 3 {
		specs = append(specs, itemmsg.Spec{ID: fmt.Sprintf("m%d-u20", i+1), MeasureID: int64(i + 1), DeadlineKind: "by_date",
			DueDate: "2026-06-30", HandlerPerson: 11, PrimaryPerson: 13})
	}
	for i, sp := range specs {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(itemmsg.UpdateAction, "ack-"+sp.ID, &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {},
			}, itemmsg.ActionRequest{ItemID: sp.ID, Action: itemmsg.Acknowledge, Actor: unit})
		}, time.Duration(i+1)*time.Minute)
	}
	// The environment stops the workflow at its timeout: a week and a day after the Monday.
	env.SetWorkflowRunTimeout(8*24*time.Hour - 9*time.Hour)
	env.ExecuteWorkflow(item.UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: 1,
		IssuedAt: quietStart, Items: specs})
	return q, nil
}

// PrintQuietWeek prints the quiet week before and after the quiet-days version.
func PrintQuietWeek(out io.Writer) error {
	old, err := RunQuietWeek(true)
	if err != nil {
		return err
	}
	now, err := RunQuietWeek(false)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Quiet week of one open unit workflow (3 items due 2026-06-30, signed for on Monday 2026-03-02):")
	fmt.Fprintln(out, "                 Tue Wed Thu Fri Sat Sun Mon  total   (target: 0 on days without a transition)")
	line := func(name string, days [7]int) {
		total := 0
		fmt.Fprintf(out, "  %-14s", name)
		for _, n := range days {
			fmt.Fprintf(out, " %3d", n)
			total += n
		}
		fmt.Fprintf(out, "  %5d\n", total)
	}
	line("before: wakes", old.Wakes)
	line("before: writes", old.Writes)
	line("after:  wakes", now.Wakes)
	line("after:  writes", now.Writes)
	return nil
}

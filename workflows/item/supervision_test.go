package item

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"rectify/internal/calendar"
	"rectify/internal/light"
	"rectify/workflows/item/itemmsg"
)

const (
	handler  = 11
	direct   = 12
	primary  = 13
	issuedBy = 1
)

func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.Shanghai)
}

// ladder runs one item from issue until `until` (when the issuer cancels it, ending the
// workflow) and returns what was recorded. actions run at the given moments.
func ladder(t *testing.T, issued time.Time, spec itemmsg.Spec, until time.Time, actions map[time.Time]itemmsg.ActionRequest, rec *recorder) *recorder {
	t.Helper()
	if rec == nil {
		rec = &recorder{rows: map[string]itemmsg.ItemRow{}}
	}
	env := newTestEnv(rec)
	env.SetStartTime(issued)
	spec.ID, spec.MeasureID = "m1-u20", 1
	spec.HandlerPerson, spec.DirectPerson, spec.PrimaryPerson = handler, direct, primary
	actions[until] = itemmsg.ActionRequest{Action: itemmsg.Cancel, Actor: county, Note: "测试结束"}
	for when, req := range actions {
		req.ItemID = spec.ID
		if req.Action == "signal-calendar" {
			env.RegisterDelayedCallback(func() {
				rec.mu.Lock()
				rec.cal = rec.nextCal
				rec.mu.Unlock()
				env.SignalWorkflow(itemmsg.SignalCalendar, nil)
			}, when.Sub(issued))
			continue
		}
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(itemmsg.UpdateAction, "u-"+when.String(), &testsuite.TestUpdateCallback{
				OnAccept: func() {},
				OnReject: func(err error) { t.Errorf("%s at %s rejected: %v", req.Action, when, err) },
				OnComplete: func(_ any, err error) {
					if err != nil {
						t.Errorf("%s at %s failed: %v", req.Action, when, err)
					}
				},
			}, req)
		}, when.Sub(issued))
	}
	env.ExecuteWorkflow(UnitOrderWorkflow, itemmsg.UnitOrderInput{OrderID: 7, UnitID: 20, IssuerUnitID: 10, IssuedBy: issuedBy,
		IssuedAt: issued, Items: []itemmsg.Spec{spec}})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	return rec
}

// rungs renders fired notices as "rung fire→send people" lines, in firing order.
func rungs(rec *recorder) []string {
	var out []string
	for _, n := range rec.notices {
		line := fmt.Sprintf("%s %s→%s %d", n.Rung, n.FireAt.In(calendar.Shanghai).Format("01-02 15:04"),
			n.SendAt.In(calendar.Shanghai).Format("01-02 15:04"), n.PersonID)
		out = append(out, line)
	}
	return out
}

// lightAt is the light at t as a reader sees it: the last one written at or before t, its
// count of days computed for t (Freshen), as readers do.
func lightAt(rec *recorder, t time.Time) string {
	s := ""
	cal := rec.cal
	if cal == nil {
		cal = calendar.Default()
	}
	for _, w := range rec.writes {
		if !w.At.After(t) {
			reason := w.Reason
			if w.DueAt != nil && w.Light != light.None {
				reason = Freshen(reason, *w.DueAt, t, cal)
			}
			s = string(w.Light) + " " + reason
		}
	}
	return s
}

// A measure due 30 working days after issue on Mon 2026-01-19 runs across the Spring
// Festival (2/15–2/23 off, Sat 2/14 and Sat 2/28 worked): 30 working days land on Fri
// 2026-03-06, 17:30. Nobody signs for it on time, then nobody finishes it.
func TestA30WorkingDayDeadlineAcrossTheSpringFestivalClimbsTheWholeLadder(t *testing.T) {
	issued := sh(2026, 1, 19, 10, 0)
	rec := ladder(t, issued, itemmsg.Spec{DeadlineKind: "by_date", WorkingDays: 30, WorkingDaysFrom: "issue"}, sh(2026, 3, 25, 9, 0),
		map[time.Time]itemmsg.ActionRequest{sh(2026, 1, 21, 9, 0): {Action: itemmsg.Acknowledge, Actor: township}}, nil)
	require.Equal(t, []string{
		"not_acknowledged 01-20 10:00→01-20 10:00 11", "not_acknowledged 01-20 10:00→01-20 10:00 12",
		"reminder_before 03-03 08:30→03-03 08:30 11", "reminder_before 03-03 08:30→03-03 08:30 12", // 3 working days before
		"reminder_before 03-05 08:30→03-05 08:30 11", "reminder_before 03-05 08:30→03-05 08:30 12", // 1 working day before
		"overdue_urge 03-09 08:30→03-09 08:30 11", "overdue_urge 03-09 08:30→03-09 08:30 12", // 催办, first working day overdue
		"escalate_unit_head 03-11 08:30→03-11 08:30 13",                         // 督办 the 第一责任人 after 3
		"escalate_issuer 03-13 08:30→03-13 08:30 1",                             // the issuing department after 5
		"listed 03-20 08:30→03-20 08:30 1", "listed 03-20 08:30→03-20 08:30 13", // 挂牌督办 after 10
	}, rungs(rec))
	require.Equal(t, "green 距完成时限还有4个工作日", lightAt(rec, sh(2026, 3, 2, 12, 0)))
	// Yellow from the first hour of the day (each workflow wakes at its own minute of it).
	require.Equal(t, "yellow 距完成时限还有3个工作日", lightAt(rec, sh(2026, 3, 3, 1, 0)))
	require.Equal(t, "yellow 今天到期", lightAt(rec, sh(2026, 3, 6, 17, 29)))
	require.Equal(t, "red 已超过完成时限", lightAt(rec, sh(2026, 3, 6, 17, 30)))
	require.Equal(t, "red 已超期1个工作日", lightAt(rec, sh(2026, 3, 9, 0, 0)))
	require.Equal(t, "red 已超期10个工作日", lightAt(rec, sh(2026, 3, 20, 9, 0)))
	require.Equal(t, "green 距完成时限还有24个工作日", lightAt(rec, sh(2026, 1, 27, 0, 0)), "2/14 and 2/28 count, the festival does not")
	listed := false
	for _, w := range rec.writes {
		if w.Listed {
			listed = true
			require.False(t, w.At.Before(sh(2026, 3, 20, 8, 30)), "listed only from the 10th working day overdue")
		}
	}
	require.True(t, listed)
	last := rec.writes[len(rec.writes)-1]
	require.Equal(t, light.None, last.Light, "cancelled: no light")
}

// A measure due Wed 2026-09-30 runs into the Mid-Autumn Festival (9/25–9/27) and the
// National Day week (10/1–10/7, Sun 9/20 and Sat 10/10 worked).
func TestADeadlineBeforeTheNationalDayWeekIsEscalatedAfterIt(t *testing.T) {
	rec := ladder(t, sh(2026, 9, 10, 9, 0), itemmsg.Spec{DeadlineKind: "by_date", DueDate: "2026-09-30"}, sh(2026, 10, 30, 9, 0),
		map[time.Time]itemmsg.ActionRequest{sh(2026, 9, 10, 15, 0): {Action: itemmsg.Acknowledge, Actor: township}}, nil)
	require.Equal(t, []string{
		"reminder_before 09-24 08:30→09-24 08:30 11", "reminder_before 09-24 08:30→09-24 08:30 12", // 9/25–27 off
		"reminder_before 09-29 08:30→09-29 08:30 11", "reminder_before 09-29 08:30→09-29 08:30 12",
		"overdue_urge 10-08 08:30→10-08 08:30 11", "overdue_urge 10-08 08:30→10-08 08:30 12",
		"escalate_unit_head 10-10 08:30→10-10 08:30 13", // Sat 10/10 is worked
		"escalate_issuer 10-13 08:30→10-13 08:30 1",
		"listed 10-20 08:30→10-20 08:30 1", "listed 10-20 08:30→10-20 08:30 13",
	}, rungs(rec))
	require.Equal(t, "red 已超期0个工作日", strings.Replace(lightAt(rec, sh(2026, 10, 7, 12, 0)), "已超过完成时限", "已超期0个工作日", 1),
		"the holiday week adds no overdue working days")
	require.Equal(t, "red 已超期1个工作日", lightAt(rec, sh(2026, 10, 8, 0, 0)))
}

// A rung that falls due at night or on a holiday goes out at 08:30 of the next working day.
func TestAReminderDueOnAHolidayNightGoesOutAtTheNextWorkingMorning(t *testing.T) {
	// Issued Fri 2026-02-13 20:00; not signed for within 1 working day: due Sat 2/14 (worked)
	// at 20:00, outside working hours; the next working morning is Tue 2/24.
	rec := ladder(t, sh(2026, 2, 13, 20, 0), itemmsg.Spec{DeadlineKind: "by_date", DueDate: "2026-04-30"}, sh(2026, 2, 26, 9, 0),
		map[time.Time]itemmsg.ActionRequest{}, nil)
	require.Equal(t, []string{"not_acknowledged 02-14 20:00→02-24 08:30 11", "not_acknowledged 02-14 20:00→02-24 08:30 12"}, rungs(rec))
}

// An extension requested before the deadline and approved moves every later rung; the rungs
// that already fired stay fired.
func TestAnApprovedExtensionMovesTheLadder(t *testing.T) {
	rec := ladder(t, sh(2026, 3, 2, 9, 0), itemmsg.Spec{DeadlineKind: "by_date", DueDate: "2026-03-20"}, sh(2026, 4, 2, 9, 0),
		map[time.Time]itemmsg.ActionRequest{
			sh(2026, 3, 2, 10, 0):  {Action: itemmsg.Acknowledge, Actor: township},
			sh(2026, 3, 18, 10, 0): {Action: itemmsg.RequestExtension, Actor: township, ExtendTo: "2026-03-27", Note: "需等待上级批复"},
			sh(2026, 3, 18, 15, 0): {Action: itemmsg.ApproveExtension, Actor: county},
		}, nil)
	require.Equal(t, []string{
		"reminder_before 03-17 08:30→03-17 08:30 11", "reminder_before 03-17 08:30→03-17 08:30 12", // 3 before 3/20
		"reminder_before 03-24 08:30→03-24 08:30 11", "reminder_before 03-24 08:30→03-24 08:30 12", // 3 before 3/27
		"reminder_before 03-26 08:30→03-26 08:30 11", "reminder_before 03-26 08:30→03-26 08:30 12", // 1 before 3/27
		"overdue_urge 03-30 08:30→03-30 08:30 11", "overdue_urge 03-30 08:30→03-30 08:30 12",
		"escalate_unit_head 04-01 08:30→04-01 08:30 13",
	}, rungs(rec))
	require.Equal(t, "green 距完成时限还有7个工作日", lightAt(rec, sh(2026, 3, 18, 16, 0)))
}

// When the holiday table changes, a deadline counted in working days moves with it.
func TestANewHolidayTableMovesAWorkingDayDeadline(t *testing.T) {
	// 10 working days from Mon 2026-03-02 is Mon 3/16. Then a new table makes 3/10 a day off.
	y2026 := calendar.Default().Years()[1]
	require.Equal(t, 2026, y2026.Year)
	y2026.Days = append(append([]calendar.Day{}, y2026.Days...), calendar.Day{Name: "临时调整", Date: "2026-03-10", IsOffDay: true})
	changed, err := calendar.Default().With(y2026)
	require.NoError(t, err)
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}, nextCal: changed}
	rec = ladder(t, sh(2026, 3, 2, 9, 0), itemmsg.Spec{DeadlineKind: "by_date", WorkingDays: 10, WorkingDaysFrom: "issue"}, sh(2026, 3, 20, 9, 0),
		map[time.Time]itemmsg.ActionRequest{
			sh(2026, 3, 2, 10, 0): {Action: itemmsg.Acknowledge, Actor: township},
			sh(2026, 3, 3, 9, 0):  {Action: "signal-calendar"},
		}, rec)
	var dues []string
	for _, w := range rec.writes {
		if w.DueAt != nil {
			d := w.DueAt.In(calendar.Shanghai).Format("01-02 15:04")
			if len(dues) == 0 || dues[len(dues)-1] != d {
				dues = append(dues, d)
			}
		}
	}
	require.Equal(t, []string{"03-16 17:30", "03-17 17:30"}, dues)
}

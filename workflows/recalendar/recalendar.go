// Package recalendar holds the workflow that tells the open unit workflows that the holiday
// table changed, so that they reload it and move their working-day deadlines (the calendar
// refresh), through the activities in activities/calendaracts, and Load, by which those
// workflows read the table. Workflow code does no I/O.
package recalendar

import (
	"go.temporal.io/sdk/workflow"

	"rectify/activities/calendaracts"
	"rectify/internal/calendar"
	"rectify/workflows/actopts"
)

// RecalendarWorkflowID names the fan-out for one version of the holiday table.
func RecalendarWorkflowID(deployment, fingerprint string) string {
	return deployment + "-recalendar-" + fingerprint
}

// RecalendarWorkflow fans the news of a new holiday table out to the open unit workflows,
// durably: a crash resumes the fan-out, and a workflow told twice only reloads twice.
func RecalendarWorkflow(ctx workflow.Context) (int, error) {
	var a *calendaracts.Activities
	var n int
	err := workflow.ExecuteActivity(actopts.SignalWorkflows(ctx), a.SignalOpenWorkflows).Get(ctx, &n)
	return n, err
}

// Load reads the holiday table in force through the local activity LoadCalendar, run with
// the options in ctx, so that the table is recorded in history and replays identically. It
// returns the calendar and the years it is built from.
func Load(ctx workflow.Context) (*calendar.Calendar, []calendar.Year, error) {
	var a *calendaracts.Activities
	var years []calendar.Year
	if err := workflow.ExecuteLocalActivity(ctx, a.LoadCalendar).Get(ctx, &years); err != nil {
		return nil, nil, err
	}
	cal, err := calendar.New(years...)
	if err != nil {
		return nil, nil, err
	}
	return cal, years, nil
}

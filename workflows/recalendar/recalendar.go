// Package recalendar holds the workflow that tells the open unit workflows that the holiday
// table changed, so that they reload it and move their working-day deadlines (the calendar
// refresh), through the activities in activities/calendaracts. Workflow code does no I/O.
package recalendar

import (
	"go.temporal.io/sdk/workflow"

	"rectify/activities/calendaracts"
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

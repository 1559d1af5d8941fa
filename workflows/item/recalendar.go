package item

import (
	"go.temporal.io/sdk/workflow"

	"rectify/workflows/actopts"
)

// ActivitySignalOpenWorkflows tells every unit workflow with open items that the holiday
// table changed.
const ActivitySignalOpenWorkflows = "SignalOpenWorkflows"

// RecalendarWorkflowID names the fan-out for one version of the holiday table.
func RecalendarWorkflowID(deployment, fingerprint string) string {
	return deployment + "-recalendar-" + fingerprint
}

// RecalendarWorkflow fans the news of a new holiday table out to the open unit workflows,
// durably: a crash resumes the fan-out, and a workflow told twice only reloads twice.
func RecalendarWorkflow(ctx workflow.Context) (int, error) {
	var n int
	err := workflow.ExecuteActivity(actopts.SignalWorkflows(ctx), ActivitySignalOpenWorkflows).Get(ctx, &n)
	return n, err
}

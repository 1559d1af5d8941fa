package item

import (
	"time"

	"go.temporal.io/sdk/workflow"
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
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    30 * time.Second,
	})
	var n int
	err := workflow.ExecuteActivity(actx, ActivitySignalOpenWorkflows).Get(ctx, &n)
	return n, err
}

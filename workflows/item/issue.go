package item

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"rectify/activities/itemacts"
	"rectify/workflows/actopts"
	"rectify/workflows/item/itemmsg"
)

// IssueOrderWorkflow issues (交办) an order: it starts the unit workflows, then marks the
// order issued. Starting is one heartbeating activity so that a crash resumes where it was,
// and unit workflow ids make a repeated start harmless.
func IssueOrderWorkflow(ctx workflow.Context, in itemmsg.IssueOrderInput) (itemmsg.IssueOrderResult, error) {
	var a *itemacts.Activities
	var res itemmsg.IssueOrderResult
	if err := workflow.ExecuteActivity(actopts.StartWorkflows(ctx), a.StartUnitWorkflows, in).Get(ctx, &res); err != nil {
		return res, err
	}
	if res.Units == 0 {
		return res, errors.New("order has no target units")
	}
	if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.MarkOrderIssued, in.OrderID, res.Units).Get(ctx, nil); err != nil {
		return res, err
	}
	return res, nil
}

// StartIssue starts the issuance workflow of an order. Starting it again while it runs or
// after it finished is not an error: the workflow id makes issuance happen once.
func StartIssue(ctx context.Context, c client.Client, taskQueue string, in itemmsg.IssueOrderInput) (string, error) {
	id := itemmsg.IssueWorkflowID(in.Deployment, in.OrderID)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, IssueOrderWorkflow, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return id, err
	}
	return id, nil
}

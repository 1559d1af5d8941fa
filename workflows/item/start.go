package item

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"rectify/workflows/item/itemmsg"
)

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

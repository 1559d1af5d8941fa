package weakcase

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/workflows/weakcase/weakcasemsg"
)

// Start starts a case's workflow; starting it again finds the one running.
func Start(ctx context.Context, c client.Client, taskQueue string, in weakcasemsg.Input) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: weakcasemsg.WorkflowID(in.Deployment, in.CaseID), TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, CaseWorkflow, in)
	if err != nil {
		return fmt.Errorf("weakcase.Start(%d): %w", in.CaseID, err)
	}
	return nil
}

// Act sends an action to a case's workflow and waits for its answer. updateID makes a
// repeated request act once.
func Act(ctx context.Context, c client.Client, deployment string, caseID int64, updateID string, a weakcasemsg.Action) (weakcasemsg.Result, error) {
	var res weakcasemsg.Result
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: weakcasemsg.WorkflowID(deployment, caseID), UpdateID: updateID,
		UpdateName: weakcasemsg.UpdateCaseAction, Args: []any{a}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	return res, err
}

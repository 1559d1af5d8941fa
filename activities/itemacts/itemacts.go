// Package itemacts holds the activities of the item workflows (workflows/item): writing
// items, their audit trail and their supervision to the read model, waking the dispatchers
// of the reminders those writes schedule, and starting the unit workflows of an order at
// issuance. Every method is safe to retry.
package itemacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"rectify/activities/dispatchacts"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// Activities holds what the item activities need.
type Activities struct {
	Items     *items.Store
	Orders    *order.Store
	Client    client.Client
	TaskQueue string
	// Concurrency is how many unit workflows issuance starts at once.
	Concurrency int
	// Dispatchers wakes the dispatcher of every send slot a supervision write involves.
	Dispatchers *dispatchacts.Dispatchers
}

// RecordSupervision writes lights and fired rungs, then wakes the dispatcher of every send
// slot involved (starting it when needed).
func (a *Activities) RecordSupervision(ctx context.Context, in itemmsg.RecordSupervisionInput) error {
	if err := a.Items.WriteSupervision(ctx, in.Writes, in.Notices); err != nil {
		return err
	}
	var slots []time.Time
	for _, n := range in.Notices {
		if !slices.ContainsFunc(slots, n.SendAt.Equal) {
			slots = append(slots, n.SendAt)
		}
	}
	for _, slot := range slots {
		if err := a.Dispatchers.Wake(ctx, in.Deployment, slot); err != nil {
			return err
		}
	}
	return nil
}

// RecordIssued writes freshly issued items with their 交办 audit rows.
func (a *Activities) RecordIssued(ctx context.Context, in itemmsg.RecordIssuedInput) error {
	return a.Items.Write(ctx, in.Rows, in.Audit)
}

// RecordChange writes one item's new state and its audit row.
func (a *Activities) RecordChange(ctx context.Context, in itemmsg.ChangeRecord) error {
	return a.Items.WriteChange(ctx, in)
}

// MarkOrderIssued records that every unit workflow of an order has started.
func (a *Activities) MarkOrderIssued(ctx context.Context, orderID int64, units int) error {
	return a.Orders.MarkIssued(ctx, orderID, units)
}

// StartUnitWorkflows starts one workflow per target unit holding that unit's items. It
// heartbeats how many targets are done; after a crash it resumes there, and a workflow
// that already exists counts as started, so every item exists exactly once.
func (a *Activities) StartUnitWorkflows(ctx context.Context, in itemmsg.IssueOrderInput) (itemmsg.IssueOrderResult, error) {
	plan, err := a.Orders.LoadPlan(ctx, in.OrderID)
	if err != nil {
		return itemmsg.IssueOrderResult{}, fmt.Errorf("StartUnitWorkflows: %w", err)
	}
	done := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &done)
	}
	conc := max(a.Concurrency, 1)
	for done < len(plan.Targets) {
		end := min(done+conc, len(plan.Targets))
		g, gctx := errgroup.WithContext(ctx)
		for _, unitID := range plan.Targets[done:end] {
			g.Go(func() error { return a.startUnit(gctx, plan, in, unitID) })
		}
		if err := g.Wait(); err != nil {
			return itemmsg.IssueOrderResult{}, fmt.Errorf("StartUnitWorkflows(order %d): %w", in.OrderID, err)
		}
		done = end
		activity.RecordHeartbeat(ctx, done)
	}
	return itemmsg.IssueOrderResult{Units: len(plan.Targets), Items: plan.ItemCount()}, nil
}

func (a *Activities) startUnit(ctx context.Context, plan *order.Plan, in itemmsg.IssueOrderInput, unitID int64) error {
	specs := plan.Specs(unitID)
	_, err := a.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       itemmsg.UnitWorkflowID(in.Deployment, plan.OrderID, unitID),
		TaskQueue:                                a.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, itemmsg.UnitOrderWorkflowType, itemmsg.UnitOrderInput{
		Deployment: in.Deployment, Policy: &plan.Policy,
		OrderID: plan.OrderID, UnitID: unitID, IssuerUnitID: plan.IssuerUnitID,
		IssuedBy: in.IssuedBy, IssuedAt: in.IssuedAt, Items: specs, ParentWorkflowID: plan.ParentWorkflowID,
	})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return nil
	}
	return err
}

// Package supervision holds the activities of the item workflows: writes to the read model
// and the start of unit workflows at issuance. Every method is safe to retry.
package supervision

import (
	"context"
	"errors"
	"fmt"

	"slices"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/bulletin"
	"rectify/internal/calendar"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/weak"
	"rectify/workflows/item"
)

// Activities holds what the activities need.
type Activities struct {
	Items     *items.Store
	Orders    *order.Store
	Holidays  *holidays.Store
	Bulletins *bulletin.Store
	Weak      *weak.Store
	Org       *org.Store
	Notifier  *notify.Notifier
	Client    client.Client
	TaskQueue string
	// Concurrency is how many unit workflows issuance starts at once.
	Concurrency int
	// SendConcurrency is how many people are sent to at once.
	SendConcurrency int
	// Settle is how long a dispatcher waits after its slot for notices still being recorded.
	Settle time.Duration
	// Link makes a link to an item for messages.
	Link func(itemID string) string
}

// LoadCalendar returns the holiday table in force.
func (a *Activities) LoadCalendar(ctx context.Context) ([]calendar.Year, error) {
	c, err := a.Holidays.Current(ctx)
	if err != nil {
		return nil, err
	}
	return c.Years(), nil
}

// RecordSupervision writes lights and fired rungs, then wakes the dispatcher of every send
// slot involved (starting it when needed).
func (a *Activities) RecordSupervision(ctx context.Context, in item.RecordSupervisionInput) error {
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
		if err := a.wakeDispatcher(ctx, in.Deployment, slot); err != nil {
			return err
		}
	}
	return nil
}

func (a *Activities) wakeDispatcher(ctx context.Context, deployment string, slot time.Time) error {
	slot = slot.Truncate(time.Minute)
	_, err := a.Client.SignalWithStartWorkflow(ctx, item.DispatchWorkflowID(deployment, slot), item.SignalNotices, nil,
		client.StartWorkflowOptions{TaskQueue: a.TaskQueue}, item.DispatchWorkflow,
		item.DispatchInput{Deployment: deployment, Slot: slot, Settle: a.Settle})
	if err != nil {
		return fmt.Errorf("wake dispatcher %s: %w", slot, err)
	}
	return nil
}

// RecordIssued writes freshly issued items with their 交办 audit rows.
func (a *Activities) RecordIssued(ctx context.Context, in item.RecordIssuedInput) error {
	return a.Items.Write(ctx, in.Rows, in.Audit)
}

// RecordChange writes one item's new state and its audit row.
func (a *Activities) RecordChange(ctx context.Context, in item.ChangeRecord) error {
	return a.Items.Write(ctx, []item.ItemRow{in.Row}, []item.AuditEntry{in.Audit})
}

// MarkOrderIssued records that every unit workflow of an order has started.
func (a *Activities) MarkOrderIssued(ctx context.Context, orderID int64, units int) error {
	return a.Orders.MarkIssued(ctx, orderID, units)
}

// StartUnitWorkflows starts one workflow per target unit holding that unit's items. It
// heartbeats how many targets are done; after a crash it resumes there, and a workflow
// that already exists counts as started, so every item exists exactly once.
func (a *Activities) StartUnitWorkflows(ctx context.Context, in item.IssueOrderInput) (item.IssueOrderResult, error) {
	plan, err := a.Orders.LoadPlan(ctx, in.OrderID)
	if err != nil {
		return item.IssueOrderResult{}, fmt.Errorf("StartUnitWorkflows: %w", err)
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
			return item.IssueOrderResult{}, fmt.Errorf("StartUnitWorkflows(order %d): %w", in.OrderID, err)
		}
		done = end
		activity.RecordHeartbeat(ctx, done)
	}
	return item.IssueOrderResult{Units: len(plan.Targets), Items: len(plan.Targets) * len(plan.Measures)}, nil
}

func (a *Activities) startUnit(ctx context.Context, plan *order.Plan, in item.IssueOrderInput, unitID int64) error {
	specs := make([]item.Spec, len(plan.Measures))
	for i, m := range plan.Measures {
		specs[i] = plan.Spec(m, unitID)
	}
	_, err := a.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       item.UnitWorkflowID(in.Deployment, plan.OrderID, unitID),
		TaskQueue:                                a.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, item.UnitOrderWorkflow, item.UnitOrderInput{
		Deployment: in.Deployment, Policy: &plan.Policy,
		OrderID: plan.OrderID, UnitID: unitID, IssuerUnitID: plan.IssuerUnitID,
		IssuedBy: in.IssuedBy, IssuedAt: in.IssuedAt, Items: specs,
	})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return nil
	}
	return err
}

// SignalOpenWorkflows signals SignalCalendar to every workflow that still has open items,
// returning how many it told.
func (a *Activities) SignalOpenWorkflows(ctx context.Context) (int, error) {
	ids, err := a.Items.OpenWorkflowIDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("SignalOpenWorkflows: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(a.Concurrency, 1))
	for _, id := range ids {
		g.Go(func() error {
			err := a.Client.SignalWorkflow(gctx, id, "", item.SignalCalendar, nil)
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				return nil // finished meanwhile
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return 0, fmt.Errorf("SignalOpenWorkflows: %w", err)
	}
	return len(ids), nil
}

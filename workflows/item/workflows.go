package item

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

const defaultActionsPerRun = 2000

// localWrite is how every read-model write runs: a local activity inside the workflow task,
// so a step costs no extra server round trip. It retries until the database answers.
func localWrite(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: time.Hour,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
		},
	})
}

// UnitOrderWorkflow supervises every item of one order at one unit (one (order, unit) pair).
// It records the items as issued, then serves actions until all of them are closed or
// cancelled. Granularity and its figures: docs/design.md.
func UnitOrderWorkflow(ctx workflow.Context, in UnitOrderInput) error {
	l := newLifecycle(in)
	info := workflow.GetInfo(ctx)
	wfID := info.WorkflowExecution.ID
	logger := workflow.GetLogger(ctx)
	limit := in.ActionsPerRun
	if limit <= 0 {
		limit = defaultActionsPerRun
	}

	if in.Carried == nil {
		rec := RecordIssuedInput{}
		for _, it := range l.items {
			rec.Rows = append(rec.Rows, l.row(it, wfID, in.IssuedAt, in.IssuedAt))
			rec.Audit = append(rec.Audit, AuditEntry{ItemID: it.ID, Revision: it.Revision, At: in.IssuedAt,
				ActorID: in.IssuedBy, ActorUnitID: in.IssuerUnitID, Action: Issue, To: Issued})
		}
		if err := workflow.ExecuteLocalActivity(localWrite(ctx), ActivityRecordIssued, rec).Get(ctx, nil); err != nil {
			return err
		}
	}

	actions := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAction,
		func(ctx workflow.Context, req ActionRequest) (ActionResult, error) {
			now := workflow.Now(ctx)
			res, audit, changed, err := l.apply(req, now)
			if err != nil || !changed {
				return res, err
			}
			actions++
			it := l.items[l.index[req.ItemID]]
			rec := ChangeRecord{Row: l.row(it, wfID, in.IssuedAt, now), Audit: audit}
			if err := workflow.ExecuteLocalActivity(localWrite(ctx), ActivityRecordChange, rec).Get(ctx, nil); err != nil {
				// The state has moved; the next write of this item carries it to the read model.
				logger.Error("read model write failed", "item", req.ItemID, "error", err)
				return res, err
			}
			return res, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req ActionRequest) error {
			return l.check(req)
		}},
	)
	if err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryItems, func() ([]Item, error) { return l.items, nil }); err != nil {
		return err
	}

	if err := workflow.Await(ctx, func() bool {
		return l.allTerminal() || actions >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	// Let running handlers finish their writes before the run ends or continues.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if l.allTerminal() {
		return nil
	}
	next := in
	next.Items = nil
	next.Carried = l.carried()
	return workflow.NewContinueAsNewError(ctx, UnitOrderWorkflow, next)
}

// IssueOrderWorkflow issues (交办) an order: it starts the unit workflows, then marks the
// order issued. Starting is one heartbeating activity so that a crash resumes where it was,
// and unit workflow ids make a repeated start harmless.
func IssueOrderWorkflow(ctx workflow.Context, in IssueOrderInput) (IssueOrderResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second,
			MaximumInterval: 30 * time.Second,
		},
	})
	var res IssueOrderResult
	if err := workflow.ExecuteActivity(actx, ActivityStartUnitWorkflows, in).Get(ctx, &res); err != nil {
		return res, err
	}
	if res.Units == 0 {
		return res, errors.New("order has no target units")
	}
	if err := workflow.ExecuteLocalActivity(localWrite(ctx), ActivityMarkOrderIssued, in.OrderID, res.Units).Get(ctx, nil); err != nil {
		return res, err
	}
	return res, nil
}

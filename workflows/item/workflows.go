package item

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"rectify/activities/calendaracts"
	"rectify/activities/itemacts"
	"rectify/internal/calendar"
	"rectify/workflows/actopts"
	"rectify/workflows/item/itemmsg"
)

const defaultActionsPerRun = 2000

// UnitOrderWorkflow supervises every item of one order at one unit (one (order, unit) pair).
// It records the items as issued, then serves actions until all of them are closed or
// cancelled. Granularity and its figures: docs/design.md.
func UnitOrderWorkflow(ctx workflow.Context, in itemmsg.UnitOrderInput) error {
	var a *itemacts.Activities
	l := newLifecycle(in)
	info := workflow.GetInfo(ctx)
	wfID := info.WorkflowExecution.ID
	logger := workflow.GetLogger(ctx)
	limit := in.ActionsPerRun
	if limit <= 0 {
		limit = defaultActionsPerRun
	}
	// Runs from the hardening version on remember idempotency keys per (item, person) and
	// answer an action whose write is slow as accepted and pending; older runs replay as before.
	hardened := workflow.GetVersion(ctx, "hardening", workflow.DefaultVersion, 1) >= 1
	l.scopedKeys = hardened

	// Handlers first: an Update that arrives with the start (Update-with-Start, or a person
	// acting the moment an order is issued) waits for the run to be ready instead of being
	// refused as unknown. Registering adds no commands, so older histories replay unchanged.
	actions := 0
	dirty := true // something changed that supervision must look at
	var pending []itemmsg.ChangeRecord
	err := workflow.SetUpdateHandlerWithOptions(ctx, itemmsg.UpdateAction,
		func(ctx workflow.Context, req itemmsg.ActionRequest) (itemmsg.ActionResult, error) {
			if err := workflow.Await(ctx, func() bool { return l.ready }); err != nil {
				return itemmsg.ActionResult{}, err
			}
			now := workflow.Now(ctx)
			res, audit, changed, err := l.apply(req, now)
			if err != nil || !changed {
				return res, err
			}
			actions++
			dirty = true
			it := l.items[l.index[req.ItemID]]
			rec := itemmsg.ChangeRecord{Row: l.row(it, wfID, in.IssuedAt, now), Audit: audit}
			if !hardened {
				if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordChange, rec).Get(ctx, nil); err != nil {
					// The state has moved; the next write of this item carries it to the read model.
					logger.Error("read model write failed", "item", req.ItemID, "error", err)
					return res, err
				}
				return res, nil
			}
			if err := workflow.ExecuteLocalActivity(actopts.ActionWrite(ctx), a.RecordChange, rec).Get(ctx, nil); err != nil {
				// The action is part of the workflow's history: it stands. The main loop
				// records it; the caller is told so rather than told it failed.
				logger.Warn("read model write slow; left to the main loop", "item", req.ItemID, "error", err)
				pending = append(pending, rec)
				res.Pending = true
			}
			return res, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req itemmsg.ActionRequest) error {
			return l.check(req, workflow.Now(ctx))
		}},
	)
	if err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, itemmsg.QueryItems, func() ([]itemmsg.Item, error) { return l.items, nil }); err != nil {
		return err
	}

	if in.Carried == nil {
		rec := itemmsg.RecordIssuedInput{}
		for _, it := range l.items {
			rec.Rows = append(rec.Rows, l.row(it, wfID, in.IssuedAt, in.IssuedAt))
			rec.Audit = append(rec.Audit, itemmsg.AuditEntry{ItemID: it.ID, Revision: it.Revision, At: in.IssuedAt,
				ActorID: in.IssuedBy, ActorUnitID: in.IssuerUnitID, Action: itemmsg.Issue, To: itemmsg.Issued})
		}
		if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordIssued, rec).Get(ctx, nil); err != nil {
			return err
		}
	}

	// Runs started before supervision existed keep their old behaviour on replay.
	supervised := workflow.GetVersion(ctx, "supervision", workflow.DefaultVersion, 1) >= 1
	if supervised {
		if in.Carried != nil && len(in.Carried.Calendar) > 0 {
			cal, err := calendar.New(in.Carried.Calendar...)
			if err != nil {
				return err
			}
			l.cal = cal
		} else if err := loadCalendar(ctx, l); err != nil {
			return err
		}
		ch := workflow.GetSignalChannel(ctx, itemmsg.SignalCalendar)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				ch.Receive(ctx, nil)
				if err := loadCalendar(ctx, l); err != nil {
					logger.Error("reloading the holiday table failed", "error", err)
					continue
				}
				// Working-day deadlines move with the table; approved extensions stay.
				dirty = true
			}
		})
	}
	l.ready = true

	// flushPending records actions whose write missed their budget, oldest first; the rows
	// carry revisions, so a late write never overwrites a newer one.
	flushPending := func() error {
		for len(pending) > 0 {
			if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordChange, pending[0]).Get(ctx, nil); err != nil {
				return err
			}
			pending = pending[1:]
		}
		return nil
	}
	done := func() bool {
		return l.allTerminal() || actions >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}
	if !supervised {
		if err := workflow.Await(ctx, done); err != nil {
			return err
		}
	}
	for supervised {
		if err := flushPending(); err != nil {
			return err
		}
		now := workflow.Now(ctx)
		dirty = false
		rec := l.supervise(now, wfID, in)
		if len(rec.Writes)+len(rec.Notices) > 0 {
			rec.Deployment = in.Deployment
			if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordSupervision, rec).Get(ctx, nil); err != nil {
				return err
			}
		}
		if done() {
			break
		}
		wake, ok := l.nextWake(workflow.Now(ctx), in)
		cond := func() bool { return dirty || done() }
		if !ok {
			if err := workflow.Await(ctx, cond); err != nil {
				return err
			}
			continue
		}
		if _, err := workflow.AwaitWithTimeout(ctx, max(wake.Sub(workflow.Now(ctx)), time.Millisecond), cond); err != nil {
			return err
		}
	}
	// Let running handlers finish their writes before the run ends or continues.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := flushPending(); err != nil {
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

// loadCalendar reads the holiday table in force through a local activity, so that its
// result is recorded in history and replays identically.
func loadCalendar(ctx workflow.Context, l *lifecycle) error {
	var c *calendaracts.Activities
	var years []calendar.Year
	if err := workflow.ExecuteLocalActivity(actopts.CalendarRead(ctx), c.LoadCalendar).Get(ctx, &years); err != nil {
		return err
	}
	cal, err := calendar.New(years...)
	if err != nil {
		return err
	}
	l.cal = cal
	return nil
}

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

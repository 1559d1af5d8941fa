// Package item holds the lifecycle of rectification items (整改事项): one item is one
// measure (整改措施) at one target unit. UnitOrderWorkflow keeps every item of one order at
// one unit under durable supervision and accepts people's actions as Updates;
// IssueOrderWorkflow issues (交办) an order by starting those workflows. The rules they
// follow (who may do what, deadlines, lights, the reminder ladder, bounds) are here too.
//
// The messages are in itemmsg, the activities in activities/itemacts; workflow code here
// does no I/O.
package item

import (
	"hash/fnv"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"rectify/activities/itemacts"
	"rectify/internal/calendar"
	"rectify/workflows/actopts"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/recalendar"
)

const defaultActionsPerRun = 2000

// UnitOrderWorkflow supervises every item of one order at one unit (one (order, unit) pair).
// It records the items as issued, then serves actions until all of them are closed or
// cancelled. Granularity and its figures: docs/design.md.
func UnitOrderWorkflow(ctx workflow.Context, in itemmsg.UnitOrderInput) error {
	u := &unitOrder{in: in, l: newLifecycle(in), wfID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		logger: workflow.GetLogger(ctx), limit: in.ActionsPerRun, dirty: true}
	if u.limit <= 0 {
		u.limit = defaultActionsPerRun
	}
	if err := u.setup(ctx); err != nil {
		return err
	}
	return u.run(ctx)
}

// unitOrder is one run of UnitOrderWorkflow: the items with their rules, and what the
// action handler and the main loop share.
type unitOrder struct {
	in     itemmsg.UnitOrderInput
	l      *lifecycle
	wfID   string
	logger log.Logger
	// limit is how many actions a run handles before it continues as new.
	limit int

	// hardened: the run started at or after the hardening version, so it remembers
	// idempotency keys per (item, person) and answers an action whose write is slow as
	// accepted and pending. Older runs replay as before.
	hardened bool
	// supervised: the run started at or after the supervision version, so it keeps lights,
	// deadlines and reminders. Older runs only serve actions.
	supervised bool

	// actions counts the actions handled in this run.
	actions int
	// dirty is set when something changed that supervision must look at.
	dirty bool
	// pending are the changes whose write missed the action's budget, oldest first; the main
	// loop writes them.
	pending []itemmsg.ChangeRecord
}

// setup registers the handlers, records the issued items of a first run and, in supervised
// runs, loads the holiday table; then the run is ready and waiting actions are handled.
func (u *unitOrder) setup(ctx workflow.Context) error {
	u.hardened = workflow.GetVersion(ctx, "hardening", workflow.DefaultVersion, 1) >= 1
	u.l.scopedKeys = u.hardened
	// Pass-down: 分办, 转办 with its sub-items' reports, late acknowledgement, 回头看 and
	// re-inspection. A run started before it keeps its old rules on replay.
	u.l.passDown = workflow.GetVersion(ctx, "pass-down", workflow.DefaultVersion, 1) >= 1
	u.l.quiet = workflow.GetVersion(ctx, "quiet-days", workflow.DefaultVersion, 1) >= 1
	u.l.spread = spreadOf(u.wfID)
	if u.l.passDown {
		ch := workflow.GetSignalChannel(ctx, itemmsg.SignalChildProgress)
		workflow.Go(ctx, func(ctx workflow.Context) { u.followChildren(ctx, ch) })
	}

	// Handlers first: an Update that arrives with the start (Update-with-Start, or a person
	// acting the moment an order is issued) waits for the run to be ready instead of being
	// refused as unknown. Registering adds no commands, so older histories replay unchanged.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, itemmsg.UpdateAction, u.act,
		workflow.UpdateHandlerOptions{Validator: u.validate}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, itemmsg.QueryItems, func() ([]itemmsg.Item, error) { return u.l.items, nil }); err != nil {
		return err
	}

	if u.in.Carried == nil {
		if err := u.recordIssued(ctx); err != nil {
			return err
		}
	}

	// Runs started before supervision existed keep their old behaviour on replay.
	u.supervised = workflow.GetVersion(ctx, "supervision", workflow.DefaultVersion, 1) >= 1
	if u.supervised {
		if u.in.Carried != nil && len(u.in.Carried.Calendar) > 0 {
			cal, err := calendar.New(u.in.Carried.Calendar...)
			if err != nil {
				return err
			}
			u.l.cal = cal
		} else if err := u.loadCalendar(ctx); err != nil {
			return err
		}
		ch := workflow.GetSignalChannel(ctx, itemmsg.SignalCalendar)
		workflow.Go(ctx, func(ctx workflow.Context) { u.followCalendar(ctx, ch) })
	}
	u.l.ready = true
	return nil
}

// validate decides whether an action may be accepted now; it changes nothing.
func (u *unitOrder) validate(ctx workflow.Context, req itemmsg.ActionRequest) error {
	return u.l.check(req, workflow.Now(ctx))
}

// act is the Update handler: it performs an action and writes the item's new state with its
// audit row before answering.
func (u *unitOrder) act(ctx workflow.Context, req itemmsg.ActionRequest) (itemmsg.ActionResult, error) {
	var a *itemacts.Activities
	if err := workflow.Await(ctx, func() bool { return u.l.ready }); err != nil {
		return itemmsg.ActionResult{}, err
	}
	now := workflow.Now(ctx)
	res, audit, changed, err := u.l.apply(req, now)
	if err != nil || !changed {
		return res, err
	}
	u.actions++
	u.dirty = true
	it := u.l.items[u.l.index[req.ItemID]]
	rec := itemmsg.ChangeRecord{Row: u.l.row(it, u.wfID, u.in.IssuedAt, now), Audit: audit}
	if u.l.passDown && req.Action == itemmsg.Close {
		rec.LookBacks = u.l.lookBacks(now)
	}
	if !u.hardened {
		if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordChange, rec).Get(ctx, nil); err != nil {
			// The state has moved; the next write of this item carries it to the read model.
			u.logger.Error("read model write failed", "item", req.ItemID, "error", err)
			return res, err
		}
		return res, nil
	}
	if err := workflow.ExecuteLocalActivity(actopts.ActionWrite(ctx), a.RecordChange, rec).Get(ctx, nil); err != nil {
		// The action is part of the workflow's history: it stands. The main loop records it;
		// the caller is told so rather than told it failed.
		u.logger.Warn("read model write slow; left to the main loop", "item", req.ItemID, "error", err)
		u.pending = append(u.pending, rec)
		res.Pending = true
		// Quiet runs may have no timer to wake them: wake the main loop to write it.
		if u.l.quiet {
			u.dirty = true
		}
	}
	return res, nil
}

// recordIssued writes the items as issued, each with its 交办 audit row.
func (u *unitOrder) recordIssued(ctx workflow.Context) error {
	var a *itemacts.Activities
	in := u.in
	rec := itemmsg.RecordIssuedInput{}
	for _, it := range u.l.items {
		rec.Rows = append(rec.Rows, u.l.row(it, u.wfID, in.IssuedAt, in.IssuedAt))
		rec.Audit = append(rec.Audit, itemmsg.AuditEntry{ItemID: it.ID, Revision: it.Revision, At: in.IssuedAt,
			ActorID: in.IssuedBy, ActorUnitID: in.IssuerUnitID, Action: itemmsg.Issue, To: itemmsg.Issued})
	}
	return workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordIssued, rec).Get(ctx, nil)
}

// loadCalendar reads the holiday table in force through a local activity, so that its
// result is recorded in history and replays identically.
func (u *unitOrder) loadCalendar(ctx workflow.Context) error {
	cal, _, err := recalendar.Load(actopts.CalendarRead(ctx))
	if err != nil {
		return err
	}
	u.l.cal = cal
	return nil
}

// followCalendar reloads the holiday table each time ch says it changed.
func (u *unitOrder) followCalendar(ctx workflow.Context, ch workflow.ReceiveChannel) {
	for {
		ch.Receive(ctx, nil)
		if err := u.loadCalendar(ctx); err != nil {
			u.logger.Error("reloading the holiday table failed", "error", err)
			continue
		}
		// Working-day deadlines move with the table; approved extensions stay.
		u.dirty = true
	}
}

// spreadOf is a workflow's fixed offset into the first hour of a day, from its id.
func spreadOf(id string) time.Duration {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return time.Duration(h.Sum32()%3600) * time.Second
}

// followChildren applies what the workflows of this unit's sub-items (转办) report.
func (u *unitOrder) followChildren(ctx workflow.Context, ch workflow.ReceiveChannel) {
	for {
		var p itemmsg.ChildProgress
		ch.Receive(ctx, &p)
		if u.l.childProgress(p) {
			u.dirty = true
		}
	}
}

// tellParent reports every item of a child order whose state or light moved since it was
// last told to the workflow of the item it was split from. A parent that has ended (it was
// cancelled) no longer listens; that is not this workflow's failure.
func (u *unitOrder) tellParent(ctx workflow.Context) {
	if !u.l.passDown || u.in.ParentWorkflowID == "" {
		return
	}
	var futures []workflow.Future
	for i := range u.l.items {
		it := &u.l.items[i]
		// Only what the parent shows: the state and the light, not each day's reason.
		now := string(it.State) + "/" + string(it.Light)
		if it.ParentItemID == "" || now == it.Told {
			continue
		}
		it.Told = now
		p := itemmsg.ChildProgress{ParentItemID: it.ParentItemID,
			Child: itemmsg.Child{ItemID: it.ID, State: it.State, Light: it.Light, Revision: it.Revision, SupervisionSeq: it.SupervisionSeq}}
		futures = append(futures, workflow.SignalExternalWorkflow(ctx, u.in.ParentWorkflowID, "", itemmsg.SignalChildProgress, p))
	}
	for _, f := range futures {
		if err := f.Get(ctx, nil); err != nil {
			u.logger.Warn("telling the parent item's workflow failed", "parent", u.in.ParentWorkflowID, "error", err)
		}
	}
}

// done is true when the run should end: every item is closed or cancelled, or the run has
// handled enough to continue as new.
func (u *unitOrder) done(ctx workflow.Context) bool {
	return u.l.allTerminal() || u.actions >= u.limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// run serves the items until the run is done, then ends or continues as new.
func (u *unitOrder) run(ctx workflow.Context) error {
	for {
		if u.supervised {
			if err := u.supervise(ctx); err != nil {
				return err
			}
		} else if err := workflow.Await(ctx, func() bool { return u.done(ctx) }); err != nil {
			return err
		}
		// Let running handlers finish their writes before the run ends or continues.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		// From the pass-down version on, what those handlers changed is supervised (and told
		// to a parent item) before the run ends; older runs ended at once.
		if !u.supervised || !u.l.passDown || !u.dirty {
			break
		}
	}
	if err := u.flushPending(ctx); err != nil {
		return err
	}
	if u.l.allTerminal() {
		return nil
	}
	next := u.in
	next.Items = nil
	next.Carried = u.l.carried()
	return workflow.NewContinueAsNewError(ctx, UnitOrderWorkflow, next)
}

// supervise brings lights and reminders up to date whenever something changed or a light
// or rung is due, until the run is done.
func (u *unitOrder) supervise(ctx workflow.Context) error {
	var a *itemacts.Activities
	for {
		if err := u.flushPending(ctx); err != nil {
			return err
		}
		now := workflow.Now(ctx)
		u.dirty = false
		rec := u.l.supervise(now, u.wfID, u.in)
		if len(rec.Writes)+len(rec.Notices) > 0 {
			rec.Deployment = u.in.Deployment
			if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordSupervision, rec).Get(ctx, nil); err != nil {
				return err
			}
		}
		u.tellParent(ctx)
		if u.done(ctx) && !(u.l.passDown && u.dirty) {
			return nil
		}
		wake, ok := u.l.nextWake(workflow.Now(ctx), u.in)
		cond := func() bool { return u.dirty || u.done(ctx) }
		if !ok {
			if err := workflow.Await(ctx, cond); err != nil {
				return err
			}
			continue
		}
		if err := u.sleep(ctx, max(wake.Sub(workflow.Now(ctx)), time.Millisecond), cond); err != nil {
			return err
		}
	}
}

// sleep waits until cond or for d. Quiet runs cancel the timer when cond comes first: an
// abandoned timer would still fire later, a workflow task for nothing (AwaitWithTimeout
// leaves it running). Older runs replay with AwaitWithTimeout.
func (u *unitOrder) sleep(ctx workflow.Context, d time.Duration, cond func() bool) error {
	if !u.l.quiet {
		_, err := workflow.AwaitWithTimeout(ctx, d, cond)
		return err
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	return workflow.Await(ctx, func() bool { return cond() || timer.IsReady() })
}

// flushPending writes the changes whose write missed their budget, oldest first; the rows
// carry revisions, so a late write never overwrites a newer one.
func (u *unitOrder) flushPending(ctx workflow.Context) error {
	var a *itemacts.Activities
	for len(u.pending) > 0 {
		if err := workflow.ExecuteLocalActivity(actopts.LocalWrite(ctx), a.RecordChange, u.pending[0]).Get(ctx, nil); err != nil {
			return err
		}
		u.pending = u.pending[1:]
	}
	return nil
}

// Package dispatch holds the workflow that sends reminders and escalations (提醒、催办、督办):
// one dispatcher per send slot sends every notice due then, through the activities in
// activities/dispatchacts. Its messages are in dispatchmsg. Workflow code does no I/O.
package dispatch

import (
	"go.temporal.io/sdk/workflow"

	"rectify/activities/dispatchacts"
	"rectify/workflows/actopts"
	"rectify/workflows/dispatch/dispatchmsg"
)

// DispatchWorkflow sends the notices of one slot once the slot has come. Item workflows
// signal it (with start) after recording notices; it sends until a pass sees no new signal,
// so a notice recorded while it runs is never left behind.
func DispatchWorkflow(ctx workflow.Context, in dispatchmsg.DispatchInput) error {
	var a *dispatchacts.Activities
	ch := workflow.GetSignalChannel(ctx, dispatchmsg.SignalNotices)
	if wait := in.Slot.Add(in.Settle).Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	actx := actopts.SendNotices(ctx)
	for {
		for ch.ReceiveAsync(nil) {
		}
		if err := workflow.ExecuteActivity(actx, a.SendDue, in).Get(ctx, nil); err != nil {
			return err
		}
		if !ch.ReceiveAsync(nil) {
			return nil
		}
	}
}

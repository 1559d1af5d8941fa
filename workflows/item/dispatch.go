package item

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"rectify/workflows/actopts"
)

// SignalNotices wakes a dispatcher: notices for its slot were recorded.
const SignalNotices = "notices"

// DispatchInput names a send slot: every notice due at that moment goes out together.
type DispatchInput struct {
	Deployment string        `json:"deployment"`
	Slot       time.Time     `json:"slot"`
	Settle     time.Duration `json:"settle"` // wait this long after the slot for stragglers
}

// DispatchWorkflowID names the dispatcher of one slot (to the minute).
func DispatchWorkflowID(deployment string, slot time.Time) string {
	return deployment + "-dispatch-" + slot.UTC().Format("200601021504")
}

// DispatchWorkflow sends the notices of one slot once the slot has come. Item workflows
// signal it (with start) after recording notices; it sends until a pass sees no new signal,
// so a notice recorded while it runs is never left behind.
func DispatchWorkflow(ctx workflow.Context, in DispatchInput) error {
	ch := workflow.GetSignalChannel(ctx, SignalNotices)
	if wait := in.Slot.Add(in.Settle).Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	actx := actopts.SendNotices(ctx)
	for {
		for ch.ReceiveAsync(nil) {
		}
		if err := workflow.ExecuteActivity(actx, ActivitySendDue, in).Get(ctx, nil); err != nil {
			return err
		}
		if !ch.ReceiveAsync(nil) {
			return nil
		}
	}
}

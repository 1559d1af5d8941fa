// Package dispatchmsg holds the messages of the dispatch workflow (workflows/dispatch): the
// send slot it serves, the signal that wakes it, and its workflow id and type. The item and
// dispatch activities start and signal dispatchers with them; the workflow package imports
// those activities, so the messages live here to keep imports acyclic.
package dispatchmsg

import "time"

// DispatchWorkflowType is the dispatcher's workflow type, by which activities start it.
const DispatchWorkflowType = "DispatchWorkflow"

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

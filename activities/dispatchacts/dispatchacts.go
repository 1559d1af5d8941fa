// Package dispatchacts holds the activities of the dispatch workflow (workflows/dispatch):
// sending a slot's reminders and escalations, one consolidated message a person a working
// day, and waking the dispatcher of a slot. Every method is safe to retry.
package dispatchacts

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/workflows/dispatch/dispatchmsg"
)

// Activities holds what the dispatch activities need.
type Activities struct {
	Items       *items.Store
	Holidays    *holidays.Store
	Notifier    *notify.Notifier
	Dispatchers *Dispatchers
	// SendConcurrency is how many people are sent to at once.
	SendConcurrency int
	// Link makes a link to an item for messages.
	Link func(itemID string) string
}

// Dispatchers starts and wakes the dispatcher workflows of send slots.
type Dispatchers struct {
	Client    client.Client
	TaskQueue string
	// Settle is how long a dispatcher waits after its slot for notices still being recorded.
	Settle time.Duration
}

// Wake signals the dispatcher of slot (to the minute) that notices were recorded for it,
// starting it when needed.
func (d *Dispatchers) Wake(ctx context.Context, deployment string, slot time.Time) error {
	slot = slot.Truncate(time.Minute)
	_, err := d.Client.SignalWithStartWorkflow(ctx, dispatchmsg.DispatchWorkflowID(deployment, slot), dispatchmsg.SignalNotices, nil,
		client.StartWorkflowOptions{TaskQueue: d.TaskQueue}, dispatchmsg.DispatchWorkflowType,
		dispatchmsg.DispatchInput{Deployment: deployment, Slot: slot, Settle: d.Settle})
	if err != nil {
		return fmt.Errorf("wake dispatcher %s: %w", slot, err)
	}
	return nil
}

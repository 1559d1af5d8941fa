// Package calendaracts holds the activities about the holiday table (节假日安排): reading the
// table in force for the item and case workflows, and telling every unit workflow with open
// items that it changed (workflows/recalendar). Every method is safe to retry.
package calendaracts

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"rectify/internal/calendar"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/workflows/item/itemmsg"
)

// Activities holds what the calendar activities need.
type Activities struct {
	Holidays *holidays.Store
	Items    *items.Store
	Client   client.Client
	// Concurrency is how many workflows are signalled at once.
	Concurrency int
}

// LoadCalendar returns the holiday table in force.
func (a *Activities) LoadCalendar(ctx context.Context) ([]calendar.Year, error) {
	c, err := a.Holidays.Current(ctx)
	if err != nil {
		return nil, err
	}
	return c.Years(), nil
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
			err := a.Client.SignalWorkflow(gctx, id, "", itemmsg.SignalCalendar, nil)
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

package reachable

import (
	"time"

	"go.temporal.io/sdk/client"
)

// Workflows is what a service needs, besides its stores, to start and reach workflows: the
// Temporal client, the task queue the worker polls, the deployment's id that workflow ids
// start with, and the clock. The rectification and weak-branch services embed it.
type Workflows struct {
	// Temporal is the client; the requests' one is wrapped by Temporal so that calls fail
	// fast when the frontend is gone.
	Temporal  client.Client
	TaskQueue string
	// Deployment is the database's id that workflow ids start with.
	Deployment string
	// Clock tells the time; nil for the wall clock.
	Clock func() time.Time
}

// Now is the time by the clock.
func (w Workflows) Now() time.Time {
	if w.Clock == nil {
		return time.Now()
	}
	return w.Clock()
}

// Package rectification is the one way in to rectification work (整改督办): issuing orders
// from the four lists, acting on items and their evidence, problem-list imports, progress
// sheets, ledgers, reminder policy, the working-day calendar and bulletins. Each command or
// query takes the acting person and a typed input, scopes it by the organization tree
// (一级抓一级), validates it, calls the stores and Temporal, and returns a typed result or an
// apperr error. The JSON API, the pages, the CLI and the spreadsheet round trip only
// translate to and from it.
package rectification

import (
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
)

// Service does the work; its fields are its dependencies.
type Service struct {
	Orders    *order.Store
	Temporal  client.Client
	TaskQueue string
	// Deployment is the database's id that workflow ids start with.
	Deployment string
	// Now is the clock; nil for the wall clock.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func requireIssuer(a auth.Actor) error {
	if !a.CanIssue() {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部可以交办整改通知")
	}
	return nil
}

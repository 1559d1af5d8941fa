// Package rectification is the one way in to rectification work (整改督办): issuing orders
// from the four lists, acting on items and their evidence, problem-list imports, progress
// sheets, ledgers, reminder policy, the working-day calendar and bulletins. Each command or
// query takes the acting person and a typed input, scopes it by the organization tree
// (一级抓一级), validates it, calls the stores and Temporal, and returns a typed result or an
// apperr error. The JSON API, the pages, the CLI and the spreadsheet round trip only
// translate to and from it.
//
// The files follow the topics: orders.go, items.go (lists, detail, actions), evidence.go,
// imports.go, ledger.go, progress.go (the progress sheet round trip), reminders.go (reminder
// plan and policy), calendar.go and bulletins.go.
package rectification

import (
	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/evidence"
	"rectify/internal/holidays"
	"rectify/internal/imports"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/progress"
	"rectify/internal/reachable"
)

// Service does the work; its fields are its dependencies. A command needs only the fields
// it uses: the CLI's import, for one, runs with Orders and Imports alone.
type Service struct {
	Orders    *order.Store
	Items     *items.Store
	Evidence  *evidence.Store
	Notifier  *notify.Notifier
	Holidays  *holidays.Store
	Bulletins *bulletin.Store
	Org       *org.Store
	Progress  *progress.Store
	Imports   *imports.Service
	// Workflows' Temporal is the requests' client, wrapped by reachable.Temporal.
	reachable.Workflows
}

func requireIssuer(a auth.Actor) error {
	if !a.CanIssue() {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部可以交办整改通知")
	}
	return nil
}

package items

import (
	"context"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/order"
)

// ExtensionRequests returns the open items in scope whose extension request (延期申请) waits
// for the unit sc.UnitID, which issued them, soonest deadline first; at most 200.
func (s *Store) ExtensionRequests(ctx context.Context, sc order.Scope, now time.Time) (_ []Row, err error) {
	defer apperr.Wrap(&err, "items.ExtensionRequests(%d)", sc.UnitID)
	q := rowSelect + ` WHERE ` + inScope + `
		AND i.issuer_unit_id = $1 AND i.extension_requested_to IS NOT NULL
		AND i.state NOT IN ('closed','cancelled')
		ORDER BY i.sort_at, i.id LIMIT 200`
	list, err := db.List(ctx, s.pool, db.Row(scanRow), q, sc.UnitID, sc.Path, sc.Subtree, now)
	if list == nil && err == nil {
		list = []Row{}
	}
	return list, err
}

package items

import (
	"context"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/order"
)

// ExtensionRequests returns the open items in scope whose extension request (延期申请) waits
// for the unit sc.UnitID, which issued them, soonest deadline first; at most 200.
func (s *Store) ExtensionRequests(ctx context.Context, sc order.Scope, now time.Time) (_ []Row, err error) {
	defer apperr.Wrap(&err, "items.ExtensionRequests(%d)", sc.UnitID)
	q := rowSelect + ` WHERE ` + inScope + `
		AND o.issuer_unit_id = $1 AND i.extension_requested_to IS NOT NULL
		AND i.state NOT IN ('closed','cancelled')
		ORDER BY coalesce(i.due_at, i.due_date::timestamptz) NULLS LAST, i.id LIMIT 200`
	rows, err := s.pool.Query(ctx, q, sc.UnitID, sc.Path, sc.Subtree, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Row{}
	for rows.Next() {
		x, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

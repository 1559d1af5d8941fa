package notify

import (
	"context"
	"fmt"
)

// Failed lists the newest deliveries about items that could not be made, at most limit:
// those the supervision board shows so that someone reaches the person another way. A
// delivery retried and sent later is no longer failed.
func (s *Store) Failed(ctx context.Context, limit int) ([]Delivery, error) {
	return s.list(ctx, "Failed", `SELECT `+deliveryCols+` FROM deliveries
		WHERE status = $1 AND cardinality(item_ids) > 0 ORDER BY created_at DESC, key LIMIT $2`, string(StatusFailed), limit)
}

// list runs a query for deliveries; op names it in errors.
func (s *Store) list(ctx context.Context, op, sql string, args ...any) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("notify.Store.%s: %w", op, err)
	}
	ds, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("notify.Store.%s: %w", op, err)
	}
	return ds, nil
}

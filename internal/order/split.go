package order

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
)

// SplitOrder finds the child order an earlier request with the same key made for the split
// of parentItemID (转办), so that a repeated request does not split twice.
func (s *Store) SplitOrder(ctx context.Context, parentItemID, key string) (id int64, found bool, err error) {
	defer apperr.Wrap(&err, "order.SplitOrder(%s)", parentItemID)
	err = s.pool.QueryRow(ctx, `SELECT id FROM orders WHERE parent_item_id = $1 AND split_key = $2`, parentItemID, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// CreateSplit stores the child order of a split as a draft of the splitting unit: d holds
// one problem whose measure i goes to the unit with code units[i] only. It is validated like
// any order; the errors name the draft's fields.
func (s *Store) CreateSplit(ctx context.Context, issuerUnitID, by int64, parentItemID, key string, d Draft, units []string) (int64, error) {
	return s.CreateThen(ctx, issuerUnitID, by, d, func(ctx context.Context, tx pgx.Tx, id int64) error {
		if _, err := tx.Exec(ctx, `UPDATE orders SET parent_item_id = $2, split_key = $3 WHERE id = $1`, id, parentItemID, key); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE measures m SET target_unit_id = u.id
			FROM unnest($2::text[]) WITH ORDINALITY x(code, seq) JOIN units u ON u.code = x.code
			WHERE m.order_id = $1 AND m.seq = x.seq`, id, units)
		return err
	})
}

// DeleteDraftSplit removes the child order of a split the parent's workflow refused; only a
// draft that nothing was issued from can go.
func (s *Store) DeleteDraftSplit(ctx context.Context, id int64) (err error) {
	defer apperr.Wrap(&err, "order.DeleteDraftSplit(%d)", id)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM orders WHERE id = $1 AND parent_item_id IS NOT NULL FOR UPDATE`, id).Scan(&status); err != nil {
			return err
		}
		if status != "draft" {
			return nil
		}
		for _, q := range []string{`DELETE FROM measures WHERE order_id = $1`, `DELETE FROM problems WHERE order_id = $1`,
			`DELETE FROM order_targets WHERE order_id = $1`, `DELETE FROM orders WHERE id = $1`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

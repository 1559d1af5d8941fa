package items

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/db"
)

// The dashboard counts (migration 016): a trigger on items appends a delta per unit the item
// counts under (its own unit, and every unit on its path for the subtree counts); the
// compactor folds deltas into unit_item_counts; a read adds both.

// count is one row of the counts: how many items of a unit (own) or its subtree are in a
// state, light and 挂牌督办, on a day (a red item's due day; a closed item's close-out Monday).
type count struct {
	UnitID int64
	Own    bool
	State  string
	Light  string
	Listed bool
	Day    time.Time
	N      int
}

// counts reads the counts of the units ids, exact at the moment of reading.
func (s *Store) counts(ctx context.Context, ids []int64) ([]count, error) {
	return db.List(ctx, s.pool, pgx.RowToStructByPos[count], `SELECT unit_id, own, state, light, listed, day, sum(n)::int
		FROM (SELECT unit_id, own, state, light, listed, day, n FROM unit_item_counts WHERE unit_id = ANY($1)
			UNION ALL SELECT unit_id, own, state, light, listed, day, delta FROM item_count_deltas WHERE unit_id = ANY($1)) x
		GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0`, ids)
}

// CompactCounts folds the deltas written so far into the counts, in one transaction, and
// drops counts that reached zero. Only one process compacts at a time (an advisory lock);
// another one returns at once. It reports how many deltas it folded.
func (s *Store) CompactCounts(ctx context.Context) (folded int64, err error) {
	defer apperr.Wrap(&err, "items.CompactCounts")
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtext('rectify.items.counts'))`).Scan(&got); err != nil || !got {
			return err
		}
		tag, err := tx.Exec(ctx, `WITH moved AS (DELETE FROM item_count_deltas RETURNING unit_id, own, state, light, listed, day, delta)
			INSERT INTO unit_item_counts AS c (unit_id, own, state, light, listed, day, n)
			SELECT unit_id, own, state, light, listed, day, sum(delta) FROM moved GROUP BY 1, 2, 3, 4, 5, 6
			ON CONFLICT (unit_id, own, state, light, listed, day) DO UPDATE SET n = c.n + excluded.n`)
		if err != nil {
			return err
		}
		folded = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM unit_item_counts WHERE n = 0`)
		return err
	})
	return folded, err
}

// RunCompactor compacts the counts every `every` until ctx ends; a failed round is logged by
// the caller through onError and tried again next round.
func (s *Store) RunCompactor(ctx context.Context, every time.Duration, onError func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.CompactCounts(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// RebuildCounts recomputes every count from the items, for a bulk load made with the item
// triggers off; it holds the compactor's lock while it does.
func (s *Store) RebuildCounts(ctx context.Context) (err error) {
	defer apperr.Wrap(&err, "items.RebuildCounts")
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range []string{
			`SELECT pg_advisory_xact_lock(hashtext('rectify.items.counts'))`,
			`DELETE FROM item_count_deltas`,
			`DELETE FROM unit_item_counts`,
			`INSERT INTO unit_item_counts (unit_id, own, state, light, listed, day, n)
			SELECT a::bigint, a::bigint = i.unit_id AND o.own, i.state, i.light, i.listed,
				item_count_day(i.state, i.light, i.due_at, i.due_date, i.closed_at), count(*)
			FROM items i, unnest(string_to_array(trim(both '/' FROM i.unit_path), '/')) a, (VALUES (false), (true)) o(own)
			WHERE NOT o.own OR a::bigint = i.unit_id
			GROUP BY 1, 2, 3, 4, 5, 6`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

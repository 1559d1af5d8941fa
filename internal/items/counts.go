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
// state, light and 挂牌督办.
type count struct {
	UnitID int64
	Own    bool
	State  string
	Light  string
	Listed bool
	N      int
}

// counts reads the counts of the units ids, exact at the moment of reading.
func (s *Store) counts(ctx context.Context, ids []int64) ([]count, error) {
	return db.List(ctx, s.pool, pgx.RowToStructByPos[count], `SELECT unit_id, own, state, light, listed, sum(n)::int
		FROM (SELECT unit_id, own, state, light, listed, n FROM unit_item_counts WHERE unit_id = ANY($1)
			UNION ALL SELECT unit_id, own, state, light, listed, delta FROM item_count_deltas WHERE unit_id = ANY($1)) x
		GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0`, ids)
}

// dayCount is how many of a unit's (own) or its subtree's items are open and red with a due
// day (kind r), or were closed out in a week starting on day (kind c).
type dayCount struct {
	Kind string
	Day  time.Time
	N    int
}

// dayCounts reads the day counts of one unit (own, or its subtree): every red due day, and
// the close-out weeks from since.
func (s *Store) dayCounts(ctx context.Context, unitID int64, own bool, since time.Time) ([]dayCount, error) {
	return db.List(ctx, s.pool, pgx.RowToStructByPos[dayCount], `SELECT kind::text, day, sum(n)::int
		FROM (SELECT kind, day, n FROM unit_day_counts WHERE unit_id = $1 AND own = $2 AND (kind = 'r' OR day >= $3)
			UNION ALL SELECT kind, day, delta FROM item_count_deltas
			WHERE unit_id = $1 AND own = $2 AND kind IS NOT NULL AND (kind = 'r' OR day >= $3)) x
		GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 2`, unitID, own, since)
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
		// The CTEs all run, once each, whether or not the last one reads them.
		if err := tx.QueryRow(ctx, `WITH moved AS (DELETE FROM item_count_deltas RETURNING unit_id, own, state, light, listed, kind, day, delta),
			base AS (INSERT INTO unit_item_counts AS c (unit_id, own, state, light, listed, n)
				SELECT unit_id, own, state, light, listed, sum(delta) FROM moved GROUP BY 1, 2, 3, 4, 5
				ON CONFLICT (unit_id, own, state, light, listed) DO UPDATE SET n = c.n + excluded.n),
			days AS (INSERT INTO unit_day_counts AS c (unit_id, own, kind, day, n)
				SELECT unit_id, own, kind, day, sum(delta) FROM moved WHERE kind IS NOT NULL GROUP BY 1, 2, 3, 4
				ON CONFLICT (unit_id, own, kind, day) DO UPDATE SET n = c.n + excluded.n)
			SELECT count(*) FROM moved`).Scan(&folded); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM unit_item_counts WHERE n = 0`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM unit_day_counts WHERE n = 0`)
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
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rectify.items.counts'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT rebuild_item_counts()`)
		return err
	})
}

// StateLightCount is how many items are in a state with a light (empty for none).
type StateLightCount struct {
	State string
	Light string
	N     int
}

// CountsByStateAndLight counts every item by state and light, from the dashboard counts of
// the root units (their subtrees hold every item): a few rows per unit, never the items.
func (s *Store) CountsByStateAndLight(ctx context.Context) (_ []StateLightCount, err error) {
	defer apperr.Wrap(&err, "items.CountsByStateAndLight")
	return db.List(ctx, s.pool, pgx.RowToStructByPos[StateLightCount], `SELECT state, light, sum(n)::int
		FROM (SELECT state, light, n FROM unit_item_counts WHERE NOT own AND unit_id IN (SELECT id FROM units WHERE parent_id IS NULL)
			UNION ALL SELECT state, light, delta FROM item_count_deltas
			WHERE NOT own AND unit_id IN (SELECT id FROM units WHERE parent_id IS NULL)) x
		GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2`)
}

// NoticesWaiting counts the reminders queued and held for the send window (pending, with
// send_at still to come).
func (s *Store) NoticesWaiting(ctx context.Context) (n int64, err error) {
	defer apperr.Wrap(&err, "items.NoticesWaiting")
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE status = 'pending' AND send_at > now()`).Scan(&n)
	return n, err
}

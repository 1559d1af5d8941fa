package items

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/order"
)

// What a dashboard (领导看板) counts: the items whose responsible unit is one unit or lies
// below it, by the unit directly below that they fall under, by due date when overdue, and by
// week of close-out. Cancelled items count nowhere.

// Tally is what a dashboard counts of a group of items: those of one unit itself (Own), or of
// a unit with every unit below it.
type Tally struct {
	UnitID int64  `json:"unit_id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Own    bool   `json:"own"`
	// Total counts every item, Closed those closed out (销号), Overdue the open ones past
	// their deadline, Listed the open ones under 挂牌督办.
	Total   int `json:"total"`
	Closed  int `json:"closed"`
	Overdue int `json:"overdue"`
	Listed  int `json:"listed"`
	// Red, Yellow and Green count the open items by the light they show.
	Red    int `json:"red"`
	Yellow int `json:"yellow"`
	Green  int `json:"green"`
}

// Add counts o's items in t as well.
func (t *Tally) Add(o Tally) {
	t.Total, t.Closed, t.Overdue, t.Listed = t.Total+o.Total, t.Closed+o.Closed, t.Overdue+o.Overdue, t.Listed+o.Listed
	t.Red, t.Yellow, t.Green = t.Red+o.Red, t.Yellow+o.Yellow, t.Green+o.Green
}

// DayCount is how many items fall on a day (Asia/Shanghai).
type DayCount struct {
	Day time.Time
	N   int
}

// Figures are a dashboard's counts for one unit at one moment.
type Figures struct {
	// Units holds the unit's own items first, then each unit directly below it with its
	// subtree, in the order they were created (none below without sc.Subtree).
	Units []Tally
	// OverdueByDue counts the open overdue items by due date, earliest first.
	OverdueByDue []DayCount
	// ClosedByWeek counts the items closed out since `since`, by the Monday of their week.
	ClosedByWeek []DayCount
}

// scopedUnit: the item's unit (alias u) is sc's unit, or with Subtree lies below it; $1 to $3.
const scopedUnit = `(u.id = $1 OR ($3 AND u.path LIKE $2 || '%'))`

// dueDaySQL is an item's due date in Shanghai: that of due_at when known, else due_date.
const dueDaySQL = `(coalesce(i.due_at, (i.due_date + time '17:30') AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')::date`

// Figures counts the items of the unit sc names (with those below it when sc.Subtree) at now,
// and their close-outs per week since since. The caller checks that the reader sees the unit.
func (s *Store) Figures(ctx context.Context, sc order.Scope, now, since time.Time) (_ Figures, err error) {
	defer apperr.Wrap(&err, "items.Figures(%d)", sc.UnitID)
	var f Figures
	// g is the unit itself and, with Subtree, each unit directly below it; an item counts
	// under the group whose unit is its own (the unit itself) or an ancestor of its own.
	f.Units, err = db.List(ctx, s.pool, pgx.RowToStructByPos[Tally], `WITH g AS (
			SELECT id, code, name, path, id = $1 AS own FROM units
			WHERE id = $1 OR ($3 AND parent_id = $1 AND path LIKE $2 || '%'))
		SELECT g.id, g.code, g.name, g.own,
			count(i.id) FILTER (WHERE i.state <> 'cancelled'),
			count(i.id) FILTER (WHERE i.state = 'closed'),
			count(i.id) FILTER (WHERE `+overdueSQL+`),
			count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.listed),
			count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.light = 'red'),
			count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.light = 'yellow'),
			count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.light = 'green')
		FROM g
		LEFT JOIN units u ON CASE WHEN g.own THEN u.id = g.id ELSE u.path LIKE g.path || '%' END
		LEFT JOIN items i ON i.unit_id = u.id
		GROUP BY g.id, g.code, g.name, g.own
		ORDER BY g.own DESC, g.id`, sc.UnitID, sc.Path, sc.Subtree, now)
	if err != nil {
		return f, err
	}
	f.OverdueByDue, err = db.List(ctx, s.pool, pgx.RowToStructByPos[DayCount], `SELECT `+dueDaySQL+`, count(*)
		FROM items i JOIN units u ON u.id = i.unit_id
		WHERE `+scopedUnit+` AND `+overdueSQL+`
		GROUP BY 1 ORDER BY 1`, sc.UnitID, sc.Path, sc.Subtree, now)
	if err != nil {
		return f, err
	}
	f.ClosedByWeek, err = db.List(ctx, s.pool, pgx.RowToStructByPos[DayCount], `SELECT
			date_trunc('week', i.closed_at AT TIME ZONE 'Asia/Shanghai')::date, count(*)
		FROM items i JOIN units u ON u.id = i.unit_id
		WHERE `+scopedUnit+` AND i.state = 'closed' AND i.closed_at >= $5 AND i.closed_at <= $4::timestamptz
		GROUP BY 1 ORDER BY 1`, sc.UnitID, sc.Path, sc.Subtree, now, since)
	return f, err
}

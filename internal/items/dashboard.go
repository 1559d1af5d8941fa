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
	// ByState counts the items by state, cancelled ones too.
	ByState map[string]int `json:"by_state,omitempty"`
}

// Add counts o's items in t as well.
func (t *Tally) Add(o Tally) {
	t.Total, t.Closed, t.Overdue, t.Listed = t.Total+o.Total, t.Closed+o.Closed, t.Overdue+o.Overdue, t.Listed+o.Listed
	t.Red, t.Yellow, t.Green = t.Red+o.Red, t.Yellow+o.Yellow, t.Green+o.Green
	for k, n := range o.ByState {
		t.countState(k, n)
	}
}

func (t *Tally) countState(state string, n int) {
	if t.ByState == nil {
		t.ByState = map[string]int{}
	}
	t.ByState[state] += n
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

// Figures counts the items of the unit sc names (with those below it when sc.Subtree), and
// their close-outs per week since since, from the counts the database keeps (counts.go): a
// dashboard reads a few rows per unit whatever the number of items. Overdue items are the
// open ones whose light is red (their workflow turns them red at the deadline). The caller
// checks that the reader sees the unit.
func (s *Store) Figures(ctx context.Context, sc order.Scope, since time.Time) (_ Figures, err error) {
	defer apperr.Wrap(&err, "items.Figures(%d)", sc.UnitID)
	var f Figures
	f.Units, err = db.List(ctx, s.pool, func(r pgx.CollectableRow) (Tally, error) {
		var t Tally
		err := r.Scan(&t.UnitID, &t.Code, &t.Name, &t.Own)
		return t, err
	}, `SELECT id, code, name, id = $1 FROM units WHERE id = $1 OR ($2 AND parent_id = $1) ORDER BY id = $1 DESC, id`, sc.UnitID, sc.Subtree)
	if err != nil {
		return f, err
	}
	ids := make([]int64, len(f.Units))
	at := map[int64]int{}
	for i, t := range f.Units {
		ids[i], at[t.UnitID] = t.UnitID, i
	}
	cs, err := s.counts(ctx, ids)
	if err != nil {
		return f, err
	}
	for _, c := range cs {
		// The unit's own items come from its own row, a unit below counts its subtree; the
		// unit's totals are the sum of the groups, so its subtree row is not added.
		if i, ok := at[c.UnitID]; ok && c.Own == (c.UnitID == sc.UnitID) {
			f.Units[i].count(c)
		}
	}
	// The unit's figures by day: of its subtree, or of its own items for a reader who sees
	// no further.
	days, err := s.dayCounts(ctx, sc.UnitID, !sc.Subtree, since)
	if err != nil {
		return f, err
	}
	for _, d := range days {
		if d.Kind == "r" {
			f.OverdueByDue = append(f.OverdueByDue, DayCount{Day: d.Day, N: d.N})
		} else {
			f.ClosedByWeek = append(f.ClosedByWeek, DayCount{Day: d.Day, N: d.N})
		}
	}
	return f, nil
}

// count adds a row of counts to t.
func (t *Tally) count(c count) {
	t.countState(c.State, c.N)
	open := c.State != "closed" && c.State != "cancelled"
	switch {
	case c.State == "cancelled":
		return
	case c.State == "closed":
		t.Closed += c.N
	}
	t.Total += c.N
	if !open {
		return
	}
	if c.Listed {
		t.Listed += c.N
	}
	switch c.Light {
	case "red":
		t.Red += c.N
		t.Overdue += c.N
	case "yellow":
		t.Yellow += c.N
	case "green":
		t.Green += c.N
	}
}

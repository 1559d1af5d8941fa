// Package bulletin computes bulletins (通报): for one issuing department and one period, the
// items issued and closed, the close-out rate (销号率), overdue items with their working days
// overdue, items under 挂牌督办, a ranking of the units by results with one sentence each, and
// the change since the last bulletin. Every figure comes from the data already in the system.
package bulletin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/weak"
)

// Kinds of bulletin.
const (
	Weekly   = "weekly"
	Monthly  = "monthly"
	OnDemand = "on_demand"
)

// KindLabel is a kind as users read it.
func KindLabel(k string) string {
	switch k {
	case Weekly:
		return "周通报"
	case Monthly:
		return "月通报"
	}
	return "专项通报"
}

// Bulletin is one department's bulletin for one period.
type Bulletin struct {
	ID           int64     `json:"id"`
	IssuerUnitID int64     `json:"issuer_unit_id"`
	Issuer       string    `json:"issuer"`
	Kind         string    `json:"kind"`
	PeriodStart  time.Time `json:"period_start"`
	PeriodEnd    time.Time `json:"period_end"`

	IssuedInPeriod int `json:"issued_in_period"` // items issued (交办) in the period
	ClosedInPeriod int `json:"closed_in_period"` // items closed out (销号) in the period
	// Totals at the period's end, over every item the department issued, cancelled ones left out.
	Total     int     `json:"total"`
	Closed    int     `json:"closed"`
	CloseRate float64 `json:"close_rate"` // Closed / Total, 0..1

	// FirstTime are the closed items closed out on the first request, never returned; FirstTimeRate
	// is FirstTime / Closed (一次性销号率): close-outs on paper come back, real ones do not.
	FirstTime     int     `json:"first_time"`
	FirstTimeRate float64 `json:"first_time_rate"`
	// AckLate are the items acknowledged (签收) after the acknowledgement deadline by the
	// period's end, counted apart from overdue items: late to start is not late to finish.
	AckLate int `json:"ack_late"`
	// Reopened are the items reopened in the period by a look-back that found the problem back
	// (回头看反弹) or a failed re-inspection (抽查不合格), from the audit trail.
	Reopened int `json:"reopened"`
	// Repeat is how many units of the ranking are flagged 屡改屡犯.
	Repeat int `json:"repeat"`

	Overdue []OverdueItem `json:"overdue"` // open and past the deadline, most overdue first
	Listed  int           `json:"listed"`  // of those, under 挂牌督办
	Ranking []UnitRank    `json:"ranking"`
	Change  *Change       `json:"change,omitempty"`
	// WeakBranches are the figures of the department's latest weak-branch campaign, if any.
	WeakBranches *weak.Figures `json:"weak_branches,omitempty"`
}

// OverdueItem is one overdue item in a bulletin.
type OverdueItem struct {
	ItemID      string `json:"item_id"`
	Unit        string `json:"unit"`
	Order       string `json:"order"`
	Measure     string `json:"measure"`
	Due         string `json:"due"`
	DaysOverdue int    `json:"days_overdue"`
	Listed      bool   `json:"listed"`
}

// UnitRank is one responsible unit's place, ranked on results only: close-out rate, then
// fewer overdue items. The figures after Sentence are a bulletin's (the dashboard's ranking
// leaves them zero) and do not move a unit's place.
type UnitRank struct {
	Rank     int     `json:"rank"`
	Unit     string  `json:"unit"`
	Total    int     `json:"total"`
	Closed   int     `json:"closed"`
	Rate     float64 `json:"rate"`
	Overdue  int     `json:"overdue"`
	Sentence string  `json:"sentence"`

	FirstTime     int     `json:"first_time"`      // closed on the first request
	FirstTimeRate float64 `json:"first_time_rate"` // FirstTime / Closed (一次性销号率)
	AckLate       int     `json:"ack_late"`        // acknowledged late (逾期签收)
	Reopened      int     `json:"reopened"`        // reopened in the period (反弹、抽查不合格)
	// Repeat flags 屡改屡犯; RepeatWhy says why, one clause per reason joined by "；".
	Repeat    bool   `json:"repeat"`
	RepeatWhy string `json:"repeat_why"`
}

// Change compares with the department's previous bulletin of the same kind.
type Change struct {
	PreviousEnd  time.Time `json:"previous_end"`
	ClosedDelta  int       `json:"closed_delta"`
	RateDelta    float64   `json:"rate_delta"`
	OverdueDelta int       `json:"overdue_delta"`
}

// Store computes, keeps and reads bulletins.
type Store struct{ pool *pgxpool.Pool }

// NewStore makes a store.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Compute works out a department's bulletin for (start, end] from the item read model.
func (s *Store) Compute(ctx context.Context, cal *calendar.Calendar, issuerUnitID int64, kind string, start, end time.Time) (_ Bulletin, err error) {
	defer apperr.Wrap(&err, "bulletin.Compute(%d, %s)", issuerUnitID, kind)
	b := Bulletin{IssuerUnitID: issuerUnitID, Kind: kind, PeriodStart: start, PeriodEnd: end, Overdue: []OverdueItem{}, Ranking: []UnitRank{}}
	if err := s.pool.QueryRow(ctx, `SELECT name FROM units WHERE id = $1`, issuerUnitID).Scan(&b.Issuer); err != nil {
		return b, err
	}
	rows, err := s.pool.Query(ctx, `SELECT i.id, u.name, o.title, m.content, i.state, i.issued_at, i.closed_at,
			coalesce(i.due_at, (i.due_date + time '17:30') AT TIME ZONE 'Asia/Shanghai'), i.listed,
			i.return_count, i.ack_late AND i.acknowledged_at <= $2
		FROM items i JOIN orders o ON o.id = i.order_id JOIN units u ON u.id = i.unit_id JOIN measures m ON m.id = i.measure_id
		WHERE o.issuer_unit_id = $1 AND i.issued_at <= $2 ORDER BY u.name, i.id`, issuerUnitID, end)
	if err != nil {
		return b, err
	}
	type unitAcc struct{ total, closed, overdue, firstTime, ackLate int }
	acc := map[string]*unitAcc{}
	var units []string
	type itemLine struct {
		id, unit, title, measure, state string
		issued                          time.Time
		closed, due                     *time.Time
		listed                          bool
		returns                         int
		ackLate                         *bool
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (itemLine, error) {
		var x itemLine
		err := r.Scan(&x.id, &x.unit, &x.title, &x.measure, &x.state, &x.issued, &x.closed, &x.due, &x.listed, &x.returns, &x.ackLate)
		return x, err
	})
	if err != nil {
		return b, err
	}
	for _, x := range lines {
		id, unit, title, measure, state := x.id, x.unit, x.title, x.measure, x.state
		issued, closed, due, listed := x.issued, x.closed, x.due, x.listed
		if issued.After(start) {
			b.IssuedInPeriod++
		}
		if state == "cancelled" {
			continue
		}
		a, ok := acc[unit]
		if !ok {
			a = &unitAcc{}
			acc[unit] = a
			units = append(units, unit)
		}
		a.total++
		b.Total++
		if x.ackLate != nil && *x.ackLate {
			a.ackLate++
			b.AckLate++
		}
		isClosed := state == "closed" && closed != nil && !closed.After(end)
		if isClosed {
			a.closed++
			b.Closed++
			if x.returns == 0 {
				a.firstTime++
				b.FirstTime++
			}
			if closed.After(start) {
				b.ClosedInPeriod++
			}
			continue
		}
		if due != nil && due.Before(end) {
			a.overdue++
			days := cal.WorkdaysBetween(calendar.Date(due.In(calendar.Shanghai).Date()), calendar.Date(end.In(calendar.Shanghai).Date()))
			b.Overdue = append(b.Overdue, OverdueItem{ItemID: id, Unit: unit, Order: title, Measure: measure,
				Due: due.In(calendar.Shanghai).Format("2006-01-02"), DaysOverdue: days, Listed: listed})
			if listed {
				b.Listed++
			}
		}
	}
	b.CloseRate, b.FirstTimeRate = Rate(b.Closed, b.Total), Rate(b.FirstTime, b.Closed)
	slices.SortStableFunc(b.Overdue, func(x, y OverdueItem) int { return cmp.Compare(y.DaysOverdue, x.DaysOverdue) })
	rp, err := s.repeats(ctx, issuerUnitID, start, end)
	if err != nil {
		return b, err
	}
	for _, u := range units {
		a := acc[u]
		b.Ranking = append(b.Ranking, UnitRank{Unit: u, Total: a.total, Closed: a.closed, Rate: Rate(a.closed, a.total), Overdue: a.overdue,
			FirstTime: a.firstTime, FirstTimeRate: Rate(a.firstTime, a.closed), AckLate: a.ackLate, Reopened: rp.reopened[u]})
		b.Reopened += rp.reopened[u]
	}
	Rank(b.Ranking)
	for i := range b.Ranking {
		r := &b.Ranking[i]
		if why := rp.why[r.Unit]; len(why) > 0 {
			r.Repeat, r.RepeatWhy = true, strings.Join(why, "；")
			b.Repeat++
		}
	}
	prev, err := s.previous(ctx, issuerUnitID, kind, end)
	if err != nil {
		return b, err
	}
	if prev != nil {
		b.Change = &Change{PreviousEnd: prev.PeriodEnd, ClosedDelta: b.Closed - prev.Closed,
			RateDelta: b.CloseRate - prev.CloseRate, OverdueDelta: len(b.Overdue) - len(prev.Overdue)}
	}
	return b, nil
}

// Rate is the close-out rate (销号率): closed of total, 0 when there is nothing to close.
func Rate(closed, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(closed) / float64(total)
}

// Percent is a rate in whole per cent, rounded as bulletins print it.
func Percent(r float64) int { return int(r*100 + 0.5) }

// Rank orders units by close-out rate, then fewer overdue items, then fewer reopened
// (relapses and failed re-inspections count against a unit's place), then name, and writes
// the sentence that explains each place: bulletins and the leaders' dashboard rank alike.
func Rank(rs []UnitRank) {
	slices.SortStableFunc(rs, func(x, y UnitRank) int {
		return cmp.Or(cmp.Compare(y.Rate, x.Rate), cmp.Compare(x.Overdue, y.Overdue), cmp.Compare(x.Reopened, y.Reopened),
			cmp.Compare(x.Unit, y.Unit))
	})
	for i := range rs {
		r := &rs[i]
		r.Rank = i + 1
		why := ""
		switch {
		case i == 0 && len(rs) > 1:
			why = "销号率最高"
			if rs[1].Rate == r.Rate {
				why = "销号率并列最高，超期事项最少"
			}
		case i > 0 && rs[i-1].Rate == r.Rate && rs[i-1].Overdue < r.Overdue:
			why = fmt.Sprintf("销号率与%s相同，超期事项多%d项", rs[i-1].Unit, r.Overdue-rs[i-1].Overdue)
		case i > 0 && rs[i-1].Rate == r.Rate && rs[i-1].Overdue == r.Overdue && rs[i-1].Reopened < r.Reopened:
			why = fmt.Sprintf("销号率和超期事项与%s相同，重新整改多%d项", rs[i-1].Unit, r.Reopened-rs[i-1].Reopened)
		case i > 0 && rs[i-1].Rate == r.Rate:
			why = fmt.Sprintf("销号率与超期事项均与%s相同", rs[i-1].Unit)
		case i > 0:
			why = fmt.Sprintf("销号率比%s低%d个百分点", rs[i-1].Unit, Percent(rs[i-1].Rate)-Percent(r.Rate))
		}
		r.Sentence = fmt.Sprintf("%s：销号率%d%%（%d/%d项），超期%d项", r.Unit, Percent(r.Rate), r.Closed, r.Total, r.Overdue)
		if r.Reopened > 0 {
			r.Sentence += fmt.Sprintf("，重新整改%d项", r.Reopened)
		}
		r.Sentence += fmt.Sprintf("，列第%d位", r.Rank)
		if why != "" {
			r.Sentence += "，" + why
		}
		r.Sentence += "。"
	}
}

func (s *Store) previous(ctx context.Context, issuer int64, kind string, before time.Time) (*Bulletin, error) {
	var b Bulletin
	err := s.pool.QueryRow(ctx, `SELECT data FROM bulletins WHERE issuer_unit_id = $1 AND kind = $2 AND period_end < $3
		ORDER BY period_end DESC LIMIT 1`, issuer, kind, before).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Save keeps a bulletin with its spreadsheet; saving the same period again replaces it.
func (s *Store) Save(ctx context.Context, b *Bulletin, xlsx []byte) (err error) {
	defer apperr.Wrap(&err, "bulletin.Save")
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return s.pool.QueryRow(ctx, `INSERT INTO bulletins (issuer_unit_id, kind, period_start, period_end, data, xlsx)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (issuer_unit_id, kind, period_end) DO UPDATE SET data = excluded.data, xlsx = excluded.xlsx
		RETURNING id`, b.IssuerUnitID, b.Kind, b.PeriodStart, b.PeriodEnd, data, xlsx).Scan(&b.ID)
}

// Summary is a bulletin in a list.
type Summary struct {
	ID          int64     `json:"id"`
	Issuer      string    `json:"issuer"`
	Kind        string    `json:"kind"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	CloseRate   float64   `json:"close_rate"`
	Overdue     int       `json:"overdue"`
	// The checks against rectification on paper; zero in bulletins kept before they existed.
	FirstTimeRate float64 `json:"first_time_rate"`
	AckLate       int     `json:"ack_late"`
	Reopened      int     `json:"reopened"`
	Repeat        int     `json:"repeat"`
}

// List returns the bulletins of the departments at or below path (newest first).
func (s *Store) List(ctx context.Context, unitID int64, path string, subtree bool) (_ []Summary, err error) {
	defer apperr.Wrap(&err, "bulletin.List")
	rows, err := s.pool.Query(ctx, `SELECT b.id, u.name, b.kind, b.period_start, b.period_end,
			(b.data->>'close_rate')::float8, jsonb_array_length(b.data->'overdue'),
			coalesce((b.data->>'first_time_rate')::float8, 0), coalesce((b.data->>'ack_late')::int, 0),
			coalesce((b.data->>'reopened')::int, 0), coalesce((b.data->>'repeat')::int, 0)
		FROM bulletins b JOIN units u ON u.id = b.issuer_unit_id
		WHERE u.id = $1 OR ($3 AND u.path LIKE $2 || '%') ORDER BY b.period_end DESC, b.id DESC LIMIT 200`, unitID, path, subtree)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
}

// Get returns a bulletin and its spreadsheet when the department is visible from the scope.
func (s *Store) Get(ctx context.Context, id, unitID int64, path string, subtree bool) (_ Bulletin, _ []byte, err error) {
	defer apperr.Wrap(&err, "bulletin.Get(%d)", id)
	b, x, err := scanBulletin(id, s.pool.QueryRow(ctx, `SELECT b.data, b.xlsx FROM bulletins b JOIN units u ON u.id = b.issuer_unit_id
		WHERE b.id = $1 AND (u.id = $2 OR ($4 AND u.path LIKE $3 || '%'))`, id, unitID, path, subtree))
	if errors.Is(err, pgx.ErrNoRows) {
		return Bulletin{}, nil, apperr.New(apperr.NotFound, "bulletin_id", "通报不存在或无权查看")
	}
	return b, x, err
}

// ByID returns a kept bulletin and its spreadsheet, for sending.
func (s *Store) ByID(ctx context.Context, id int64) (_ Bulletin, _ []byte, err error) {
	defer apperr.Wrap(&err, "bulletin.ByID(%d)", id)
	return scanBulletin(id, s.pool.QueryRow(ctx, `SELECT data, xlsx FROM bulletins WHERE id = $1`, id))
}

// scanBulletin reads a bulletin's data (jsonb) and spreadsheet.
func scanBulletin(id int64, row pgx.Row) (Bulletin, []byte, error) {
	var b Bulletin
	var x []byte
	if err := row.Scan(&b, &x); err != nil {
		return Bulletin{}, nil, err
	}
	b.ID = id
	return b, x, nil
}

// Issuers lists the units that have issued orders, for the scheduled bulletins.
func (s *Store) Issuers(ctx context.Context) (_ []int64, err error) {
	defer apperr.Wrap(&err, "bulletin.Issuers")
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT issuer_unit_id FROM orders WHERE status <> 'draft' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// repeat is what a bulletin needs from the audit trail and the problem lists besides the items.
type repeat struct {
	// reopened counts, per unit, the items reopened in the period.
	reopened map[string]int
	// why holds, per unit, the reasons it is flagged 屡改屡犯.
	why map[string][]string
}

// repeats works out reopened items and the 屡改屡犯 flags of a department's units for the
// period (start, end].
//
// Reopening is counted from the audit rows look_back_relapse (回头看反弹) and reinspect_fail
// (抽查不合格), not from items.reopen_count: the rows carry their time, so a bulletin counts
// what happened in its own period, a bulletin recomputed later says the same, and a relapse
// long ago does not mark a unit for ever.
//
// A unit is flagged when, in the 12 months up to the period's end, (1) it was given a problem
// of a category (problems.category, non-empty) it had already been given by another order of
// the department within the 12 months before, or (2) one of its items relapsed or failed a
// re-inspection. Cancelled items count for neither.
func (s *Store) repeats(ctx context.Context, issuer int64, start, end time.Time) (repeat, error) {
	rp := repeat{reopened: map[string]int{}, why: map[string][]string{}}
	type reopen struct {
		Unit                       string
		InPeriod, Relapsed, Failed int
	}
	rows, err := s.pool.Query(ctx, `SELECT u.name,
			count(DISTINCT a.item_id) FILTER (WHERE a.at > $2)::int,
			count(DISTINCT a.item_id) FILTER (WHERE a.action = 'look_back_relapse' AND a.at > $3::timestamptz - interval '365 days')::int,
			count(DISTINCT a.item_id) FILTER (WHERE a.action = 'reinspect_fail' AND a.at > $3::timestamptz - interval '365 days')::int
		FROM item_audit a JOIN items i ON i.id = a.item_id JOIN orders o ON o.id = i.order_id JOIN units u ON u.id = i.unit_id
		WHERE o.issuer_unit_id = $1 AND i.state <> 'cancelled' AND a.action IN ('look_back_relapse', 'reinspect_fail')
			AND a.at > least($2, $3::timestamptz - interval '365 days') AND a.at <= $3
		GROUP BY 1 ORDER BY 1`, issuer, start, end)
	if err != nil {
		return rp, err
	}
	reopens, err := pgx.CollectRows(rows, pgx.RowToStructByPos[reopen])
	if err != nil {
		return rp, err
	}
	type category struct{ Unit, Category string }
	rows, err = s.pool.Query(ctx, `SELECT DISTINCT u.name, pa.category
		FROM items a JOIN orders oa ON oa.id = a.order_id JOIN measures ma ON ma.id = a.measure_id JOIN problems pa ON pa.id = ma.problem_id
		JOIN items b ON b.unit_id = a.unit_id AND b.order_id <> a.order_id AND b.state <> 'cancelled'
			AND b.issued_at >= a.issued_at AND b.issued_at <= a.issued_at + interval '365 days'
			AND b.issued_at > $2::timestamptz - interval '365 days' AND b.issued_at <= $2
		JOIN orders ob ON ob.id = b.order_id AND ob.issuer_unit_id = $1
		JOIN measures mb ON mb.id = b.measure_id JOIN problems pb ON pb.id = mb.problem_id AND pb.category = pa.category
		JOIN units u ON u.id = a.unit_id
		WHERE oa.issuer_unit_id = $1 AND a.state <> 'cancelled' AND pa.category <> ''
		ORDER BY 1, 2`, issuer, end)
	if err != nil {
		return rp, err
	}
	cats, err := pgx.CollectRows(rows, pgx.RowToStructByPos[category])
	if err != nil {
		return rp, err
	}
	for _, c := range cats {
		rp.why[c.Unit] = append(rp.why[c.Unit], "12个月内再次出现“"+c.Category+"”类问题")
	}
	for _, r := range reopens {
		rp.reopened[r.Unit] = r.InPeriod
		if r.Relapsed > 0 {
			rp.why[r.Unit] = append(rp.why[r.Unit], fmt.Sprintf("%d个事项回头看反弹", r.Relapsed))
		}
		if r.Failed > 0 {
			rp.why[r.Unit] = append(rp.why[r.Unit], fmt.Sprintf("%d个事项抽查不合格", r.Failed))
		}
	}
	return rp, nil
}

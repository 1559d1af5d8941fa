package bulletin_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/bulletin"
	"rectify/internal/calendar"
	"rectify/internal/testenv"
)

// The checks against rectification on paper, worked out by hand for the week ending Mon
// 2026-10-12 18:00 over four townships:
//
//   - 城关镇 was given a 发展党员 problem in March and again in September by another order,
//     and one of its items relapsed in June: flagged on both counts. One of its two close-outs
//     needed two returns: 一次性销号率 50%.
//   - 河西乡 had an item relapse at a look-back in the period (reopened, flagged) and
//     acknowledged one item late.
//   - 东山镇 is NOT flagged: its two 组织生活 problems came more than a year apart, the one
//     within the year is on a cancelled item, its failed re-inspection is more than a year old,
//     and its late acknowledgement came after the period.
//   - 西岭乡 failed a re-inspection in August (flagged, but not reopened in this period); its
//     two 组织生活 problems are of one order, which is no repeat.
func TestABulletinFlagsRectificationOnPaper(t *testing.T) {
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('C', '示范县', 'county', '/1/');
		INSERT INTO units (code, name, kind, parent_id, path) VALUES ('T1', '城关镇', 'township', 1, '/1/2/'),
			('T2', '河西乡', 'township', 1, '/1/3/'), ('T3', '东山镇', 'township', 1, '/1/4/'), ('T4', '西岭乡', 'township', 1, '/1/5/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by, status) VALUES (1, '通知一', '巡察', 1, 'issued'),
			(1, '通知二', '督查', 1, 'issued'), (1, '前年通知', '巡察', 1, 'issued');`)
	require.NoError(t, err)
	problem := map[string]int64{}
	for _, p := range []struct {
		key      string
		order    int
		category string
	}{{"o1 发展党员", 1, "发展党员"}, {"o1 无类别", 1, ""}, {"o1 组织生活", 1, "组织生活"},
		{"o2 发展党员", 2, "发展党员"}, {"o2 无类别", 2, ""}, {"o2 组织生活", 2, "组织生活"}, {"o2 组织生活二", 2, "组织生活"},
		{"o3 组织生活", 3, "组织生活"}} {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO problems (order_id, seq, description, category)
			VALUES ($1, $2, $3, $4) RETURNING id`, p.order, len(problem)+1, p.key, p.category).Scan(&id))
		problem[p.key] = id
	}
	type item struct {
		id, unit, problem, state string
		issued                   time.Time
		closed, acked            *time.Time
		returns                  int
		ackLate                  bool
	}
	at := func(tt time.Time) *time.Time { return &tt }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, calendar.Shanghai) }
	unitID := map[string]int{"城关镇": 2, "河西乡": 3, "东山镇": 4, "西岭乡": 5}
	for i, x := range []item{
		{id: "a1", unit: "城关镇", problem: "o1 发展党员", state: "closed", issued: day(2026, 3, 1), closed: at(day(2026, 3, 10))},
		{id: "a2", unit: "城关镇", problem: "o2 发展党员", state: "closed", issued: day(2026, 9, 1), closed: at(sh(10, 8, 10)), returns: 2},
		{id: "b1", unit: "河西乡", problem: "o1 无类别", state: "in_progress", issued: day(2026, 3, 1)},
		{id: "b2", unit: "河西乡", problem: "o2 无类别", state: "in_progress", issued: day(2026, 9, 1), ackLate: true, acked: at(day(2026, 9, 5))},
		{id: "c1", unit: "东山镇", problem: "o3 组织生活", state: "closed", issued: day(2024, 6, 1), closed: at(day(2024, 9, 1))},
		{id: "c2", unit: "东山镇", problem: "o2 组织生活", state: "closed", issued: day(2026, 9, 1), closed: at(sh(10, 10, 10)), returns: 1},
		{id: "c3", unit: "东山镇", problem: "o1 组织生活", state: "cancelled", issued: day(2026, 3, 1)},
		{id: "c4", unit: "东山镇", problem: "o1 无类别", state: "acknowledged", issued: sh(10, 6, 9), ackLate: true, acked: at(sh(10, 13, 9))},
		{id: "d1", unit: "西岭乡", problem: "o1 无类别", state: "closed", issued: day(2026, 3, 1), closed: at(day(2026, 9, 20))},
		{id: "d2", unit: "西岭乡", problem: "o2 组织生活", state: "in_progress", issued: day(2026, 9, 1)},
		{id: "d3", unit: "西岭乡", problem: "o2 组织生活二", state: "in_progress", issued: day(2026, 9, 1)},
	} {
		var orderID int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT order_id FROM problems WHERE id = $1`, problem[x.problem]).Scan(&orderID))
		var mid int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES ($1, $2, $3, $4, '标准', '{}', 'by_date') RETURNING id`, orderID, problem[x.problem], i+1, "措施"+x.id).Scan(&mid))
		_, err := pool.Exec(ctx, `INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision,
			issued_at, closed_at, due_at, return_count, ack_late, acknowledged_at, updated_at)
			VALUES ($1, $2, $3, $4, 'w', $5, 'unit', 'by_date', 1, $6, $7, $8, $9, $10, $11, now())`,
			x.id, orderID, mid, unitID[x.unit], x.state, x.issued, x.closed, sh(12, 31, 17), x.returns, x.ackLate, x.acked)
		require.NoError(t, err)
	}
	// What the look-back and re-inspection workflow writes to the audit trail.
	for i, a := range []struct {
		item, action string
		at           time.Time
	}{
		{"a1", "look_back_relapse", day(2026, 6, 1)}, // within the year, before the period
		{"b1", "look_back_relapse", sh(10, 9, 10)},   // in the period
		{"b1", "look_back_relapse", sh(10, 11, 10)},  // the same item again: one item
		{"c1", "reinspect_fail", day(2025, 6, 1)},    // more than a year before the period's end
		{"d1", "reinspect_fail", day(2026, 8, 1)},
		{"d1", "reinspect_pass", sh(10, 9, 10)}, // a pass reopens nothing
	} {
		_, err := pool.Exec(ctx, `INSERT INTO item_audit (item_id, revision, at, action, from_state, to_state)
			VALUES ($1, $2, $3, $4, 'closed', 'in_progress')`, a.item, 100+i, a.at, a.action)
		require.NoError(t, err)
	}

	s := bulletin.NewStore(pool)
	b, err := s.Compute(ctx, calendar.Default(), 1, bulletin.Weekly, sh(10, 5, 18), sh(10, 12, 18))
	require.NoError(t, err)
	require.Equal(t, 10, b.Total, "11 items, 1 cancelled")
	require.Equal(t, 5, b.Closed)
	require.Equal(t, 3, b.FirstTime, "a1, c1 and d1 were never returned")
	require.InDelta(t, 0.6, b.FirstTimeRate, 1e-9)
	require.Equal(t, 1, b.AckLate, "b2; c4 was acknowledged after the period")
	require.Empty(t, b.Overdue, "late to acknowledge is not overdue")
	require.Equal(t, 1, b.Reopened, "b1, once however often")
	require.Equal(t, 3, b.Repeat)

	type figures struct {
		Unit              string
		FirstTime         int
		FirstTimeRate     float64
		AckLate, Reopened int
		Repeat            bool
		RepeatWhy         string
	}
	var got []figures
	for _, r := range b.Ranking {
		got = append(got, figures{r.Unit, r.FirstTime, r.FirstTimeRate, r.AckLate, r.Reopened, r.Repeat, r.RepeatWhy})
	}
	require.Equal(t, []figures{
		{"城关镇", 1, 0.5, 0, 0, true, "12个月内再次出现“发展党员”类问题；1个事项回头看反弹"},
		{"东山镇", 1, 0.5, 0, 0, false, ""},
		{"西岭乡", 1, 1, 0, 0, true, "1个事项抽查不合格"},
		{"河西乡", 0, 0, 1, 1, true, "1个事项回头看反弹"},
	}, got, "ranked on close-out rate as before: 100%, 67%, 33%, 0%")
	require.Contains(t, b.Ranking[3].Sentence, "超期0项，重新整改1项，列第4位", "a reopened item is said in the unit's place")
	require.NotContains(t, b.Ranking[0].Sentence, "重新整改")

	xlsx, err := b.XLSX()
	require.NoError(t, err)
	require.NoError(t, s.Save(ctx, &b, xlsx))
	f := testenv.OpenXLSX(t, xlsx)
	for ref, want := range map[string]string{"H2": "50%", "K2": "12个月内再次出现“发展党员”类问题；1个事项回头看反弹",
		"K3": "", "I5": "1", "J5": "1"} {
		v, err := f.GetCellValue("单位排名", ref)
		require.NoError(t, err)
		require.Equal(t, want, v, "单位排名!%s", ref)
	}
	msg := b.Message(xlsx)
	require.Contains(t, msg.Body, "一次性销号率60%（3/5项），逾期签收1项，本期回头看反弹、抽查不合格重新整改1项。")
	require.Contains(t, msg.Body, "屡改屡犯单位3个：\n【城关镇】12个月内再次出现“发展党员”类问题；1个事项回头看反弹。\n【西岭乡】1个事项抽查不合格。\n【河西乡】1个事项回头看反弹。\n")
	require.NotContains(t, msg.Body, "【东山镇】")

	got2, _, err := s.Get(ctx, b.ID, 1, "/1/", true)
	require.NoError(t, err)
	require.Equal(t, b.Ranking, got2.Ranking, "the new figures are kept")

	// A bulletin kept before these figures existed reads back with zeros.
	old, err := json.Marshal(map[string]any{"issuer_unit_id": 1, "issuer": "示范县", "kind": "weekly",
		"period_start": sh(9, 28, 18), "period_end": sh(10, 5, 18), "total": 4, "closed": 1, "close_rate": 0.25,
		"overdue": []any{}, "ranking": []map[string]any{{"rank": 1, "unit": "城关镇", "total": 4, "closed": 1, "rate": 0.25, "sentence": "旧"}}})
	require.NoError(t, err)
	var oldID int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO bulletins (issuer_unit_id, kind, period_start, period_end, data, xlsx)
		VALUES (1, 'weekly', $1, $2, $3, '\x00') RETURNING id`, sh(9, 28, 18), sh(10, 5, 18), old).Scan(&oldID))
	ob, _, err := s.Get(ctx, oldID, 1, "/1/", true)
	require.NoError(t, err)
	require.Equal(t, 0, ob.FirstTime)
	require.False(t, ob.Ranking[0].Repeat)
	require.Equal(t, "", ob.Ranking[0].RepeatWhy)
	list, err := s.List(ctx, 1, "/1/", true)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, oldID, list[1].ID)
	require.Equal(t, bulletin.Summary{ID: oldID, Issuer: "示范县", Kind: "weekly", PeriodStart: list[1].PeriodStart,
		PeriodEnd: list[1].PeriodEnd, CloseRate: 0.25}, list[1])
	require.Equal(t, 3, list[0].Repeat)
	require.Equal(t, 1, list[0].AckLate)
	require.Equal(t, 1, list[0].Reopened)
	require.InDelta(t, 0.6, list[0].FirstTimeRate, 1e-9)

	// The next week's bulletin compares with the old one without trouble.
	next, err := s.Compute(ctx, calendar.Default(), 1, bulletin.Weekly, sh(10, 12, 18), sh(10, 19, 18))
	require.NoError(t, err)
	require.NotNil(t, next.Change)
	require.Equal(t, 0, next.Reopened, "b1's relapse was last week's")
	require.Equal(t, 3, next.Repeat, "the flags hold for the year")
}

// Between units equal on close-out rate and overdue items, the one with items reopened
// (relapse, failed re-inspection) ranks lower and its sentence says why.
func TestReopenedItemsCountAgainstAUnitsPlace(t *testing.T) {
	rs := []bulletin.UnitRank{{Unit: "甲镇", Total: 2, Closed: 2, Rate: 1, Reopened: 1}, {Unit: "乙乡", Total: 2, Closed: 2, Rate: 1}}
	bulletin.Rank(rs)
	require.Equal(t, "乙乡", rs[0].Unit)
	require.Equal(t, "甲镇：销号率100%（2/2项），超期0项，重新整改1项，列第2位，销号率和超期事项与乙乡相同，重新整改多1项。", rs[1].Sentence)
}

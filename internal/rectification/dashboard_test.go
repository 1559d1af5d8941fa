package rectification_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/bulletin"
	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// dashboardItem is an item as the read model holds it after its workflow wrote it.
type dashboardItem struct {
	unit   string
	state  itemmsg.State
	due    string // YYYY-MM-DD
	closed string // YYYY-MM-DD, for a closed item
	light  light.Light
	listed bool
}

// On Wednesday 25 November 2026 the county's leader reads the county: 城关镇 has an item 5
// working days overdue under 挂牌督办, one closed out two weeks ago, and at 东关村 below it one
// item a working day overdue and one closed this week; 河西乡 has a yellow and a green item,
// one closed in August (outside the twelve weeks) and one cancelled, which counts nowhere.
func TestDashboardCountsTheUnitsBelowAsBulletinsRankThem(t *testing.T) {
	ctx := context.Background()
	svc, as := newService(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, calendar.Shanghai)
	svc.Clock = func() time.Time { return now }
	list := []dashboardItem{
		{"T1", itemmsg.InProgress, "2026-11-18", "", light.Red, true},
		{"T1", itemmsg.Closed, "2026-11-30", "2026-11-10", light.None, false},
		{"V11", itemmsg.Acknowledged, "2026-11-24", "", light.Red, false},
		{"V11", itemmsg.Closed, "2026-12-01", "2026-11-24", light.None, false},
		{"T2", itemmsg.InProgress, "2026-11-27", "", light.Yellow, false},
		{"T2", itemmsg.Issued, "2026-12-31", "", light.Green, false},
		{"T2", itemmsg.Closed, "2026-09-30", "2026-08-20", light.None, false},
		{"T2", itemmsg.Cancelled, "2026-11-02", "", light.None, false},
	}
	writeItems(t, svc, list, now)

	cl := as("cl")
	d, err := svc.Dashboard(ctx, cl, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, "C", d.Unit.Code)
	require.Equal(t, []string{"C"}, codes(d.Trail))
	require.Equal(t, [7]int{7, 3, 2, 1, 2, 1, 1}, counts(d.All), "total, closed, overdue, listed, red, yellow, green")
	require.InDelta(t, 3.0/7, d.CloseRate, 1e-9)
	require.Equal(t, 5+1, d.DaysOverdue, "18 Nov is 5 working days behind, 24 Nov one")
	require.Zero(t, d.Own.Total, "the county has no items of its own")
	require.Len(t, d.Below, 2)
	require.Equal(t, "T1", d.Below[0].Code)
	require.Equal(t, [7]int{4, 2, 2, 1, 2, 0, 0}, counts(d.Below[0]), "城关镇 with 东关村")
	require.Equal(t, "T2", d.Below[1].Code)
	require.Equal(t, [7]int{3, 1, 0, 0, 0, 1, 1}, counts(d.Below[1]), "河西乡 without the cancelled item")
	require.Equal(t, []bulletin.UnitRank{
		{Rank: 1, Unit: "城关镇", Total: 4, Closed: 2, Rate: 0.5, Overdue: 2, Sentence: "城关镇：销号率50%（2/4项），超期2项，列第1位，销号率最高。"},
		{Rank: 2, Unit: "河西乡", Total: 3, Closed: 1, Rate: 1.0 / 3, Overdue: 0, Sentence: "河西乡：销号率33%（1/3项），超期0项，列第2位，销号率比城关镇低17个百分点。"},
	}, d.Ranking, "ranked on results as a bulletin ranks")
	require.Len(t, d.Weeks, rectification.DashboardWeeks)
	require.Equal(t, "2026-09-07", d.Weeks[0].Monday.Format(time.DateOnly))
	require.Equal(t, "2026-11-23", d.Weeks[11].Monday.Format(time.DateOnly), "this week last")
	weekly := map[string]int{}
	for _, w := range d.Weeks {
		if w.Closed > 0 {
			weekly[w.Monday.Format(time.DateOnly)] = w.Closed
		}
	}
	require.Equal(t, map[string]int{"2026-11-09": 1, "2026-11-23": 1}, weekly, "August's close-out is outside the twelve weeks")
	require.Empty(t, d.Items)

	// Drilling down to 城关镇: its own items apart from 东关村's, and the way back up.
	d, err = svc.Dashboard(ctx, cl, rectification.DashboardInput{UnitCode: "T1"})
	require.NoError(t, err)
	require.Equal(t, []string{"C", "T1"}, codes(d.Trail))
	require.Equal(t, [7]int{2, 1, 1, 1, 1, 0, 0}, counts(d.Own))
	require.Len(t, d.Below, 1)
	require.Equal(t, [7]int{2, 1, 1, 0, 1, 0, 0}, counts(d.Below[0]), "东关村")
	require.Len(t, d.Items, 1, "城关镇's one open item")
	require.Equal(t, "2026-11-18", d.Items[0].Due)
	require.Equal(t, "东关村：销号率50%（1/2项），超期1项，列第1位。", d.Ranking[0].Sentence)

	// 城关镇's leader starts at 城关镇 and may go down, never across or up.
	t1l := as("t1l")
	d, err = svc.Dashboard(ctx, t1l, rectification.DashboardInput{UnitCode: "V11"})
	require.NoError(t, err)
	require.Equal(t, []string{"T1", "V11"}, codes(d.Trail))
	require.Equal(t, [7]int{2, 1, 1, 0, 1, 0, 0}, counts(d.All))
	require.Empty(t, d.Below)
	for _, code := range []string{"T2", "V21", "C", "NOWHERE"} {
		_, err = svc.Dashboard(ctx, t1l, rectification.DashboardInput{UnitCode: code})
		requireKind(t, err, apperr.NotFound, "unit")
		require.ErrorContains(t, err, "单位不存在或无权查看")
	}

	// A branch secretary, who sees no unit below, counts their own unit only.
	d, err = svc.Dashboard(ctx, as("v11"), rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, [7]int{2, 1, 1, 0, 1, 0, 0}, counts(d.All))
	require.Empty(t, d.Below)

	// The counts are kept by the database as deltas and folded by the compactor: the figures
	// are the same before and after a fold, and after a fold there is nothing left to fold.
	before, err := svc.Dashboard(ctx, cl, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, map[string]int{"in_progress": 2, "closed": 3, "acknowledged": 1, "issued": 1, "cancelled": 1}, before.All.ByState)
	folded, err := svc.Items.CompactCounts(ctx)
	require.NoError(t, err)
	require.Positive(t, folded)
	after, err := svc.Dashboard(ctx, cl, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, before, after)
	folded, err = svc.Items.CompactCounts(ctx)
	require.NoError(t, err)
	require.Zero(t, folded)
	// A rebuild from the items gives the same counts again.
	require.NoError(t, svc.Items.RebuildCounts(ctx))
	rebuilt, err := svc.Dashboard(ctx, cl, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, before, rebuilt)

	// 东关村 moves from 城关镇 to 河西乡: its items are counted under its new township.
	_, err = svc.Org.Load(ctx, org.Tree{Units: []org.UnitRecord{{Code: "V11", Name: "东关村", Kind: "village", Parent: "T2"}}})
	require.NoError(t, err)
	moved, err := svc.Dashboard(ctx, cl, rectification.DashboardInput{})
	require.NoError(t, err)
	require.Equal(t, [7]int{2, 1, 1, 1, 1, 0, 0}, counts(moved.Below[0]), "城关镇 without 东关村")
	require.Equal(t, [7]int{5, 2, 1, 0, 1, 1, 1}, counts(moved.Below[1]), "河西乡 with 东关村")
	require.Equal(t, counts(before.All), counts(moved.All), "the county's figures do not move")
}

// writeItems creates an order of the county with a measure per item and writes each item
// to the read model as its workflow would, with its light.
func writeItems(t *testing.T, svc *rectification.Service, list []dashboardItem, now time.Time) {
	t.Helper()
	ctx := context.Background()
	county, err := svc.Org.UnitByCode(ctx, "C")
	require.NoError(t, err)
	staff, err := svc.Org.PersonByLogin(ctx, "cs")
	require.NoError(t, err)
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	// The measures' own deadlines are checked against today's date when the order is drafted;
	// the items carry the deadlines that count.
	later := time.Now().In(calendar.Shanghai).AddDate(1, 0, 0).Format(time.DateOnly)
	p := order.Problem{Description: "基层党建问题"}
	for i := range list {
		p.Measures = append(p.Measures, order.Measure{Content: fmt.Sprintf("措施%d", i+1), Criterion: "完成", Responsibility: resp,
			Deadline: order.Deadline{Kind: order.ByDate, Due: later}})
	}
	id, err := svc.Orders.Create(ctx, county.ID, staff.ID, order.Draft{Title: "看板测试通知", Source: "巡察", Targets: []string{"T1", "T2"},
		Problems: []order.Problem{p}})
	require.NoError(t, err)
	o, err := svc.Orders.Get(ctx, order.Scope{UnitID: county.ID, Path: county.Path, Subtree: true}, id)
	require.NoError(t, err)
	issued := now.AddDate(0, -4, 0)
	for i, x := range list {
		u, err := svc.Org.UnitByCode(ctx, x.unit)
		require.NoError(t, err)
		m := o.Problems[0].Measures[i]
		due, err := calendar.ParseDate(x.due)
		require.NoError(t, err)
		dueAt := due.Add(17*time.Hour + 30*time.Minute)
		row := itemmsg.ItemRow{Item: itemmsg.Item{Spec: itemmsg.Spec{ID: fmt.Sprintf("m%d-u%d", m.ID, u.ID), MeasureID: m.ID,
			DeadlineKind: order.ByDate, DueDate: x.due}, State: x.state, Revision: 1},
			DueAt: &dueAt, OrderID: id, UnitID: u.ID, WorkflowID: fmt.Sprintf("order-%d-unit-%d", id, u.ID),
			Holder: itemmsg.HolderUnit, IssuedAt: issued, UpdatedAt: now}
		if x.closed != "" {
			row.ClosedAt, err = calendar.ParseDate(x.closed)
			require.NoError(t, err)
			row.ClosedAt = row.ClosedAt.Add(15 * time.Hour)
		}
		require.NoError(t, svc.Items.Write(ctx, []itemmsg.ItemRow{row}, nil))
		require.NoError(t, svc.Items.WriteSupervision(ctx, []itemmsg.SupervisionWrite{{ItemID: row.ID, Seq: 1, At: now,
			Light: x.light, Listed: x.listed, DueAt: &dueAt}}, nil))
	}
}

func codes(us []org.Unit) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Code)
	}
	return out
}

// counts is a tally as total, closed, overdue, listed, red, yellow, green.
func counts(t items.Tally) [7]int {
	return [7]int{t.Total, t.Closed, t.Overdue, t.Listed, t.Red, t.Yellow, t.Green}
}

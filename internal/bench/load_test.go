package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/auth"
	"rectify/internal/bench"
	"rectify/internal/db"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/testenv"
)

// tally is what a dashboard shows of a group of items, as the test counts it itself.
type tally struct{ Total, Closed, Red, Listed int }

// A small province loaded with the read benchmark's loader shows, on the dashboards of the
// province and of a county, the counts one gets by counting the items table directly: the
// loader (triggers off, scope columns filled by hand) and RebuildCounts agree with the rows.
func TestLoadedDashboardsMatchTheItems(t *testing.T) {
	ctx := context.Background()
	d := testenv.Open(t)
	owner, err := db.Open(ctx, d.OwnerURL)
	require.NoError(t, err)
	defer owner.Close()
	sh := bench.Shape{Cities: 1, CountiesPerCity: 2, TownshipsPerCounty: 2, VillagesPerTownship: 5, Items: 2000}
	ld, err := bench.Load(ctx, owner, sh, time.Now())
	require.NoError(t, err)
	require.Equal(t, 1+1+2+4+20, ld.Units)
	require.InDelta(t, 2000, ld.Items, 1, "the items asked for, give or take the rounding of the spread")

	var n int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&n))
	require.Equal(t, ld.Items, n)
	// The scope columns the triggers would have filled.
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM items i JOIN units u ON u.id = i.unit_id
		JOIN orders o ON o.id = i.order_id JOIN units iu ON iu.id = o.issuer_unit_id
		WHERE i.unit_path <> u.path OR i.issuer_unit_id <> o.issuer_unit_id OR i.issuer_path <> iu.path`).Scan(&n))
	require.Zero(t, n, "items whose scope columns disagree with their unit and order")
	// The special township has exactly SpecialOpen open items, all waiting for it.
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM items i JOIN units u ON u.id = i.unit_id
		WHERE u.code = $1 AND i.state NOT IN ('closed', 'cancelled') AND i.holder = 'unit'`, ld.Township).Scan(&n))
	require.Equal(t, bench.SpecialOpen, n)
	// The triggers are back on after the load: a new item appends its count deltas.
	var enabled int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass
		AND NOT tgisinternal AND tgenabled = 'O'`).Scan(&enabled))
	require.Equal(t, 2, enabled, "items_fill_scope and items_count_delta enabled")

	pool, err := db.Open(ctx, d.AppURL)
	require.NoError(t, err)
	defer pool.Close()
	hs, err := holidays.NewStore(pool, "")
	require.NoError(t, err)
	svc := &rectification.Service{Items: items.NewStore(pool), Org: org.NewStore(pool), Holidays: hs}

	// want counts the items below each unit directly below code (its subtree), from the rows.
	want := func(code string) map[string]tally {
		rows, err := owner.Query(ctx, `SELECT c.code,
				count(i.id) FILTER (WHERE i.state <> 'cancelled'),
				count(i.id) FILTER (WHERE i.state = 'closed'),
				count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.light = 'red'),
				count(i.id) FILTER (WHERE i.state NOT IN ('closed', 'cancelled') AND i.listed)
			FROM units p JOIN units c ON c.parent_id = p.id LEFT JOIN items i ON i.unit_path LIKE c.path || '%'
			WHERE p.code = $1 GROUP BY c.code`, code)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]tally{}
		for rows.Next() {
			var code string
			var x tally
			require.NoError(t, rows.Scan(&code, &x.Total, &x.Closed, &x.Red, &x.Listed))
			out[code] = x
		}
		require.NoError(t, rows.Err())
		return out
	}
	leader := auth.Actor{PersonID: 2, Login: bench.LoginProvinceLeader, UnitID: 1, UnitCode: ld.Province, UnitPath: "/1/", Roles: []role.Role{role.Leader}}
	for _, code := range []string{ld.Province, ld.County} {
		w := want(code)
		require.NotEmpty(t, w)
		dash, err := svc.Dashboard(ctx, leader, rectification.DashboardInput{UnitCode: code})
		require.NoError(t, err)
		got := map[string]tally{}
		var all tally
		for _, b := range dash.Below {
			got[b.Code] = tally{b.Total, b.Closed, b.Red, b.Listed}
			all.Total, all.Closed, all.Red, all.Listed = all.Total+b.Total, all.Closed+b.Closed, all.Red+b.Red, all.Listed+b.Listed
		}
		require.Equal(t, w, got, "the dashboard of %s, unit by unit below it", code)
		require.Equal(t, all, tally{dash.All.Total, dash.All.Closed, dash.All.Red, dash.All.Listed}, "the dashboard of %s in all (no items of its own)", code)
		require.Positive(t, all.Closed)
		require.Positive(t, all.Red)
		require.Positive(t, all.Listed)
	}
}

package bulletin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/bulletin"
	"rectify/internal/calendar"
	"rectify/internal/testenv"
)

func sh(m time.Month, d, h int) time.Time {
	return time.Date(2026, m, d, h, 0, 0, 0, calendar.Shanghai)
}

// A fixture county checked figure by figure: the county issued 10 items to three townships
// before and during the National Day week; the bulletin for the week ending Mon 2026-10-12
// 18:00 is worked out by hand below.
func TestAWeeklyBulletinOverAFixtureCounty(t *testing.T) {
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('C', '示范县', 'county', '/1/');
		INSERT INTO units (code, name, kind, parent_id, path) VALUES ('T1', '城关镇', 'township', 1, '/1/2/'),
			('T2', '河西乡', 'township', 1, '/1/3/'), ('T3', '东山镇', 'township', 1, '/1/4/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by, status) VALUES (1, '通知', '巡察', 1, 'issued');
		INSERT INTO problems (order_id, seq, description) VALUES (1, 1, '问题');`)
	require.NoError(t, err)
	n := 0
	add := func(unit int64, state string, issued time.Time, closed *time.Time, due time.Time, listed bool) {
		n++
		var mid int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES (1, 1, $1, $2, '标准', '{}', 'by_date') RETURNING id`, n, fmt.Sprintf("措施%d", n)).Scan(&mid))
		_, err := pool.Exec(ctx, `INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision,
			issued_at, closed_at, due_at, listed, updated_at) VALUES ($8, 1, $1, $2, 'w', $3, 'unit', 'by_date', 1, $4, $5, $6, $7, now())`,
			mid, unit, state, issued, closed, due, listed, fmt.Sprintf("i%d", mid))
		require.NoError(t, err)
	}
	at := func(tt time.Time) *time.Time { return &tt }
	before, during := sh(9, 1, 9), sh(10, 8, 9) // the period is (10-05 18:00, 10-12 18:00]
	// 城关镇 (2): 3 closed (1 before the period, 2 in it), 1 overdue since 9/30 and listed.
	add(2, "closed", before, at(sh(9, 20, 10)), sh(9, 25, 17), false)
	add(2, "closed", before, at(sh(10, 8, 10)), sh(10, 30, 17), false)
	add(2, "closed", before, at(sh(10, 9, 10)), sh(10, 30, 17), false)
	add(2, "in_progress", before, nil, sh(9, 30, 17).Add(30*time.Minute), true)
	// 河西乡 (3): 2 closed in the period, 1 overdue since 10/9, 1 not yet due (issued in the period).
	add(3, "closed", before, at(sh(10, 10, 10)), sh(10, 30, 17), false)
	add(3, "closed", before, at(sh(10, 12, 10)), sh(10, 30, 17), false)
	add(3, "acknowledged", before, nil, sh(10, 9, 17).Add(30*time.Minute), false)
	add(3, "issued", during, nil, sh(11, 30, 17), false)
	// 东山镇 (4): 1 closed in the period; 1 cancelled, which counts nowhere but 本期交办.
	add(4, "closed", before, at(sh(10, 8, 15)), sh(10, 30, 17), false)
	add(4, "cancelled", during, nil, sh(10, 30, 17), false)

	s := bulletin.NewStore(pool)
	cal := calendar.Default()
	prev, err := s.Compute(ctx, cal, 1, bulletin.Weekly, sh(9, 28, 18), sh(10, 5, 18))
	require.NoError(t, err)
	xlsx, err := prev.XLSX()
	require.NoError(t, err)
	require.NoError(t, s.Save(ctx, &prev, xlsx))
	require.Equal(t, 1, prev.Closed, "by 10-05 only the September close-out")
	require.Len(t, prev.Overdue, 1, "城关镇's item is overdue since 9/30")

	b, err := s.Compute(ctx, cal, 1, bulletin.Weekly, sh(10, 5, 18), sh(10, 12, 18))
	require.NoError(t, err)
	require.Equal(t, 2, b.IssuedInPeriod)
	require.Equal(t, 5, b.ClosedInPeriod)
	require.Equal(t, 9, b.Total, "10 issued, 1 cancelled")
	require.Equal(t, 6, b.Closed)
	require.InDelta(t, 6.0/9, b.CloseRate, 1e-9)
	// Working days overdue at Mon 10/12: after 9/30 come 10/8, 10/9, Sat 10/10 (worked) and
	// 10/12 = 4; after 10/9 come 10/10 and 10/12 = 2.
	require.Equal(t, []bulletin.OverdueItem{
		{ItemID: "i4", Unit: "城关镇", Order: "通知", Measure: "措施4", Due: "2026-09-30", DaysOverdue: 4, Listed: true},
		{ItemID: "i7", Unit: "河西乡", Order: "通知", Measure: "措施7", Due: "2026-10-09", DaysOverdue: 2},
	}, b.Overdue)
	require.Equal(t, 1, b.Listed)
	require.Equal(t, []bulletin.UnitRank{
		{Rank: 1, Unit: "东山镇", Total: 1, Closed: 1, Rate: 1, Overdue: 0, Sentence: "东山镇：销号率100%（1/1项），超期0项，列第1位，销号率最高。", FirstTime: 1, FirstTimeRate: 1},
		{Rank: 2, Unit: "城关镇", Total: 4, Closed: 3, Rate: 0.75, Overdue: 1, Sentence: "城关镇：销号率75%（3/4项），超期1项，列第2位，销号率比东山镇低25个百分点。", FirstTime: 3, FirstTimeRate: 1},
		{Rank: 3, Unit: "河西乡", Total: 4, Closed: 2, Rate: 0.5, Overdue: 1, Sentence: "河西乡：销号率50%（2/4项），超期1项，列第3位，销号率比城关镇低25个百分点。", FirstTime: 2, FirstTimeRate: 1},
	}, b.Ranking)
	require.NotNil(t, b.Change)
	require.Equal(t, 5, b.Change.ClosedDelta)
	require.Equal(t, 1, b.Change.OverdueDelta)
	require.InDelta(t, 6.0/9-1.0/8, b.Change.RateDelta, 1e-9)

	xlsx, err = b.XLSX()
	require.NoError(t, err)
	require.NoError(t, s.Save(ctx, &b, xlsx))
	f, err := excelize.OpenReader(bytesReader(xlsx))
	require.NoError(t, err)
	v, _ := f.GetCellValue("单位排名", "G3")
	require.Equal(t, b.Ranking[1].Sentence, v)
	v, _ = f.GetCellValue("超期事项", "F2")
	require.Equal(t, "4", v)
	msg := b.Message(xlsx)
	require.Contains(t, msg.Subject, "【通报】示范县整改工作周通报")
	require.Contains(t, msg.Body, "销号率67%")
	require.Contains(t, msg.Body, "与上期相比：销号+5项")
	require.Len(t, msg.Attachments, 1)

	got, gx, err := s.Get(ctx, b.ID, 2, "/1/2/", true)
	require.Error(t, err, "a township does not see the county's bulletin")
	require.Nil(t, gx)
	got, gx, err = s.Get(ctx, b.ID, 1, "/1/", true)
	require.NoError(t, err)
	require.Equal(t, b.Ranking, got.Ranking)
	require.Equal(t, xlsx, gx)
}

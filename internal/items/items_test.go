package items_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/testenv"
	"rectify/workflows/item/itemmsg"
)

// A workflow's write may be retried, or arrive after a newer one (two handlers, a slow
// local activity): the read model keeps the newest revision and one audit row per revision.
func TestALateOrRepeatedWriteNeverOverwritesANewerOne(t *testing.T) {
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('C', '县', 'county', '/1/');
		INSERT INTO units (code, name, kind, parent_id, path) VALUES ('T', '镇', 'township', 1, '/1/2/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by) VALUES (1, '通知', '巡察', 1);
		INSERT INTO problems (order_id, seq, description) VALUES (1, 1, '问题');
		INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind, due_date)
			VALUES (1, 1, 1, '措施', '标准', '{}', 'by_date', '2026-12-31')`)
	require.NoError(t, err)
	s := items.NewStore(pool)
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, order.Shanghai)
	row := func(rev int64, st itemmsg.State) itemmsg.ItemRow {
		return itemmsg.ItemRow{Item: itemmsg.Item{Spec: itemmsg.Spec{ID: "m1-u2", MeasureID: 1, DeadlineKind: "by_date", DueDate: "2026-12-31"},
			State: st, Revision: rev}, OrderID: 1, UnitID: 2, WorkflowID: "order-1-unit-2", Holder: itemmsg.HolderUnit,
			IssuedAt: at, UpdatedAt: at.Add(time.Duration(rev) * time.Minute)}
	}
	audit := func(rev int64, from, to itemmsg.State) itemmsg.AuditEntry {
		return itemmsg.AuditEntry{ItemID: "m1-u2", Revision: rev, At: at, ActorID: 1, ActorUnitID: 1, Action: itemmsg.Acknowledge, From: from, To: to}
	}
	require.NoError(t, s.Write(ctx, []itemmsg.ItemRow{row(1, itemmsg.Issued)}, []itemmsg.AuditEntry{audit(1, "", itemmsg.Issued)}))
	require.NoError(t, s.Write(ctx, []itemmsg.ItemRow{row(3, itemmsg.InProgress)}, []itemmsg.AuditEntry{audit(3, itemmsg.Acknowledged, itemmsg.InProgress)}))
	// The late revision 2 and a retry of revision 3 change nothing but add revision 2's audit row.
	require.NoError(t, s.Write(ctx, []itemmsg.ItemRow{row(2, itemmsg.Acknowledged)}, []itemmsg.AuditEntry{audit(2, itemmsg.Issued, itemmsg.Acknowledged)}))
	require.NoError(t, s.Write(ctx, []itemmsg.ItemRow{row(3, itemmsg.InProgress)}, []itemmsg.AuditEntry{audit(3, itemmsg.Acknowledged, itemmsg.InProgress)}))

	got, err := s.Get(ctx, order.Scope{UnitID: 1, Path: "/1/", Subtree: true}, "m1-u2", at)
	require.NoError(t, err)
	require.Equal(t, "in_progress", got.State)
	require.EqualValues(t, 3, got.Revision)
	tl, err := s.Timeline(ctx, "m1-u2")
	require.NoError(t, err)
	require.Len(t, tl, 3)
	for i, e := range tl {
		require.EqualValues(t, i+1, e.Revision)
	}

	// Scope: the township sees its own item; a sibling scope does not.
	_, err = s.Get(ctx, order.Scope{UnitID: 2, Path: "/1/2/"}, "m1-u2", at)
	require.NoError(t, err)
	_, err = s.Get(ctx, order.Scope{UnitID: 3, Path: "/1/3/", Subtree: true}, "m1-u2", at)
	require.ErrorContains(t, err, "不存在或无权查看")

	// Overdue is computed against the day asked about.
	late, err := s.Get(ctx, order.Scope{UnitID: 1, Path: "/1/", Subtree: true}, "m1-u2", time.Date(2027, 1, 4, 0, 0, 0, 0, order.Shanghai))
	require.NoError(t, err)
	require.True(t, late.Overdue)
	require.False(t, got.Overdue)
}

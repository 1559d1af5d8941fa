package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/db"
	"rectify/internal/testenv"
)

// The audit trail must be append-only at the database itself, not only in our code.
func TestAuditRowsCannotBeChangedOrDeleted(t *testing.T) {
	pool, url := testenv.Pool(t)
	ctx := context.Background()
	require.NoError(t, db.Migrate(ctx, url), "second migrate is a no-op")
	_, err := pool.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('c1', '县', 'county', '/1/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by) VALUES (1, 't', '巡察', 1);
		INSERT INTO problems (order_id, seq, description) VALUES (1, 1, 'd');
		INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES (1, 1, 1, 'c', 'k', '{}', 'by_date');
		INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision, issued_at, updated_at)
			VALUES ('i1', 1, 1, 1, 'w', 'issued', 'unit', 'by_date', 1, now(), now());
		INSERT INTO item_audit (item_id, revision, at, action, from_state, to_state) VALUES ('i1', 1, now(), 'issue', '', 'issued');`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE item_audit SET note = 'x'`)
	require.ErrorContains(t, err, "append-only")
	_, err = pool.Exec(ctx, `DELETE FROM item_audit`)
	require.ErrorContains(t, err, "append-only")
	_, err = pool.Exec(ctx, `TRUNCATE item_audit CASCADE`)
	require.ErrorContains(t, err, "append-only")
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM item_audit`).Scan(&n))
	require.Equal(t, 1, n)
}

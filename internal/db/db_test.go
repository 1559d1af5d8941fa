package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"rectify/internal/db"
	"rectify/internal/testenv"
)

// appendOnly are the tables the app may only read and insert into.
var appendOnly = []string{"audit_log", "holiday_versions", "item_audit", "weak_case_events", "weak_samples"}

// seed writes one row into each append-only table, as the superuser.
func seed(t *testing.T, ctx context.Context, admin *pgx.Conn) {
	t.Helper()
	_, err := admin.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('c1', '县', 'county', '/1/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by) VALUES (1, 't', '巡察', 1);
		INSERT INTO problems (order_id, seq, description) VALUES (1, 1, 'd');
		INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES (1, 1, 1, 'c', 'k', '{}', 'by_date');
		INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision, issued_at, updated_at)
			VALUES ('i1', 1, 1, 1, 'w', 'issued', 'unit', 'by_date', 1, now(), now());
		INSERT INTO item_audit (item_id, revision, at, action, from_state, to_state) VALUES ('i1', 1, now(), 'issue', '', 'issued');
		INSERT INTO audit_log (actor_id, action, subject) VALUES (1, 'order.create', 'order:1');
		INSERT INTO holiday_versions (year, version, data) VALUES (2030, 1, '{"year": 2030, "days": []}');
		INSERT INTO weak_campaigns (unit_id, year, title, created_by) VALUES (1, 2030, 't', 1);
		INSERT INTO weak_proposals (campaign_id, branch_unit_id, proposed_by, reasons, repeat_flag) VALUES (1, 1, 1, '[]', false);
		INSERT INTO weak_cases (campaign_id, proposal_id, branch_unit_id, workflow_id, stage, determined_at) VALUES (1, 1, 1, 'w', 'rectifying', now());
		INSERT INTO weak_case_events (case_id, revision, at, kind, from_stage, to_stage, detail) VALUES (1, 1, now(), 'determined', '', 'rectifying', '{}');
		INSERT INTO weak_samples (campaign_id, round, seed, share, case_ids, drawn_by) VALUES (1, 1, 7, 1, '{1}', 1);`)
	require.NoError(t, err)
}

// requireDenied wants a permission error from the database itself (not a trigger's refusal).
func requireDenied(t *testing.T, err error, what string) {
	t.Helper()
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%s: want a permission error, got %v", what, err)
	require.Equal(t, "42501", pe.Code, "%s: %v", what, err)
	require.True(t, strings.HasPrefix(pe.Message, "permission denied") || strings.HasPrefix(pe.Message, "must be owner"),
		"%s: refused by the grants, not by a trigger the app could disable: %s", what, pe.Message)
}

// The app's role cannot rewrite the audit trail: no UPDATE, DELETE or TRUNCATE on any
// append-only table, and no way to disable or drop the triggers that guard them, since it
// owns nothing. It can still read and append, and do its ordinary work.
func TestTheAppRoleCannotRewriteTheAuditTrail(t *testing.T) {
	ctx := context.Background()
	d := testenv.Open(t)
	require.NoError(t, db.Migrate(ctx, d.OwnerURL, d.AppURL), "a second migration is a no-op")
	admin, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer admin.Close(ctx)
	seed(t, ctx, admin)

	rows, err := admin.Query(ctx, `SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'append_only' ORDER BY 1`)
	require.NoError(t, err)
	guarded, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, appendOnly, guarded, "every append-only table is guarded by the trigger")

	app, err := pgx.Connect(ctx, d.AppURL)
	require.NoError(t, err)
	defer app.Close(ctx)
	var user string
	require.NoError(t, app.QueryRow(ctx, `SELECT current_user`).Scan(&user))
	require.Equal(t, db.AppRole, user)

	for _, table := range appendOnly {
		tbl := pgx.Identifier{table}.Sanitize()
		for _, stmt := range []string{
			"UPDATE " + tbl + " SET " + map[string]string{"audit_log": "action", "holiday_versions": "data", "item_audit": "note",
				"weak_case_events": "kind", "weak_samples": "seed"}[table] + " = DEFAULT",
			"DELETE FROM " + tbl,
			"TRUNCATE " + tbl,
			"TRUNCATE " + tbl + " CASCADE",
			"ALTER TABLE " + tbl + " DISABLE TRIGGER ALL",
			"ALTER TABLE " + tbl + " DISABLE TRIGGER " + table + "_no_update",
			"DROP TRIGGER " + table + "_no_update ON " + tbl,
			"ALTER TABLE " + tbl + " OWNER TO " + db.AppRole,
			"DROP TABLE " + tbl,
		} {
			_, err := app.Exec(ctx, stmt)
			requireDenied(t, err, stmt)
		}
		var n int
		require.NoError(t, app.QueryRow(ctx, "SELECT count(*) FROM "+tbl).Scan(&n), "the app reads %s", table)
		require.Equal(t, 1, n, "%s keeps its row", table)
	}
	for _, stmt := range []string{
		"SET session_replication_role = replica", // would silence every trigger
		"DROP FUNCTION append_only()",
		"CREATE OR REPLACE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
		"CREATE TABLE sneaky (x int)",
		"INSERT INTO schema_version VALUES (1)",
	} {
		_, err := app.Exec(ctx, stmt)
		requireDenied(t, err, stmt)
	}

	// What the app does need still works: appending to the trail, ordinary changes.
	_, err = app.Exec(ctx, `INSERT INTO audit_log (actor_id, action, subject) VALUES (1, 'order.issue', 'order:1')`)
	require.NoError(t, err)
	_, err = app.Exec(ctx, `INSERT INTO item_audit (item_id, revision, at, action, from_state, to_state) VALUES ('i1', 1, now(), 'issue', '', 'issued')
		ON CONFLICT (item_id, revision) DO NOTHING`)
	require.NoError(t, err, "a repeated audit write is a no-op, not an error")
	_, err = app.Exec(ctx, `UPDATE items SET state = 'acknowledged', revision = 2 WHERE id = 'i1'`)
	require.NoError(t, err)
	_, err = app.Exec(ctx, `DELETE FROM sessions`)
	require.NoError(t, err)

	// And even the owner, who could disable them, meets the triggers first.
	owner, err := pgx.Connect(ctx, d.OwnerURL)
	require.NoError(t, err)
	defer owner.Close(ctx)
	for _, table := range appendOnly {
		_, err = owner.Exec(ctx, "DELETE FROM "+pgx.Identifier{table}.Sanitize())
		require.ErrorContains(t, err, table+" is append-only")
		_, err = owner.Exec(ctx, "TRUNCATE "+pgx.Identifier{table}.Sanitize()+" CASCADE")
		require.ErrorContains(t, err, "append-only")
	}
}

// Roles belong to the whole server while tests set up many databases at once, and serve and
// worker migrate together: creating roles and granting are safe to run concurrently.
func TestRolesAndGrantsAreSafeToSetUpConcurrently(t *testing.T) {
	ctx := context.Background()
	d := testenv.Open(t)
	testenv.Concurrently(t, 8, func(i int) error {
		if i%2 == 0 {
			return db.Migrate(ctx, d.OwnerURL, d.AppURL)
		}
		_, drop, err := testenv.NewDatabase(ctx)
		if err == nil {
			drop()
		}
		return err
	})()
}

// A database made before the roles existed (its tables owned by the superuser) is handed to
// the owner by Bootstrap, after which the app role's grants apply to it.
func TestBootstrapAdoptsAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rectify_test_old_" + hex.EncodeToString(b[:])
	admin, err := db.WithDatabase(testenv.BaseURL(), name)
	require.NoError(t, err)
	require.NoError(t, db.EnsureDatabase(ctx, admin))
	t.Cleanup(func() { _ = db.DropDatabase(context.Background(), admin) })
	require.NoError(t, db.Migrate(ctx, admin, admin), "the old way: everything as the superuser")

	ownerURL, err := db.WithUser(admin, db.OwnerRole)
	require.NoError(t, err)
	appURL, err := db.WithUser(admin, db.AppRole)
	require.NoError(t, err)
	require.NoError(t, db.Bootstrap(ctx, testenv.BaseURL(), ownerURL))
	require.NoError(t, db.Bootstrap(ctx, testenv.BaseURL(), ownerURL), "again: nothing to do")
	require.NoError(t, db.Migrate(ctx, ownerURL, appURL))

	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var foreign int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> $1`, db.OwnerRole).Scan(&foreign))
	require.Zero(t, foreign, "every table belongs to the owner")
	app, err := pgx.Connect(ctx, appURL)
	require.NoError(t, err)
	defer app.Close(ctx)
	_, err = app.Exec(ctx, `ALTER TABLE item_audit DISABLE TRIGGER ALL`)
	requireDenied(t, err, "disable trigger")
	_, err = app.Exec(ctx, `SELECT count(*) FROM units`)
	require.NoError(t, err)
}

package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/weak"
	"rectify/workflows/item/itemmsg"
)

// Every state change that is not an item's or a case's own event leaves a row in the
// general audit trail, written with the change, naming who; a refused change leaves none;
// and the app itself cannot remove a row.
func TestEveryStateChangeIsAudited(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	cs, t1o := e.Login("cs"), e.Login("t1o")

	var policy itemmsg.Policy
	cs.JSON("GET", "/api/policy", nil, 200, &policy)
	cs.JSON("PUT", "/api/policy", policy, 200, nil)
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", villageDraft("V11"), 201, &created)
	st, _ := cs.Do("POST", "/api/orders", villageDraft("ZZZ"), nil)
	require.Equal(t, 400, st, "refused: no row")
	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)
	var tok struct{ ID int64 }
	cs.JSON("POST", "/api/tokens", map[string]string{"name": "脚本"}, 201, &tok)
	st, _ = cs.Do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), nil, nil)
	require.Equal(t, 204, st)
	year, err := json.Marshal(calendar.EveryDayWorking(2031))
	require.NoError(t, err)
	cs.JSON("POST", "/api/calendar/years", json.RawMessage(year), 201, nil)
	var c weak.Campaign
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": 2031}, 201, &c)
	cs.JSON("PUT", "/api/weak/reasons", map[string]any{"reasons": []map[string]any{{"category": "发展治理", "name": "产业发展滞后", "active": true}}}, 200, nil)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	var p weak.Proposal
	t1o.JSON("POST", fmt.Sprintf("/api/weak/campaigns/%d/proposals", c.ID), map[string]any{"branch": "V11",
		"reasons": []map[string]any{{"reason_id": reasons.Reasons[0].ID}}}, 201, &p)
	cs.JSON("POST", fmt.Sprintf("/api/weak/proposals/%d/determine", p.ID), map[string]any{"county_leader": "cl",
		"township_leader": "t1s", "first_secretary": "t1l", "paired_unit": "C"}, 201, nil)
	st, raw := t1o.Do("PUT", "/api/me/password", map[string]string{"old_password": apptest.Password, "new_password": "新密码-2026"}, nil)
	require.Equal(t, 204, st, string(raw))

	type row struct{ Action, Subject, Actor, Unit string }
	rows, err := e.Sys.Pool.Query(ctx, `SELECT a.action, a.subject, coalesce(p.login, ''), coalesce(u.code, '')
		FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id LEFT JOIN units u ON u.id = a.actor_unit_id ORDER BY a.id`)
	require.NoError(t, err)
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.Action, &r.Subject, &r.Actor, &r.Unit))
		if r.Action == "calendar.upload" && r.Actor == "" {
			continue // the fixture's own tables, loaded by the system
		}
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	order := fmt.Sprintf("order:%d", created.ID)
	campaign := fmt.Sprintf("campaign:%d", c.ID)
	want := []row{
		{"policy.set", "unit:1", "cs", "C"},
		{"order.create", order, "cs", "C"},
		{"order.issue", order, "cs", "C"},
		{"token.create", fmt.Sprintf("token:%d", tok.ID), "cs", "C"},
		{"token.revoke", fmt.Sprintf("token:%d", tok.ID), "cs", "C"},
		{"calendar.upload", "year:2031", "cs", "C"},
		{"weak.campaign", campaign, "cs", "C"},
		{"weak.campaign_policy", campaign, "cs", "C"},
		{"weak.reasons", "unit:1", "cs", "C"},
		{"weak.propose", fmt.Sprintf("proposal:%d", p.ID), "t1o", "T1"},
		{"weak.determine", fmt.Sprintf("proposal:%d", p.ID), "cs", "C"},
		{"password.change", fmt.Sprintf("person:%d", t1oID(t, e)), "t1o", "T1"},
	}
	require.Equal(t, want, got)
	var hashes int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail ? 'token_hash'`).Scan(&hashes))
	require.Zero(t, hashes, "a token's hash never reaches the trail")

	_, err = e.Sys.Pool.Exec(ctx, `DELETE FROM audit_log`)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "42501", pe.Code, "the app's own connection may not delete: %v", err)
}

func t1oID(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT id FROM people WHERE login = 't1o'`).Scan(&id))
	return id
}

package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/workflows/item"
)

// The README's walk acknowledges with Idempotency-Key ack-1. A township official who does
// that for each of the unit's three items gets all three acknowledged; a retry is answered
// from memory; the key reused for another action is a 409 that says so; and a colleague's
// ack-1 is not answered with the official's result.
func TestOneIdempotencyKeyAcrossTheItemsOfAUnit(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	o := issueThree(t, e)
	ids := o.items(t, "T1")
	t1o, t1s := e.Login("t1o"), e.Login("t1s")
	key := http.Header{"Idempotency-Key": []string{"ack-1"}}
	post := func(c *apptest.Client, id, action string, body any) (int, item.ActionResult, string) {
		t.Helper()
		st, raw := c.Do("POST", "/api/items/"+id+"/"+action, body, key)
		var res item.ActionResult
		if st == 200 {
			require.NoError(t, jsonUnmarshal(raw, &res))
		}
		return st, res, string(raw)
	}
	for _, id := range ids {
		st, res, raw := post(t1o, id, "acknowledge", nil)
		require.Equal(t, 200, st, raw)
		require.Equal(t, item.Acknowledged, res.State, id)
		require.False(t, res.Duplicate, "%s was acted on, not answered from memory", id)
		require.Empty(t, res.Fingerprint)
	}
	st, res, raw := post(t1o, ids[1], "acknowledge", nil)
	require.Equal(t, 200, st, raw)
	require.True(t, res.Duplicate, "a retry of the same request is answered from memory")
	require.EqualValues(t, 2, res.Revision)

	st, _, raw = post(t1o, ids[0], "progress", map[string]any{"note": "已逐村检查"})
	require.Equal(t, 409, st, raw)
	require.Contains(t, raw, "Idempotency-Key")
	require.Contains(t, raw, "幂等键")

	// A colleague's ack-1 on an acknowledged item is their own request: refused as late, not
	// answered with the first official's result.
	st, _, raw = post(t1s, ids[0], "acknowledge", nil)
	require.Equal(t, 409, st, raw)
	require.Contains(t, raw, "已签收")

	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = $1 AND state = 'acknowledged'`, o.ID).Scan(&n))
	require.Equal(t, 3, n, "all three of T1's items are acknowledged in the read model")
}

// With no worker polling, an action cannot be answered within the request's budget. The
// person is told it was handed over but is unconfirmed, with the key to retry under; when the
// worker is back, the retry with that key is answered and the action is on record once.
func TestAnUnansweredActionIsReportedUnconfirmedAndARetryActsOnce(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		c.RequestTimeout = 4 * time.Second
	}})
	ctx := context.Background()
	w := e.Sys.Worker()
	require.NoError(t, w.Start())
	id := issueThree(t, e).items(t, "T1")[0]
	w.Stop()
	t1o := e.Login("t1o")
	key := http.Header{"Idempotency-Key": []string{"ack-outage"}}

	st, raw := t1o.Do("POST", "/api/items/"+id+"/acknowledge", nil, key)
	require.Equal(t, 503, st, string(raw))
	require.Contains(t, string(raw), "暂未确认")
	require.Contains(t, string(raw), "Idempotency-Key")

	w2 := e.Sys.Worker()
	require.NoError(t, w2.Start())
	t.Cleanup(w2.Stop)
	var res item.ActionResult
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, raw := t1o.Do("POST", "/api/items/"+id+"/acknowledge", nil, key)
		if assert.Equal(c, 200, st, string(raw)) {
			assert.NoError(c, jsonUnmarshal(raw, &res))
		}
	}, 60*time.Second, time.Second)
	require.Equal(t, item.Acknowledged, res.State)
	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM item_audit WHERE item_id = $1 AND action = 'acknowledge'`, id).Scan(&n))
	require.Equal(t, 1, n, "acknowledged once, however many times it was asked")
}

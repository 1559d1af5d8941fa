package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/workflows/item"
)

// The README's walk acknowledges with Idempotency-Key ack-1. A township official who does
// that for each of the unit's three items gets all three acknowledged; a retry is answered
// from memory; the key reused for another action is a 409 that says so; and a colleague's
// ack-1 is not answered with the official's result.
func TestOneIdempotencyKeyAcrossTheItemsOfAUnit(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	orderID := issue(t, e, threeMeasures(dueIn(20)), 6)
	cs, t1o, t1s := e.Login("cs"), e.Login("t1o"), e.Login("t1s")
	var ord order.Order
	cs.JSON("GET", fmt.Sprintf("/api/orders/%d", orderID), nil, 200, &ord)
	t1, err := e.Org.UnitByCode(ctx, "T1")
	require.NoError(t, err)
	ids := []string{
		item.ItemID(ord.Problems[0].Measures[0].ID, t1.ID),
		item.ItemID(ord.Problems[0].Measures[1].ID, t1.ID),
		item.ItemID(ord.Problems[1].Measures[0].ID, t1.ID),
	}
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
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = $1 AND state = 'acknowledged'`, orderID).Scan(&n))
	require.Equal(t, 3, n, "all three of T1's items are acknowledged in the read model")
}

package notify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

// Failed lists the failures about items, newest first, until a retry sends them; a failed
// message about no item (a bulletin) is not listed.
func TestFailedListsUndeliveredMessagesAboutItems(t *testing.T) {
	e := newDeliverEnv(t)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "人员甲", Email: "jia@example.org", Mobile: "13800000001"}
	e.mail.failNextData(3)
	_, err := e.n.Deliver(ctx, "order-1-unit-2/overdue_urge/1", to, notify.RungOverdueUrge, []string{"m1-u2"}, urge)
	require.Error(t, err)
	_, err = e.n.Deliver(ctx, "bulletin/1/1", to, notify.RungOverdueUrge, nil, urge)
	require.Error(t, err)
	_, err = e.n.Deliver(ctx, "order-1-unit-2/listed/1", to, notify.RungOverdueUrge, []string{"m1-u2", "m2-u2"}, urge)
	require.Error(t, err)

	ds, err := e.n.Store.Failed(ctx, 10)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	require.Equal(t, "order-1-unit-2/listed/1:email", ds[0].Key, "newest first")
	require.Equal(t, []string{"m1-u2", "m2-u2"}, ds[0].ItemIDs)
	require.Contains(t, ds[1].LastError, "451")
	ds, err = e.n.Store.Failed(ctx, 1)
	require.NoError(t, err)
	require.Len(t, ds, 1, "at most the limit")

	_, err = e.n.Deliver(ctx, "order-1-unit-2/listed/1", to, notify.RungOverdueUrge, []string{"m1-u2", "m2-u2"}, urge)
	require.NoError(t, err)
	ds, err = e.n.Store.Failed(ctx, 10)
	require.NoError(t, err)
	require.Len(t, ds, 1, "sent on a retry, no longer failed")
	require.Equal(t, "order-1-unit-2/overdue_urge/1:email", ds[0].Key)
}

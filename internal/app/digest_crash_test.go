package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/workflows/dispatch"
	"rectify/workflows/dispatch/dispatchmsg"
)

// Found by the kill soak: a dispatcher that claimed a person's reminder message of the day,
// sent it and died before marking it left the next slot's dispatcher to put the reminders off
// to the next working morning, where they went out a second time under a new key. The day's
// message has one key whichever slot claims it: the next dispatcher is answered with the
// recorded send and marks the reminders, sending nothing again and putting nothing off.
func TestADigestSentByADispatcherThatDiedIsMarkedNotSentAgain(t *testing.T) {
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{Configure: cfg})
	e.AlwaysWorking()
	ctx := context.Background()
	now := time.Now()
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "专项督查整改", Source: "督查", Targets: []string{"T1"}, Policy: roundTheClock(),
		Problems: []order.Problem{{Description: "台账不全", Measures: []order.Measure{
			{Content: "建立制度", Criterion: "制度上墙", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 1)}},
		}}}}
	issueBackdated(t, e, 48*time.Hour, "cs", d)
	t1o, err := e.Org.PersonByLogin(ctx, "t1o")
	require.NoError(t, err)
	digestSent := func(c *assert.CollectT) {
		var pending, sent int
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent')
			FROM notices WHERE person_id = $1`, t1o.ID).Scan(&pending, &sent))
		assert.Zero(c, pending)
		assert.Positive(c, sent)
	}
	require.EventuallyWithT(t, digestSent, 60*time.Second, 200*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	before, _ := sink.Count()
	var key string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT delivery_key FROM digests WHERE person_id = $1`, t1o.ID).Scan(&key))

	// The crash window: the message went out and was recorded, the notices and the digest
	// were not marked, and the slot that claimed it is gone.
	_, err = e.Sys.Pool.Exec(ctx, `UPDATE notices SET status = 'pending', delivery_key = NULL, sent_at = NULL
		WHERE person_id = $1 AND delivery_key = $2`, t1o.ID, key)
	require.NoError(t, err)
	_, err = e.Sys.Pool.Exec(ctx, `UPDATE digests SET sent = false, slot = slot - interval '1 minute' WHERE person_id = $1`, t1o.ID)
	require.NoError(t, err)
	var dueBefore time.Time
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT max(send_at) FROM notices WHERE person_id = $1`, t1o.ID).Scan(&dueBefore))

	slot := time.Now().Truncate(time.Minute)
	_, err = e.Sys.Temporal.SignalWithStartWorkflow(ctx, dispatchmsg.DispatchWorkflowID(e.Sys.Deployment, slot)+"-after-crash", dispatchmsg.SignalNotices, nil,
		client.StartWorkflowOptions{TaskQueue: e.Sys.Config.TaskQueue}, dispatch.DispatchWorkflow,
		dispatchmsg.DispatchInput{Deployment: e.Sys.Deployment, Slot: slot})
	require.NoError(t, err)
	require.EventuallyWithT(t, digestSent, 60*time.Second, 200*time.Millisecond)

	var dueAfter time.Time
	var keys []string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT max(send_at), array_agg(DISTINCT delivery_key) FROM notices WHERE person_id = $1`, t1o.ID).Scan(&dueAfter, &keys))
	require.Equal(t, dueBefore, dueAfter, "nothing was put off to the next working morning")
	require.Equal(t, []string{key}, keys, fmt.Sprintf("marked under the day's message %s", key))
	time.Sleep(500 * time.Millisecond)
	after, distinct := sink.Count()
	require.Equal(t, before, after, "nothing was sent again")
	require.Equal(t, after, distinct)
}

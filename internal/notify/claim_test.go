package notify_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
	"rectify/internal/testenv"
)

// blockingSender is a provider that takes as long as the test says: every Send waits until
// release is closed (or its context ends).
type blockingSender struct {
	inFlight atomic.Int64
	sent     atomic.Int64
	release  chan struct{}
	mu       sync.Mutex
	keys     map[string]int
}

func (b *blockingSender) Channel() notify.Channel { return notify.Email }

func (b *blockingSender) Send(ctx context.Context, to notify.Recipient, m notify.Message, key string) (string, error) {
	b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	select {
	case <-b.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	b.sent.Add(1)
	b.mu.Lock()
	b.keys[key]++
	b.mu.Unlock()
	return notify.MessageID(key), nil
}

// smallPool is a pool of four connections over the test's database, as the default pool on
// a two-core machine.
func smallPool(t *testing.T, people int) *pgxpool.Pool {
	t.Helper()
	_, url := testenv.Pool(t)
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	setupPeople(t, pool, people)
	return pool
}

// Sixteen people are sent to at once through a provider that hangs: the sends hold no
// connection, so with a pool of four another query still answers at once; when the
// provider answers, each person has one message and one record.
func TestSlowProvidersDoNotHoldTheConnectionPool(t *testing.T) {
	pool := smallPool(t, 16)
	slow := &blockingSender{release: make(chan struct{}), keys: map[string]int{}}
	n := &notify.Notifier{Store: notify.NewStore(pool), Senders: []notify.Sender{slow}}
	ctx := context.Background()

	wait := testenv.Concurrently(t, 16, func(i int) error {
		to := notify.Recipient{PersonID: int64(i + 1), Name: "人员", Email: fmt.Sprintf("p%d@example.org", i)}
		_, err := n.Deliver(ctx, fmt.Sprintf("slot/urge/%d", i+1), to, notify.RungOverdueUrge, []string{"m1-u1"}, urge)
		return err
	})
	require.Eventually(t, func() bool { return slow.inFlight.Load() == 16 }, 10*time.Second, 5*time.Millisecond,
		"all sixteen sends reach the provider")
	qctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var one int
	require.NoError(t, pool.QueryRow(qctx, `SELECT 1`).Scan(&one), "a query answers while the provider hangs")
	require.Zero(t, pool.Stat().AcquiredConns(), "no connection is held across a provider call")

	close(slow.release)
	wait()
	require.EqualValues(t, 16, slow.sent.Load())
	var sent, claims int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM delivery_claims`).Scan(&claims))
	require.Equal(t, 16, sent)
	require.Zero(t, claims, "every claim is released")
}

// A call that finds another call sending under its key waits for that send's outcome and
// answers it, sending nothing; a claim left by a worker that died mid-send lapses, and the
// key is then sent (at least once, under the same Message-ID).
func TestAClaimIsWaitedForAndALapsedOneTakenOver(t *testing.T) {
	pool := smallPool(t, 1)
	slow := &blockingSender{release: make(chan struct{}), keys: map[string]int{}}
	n := &notify.Notifier{Store: notify.NewStore(pool), Senders: []notify.Sender{slow}, ClaimLease: 2 * time.Second}
	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "人员甲", Email: "jia@example.org"}

	first := make(chan error, 1)
	go func() {
		_, err := n.Deliver(ctx, "k/live", to, notify.RungListed, nil, urge)
		first <- err
	}()
	require.Eventually(t, func() bool { return slow.inFlight.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	type answer struct {
		d   notify.Delivery
		err error
	}
	second := make(chan answer, 1)
	go func() {
		d, err := n.Deliver(ctx, "k/live", to, notify.RungListed, nil, urge)
		second <- answer{d, err}
	}()
	time.Sleep(200 * time.Millisecond)
	require.EqualValues(t, 1, slow.inFlight.Load(), "the second call waits instead of sending")
	close(slow.release)
	require.NoError(t, <-first)
	a := <-second
	require.NoError(t, a.err)
	d := a.d
	require.Equal(t, notify.StatusSent, d.Status)
	require.Equal(t, 1, slow.keys["k/live"], "sent once")

	// A worker claimed "k/dead" and died before recording anything.
	_, err := pool.Exec(ctx, `INSERT INTO delivery_claims (key, token, claimed_until) VALUES ('k/dead', gen_random_uuid(), now() + interval '1 second')`)
	require.NoError(t, err)
	short := &notify.Notifier{Store: notify.NewStore(pool), Senders: []notify.Sender{slow}, ClaimWait: 100 * time.Millisecond}
	_, err = short.Deliver(ctx, "k/dead", to, notify.RungListed, nil, urge)
	require.ErrorIs(t, err, notify.ErrInProgress, "a live claim is not taken over")
	start := time.Now()
	d, err = n.Deliver(ctx, "k/dead", to, notify.RungListed, nil, urge)
	require.NoError(t, err)
	require.Equal(t, notify.StatusSent, d.Status)
	require.Equal(t, 1, slow.keys["k/dead"])
	require.Less(t, time.Since(start), 3*time.Second, "taken over once the claim lapsed")
}

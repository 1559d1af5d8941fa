package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/db"
)

// Status is what became of one delivery.
type Status string

// The delivery statuses.
const (
	StatusSent      Status = "sent"
	StatusFailed    Status = "failed"
	StatusNoContact Status = "no_contact"
)

// Delivery is the record of one message over one channel.
type Delivery struct {
	Key          string // the caller's key + ":" + channel
	PersonID     int64
	Channel      Channel
	Rung         string
	ItemIDs      []string
	Subject      string
	Status       Status
	ProviderID   string
	Attempts     int
	LastError    string
	FallbackFrom Channel // the channel tried before that could not reach the person
	CreatedAt    time.Time
	SentAt       time.Time // zero unless sent
}

// Store keeps delivery records.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore makes a store.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const deliveryCols = `key, person_id, channel, rung, item_ids, subject, status, provider_id, attempts, last_error, fallback_from, created_at, sent_at`

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func scanDelivery(row pgx.Row) (Delivery, error) {
	var (
		d      Delivery
		ch, fb string
		st     string
		sentAt *time.Time
	)
	if err := row.Scan(&d.Key, &d.PersonID, &ch, &d.Rung, &d.ItemIDs, &d.Subject, &st, &d.ProviderID, &d.Attempts,
		&d.LastError, &fb, &d.CreatedAt, &sentAt); err != nil {
		return Delivery{}, err
	}
	d.Channel, d.FallbackFrom, d.Status = Channel(ch), Channel(fb), Status(st)
	if sentAt != nil {
		d.SentAt = *sentAt
	}
	if d.ItemIDs == nil {
		d.ItemIDs = []string{}
	}
	return d, nil
}

func collect(rows pgx.Rows) ([]Delivery, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if out == nil {
		out = []Delivery{}
	}
	return out, err
}

// Get finds the delivery with a full key (caller's key + ":" + channel).
func (s *Store) Get(ctx context.Context, key string) (Delivery, bool, error) {
	return get(ctx, s.pool, key)
}

func get(ctx context.Context, q querier, key string) (Delivery, bool, error) {
	d, err := scanDelivery(q.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, false, nil
	}
	if err != nil {
		return Delivery{}, false, fmt.Errorf("notify.Store.Get: %w", err)
	}
	return d, true, nil
}

// Deliveries lists the deliveries that mention an item, oldest first.
func (s *Store) Deliveries(ctx context.Context, itemID string) ([]Delivery, error) {
	return s.list(ctx, "Deliveries", `SELECT `+deliveryCols+` FROM deliveries WHERE item_ids @> ARRAY[$1::text]
		ORDER BY created_at, key`, itemID)
}

// record writes the outcome of one attempt. A row already sent is never changed: the
// returned delivery is then the recorded send.
func record(ctx context.Context, q querier, d Delivery) (Delivery, error) {
	attempt := 0
	if d.Status != StatusNoContact {
		attempt = 1
	}
	itemIDs := d.ItemIDs
	if itemIDs == nil {
		itemIDs = []string{}
	}
	var sentAt *time.Time
	if d.Status == StatusSent {
		now := time.Now()
		sentAt = &now
	}
	const q1 = `INSERT INTO deliveries (key, person_id, channel, rung, item_ids, subject, status, provider_id, attempts, last_error, fallback_from, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (key) DO UPDATE SET person_id = excluded.person_id, rung = excluded.rung, item_ids = excluded.item_ids,
			subject = excluded.subject, status = excluded.status, provider_id = excluded.provider_id,
			attempts = deliveries.attempts + excluded.attempts,
			last_error = CASE WHEN excluded.status = 'sent' THEN deliveries.last_error ELSE excluded.last_error END,
			fallback_from = excluded.fallback_from, sent_at = excluded.sent_at
		WHERE deliveries.status <> 'sent'
		RETURNING ` + deliveryCols
	got, err := scanDelivery(q.QueryRow(ctx, q1, d.Key, d.PersonID, string(d.Channel), d.Rung, itemIDs, d.Subject, string(d.Status),
		d.ProviderID, attempt, d.LastError, string(d.FallbackFrom), sentAt))
	if errors.Is(err, pgx.ErrNoRows) {
		// Sent meanwhile: keep the recorded send.
		got, _, err = get(ctx, q, d.Key)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("notify: record delivery %s: %w", d.Key, err)
	}
	return got, nil
}

// Notifier delivers messages over the first channel that reaches the person, recording
// each attempt.
type Notifier struct {
	Store   *Store
	Senders []Sender // in order of preference
	// ClaimLease is how long a send may hold its key before another call may take it over
	// (a worker that died mid-send); zero means DefaultClaimLease. Each send is given
	// three quarters of it, so a live send ends before its claim lapses.
	ClaimLease time.Duration
	// ClaimWait bounds how long a call waits for another call's send under the same key;
	// zero means DefaultClaimWait. It stays below the dispatcher's heartbeat timeout.
	ClaimWait time.Duration
}

// Defaults of a Notifier.
const (
	DefaultClaimLease = 30 * time.Second
	DefaultClaimWait  = 15 * time.Second
)

// ErrInProgress means another call is still sending under the key; retry later.
var ErrInProgress = errors.New("notify: another send under this key is in progress")

// DeliveryStatus is a delivery as people read it with an item: the channel, what became of
// it, when, and the cleaned reason of a failure — never the provider's text, an address or
// a key.
type DeliveryStatus struct {
	Channel Channel   `json:"channel"`
	Status  Status    `json:"status"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason,omitempty"`
}

// Deliveries lists the deliveries that mention an item, as people may read them.
func (n *Notifier) Deliveries(ctx context.Context, itemID string) ([]DeliveryStatus, error) {
	ds, err := n.Store.Deliveries(ctx, itemID)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryStatus, len(ds))
	for i, d := range ds {
		out[i] = DeliveryStatus{Channel: d.Channel, Status: d.Status, At: d.CreatedAt}
		if d.Status == StatusSent {
			out[i].At = d.SentAt // an earlier failure's reason stays on the record only
		} else {
			out[i].Reason = d.LastError
		}
	}
	return out, nil
}

// redactor knows the secrets of the configured senders.
func (n *Notifier) redactor() redactor {
	var r redactor
	for _, s := range n.Senders {
		if h, ok := s.(secretHolder); ok {
			r.secrets = append(r.secrets, h.secrets()...)
		}
	}
	return r
}

// Deliver sends m to one person under the idempotency key key (e.g. workflow/rung/person).
//
// Channels are tried in order of preference. A channel with no address for the person is
// recorded as no_contact under key+":"+channel and the next channel is tried, which
// records that channel in fallback_from. When any channel already has a recorded send for
// key, that delivery is returned and nothing is sent. A send error is recorded as failed
// (attempts+1, last_error) and returned, for the caller to retry with backoff; a retry
// starts again from the preferred channel. When no channel can reach the person the error
// wraps ErrUnreachable, and is not worth retrying.
//
// No connection or lock is held while a provider is called: a short transaction claims the
// key (delivery_claims, with a lease), the send runs with no connection, and the outcome
// is recorded and the claim released in another. Two concurrent calls for a key (an
// activity retried while its first attempt still runs) send once: the second waits for the
// first's outcome, up to ClaimWait, then answers ErrInProgress. A claim left by a worker
// that died mid-send lapses after ClaimLease and the key may be sent again: a crash
// between a provider accepting the message and the record being written can send twice,
// and the email's Message-ID, derived from the key, lets mail systems drop the duplicate.
func (n *Notifier) Deliver(ctx context.Context, key string, to Recipient, rung string, itemIDs []string, m Message) (Delivery, error) {
	if key == "" {
		return Delivery{}, errors.New("notify.Deliver: empty key")
	}
	if to.PersonID <= 0 {
		return Delivery{}, fmt.Errorf("notify.Deliver %s: recipient has no person id", key)
	}
	if n.Store == nil {
		return Delivery{}, errors.New("notify.Deliver: no store")
	}
	lease, wait := n.ClaimLease, n.ClaimWait
	if lease <= 0 {
		lease = DefaultClaimLease
	}
	if wait <= 0 {
		wait = DefaultClaimWait
	}
	keys := make([]string, len(n.Senders))
	for i, s := range n.Senders {
		keys[i] = key + ":" + string(s.Channel())
	}
	c, sent, err := n.Store.awaitClaim(ctx, key, keys, lease, wait)
	if err != nil {
		return Delivery{}, fmt.Errorf("notify.Deliver %s: %w", key, err)
	}
	if sent != nil {
		// A send recorded on any channel ends the matter.
		return *sent, nil
	}
	// Records are written, and the claim released, even when the caller's context has
	// ended: what happened, happened.
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		n.Store.release(rctx, c)
	}()
	save := func(d Delivery) (Delivery, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return record(rctx, n.Store.pool, d)
	}
	// Every send ends before the claim lapses, so that nobody takes the key over from a
	// live send.
	sctx, cancel := context.WithDeadline(ctx, c.until)
	defer cancel()
	var (
		fallbackFrom Channel
		noContact    []string
		last         Delivery
	)
	for _, s := range n.Senders {
		ch := s.Channel()
		d := Delivery{Key: key + ":" + string(ch), PersonID: to.PersonID, Channel: ch, Rung: rung, ItemIDs: itemIDs,
			Subject: m.Subject, FallbackFrom: fallbackFrom}
		if err := ctx.Err(); err != nil {
			return last, fmt.Errorf("notify.Deliver %s: %w", key, err)
		}
		id, serr := s.Send(sctx, to, m, key)
		switch {
		case errors.Is(serr, ErrNoContact):
			d.Status = StatusNoContact
			d.LastError = "no " + contactName(ch)
			rec, err := save(d)
			if err != nil {
				return last, fmt.Errorf("notify.Deliver %s: %w", key, err)
			}
			last = rec
			noContact = append(noContact, string(ch))
			fallbackFrom = ch
			continue
		case serr != nil:
			// Only the cleaned reason is stored; the provider's text, without secrets, is
			// logged here at the worker and travels in the returned error.
			d.Status = StatusFailed
			d.LastError = Reason(serr)
			derr := &DeliveryError{Channel: ch, Reason: d.LastError, err: serr,
				text: fmt.Sprintf("notify.Deliver %s via %s: %s", key, ch, n.redactor().redact(serr.Error()))}
			slog.WarnContext(ctx, "notify: delivery failed", "key", key, "channel", ch, "reason", d.LastError, "error", derr.text)
			rec, err := save(d)
			if err != nil {
				derr.text += fmt.Sprintf(" (and %v)", err)
			}
			return rec, derr
		}
		d.Status = StatusSent
		d.ProviderID = id
		rec, err := save(d)
		if err != nil {
			return rec, fmt.Errorf("notify.Deliver %s: sent via %s but %w", key, ch, err)
		}
		return rec, nil
	}
	if len(n.Senders) == 0 {
		return last, fmt.Errorf("notify.Deliver %s: %w: no channel is configured", key, ErrUnreachable)
	}
	return last, fmt.Errorf("notify.Deliver %s: %w: person %d (%s) has no address for %s", key, ErrUnreachable,
		to.PersonID, to.Name, strings.Join(noContact, ", "))
}

// claim is a held claim on a key: sends under it must end by until.
type claim struct {
	key   string
	token string
	until time.Time
}

// awaitClaim claims key for a send, or finds the send already recorded under one of keys
// (the key's channels, in order of preference). While another call holds a live claim it
// waits, holding no connection, up to wait.
func (s *Store) awaitClaim(ctx context.Context, key string, keys []string, lease, wait time.Duration) (claim, *Delivery, error) {
	giveUp := time.Now().Add(wait)
	pause := 20 * time.Millisecond
	for {
		c, sent, ok, err := s.claim(ctx, key, keys, lease)
		if err != nil || ok || sent != nil {
			return c, sent, err
		}
		if time.Now().Add(pause).After(giveUp) {
			return claim{}, nil, ErrInProgress
		}
		select {
		case <-ctx.Done():
			return claim{}, nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// claim tries once, in one short transaction: it takes the key unless another call holds
// a live claim (ok false), then looks for a recorded send. The claim comes first so that
// the look sees the outcome of any call whose claim it replaced: a call records its
// outcome before it releases its claim.
func (s *Store) claim(ctx context.Context, key string, keys []string, lease time.Duration) (c claim, sent *Delivery, ok bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("claim: %w", err)
		}
	}()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return claim{}, nil, false, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	c.key = key
	err = tx.QueryRow(ctx, `INSERT INTO delivery_claims (key, token, claimed_until) VALUES ($1, gen_random_uuid(), now() + $2 * interval '1 millisecond')
		ON CONFLICT (key) DO UPDATE SET token = excluded.token, claimed_until = excluded.claimed_until
			WHERE delivery_claims.claimed_until < now()
		RETURNING token::text`, key, lease.Milliseconds()).Scan(&c.token)
	if errors.Is(err, pgx.ErrNoRows) {
		return claim{}, nil, false, nil
	}
	if err != nil {
		return claim{}, nil, false, err
	}
	rows, err := tx.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE key = ANY($1) AND status = 'sent'`, keys)
	if err != nil {
		return claim{}, nil, false, err
	}
	done, err := collect(rows)
	if err != nil {
		return claim{}, nil, false, err
	}
	for _, k := range keys {
		for _, d := range done {
			if d.Key == k {
				return claim{}, &d, false, nil // rolled back: nothing to claim
			}
		}
	}
	// Sends get three quarters of the lease; the rest covers recording the outcome.
	c.until = time.Now().Add(lease * 3 / 4)
	return c, nil, true, tx.Commit(ctx)
}

// release gives a claim up, unless it lapsed and another call took the key over.
func (s *Store) release(ctx context.Context, c claim) {
	// A claim not released lapses by itself; nothing more to do on an error.
	_, _ = s.pool.Exec(ctx, `DELETE FROM delivery_claims WHERE key = $1 AND token = $2::uuid`, c.key, c.token)
}

func contactName(ch Channel) string {
	switch ch {
	case Email:
		return "email address"
	case SMS, DingTalk, WeCom:
		return "mobile number"
	}
	return "address"
}

// DeliveryCount is how many deliveries went over a channel with a status.
type DeliveryCount struct {
	Channel Channel
	Status  Status
	N       int64
}

// DeliveryCounts counts the deliveries by channel and status.
func (s *Store) DeliveryCounts(ctx context.Context) (_ []DeliveryCount, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("notify.DeliveryCounts: %w", err)
		}
	}()
	return db.List(ctx, s.pool, pgx.RowToStructByPos[DeliveryCount],
		`SELECT channel, status, count(*) FROM deliveries GROUP BY 1, 2 ORDER BY 1, 2`)
}

package items

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/workflows/item/itemmsg"
)

// The dispatcher's queue: notices (reminders and escalations the item workflows fired, written
// by WriteSupervision) waiting to be sent, and digests, the one consolidated reminder message
// a person gets per working day.

// PendingNotice is a notice waiting to go out, with what its message needs: who it is for and
// the item it is about.
type PendingNotice struct {
	Notice     itemmsg.Notice `db:"detail"`
	Name       string         `db:"name"`
	Email      string         `db:"email"`
	Mobile     string         `db:"mobile"`
	OrderTitle string         `db:"order_title"`
	UnitName   string         `db:"unit_name"`
	Measure    string         `db:"measure"`
}

// PendingNotices returns the notices still pending whose send time is before before, by
// person and then key.
func (s *Store) PendingNotices(ctx context.Context, before time.Time) (_ []PendingNotice, err error) {
	defer apperr.Wrap(&err, "items.PendingNotices(%s)", before)
	rows, err := s.pool.Query(ctx, `SELECT n.detail, p.name, p.email, p.mobile, o.title AS order_title, u.name AS unit_name, m.content AS measure
		FROM notices n JOIN people p ON p.id = n.person_id JOIN items i ON i.id = n.item_id
		JOIN orders o ON o.id = i.order_id JOIN units u ON u.id = i.unit_id JOIN measures m ON m.id = i.measure_id
		WHERE n.status = 'pending' AND n.send_at < $1
			-- a look-back reminder is moot once the item is reopened
			AND (n.rung <> 'look_back' OR i.state = 'closed')
		ORDER BY n.person_id, n.key`, before)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[PendingNotice])
}

// MarkNotices records what became of notices: sent or failed under a delivery key, with the
// reason of a failure.
func (s *Store) MarkNotices(ctx context.Context, keys []string, status, deliveryKey, reason string) (err error) {
	defer apperr.Wrap(&err, "items.MarkNotices(%d, %s, %s)", len(keys), status, deliveryKey)
	_, err = s.pool.Exec(ctx, `UPDATE notices SET status = $2, delivery_key = $3, last_error = $4, sent_at = now()
		WHERE key = ANY($1)`, keys, status, deliveryKey, reason)
	return err
}

// NoteSendError leaves the reason a send failed on notices that stay pending for a retry.
func (s *Store) NoteSendError(ctx context.Context, keys []string, reason string) (err error) {
	defer apperr.Wrap(&err, "items.NoteSendError(%d)", len(keys))
	_, err = s.pool.Exec(ctx, `UPDATE notices SET last_error = $2 WHERE key = ANY($1)`, keys, reason)
	return err
}

// PostponeNotices moves the notices still pending among keys to send at to.
func (s *Store) PostponeNotices(ctx context.Context, keys []string, to time.Time) (err error) {
	defer apperr.Wrap(&err, "items.PostponeNotices(%d, %s)", len(keys), to)
	_, err = s.pool.Exec(ctx, `UPDATE notices SET send_at = $2 WHERE key = ANY($1) AND status = 'pending'`, keys, to)
	return err
}

// ClaimDigest records that a person's reminder message of a day (YYYY-MM-DD) goes out under
// deliveryKey from slot, unless the day's message is claimed already.
func (s *Store) ClaimDigest(ctx context.Context, personID int64, day string, slot time.Time, deliveryKey string) (err error) {
	defer apperr.Wrap(&err, "items.ClaimDigest(%d, %s)", personID, day)
	_, err = s.pool.Exec(ctx, `INSERT INTO digests (person_id, day, slot, delivery_key) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id, day) DO NOTHING`, personID, day, slot, deliveryKey)
	return err
}

// DigestSent records that a person's reminder message of a day has been sent.
func (s *Store) DigestSent(ctx context.Context, personID int64, day string) (err error) {
	defer apperr.Wrap(&err, "items.DigestSent(%d, %s)", personID, day)
	_, err = s.pool.Exec(ctx, `UPDATE digests SET sent = true WHERE person_id = $1 AND day = $2`, personID, day)
	return err
}

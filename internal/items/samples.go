package items

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/sampling"
)

// Sample is one draw of closed items for re-inspection (抽查复核).
type Sample struct {
	ID           int64        `json:"id"`
	IssuerUnitID int64        `json:"issuer_unit_id"`
	OrderID      int64        `json:"order_id,omitempty"`
	Share        float64      `json:"share"`
	Seed         int64        `json:"seed"`
	Eligible     []string     `json:"eligible_ids"`
	ItemIDs      []string     `json:"item_ids"`
	DrawnBy      string       `json:"drawn_by"`
	DrawnAt      time.Time    `json:"drawn_at"`
	Items        []SampleItem `json:"items"`
}

// SampleItem is a drawn item and what its re-inspection found: "" (not yet), pass or fail.
type SampleItem struct {
	ItemID  string `json:"item_id"`
	Unit    string `json:"unit"`
	Measure string `json:"measure"`
	State   string `json:"state"`
	Result  string `json:"result"`
	Note    string `json:"note,omitempty"`
}

// DrawSample draws ceil(share × n) of the closed items the issuing unit issued (of one order,
// or of all when orderID is 0), in id order, with a seed drawn here: the caller cannot
// choose one that spares an item. The seed and the ids the draw was made from are recorded,
// so sampling.Draw(eligible, len(items), seed) draws the same items again. The draw and its
// audit row are written in one transaction.
func (s *Store) DrawSample(ctx context.Context, issuerUnitID, orderID int64, share float64, by int64) (_ Sample, err error) {
	defer apperr.Wrap(&err, "items.DrawSample(unit %d, order %d)", issuerUnitID, orderID)
	if !sampling.ValidShare(share) {
		return Sample{}, apperr.New(apperr.Invalid, "share", "抽查比例应大于0且不超过100%")
	}
	seed, err := sampling.NewSeed()
	if err != nil {
		return Sample{}, err
	}
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if orderID != 0 {
			var issuer int64
			err := tx.QueryRow(ctx, `SELECT issuer_unit_id FROM orders WHERE id = $1`, orderID).Scan(&issuer)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && issuer != issuerUnitID) {
				return apperr.New(apperr.NotFound, "order_id", "整改通知不存在或不是本单位交办的")
			}
			if err != nil {
				return err
			}
		}
		ids, err := db.List(ctx, tx, pgx.RowTo[string], `SELECT i.id FROM items i JOIN orders o ON o.id = i.order_id
			WHERE o.issuer_unit_id = $1 AND ($2 = 0 OR i.order_id = $2) AND i.state = 'closed' ORDER BY i.id`, issuerUnitID, orderID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.New(apperr.Conflict, "order_id", "尚无已销号的整改事项，无法抽查")
		}
		drawn := sampling.Draw(ids, sampling.Size(share, len(ids)), seed)
		if err := tx.QueryRow(ctx, `INSERT INTO item_samples (issuer_unit_id, order_id, share, seed, eligible_ids, item_ids, drawn_by)
			VALUES ($1, nullif($2, 0), $3, $4, $5, $6, $7) RETURNING id`, issuerUnitID, orderID, share, seed, ids, drawn, by).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "item.sample", Subject: fmt.Sprintf("unit:%d", issuerUnitID),
			Detail: map[string]any{"sample_id": id, "order_id": orderID, "seed": seed, "share": share, "item_ids": drawn, "eligible": len(ids)}})
	})
	if err != nil {
		return Sample{}, err
	}
	return s.Sample(ctx, id, issuerUnitID)
}

const sampleSelect = `SELECT s.id, s.issuer_unit_id, coalesce(s.order_id, 0), s.share::float8, s.seed, s.eligible_ids, s.item_ids,
		p.name, s.drawn_at
	FROM item_samples s JOIN people p ON p.id = s.drawn_by`

func scanSample(r pgx.CollectableRow) (Sample, error) {
	var x Sample
	err := r.Scan(&x.ID, &x.IssuerUnitID, &x.OrderID, &x.Share, &x.Seed, &x.Eligible, &x.ItemIDs, &x.DrawnBy, &x.DrawnAt)
	return x, err
}

// Samples lists the issuing unit's draws, newest first, without their items.
func (s *Store) Samples(ctx context.Context, issuerUnitID int64) (_ []Sample, err error) {
	defer apperr.Wrap(&err, "items.Samples(%d)", issuerUnitID)
	return db.List(ctx, s.pool, scanSample, sampleSelect+` WHERE s.issuer_unit_id = $1 ORDER BY s.id DESC LIMIT 200`, issuerUnitID)
}

// Sample is one draw of the issuing unit with its items and their re-inspections: the
// latest reinspect_pass or reinspect_fail of each item since the draw.
func (s *Store) Sample(ctx context.Context, id, issuerUnitID int64) (_ Sample, err error) {
	defer apperr.Wrap(&err, "items.Sample(%d)", id)
	list, err := db.List(ctx, s.pool, scanSample, sampleSelect+` WHERE s.id = $1 AND s.issuer_unit_id = $2`, id, issuerUnitID)
	if err != nil {
		return Sample{}, err
	}
	if len(list) == 0 {
		return Sample{}, apperr.New(apperr.NotFound, "sample_id", "抽查记录不存在或不是本单位的")
	}
	x := list[0]
	x.Items, err = db.List(ctx, s.pool, pgx.RowToStructByPos[SampleItem], `SELECT i.id, u.name, m.content, i.state,
			coalesce(CASE a.action WHEN 'reinspect_pass' THEN 'pass' WHEN 'reinspect_fail' THEN 'fail' END, ''), coalesce(a.note, '')
		FROM unnest($1::text[]) WITH ORDINALITY x(id, ord)
		JOIN items i ON i.id = x.id JOIN units u ON u.id = i.unit_id JOIN measures m ON m.id = i.measure_id
		LEFT JOIN LATERAL (SELECT action, note FROM item_audit WHERE item_id = i.id AND action IN ('reinspect_pass', 'reinspect_fail')
			AND at >= $2 ORDER BY revision DESC LIMIT 1) a ON true
		ORDER BY x.ord`, x.ItemIDs, x.DrawnAt)
	return x, err
}

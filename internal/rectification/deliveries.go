package rectification

import (
	"context"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
)

// FailedDelivery is a message about an item that could not be delivered.
type FailedDelivery struct {
	Item     items.Row             `json:"item"`
	Delivery notify.DeliveryStatus `json:"delivery"`
}

// failedLimits bound the failed deliveries read and the items they are shown for: the
// board lists what to follow up now, not the whole history.
const (
	failedDeliveries = 200
	failedItems      = 50
)

// FailedDeliveries lists the newest undelivered messages about items the issuer sees,
// newest first, one line per item a message mentions.
func (s *Service) FailedDeliveries(ctx context.Context, a auth.Actor) ([]FailedDelivery, error) {
	if err := requireIssuer(a); err != nil {
		return nil, err
	}
	ds, err := s.Notifier.Store.Failed(ctx, failedDeliveries)
	if err != nil {
		return nil, err
	}
	sc, now := order.ScopeOf(a), s.Now()
	rows := map[string]*items.Row{} // nil: not visible to the actor
	out := []FailedDelivery{}
	for _, d := range ds {
		for _, id := range d.ItemIDs {
			row, known := rows[id]
			if !known {
				if len(rows) >= failedItems {
					continue
				}
				r, err := s.Items.Get(ctx, sc, id, now)
				switch {
				case err == nil:
					row = &r
				case apperr.KindOf(err) != apperr.NotFound:
					return nil, err
				}
				rows[id] = row
			}
			if row != nil {
				out = append(out, FailedDelivery{Item: *row,
					Delivery: notify.DeliveryStatus{Channel: d.Channel, Status: d.Status, At: d.CreatedAt, Reason: d.LastError}})
			}
		}
	}
	return out, nil
}

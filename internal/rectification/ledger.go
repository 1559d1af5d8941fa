package rectification

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/ledger"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// LedgerInput is a ledger (台账) to export: of an order (Filter.OrderID), a unit
// (Filter.UnitCode) or the actor's whole scope, narrowed by the rest of Filter.
type LedgerInput struct {
	Filter  items.Filter
	English bool // English headers
}

// Ledger is the ledger of the items the actor sees, as .xlsx.
func (s *Service) Ledger(ctx context.Context, a auth.Actor, in LedgerInput) (Download, error) {
	f := in.Filter
	if err := checkFilter(f); err != nil {
		return Download{}, err
	}
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		return Download{}, err
	}
	title := "整改台账（" + a.UnitName + "）"
	if f.OrderID != 0 {
		o, err := s.Orders.Get(ctx, order.ScopeOf(a), f.OrderID)
		if err != nil {
			return Download{}, err
		}
		title = o.Title + " 整改台账"
	} else if f.UnitCode != "" {
		title = "整改台账（" + f.UnitCode + "）"
	}
	now := s.Now()
	// The whole sheet goes to a buffer first so that a failure mid-way is still an error,
	// not a broken download. The rows stream from the database while the sheet is written.
	var buf bytes.Buffer
	rows := make(chan items.Row, 256)
	errc := make(chan error, 1)
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(rows)
		errc <- s.Items.Each(qctx, order.ScopeOf(a), f, now, func(x items.Row) error {
			select {
			case rows <- x:
				return nil
			case <-qctx.Done():
				return qctx.Err()
			}
		})
	}()
	// Rows go to the sheet in batches, so that 佐证重复 is one query per batch, not per row.
	var batch []ledger.Row
	var done bool
	_, err = ledger.Write(&buf, ledger.Options{Title: title, English: in.English, GeneratedAt: now},
		func() (ledger.Row, bool, error) {
			if len(batch) == 0 && !done {
				for len(batch) < ledgerBatch {
					x, ok := <-rows
					if !ok {
						done = true
						break
					}
					batch = append(batch, ledgerRow(x, cal, now))
				}
				if err := s.markDuplicates(ctx, order.ScopeOf(a), batch); err != nil {
					return ledger.Row{}, false, err
				}
			}
			if len(batch) == 0 {
				return ledger.Row{}, false, <-errc
			}
			r := batch[0]
			batch = batch[1:]
			return r, true, nil
		})
	if err != nil {
		return Download{}, err
	}
	return Spreadsheet(title+".xlsx", buf.Bytes()), nil
}

// ledgerBatch is how many ledger rows share one query for 佐证重复.
const ledgerBatch = 500

// markDuplicates fills 佐证重复 on rows: each other item that was given the same evidence
// file as the row's item, once, named as sc may see it.
func (s *Service) markDuplicates(ctx context.Context, sc order.Scope, rows []ledger.Row) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ItemID
	}
	reuses, err := s.Evidence.Reuses(ctx, sc, nil, ids)
	if err != nil {
		return err
	}
	named := map[string][]string{}
	for _, u := range reuses {
		other := "其他单位的事项"
		if u.ItemID != "" {
			other = u.ItemID + "（" + u.Unit + "）"
		}
		if !slices.Contains(named[u.OwnItemID], other) {
			named[u.OwnItemID] = append(named[u.OwnItemID], other)
		}
	}
	for i := range rows {
		rows[i].DuplicateEvidence = strings.Join(named[rows[i].ItemID], "；")
	}
	return nil
}

// ledgerRow turns an item into a ledger line, with working days overdue by cal.
func ledgerRow(x items.Row, cal *calendar.Calendar, now time.Time) ledger.Row {
	r := ledger.Row{ItemID: x.ID, Problem: x.Problem, Measure: x.Measure, Criterion: x.Criterion, Unit: x.UnitName,
		Primary: x.PrimaryName, Direct: x.DirectName, Handler: x.HandlerName, Due: x.Due,
		DeadlineKind: order.DeadlineLabel(x.DeadlineKind), Progress: x.LastProgress, Status: x.StateLabel,
		Light: x.Light, LightReason: x.LightReason, Listed: x.Listed, Revision: x.Revision}
	if x.DueAt != nil {
		r.Due = x.DueAt.In(calendar.Shanghai).Format("2006-01-02")
		if x.Overdue {
			r.DaysOverdue = cal.WorkdaysBetween(calendar.Date(x.DueAt.In(calendar.Shanghai).Date()), calendar.Date(now.In(calendar.Shanghai).Date()))
		}
	}
	if itemmsg.State(x.State).Terminal() {
		r.Light = light.None
	} else if x.DueAt != nil && x.Light != light.None {
		// The count of days in the reason is the reader's (see freshen).
		r.LightReason = item.Freshen(x.LightReason, *x.DueAt, now, cal)
	}
	return r
}

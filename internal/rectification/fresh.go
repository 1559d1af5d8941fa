package rectification

import (
	"context"

	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// freshen computes, as of now, the count of days that opens the light reasons of rows
// (距完成时限还有N个工作日, 已超期N个工作日): workflows write a reason when the light changes,
// not every day, so the count is the reader's (item.Freshen). The holiday table is read once,
// and only when a row needs it.
func (s *Service) freshen(ctx context.Context, rows ...*items.Row) error {
	var cal *calendar.Calendar
	now := s.Now()
	for _, r := range rows {
		if r.DueAt == nil || r.Light == light.None || itemmsg.State(r.State).Terminal() || s.Holidays == nil {
			continue
		}
		if cal == nil {
			c, err := s.Holidays.Current(ctx)
			if err != nil {
				return err
			}
			cal = c
		}
		r.LightReason = item.Freshen(r.LightReason, *r.DueAt, now, cal)
	}
	return nil
}

// freshList is freshen over a list.
func (s *Service) freshList(ctx context.Context, rows []items.Row) error {
	ptrs := make([]*items.Row, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return s.freshen(ctx, ptrs...)
}

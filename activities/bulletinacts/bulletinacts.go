// Package bulletinacts holds the activities of the bulletin workflow (workflows/bulletin):
// listing the issuing departments, computing and keeping a department's bulletin with its
// spreadsheet, and emailing it. Every method is safe to retry.
package bulletinacts

import (
	"context"
	"errors"
	"fmt"

	"rectify/internal/bulletin"
	"rectify/internal/holidays"
	"rectify/internal/notify"
	"rectify/internal/org"
	"rectify/internal/weak"
	"rectify/workflows/bulletin/bulletinmsg"
)

// Activities holds what the bulletin activities need.
type Activities struct {
	Holidays  *holidays.Store
	Bulletins *bulletin.Store
	Weak      *weak.Store
	Org       *org.Store
	Notifier  *notify.Notifier
}

// ListIssuers lists the departments that have issued orders.
func (a *Activities) ListIssuers(ctx context.Context) ([]int64, error) {
	return a.Bulletins.Issuers(ctx)
}

// PublishBulletin computes a department's bulletin and keeps it with its spreadsheet;
// repeating it replaces the kept one.
func (a *Activities) PublishBulletin(ctx context.Context, in bulletinmsg.PublishInput) (int64, error) {
	cal, err := a.Holidays.Current(ctx)
	if err != nil {
		return 0, err
	}
	b, err := a.Bulletins.Compute(ctx, cal, in.IssuerUnitID, in.Kind, in.Start, in.End)
	if err != nil {
		return 0, err
	}
	campaign, ok, err := a.Weak.LatestCampaign(ctx, in.IssuerUnitID)
	if err != nil {
		return 0, fmt.Errorf("PublishBulletin: %w", err)
	}
	if ok {
		f, err := a.Weak.Figures(ctx, campaign)
		if err != nil {
			return 0, err
		}
		b.WeakBranches = &f
	}
	xlsx, err := b.XLSX()
	if err != nil {
		return 0, fmt.Errorf("PublishBulletin: %w", err)
	}
	if err := a.Bulletins.Save(ctx, &b, xlsx); err != nil {
		return 0, err
	}
	return b.ID, nil
}

// SendBulletin emails a kept bulletin, with its spreadsheet, to the department's staff and
// leaders; each person once, however often it is retried.
func (a *Activities) SendBulletin(ctx context.Context, deployment string, id int64) error {
	b, xlsx, err := a.Bulletins.ByID(ctx, id)
	if err != nil {
		return err
	}
	cs, err := a.Org.StaffAndLeaders(ctx, b.IssuerUnitID)
	if err != nil {
		return fmt.Errorf("SendBulletin: %w", err)
	}
	msg := b.Message(xlsx)
	var errs []error
	for _, c := range cs {
		r := notify.Recipient(c)
		key := fmt.Sprintf("%s/bulletin/%d/%d", deployment, id, r.PersonID)
		if _, err := a.Notifier.Deliver(ctx, key, r, "bulletin", nil, msg); err != nil && !errors.Is(err, notify.ErrUnreachable) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

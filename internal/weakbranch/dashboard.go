package weakbranch

import (
	"context"

	"rectify/internal/auth"
	"rectify/internal/order"
)

// UnitFigures are the weak-branch figures a leader's dashboard shows for a unit: those of
// the latest year's campaigns that reach the unit (its county's, or every county's below
// it), each counted over the unit's own branches.
type UnitFigures struct {
	Year      int
	Campaigns []CampaignFigures
}

// FiguresAt is the weak-branch figures of the unit with code (the actor's own unit when
// empty), when the actor sees that unit.
func (s *Service) FiguresAt(ctx context.Context, a auth.Actor, code string) (UnitFigures, error) {
	u, err := s.Rectification.VisibleUnit(ctx, a, code)
	if err != nil {
		return UnitFigures{}, err
	}
	sc := order.Scope{UnitID: u.ID, Path: u.Path, Subtree: a.SeesBelow()}
	cs, err := s.Weak.Campaigns(ctx, sc)
	if err != nil {
		return UnitFigures{}, err
	}
	var out UnitFigures
	// Campaigns come newest year first.
	for _, c := range cs {
		if out.Year != 0 && c.Year != out.Year {
			break
		}
		f, err := s.Weak.FiguresInScope(ctx, sc, c.ID)
		if err != nil {
			return UnitFigures{}, err
		}
		out.Year = c.Year
		out.Campaigns = append(out.Campaigns, CampaignFigures{Campaign: c, Figures: f})
	}
	return out, nil
}

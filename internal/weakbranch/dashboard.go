package weakbranch

import (
	"context"

	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/rectification"
)

// UnitFigures are the weak-branch figures a leader's dashboard shows for a unit: those of
// the latest year's campaigns that reach the unit (its county's, or every county's below
// it), each counted over the unit's own branches.
type UnitFigures struct {
	Year      int               `json:"year"`
	Campaigns []CampaignFigures `json:"campaigns"`
}

// LeaderDashboard is a leader's dashboard (领导看板) of a unit: its rectification figures and
// the weak-branch campaign figures that reach it.
type LeaderDashboard struct {
	rectification.Dashboard
	Weak UnitFigures `json:"weak"`
}

// Dashboard is the leader's dashboard of the unit with code (the actor's own when empty).
func (s *Service) Dashboard(ctx context.Context, a auth.Actor, in rectification.DashboardInput) (LeaderDashboard, error) {
	d, err := s.Rectification.Dashboard(ctx, a, in)
	if err != nil {
		return LeaderDashboard{}, err
	}
	w, err := s.FiguresAt(ctx, a, in.UnitCode)
	return LeaderDashboard{Dashboard: d, Weak: w}, err
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

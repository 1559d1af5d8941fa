package rectification

import (
	"context"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/org"
)

// DashboardItems is how many of the unit's own open items a dashboard lists.
const DashboardItems = 50

// DashboardWeeks is how many weeks of close-outs a dashboard shows, this week included.
const DashboardWeeks = 12

// DashboardInput names the unit whose dashboard is wanted by its code; empty is the actor's
// own unit.
type DashboardInput struct {
	UnitCode string `json:"unit"`
}

// Dashboard is a leader's dashboard (领导看板) of one unit: the figures of the items its
// own and those of every unit below it (一级抓一级), the same figures for each unit directly
// below, the ranking of those units as bulletins rank them, close-outs per week, and the
// unit's own open items. Every figure is counted from the item read model when asked.
type Dashboard struct {
	Unit org.Unit `json:"unit"`
	// Trail is the way down from the actor's own unit to Unit, both included.
	Trail []org.Unit `json:"trail"`
	// All counts every item of the unit and the units below it; CloseRate is its 销号率.
	All       items.Tally `json:"all"`
	CloseRate float64     `json:"close_rate"`
	// DaysOverdue sums the working days overdue of the open overdue items.
	DaysOverdue int `json:"days_overdue"`
	// Own counts the unit's own items (本级); Below each unit directly below, with its
	// subtree, in the order they were created.
	Own   items.Tally   `json:"own"`
	Below []items.Tally `json:"below"`
	// Ranking ranks the units below that have items, by bulletin.Rank.
	Ranking []bulletin.UnitRank `json:"ranking"`
	// Weeks are the close-outs of the last DashboardWeeks weeks, oldest first; the last one
	// is this week so far.
	Weeks []WeekCount `json:"weeks"`
	// Items are the unit's own open items, soonest deadline first.
	Items []items.Row `json:"items"`
	// ItemsNext continues the list of the unit's own open items (GET /api/items?unit=&open=true&after=).
	ItemsNext string `json:"items_next,omitempty"`
}

// WeekCount is the number of items closed out (销号) in the week from Monday.
type WeekCount struct {
	Monday time.Time `json:"monday"`
	Closed int       `json:"closed"`
}

// VisibleUnit is the unit with code, or the actor's own unit when code is empty, if the actor
// sees it (一级抓一级); a unit elsewhere is refused as if it did not exist.
func (s *Service) VisibleUnit(ctx context.Context, a auth.Actor, code string) (org.Unit, error) {
	if code == "" {
		return s.Org.UnitByID(ctx, a.UnitID)
	}
	u, err := s.Org.UnitByCode(ctx, code)
	if apperr.KindOf(err) == apperr.NotFound || (err == nil && !a.Sees(u.Path)) {
		return org.Unit{}, apperr.New(apperr.NotFound, "unit", "单位不存在或无权查看")
	}
	return u, err
}

// Dashboard is the dashboard of a unit the actor sees. Those who see below their unit see
// the units below it; anyone else sees their own unit's items only.
func (s *Service) Dashboard(ctx context.Context, a auth.Actor, in DashboardInput) (Dashboard, error) {
	u, err := s.VisibleUnit(ctx, a, in.UnitCode)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Unit: u}
	ancestors, err := s.Org.Ancestors(ctx, u.ID)
	if err != nil {
		return Dashboard{}, err
	}
	for _, x := range ancestors {
		if a.Sees(x.Path) {
			d.Trail = append(d.Trail, x)
		}
	}
	now := s.Now()
	today := calendar.Date(now.In(calendar.Shanghai).Date())
	monday := today.AddDate(0, 0, -(int(today.Weekday())+6)%7)
	first := monday.AddDate(0, 0, -7*(DashboardWeeks-1))
	f, err := s.Items.Figures(ctx, order.Scope{UnitID: u.ID, Path: u.Path, Subtree: a.SeesBelow()}, first)
	if err != nil {
		return Dashboard{}, err
	}
	d.All = items.Tally{UnitID: u.ID, Code: u.Code, Name: u.Name}
	for _, t := range f.Units {
		d.All.Add(t)
		if t.Own {
			d.Own = t
			continue
		}
		d.Below = append(d.Below, t)
		if t.Total > 0 {
			d.Ranking = append(d.Ranking, bulletin.UnitRank{Unit: t.Name, Total: t.Total, Closed: t.Closed,
				Rate: bulletin.Rate(t.Closed, t.Total), Overdue: t.Overdue})
		}
	}
	d.CloseRate = bulletin.Rate(d.All.Closed, d.All.Total)
	bulletin.Rank(d.Ranking)
	if len(f.OverdueByDue) > 0 {
		cal, err := s.Holidays.Current(ctx)
		if err != nil {
			return Dashboard{}, err
		}
		for _, x := range f.OverdueByDue {
			d.DaysOverdue += x.N * cal.WorkdaysBetween(calendar.Date(x.Day.Date()), today)
		}
	}
	closed := map[string]int{}
	for _, x := range f.ClosedByWeek {
		closed[x.Day.Format(time.DateOnly)] = x.N
	}
	for w := range DashboardWeeks {
		m := first.AddDate(0, 0, 7*w)
		d.Weeks = append(d.Weeks, WeekCount{Monday: m, Closed: closed[m.Format(time.DateOnly)]})
	}
	mine := items.Filter{UnitCode: u.Code, Open: true, Limit: DashboardItems}
	if d.Items, err = s.Items.List(ctx, order.ScopeOf(a), mine, now); err != nil {
		return Dashboard{}, err
	}
	d.ItemsNext = page(d.Items, mine).Next
	if err := s.freshList(ctx, d.Items); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

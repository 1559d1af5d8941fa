package rectification

import (
	"cmp"
	"context"
	"slices"

	"rectify/internal/auth"
	"rectify/internal/order"
)

// DraftChoices is what the system already has for a new order, so that a form offers it
// instead of asking for it to be typed: the problem sources, the units the actor may send
// the order to with their people, and the positions (岗位) held there.
type DraftChoices struct {
	Sources []string           `json:"sources"`
	Units   []order.TargetUnit `json:"units"`
	// Positions are the positions held at the units, those held at most units first: a
	// responsibility by position reaches the holder at every target (每个乡镇的书记).
	Positions []string `json:"positions"`
}

// DraftChoices lists the choices for a new order of the actor's unit.
func (s *Service) DraftChoices(ctx context.Context, a auth.Actor) (DraftChoices, error) {
	if err := requireIssuer(a); err != nil {
		return DraftChoices{}, err
	}
	units, err := s.Orders.TargetUnits(ctx, a.UnitID)
	if err != nil {
		return DraftChoices{}, err
	}
	held := map[string]int{}
	for _, u := range units {
		seen := map[string]bool{}
		for _, p := range u.People {
			if p.Position != "" && !seen[p.Position] {
				seen[p.Position] = true
				held[p.Position]++
			}
		}
	}
	positions := make([]string, 0, len(held))
	for p := range held {
		positions = append(positions, p)
	}
	slices.SortFunc(positions, func(a, b string) int { return cmp.Or(held[b]-held[a], cmp.Compare(a, b)) })
	return DraftChoices{Sources: order.Sources, Units: units, Positions: positions}, nil
}

// MayIssueOrder reports whether the actor may issue o now: a draft of their own unit, as
// IssueOrder requires, so that a page offers 下发 only where it would be taken.
func MayIssueOrder(a auth.Actor, o *order.Order) bool {
	return a.CanIssue() && o.IssuerUnitID == a.UnitID && o.Status == "draft"
}

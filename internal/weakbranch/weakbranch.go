// Package weakbranch is the one way in to the rectification of weak and lax Party branches
// (软弱涣散基层党组织整顿): the reasons, each county's campaigns, proposals (排查) and
// determination (认定), the cases with their one-village plans (一村一策) and actions, sampling
// checks (抽查), yearly grades and the campaign ledger. Each command or query takes the acting
// person and a typed input, scopes it by the organization tree (一级抓一级), validates it,
// calls the weak store and Temporal, and returns a typed result or an apperr error. The JSON
// API and the pages only translate to and from it; the worker's reconciliation and the demo
// start cases through StartCase.
package weakbranch

import (
	"context"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/weak"
	"rectify/workflows/weakcase"
)

// Service does the work; its fields are its dependencies.
type Service struct {
	Weak *weak.Store
	// Items counts a case's open plan items for its workflow.
	Items *items.Store
	// Rectification issues a case's plan as an order, like any other.
	Rectification *rectification.Service
	// Workflows' Temporal is the requests' client (reachable.Temporal) for the API.
	reachable.Workflows
}

// StartCase starts a case's workflow with its campaign's policy; starting it again finds the
// one running.
func (s *Service) StartCase(ctx context.Context, caseID int64) error {
	in, err := s.Weak.StartInput(ctx, caseID, s.Deployment)
	if err != nil {
		return err
	}
	return weakcase.Start(ctx, s.Temporal, s.TaskQueue, in)
}

func weakActor(a auth.Actor) weak.Actor {
	return weak.Actor{PersonID: a.PersonID, UnitID: a.UnitID, UnitPath: a.UnitPath}
}

// requireCounty is the first, cheap check of work only organization departments do; the
// store checks, where it matters, that they are staff of the campaign's own county.
func requireCounty(a auth.Actor) error {
	if !a.Has(role.OrgStaff) {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门干部可以办理")
	}
	return nil
}

// countyCampaign checks that a county staff member can see the campaign; the stores check
// that they are staff of the campaign's own county.
func (s *Service) countyCampaign(ctx context.Context, a auth.Actor, campaignID int64) error {
	if err := requireCounty(a); err != nil {
		return err
	}
	_, err := s.Weak.Campaign(ctx, order.ScopeOf(a), campaignID)
	return err
}

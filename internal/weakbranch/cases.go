package weakbranch

import (
	"context"

	"github.com/google/uuid"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/reachable"
	"rectify/internal/weak"
	"rectify/workflows/weakcase"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Cases is a campaign's cases an actor sees.
type Cases struct {
	Cases []weak.CaseRow `json:"cases"`
}

// Cases lists a campaign's cases the actor sees.
func (s *Service) Cases(ctx context.Context, a auth.Actor, campaignID int64) (Cases, error) {
	cs, err := s.Weak.Cases(ctx, order.ScopeOf(a), campaignID)
	return Cases{Cases: cs}, err
}

// CaseDetail is a case with its events.
type CaseDetail struct {
	Case   weak.CaseRow `json:"case"`
	Events []weak.Event `json:"events"`
}

// Case is one case the actor sees, with its events.
func (s *Service) Case(ctx context.Context, a auth.Actor, id int64) (CaseDetail, error) {
	c, events, err := s.Weak.Case(ctx, order.ScopeOf(a), id)
	if err != nil {
		return CaseDetail{}, err
	}
	return CaseDetail{Case: c, Events: events}, nil
}

// PlanInput is the measures of a case's one-village plan (一村一策).
type PlanInput struct {
	Problems []order.Problem `json:"problems"`
}

// Plan is a case's plan, issued as an order.
type Plan struct {
	CaseID      int64 `json:"case_id"`
	PlanOrderID int64 `json:"plan_order_id"`
}

// MakePlan makes the one-village plan: four-list measures issued by the county to the branch
// as an order, so its items get the same deadlines, reminders and close-out as any other.
func (s *Service) MakePlan(ctx context.Context, a auth.Actor, caseID int64, in PlanInput) (Plan, error) {
	if err := requireCounty(a); err != nil {
		return Plan{}, err
	}
	c, _, err := s.Weak.Case(ctx, order.ScopeOf(a), caseID)
	if err != nil {
		return Plan{}, err
	}
	// The plan is issued by the campaign's county, never by a unit above that sees the case.
	if err := s.Weak.RequireCountyStaff(ctx, c.CampaignID, weakActor(a), "制定整顿方案"); err != nil {
		return Plan{}, err
	}
	if c.PlanOrderID != 0 {
		return Plan{}, apperr.New(apperr.Conflict, "plan", "该党组织已有整顿方案")
	}
	d := order.Draft{Title: c.BranchName + "整顿方案（一村一策）", Source: "调研", Targets: []string{c.BranchCode}, Problems: in.Problems}
	o, err := s.Rectification.CreateOrder(ctx, a, d)
	if err != nil {
		return Plan{}, err
	}
	if err := s.Weak.SetPlanOrder(ctx, caseID, o.ID, a.PersonID); err != nil {
		return Plan{}, err
	}
	if _, err := s.Rectification.IssueOrder(ctx, a, o.ID); err != nil {
		return Plan{}, err
	}
	return Plan{CaseID: caseID, PlanOrderID: o.ID}, nil
}

// actionKinds maps the names of actions on a case, as paths spell them, to their kinds.
var actionKinds = map[string]weakcasemsg.Kind{"report": weakcasemsg.Report, "precheck": weakcasemsg.Precheck, "accept": weakcasemsg.Accept,
	"lookback": weakcasemsg.Lookback, "sample-check": weakcasemsg.SampleCheck, "assign": weakcasemsg.Assign}

// Act sends an action of the named kind to the case's workflow as an Update: refused at once
// with the reason, or done. key is the idempotency key the person chose, if any; the kind,
// the actor, the key and the count of open plan items in act are set here.
func (s *Service) Act(ctx context.Context, a auth.Actor, caseID int64, kindName, key string, act weakcasemsg.Action) (weakcasemsg.Result, error) {
	kind, ok := actionKinds[kindName]
	if !ok {
		return weakcasemsg.Result{}, apperr.New(apperr.NotFound, "kind", "不支持的操作“"+kindName+"”")
	}
	c, _, err := s.Weak.Case(ctx, order.ScopeOf(a), caseID)
	if err != nil {
		return weakcasemsg.Result{}, err
	}
	if err := weak.CheckAction(act); err != nil {
		return weakcasemsg.Result{}, err
	}
	act.Kind = kind
	act.Actor = weakcasemsg.Actor{PersonID: a.PersonID, UnitID: a.UnitID, Roles: a.Roles}
	act.Key = key
	if kind == weakcasemsg.Assign {
		// The same rules as determination, checked only for those who may assign, so that
		// nobody else learns who a person id is.
		if err := s.Weak.RequireCountyStaff(ctx, c.CampaignID, weakActor(a), "调整四个一"); err != nil {
			return weakcasemsg.Result{}, err
		}
		if err := s.Weak.ValidateAssignment(ctx, caseID, act.Role, act.Assignee); err != nil {
			return weakcasemsg.Result{}, err
		}
	}
	act.PlanOpen = 0
	if c.PlanOrderID != 0 {
		// The plan's open items, all of them: whether the plan is done does not depend on who asks.
		if act.PlanOpen, err = s.Items.CountOfOrder(ctx, c.PlanOrderID, true); err != nil {
			return weakcasemsg.Result{}, err
		}
	}
	// A new Update each time: the case workflow judges repeated keys itself (see item actions).
	res, err := weakcase.Act(ctx, s.Temporal, s.Deployment, caseID, uuid.NewString(), act)
	if e, ok := reachable.Refusal(err); ok {
		return res, e
	}
	if err != nil && reachable.WorkflowGone(err) {
		return res, &apperr.Error{Kind: apperr.Conflict, Field: "stage", Message: "该党组织的整顿案件已结束", Err: err}
	}
	if reachable.Unanswered(ctx, err) {
		return res, reachable.Unconfirmed(err)
	}
	return res, err
}

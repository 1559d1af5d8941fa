package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/auth"
	"rectify/internal/rectification"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Weak-branch rectification (软弱涣散党组织整顿): each handler reads the path, query and body
// and calls the weakbranch service, which does the work.

func (s *server) weakReasons(r *http.Request, a auth.Actor) (weakbranch.Reasons, error) {
	return s.Weak.Reasons(r.Context(), a)
}

func (s *server) setWeakReasons(r *http.Request, a auth.Actor, in weakbranch.ReasonsInput) (weakbranch.Reasons, error) {
	return s.Weak.SetReasons(r.Context(), a, in)
}

func (s *server) createCampaign(r *http.Request, a auth.Actor, in weakbranch.CampaignInput) (weakbranch.CampaignCreated, error) {
	return s.Weak.CreateCampaign(r.Context(), a, in)
}

func (s *server) listCampaigns(r *http.Request, a auth.Actor) (weakbranch.Campaigns, error) {
	return s.Weak.Campaigns(r.Context(), a)
}

func (s *server) getCampaign(r *http.Request, a auth.Actor) (weakbranch.CampaignFigures, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weakbranch.CampaignFigures{}, err
	}
	return s.Weak.Campaign(r.Context(), a, id)
}

func (s *server) propose(r *http.Request, a auth.Actor, in weakbranch.ProposalInput) (weak.Proposal, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weak.Proposal{}, err
	}
	return s.Weak.Propose(r.Context(), a, id, in)
}

func (s *server) listProposals(r *http.Request, a auth.Actor) (weakbranch.Proposals, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weakbranch.Proposals{}, err
	}
	return s.Weak.Proposals(r.Context(), a, id)
}

func (s *server) determine(r *http.Request, a auth.Actor, in weakbranch.Determination) (weak.Case, error) {
	id, err := pathID(r, "id", "proposal_id")
	if err != nil {
		return weak.Case{}, err
	}
	return s.Weak.Determine(r.Context(), a, id, in)
}

func (s *server) decline(r *http.Request, a auth.Actor, in weakbranch.Declining) error {
	id, err := pathID(r, "id", "proposal_id")
	if err != nil {
		return err
	}
	return s.Weak.Decline(r.Context(), a, id, in)
}

func (s *server) listCases(r *http.Request, a auth.Actor) (weakbranch.Cases, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weakbranch.Cases{}, err
	}
	return s.Weak.Cases(r.Context(), a, id)
}

func (s *server) getCase(r *http.Request, a auth.Actor) (weakbranch.CaseDetail, error) {
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		return weakbranch.CaseDetail{}, err
	}
	return s.Weak.Case(r.Context(), a, id)
}

func (s *server) casePlan(r *http.Request, a auth.Actor, in weakbranch.PlanInput) (weakbranch.Plan, error) {
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		return weakbranch.Plan{}, err
	}
	return s.Weak.MakePlan(r.Context(), a, id, in)
}

func (s *server) caseAction(r *http.Request, a auth.Actor, act weakcasemsg.Action) (weakcasemsg.Result, error) {
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		return weakcasemsg.Result{}, err
	}
	return s.Weak.Act(r.Context(), a, id, chi.URLParam(r, "kind"), strings.TrimSpace(r.Header.Get("Idempotency-Key")), act)
}

func (s *server) drawSample(r *http.Request, a auth.Actor, in weakbranch.SampleInput) (weak.Sample, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weak.Sample{}, err
	}
	return s.Weak.DrawSample(r.Context(), a, id, in)
}

func (s *server) gradeCampaign(r *http.Request, a auth.Actor) (weak.GradeResult, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return weak.GradeResult{}, err
	}
	return s.Weak.Grade(r.Context(), a, id)
}

// campaignLedger sends the campaign's ledger as .xlsx; ?lang=en switches it to English.
func (s *server) campaignLedger(r *http.Request, a auth.Actor) (rectification.Download, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return rectification.Download{}, err
	}
	return s.Weak.Ledger(r.Context(), a, id, english(r))
}

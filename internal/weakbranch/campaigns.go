package weakbranch

import (
	"bytes"
	"context"
	"fmt"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Reasons is the list of reasons in force for a county.
type Reasons struct {
	Reasons []weak.Reason `json:"reasons"`
}

// ReasonsInput is a county's own rows of the list.
type ReasonsInput struct {
	Reasons []weak.ReasonInput `json:"reasons"`
}

// Reasons lists the reasons in force for the actor's unit.
func (s *Service) Reasons(ctx context.Context, a auth.Actor) (Reasons, error) {
	rs, err := s.Weak.Reasons(ctx, a.UnitID)
	return Reasons{Reasons: rs}, err
}

// SetReasons replaces the county's own rows and answers the list now in force.
func (s *Service) SetReasons(ctx context.Context, a auth.Actor, in ReasonsInput) (Reasons, error) {
	if err := requireCounty(a); err != nil {
		return Reasons{}, err
	}
	if err := s.Weak.SetReasons(ctx, a.UnitID, in.Reasons, a.PersonID); err != nil {
		return Reasons{}, err
	}
	return s.Reasons(ctx, a)
}

// CampaignInput opens a county's campaign for a year; without a policy its cases are
// supervised by weakcasemsg.DefaultPolicy.
type CampaignInput struct {
	Year   int                 `json:"year"`
	Title  string              `json:"title"`
	Policy *weakcasemsg.Policy `json:"policy"`
}

// Check is what needs no database: the policy, when one is given.
func (in CampaignInput) Check() error {
	if in.Policy == nil {
		return nil
	}
	if err := apperr.InvalidFields(weak.PolicyErrors(*in.Policy)); err != nil {
		return err
	}
	return nil
}

// CampaignCreated is a new campaign with the policy its cases will follow.
type CampaignCreated struct {
	ID       int64              `json:"id"`
	Campaign weak.Campaign      `json:"campaign"`
	Policy   weakcasemsg.Policy `json:"policy"`
}

// CreateCampaign opens the actor's county's campaign.
func (s *Service) CreateCampaign(ctx context.Context, a auth.Actor, in CampaignInput) (CampaignCreated, error) {
	if err := requireCounty(a); err != nil {
		return CampaignCreated{}, err
	}
	// Checked before the campaign is created, so that a refused policy stores nothing.
	if err := in.Check(); err != nil {
		return CampaignCreated{}, err
	}
	policy := weakcasemsg.DefaultPolicy()
	if in.Policy != nil {
		policy = *in.Policy
	}
	c, err := s.Weak.CreateCampaign(ctx, a.UnitID, in.Year, in.Title, a.PersonID)
	if err != nil {
		return CampaignCreated{}, err
	}
	if err := s.Weak.SetCampaignPolicy(ctx, c.ID, policy, a.PersonID); err != nil {
		return CampaignCreated{}, err
	}
	return CampaignCreated{ID: c.ID, Campaign: c, Policy: policy}, nil
}

// Campaigns is the campaigns an actor sees.
type Campaigns struct {
	Campaigns []weak.Campaign `json:"campaigns"`
}

// Campaigns lists the campaigns the actor sees.
func (s *Service) Campaigns(ctx context.Context, a auth.Actor) (Campaigns, error) {
	cs, err := s.Weak.Campaigns(ctx, order.ScopeOf(a))
	return Campaigns{Campaigns: cs}, err
}

// CampaignFigures is a campaign with its figures for bulletins, counted over what the actor
// sees.
type CampaignFigures struct {
	Campaign weak.Campaign `json:"campaign"`
	Figures  weak.Figures  `json:"figures"`
}

// Campaign is one campaign the actor sees, with its figures.
func (s *Service) Campaign(ctx context.Context, a auth.Actor, id int64) (CampaignFigures, error) {
	sc := order.ScopeOf(a)
	c, err := s.Weak.Campaign(ctx, sc, id)
	if err != nil {
		return CampaignFigures{}, err
	}
	f, err := s.Weak.FiguresInScope(ctx, sc, id)
	if err != nil {
		return CampaignFigures{}, err
	}
	return CampaignFigures{Campaign: c, Figures: f}, nil
}

// SampleInput asks for a round of sampling checks. No seed is taken from the caller: the
// store draws it, and records it.
type SampleInput struct {
	Round int     `json:"round"`
	Share float64 `json:"share"`
}

// DrawSample draws a round of sampling checks in a campaign of the actor's county.
func (s *Service) DrawSample(ctx context.Context, a auth.Actor, campaignID int64, in SampleInput) (weak.Sample, error) {
	if err := s.countyCampaign(ctx, a, campaignID); err != nil {
		return weak.Sample{}, err
	}
	return s.Weak.Draw(ctx, campaignID, in.Round, in.Share, weakActor(a))
}

// Grade grades the branches of a campaign of the actor's county.
func (s *Service) Grade(ctx context.Context, a auth.Actor, campaignID int64) (weak.GradeResult, error) {
	if err := s.countyCampaign(ctx, a, campaignID); err != nil {
		return weak.GradeResult{}, err
	}
	return s.Weak.Grade(ctx, campaignID, weakActor(a))
}

// Ledger is the campaign's ledger (台账) of the cases the actor sees, in English when asked.
// The whole sheet is made before anything is sent, so a failure is still an error answer.
func (s *Service) Ledger(ctx context.Context, a auth.Actor, campaignID int64, english bool) (rectification.Download, error) {
	var buf bytes.Buffer
	if err := s.Weak.WriteLedger(ctx, order.ScopeOf(a), campaignID, &buf, english); err != nil {
		return rectification.Download{}, err
	}
	return rectification.Spreadsheet(fmt.Sprintf("软弱涣散党组织整顿台账-%d.xlsx", campaignID), buf.Bytes()), nil
}

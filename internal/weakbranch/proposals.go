package weakbranch

import (
	"context"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// ProposalInput proposes a branch as weak and lax (排查), with its reasons.
type ProposalInput struct {
	Branch  string                `json:"branch"`
	Reasons []weak.ProposedReason `json:"reasons"`
}

// Propose proposes a branch in a campaign; townships and counties propose.
func (s *Service) Propose(ctx context.Context, a auth.Actor, campaignID int64, in ProposalInput) (weak.Proposal, error) {
	if !a.CanIssue() {
		return weak.Proposal{}, apperr.New(apperr.Forbidden, "actor", "只有乡镇干部或组织部门干部可以提出软弱涣散党组织")
	}
	return s.Weak.Propose(ctx, campaignID, weakActor(a), in.Branch, in.Reasons)
}

// Proposals is a campaign's proposals an actor sees.
type Proposals struct {
	Proposals []weak.Proposal `json:"proposals"`
}

// Proposals lists a campaign's proposals the actor sees.
func (s *Service) Proposals(ctx context.Context, a auth.Actor, campaignID int64) (Proposals, error) {
	ps, err := s.Weak.Proposals(ctx, order.ScopeOf(a), campaignID)
	return Proposals{Proposals: ps}, err
}

// Determination makes a proposal a case (认定) with its four ones.
type Determination struct {
	weak.FourOnes
	Note string `json:"note"`
}

// Determine makes a proposal a case and starts its workflow. Determining again with the same
// four ones answers the committed case and starts its workflow if that start was lost.
func (s *Service) Determine(ctx context.Context, a auth.Actor, proposalID int64, in Determination) (weak.Case, error) {
	if err := requireCounty(a); err != nil {
		return weak.Case{}, err
	}
	c, err := s.Weak.Determine(ctx, proposalID, weakActor(a), in.FourOnes, in.Note, func(caseID int64) string {
		return weakcasemsg.WorkflowID(s.Deployment, caseID)
	})
	if err != nil {
		return weak.Case{}, err
	}
	if err := s.StartCase(ctx, c.ID); err != nil {
		return weak.Case{}, err
	}
	return c, nil
}

// Declining is why a proposal is not determined.
type Declining struct {
	Note string `json:"note"`
}

// Decline refuses a proposal (不予认定).
func (s *Service) Decline(ctx context.Context, a auth.Actor, proposalID int64, in Declining) error {
	if err := requireCounty(a); err != nil {
		return err
	}
	return s.Weak.Decline(ctx, proposalID, weakActor(a), in.Note)
}

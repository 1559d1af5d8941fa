package rectification

import (
	"context"
	"fmt"

	bulletinwf "rectify/workflows/bulletin"
	"rectify/workflows/bulletin/bulletinmsg"

	"go.temporal.io/sdk/client"

	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/order"
)

// BulletinList is the bulletins (通报) of the departments the actor sees, newest first.
type BulletinList struct {
	Bulletins []bulletin.Summary `json:"bulletins"`
}

// ListBulletins lists the bulletins the actor sees.
func (s *Service) ListBulletins(ctx context.Context, a auth.Actor) (BulletinList, error) {
	sc := order.ScopeOf(a)
	list, err := s.Bulletins.List(ctx, sc.UnitID, sc.Path, sc.Subtree)
	return BulletinList{Bulletins: list}, err
}

// Publishing is a bulletin being computed.
type Publishing struct {
	WorkflowID string `json:"workflow_id"`
}

// PublishBulletin starts a bulletin of the actor's department now (专项通报), through the
// same workflow as the scheduled ones, and answers at once: the bulletin is listed once
// computed, and is emailed even if the mail server is down for a while.
func (s *Service) PublishBulletin(ctx context.Context, a auth.Actor) (Publishing, error) {
	if err := requireIssuer(a); err != nil {
		return Publishing{}, err
	}
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: s.TaskQueue,
		ID: fmt.Sprintf("%s-bulletin-on-demand-%d-%d", s.Deployment, a.UnitID, s.Now().UnixNano())},
		bulletinwf.BulletinWorkflow, bulletinmsg.BulletinInput{Deployment: s.Deployment, Kind: bulletin.OnDemand, IssuerUnitID: a.UnitID})
	if err != nil {
		return Publishing{}, err
	}
	return Publishing{WorkflowID: run.GetID()}, nil
}

// GetBulletin is a bulletin the actor sees.
func (s *Service) GetBulletin(ctx context.Context, a auth.Actor, id int64) (bulletin.Bulletin, error) {
	sc := order.ScopeOf(a)
	b, _, err := s.Bulletins.Get(ctx, id, sc.UnitID, sc.Path, sc.Subtree)
	return b, err
}

// BulletinSheet is the spreadsheet of a bulletin the actor sees, as it was sent.
func (s *Service) BulletinSheet(ctx context.Context, a auth.Actor, id int64) (Download, error) {
	sc := order.ScopeOf(a)
	b, xlsx, err := s.Bulletins.Get(ctx, id, sc.UnitID, sc.Path, sc.Subtree)
	if err != nil {
		return Download{}, err
	}
	return Spreadsheet(b.Title()+".xlsx", xlsx), nil
}

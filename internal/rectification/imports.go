package rectification

import (
	"context"

	"rectify/internal/auth"
	"rectify/internal/imports"
)

// ImportInput is a problem list to import; Read is called only once the actor may import.
type ImportInput struct {
	Read func() (imports.List, error)
}

func (s *Service) upload(a auth.Actor, in ImportInput) (imports.Upload, error) {
	if err := requireIssuer(a); err != nil {
		return imports.Upload{}, err
	}
	l, err := in.Read()
	if err != nil {
		return imports.Upload{}, err
	}
	return imports.Upload{PersonID: a.PersonID, UnitID: a.UnitID, List: l}, nil
}

// Imported is the draft order a problem list became.
type Imported struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Measures int    `json:"measures"`
	Problems int    `json:"-"` // for the CLI's summary
}

// ImportOrder imports a problem list as a draft order of the actor's unit, at once. A bad
// sheet stores nothing and names every place to fix.
func (s *Service) ImportOrder(ctx context.Context, a auth.Actor, in ImportInput) (Imported, error) {
	u, err := s.upload(a, in)
	if err != nil {
		return Imported{}, err
	}
	res, err := s.Imports.Import(ctx, u)
	if err != nil {
		return Imported{}, err
	}
	return Imported{ID: res.OrderID, Status: "draft", Measures: res.Measures, Problems: res.Problems}, nil
}

// ImportQueued is a background import to poll.
type ImportQueued struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// EnqueueImport keeps a problem list as a background import job and answers at once.
func (s *Service) EnqueueImport(ctx context.Context, a auth.Actor, in ImportInput) (ImportQueued, error) {
	u, err := s.upload(a, in)
	if err != nil {
		return ImportQueued{}, err
	}
	job, err := s.Imports.Enqueue(ctx, u)
	if err != nil {
		return ImportQueued{}, err
	}
	return ImportQueued{ID: job.ID, Status: job.Status}, nil
}

// ImportJob is one of the actor's own import jobs; anyone else's does not exist for them.
func (s *Service) ImportJob(ctx context.Context, a auth.Actor, id string) (imports.Job, error) {
	return s.Imports.Job(ctx, id, a.PersonID)
}

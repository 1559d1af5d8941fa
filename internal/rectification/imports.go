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

// upload hands the problem list to store once the actor may import: the list is read only
// then.
func upload[T any](ctx context.Context, a auth.Actor, in ImportInput, store func(context.Context, imports.Upload) (T, error)) (T, error) {
	var zero T
	if err := requireIssuer(a); err != nil {
		return zero, err
	}
	l, err := in.Read()
	if err != nil {
		return zero, err
	}
	return store(ctx, imports.Upload{PersonID: a.PersonID, UnitID: a.UnitID, List: l})
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
	res, err := upload(ctx, a, in, s.Imports.Import)
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
	job, err := upload(ctx, a, in, s.Imports.Enqueue)
	if err != nil {
		return ImportQueued{}, err
	}
	return ImportQueued{ID: job.ID, Status: job.Status}, nil
}

// ImportJob is one of the actor's own import jobs; anyone else's does not exist for them.
func (s *Service) ImportJob(ctx context.Context, a auth.Actor, id string) (imports.Job, error) {
	return s.Imports.Job(ctx, id, a.PersonID)
}

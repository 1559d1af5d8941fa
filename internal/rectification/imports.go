package rectification

import (
	"context"

	"rectify/internal/auth"
	"rectify/internal/imports"
)

// ProblemList is an uploaded problem list (问题清单) with what the order takes from the
// upload rather than from the sheet.
type ProblemList struct {
	Filename  string // decides the format: .xlsx or .csv
	Title     string // default: the file name without its extension
	Source    string // 问题来源 when the sheet has no such column
	DocNumber string
	Data      []byte
	// Progress, when set, hears how many rows have been read (the CLI's progress bar).
	Progress func(rows int)
}

// ImportInput is a problem list to import; Read is called only once the actor may import.
type ImportInput struct {
	Read func() (ProblemList, error)
}

func (s *Service) upload(a auth.Actor, in ImportInput) (imports.Upload, error) {
	if err := requireIssuer(a); err != nil {
		return imports.Upload{}, err
	}
	l, err := in.Read()
	if err != nil {
		return imports.Upload{}, err
	}
	return imports.Upload{PersonID: a.PersonID, UnitID: a.UnitID, Filename: l.Filename, Title: l.Title,
		Source: l.Source, DocNumber: l.DocNumber, Data: l.Data, Progress: l.Progress}, nil
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

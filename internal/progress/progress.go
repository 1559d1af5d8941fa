// Package progress keeps the progress sheets units upload (进度填报): the preview shown
// before a sheet is applied, and what applying it did. The API owns the preview's shape;
// the store keeps it as JSON between the upload and its confirmation.
package progress

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
)

// Store reads and writes progress uploads.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore makes a store.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Save keeps the preview of a sheet a person of a unit uploaded, and returns the upload's id.
func (s *Store) Save(ctx context.Context, unitID, personID int64, filename string, preview []byte) (_ int64, err error) {
	defer apperr.Wrap(&err, "progress.Save(%q)", filename)
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO progress_uploads (unit_id, person_id, filename, preview) VALUES ($1, $2, $3, $4) RETURNING id`,
		unitID, personID, filename, preview).Scan(&id)
	return id, err
}

// Preview returns the kept preview of an upload by the person who made it; another person's
// upload is NotFound like a missing one.
func (s *Store) Preview(ctx context.Context, id, personID int64) (_ []byte, err error) {
	defer apperr.Wrap(&err, "progress.Preview(%d)", id)
	var raw []byte
	err = s.pool.QueryRow(ctx, `SELECT preview FROM progress_uploads WHERE id = $1 AND person_id = $2`, id, personID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "upload_id", "填报记录不存在")
	}
	return raw, err
}

// Applied records what applying an upload did; the first application's time is kept.
func (s *Store) Applied(ctx context.Context, id int64, result []byte) (err error) {
	defer apperr.Wrap(&err, "progress.Applied(%d)", id)
	_, err = s.pool.Exec(ctx, `UPDATE progress_uploads SET applied_at = coalesce(applied_at, now()), result = $2 WHERE id = $1`, id, result)
	return err
}

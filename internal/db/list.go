package db

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Querier is what a pool, a connection and a transaction share for reading.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// List runs a query and collects every row with scan (pgx.RowToStructByPos[T], or a
// store's own scan through Row). A list read without error is never nil (pgx.CollectRows
// starts from an empty slice), so that it encodes as [] in JSON.
func List[T any](ctx context.Context, q Querier, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scan)
}

// Row adapts a scan of one pgx.Row, which also serves QueryRow, to List and pgx.CollectRows.
func Row[T any](scan func(pgx.Row) (T, error)) pgx.RowToFunc[T] {
	return func(r pgx.CollectableRow) (T, error) { return scan(r) }
}

// One reads the single row of a QueryRow with scan; a missing row is notFound, typically
// an apperr.NotFound that names what was asked for. On any error the value is zero.
func One[T any](row pgx.Row, scan func(pgx.Row) (T, error), notFound error) (T, error) {
	v, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		err = notFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

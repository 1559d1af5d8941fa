package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Querier is what a pool, a connection and a transaction share for reading.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// List runs a query and collects every row with scan (pgx.RowToStructByPos[T], or a
// store's own scan through Row). The result is never nil, so that it encodes as [] in JSON.
func List[T any](ctx context.Context, q Querier, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scan)
	if out == nil {
		out = []T{}
	}
	return out, err
}

// Row adapts a scan of one pgx.Row, which also serves QueryRow, to List and pgx.CollectRows.
func Row[T any](scan func(pgx.Row) (T, error)) pgx.RowToFunc[T] {
	return func(r pgx.CollectableRow) (T, error) { return scan(r) }
}

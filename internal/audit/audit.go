// Package audit writes the general audit trail (审计日志, table audit_log): one row for every
// state change that is not an item's or a weak case's own event — orders created and issued,
// supervision policies, the holiday table, weak-branch decisions, sampling draws and grades,
// API tokens. A row is written in the same transaction as the change it records, so there is
// never a change without its row or a row without its change; the table is append-only at
// the database, and the app's role may only insert into it.
package audit

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Entry is one audit row.
type Entry struct {
	// ActorID is the person who made the change; 0 is the system. The actor's unit is read
	// from the person at the time of writing.
	ActorID int64
	// Action names the change, e.g. "order.create", "weak.determine", "calendar.upload".
	Action string
	// Subject names what changed, e.g. "order:12", "campaign:3", "year:2027".
	Subject string
	// Detail is stored as JSON; nil is {}.
	Detail any
}

// Execer is a transaction (or anything that runs a statement inside one).
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Record writes e through tx; pass the transaction that makes the change.
func Record(ctx context.Context, tx Execer, e Entry) error {
	var actor *int64
	if e.ActorID != 0 {
		actor = &e.ActorID
	}
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_unit_id, action, subject, detail)
		VALUES ($1, (SELECT unit_id FROM people WHERE id = $1), $2, $3, $4)`, actor, e.Action, e.Subject, detail); err != nil {
		return fmt.Errorf("audit.Record(%s %s): %w", e.Action, e.Subject, err)
	}
	return nil
}

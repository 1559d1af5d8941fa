package items

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// Children lists the sub-items an item was split into (转办) that are visible in scope, by
// unit: a village sees its own sub-item, not its neighbours'.
func (s *Store) Children(ctx context.Context, sc order.Scope, parentID string, now time.Time) (_ []Row, err error) {
	defer apperr.Wrap(&err, "items.Children(%s)", parentID)
	return db.List(ctx, s.pool, db.Row(scanRow), rowSelect+` WHERE i.parent_item_id = $5 AND `+inScope+` ORDER BY u.code, i.id`,
		sc.UnitID, sc.Path, sc.Subtree, now, parentID)
}

// Level is the item's place in a chain of splits: 1 for an item issued directly, 2 for its
// sub-item, and so on.
func (s *Store) Level(ctx context.Context, id string) (n int, err error) {
	defer apperr.Wrap(&err, "items.Level(%s)", id)
	err = s.pool.QueryRow(ctx, `WITH RECURSIVE up(id, parent, n) AS (
			SELECT id, parent_item_id, 1 FROM items WHERE id = $1
			UNION ALL SELECT i.id, i.parent_item_id, up.n + 1 FROM items i JOIN up ON i.id = up.parent WHERE up.n < 20)
		SELECT coalesce(max(n), 0) FROM up`, id).Scan(&n)
	return n, err
}

// Carried rebuilds the items of one unit workflow from the read model, so that a workflow
// that ended (every item closed or cancelled) can be started again for a re-check: the
// state, revisions and sequences go on from where they were, the rungs already fired stay
// fired (from the notices), and a split item's children are read from their own rows.
func (s *Store) Carried(ctx context.Context, workflowID string) (_ []itemmsg.Item, err error) {
	defer apperr.Wrap(&err, "items.Carried(%s)", workflowID)
	return db.List(ctx, s.pool, func(r pgx.CollectableRow) (itemmsg.Item, error) {
		var it itemmsg.Item
		var ack, closed *time.Time
		var state, lt string
		err := r.Scan(&it.ID, &it.MeasureID, &it.DeadlineKind, &it.DueDate, &it.PrimaryPerson, &it.DirectPerson, &it.HandlerPerson,
			&it.WorkingDays, &it.WorkingDaysFrom, &it.Checkpoints, &it.ParentItemID, &state, &it.Revision, &it.ProgressCount,
			&it.LastProgress, &it.ReturnCount, &ack, &closed, &it.ExtendedTo, &it.ExtensionRequestedTo, &it.ExtensionReason,
			&lt, &it.LightReason, &it.Listed, &it.SupervisionSeq, &it.AckLate, &it.ReopenCount, &it.Fired, &it.Children)
		it.State, it.Light = itemmsg.State(state), light.Light(lt)
		if ack != nil {
			it.AcknowledgedAt = *ack
		}
		if closed != nil {
			it.ClosedAt = *closed
		}
		for _, c := range it.Children {
			if !c.State.Terminal() {
				it.ChildrenPending++
			}
		}
		return it, err
	}, `SELECT i.id, i.measure_id, i.deadline_kind, coalesce(to_char(i.due_date, 'YYYY-MM-DD'), ''),
			coalesce(i.primary_person_id, 0), coalesce(i.direct_person_id, 0), coalesce(i.handler_person_id, 0),
			coalesce(i.working_days, 0), coalesce(i.working_days_from, ''),
			ARRAY(SELECT to_char(c, 'YYYY-MM-DD') FROM unnest(m.checkpoints) c ORDER BY c), coalesce(i.parent_item_id, ''),
			i.state, i.revision, i.progress_count, i.last_progress, i.return_count, i.acknowledged_at, i.closed_at,
			coalesce(to_char(i.extended_to, 'YYYY-MM-DD'), ''), coalesce(to_char(i.extension_requested_to, 'YYYY-MM-DD'), ''),
			i.extension_reason, i.light, i.light_reason, i.listed, i.supervision_seq, i.ack_late, i.reopen_count,
			ARRAY(SELECT DISTINCT split_part(n.key, '/', 3) FROM notices n WHERE n.item_id = i.id ORDER BY 1),
			coalesce((SELECT json_agg(json_build_object('item_id', c.id, 'state', c.state, 'light', c.light,
				'revision', c.revision, 'supervision_seq', c.supervision_seq) ORDER BY c.id)
				FROM items c WHERE c.parent_item_id = i.id), '[]')
		FROM items i JOIN measures m ON m.id = i.measure_id
		WHERE i.workflow_id = $1 ORDER BY i.id`, workflowID)
}

// LookBackRound is one re-check round (回头看) of an item after a close-out.
type LookBackRound struct {
	Days     int    `json:"days"`
	DueOn    string `json:"due_on"`
	Outcome  string `json:"outcome,omitempty"` // holds | relapse, once answered
	Answered bool   `json:"answered"`
}

// LookBacks lists an item's re-check rounds, oldest close-out first.
func (s *Store) LookBacks(ctx context.Context, id string) (_ []LookBackRound, err error) {
	defer apperr.Wrap(&err, "items.LookBacks(%s)", id)
	return db.List(ctx, s.pool, pgx.RowToStructByPos[LookBackRound], `SELECT days, to_char(due_on, 'YYYY-MM-DD'),
			coalesce(outcome, ''), answered_revision IS NOT NULL
		FROM item_look_backs WHERE item_id = $1 ORDER BY closed_revision, days`, id)
}

// DueLookBack is a closed item whose re-check round has come, for its issuer.
type DueLookBack struct {
	Row
	Days  int    `json:"days"`
	DueOn string `json:"due_on"`
}

// LookBacksDue lists, for the issuing unit in scope, the closed items with a re-check round
// due by now and not yet answered: the earliest round of each, longest waiting first.
func (s *Store) LookBacksDue(ctx context.Context, sc order.Scope, now time.Time) (_ []DueLookBack, err error) {
	defer apperr.Wrap(&err, "items.LookBacksDue")
	return db.List(ctx, s.pool, func(r pgx.CollectableRow) (DueLookBack, error) {
		var d DueLookBack
		err := r.Scan(append(d.targets(), &d.Days, &d.DueOn)...)
		d.StateLabel = itemmsg.State(d.State).Label()
		return d, err
	}, rowColumns+`, lb.days, to_char(lb.due_on, 'YYYY-MM-DD')`+rowFrom+`
		JOIN LATERAL (SELECT days, due_on FROM item_look_backs l WHERE l.item_id = i.id AND l.answered_revision IS NULL
			AND l.due_on <= ($4::timestamptz AT TIME ZONE 'Asia/Shanghai')::date ORDER BY due_on, days LIMIT 1) lb ON true
		WHERE i.state = 'closed' AND i.issuer_unit_id = $1 AND `+inScope+`
		ORDER BY lb.due_on, i.id LIMIT 500`, sc.UnitID, sc.Path, sc.Subtree, now)
}

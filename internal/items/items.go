// Package items is the read model of rectification items (整改事项台账): what pages, lists
// and reports read. Only the item workflows write it, through idempotent writes that carry
// the item's revision, so a retried or late write never overwrites a newer one.
package items

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// Store reads and writes the item read model.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore makes a store.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// orNil is nil for a zero value, so that the column stays NULL.
func orNil[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const upsertItem = `INSERT INTO items (id, order_id, measure_id, unit_id, parent_item_id, workflow_id, state, holder, deadline_kind, due_date,
		primary_person_id, direct_person_id, handler_person_id, progress_count, last_progress, return_count, revision,
		issued_at, acknowledged_at, closed_at, updated_at, working_days, working_days_from, due_at, extended_to,
		extension_requested_to, extension_reason, ack_late, reopen_count)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
		$22, $23, $24, $25::date, $26::date, $27, $28, $29)
	ON CONFLICT (id) DO UPDATE SET state = excluded.state, holder = excluded.holder, progress_count = excluded.progress_count,
		handler_person_id = excluded.handler_person_id, ack_late = excluded.ack_late, reopen_count = excluded.reopen_count,
		last_progress = excluded.last_progress, return_count = excluded.return_count, revision = excluded.revision,
		acknowledged_at = excluded.acknowledged_at, closed_at = excluded.closed_at, updated_at = excluded.updated_at,
		extended_to = excluded.extended_to, extension_requested_to = excluded.extension_requested_to,
		extension_reason = excluded.extension_reason,
		-- the deadline may first become known at 签收 (working days from acknowledgement)
		due_at = coalesce(excluded.due_at, items.due_at)
	WHERE items.revision < excluded.revision`

const insertAudit = `INSERT INTO item_audit (item_id, revision, at, actor_id, actor_unit_id, action, from_state, to_state, note, evidence_ids)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (item_id, revision) DO NOTHING`

func queueRow(b *pgx.Batch, r itemmsg.ItemRow) {
	b.Queue(upsertItem, r.ID, r.OrderID, r.MeasureID, r.UnitID, orNil(r.ParentItemID), r.WorkflowID, string(r.State), string(r.Holder),
		r.DeadlineKind, orNil(r.DueDate), orNil(r.PrimaryPerson), orNil(r.DirectPerson), orNil(r.HandlerPerson),
		r.ProgressCount, r.LastProgress, r.ReturnCount, r.Revision, r.IssuedAt, nullTime(r.AcknowledgedAt), nullTime(r.ClosedAt), r.UpdatedAt,
		orNil(r.WorkingDays), orNil(r.WorkingDaysFrom), r.DueAt, orNil(r.ExtendedTo), orNil(r.ExtensionRequestedTo), r.ExtensionReason, r.AckLate, r.ReopenCount)
}

func queueAudit(b *pgx.Batch, a itemmsg.AuditEntry) {
	ev := a.EvidenceIDs
	if ev == nil {
		ev = []int64{}
	}
	b.Queue(insertAudit, a.ItemID, a.Revision, a.At, orNil(a.ActorID), orNil(a.ActorUnitID), string(a.Action), string(a.From), string(a.To), a.Note, ev)
}

// Write applies item rows and audit entries in one transaction; safe to repeat.
func (s *Store) Write(ctx context.Context, rows []itemmsg.ItemRow, audit []itemmsg.AuditEntry) (err error) {
	defer apperr.Wrap(&err, "items.Write(%d rows)", len(rows))
	b := &pgx.Batch{}
	for _, r := range rows {
		queueRow(b, r)
	}
	for _, a := range audit {
		queueAudit(b, a)
	}
	return s.sendInTx(ctx, b)
}

// Look-back rounds: scheduled at 销号, answered by the first re-check after their day (or
// before it: a re-check answers the earliest open round), each answer once.
const (
	insertLookBack = `INSERT INTO item_look_backs (item_id, closed_revision, days, due_on) VALUES ($1, $2, $3, $4::date)
		ON CONFLICT DO NOTHING`
	answerLookBack = `UPDATE item_look_backs SET answered_revision = $2, outcome = $3
		WHERE (item_id, closed_revision, days) = (SELECT item_id, closed_revision, days FROM item_look_backs
			WHERE item_id = $1 AND answered_revision IS NULL ORDER BY due_on, days LIMIT 1)
		AND NOT EXISTS (SELECT 1 FROM item_look_backs WHERE item_id = $1 AND answered_revision = $2)`
)

// WriteChange applies one action's change: the item row, its audit row, the look-back
// rounds a close-out schedules and the round a 回头看 answers; safe to repeat.
func (s *Store) WriteChange(ctx context.Context, rec itemmsg.ChangeRecord) (err error) {
	defer apperr.Wrap(&err, "items.WriteChange(%s r%d)", rec.Row.ID, rec.Audit.Revision)
	b := &pgx.Batch{}
	queueRow(b, rec.Row)
	queueAudit(b, rec.Audit)
	for _, lb := range rec.LookBacks {
		b.Queue(insertLookBack, rec.Row.ID, rec.Audit.Revision, lb.Days, lb.DueOn)
	}
	switch rec.Audit.Action {
	case itemmsg.LookBackHolds:
		b.Queue(answerLookBack, rec.Row.ID, rec.Audit.Revision, "holds")
	case itemmsg.LookBackRelapse:
		b.Queue(answerLookBack, rec.Row.ID, rec.Audit.Revision, "relapse")
	}
	return s.sendInTx(ctx, b)
}

// sendInTx runs a batch in one transaction.
func (s *Store) sendInTx(ctx context.Context, b *pgx.Batch) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
}

const writeSupervision = `UPDATE items SET light = $2, light_reason = $3, listed = $4, due_at = coalesce($5, due_at), supervision_seq = $6,
		children_total = $7, children_closed = $8
	WHERE id = $1 AND supervision_seq < $6`

const insertLight = `INSERT INTO item_lights (item_id, seq, at, light, reason) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (item_id, seq) DO NOTHING`

const insertNotice = `INSERT INTO notices (key, item_id, person_id, rung, consolidated, fire_at, send_at, detail)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING`

// WriteSupervision applies lights (with their history) and fired rungs in one
// transaction; repeating it changes nothing.
func (s *Store) WriteSupervision(ctx context.Context, writes []itemmsg.SupervisionWrite, notices []itemmsg.Notice) (err error) {
	defer apperr.Wrap(&err, "items.WriteSupervision(%d writes, %d notices)", len(writes), len(notices))
	b := &pgx.Batch{}
	for _, w := range writes {
		b.Queue(writeSupervision, w.ItemID, w.Light, w.Reason, w.Listed, w.DueAt, w.Seq, w.ChildrenTotal, w.ChildrenClosed)
		b.Queue(insertLight, w.ItemID, w.Seq, w.At, w.Light, w.Reason)
	}
	for _, n := range notices {
		b.Queue(insertNotice, n.Key, n.ItemID, n.PersonID, string(n.Rung), n.Consolidated, n.FireAt, n.SendAt, n)
	}
	return s.sendInTx(ctx, b)
}

// Row is an item as lists and pages show it.
type Row struct {
	ID            string      `json:"id"`
	OrderID       int64       `json:"order_id"`
	OrderTitle    string      `json:"order_title"`
	IssuerUnit    string      `json:"issuer_unit"`
	Problem       string      `json:"problem"`
	Measure       string      `json:"measure"`
	Criterion     string      `json:"criterion"`
	UnitID        int64       `json:"unit_id"`
	UnitCode      string      `json:"unit_code"`
	UnitName      string      `json:"unit_name"`
	State         string      `json:"state"`
	StateLabel    string      `json:"state_label"`
	Holder        string      `json:"holder"`
	DeadlineKind  string      `json:"deadline_kind"`
	Due           string      `json:"due,omitempty"`
	Overdue       bool        `json:"overdue"`
	HandlerName   string      `json:"handler,omitempty"`
	PrimaryName   string      `json:"primary,omitempty"`
	DirectName    string      `json:"direct,omitempty"`
	ProgressCount int         `json:"progress_count"`
	LastProgress  string      `json:"last_progress,omitempty"`
	Revision      int64       `json:"revision"`
	IssuedAt      time.Time   `json:"issued_at"`
	ClosedAt      *time.Time  `json:"closed_at,omitempty"`
	UpdatedAt     time.Time   `json:"updated_at"`
	DueAt         *time.Time  `json:"due_at,omitempty"`
	Light         light.Light `json:"light"`
	LightReason   string      `json:"light_reason"`
	Listed        bool        `json:"listed"`
	ExtendedTo    string      `json:"extended_to,omitempty"`
	ExtensionAsk  string      `json:"extension_requested_to,omitempty"`
	// ParentItemID is the item this one was split from (转办); Children* count its own
	// sub-items (n of m closed).
	ParentItemID   string `json:"parent_item_id,omitempty"`
	ChildrenTotal  int    `json:"children_total"`
	ChildrenClosed int    `json:"children_closed"`
	// AckLate: signed for after the acknowledgement deadline; ReopenCount: times reopened by
	// a relapse (回头看反弹) or a failed re-inspection (抽查不合格).
	AckLate     bool   `json:"ack_late"`
	ReopenCount int    `json:"reopen_count"`
	WorkflowID  string `json:"-"`
	// sortAt orders lists (soonest deadline first, none last); with ID it is the cursor.
	sortAt       time.Time
	IssuerUnitID int64  `json:"-"`
	UnitPath     string `json:"-"`
}

// rowColumns and rowFrom make rowSelect; a query that needs more columns puts them between.
const (
	rowColumns = `SELECT i.id, i.order_id, o.title, iu.name, p.description, m.content, m.criterion, i.unit_id, u.code, u.name,
		i.state, i.holder, i.deadline_kind, coalesce(to_char(i.due_date, 'YYYY-MM-DD'), ''),
		` + overdueSQL + `,
		coalesce(hp.name, ''), coalesce(pp.name, ''), coalesce(dp.name, ''), i.progress_count, i.last_progress, i.revision,
		i.issued_at, i.closed_at, i.updated_at, i.due_at, i.light, i.light_reason, i.listed,
		coalesce(to_char(i.extended_to, 'YYYY-MM-DD'), ''), coalesce(to_char(i.extension_requested_to, 'YYYY-MM-DD'), ''),
		i.workflow_id, o.issuer_unit_id, u.path,
		coalesce(i.parent_item_id, ''), i.children_total, i.children_closed, i.ack_late, i.reopen_count, i.sort_at`
	rowFrom = `
	FROM items i` + rowJoins
	rowJoins = `
	JOIN orders o ON o.id = i.order_id
	JOIN units iu ON iu.id = o.issuer_unit_id
	JOIN measures m ON m.id = i.measure_id
	JOIN problems p ON p.id = m.problem_id
	JOIN units u ON u.id = i.unit_id
	LEFT JOIN people hp ON hp.id = i.handler_person_id
	LEFT JOIN people pp ON pp.id = i.primary_person_id
	LEFT JOIN people dp ON dp.id = i.direct_person_id`
	rowSelect = rowColumns + rowFrom
)

// overdueSQL: open and past its deadline at $4 (a moment): due_at when known, else the end of
// the due date.
const overdueSQL = `coalesce(i.state NOT IN ('closed','cancelled') AND (i.due_at < $4::timestamptz
	OR (i.due_at IS NULL AND i.due_date < ($4::timestamptz AT TIME ZONE 'Asia/Shanghai')::date)), false)`

// inScope: the item's unit is visible, or the item's order was issued by a visible unit
// (an issuer reviews what it issued). $1 unit id, $2 path, $3 subtree.
// The item carries both paths (migration 016), so this is index work, not a join filtered
// afterwards.
const inScope = `(i.unit_id = $1 OR ($3 AND i.unit_path LIKE $2 || '%') OR i.issuer_unit_id = $1 OR ($3 AND i.issuer_path LIKE $2 || '%'))`

func scanRow(r pgx.Row) (Row, error) {
	var x Row
	err := r.Scan(x.targets()...)
	x.StateLabel = itemmsg.State(x.State).Label()
	return x, err
}

// targets are where a row of rowColumns is scanned to.
func (x *Row) targets() []any {
	return []any{&x.ID, &x.OrderID, &x.OrderTitle, &x.IssuerUnit, &x.Problem, &x.Measure, &x.Criterion, &x.UnitID, &x.UnitCode, &x.UnitName,
		&x.State, &x.Holder, &x.DeadlineKind, &x.Due, &x.Overdue, &x.HandlerName, &x.PrimaryName, &x.DirectName,
		&x.ProgressCount, &x.LastProgress, &x.Revision, &x.IssuedAt, &x.ClosedAt, &x.UpdatedAt, &x.DueAt, &x.Light, &x.LightReason, &x.Listed,
		&x.ExtendedTo, &x.ExtensionAsk, &x.WorkflowID, &x.IssuerUnitID, &x.UnitPath,
		&x.ParentItemID, &x.ChildrenTotal, &x.ChildrenClosed, &x.AckLate, &x.ReopenCount, &x.sortAt}
}

// Filter narrows a list of items.
type Filter struct {
	UnitCode string      // items of this unit only (empty: all in scope)
	OrderID  int64       // items of this order only
	State    string      // one state
	Overdue  bool        // only overdue open items
	Open     bool        // only items not closed or cancelled
	Light    light.Light // one light that shows
	Listed   bool        // only items under 挂牌督办
	PersonID int64       // items where this person is handler, direct or primary
	ToDo     bool        // with PersonID's unit: items waiting for that unit (holder unit)
	Limit    int
	Offset   int
	// After is the cursor of the last row of the previous page (Cursor): the page starts
	// after it, read as an index range however deep it is.
	After string
}

// listOrder is the ORDER BY of a list in scope sc. The order is always (sort_at, id); how it
// is read depends on the scope's breadth. A province or a city is best walked in index order
// until the page is full. A county or below holds a small share of the province's items: its
// matches are collected by path and sorted, because walking the province's in order and
// filtering them (what the planner picks for LIMIT 50) read thousands of rows for 50 — 25 to
// 240 ms against 6 ms for a county's red items in a 1,000,000-item province
// (docs/benchmarks-read.md). Adding an interval of zero keeps the order but not the index's.
func listOrder(sc order.Scope) string {
	if sc.Subtree && strings.Count(sc.Path, "/") <= 3 {
		return "i.sort_at, i.id"
	}
	return "i.sort_at + interval '0 s', i.id"
}

// Cursor is where the list after r starts.
func (r Row) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(r.sortAt.UTC().Format(time.RFC3339Nano) + "|" + r.ID))
}

// parseCursor reads a Cursor; an empty one is the first page.
func parseCursor(c string) (*time.Time, string, error) {
	if c == "" {
		return nil, "", nil
	}
	bad := apperr.New(apperr.Invalid, "after", "分页位置after无效，请使用上一页答复中的next")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, "", bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil, "", bad
	}
	return &t, id, nil
}

// List returns items visible in scope matching f, soonest deadline first, at most f.Limit
// (200 by default, 1,000 at most).
func (s *Store) List(ctx context.Context, sc order.Scope, f Filter, now time.Time) (_ []Row, err error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	out := []Row{}
	err = s.each(ctx, sc, f, now, &f.Limit, func(r Row) error { out = append(out, r); return nil })
	return out, err
}

// Each streams every item visible in scope matching f (no limit) to fn, for ledgers.
func (s *Store) Each(ctx context.Context, sc order.Scope, f Filter, now time.Time, fn func(Row) error) error {
	return s.each(ctx, sc, f, now, nil, fn)
}

func (s *Store) each(ctx context.Context, sc order.Scope, f Filter, now time.Time, limit *int, fn func(Row) error) (err error) {
	defer apperr.Wrap(&err, "items.List")
	afterAt, afterID, err := parseCursor(f.After)
	if err != nil {
		return err
	}
	// The page is chosen from items alone; only its rows are joined to what they show.
	q := rowColumns + ` FROM (SELECT i.* FROM items i WHERE ` + inScope + `
		AND ($5 = '' OR i.unit_id = (SELECT id FROM units WHERE code = $5)) AND ($6 = 0 OR i.order_id = $6) AND ($7 = '' OR i.state = $7)
		AND (NOT $8 OR ` + overdueSQL + `)
		AND (NOT $9 OR i.state NOT IN ('closed','cancelled'))
		AND ($10 = 0 OR $10 IN (i.handler_person_id, i.direct_person_id, i.primary_person_id))
		AND (NOT $11 OR (i.holder = 'unit' AND i.unit_id = $1) OR (i.holder = 'issuer' AND i.issuer_unit_id = $1))
		AND ($14 = '' OR i.light = $14) AND (NOT $15 OR i.listed)
		AND ($16::timestamptz IS NULL OR (i.sort_at, i.id) > ($16::timestamptz, $17::text))
		ORDER BY ` + listOrder(sc) + ` LIMIT $12 OFFSET $13) i` + rowJoins + `
		ORDER BY i.sort_at, i.id`
	rows, err := s.pool.Query(ctx, q, sc.UnitID, sc.Path, sc.Subtree, now,
		f.UnitCode, f.OrderID, f.State, f.Overdue, f.Open, f.PersonID, f.ToDo, limit, f.Offset, f.Light, f.Listed, afterAt, afterID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scanRow(rows)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Get returns one item if visible in scope.
func (s *Store) Get(ctx context.Context, sc order.Scope, id string, now time.Time) (_ Row, err error) {
	defer apperr.Wrap(&err, "items.Get(%s)", id)
	return db.One(s.pool.QueryRow(ctx, rowSelect+` WHERE i.id = $5 AND `+inScope, sc.UnitID, sc.Path, sc.Subtree, now, id),
		scanRow, apperr.New(apperr.NotFound, "item_id", "整改事项不存在或无权查看"))
}

// Event is one line of an item's timeline, from the audit trail.
type Event struct {
	Revision    int64     `json:"revision"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	ActorUnit   string    `json:"actor_unit"`
	Action      string    `json:"action"`
	ActionLabel string    `json:"action_label"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Note        string    `json:"note,omitempty"`
	EvidenceIDs []int64   `json:"evidence_ids,omitempty"`
}

// Timeline returns an item's audit trail, oldest first.
func (s *Store) Timeline(ctx context.Context, id string) (_ []Event, err error) {
	defer apperr.Wrap(&err, "items.Timeline(%s)", id)
	return db.List(ctx, s.pool, scanEvent, eventSelect+` WHERE a.item_id = $1 ORDER BY a.revision`, id)
}

// LatestOf returns, for each of the items, the latest entry of action in its audit trail;
// items without one are absent. One query for a whole review queue.
func (s *Store) LatestOf(ctx context.Context, itemIDs []string, action string) (_ map[string]Event, err error) {
	defer apperr.Wrap(&err, "items.LatestOf(%d items, %s)", len(itemIDs), action)
	type keyed struct {
		itemID string
		Event
	}
	list, err := db.List(ctx, s.pool, func(r pgx.CollectableRow) (keyed, error) {
		var k keyed
		err := r.Scan(&k.itemID, &k.Revision, &k.At, &k.Actor, &k.ActorUnit, &k.Action, &k.From, &k.To, &k.Note, &k.EvidenceIDs)
		k.ActionLabel = itemmsg.Action(k.Action).Label()
		return k, err
	}, `SELECT DISTINCT ON (a.item_id) a.item_id, `+eventColumns+eventFrom+`
		WHERE a.item_id = ANY($1) AND a.action = $2 ORDER BY a.item_id, a.revision DESC`, itemIDs, action)
	out := make(map[string]Event, len(list))
	for _, k := range list {
		out[k.itemID] = k.Event
	}
	return out, err
}

const (
	eventColumns = `a.revision, a.at, coalesce(p.name, ''), coalesce(u.name, ''), a.action, a.from_state, a.to_state, a.note, a.evidence_ids`
	eventFrom    = `
		FROM item_audit a LEFT JOIN people p ON p.id = a.actor_id LEFT JOIN units u ON u.id = a.actor_unit_id`
	eventSelect = `SELECT ` + eventColumns + eventFrom
)

func scanEvent(r pgx.CollectableRow) (Event, error) {
	var e Event
	err := r.Scan(&e.Revision, &e.At, &e.Actor, &e.ActorUnit, &e.Action, &e.From, &e.To, &e.Note, &e.EvidenceIDs)
	e.ActionLabel = itemmsg.Action(e.Action).Label()
	return e, err
}

// OpenWorkflowIDs returns the ids of the unit workflows that still have an item open (not
// closed or cancelled), sorted.
func (s *Store) OpenWorkflowIDs(ctx context.Context) (_ []string, err error) {
	defer apperr.Wrap(&err, "items.OpenWorkflowIDs")
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT workflow_id FROM items WHERE state NOT IN ('closed', 'cancelled') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LightChange is one entry of an item's light history.
type LightChange struct {
	At     time.Time   `json:"at"`
	Light  light.Light `json:"light"`
	Reason string      `json:"reason"`
}

// Lights returns an item's light history, oldest first.
func (s *Store) Lights(ctx context.Context, id string) (_ []LightChange, err error) {
	defer apperr.Wrap(&err, "items.Lights(%s)", id)
	rows, err := s.pool.Query(ctx, `SELECT at, light, reason FROM item_lights WHERE item_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[LightChange])
}

// NoticeRow is a reminder or escalation fired for an item, and what became of it.
type NoticeRow struct {
	Rung      string     `json:"rung"`
	RungLabel string     `json:"rung_label"`
	Person    string     `json:"person"`
	FireAt    time.Time  `json:"fire_at"`
	SendAt    time.Time  `json:"send_at"`
	Status    string     `json:"status"`
	LastError string     `json:"last_error,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Notices returns the rungs fired for an item, in firing order.
func (s *Store) Notices(ctx context.Context, id string) (_ []NoticeRow, err error) {
	defer apperr.Wrap(&err, "items.Notices(%s)", id)
	rows, err := s.pool.Query(ctx, `SELECT n.rung, '', p.name, n.fire_at, n.send_at, n.status, n.last_error, n.sent_at
		FROM notices n JOIN people p ON p.id = n.person_id WHERE n.item_id = $1 ORDER BY n.fire_at, n.key`, id)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[NoticeRow])
	for i := range out {
		out[i].RungLabel = itemmsg.Rung(out[i].Rung).Label()
	}
	return out, err
}

// CountOfOrder is how many items of the order are in the read model; with open, only those
// not closed or cancelled.
func (s *Store) CountOfOrder(ctx context.Context, orderID int64, open bool) (n int, err error) {
	defer apperr.Wrap(&err, "items.CountOfOrder(%d)", orderID)
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = $1
		AND (NOT $2 OR state NOT IN ('closed', 'cancelled'))`, orderID, open).Scan(&n)
	return n, err
}

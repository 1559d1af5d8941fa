package order

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/db"
)

// Scope is what a person may see (一级抓一级): their own unit, and with Subtree the units
// below it too.
type Scope struct {
	UnitID  int64
	Path    string
	Subtree bool
}

// A caller sees an order whole when they see its issuing unit; anyone else who sees it
// through one of its targets sees only the targets in their own scope, with those targets'
// items, counts and people: a township that received an order together with its sibling
// never sees the sibling's share. The conditions below take $1 unit id, $2 path, $3 subtree.
const (
	// issuerVisibleSQL: the caller sees the order's issuing unit, and with it the whole order.
	issuerVisibleSQL = `EXISTS (SELECT 1 FROM units iu WHERE iu.id = o.issuer_unit_id AND (iu.id = $1 OR ($3 AND iu.path LIKE $2 || '%')))`
	// orderVisibleSQL: the issuer is visible, or one of the targets is.
	orderVisibleSQL = `(` + issuerVisibleSQL + `
	OR EXISTS (SELECT 1 FROM order_targets ot JOIN units tu ON tu.id = ot.unit_id WHERE ot.order_id = o.id AND (tu.id = $1 OR ($3 AND tu.path LIKE $2 || '%'))))`
	// targetVisibleSQL: the target unit aliased tu is one the caller may see of order o.
	targetVisibleSQL = `(` + issuerVisibleSQL + ` OR tu.id = $1 OR ($3 AND tu.path LIKE $2 || '%'))`
	// countsSQL counts order o's items by state, of the targets the caller may see.
	countsSQL = `coalesce((SELECT jsonb_object_agg(state, n) FROM (SELECT i.state, count(*) n FROM items i JOIN units tu ON tu.id = i.unit_id
		WHERE i.order_id = o.id AND ` + targetVisibleSQL + ` GROUP BY i.state) c), '{}')`
	orderColumns = `o.id, o.issuer_unit_id, oiu.name, o.title, o.source, o.doc_number, o.status, o.created_at, o.issued_at,
		` + countsSQL + `, NOT ` + issuerVisibleSQL
)

// List returns the orders visible in scope, newest first, with item counts by state.
func (s *Store) List(ctx context.Context, sc Scope, status string) (_ []Order, err error) {
	defer apperr.Wrap(&err, "order.List")
	return db.List(ctx, s.pool, db.Row(scanOrder), `SELECT `+orderColumns+`
		FROM orders o JOIN units oiu ON oiu.id = o.issuer_unit_id
		WHERE `+orderVisibleSQL+` AND ($4 = '' OR o.status = $4)
		ORDER BY o.id DESC LIMIT 500`, sc.UnitID, sc.Path, sc.Subtree, status)
}

func scanOrder(row pgx.Row) (Order, error) {
	var o Order
	var counts []byte
	if err := row.Scan(&o.ID, &o.IssuerUnitID, &o.IssuerUnit, &o.Title, &o.Source, &o.DocNumber, &o.Status, &o.CreatedAt, &o.IssuedAt, &counts, &o.Partial); err != nil {
		return o, err
	}
	o.Counts = map[string]int{}
	if err := json.Unmarshal(counts, &o.Counts); err != nil {
		return o, err
	}
	for _, n := range o.Counts {
		o.Items += n
	}
	return o, nil
}

// Get returns one order with its four lists, targets and counts, if visible in scope.
func (s *Store) Get(ctx context.Context, sc Scope, id int64) (_ *Order, err error) {
	defer apperr.Wrap(&err, "order.Get(%d)", id)
	o, err := scanOrder(s.pool.QueryRow(ctx, `SELECT `+orderColumns+`
		FROM orders o JOIN units oiu ON oiu.id = o.issuer_unit_id
		WHERE o.id = $4 AND `+orderVisibleSQL, sc.UnitID, sc.Path, sc.Subtree, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "order_id", "整改通知不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	if err := s.pool.QueryRow(ctx, `SELECT policy FROM orders WHERE id = $1`, id).Scan(&o.Policy); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT tu.id, tu.code, tu.name FROM orders o JOIN order_targets t ON t.order_id = o.id JOIN units tu ON tu.id = t.unit_id
		WHERE o.id = $4 AND `+targetVisibleSQL+` ORDER BY tu.id`, sc.UnitID, sc.Path, sc.Subtree, id)
	if err != nil {
		return nil, err
	}
	if o.Targets, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Target]); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT id, seq, description, category, severity FROM problems WHERE order_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	byID := map[int64]int{}
	var p StoredProblem
	if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Seq, &p.Description, &p.Category, &p.Severity}, func() error {
		byID[p.ID] = len(o.Problems)
		o.Problems = append(o.Problems, p)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT problem_id, id, seq, content, criterion, evidence_expected, responsibility, deadline_kind, due_date, checkpoints,
			coalesce(working_days, 0), coalesce(working_days_from, '')
		FROM measures WHERE order_id = $1 ORDER BY problem_id, seq`, id)
	if err != nil {
		return nil, err
	}
	type placed struct {
		problemID int64
		m         StoredMeasure
	}
	measures, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (placed, error) {
		var x placed
		var due *time.Time
		var cps []time.Time
		if err := r.Scan(&x.problemID, &x.m.ID, &x.m.Seq, &x.m.Content, &x.m.Criterion, &x.m.EvidenceExpected, &x.m.Responsibility, &x.m.DeadlineKind, &due, &cps,
			&x.m.WorkingDays, &x.m.WorkingDaysFrom); err != nil {
			return x, err
		}
		if due != nil {
			x.m.Due = due.Format("2006-01-02")
		}
		for _, c := range cps {
			x.m.Checkpoints = append(x.m.Checkpoints, c.Format("2006-01-02"))
		}
		return x, nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range measures {
		p := &o.Problems[byID[x.problemID]]
		p.Measures = append(p.Measures, x.m)
	}
	return &o, nil
}

// ScopeOf is what an actor may see, for the stores' SQL. A missing path never widens it.
func ScopeOf(a auth.Actor) Scope {
	return Scope{UnitID: a.UnitID, Path: a.UnitPath, Subtree: a.SeesBelow() && a.UnitPath != ""}
}

// ByTitle finds the first order of issuerUnitID titled title; found is false when there is none.
func (s *Store) ByTitle(ctx context.Context, issuerUnitID int64, title string) (id int64, status string, found bool, err error) {
	defer apperr.Wrap(&err, "order.ByTitle")
	err = s.pool.QueryRow(ctx, `SELECT id, status FROM orders WHERE issuer_unit_id = $1 AND title = $2 ORDER BY id LIMIT 1`, issuerUnitID, title).Scan(&id, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", false, nil
	}
	return id, status, err == nil, err
}

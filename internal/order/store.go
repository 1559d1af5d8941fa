package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/limits"
	"rectify/workflows/item/itemmsg"
)

// Store keeps orders in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore makes a store; now may be nil for the wall clock.
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, now: now}
}

func (s *Store) today() time.Time {
	t := s.now().In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// loadDirectory reads the issuer's subtree: every unit and person at or below it.
func (s *Store) loadDirectory(ctx context.Context, q pgx.Tx, issuerUnitID int64) (_ *directory, err error) {
	defer apperr.Wrap(&err, "order.loadDirectory(%d)", issuerUnitID)
	d := &directory{units: map[string]unitInfo{}, byLogin: map[string]personInfo{}, byPosition: map[[2]string]personInfo{}}
	if err := q.QueryRow(ctx, `SELECT id, code, name, path FROM units WHERE id = $1`, issuerUnitID).
		Scan(&d.issuer.ID, &d.issuer.Code, &d.issuer.Name, &d.issuer.Path); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "issuer_unit", "交办单位不存在")
		}
		return nil, err
	}
	units, err := db.List(ctx, q, pgx.RowToStructByPos[unitInfo], `SELECT id, code, name, path FROM units WHERE path LIKE $1 || '%'`, d.issuer.Path)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		d.units[u.Code] = u
	}
	people, err := db.List(ctx, q, pgx.RowToStructByPos[personInfo], `SELECT p.id, p.login, p.unit_id, p.position
		FROM people p JOIN units u ON u.id = p.unit_id WHERE u.path LIKE $1 || '%' ORDER BY p.id`, d.issuer.Path)
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		d.addPerson(p)
	}
	return d, nil
}

// Validate checks a draft for an issuer without storing anything.
func (s *Store) Validate(ctx context.Context, issuerUnitID int64, d Draft) (err error) {
	defer apperr.Wrap(&err, "order.Validate")
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	dir, err := s.loadDirectory(ctx, tx, issuerUnitID)
	if err != nil {
		return err
	}
	_, err = validate(d, dir, s.today())
	return err
}

// Create validates a draft and stores it as a draft order in one transaction; on any
// error nothing is stored.
func (s *Store) Create(ctx context.Context, issuerUnitID, createdBy int64, d Draft) (id int64, err error) {
	return s.CreateThen(ctx, issuerUnitID, createdBy, d, nil)
}

// CreateThen is Create that runs then, when not nil, in the same transaction before it
// commits: what then records (a background import's outcome) and the order stand or fall
// together.
func (s *Store) CreateThen(ctx context.Context, issuerUnitID, createdBy int64, d Draft,
	then func(ctx context.Context, tx pgx.Tx, orderID int64) error) (id int64, err error) {
	defer apperr.Wrap(&err, "order.Create")
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	dir, err := s.loadDirectory(ctx, tx, issuerUnitID)
	if err != nil {
		return 0, err
	}
	v, err := validate(d, dir, s.today())
	if err != nil {
		return 0, err
	}
	policy := d.Policy
	if policy == nil {
		if policy, err = s.departmentPolicy(ctx, tx, issuerUnitID); err != nil {
			return 0, err
		}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO orders (issuer_unit_id, title, source, doc_number, created_by, policy)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		issuerUnitID, strings.TrimSpace(d.Title), v.source, strings.TrimSpace(d.DocNumber), createdBy, policy).Scan(&id); err != nil {
		return 0, err
	}
	targetIDs := make([]int64, len(v.targets))
	for i, t := range v.targets {
		targetIDs[i] = t.ID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO order_targets (order_id, unit_id) SELECT $1, unnest($2::bigint[])`, id, targetIDs); err != nil {
		return 0, err
	}
	for pi, p := range d.Problems {
		severity := strings.TrimSpace(p.Severity)
		if severity == "" {
			severity = "一般"
		}
		var pid int64
		if err := tx.QueryRow(ctx, `INSERT INTO problems (order_id, seq, description, category, severity)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, id, pi+1, strings.TrimSpace(p.Description),
			strings.TrimSpace(p.Category), severity).Scan(&pid); err != nil {
			return 0, err
		}
		for mi, m := range p.Measures {
			resp, err := json.Marshal(Responsibility{Primary: m.Responsibility.Primary, Direct: m.Responsibility.Direct,
				Handler: m.Responsibility.Handler, CooperatingUnits: m.Responsibility.CooperatingUnits})
			if err != nil {
				return 0, err
			}
			var due *time.Time
			if m.Deadline.Due != "" {
				t, _ := parseDate(m.Deadline.Due)
				due = &t
			}
			var wd *int
			var wdFrom *string
			if m.Deadline.WorkingDays > 0 {
				from := fromAliases[strings.TrimSpace(m.Deadline.From)]
				wd, wdFrom = &m.Deadline.WorkingDays, &from
			}
			cps := make([]time.Time, 0, len(m.Deadline.Checkpoints))
			for _, c := range m.Deadline.Checkpoints {
				t, _ := parseDate(c)
				cps = append(cps, t)
			}
			slices.SortFunc(cps, func(a, b time.Time) int { return a.Compare(b) })
			if _, err := tx.Exec(ctx, `INSERT INTO measures (order_id, problem_id, seq, content, criterion, evidence_expected,
				cooperating_units, responsibility, deadline_kind, due_date, checkpoints, working_days, working_days_from)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				id, pid, mi+1, strings.TrimSpace(m.Content), strings.TrimSpace(m.Criterion), strings.TrimSpace(m.EvidenceExpected),
				v.cooperating[pi][mi], resp, normalizedKind(m.Deadline.Kind), due, cps, wd, wdFrom); err != nil {
				return 0, err
			}
		}
	}
	if err := audit.Record(ctx, tx, audit.Entry{ActorID: createdBy, Action: "order.create", Subject: fmt.Sprintf("order:%d", id),
		Detail: map[string]any{"issuer_unit_id": issuerUnitID, "title": strings.TrimSpace(d.Title), "targets": targetIDs, "policy": policy}}); err != nil {
		return 0, err
	}
	if then != nil {
		if err := then(ctx, tx, id); err != nil {
			return 0, err
		}
	}
	return id, tx.Commit(ctx)
}

// BeginIssue moves a draft to issuing (交办 under way) on behalf of the issuer. An order
// already issuing may be started again (the start is idempotent); an issued one may not.
func (s *Store) BeginIssue(ctx context.Context, orderID, issuerUnitID, by int64) (issuedAt time.Time, err error) {
	defer apperr.Wrap(&err, "order.BeginIssue(%d)", orderID)
	var status string
	var unit int64
	var at *time.Time
	err = s.pool.QueryRow(ctx, `SELECT status, issuer_unit_id, issued_at FROM orders WHERE id = $1`, orderID).Scan(&status, &unit, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, apperr.New(apperr.NotFound, "order_id", "整改通知不存在")
	}
	if err != nil {
		return time.Time{}, err
	}
	if unit != issuerUnitID {
		return time.Time{}, apperr.New(apperr.Forbidden, "order_id", "只有交办单位可以交办该整改通知")
	}
	switch status {
	case "issued":
		return time.Time{}, apperr.New(apperr.Conflict, "status", "该整改通知已交办")
	case "issuing":
		return *at, nil
	}
	// A draft may hold a whole problem list; an issued order's measures all live in each
	// target unit's workflow, so it is bounded.
	var measures int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM measures WHERE order_id = $1`, orderID).Scan(&measures); err != nil {
		return time.Time{}, err
	}
	if measures > limits.MaxMeasures {
		return time.Time{}, apperr.Newf(apperr.Invalid, "problems", "一次交办的整改措施不能超过%d项，现为%d项，请拆分为几个整改通知", limits.MaxMeasures, measures)
	}
	now := s.now().Truncate(time.Microsecond)
	var started bool
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE orders SET status = 'issuing', issued_by = $2, issued_at = $3 WHERE id = $1 AND status = 'draft'`, orderID, by, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		started = true
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "order.issue", Subject: fmt.Sprintf("order:%d", orderID),
			Detail: map[string]any{"issued_at": now}})
	})
	if err != nil {
		return time.Time{}, err
	}
	if !started {
		return time.Time{}, apperr.New(apperr.Conflict, "status", "该整改通知正在交办")
	}
	return now, nil
}

// MarkIssued records that every unit workflow of the order has started.
func (s *Store) MarkIssued(ctx context.Context, orderID int64, units int) (err error) {
	defer apperr.Wrap(&err, "order.MarkIssued(%d)", orderID)
	_, err = s.pool.Exec(ctx, `UPDATE orders SET status = 'issued', units_started = $2 WHERE id = $1 AND status <> 'issued'`, orderID, units)
	return err
}

// PlannedMeasure is what issuance needs of a measure.
type PlannedMeasure struct {
	ID              int64
	DeadlineKind    string
	Due             string
	Responsibility  Responsibility
	WorkingDays     int
	WorkingDaysFrom string
	Checkpoints     []string
	// TargetUnitID is the one unit a measure of a child order (转办) goes to; 0: every target.
	TargetUnitID int64
}

// For reports whether measure m goes to the target unit unitID.
func (m PlannedMeasure) For(unitID int64) bool {
	return m.TargetUnitID == 0 || m.TargetUnitID == unitID
}

// Plan is an order ready to issue: targets in id order, measures in list order, and a
// directory to resolve responsibilities at each target.
type Plan struct {
	Policy       itemmsg.Policy
	OrderID      int64
	IssuerUnitID int64
	Targets      []int64
	Measures     []PlannedMeasure
	// ParentItemID and ParentWorkflowID are set for a child order: the item it was split
	// from (转办) and that item's workflow.
	ParentItemID     string
	ParentWorkflowID string
	// IssuedAt and IssuedBy are set once the order is issuing.
	IssuedAt time.Time
	IssuedBy int64
	dir      *directory
}

// Person resolves a responsibility reference at a target unit; 0 when the post is vacant.
func (p *Plan) Person(ref PersonRef, unitID int64) int64 {
	id, _ := p.dir.resolve(ref, unitInfo{ID: unitID})
	return id
}

// LoadPlan reads an order for issuance.
func (s *Store) LoadPlan(ctx context.Context, orderID int64) (_ *Plan, err error) {
	defer apperr.Wrap(&err, "order.LoadPlan(%d)", orderID)
	p := &Plan{OrderID: orderID}
	err = s.readOnly(ctx, func(tx pgx.Tx) error {
		var policy *itemmsg.Policy
		var issuedAt *time.Time
		if err := tx.QueryRow(ctx, `SELECT o.issuer_unit_id, o.policy, coalesce(o.parent_item_id, ''), coalesce(i.workflow_id, ''),
				o.issued_at, coalesce(o.issued_by, 0)
			FROM orders o LEFT JOIN items i ON i.id = o.parent_item_id WHERE o.id = $1`, orderID).
			Scan(&p.IssuerUnitID, &policy, &p.ParentItemID, &p.ParentWorkflowID, &issuedAt, &p.IssuedBy); err != nil {
			return err
		}
		if issuedAt != nil {
			p.IssuedAt = *issuedAt
		}
		p.Policy = itemmsg.DefaultPolicy()
		if policy != nil {
			p.Policy = *policy
		}
		var err error
		if p.Targets, err = db.List(ctx, tx, pgx.RowTo[int64], `SELECT unit_id FROM order_targets WHERE order_id = $1 ORDER BY unit_id`, orderID); err != nil {
			return err
		}
		if p.Measures, err = db.List(ctx, tx, pgx.RowToStructByPos[PlannedMeasure], `SELECT m.id, m.deadline_kind,
				coalesce(to_char(m.due_date, 'YYYY-MM-DD'), ''), m.responsibility, coalesce(m.working_days, 0), coalesce(m.working_days_from, ''),
				ARRAY(SELECT to_char(c, 'YYYY-MM-DD') FROM unnest(m.checkpoints) c ORDER BY c), coalesce(m.target_unit_id, 0)
			FROM measures m JOIN problems p ON p.id = m.problem_id WHERE m.order_id = $1 ORDER BY p.seq, m.seq`, orderID); err != nil {
			return err
		}
		p.dir, err = s.loadDirectory(ctx, tx, p.IssuerUnitID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// readOnly runs fn in a read-only transaction.
func (s *Store) readOnly(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// PlanInScope is LoadPlan for a reader: the order as Get shows it in scope, and its plan
// with only the targets that reader may see, so that nothing computed from the plan (the
// reminder plan, its recipients) reaches beyond the reader's subtree.
func (s *Store) PlanInScope(ctx context.Context, sc Scope, orderID int64) (*Order, *Plan, error) {
	o, err := s.Get(ctx, sc, orderID)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.LoadPlan(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	visible := make(map[int64]bool, len(o.Targets))
	for _, t := range o.Targets {
		visible[t.UnitID] = true
	}
	p.Targets = slices.DeleteFunc(p.Targets, func(id int64) bool { return !visible[id] })
	return o, p, nil
}

// DepartmentPolicy is the supervision policy an issuing unit's new orders start from.
func (s *Store) DepartmentPolicy(ctx context.Context, unitID int64) (itemmsg.Policy, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return itemmsg.Policy{}, fmt.Errorf("order.DepartmentPolicy: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	p, err := s.departmentPolicy(ctx, tx, unitID)
	if err != nil {
		return itemmsg.Policy{}, err
	}
	return *p, nil
}

func (s *Store) departmentPolicy(ctx context.Context, tx pgx.Tx, unitID int64) (*itemmsg.Policy, error) {
	var p *itemmsg.Policy
	err := tx.QueryRow(ctx, `SELECT policy FROM supervision_policies WHERE unit_id = $1`, unitID).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && p == nil) {
		d := itemmsg.DefaultPolicy()
		return &d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("order.departmentPolicy(%d): %w", unitID, err)
	}
	return p, nil
}

// SetDepartmentPolicy validates and stores an issuing unit's default policy, on behalf of
// person by, audited in the same transaction.
func (s *Store) SetDepartmentPolicy(ctx context.Context, unitID int64, p itemmsg.Policy, by int64) error {
	if err := apperr.InvalidFields(PolicyErrors(p)); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_policies (unit_id, policy) VALUES ($1, $2)
			ON CONFLICT (unit_id) DO UPDATE SET policy = excluded.policy, updated_at = now()`, unitID, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "policy.set", Subject: fmt.Sprintf("unit:%d", unitID), Detail: p})
	})
	if err != nil {
		return fmt.Errorf("order.SetDepartmentPolicy(%d): %w", unitID, err)
	}
	return nil
}

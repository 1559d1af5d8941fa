package weak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/weakcase/weakcasemsg"
)

// CaseWrite is the state of a case as its workflow writes it. Zero ids (the four ones, the
// plan order) and an empty Light keep what is stored; a zero At means now.
type CaseWrite struct {
	CaseID          int64
	Revision        int64
	Stage           string
	Light           light.Light
	LightReason     string
	ReportsReceived int
	LastReportMonth string
	Score           *float64
	AcceptedAt      *time.Time
	ClosedAt        *time.Time
	Relapses        int
	CountyLeader    int64
	TownshipLeader  int64
	FirstSecretary  int64
	PairedUnit      int64
	PlanOrderID     int64
	At              time.Time
}

// Event is one entry of a case's history: a monthly report, 初验, 验收, 回头看, 抽查, a change
// of the four ones. (CaseID, Revision) is unique, so writing an event again changes nothing.
type Event struct {
	CaseID   int64          `json:"case_id"`
	Revision int64          `json:"revision"`
	At       time.Time      `json:"at"`
	ActorID  int64          `json:"actor_id,omitempty"`
	Kind     string         `json:"kind"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Detail   map[string]any `json:"detail"`
}

// WriteCase writes a case's state and new events in one transaction. The state is written
// only when w.Revision is newer than the stored revision; events are inserted when not yet
// there, whatever the revision, so a retried write is harmless. An event with CaseID 0
// belongs to w.CaseID.
func (s *Store) WriteCase(ctx context.Context, w CaseWrite, events []Event) (err error) {
	defer apperr.Wrap(&err, "weak.WriteCase(%d, %d)", w.CaseID, w.Revision)
	if _, ok := stageLabels[w.Stage]; !ok {
		return apperr.Newf(apperr.Invalid, "stage", "未知的整顿阶段%q", w.Stage)
	}
	if w.Light != "" && !w.Light.Valid() {
		return apperr.Newf(apperr.Invalid, "light", "未知的预警%q", w.Light)
	}
	var at *time.Time
	if !w.At.IsZero() {
		at = &w.At
	}
	type row struct {
		e      Event
		detail []byte
	}
	rows := make([]row, len(events))
	for i, e := range events {
		if e.CaseID == 0 {
			e.CaseID = w.CaseID
		}
		if e.CaseID != w.CaseID {
			return apperr.Newf(apperr.Invalid, fmt.Sprintf("events[%d].case_id", i), "事件属于另一个案例（%d）", e.CaseID)
		}
		if e.At.IsZero() {
			e.At = w.At
		}
		if e.At.IsZero() {
			e.At = time.Now()
		}
		d := e.Detail
		if d == nil {
			d = map[string]any{}
		}
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("event %d detail: %w", e.Revision, err)
		}
		rows[i] = row{e, b}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE weak_cases SET stage = $3, light = coalesce(nullif($4, ''), light), light_reason = $5,
				reports_received = $6, last_report_month = $7, score = $8, accepted_at = $9, closed_at = $10, relapses = $11,
				county_leader_id = coalesce($12, county_leader_id), township_leader_id = coalesce($13, township_leader_id),
				first_secretary_id = coalesce($14, first_secretary_id), paired_unit_id = coalesce($15, paired_unit_id),
				plan_order_id = coalesce($16, plan_order_id), revision = $2, updated_at = coalesce($17, now())
			WHERE id = $1 AND revision < $2`,
			w.CaseID, w.Revision, w.Stage, w.Light, w.LightReason, w.ReportsReceived, w.LastReportMonth, w.Score,
			w.AcceptedAt, w.ClosedAt, w.Relapses, nullID(w.CountyLeader), nullID(w.TownshipLeader), nullID(w.FirstSecretary),
			nullID(w.PairedUnit), nullID(w.PlanOrderID), at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM weak_cases WHERE id = $1`, w.CaseID).Scan(&one); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return apperr.New(apperr.NotFound, "case_id", "整顿案例不存在")
				}
				return err
			}
		}
		for _, r := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO weak_case_events (case_id, revision, at, actor_id, kind, from_stage, to_stage, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
				r.e.CaseID, r.e.Revision, r.e.At, nullID(r.e.ActorID), r.e.Kind, r.e.From, r.e.To, r.detail); err != nil {
				return fmt.Errorf("event %d: %w", r.e.Revision, err)
			}
		}
		return nil
	})
}

// SetPlanOrder links a case to the order holding its rectification plan (整顿方案), on
// behalf of person by, audited in the same transaction.
func (s *Store) SetPlanOrder(ctx context.Context, caseID, orderID, by int64) (err error) {
	defer apperr.Wrap(&err, "weak.SetPlanOrder(%d, %d)", caseID, orderID)
	if orderID <= 0 {
		return apperr.New(apperr.Invalid, "order_id", "请指定整顿方案")
	}
	var missing bool
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE weak_cases SET plan_order_id = $2, updated_at = now() WHERE id = $1`, caseID, orderID)
		if err != nil {
			return err
		}
		if missing = tag.RowsAffected() == 0; missing {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "weak.plan", Subject: fmt.Sprintf("case:%d", caseID),
			Detail: map[string]any{"plan_order_id": orderID}})
	})
	switch {
	case isForeignKey(err):
		return apperr.New(apperr.Invalid, "order_id", "整顿方案不存在")
	case err != nil:
		return err
	case missing:
		return apperr.New(apperr.NotFound, "case_id", "整顿案例不存在")
	}
	return nil
}

// CaseStart is what a case's workflow needs to start.
type CaseStart struct {
	CaseID         int64     `json:"case_id"`
	CampaignID     int64     `json:"campaign_id"`
	Year           int       `json:"year"`
	WorkflowID     string    `json:"workflow_id"`
	BranchUnitID   int64     `json:"branch_unit_id"`
	BranchName     string    `json:"branch_name"`
	TownshipUnitID int64     `json:"township_unit_id"` // 0 when the branch has no township
	CountyUnitID   int64     `json:"county_unit_id"`
	CountyLeader   int64     `json:"county_leader"`
	TownshipLeader int64     `json:"township_leader"`
	FirstSecretary int64     `json:"first_secretary"`
	PairedUnit     int64     `json:"paired_unit"`
	PlanOrderID    int64     `json:"plan_order_id"`
	Stage          string    `json:"stage"`
	Revision       int64     `json:"revision"`
	DeterminedAt   time.Time `json:"determined_at"`
}

// CaseForWorkflow reads what the case's workflow needs to start.
func (s *Store) CaseForWorkflow(ctx context.Context, caseID int64) (_ CaseStart, err error) {
	defer apperr.Wrap(&err, "weak.CaseForWorkflow(%d)", caseID)
	var c CaseStart
	err = s.pool.QueryRow(ctx, `SELECT c.id, c.campaign_id, wc.year, c.workflow_id, b.id, b.name, coalesce(tw.id, 0), wc.unit_id,
			coalesce(c.county_leader_id, 0), coalesce(c.township_leader_id, 0), coalesce(c.first_secretary_id, 0),
			coalesce(c.paired_unit_id, 0), coalesce(c.plan_order_id, 0), c.stage, c.revision, c.determined_at
		FROM weak_cases c JOIN weak_campaigns wc ON wc.id = c.campaign_id JOIN units b ON b.id = c.branch_unit_id
		`+townshipOfSQL+` WHERE c.id = $1`, caseID).
		Scan(&c.CaseID, &c.CampaignID, &c.Year, &c.WorkflowID, &c.BranchUnitID, &c.BranchName, &c.TownshipUnitID, &c.CountyUnitID,
			&c.CountyLeader, &c.TownshipLeader, &c.FirstSecretary, &c.PairedUnit, &c.PlanOrderID, &c.Stage, &c.Revision, &c.DeterminedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return CaseStart{}, apperr.New(apperr.NotFound, "case_id", "整顿案例不存在")
	}
	return c, err
}

// CaseRow is a case as lists and the ledger show it.
type CaseRow struct {
	ID             int64            `json:"id"`
	CampaignID     int64            `json:"campaign_id"`
	Year           int              `json:"year"`
	ProposalID     int64            `json:"proposal_id"`
	WorkflowID     string           `json:"workflow_id"`
	BranchUnitID   int64            `json:"branch_unit_id"`
	BranchCode     string           `json:"branch_code"`
	BranchName     string           `json:"branch_name"`
	TownshipUnitID int64            `json:"township_unit_id"`
	TownshipName   string           `json:"township_name"`
	Reasons        []ProposalReason `json:"reasons"`
	RepeatFlag     bool             `json:"repeat_flag"`
	RepeatNote     string           `json:"repeat_note"`
	// The four ones (四个一): ids and names.
	CountyLeaderID   int64  `json:"county_leader_id"`
	CountyLeader     string `json:"county_leader"`
	TownshipLeaderID int64  `json:"township_leader_id"`
	TownshipLeader   string `json:"township_leader"`
	FirstSecretaryID int64  `json:"first_secretary_id"`
	FirstSecretary   string `json:"first_secretary"`
	PairedUnitID     int64  `json:"paired_unit_id"`
	PairedUnit       string `json:"paired_unit"`
	// Plan progress: closed and total items of the plan order, cancelled ones left out.
	PlanOrderID     int64       `json:"plan_order_id,omitempty"`
	PlanClosed      int         `json:"plan_closed"`
	PlanTotal       int         `json:"plan_total"`
	Stage           string      `json:"stage"`
	StageLabel      string      `json:"stage_label"`
	Light           light.Light `json:"light"`
	LightReason     string      `json:"light_reason"`
	ReportsReceived int         `json:"reports_received"`
	LastReportMonth string      `json:"last_report_month"`
	Score           *float64    `json:"score,omitempty"`
	Relapses        int         `json:"relapses"`
	DeterminedAt    time.Time   `json:"determined_at"`
	AcceptedAt      *time.Time  `json:"accepted_at,omitempty"`
	ClosedAt        *time.Time  `json:"closed_at,omitempty"`
	UpdatedAt       time.Time   `json:"updated_at"`
	Revision        int64       `json:"revision"`
}

const caseSelect = `SELECT c.id, c.campaign_id, wc.year, c.proposal_id, c.workflow_id, b.id, b.code, b.name,
		coalesce(tw.id, 0), coalesce(tw.name, ''), p.reasons, p.repeat_flag, p.repeat_note,
		coalesce(c.county_leader_id, 0), coalesce(cl.name, ''), coalesce(c.township_leader_id, 0), coalesce(tl.name, ''),
		coalesce(c.first_secretary_id, 0), coalesce(fs.name, ''), coalesce(c.paired_unit_id, 0), coalesce(pu.name, ''),
		coalesce(c.plan_order_id, 0), coalesce(plan.closed, 0), coalesce(plan.total, 0),
		c.stage, c.light, c.light_reason, c.reports_received, c.last_report_month, c.score::float8, c.relapses,
		c.determined_at, c.accepted_at, c.closed_at, c.updated_at, c.revision
	FROM weak_cases c
	JOIN weak_campaigns wc ON wc.id = c.campaign_id
	JOIN units cu ON cu.id = wc.unit_id
	JOIN weak_proposals p ON p.id = c.proposal_id
	JOIN units b ON b.id = c.branch_unit_id
	` + townshipOfSQL + `
	LEFT JOIN people cl ON cl.id = c.county_leader_id
	LEFT JOIN people tl ON tl.id = c.township_leader_id
	LEFT JOIN people fs ON fs.id = c.first_secretary_id
	LEFT JOIN units pu ON pu.id = c.paired_unit_id
	LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE i.state = 'closed') AS closed, count(*) AS total
		FROM items i WHERE i.order_id = c.plan_order_id AND i.state <> 'cancelled') plan ON true`

func scanCase(row pgx.Row) (CaseRow, error) {
	var c CaseRow
	var rj []byte
	if err := row.Scan(&c.ID, &c.CampaignID, &c.Year, &c.ProposalID, &c.WorkflowID, &c.BranchUnitID, &c.BranchCode, &c.BranchName,
		&c.TownshipUnitID, &c.TownshipName, &rj, &c.RepeatFlag, &c.RepeatNote,
		&c.CountyLeaderID, &c.CountyLeader, &c.TownshipLeaderID, &c.TownshipLeader,
		&c.FirstSecretaryID, &c.FirstSecretary, &c.PairedUnitID, &c.PairedUnit,
		&c.PlanOrderID, &c.PlanClosed, &c.PlanTotal,
		&c.Stage, &c.Light, &c.LightReason, &c.ReportsReceived, &c.LastReportMonth, &c.Score, &c.Relapses,
		&c.DeterminedAt, &c.AcceptedAt, &c.ClosedAt, &c.UpdatedAt, &c.Revision); err != nil {
		return c, err
	}
	c.StageLabel = StageLabel(c.Stage)
	c.Reasons = []ProposalReason{}
	if err := json.Unmarshal(rj, &c.Reasons); err != nil {
		return c, fmt.Errorf("case %d reasons: %w", c.ID, err)
	}
	return c, nil
}

// Cases lists a campaign's cases whose branch, or whose campaign's county, is in scope, by
// township and branch code.
func (s *Store) Cases(ctx context.Context, sc order.Scope, campaignID int64) (_ []CaseRow, err error) {
	defer apperr.Wrap(&err, "weak.Cases(%d)", campaignID)
	if sc, _, err = s.visibleCampaign(ctx, sc, campaignID); err != nil {
		return nil, err
	}
	return db.List(ctx, s.pool, db.Row(scanCase), caseSelect+` WHERE c.campaign_id = $4 AND `+caseVisible+`
		ORDER BY tw.code NULLS LAST, b.code, c.id`, sc.UnitID, sc.Path, sc.Subtree, campaignID)
}

// Case returns one case visible in scope and its events in order.
func (s *Store) Case(ctx context.Context, sc order.Scope, id int64) (_ CaseRow, _ []Event, err error) {
	defer apperr.Wrap(&err, "weak.Case(%d)", id)
	c, err := visibleOne(ctx, s, sc, caseSelect+` WHERE c.id = $4 AND `+caseVisible, id,
		scanCase, apperr.New(apperr.NotFound, "case_id", "整顿案例不存在或无权查看"))
	if err != nil {
		return CaseRow{}, nil, err
	}
	events, err := db.List(ctx, s.pool, pgx.RowToStructByPos[Event], `SELECT case_id, revision, at, coalesce(actor_id, 0), kind,
		from_stage, to_stage, detail FROM weak_case_events WHERE case_id = $1 ORDER BY revision`, id)
	if err != nil {
		return CaseRow{}, nil, err
	}
	return c, events, nil
}

// WorkflowInput is what starts the case's workflow.
func (c CaseStart) WorkflowInput(deployment string) weakcasemsg.Input {
	return weakcasemsg.Input{Deployment: deployment, CaseID: c.CaseID, BranchUnitID: c.BranchUnitID,
		TownshipUnitID: c.TownshipUnitID, CountyUnitID: c.CountyUnitID, DeterminedAt: c.DeterminedAt,
		Ones: weakcasemsg.FourOnes{CountyLeader: c.CountyLeader, TownshipLeader: c.TownshipLeader, FirstSecretary: c.FirstSecretary, PairedUnit: c.PairedUnit}}
}

// SetCampaignPolicy fixes how a campaign's cases are supervised; cases determined later
// start with it. The change is audited in the same transaction, as person by's.
func (s *Store) SetCampaignPolicy(ctx context.Context, campaignID int64, p weakcasemsg.Policy, by int64) error {
	if err := apperr.InvalidFields(PolicyErrors(p)); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE weak_campaigns SET policy = $2 WHERE id = $1`, campaignID, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "weak.campaign_policy", Subject: fmt.Sprintf("campaign:%d", campaignID), Detail: p})
	})
	if err != nil {
		return fmt.Errorf("weak.SetCampaignPolicy(%d): %w", campaignID, err)
	}
	return nil
}

// StartInput is what starts a case's workflow: the case as CaseForWorkflow reads it and its
// campaign's policy.
func (s *Store) StartInput(ctx context.Context, caseID int64, deployment string) (weakcasemsg.Input, error) {
	st, err := s.CaseForWorkflow(ctx, caseID)
	if err != nil {
		return weakcasemsg.Input{}, err
	}
	p, err := s.CasePolicy(ctx, caseID)
	if err != nil {
		return weakcasemsg.Input{}, err
	}
	in := st.WorkflowInput(deployment)
	in.Policy = &p
	return in, nil
}

// UnstartedCases are the cases in rectification that no workflow has written yet (revision
// 0): those whose workflow may have failed to start after Determine committed. The caller
// asks Temporal which of them have no workflow.
func (s *Store) UnstartedCases(ctx context.Context) (_ []int64, err error) {
	defer apperr.Wrap(&err, "weak.UnstartedCases")
	return db.List(ctx, s.pool, pgx.RowTo[int64], `SELECT id FROM weak_cases WHERE stage = 'rectifying' AND revision = 0 ORDER BY id`)
}

// CasePolicy is the policy of a case's campaign, or the default.
func (s *Store) CasePolicy(ctx context.Context, caseID int64) (weakcasemsg.Policy, error) {
	var p *weakcasemsg.Policy
	if err := s.pool.QueryRow(ctx, `SELECT c.policy FROM weak_campaigns c JOIN weak_cases k ON k.campaign_id = c.id WHERE k.id = $1`, caseID).Scan(&p); err != nil {
		return weakcasemsg.Policy{}, fmt.Errorf("weak.CasePolicy(%d): %w", caseID, err)
	}
	if p == nil {
		return weakcasemsg.DefaultPolicy(), nil
	}
	return *p, nil
}

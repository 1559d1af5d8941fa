package weak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/limits"
	"rectify/internal/order"
)

// Campaign is a county's yearly screening and rectification of weak and lax branches.
type Campaign struct {
	ID        int64     `json:"id"`
	UnitID    int64     `json:"unit_id"`
	UnitName  string    `json:"unit_name"`
	Year      int       `json:"year"`
	Title     string    `json:"title"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateCampaign opens the county's campaign for a year (2000–2100); a county has one
// campaign a year (Conflict on a second). An empty title becomes
// "2026年某某县软弱涣散基层党组织排查整顿".
func (s *Store) CreateCampaign(ctx context.Context, countyUnitID int64, year int, title string, by int64) (_ Campaign, err error) {
	defer apperr.Wrap(&err, "weak.CreateCampaign(%d, %d)", countyUnitID, year)
	if year < 2000 || year > 2100 {
		return Campaign{}, apperr.New(apperr.Invalid, "year", "年度应在2000年至2100年之间")
	}
	var check limits.Check
	check.Text("title", "标题", strings.TrimSpace(title), limits.MaxTitle)
	if err := check.Err(); err != nil {
		return Campaign{}, err
	}
	var kind, name string
	if err := s.pool.QueryRow(ctx, `SELECT kind, name FROM units WHERE id = $1`, countyUnitID).Scan(&kind, &name); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Campaign{}, apperr.New(apperr.NotFound, "unit", "单位不存在")
		}
		return Campaign{}, err
	}
	if kind != "county" {
		return Campaign{}, apperr.New(apperr.Invalid, "unit", "排查整顿由县（市、区）组织开展")
	}
	title = strings.TrimSpace(title)
	if title == "" {
		title = fmt.Sprintf("%d年%s软弱涣散基层党组织排查整顿", year, name)
	}
	c := Campaign{UnitID: countyUnitID, UnitName: name, Year: year, Title: title, CreatedBy: by}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO weak_campaigns (unit_id, year, title, created_by) VALUES ($1, $2, $3, $4)
			RETURNING id, created_at`, countyUnitID, year, title, by).Scan(&c.ID, &c.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "weak.campaign", Subject: fmt.Sprintf("campaign:%d", c.ID),
			Detail: map[string]any{"unit_id": countyUnitID, "year": year, "title": title}})
	})
	switch {
	case isUnique(err):
		return Campaign{}, apperr.Newf(apperr.Conflict, "year", "%s%d年的排查整顿已经创建", name, year)
	case isForeignKey(err):
		return Campaign{}, apperr.New(apperr.Invalid, "created_by", "创建人不存在")
	case err != nil:
		return Campaign{}, err
	}
	return c, nil
}

const campaignSelect = `SELECT wc.id, wc.unit_id, cu.name, wc.year, wc.title, wc.created_by, wc.created_at
	FROM weak_campaigns wc JOIN units cu ON cu.id = wc.unit_id`

func scanCampaign(row pgx.Row) (Campaign, error) {
	var c Campaign
	err := row.Scan(&c.ID, &c.UnitID, &c.UnitName, &c.Year, &c.Title, &c.CreatedBy, &c.CreatedAt)
	return c, err
}

// Campaign returns one campaign visible in scope: its county is in scope, or the scope's
// unit lies inside the county.
func (s *Store) Campaign(ctx context.Context, sc order.Scope, id int64) (_ Campaign, err error) {
	defer apperr.Wrap(&err, "weak.Campaign(%d)", id)
	return visibleOne(ctx, s, sc, campaignSelect+` WHERE wc.id = $4 AND `+campaignVisible, id,
		scanCampaign, apperr.New(apperr.NotFound, "campaign_id", "排查整顿不存在或无权查看"))
}

// Campaigns lists the campaigns visible in scope, newest year first.
func (s *Store) Campaigns(ctx context.Context, sc order.Scope) (_ []Campaign, err error) {
	defer apperr.Wrap(&err, "weak.Campaigns")
	if sc, err = s.scope(ctx, sc); err != nil {
		return nil, err
	}
	return db.List(ctx, s.pool, db.Row(scanCampaign), campaignSelect+` WHERE `+campaignVisible+` ORDER BY wc.year DESC, cu.path, wc.id`,
		sc.UnitID, sc.Path, sc.Subtree)
}

// LatestCampaign returns the id of a county unit's campaign of the latest year, and false when
// the unit has run none (a department's bulletin then has no weak-branch figures).
func (s *Store) LatestCampaign(ctx context.Context, unitID int64) (_ int64, _ bool, err error) {
	defer apperr.Wrap(&err, "weak.LatestCampaign(%d)", unitID)
	var id int64
	err = s.pool.QueryRow(ctx, `SELECT id FROM weak_campaigns WHERE unit_id = $1 ORDER BY year DESC LIMIT 1`, unitID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// AnyCampaign reports whether any campaign exists, of any unit.
func (s *Store) AnyCampaign(ctx context.Context) (_ bool, err error) {
	defer apperr.Wrap(&err, "weak.AnyCampaign")
	var exists bool
	err = s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM weak_campaigns)`).Scan(&exists)
	return exists, err
}

// ProposedReason is one reason given when proposing a branch: an id from Reasons and a note.
type ProposedReason struct {
	ReasonID int64  `json:"reason_id"`
	Note     string `json:"note"`
}

// ProposalReason is one reason as stored with the proposal, with its name at that time.
type ProposalReason struct {
	ReasonID int64  `json:"reason_id"`
	Category string `json:"category"`
	Name     string `json:"name"`
	Note     string `json:"note"`
}

// Proposal is a branch proposed in a campaign (排查) and what the county decided.
type Proposal struct {
	ID             int64            `json:"id"`
	CampaignID     int64            `json:"campaign_id"`
	BranchUnitID   int64            `json:"branch_unit_id"`
	BranchCode     string           `json:"branch_code"`
	BranchName     string           `json:"branch_name"`
	TownshipName   string           `json:"township_name"`
	ProposedBy     int64            `json:"proposed_by"`
	ProposedByName string           `json:"proposed_by_name"`
	Reasons        []ProposalReason `json:"reasons"`
	// RepeatFlag: the branch was determined weak within the last five years (RepeatNote says when).
	RepeatFlag   bool       `json:"repeat_flag"`
	RepeatNote   string     `json:"repeat_note"`
	Status       string     `json:"status"` // proposed, determined or declined
	DecisionNote string     `json:"decision_note"`
	DecidedBy    int64      `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	// CaseID is the case of a determined proposal, else 0.
	CaseID int64 `json:"case_id,omitempty"`
}

// CheckProposal is what Propose checks before reading anything: a branch and at least one
// reason are given, each within its bounds.
func CheckProposal(branchCode string, rs []ProposedReason) error {
	var c limits.Check
	if strings.TrimSpace(branchCode) == "" {
		c.Add("branch", "请选择村（社区）党组织")
	}
	if len(rs) == 0 {
		c.Add("reasons", "至少选择一项软弱涣散原因")
	}
	c.Text("branch", "党组织编码", branchCode, limits.MaxName)
	c.List("reasons", "软弱涣散原因", len(rs), limits.MaxListItems)
	for i, r := range rs {
		c.Text(fmt.Sprintf("reasons[%d].note", i), "原因说明", r.Note, limits.MaxNote)
	}
	return c.Err()
}

// Propose proposes a branch (a unit of kind branch, village or community, by code) in a
// campaign. The branch must lie inside both the proposer's subtree and the campaign's
// county; at least one reason is needed, each from Reasons(county); a branch is proposed at
// most once a campaign (Conflict). The proposal is flagged as a repeat when the branch was
// determined weak in an earlier campaign within the last five years.
func (s *Store) Propose(ctx context.Context, campaignID int64, by Actor, branchCode string, rs []ProposedReason) (_ Proposal, err error) {
	defer apperr.Wrap(&err, "weak.Propose(%d, %q)", campaignID, branchCode)
	branchCode = strings.TrimSpace(branchCode)
	if err := CheckProposal(branchCode, rs); err != nil {
		return Proposal{}, err
	}
	c, err := loadCampaign(ctx, s.pool, campaignID)
	if err != nil {
		return Proposal{}, err
	}
	path, err := actorPath(ctx, s.pool, by)
	if err != nil {
		return Proposal{}, err
	}
	if !strings.HasPrefix(path, c.unitPath) && !strings.HasPrefix(c.unitPath, path) {
		return Proposal{}, apperr.New(apperr.NotFound, "campaign_id", "排查整顿不存在或无权查看")
	}

	var branchID int64
	var branchPath, branchKind, branchName string
	err = s.pool.QueryRow(ctx, `SELECT id, path, kind, name FROM units WHERE code = $1`, branchCode).
		Scan(&branchID, &branchPath, &branchKind, &branchName)
	if errors.Is(err, pgx.ErrNoRows) {
		return Proposal{}, apperr.Newf(apperr.NotFound, "branch", "没有编码为%s的村（社区）党组织", branchCode)
	}
	if err != nil {
		return Proposal{}, err
	}
	if !slices.Contains(branchKinds, branchKind) {
		return Proposal{}, apperr.Newf(apperr.Invalid, "branch", "%s不是村（社区）党组织，不能列为软弱涣散基层党组织", branchName)
	}
	if !strings.HasPrefix(branchPath, c.unitPath) {
		return Proposal{}, apperr.Newf(apperr.Forbidden, "branch", "%s不在%s范围内", branchName, c.unitName)
	}
	if !strings.HasPrefix(branchPath, path) {
		return Proposal{}, apperr.Newf(apperr.Forbidden, "branch", "%s不在本单位管辖范围内", branchName)
	}

	known, err := reasons(ctx, s.pool, c.unitID)
	if err != nil {
		return Proposal{}, err
	}
	byID := map[int64]Reason{}
	for _, r := range known {
		byID[r.ID] = r
	}
	var problems []apperr.FieldError
	stored := make([]ProposalReason, 0, len(rs))
	seen := map[int64]bool{}
	for i, pr := range rs {
		field := fmt.Sprintf("reasons[%d].reason_id", i)
		r, ok := byID[pr.ReasonID]
		switch {
		case !ok:
			problems = append(problems, apperr.FieldError{Field: field, Message: "不是本县（市、区）认定标准中的原因"})
		case seen[pr.ReasonID]:
			problems = append(problems, apperr.FieldError{Field: field, Message: fmt.Sprintf("原因“%s”重复", r.Name)})
		default:
			seen[pr.ReasonID] = true
			stored = append(stored, ProposalReason{ReasonID: r.ID, Category: r.Category, Name: r.Name, Note: strings.TrimSpace(pr.Note)})
		}
	}
	if err := apperr.InvalidFields(problems); err != nil {
		return Proposal{}, err
	}

	years, err := repeatYears(ctx, s.pool, branchID, c.year)
	if err != nil {
		return Proposal{}, err
	}
	note := ""
	if len(years) > 0 {
		ys := make([]string, len(years))
		for i, y := range years {
			ys[i] = fmt.Sprintf("%d年", y)
		}
		note = strings.Join(ys, "、") + "曾被认定为软弱涣散党组织"
	}
	reasonsJSON, err := json.Marshal(stored)
	if err != nil {
		return Proposal{}, err
	}
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO weak_proposals (campaign_id, branch_unit_id, proposed_by, reasons, repeat_flag, repeat_note)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, campaignID, branchID, by.PersonID, reasonsJSON, len(years) > 0, note).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.PersonID, Action: "weak.propose", Subject: fmt.Sprintf("proposal:%d", id),
			Detail: map[string]any{"campaign_id": campaignID, "branch_unit_id": branchID, "reasons": stored, "repeat_flag": len(years) > 0}})
	})
	switch {
	case isUnique(err):
		return Proposal{}, apperr.Newf(apperr.Conflict, "branch", "%s已在本次排查中上报", branchName)
	case isForeignKey(err):
		return Proposal{}, apperr.New(apperr.Invalid, "proposed_by", "上报人不存在")
	case err != nil:
		return Proposal{}, err
	}
	return s.proposal(ctx, id)
}

// repeatYears are the years (in Shanghai) in which the branch was determined weak in an
// earlier campaign, from year-5 on.
func repeatYears(ctx context.Context, q querier, branchID int64, year int) ([]int, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT extract(year FROM c.determined_at AT TIME ZONE 'Asia/Shanghai')::int AS y
		FROM weak_cases c JOIN weak_campaigns wc ON wc.id = c.campaign_id
		WHERE c.branch_unit_id = $1 AND wc.year < $2
			AND extract(year FROM c.determined_at AT TIME ZONE 'Asia/Shanghai') >= $2 - 5
		ORDER BY y`, branchID, year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

const proposalSelect = `SELECT p.id, p.campaign_id, b.id, b.code, b.name, coalesce(tw.name, ''), p.proposed_by, pp.name,
		p.reasons, p.repeat_flag, p.repeat_note, p.status, p.decision_note, coalesce(p.decided_by, 0), p.decided_at, p.created_at,
		coalesce((SELECT c.id FROM weak_cases c WHERE c.proposal_id = p.id), 0)
	FROM weak_proposals p
	JOIN units b ON b.id = p.branch_unit_id
	JOIN people pp ON pp.id = p.proposed_by
	JOIN weak_campaigns wc ON wc.id = p.campaign_id
	JOIN units cu ON cu.id = wc.unit_id
	` + townshipOfSQL

func scanProposal(row pgx.Row) (Proposal, error) {
	var p Proposal
	var rj []byte
	if err := row.Scan(&p.ID, &p.CampaignID, &p.BranchUnitID, &p.BranchCode, &p.BranchName, &p.TownshipName, &p.ProposedBy,
		&p.ProposedByName, &rj, &p.RepeatFlag, &p.RepeatNote, &p.Status, &p.DecisionNote, &p.DecidedBy, &p.DecidedAt,
		&p.CreatedAt, &p.CaseID); err != nil {
		return p, err
	}
	p.Reasons = []ProposalReason{}
	if err := json.Unmarshal(rj, &p.Reasons); err != nil {
		return p, fmt.Errorf("proposal %d reasons: %w", p.ID, err)
	}
	return p, nil
}

func (s *Store) proposal(ctx context.Context, id int64) (Proposal, error) {
	return scanProposal(s.pool.QueryRow(ctx, proposalSelect+` WHERE p.id = $1`, id))
}

// Proposal returns one proposal whose branch, or whose campaign's county, is in scope.
func (s *Store) Proposal(ctx context.Context, sc order.Scope, id int64) (_ Proposal, err error) {
	defer apperr.Wrap(&err, "weak.Proposal(%d)", id)
	return visibleOne(ctx, s, sc, proposalSelect+` WHERE p.id = $4 AND `+caseVisible, id,
		scanProposal, apperr.New(apperr.NotFound, "proposal_id", "上报记录不存在或无权查看"))
}

// Proposals lists a campaign's proposals whose branch, or whose county, is in scope, by
// township and branch code.
func (s *Store) Proposals(ctx context.Context, sc order.Scope, campaignID int64) (_ []Proposal, err error) {
	defer apperr.Wrap(&err, "weak.Proposals(%d)", campaignID)
	if sc, _, err = s.visibleCampaign(ctx, sc, campaignID); err != nil {
		return nil, err
	}
	return db.List(ctx, s.pool, db.Row(scanProposal), proposalSelect+` WHERE p.campaign_id = $4 AND `+caseVisible+`
		ORDER BY tw.code NULLS LAST, b.code`, sc.UnitID, sc.Path, sc.Subtree, campaignID)
}

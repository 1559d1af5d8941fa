package weak

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
)

// FourOnes names the "four ones" (四个一) of a case as people type them: the logins of the
// county-level leader linked to the branch (县级联系领导), the township leader in charge
// (乡镇包村领导) and the first secretary (第一书记), and the code of the paired county agency
// (结对帮扶单位).
type FourOnes struct {
	CountyLeader   string `json:"county_leader"`
	TownshipLeader string `json:"township_leader"`
	FirstSecretary string `json:"first_secretary"`
	PairedUnit     string `json:"paired_unit"`
}

// Case is a case as Determine created it.
type Case struct {
	ID               int64     `json:"id"`
	CampaignID       int64     `json:"campaign_id"`
	ProposalID       int64     `json:"proposal_id"`
	BranchUnitID     int64     `json:"branch_unit_id"`
	WorkflowID       string    `json:"workflow_id"`
	Stage            string    `json:"stage"`
	CountyLeaderID   int64     `json:"county_leader_id"`
	TownshipLeaderID int64     `json:"township_leader_id"`
	FirstSecretaryID int64     `json:"first_secretary_id"`
	PairedUnitID     int64     `json:"paired_unit_id"`
	DeterminedAt     time.Time `json:"determined_at"`
	Revision         int64     `json:"revision"`
}

// pendingProposal is a proposal locked for a decision.
type pendingProposal struct {
	status               string
	branchID             int64
	branchPath           string
	campaignID, countyID int64
	countyPath           string
}

// lockProposal locks a proposal and checks that by is org staff of its campaign's county
// unit and that the proposal still waits for a decision.
func lockProposal(ctx context.Context, tx pgx.Tx, proposalID int64, by Actor) (pendingProposal, error) {
	var p pendingProposal
	var countyName string
	err := tx.QueryRow(ctx, `SELECT p.status, b.id, b.path, wc.id, wc.unit_id, cu.path, cu.name
		FROM weak_proposals p JOIN units b ON b.id = p.branch_unit_id
		JOIN weak_campaigns wc ON wc.id = p.campaign_id JOIN units cu ON cu.id = wc.unit_id
		WHERE p.id = $1 FOR UPDATE OF p`, proposalID).
		Scan(&p.status, &p.branchID, &p.branchPath, &p.campaignID, &p.countyID, &p.countyPath, &countyName)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "proposal_id", "上报记录不存在或无权查看")
	}
	if err != nil {
		return p, err
	}
	if by.UnitID != p.countyID {
		return p, apperr.New(apperr.Forbidden, "", "只有县（市、区）委组织部可以认定软弱涣散基层党组织")
	}
	if err := requireCountyStaff(ctx, tx, by, campaignInfo{id: p.campaignID, unitID: p.countyID, unitPath: p.countyPath, unitName: countyName},
		"认定软弱涣散基层党组织"); err != nil {
		return p, err
	}
	if p.status != StatusProposed {
		msg := "该党组织已被认定为软弱涣散基层党组织"
		if p.status == StatusDeclined {
			msg = "该党组织已作出不予认定的决定"
		}
		return p, apperr.New(apperr.Conflict, "status", msg)
	}
	return p, nil
}

// Determine determines a proposed branch weak and lax (认定) and opens its case. Only org
// staff of the campaign's county unit may; the proposal must
// still be proposed (Conflict otherwise). The four ones must exist: the county leader and
// the paired unit within the county, the township leader within the branch's township (its
// nearest ancestor of kind township or street), the first secretary anywhere in the county.
// In one transaction the proposal is marked determined and the case is created at stage
// rectifying, revision 0, with the workflow id that workflowID gives for the new case id.
// Events are left to the case's workflow.
//
// Determining again with the same four ones is a retry (the answer or the workflow's start
// was lost after the commit): it answers the committed case, so that the caller starts its
// workflow, which is idempotent. Other four ones are a Conflict.
func (s *Store) Determine(ctx context.Context, proposalID int64, by Actor, ones FourOnes, note string,
	workflowID func(caseID int64) string) (_ Case, err error) {
	defer apperr.Wrap(&err, "weak.Determine(%d)", proposalID)
	if workflowID == nil {
		return Case{}, errors.New("no workflow id function")
	}
	if err := checkNote(note); err != nil {
		return Case{}, err
	}
	var c Case
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		p, err := lockProposal(ctx, tx, proposalID, by)
		if err != nil && p.status == StatusDetermined && by.UnitID == p.countyID {
			committed, same, cerr := committedCase(ctx, tx, proposalID, ones)
			if cerr != nil {
				return cerr
			}
			if same {
				c = committed
				return nil
			}
		}
		if err != nil {
			return err
		}
		chk, err := newOnesCheck(ctx, tx, p.branchPath, p.countyPath)
		if err != nil {
			return err
		}
		if c.CountyLeaderID, err = chk.person(ctx, RoleCountyLeader, "login", ones.CountyLeader); err != nil {
			return err
		}
		if c.TownshipLeaderID, err = chk.person(ctx, RoleTownshipLeader, "login", ones.TownshipLeader); err != nil {
			return err
		}
		if c.FirstSecretaryID, err = chk.person(ctx, RoleFirstSecretary, "login", ones.FirstSecretary); err != nil {
			return err
		}
		if c.PairedUnitID, err = chk.unit(ctx, "code", ones.PairedUnit); err != nil {
			return err
		}
		if err := apperr.InvalidFields(chk.problems); err != nil {
			return err
		}

		if _, err := tx.Exec(ctx, `UPDATE weak_proposals SET status = 'determined', decision_note = $2, decided_by = $3, decided_at = now()
			WHERE id = $1`, proposalID, strings.TrimSpace(note), by.PersonID); err != nil {
			return err
		}
		c.CampaignID, c.ProposalID, c.BranchUnitID, c.Stage = p.campaignID, proposalID, p.branchID, StageRectifying
		if err := tx.QueryRow(ctx, `INSERT INTO weak_cases (campaign_id, proposal_id, branch_unit_id, workflow_id, stage,
				county_leader_id, township_leader_id, first_secretary_id, paired_unit_id, determined_at, revision)
			VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, now(), 0) RETURNING id, determined_at`,
			c.CampaignID, proposalID, c.BranchUnitID, c.Stage, c.CountyLeaderID, c.TownshipLeaderID, c.FirstSecretaryID, c.PairedUnitID).
			Scan(&c.ID, &c.DeterminedAt); err != nil {
			return err
		}
		c.WorkflowID = workflowID(c.ID)
		if _, err := tx.Exec(ctx, `UPDATE weak_cases SET workflow_id = $2 WHERE id = $1`, c.ID, c.WorkflowID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.PersonID, Action: "weak.determine", Subject: fmt.Sprintf("proposal:%d", proposalID),
			Detail: map[string]any{"case_id": c.ID, "campaign_id": c.CampaignID, "branch_unit_id": c.BranchUnitID, "note": strings.TrimSpace(note),
				"county_leader": c.CountyLeaderID, "township_leader": c.TownshipLeaderID, "first_secretary": c.FirstSecretaryID, "paired_unit": c.PairedUnitID}})
	})
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

// committedCase is the case a proposal's determination created, and whether ones names the
// same four ones it holds.
func committedCase(ctx context.Context, tx pgx.Tx, proposalID int64, ones FourOnes) (Case, bool, error) {
	var c Case
	var cl, tl, fs, pu string
	err := tx.QueryRow(ctx, `SELECT c.id, c.campaign_id, c.proposal_id, c.branch_unit_id, c.workflow_id, c.stage,
			coalesce(c.county_leader_id, 0), coalesce(c.township_leader_id, 0), coalesce(c.first_secretary_id, 0),
			coalesce(c.paired_unit_id, 0), c.determined_at, c.revision,
			coalesce(cl.login, ''), coalesce(tl.login, ''), coalesce(fs.login, ''), coalesce(pu.code, '')
		FROM weak_cases c
		LEFT JOIN people cl ON cl.id = c.county_leader_id LEFT JOIN people tl ON tl.id = c.township_leader_id
		LEFT JOIN people fs ON fs.id = c.first_secretary_id LEFT JOIN units pu ON pu.id = c.paired_unit_id
		WHERE c.proposal_id = $1`, proposalID).
		Scan(&c.ID, &c.CampaignID, &c.ProposalID, &c.BranchUnitID, &c.WorkflowID, &c.Stage, &c.CountyLeaderID, &c.TownshipLeaderID,
			&c.FirstSecretaryID, &c.PairedUnitID, &c.DeterminedAt, &c.Revision, &cl, &tl, &fs, &pu)
	if errors.Is(err, pgx.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, err
	}
	same := cl == strings.TrimSpace(ones.CountyLeader) && tl == strings.TrimSpace(ones.TownshipLeader) &&
		fs == strings.TrimSpace(ones.FirstSecretary) && pu == strings.TrimSpace(ones.PairedUnit)
	return c, same, nil
}

// Decline records that the county does not determine a proposed branch weak; the note
// (the reason) is required. The same rules as Determine apply to who and when.
func (s *Store) Decline(ctx context.Context, proposalID int64, by Actor, note string) (err error) {
	defer apperr.Wrap(&err, "weak.Decline(%d)", proposalID)
	note = strings.TrimSpace(note)
	if note == "" {
		return apperr.New(apperr.Invalid, "note", "请填写不予认定的理由")
	}
	if err := checkNote(note); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockProposal(ctx, tx, proposalID, by); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE weak_proposals SET status = 'declined', decision_note = $2, decided_by = $3, decided_at = now()
			WHERE id = $1`, proposalID, note, by.PersonID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.PersonID, Action: "weak.decline", Subject: fmt.Sprintf("proposal:%d", proposalID),
			Detail: map[string]any{"note": note}})
	})
}

// The roles of the four ones (四个一), as the case action assign names them.
const (
	RoleCountyLeader   = "county_leader"   // 县级联系领导
	RoleTownshipLeader = "township_leader" // 乡镇包村领导
	RoleFirstSecretary = "first_secretary" // 第一书记
	RolePairedUnit     = "paired_unit"     // 结对帮扶单位
)

// onesCheck holds the bounds the four ones must lie within, for one branch: the county
// leader, the first secretary and the paired unit within the county, the township leader
// within the branch's township (its nearest ancestor of kind township or street). Determine
// and ValidateAssignment both check through it, so an assignment obeys the same rules as
// the determination it changes.
type onesCheck struct {
	q             querier
	countyPath    string
	townshipPath  string
	townshipKnown bool
	problems      []apperr.FieldError
}

func newOnesCheck(ctx context.Context, q querier, branchPath, countyPath string) (*onesCheck, error) {
	c := &onesCheck{q: q, countyPath: countyPath}
	err := q.QueryRow(ctx, `SELECT t.path FROM units t WHERE $1 LIKE t.path || '%' AND t.kind IN ('township', 'street')
		ORDER BY length(t.path) DESC LIMIT 1`, branchPath).Scan(&c.townshipPath)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		c.townshipKnown = true
	}
	return c, nil
}

var personRoles = map[string]struct{ label, outside string }{
	RoleCountyLeader:   {"县级联系领导", "不是本县（市、区）人员"},
	RoleTownshipLeader: {"乡镇包村领导", "不是该村（社区）所在乡镇（街道）人员"},
	RoleFirstSecretary: {"第一书记", "不是本县（市、区）人员"},
}

// person checks the person found by column ("login" or "id") = ref for role; a problem is
// collected, and 0 returned, when there is none or they lie outside the role's bounds.
func (c *onesCheck) person(ctx context.Context, role, column string, ref any) (int64, error) {
	r := personRoles[role]
	if s, ok := ref.(string); ok {
		ref = strings.TrimSpace(s)
	}
	if ref == "" || ref == int64(0) {
		c.problems = append(c.problems, apperr.FieldError{Field: role, Message: "请指定" + r.label})
		return 0, nil
	}
	within := c.countyPath
	if role == RoleTownshipLeader {
		within = c.townshipPath
		if !c.townshipKnown {
			r.outside = "无法核对：该党组织不属于任何乡镇（街道）"
		}
	}
	var id int64
	var path, name string
	err := c.q.QueryRow(ctx, `SELECT p.id, u.path, p.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.`+column+` = $1`, ref).
		Scan(&id, &path, &name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		c.problems = append(c.problems, apperr.FieldError{Field: role, Message: fmt.Sprintf("%s“%v”不存在", r.label, ref)})
		return 0, nil
	case err != nil:
		return 0, err
	case within == "" || !strings.HasPrefix(path, within):
		c.problems = append(c.problems, apperr.FieldError{Field: role, Message: r.label + name + r.outside})
		return 0, nil
	}
	return id, nil
}

// unit checks the paired unit found by column ("code" or "id") = ref.
func (c *onesCheck) unit(ctx context.Context, column string, ref any) (int64, error) {
	if s, ok := ref.(string); ok {
		ref = strings.TrimSpace(s)
	}
	if ref == "" || ref == int64(0) {
		c.problems = append(c.problems, apperr.FieldError{Field: RolePairedUnit, Message: "请指定结对帮扶单位"})
		return 0, nil
	}
	var id int64
	var path, name string
	err := c.q.QueryRow(ctx, `SELECT id, path, name FROM units WHERE `+column+` = $1`, ref).Scan(&id, &path, &name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		c.problems = append(c.problems, apperr.FieldError{Field: RolePairedUnit, Message: fmt.Sprintf("结对帮扶单位“%v”不存在", ref)})
		return 0, nil
	case err != nil:
		return 0, err
	case !strings.HasPrefix(path, c.countyPath):
		c.problems = append(c.problems, apperr.FieldError{Field: RolePairedUnit, Message: "结对帮扶单位" + name + "不是本县（市、区）单位"})
		return 0, nil
	}
	return id, nil
}

// ValidateAssignment checks a change of one of a case's four ones (调整四个一) by the rules
// of Determine: role is one of the four, and assignee (a person's id, or for paired_unit a
// unit's id) exists within that role's bounds for the case's branch. Problems are Invalid,
// on the field "assignee".
func (s *Store) ValidateAssignment(ctx context.Context, caseID int64, role string, assignee int64) (err error) {
	defer apperr.Wrap(&err, "weak.ValidateAssignment(%d, %s)", caseID, role)
	var branchPath, countyPath string
	err = s.pool.QueryRow(ctx, `SELECT b.path, cu.path FROM weak_cases k JOIN units b ON b.id = k.branch_unit_id
		JOIN weak_campaigns wc ON wc.id = k.campaign_id JOIN units cu ON cu.id = wc.unit_id WHERE k.id = $1`, caseID).Scan(&branchPath, &countyPath)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.NotFound, "case_id", "整顿案例不存在或无权查看")
	}
	if err != nil {
		return err
	}
	chk, err := newOnesCheck(ctx, s.pool, branchPath, countyPath)
	if err != nil {
		return err
	}
	switch role {
	case RoleCountyLeader, RoleTownshipLeader, RoleFirstSecretary:
		_, err = chk.person(ctx, role, "id", assignee)
	case RolePairedUnit:
		_, err = chk.unit(ctx, "id", assignee)
	default:
		return apperr.New(apperr.Invalid, "role", "角色应为county_leader、township_leader、first_secretary或paired_unit")
	}
	if err != nil {
		return err
	}
	if len(chk.problems) > 0 {
		return apperr.New(apperr.Invalid, "assignee", chk.problems[0].Message)
	}
	return nil
}

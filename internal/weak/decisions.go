package weak

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
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

// lockProposal locks a proposal and checks that by is a person of its campaign's county
// unit and that the proposal still waits for a decision.
func lockProposal(ctx context.Context, tx pgx.Tx, proposalID int64, by Actor) (pendingProposal, error) {
	var p pendingProposal
	err := tx.QueryRow(ctx, `SELECT p.status, b.id, b.path, wc.id, wc.unit_id, cu.path
		FROM weak_proposals p JOIN units b ON b.id = p.branch_unit_id
		JOIN weak_campaigns wc ON wc.id = p.campaign_id JOIN units cu ON cu.id = wc.unit_id
		WHERE p.id = $1 FOR UPDATE OF p`, proposalID).
		Scan(&p.status, &p.branchID, &p.branchPath, &p.campaignID, &p.countyID, &p.countyPath)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "proposal_id", "上报记录不存在或无权查看")
	}
	if err != nil {
		return p, err
	}
	if by.UnitID != p.countyID {
		return p, apperr.New(apperr.Forbidden, "", "只有县（市、区）委组织部可以认定软弱涣散基层党组织")
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

// Determine determines a proposed branch weak and lax (认定) and opens its case. Only a
// person of the campaign's county unit may (the caller checks roles); the proposal must
// still be proposed (Conflict otherwise). The four ones must exist: the county leader and
// the paired unit within the county, the township leader within the branch's township (its
// nearest ancestor of kind township or street), the first secretary anywhere in the county.
// In one transaction the proposal is marked determined and the case is created at stage
// rectifying, revision 0, with the workflow id that workflowID gives for the new case id.
// Events are left to the case's workflow.
func (s *Store) Determine(ctx context.Context, proposalID int64, by Actor, ones FourOnes, note string,
	workflowID func(caseID int64) string) (_ Case, err error) {
	defer wrap(&err, "weak.Determine(%d)", proposalID)
	if workflowID == nil {
		return Case{}, errors.New("no workflow id function")
	}
	if err := checkNote(note); err != nil {
		return Case{}, err
	}
	var c Case
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		p, err := lockProposal(ctx, tx, proposalID, by)
		if err != nil {
			return err
		}
		var township struct {
			ok   bool
			path string
		}
		err = tx.QueryRow(ctx, `SELECT t.path FROM units t WHERE $1 LIKE t.path || '%' AND t.kind IN ('township', 'street')
			ORDER BY length(t.path) DESC LIMIT 1`, p.branchPath).Scan(&township.path)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			township.ok = true
		}

		var problems []apperr.FieldError
		var dbErr error
		person := func(field, login, within, label, outside string) int64 {
			login = strings.TrimSpace(login)
			if login == "" {
				problems = append(problems, apperr.FieldError{Field: field, Message: "请指定" + label})
				return 0
			}
			var id int64
			var path, name string
			err := tx.QueryRow(ctx, `SELECT p.id, u.path, p.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.login = $1`, login).
				Scan(&id, &path, &name)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				problems = append(problems, apperr.FieldError{Field: field, Message: label + "“" + login + "”不存在"})
				return 0
			case err != nil:
				dbErr = err
				return 0
			case within == "" || !strings.HasPrefix(path, within):
				problems = append(problems, apperr.FieldError{Field: field, Message: label + name + outside})
				return 0
			}
			return id
		}
		c.CountyLeaderID = person("county_leader", ones.CountyLeader, p.countyPath, "县级联系领导", "不是本县（市、区）人员")
		townshipOutside := "不是该村（社区）所在乡镇（街道）人员"
		if !township.ok {
			townshipOutside = "无法核对：该党组织不属于任何乡镇（街道）"
		}
		c.TownshipLeaderID = person("township_leader", ones.TownshipLeader, township.path, "乡镇包村领导", townshipOutside)
		c.FirstSecretaryID = person("first_secretary", ones.FirstSecretary, p.countyPath, "第一书记", "不是本县（市、区）人员")

		if dbErr != nil {
			return dbErr
		}
		if code := strings.TrimSpace(ones.PairedUnit); code == "" {
			problems = append(problems, apperr.FieldError{Field: "paired_unit", Message: "请指定结对帮扶单位"})
		} else {
			var path, name string
			err := tx.QueryRow(ctx, `SELECT id, path, name FROM units WHERE code = $1`, code).Scan(&c.PairedUnitID, &path, &name)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				problems = append(problems, apperr.FieldError{Field: "paired_unit", Message: "结对帮扶单位“" + code + "”不存在"})
			case err != nil:
				return err
			case !strings.HasPrefix(path, p.countyPath):
				c.PairedUnitID = 0
				problems = append(problems, apperr.FieldError{Field: "paired_unit", Message: "结对帮扶单位" + name + "不是本县（市、区）单位"})
			}
		}
		if err := apperr.InvalidFields(problems); err != nil {
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
		_, err = tx.Exec(ctx, `UPDATE weak_cases SET workflow_id = $2 WHERE id = $1`, c.ID, c.WorkflowID)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

// Decline records that the county does not determine a proposed branch weak; the note
// (the reason) is required. The same rules as Determine apply to who and when.
func (s *Store) Decline(ctx context.Context, proposalID int64, by Actor, note string) (err error) {
	defer wrap(&err, "weak.Decline(%d)", proposalID)
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
		_, err := tx.Exec(ctx, `UPDATE weak_proposals SET status = 'declined', decision_note = $2, decided_by = $3, decided_at = now()
			WHERE id = $1`, proposalID, note, by.PersonID)
		return err
	})
}

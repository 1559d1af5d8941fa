package weak

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/order"
)

// GradeRow is one branch's grade for the campaign's year.
type GradeRow struct {
	UnitID   int64  `json:"unit_id"`
	UnitCode string `json:"unit_code"`
	Unit     string `json:"unit"`
	Township string `json:"township"`
	Grade    string `json:"grade"`
	// Previous is last year's grade, "" when there is none.
	Previous string `json:"previous"`
	Basis    string `json:"basis"`
	// Move is +1 when the branch moved up since last year (晋位升级), -1 down, 0 otherwise.
	Move int `json:"move"`
}

// GradeResult is the outcome of grading a campaign's county.
type GradeResult struct {
	Year      int            `json:"year"`
	Counts    map[string]int `json:"counts"`
	MovedUp   int            `json:"moved_up"`
	MovedDown int            `json:"moved_down"`
	Rows      []GradeRow     `json:"rows"`
}

var gradeRank = map[string]int{GradeLagging: 1, GradeMiddle: 2, GradeAdvanced: 3}

// grade decides a branch's grade from its records in the campaign.
func grade(status, stage string, relapses int) (string, string) {
	switch {
	case relapses > 0:
		return GradeLagging, fmt.Sprintf("本年度被认定为软弱涣散基层党组织，验收销号后出现反弹（%d次）", relapses)
	case stage == StageRectifying:
		return GradeLagging, "本年度被认定为软弱涣散基层党组织，仍在整顿中"
	case stage == StagePrechecked:
		return GradeLagging, "本年度被认定为软弱涣散基层党组织，已初验但尚未通过县级验收"
	case stage == StageConsolidating:
		return GradeMiddle, "本年度被认定为软弱涣散基层党组织，经整顿已验收销号，处于巩固期"
	case stage == StageClosed:
		return GradeMiddle, "本年度被认定为软弱涣散基层党组织，经整顿已验收销号并结案"
	case status == StatusDeclined:
		return GradeMiddle, "本年度经排查上报，但未被认定为软弱涣散基层党组织"
	case status != "":
		return GradeMiddle, "本年度经排查上报，尚待县级认定"
	}
	return GradeAdvanced, "本年度未被排查上报为软弱涣散基层党组织"
}

// Grade grades every unit of kind branch, village or community in the campaign's county for
// the campaign's year from its records now: 后进 when its case in this campaign is still
// rectifying or prechecked, or relapsed; 中间 when its case reached consolidating or closed
// without relapse, or it was proposed but not (or not yet) determined; 先进 when it was never
// proposed this year. Grades are upserted into weak_grades and compared with last year's.
// Only org staff of the campaign's own county may grade; the grading is audited in the same
// transaction.
func (s *Store) Grade(ctx context.Context, campaignID int64, by Actor) (_ GradeResult, err error) {
	defer apperr.Wrap(&err, "weak.Grade(%d)", campaignID)
	res := GradeResult{Counts: map[string]int{GradeAdvanced: 0, GradeMiddle: 0, GradeLagging: 0}, Rows: []GradeRow{}}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := countyCampaign(ctx, tx, campaignID, by, "评定晋位升级")
		if err != nil {
			return err
		}
		res.Year = c.year
		rows, err := tx.Query(ctx, `SELECT b.id, b.code, b.name, coalesce(tw.name, ''), coalesce(p.status, ''), coalesce(c.stage, ''),
				coalesce(c.relapses, 0), coalesce(g.grade, '')
			FROM units b
			`+townshipOfSQL+`
			LEFT JOIN weak_proposals p ON p.campaign_id = $1 AND p.branch_unit_id = b.id
			LEFT JOIN weak_cases c ON c.proposal_id = p.id
			LEFT JOIN weak_grades g ON g.unit_id = b.id AND g.year = $3 - 1
			WHERE b.path LIKE $2 || '%' AND b.kind IN ('branch', 'village', 'community')
			ORDER BY tw.code NULLS LAST, b.code`, campaignID, c.unitPath, c.year)
		if err != nil {
			return err
		}
		type rec struct {
			GradeRow
			status, stage string
			relapses      int
		}
		recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rec, error) {
			var x rec
			err := r.Scan(&x.UnitID, &x.UnitCode, &x.Unit, &x.Township, &x.status, &x.stage, &x.relapses, &x.Previous)
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range recs {
			x.Grade, x.Basis = grade(x.status, x.stage, x.relapses)
			if x.Previous != "" {
				switch d := gradeRank[x.Grade] - gradeRank[x.Previous]; {
				case d > 0:
					x.Move = 1
					res.MovedUp++
				case d < 0:
					x.Move = -1
					res.MovedDown++
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO weak_grades (unit_id, year, grade, basis) VALUES ($1, $2, $3, $4)
				ON CONFLICT (unit_id, year) DO UPDATE SET grade = excluded.grade, basis = excluded.basis`,
				x.UnitID, c.year, x.Grade, x.Basis); err != nil {
				return err
			}
			res.Counts[x.Grade]++
			res.Rows = append(res.Rows, x.GradeRow)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.PersonID, Action: "weak.grade", Subject: fmt.Sprintf("campaign:%d", campaignID),
			Detail: map[string]any{"year": c.year, "counts": res.Counts, "moved_up": res.MovedUp, "moved_down": res.MovedDown}})
	})
	if err != nil {
		return GradeResult{}, err
	}
	return res, nil
}

// Figures are a campaign's headline numbers.
type Figures struct {
	CampaignID int64 `json:"campaign_id"`
	Year       int   `json:"year"`
	// Proposed counts every proposal; Pending those still waiting for a decision.
	Proposed   int `json:"proposed"`
	Pending    int `json:"pending"`
	Determined int `json:"determined"`
	Declined   int `json:"declined"`
	// InRectification: rectifying or prechecked; Accepted: consolidating or closed.
	InRectification int `json:"in_rectification"`
	Accepted        int `json:"accepted"`
	// Relapsed: cases with at least one relapse.
	Relapsed        int `json:"relapsed"`
	Closed          int `json:"closed"`
	ReportsReceived int `json:"reports_received"`
}

// Figures counts all of a campaign's proposals and cases, for the county's own bulletins.
func (s *Store) Figures(ctx context.Context, campaignID int64) (_ Figures, err error) {
	defer apperr.Wrap(&err, "weak.Figures(%d)", campaignID)
	c, err := loadCampaign(ctx, s.pool, campaignID)
	if err != nil {
		return Figures{}, err
	}
	return s.figures(ctx, c, order.Scope{UnitID: c.unitID, Path: c.unitPath, Subtree: true})
}

// FiguresInScope counts the campaign's proposals and cases whose branch, or whose county, is
// in scope: a township sees its county's campaign, but counts only its own branches.
func (s *Store) FiguresInScope(ctx context.Context, sc order.Scope, campaignID int64) (_ Figures, err error) {
	defer apperr.Wrap(&err, "weak.FiguresInScope(%d)", campaignID)
	sc, c, err := s.visibleCampaign(ctx, sc, campaignID)
	if err != nil {
		return Figures{}, err
	}
	return s.figures(ctx, c, sc)
}

func (s *Store) figures(ctx context.Context, c campaignInfo, sc order.Scope) (Figures, error) {
	f := Figures{CampaignID: c.id, Year: c.year}
	err := s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE p.status = 'proposed'),
			count(*) FILTER (WHERE p.status = 'determined'), count(*) FILTER (WHERE p.status = 'declined'),
			count(k.id) FILTER (WHERE k.stage IN ('rectifying', 'prechecked')),
			count(k.id) FILTER (WHERE k.stage IN ('consolidating', 'closed')),
			count(k.id) FILTER (WHERE k.relapses > 0),
			count(k.id) FILTER (WHERE k.stage = 'closed'),
			coalesce(sum(k.reports_received), 0)
		FROM weak_proposals p JOIN units b ON b.id = p.branch_unit_id
		JOIN weak_campaigns wc ON wc.id = p.campaign_id JOIN units cu ON cu.id = wc.unit_id
		LEFT JOIN weak_cases k ON k.proposal_id = p.id
		WHERE p.campaign_id = $4 AND `+caseVisible, sc.UnitID, sc.Path, sc.Subtree, c.id).
		Scan(&f.Proposed, &f.Pending, &f.Determined, &f.Declined, &f.InRectification, &f.Accepted, &f.Relapsed, &f.Closed, &f.ReportsReceived)
	if err != nil {
		return Figures{}, err
	}
	return f, nil
}

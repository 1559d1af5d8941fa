package weak

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/sampling"
)

// Sample is one sampling check draw (抽查).
type Sample struct {
	ID         int64   `json:"id"`
	CampaignID int64   `json:"campaign_id"`
	Round      int     `json:"round"`
	Seed       int64   `json:"seed"`
	Share      float64 `json:"share"`
	// Eligible is how many cases the draw was made from (only known right after Draw).
	Eligible int `json:"eligible,omitempty" db:"-"`
	// CaseIDs are the drawn cases in ascending order; Branches are their branches' names.
	CaseIDs     []int64   `json:"case_ids"`
	Branches    []string  `json:"branches"`
	DrawnBy     int64     `json:"drawn_by"`
	DrawnByName string    `json:"drawn_by_name"`
	DrawnAt     time.Time `json:"drawn_at"`
}

// MaxRounds bounds the rounds of sampling checks in one campaign.
const MaxRounds = 100

// Draw draws round `round` (1–MaxRounds) of the campaign's sampling checks over its cases
// that reached consolidating or closed, in id order: k = ceil(share × n) of them with share in
// (0, 1]. Only org staff of the campaign's own county may draw. The seed is drawn here from
// crypto/rand, never taken from the caller, so nobody can pick a seed that spares a branch;
// it is recorded with the draw, so anyone can redraw it with sampling.Draw. A round is drawn once:
// a second draw for the same round is a Conflict naming the round. The draw and its audit row
// are written in one transaction.
func (s *Store) Draw(ctx context.Context, campaignID int64, round int, share float64, by Actor) (_ Sample, err error) {
	defer apperr.Wrap(&err, "weak.Draw(%d, round %d)", campaignID, round)
	if round < 1 || round > MaxRounds {
		return Sample{}, apperr.Newf(apperr.Invalid, "round", "抽查轮次应为1至%d", MaxRounds)
	}
	if !sampling.ValidShare(share) {
		return Sample{}, apperr.New(apperr.Invalid, "share", "抽查比例应大于0且不超过100%")
	}
	seed, err := sampling.NewSeed()
	if err != nil {
		return Sample{}, err
	}
	var id int64
	var eligible int
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := countyCampaign(ctx, tx, campaignID, by, "抽查"); err != nil {
			return err
		}
		ids, err := db.List(ctx, tx, pgx.RowTo[int64],
			`SELECT id FROM weak_cases WHERE campaign_id = $1 AND stage IN ('consolidating', 'closed') ORDER BY id`, campaignID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.New(apperr.Conflict, "campaign_id", "尚无验收销号的整顿对象，无法抽查")
		}
		eligible = len(ids)
		drawn := sampling.Draw(ids, sampling.Size(share, len(ids)), seed)
		err = tx.QueryRow(ctx, `INSERT INTO weak_samples (campaign_id, round, seed, share, case_ids, eligible_ids, drawn_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, round) DO NOTHING RETURNING id`,
			campaignID, round, seed, share, drawn, ids, by.PersonID).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return apperr.Newf(apperr.Conflict, "round", "第%d轮抽查已经抽取，每轮只抽取一次", round)
		case isForeignKey(err):
			return apperr.New(apperr.Invalid, "drawn_by", "抽查人不存在")
		case err != nil:
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.PersonID, Action: "weak.sample", Subject: fmt.Sprintf("campaign:%d", campaignID),
			Detail: map[string]any{"sample_id": id, "round": round, "seed": seed, "share": share, "case_ids": drawn, "eligible": len(ids)}})
	})
	if err != nil {
		return Sample{}, err
	}
	out, err := s.samples(ctx, `s.id = $1`, id)
	if err != nil {
		return Sample{}, err
	}
	out[0].Eligible = eligible
	return out[0], nil
}

// Samples lists a campaign's draws, newest first.
func (s *Store) Samples(ctx context.Context, campaignID int64) (_ []Sample, err error) {
	defer apperr.Wrap(&err, "weak.Samples(%d)", campaignID)
	if _, err := loadCampaign(ctx, s.pool, campaignID); err != nil {
		return nil, err
	}
	return s.samples(ctx, `s.campaign_id = $1`, campaignID)
}

func (s *Store) samples(ctx context.Context, where string, arg int64) ([]Sample, error) {
	return db.List(ctx, s.pool, pgx.RowToStructByPos[Sample], `SELECT s.id, s.campaign_id, s.round, s.seed, s.share::float8, s.case_ids,
			coalesce((SELECT array_agg(b.name ORDER BY x.ord) FROM unnest(s.case_ids) WITH ORDINALITY x(id, ord)
				JOIN weak_cases c ON c.id = x.id JOIN units b ON b.id = c.branch_unit_id), '{}'),
			s.drawn_by, p.name, s.drawn_at
		FROM weak_samples s JOIN people p ON p.id = s.drawn_by
		WHERE `+where+` ORDER BY s.round DESC, s.id DESC`, arg)
}

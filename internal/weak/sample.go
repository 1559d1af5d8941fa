package weak

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
)

// Sample is one sampling check draw (抽查).
type Sample struct {
	ID         int64   `json:"id"`
	CampaignID int64   `json:"campaign_id"`
	Seed       int64   `json:"seed"`
	Share      float64 `json:"share"`
	// Eligible is how many cases the draw was made from (only known right after Draw).
	Eligible int `json:"eligible,omitempty"`
	// CaseIDs are the drawn cases in ascending order; Branches are their branches' names.
	CaseIDs     []int64   `json:"case_ids"`
	Branches    []string  `json:"branches"`
	DrawnBy     int64     `json:"drawn_by"`
	DrawnByName string    `json:"drawn_by_name"`
	DrawnAt     time.Time `json:"drawn_at"`
}

// SampleSize is ceil(share × n), at least 1 when n > 0 and at most n. A tiny tolerance keeps
// floating-point noise (0.3 × 10 = 3.0000000000000004) from adding a case.
func SampleSize(share float64, n int) int {
	if n <= 0 {
		return 0
	}
	k := int(math.Ceil(share*float64(n) - 1e-9))
	return max(1, min(k, n))
}

// DrawIDs draws k of ids: a Fisher–Yates shuffle (rand.Rand.Shuffle) of ids in the given
// order with math/rand/v2's PCG seeded with (seed, seed), then the first k, sorted. The same
// seed over the same ids always draws the same ids, so anyone can redraw a sample.
func DrawIDs(ids []int64, k int, seed int64) []int64 {
	ids = slices.Clone(ids)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)))
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	k = max(0, min(k, len(ids)))
	out := ids[:k]
	slices.Sort(out)
	return out
}

// Draw draws a sampling check over the campaign's cases that reached consolidating or
// closed, in id order: k = ceil(share × n) of them with share in (0, 1]. A seed of 0 draws a
// fresh seed from crypto/rand. The draw and its seed are recorded in weak_samples.
func (s *Store) Draw(ctx context.Context, campaignID int64, share float64, seed int64, by int64) (_ Sample, err error) {
	defer wrap(&err, "weak.Draw(%d)", campaignID)
	if math.IsNaN(share) || share <= 0 || share > 1 {
		return Sample{}, apperr.New(apperr.Invalid, "share", "抽查比例应大于0且不超过100%")
	}
	if _, err := loadCampaign(ctx, s.pool, campaignID); err != nil {
		return Sample{}, err
	}
	for seed == 0 {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return Sample{}, err
		}
		seed = int64(binary.LittleEndian.Uint64(b[:]) >> 1) // positive, easy to write down
	}
	rows, err := s.pool.Query(ctx, `SELECT id FROM weak_cases WHERE campaign_id = $1 AND stage IN ('consolidating', 'closed') ORDER BY id`, campaignID)
	if err != nil {
		return Sample{}, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return Sample{}, err
	}
	if len(ids) == 0 {
		return Sample{}, apperr.New(apperr.Conflict, "campaign_id", "尚无验收销号的整顿对象，无法抽查")
	}
	drawn := DrawIDs(ids, SampleSize(share, len(ids)), seed)
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO weak_samples (campaign_id, seed, share, case_ids, eligible_ids, drawn_by) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`, campaignID, seed, share, drawn, ids, by).Scan(&id)
	if isForeignKey(err) {
		return Sample{}, apperr.New(apperr.Invalid, "drawn_by", "抽查人不存在")
	}
	if err != nil {
		return Sample{}, err
	}
	out, err := s.samples(ctx, `s.id = $1`, id)
	if err != nil {
		return Sample{}, err
	}
	out[0].Eligible = len(ids)
	return out[0], nil
}

// Samples lists a campaign's draws, newest first.
func (s *Store) Samples(ctx context.Context, campaignID int64) (_ []Sample, err error) {
	defer wrap(&err, "weak.Samples(%d)", campaignID)
	if _, err := loadCampaign(ctx, s.pool, campaignID); err != nil {
		return nil, err
	}
	return s.samples(ctx, `s.campaign_id = $1`, campaignID)
}

func (s *Store) samples(ctx context.Context, where string, arg int64) ([]Sample, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.id, s.campaign_id, s.seed, s.share::float8, s.case_ids,
			coalesce((SELECT array_agg(b.name ORDER BY x.ord) FROM unnest(s.case_ids) WITH ORDINALITY x(id, ord)
				JOIN weak_cases c ON c.id = x.id JOIN units b ON b.id = c.branch_unit_id), '{}'),
			s.drawn_by, p.name, s.drawn_at
		FROM weak_samples s JOIN people p ON p.id = s.drawn_by
		WHERE `+where+` ORDER BY s.id DESC`, arg)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Sample, error) {
		var x Sample
		err := r.Scan(&x.ID, &x.CampaignID, &x.Seed, &x.Share, &x.CaseIDs, &x.Branches, &x.DrawnBy, &x.DrawnByName, &x.DrawnAt)
		return x, err
	})
	if out == nil {
		out = []Sample{}
	}
	return out, err
}

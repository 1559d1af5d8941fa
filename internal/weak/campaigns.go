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
	if sc, err = s.scope(ctx, sc); err != nil {
		return Campaign{}, err
	}
	return db.One(s.pool.QueryRow(ctx, campaignSelect+` WHERE wc.id = $4 AND `+campaignVisible,
		sc.UnitID, sc.Path, sc.Subtree, id), scanCampaign, apperr.New(apperr.NotFound, "campaign_id", "排查整顿不存在或无权查看"))
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

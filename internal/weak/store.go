// Package weak keeps the rectification of weak and lax Party branches (软弱涣散基层党组织整顿):
// the list of reasons, each county's yearly campaign, proposals (排查) and decisions (认定),
// the read model of each case that its workflow writes, sampling checks (抽查), the yearly
// grading of branches (先进/中间/后进, 晋位升级), the campaign's figures and its ledger.
//
// # Scope
//
// Reads take an order.Scope (一级抓一级). A campaign is visible when its county is in scope or
// the scope's unit lies inside the county (a township sees its county's campaign). A
// proposal or a case is visible when its branch is in scope or its campaign's county is.
//
// # Writing cases
//
// Determine creates a case at revision 0; from then on only the case's workflow writes it,
// through WriteCase, whose update is guarded by the revision so that an older write never
// overwrites a newer one, and whose events are inserted once.
package weak

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/order"
	"rectify/internal/role"
)

// Store keeps campaigns, proposals, cases, samples and grades in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore makes a store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Actor is who proposes or decides: a person at a unit. UnitPath is the unit's path such as
// /1/4/; when empty it is read from the database.
type Actor struct {
	PersonID int64  `json:"person_id"`
	UnitID   int64  `json:"unit_id"`
	UnitPath string `json:"unit_path"`
}

// Stages of a case, as weak_cases.stage holds them.
const (
	StageRectifying    = "rectifying"    // 整顿中
	StagePrechecked    = "prechecked"    // 已初验
	StageConsolidating = "consolidating" // 已验收销号（巩固期）
	StageClosed        = "closed"        // 已结案
)

// Statuses of a proposal.
const (
	StatusProposed   = "proposed"   // 已上报，待认定
	StatusDetermined = "determined" // 已认定
	StatusDeclined   = "declined"   // 未认定
)

// Grades of a branch (晋位升级).
const (
	GradeAdvanced = "先进"
	GradeMiddle   = "中间"
	GradeLagging  = "后进"
)

var stageLabels = map[string][2]string{
	StageRectifying:    {"整顿中", "Rectifying"},
	StagePrechecked:    {"已初验", "Pre-checked"},
	StageConsolidating: {"已验收销号（巩固期）", "Accepted (consolidating)"},
	StageClosed:        {"已结案", "Closed"},
}

// StageLabel is the stage as users read it, e.g. 整顿中; an unknown stage is returned as is.
func StageLabel(stage string) string {
	if l, ok := stageLabels[stage]; ok {
		return l[0]
	}
	return stage
}

// StageLabelEN is the stage in English.
func StageLabelEN(stage string) string {
	if l, ok := stageLabels[stage]; ok {
		return l[1]
	}
	return stage
}

// branchKinds are the unit kinds that can be weak and lax branches.
var branchKinds = []string{"branch", "village", "community"}

// townshipOfSQL finds the nearest ancestor (or the unit itself) of kind township or street
// of the unit aliased b.
const townshipOfSQL = `LEFT JOIN LATERAL (SELECT t.id, t.code, t.name, t.path FROM units t
		WHERE b.path LIKE t.path || '%' AND t.kind IN ('township', 'street')
		ORDER BY length(t.path) DESC LIMIT 1) tw ON true`

// unitInScope is the SQL condition "unit alias is in scope", with the scope's unit id, path
// and subtree flag as the parameters $n, $n+1 and $n+2.
func unitInScope(alias string, n int) string {
	return fmt.Sprintf("(%[1]s.id = $%[2]d OR ($%[4]d AND %[1]s.path LIKE $%[3]d || '%%'))", alias, n, n+1, n+2)
}

// campaignVisible: the campaign's county (alias cu) is in scope, or the scope's unit lies
// inside the county. Parameters $1..$3 are the scope.
var campaignVisible = "(" + unitInScope("cu", 1) + " OR $2 LIKE cu.path || '%')"

// caseVisible: the branch (alias b) or the campaign's county (alias cu) is in scope.
var caseVisible = "(" + unitInScope("b", 1) + " OR " + unitInScope("cu", 1) + ")"

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scope fills in a missing path and never lets an empty path match every unit.
func (s *Store) scope(ctx context.Context, sc order.Scope) (order.Scope, error) {
	if sc.Path == "" && sc.UnitID != 0 {
		err := s.pool.QueryRow(ctx, `SELECT path FROM units WHERE id = $1`, sc.UnitID).Scan(&sc.Path)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return sc, err
		}
	}
	if sc.Path == "" {
		sc.Subtree = false
	}
	return sc, nil
}

// visibleOne reads the row that query finds for id ($4) within scope ($1 to $3: the unit,
// its path and whether below it counts), or notFound when scope does not see it.
func visibleOne[T any](ctx context.Context, s *Store, sc order.Scope, query string, id int64,
	scan func(pgx.Row) (T, error), notFound error) (T, error) {
	sc, err := s.scope(ctx, sc)
	if err != nil {
		var zero T
		return zero, err
	}
	return db.One(s.pool.QueryRow(ctx, query, sc.UnitID, sc.Path, sc.Subtree, id), scan, notFound)
}

// actorPath is the actor's unit path, read when not given.
func actorPath(ctx context.Context, q querier, by Actor) (string, error) {
	if by.UnitPath != "" {
		return by.UnitPath, nil
	}
	var path string
	err := q.QueryRow(ctx, `SELECT path FROM units WHERE id = $1`, by.UnitID).Scan(&path)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.New(apperr.Forbidden, "unit", "操作人所在单位不存在")
	}
	return path, err
}

// campaignInfo is what the checks need about a campaign.
type campaignInfo struct {
	id, unitID int64
	unitPath   string
	unitName   string
	year       int
}

func loadCampaign(ctx context.Context, q querier, id int64) (campaignInfo, error) {
	c := campaignInfo{id: id}
	err := q.QueryRow(ctx, `SELECT wc.unit_id, cu.path, cu.name, wc.year FROM weak_campaigns wc JOIN units cu ON cu.id = wc.unit_id
		WHERE wc.id = $1`, id).Scan(&c.unitID, &c.unitPath, &c.unitName, &c.year)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "campaign_id", "排查整顿不存在或无权查看")
	}
	return c, err
}

// visibleCampaign completes the scope (see scope), loads a campaign and checks that it is
// visible in the scope.
func (s *Store) visibleCampaign(ctx context.Context, sc order.Scope, id int64) (order.Scope, campaignInfo, error) {
	sc, err := s.scope(ctx, sc)
	if err != nil {
		return sc, campaignInfo{}, err
	}
	c, err := loadCampaign(ctx, s.pool, id)
	if err != nil {
		return sc, c, err
	}
	inScope := c.unitID == sc.UnitID || (sc.Subtree && sc.Path != "" && strings.HasPrefix(c.unitPath, sc.Path)) ||
		(sc.Path != "" && strings.HasPrefix(sc.Path, c.unitPath))
	if !inScope {
		return sc, c, apperr.New(apperr.NotFound, "campaign_id", "排查整顿不存在或无权查看")
	}
	return sc, c, nil
}

// RequireCountyStaff checks that by is org staff of the campaign's own county unit.
func (s *Store) RequireCountyStaff(ctx context.Context, campaignID int64, by Actor, what string) error {
	_, err := countyCampaign(ctx, s.pool, campaignID, by, what)
	return err
}

// countyCampaign loads a campaign for by to act in, who must be org staff of its county.
func countyCampaign(ctx context.Context, q querier, campaignID int64, by Actor, what string) (campaignInfo, error) {
	c, err := loadCampaign(ctx, q, campaignID)
	if err != nil {
		return c, err
	}
	return c, requireCountyStaff(ctx, q, by, c, what)
}

// requireCountyStaff checks, from the database, that by is org staff (组织部门干部) of the
// campaign's own county unit: only they decide, sample and grade in its campaign; staff of
// the city above see the campaign but act in their own.
func requireCountyStaff(ctx context.Context, q querier, by Actor, c campaignInfo, what string) error {
	var ok bool
	err := q.QueryRow(ctx, `SELECT unit_id = $2 AND $3 = ANY(roles) FROM people WHERE id = $1`, by.PersonID, c.unitID, role.OrgStaff).Scan(&ok)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if !ok {
		return apperr.Newf(apperr.Forbidden, "actor", "只有%s组织部门干部可以%s", c.unitName, what)
	}
	return nil
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUnique(err error) bool     { return pgCode(err) == "23505" }
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

package weak

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/db"
	"rectify/internal/limits"
)

// Reason is one reason a branch may be weak and lax, as a county sees the list.
type Reason struct {
	ID       int64  `json:"id"`
	UnitID   int64  `json:"unit_id,omitempty"` // 0 for a system default
	Category string `json:"category"`
	Name     string `json:"name"`
	// Default is true for a row that ships with the system.
	Default bool `json:"default"`
}

// ReasonInput is one of a department's own rows. A row named like a system default (or like
// a row of a department above) replaces it for the department's subtree; with Active false
// it hides it.
type ReasonInput struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Active   bool   `json:"active"`
}

// effectiveReasonsSQL: for each name, the row of the deepest unit on $1's path (the unit
// itself, then its ancestors), else the system default; only active rows are listed.
const effectiveReasonsSQL = `WITH chain AS (
		SELECT a.id, length(a.path) AS depth FROM units c JOIN units a ON c.path LIKE a.path || '%' WHERE c.id = $1
	), cand AS (
		SELECT r.id, r.unit_id, r.category, r.name, r.active, coalesce(ch.depth, 0) AS depth
		FROM weak_reasons r LEFT JOIN chain ch ON ch.id = r.unit_id
		WHERE r.unit_id IS NULL OR ch.id IS NOT NULL
	), best AS (
		SELECT DISTINCT ON (name) * FROM cand ORDER BY name, depth DESC
	)
	SELECT id, coalesce(unit_id, 0), category, name FROM best WHERE active ORDER BY unit_id IS NOT NULL, id`

// Reasons is the list of reasons in force for a county: the system defaults plus the
// county's own rows (and those of departments above it), where an own row with a default's
// name replaces the default, or hides it when inactive.
func (s *Store) Reasons(ctx context.Context, countyUnitID int64) (_ []Reason, err error) {
	defer apperr.Wrap(&err, "weak.Reasons(%d)", countyUnitID)
	return reasons(ctx, s.pool, countyUnitID)
}

func reasons(ctx context.Context, q querier, unitID int64) ([]Reason, error) {
	var one int
	if err := q.QueryRow(ctx, `SELECT 1 FROM units WHERE id = $1`, unitID).Scan(&one); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "unit", "单位不存在")
		}
		return nil, err
	}
	return db.List(ctx, q, func(r pgx.CollectableRow) (Reason, error) {
		var x Reason
		err := r.Scan(&x.ID, &x.UnitID, &x.Category, &x.Name)
		x.Default = x.UnitID == 0
		return x, err
	}, effectiveReasonsSQL, unitID)
}

// OwnReasons is the department's own rows, hidden defaults included, as SetReasons takes them.
func (s *Store) OwnReasons(ctx context.Context, unitID int64) (_ []ReasonInput, err error) {
	defer apperr.Wrap(&err, "weak.OwnReasons(%d)", unitID)
	return db.List(ctx, s.pool, pgx.RowToStructByPos[ReasonInput],
		`SELECT category, name, active FROM weak_reasons WHERE unit_id = $1 ORDER BY id`, unitID)
}

// CheckReasons is what SetReasons checks before writing: names non-empty, distinct and
// bounded, an active row with a category. It returns the rows trimmed.
func CheckReasons(rs []ReasonInput) ([]ReasonInput, error) {
	var check limits.Check
	check.List("reasons", "软弱涣散原因", len(rs), limits.MaxListItems)
	if err := check.Err(); err != nil {
		return nil, err
	}
	var problems []apperr.FieldError
	seen := map[string]int{}
	clean := make([]ReasonInput, len(rs))
	for i, r := range rs {
		r.Name, r.Category = strings.TrimSpace(r.Name), strings.TrimSpace(r.Category)
		clean[i] = r
		field := fmt.Sprintf("reasons[%d]", i)
		var sizes limits.Check
		sizes.Text(field+".name", "原因名称", r.Name, limits.MaxName)
		sizes.Text(field+".category", "原因类别", r.Category, limits.MaxName)
		problems = append(problems, sizes.Errs...)
		switch {
		case r.Name == "":
			problems = append(problems, apperr.FieldError{Field: field + ".name", Message: "原因名称不能为空"})
		case seen[r.Name] > 0:
			problems = append(problems, apperr.FieldError{Field: field + ".name",
				Message: fmt.Sprintf("原因“%s”与第%d条重复", r.Name, seen[r.Name])})
		default:
			seen[r.Name] = i + 1
		}
		if r.Active && r.Category == "" {
			problems = append(problems, apperr.FieldError{Field: field + ".category", Message: "启用的原因须填写类别"})
		}
	}
	if err := apperr.InvalidFields(problems); err != nil {
		return nil, err
	}
	return clean, nil
}

// SetReasons replaces the department's own rows with rs. Names must be non-empty and
// distinct; an active row needs a category. Rows are matched by name, so a kept row keeps
// its id.
func (s *Store) SetReasons(ctx context.Context, unitID int64, rs []ReasonInput, by int64) (err error) {
	defer apperr.Wrap(&err, "weak.SetReasons(%d)", unitID)
	clean, err := CheckReasons(rs)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM units WHERE id = $1 FOR UPDATE`, unitID).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.New(apperr.NotFound, "unit", "单位不存在")
			}
			return err
		}
		names := make([]string, len(clean))
		for i, r := range clean {
			names[i] = r.Name
		}
		if _, err := tx.Exec(ctx, `DELETE FROM weak_reasons WHERE unit_id = $1 AND NOT (name = ANY($2))`, unitID, names); err != nil {
			return err
		}
		for _, r := range clean {
			if _, err := tx.Exec(ctx, `INSERT INTO weak_reasons (unit_id, category, name, active) VALUES ($1, $2, $3, $4)
				ON CONFLICT (unit_id, name) DO UPDATE SET category = excluded.category, active = excluded.active`,
				unitID, r.Category, r.Name, r.Active); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "weak.reasons", Subject: fmt.Sprintf("unit:%d", unitID),
			Detail: map[string]any{"reasons": clean}})
	})
}

// Package holidays keeps the holiday tables in force: the embedded years, years given as
// files in the configuration, and years uploaded by staff at run time, newest winning.
package holidays

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/audit"
	"rectify/internal/calendar"
	"rectify/internal/db"
	"rectify/internal/role"
)

// Store reads and saves holiday years.
type Store struct {
	pool *pgxpool.Pool
	base *calendar.Calendar
}

// NewStore starts from the embedded calendar plus the year files named in files
// (comma-separated paths, as in RECTIFY_HOLIDAY_FILES).
func NewStore(pool *pgxpool.Pool, files string) (*Store, error) {
	base := calendar.Default()
	for _, p := range strings.Split(files, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("holidays: %w", err)
		}
		y, err := calendar.ParseYear(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("holidays: %s: %w", p, err)
		}
		if base, err = base.With(y); err != nil {
			return nil, fmt.Errorf("holidays: %s: %w", p, err)
		}
	}
	return &Store{pool: pool, base: base}, nil
}

// Current is the calendar in force: the newest uploaded version of each year over the
// configured ones. A store without a database has only the configured ones.
func (s *Store) Current(ctx context.Context) (*calendar.Calendar, error) {
	if s.pool == nil {
		return s.base, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (year) data FROM holiday_versions ORDER BY year, version DESC`)
	if err != nil {
		return nil, fmt.Errorf("holidays.Current: %w", err)
	}
	years, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Year, error) {
		var y calendar.Year
		var b []byte
		if err := r.Scan(&b); err != nil {
			return y, err
		}
		return y, json.Unmarshal(b, &y)
	})
	if err != nil {
		return nil, fmt.Errorf("holidays.Current: %w", err)
	}
	c := s.base
	for _, y := range years {
		if c, err = c.With(y); err != nil {
			return nil, fmt.Errorf("holidays.Current: %d: %w", y.Year, err)
		}
	}
	return c, nil
}

// Version is one upload of a year's holiday table; the newest version of a year is in force.
type Version struct {
	Year    int `json:"year"`
	Version int `json:"version"`
	Days    int `json:"days"`
	// UploadedBy is the person who uploaded it; 0 (with an empty name) is the system.
	UploadedBy     int64     `json:"uploaded_by"`
	UploadedByName string    `json:"uploaded_by_name"`
	UploadedAt     time.Time `json:"uploaded_at"`
}

const versionColumns = `v.year, v.version, jsonb_array_length(coalesce(v.data->'days', '[]')), coalesce(v.uploaded_by, 0), coalesce(p.name, ''), v.uploaded_at
	FROM holiday_versions v LEFT JOIN people p ON p.id = v.uploaded_by`

// InForce lists the uploaded version in force of each year, by year.
func (s *Store) InForce(ctx context.Context) ([]Version, error) {
	if s.pool == nil {
		return []Version{}, nil
	}
	out, err := db.List(ctx, s.pool, pgx.RowToStructByPos[Version], `SELECT DISTINCT ON (v.year) `+versionColumns+` ORDER BY v.year, v.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("holidays.InForce: %w", err)
	}
	return out, nil
}

// History lists every version of a year's table, newest first.
func (s *Store) History(ctx context.Context, year int) ([]Version, error) {
	out, err := db.List(ctx, s.pool, pgx.RowToStructByPos[Version], `SELECT `+versionColumns+` WHERE v.year = $1 ORDER BY v.version DESC`, year)
	if err != nil {
		return nil, fmt.Errorf("holidays.History(%d): %w", year, err)
	}
	return out, nil
}

// Upload validates a year in the holiday-cn shape and keeps it as the year's next version,
// on behalf of person by. The holiday table moves every working-day deadline of every
// unit, so only administrators of the top of the organization tree (org staff of a unit
// with no parent) may upload; anyone else is Forbidden. The version and its audit row are
// written in one transaction.
func (s *Store) Upload(ctx context.Context, data []byte, by int64) (Version, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT $2 = ANY(p.roles) AND u.parent_id IS NULL
		FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1`, by, role.OrgStaff).Scan(&ok)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Version{}, fmt.Errorf("holidays.Upload: %w", err)
	}
	if !ok {
		return Version{}, apperr.New(apperr.Forbidden, "actor", "只有最上级单位的组织部门干部可以导入节假日安排")
	}
	return s.upload(ctx, data, by)
}

// UploadSystem keeps a year as its next version on behalf of the system (configuration,
// tests, benchmarks), with no person named.
func (s *Store) UploadSystem(ctx context.Context, data []byte) (Version, error) {
	return s.upload(ctx, data, 0)
}

func (s *Store) upload(ctx context.Context, data []byte, by int64) (Version, error) {
	y, err := calendar.ParseYear(strings.NewReader(string(data)))
	if err != nil {
		var pe *calendar.ParseError
		if errors.As(err, &pe) {
			return Version{}, apperr.New(apperr.Invalid, pe.Field, pe.Message)
		}
		return Version{}, apperr.New(apperr.Invalid, "body", err.Error())
	}
	b, err := json.Marshal(y)
	if err != nil {
		return Version{}, fmt.Errorf("holidays.Upload: %w", err)
	}
	v := Version{Year: y.Year, Days: len(y.Days), UploadedBy: by}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One upload of a year at a time, so that versions count up without gaps.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rectify.holidays'), $1::int)`, y.Year); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO holiday_versions (year, version, data, uploaded_by)
			SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM holiday_versions WHERE year = $1
			RETURNING version, uploaded_at, coalesce((SELECT name FROM people WHERE id = $3), '')`,
			y.Year, b, nullPerson(by)).Scan(&v.Version, &v.UploadedAt, &v.UploadedByName); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by, Action: "calendar.upload", Subject: fmt.Sprintf("year:%d", y.Year),
			Detail: map[string]any{"version": v.Version, "days": v.Days}})
	})
	if err != nil {
		return Version{}, fmt.Errorf("holidays.Upload(%d): %w", y.Year, err)
	}
	return v, nil
}

func nullPerson(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

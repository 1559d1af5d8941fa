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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
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

// Current is the calendar in force: uploaded years over the configured ones. A store
// without a database has only the configured ones.
func (s *Store) Current(ctx context.Context) (*calendar.Calendar, error) {
	if s.pool == nil {
		return s.base, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT data FROM holiday_years ORDER BY year`)
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

// Upload validates a year in the holiday-cn shape and stores it, replacing that year.
func (s *Store) Upload(ctx context.Context, data []byte, by int64) (calendar.Year, error) {
	y, err := calendar.ParseYear(strings.NewReader(string(data)))
	if err != nil {
		var pe *calendar.ParseError
		if errors.As(err, &pe) {
			return y, apperr.New(apperr.Invalid, pe.Field, pe.Message)
		}
		return y, apperr.New(apperr.Invalid, "body", err.Error())
	}
	b, err := json.Marshal(y)
	if err != nil {
		return y, fmt.Errorf("holidays.Upload: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO holiday_years (year, data, uploaded_by) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET data = excluded.data, uploaded_by = excluded.uploaded_by, uploaded_at = now()`,
		y.Year, b, nullPerson(by)); err != nil {
		return y, fmt.Errorf("holidays.Upload(%d): %w", y.Year, err)
	}
	return y, nil
}

func nullPerson(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

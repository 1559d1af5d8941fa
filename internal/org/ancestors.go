package org

import (
	"context"

	"rectify/internal/apperr"
)

// Ancestors lists a unit and every unit above it, from the root down (ordered by path), for
// the way back up from a unit a reader has drilled down to.
func (s *Store) Ancestors(ctx context.Context, unitID int64) (_ []Unit, err error) {
	defer apperr.Wrap(&err, "org.Ancestors %d", unitID)
	us, err := s.units(ctx, `SELECT `+unitColumns+` FROM units
		WHERE (SELECT path FROM units WHERE id = $1) LIKE path || '%' ORDER BY path`, unitID)
	if err == nil && len(us) == 0 {
		err = unitNotFound("id", "单位（编号%d）不存在", unitID)
	}
	if err != nil {
		return nil, err
	}
	return us, nil
}

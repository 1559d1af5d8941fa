package org

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/role"
)

// Store reads and writes units and people.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore makes a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

const unitColumns = `id, code, name, kind, COALESCE(parent_id, 0), path`

const personColumns = `id, login, name, unit_id, roles, position, email, mobile, password_hash`

func scanUnit(row pgx.Row) (Unit, error) {
	var u Unit
	err := row.Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.ParentID, &u.Path)
	return u, err
}

func scanPerson(row pgx.Row) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.Login, &p.Name, &p.UnitID, &p.Roles, &p.Position, &p.Email, &p.Mobile, &p.PasswordHash)
	return p, err
}

func (s *Store) units(ctx context.Context, sql string, args ...any) ([]Unit, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unit, error) { return scanUnit(r) })
}

func (s *Store) people(ctx context.Context, sql string, args ...any) ([]Person, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) { return scanPerson(r) })
}

func unitNotFound(field, format string, arg any) error {
	return apperr.Newf(apperr.NotFound, field, format, arg)
}

// UnitByCode finds a unit by its code.
func (s *Store) UnitByCode(ctx context.Context, code string) (_ Unit, err error) {
	defer apperr.Wrap(&err, "org.UnitByCode %q", code)
	return db.One(s.pool.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE code = $1`, code), scanUnit,
		unitNotFound("code", "单位“%s”不存在", code))
}

// UnitByID finds a unit by its id.
func (s *Store) UnitByID(ctx context.Context, id int64) (_ Unit, err error) {
	defer apperr.Wrap(&err, "org.UnitByID %d", id)
	return db.One(s.pool.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, id), scanUnit,
		unitNotFound("id", "单位（编号%d）不存在", id))
}

// PersonByLogin finds a person by login.
func (s *Store) PersonByLogin(ctx context.Context, login string) (_ Person, err error) {
	defer apperr.Wrap(&err, "org.PersonByLogin %q", login)
	return db.One(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE login = $1`, login), scanPerson,
		apperr.Newf(apperr.NotFound, "login", "用户“%s”不存在", login))
}

// PersonByID finds a person by id.
func (s *Store) PersonByID(ctx context.Context, id int64) (_ Person, err error) {
	defer apperr.Wrap(&err, "org.PersonByID %d", id)
	return db.One(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1`, id), scanPerson,
		apperr.Newf(apperr.NotFound, "id", "人员（编号%d）不存在", id))
}

// requireUnit returns NotFound when no unit has id, so that listing a missing unit is not
// mistaken for listing an empty one.
func (s *Store) requireUnit(ctx context.Context, id int64) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return unitNotFound("id", "单位（编号%d）不存在", id)
	}
	return nil
}

// atUnit is a list read of what lies at a unit; an empty one is NotFound when the unit
// itself is missing.
func atUnit[T any](ctx context.Context, s *Store, unitID int64, list []T, err error) ([]T, error) {
	if err == nil && len(list) == 0 {
		err = s.requireUnit(ctx, unitID)
	}
	if err != nil {
		return nil, err
	}
	return list, nil
}

// PeopleAt lists the people of one unit (not of its subtree) in the order they were created.
func (s *Store) PeopleAt(ctx context.Context, unitID int64) (_ []Person, err error) {
	defer apperr.Wrap(&err, "org.PeopleAt %d", unitID)
	ps, err := s.people(ctx, `SELECT `+personColumns+` FROM people WHERE unit_id = $1 ORDER BY id`, unitID)
	return atUnit(ctx, s, unitID, ps, err)
}

// PersonAtWithPosition finds the person of a unit holding a position (职务), such as
// "党委书记". When several hold it, the one created first is returned.
func (s *Store) PersonAtWithPosition(ctx context.Context, unitID int64, position string) (_ Person, err error) {
	defer apperr.Wrap(&err, "org.PersonAtWithPosition %d %q", unitID, position)
	return db.One(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM people
		WHERE unit_id = $1 AND position = $2 ORDER BY id LIMIT 1`, unitID, position), scanPerson,
		apperr.Newf(apperr.NotFound, "position", "单位（编号%d）没有职务为“%s”的人员", unitID, position))
}

// Children lists the units directly below a unit in the order they were created.
func (s *Store) Children(ctx context.Context, unitID int64) (_ []Unit, err error) {
	defer apperr.Wrap(&err, "org.Children %d", unitID)
	us, err := s.units(ctx, `SELECT `+unitColumns+` FROM units WHERE parent_id = $1 ORDER BY id`, unitID)
	return atUnit(ctx, s, unitID, us, err)
}

// Subtree lists a unit and every unit below it, each after its parent (ordered by path).
func (s *Store) Subtree(ctx context.Context, unitID int64) ([]Unit, error) {
	us, err := s.units(ctx, `SELECT `+unitColumns+` FROM units
		WHERE path LIKE (SELECT path FROM units WHERE id = $1) || '%' ORDER BY path`, unitID)
	if err == nil && len(us) == 0 {
		err = unitNotFound("id", "单位（编号%d）不存在", unitID)
	}
	if err != nil {
		return nil, fmt.Errorf("org.Subtree %d: %w", unitID, err)
	}
	return us, nil
}

// InSubtree reports whether unitID is ancestorID or below it (一级抓一级 scope checks).
// Either unit missing is NotFound.
func (s *Store) InSubtree(ctx context.Context, ancestorID, unitID int64) (bool, error) {
	var in bool
	err := s.pool.QueryRow(ctx, `SELECT u.path LIKE a.path || '%' FROM units a, units u
		WHERE a.id = $1 AND u.id = $2`, ancestorID, unitID).Scan(&in)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.requireUnit(ctx, ancestorID)
		if err == nil {
			err = unitNotFound("id", "单位（编号%d）不存在", unitID)
		}
	}
	if err != nil {
		return false, fmt.Errorf("org.InSubtree %d %d: %w", ancestorID, unitID, err)
	}
	return in, nil
}

// Contact is how a person is reached: the name a message greets and the channels it goes by.
// Its fields match notify.Recipient, so a contact converts to one.
type Contact struct {
	PersonID int64  `db:"id"`
	Name     string `db:"name"`
	Email    string `db:"email"`
	Mobile   string `db:"mobile"`
}

func (s *Store) contacts(ctx context.Context, sql string, args ...any) ([]Contact, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Contact])
}

// Contacts returns the contacts of the people with the given ids, by id; ids no one has are
// left out.
func (s *Store) Contacts(ctx context.Context, ids []int64) ([]Contact, error) {
	cs, err := s.contacts(ctx, `SELECT id, name, email, mobile FROM people WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("org.Contacts(%d ids): %w", len(ids), err)
	}
	return cs, nil
}

// StaffAndLeaders returns the contacts of a unit's organization staff and leaders (not of
// its subtree), by id: who receives the unit's bulletins.
func (s *Store) StaffAndLeaders(ctx context.Context, unitID int64) ([]Contact, error) {
	cs, err := s.contacts(ctx, `SELECT id, name, email, mobile FROM people
		WHERE unit_id = $1 AND roles && $2 ORDER BY id`, unitID, []role.Role{role.OrgStaff, role.Leader})
	if err != nil {
		return nil, fmt.Errorf("org.StaffAndLeaders %d: %w", unitID, err)
	}
	return cs, nil
}

package order

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
)

// TargetUnit is a unit an issuer may send an order to (责任单位), with the people there:
// what a new-order form offers, so that nobody types a unit code or a person's name.
type TargetUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Below is the code of the unit directly below the issuer that this one lies in (its
	// own code when it is directly below), so that a form can group a township's branches
	// under the township.
	Below  string       `json:"below"`
	People []UnitPerson `json:"people"`
}

// UnitPerson is someone at a target unit, as a responsibility may name them.
type UnitPerson struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Position string `json:"position,omitempty"`
}

// TargetUnits lists the units below an issuer that have people (a unit nobody works at
// would hold items nobody can act on), each after its parent, with their people in the
// order they were created.
func (s *Store) TargetUnits(ctx context.Context, issuerUnitID int64) (_ []TargetUnit, err error) {
	defer apperr.Wrap(&err, "order.TargetUnits(%d)", issuerUnitID)
	var units []TargetUnit
	err = s.readOnly(ctx, func(tx pgx.Tx) error {
		at := map[int64]int{}
		rows, err := tx.Query(ctx, `SELECT u.id, u.code, u.name, u.kind, b.code
			FROM units i JOIN units u ON u.path LIKE i.path || '%' AND u.id <> i.id
			JOIN units b ON b.parent_id = i.id AND u.path LIKE b.path || '%'
			WHERE i.id = $1 AND EXISTS (SELECT 1 FROM people p WHERE p.unit_id = u.id)
			ORDER BY u.path`, issuerUnitID)
		if err != nil {
			return err
		}
		var id int64
		var u TargetUnit
		if _, err := pgx.ForEachRow(rows, []any{&id, &u.Code, &u.Name, &u.Kind, &u.Below}, func() error {
			at[id] = len(units)
			units = append(units, u)
			return nil
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT p.unit_id, p.login, p.name, p.position FROM people p
			JOIN units u ON u.id = p.unit_id JOIN units i ON u.path LIKE i.path || '%' AND u.id <> i.id
			WHERE i.id = $1 ORDER BY p.id`, issuerUnitID)
		if err != nil {
			return err
		}
		var p UnitPerson
		_, err = pgx.ForEachRow(rows, []any{&id, &p.Login, &p.Name, &p.Position}, func() error {
			if i, ok := at[id]; ok {
				units[i].People = append(units[i].People, p)
			}
			return nil
		})
		return err
	})
	return units, err
}

package order

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"rectify/internal/apperr"

	"github.com/jackc/pgx/v5"
)

// NameResolver matches the names people write in spreadsheets — unit names, person names,
// positions such as 书记 — to units and people in the issuer's subtree.
type NameResolver struct {
	dir     *directory
	byName  map[string][]unitInfo
	people  map[string][]personInfo // by name
	posts   map[string]bool         // positions held by anyone in the subtree
	unitOf  map[int64]string        // unit id -> code
	codeIDs map[string]int64
}

// NameResolver loads the issuer's subtree for matching names.
func (s *Store) NameResolver(ctx context.Context, issuerUnitID int64) (_ *NameResolver, err error) {
	defer apperr.Wrap(&err, "order.NameResolver(%d)", issuerUnitID)
	r := &NameResolver{byName: map[string][]unitInfo{}, people: map[string][]personInfo{}, posts: map[string]bool{},
		unitOf: map[int64]string{}, codeIDs: map[string]int64{}}
	err = s.readOnly(ctx, func(tx pgx.Tx) error {
		dir, err := s.loadDirectory(ctx, tx, issuerUnitID)
		if err != nil {
			return err
		}
		r.dir = dir
		for _, u := range dir.units {
			r.byName[u.Name] = append(r.byName[u.Name], u)
			r.unitOf[u.ID], r.codeIDs[u.Code] = u.Code, u.ID
		}
		rows, err := tx.Query(ctx, `SELECT p.id, p.login, p.unit_id, p.position, p.name FROM people p JOIN units u ON u.id = p.unit_id
			WHERE u.path LIKE $1 || '%' ORDER BY p.id`, dir.issuer.Path)
		if err != nil {
			return err
		}
		var p personInfo
		var name string
		_, err = pgx.ForEachRow(rows, []any{&p.ID, &p.Login, &p.UnitID, &p.Position, &name}, func() error {
			r.people[name] = append(r.people[name], p)
			if p.Position != "" {
				r.posts[p.Position] = true
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func clean(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u3000", " ")), "")
}

// Unit finds a unit by its name, or its code, within the subtree.
func (r *NameResolver) Unit(name string) (string, string, bool) {
	n := clean(name)
	if u, ok := r.dir.units[n]; ok {
		return u.Code, "", true
	}
	us := r.byName[n]
	switch len(us) {
	case 0:
		return "", "单位“" + name + "”不存在或不在本单位管辖范围内", false
	case 1:
		return us[0].Code, "", true
	}
	codes := make([]string, len(us))
	for i, u := range us {
		codes[i] = u.Code
	}
	slices.Sort(codes)
	return "", fmt.Sprintf("单位名称“%s”对应多个单位（编码%s），请改填编码", name, strings.Join(codes, "、")), false
}

// Person finds who a person column means for a unit: a position held at that unit (书记)
// stays a position so that each target's holder is found; otherwise a person's name, which
// must be unique in the subtree or unique within the unit.
func (r *NameResolver) Person(name, unitCode string) (PersonRef, string, bool) {
	n := clean(name)
	if n == "" {
		return PersonRef{}, "", true
	}
	unitID := r.codeIDs[unitCode]
	if _, ok := r.dir.byPosition[[2]string{fmt.Sprint(unitID), n}]; ok {
		return PersonRef{Position: n}, "", true
	}
	ps := r.people[n]
	var here []personInfo
	for _, p := range ps {
		if p.UnitID == unitID {
			here = append(here, p)
		}
	}
	switch {
	case len(here) == 1:
		return PersonRef{Login: here[0].Login}, "", true
	case len(ps) == 1:
		return PersonRef{Login: ps[0].Login}, "", true
	case len(ps) > 1:
		return PersonRef{}, "“" + name + "”有多名同名人员，无法确定是哪一位", false
	case r.posts[n]:
		return PersonRef{}, "岗位“" + name + "”在该单位无人任职", false
	}
	return PersonRef{}, "人员“" + name + "”不存在或不在本单位管辖范围内", false
}

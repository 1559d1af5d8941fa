package org

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/password"
)

// LoadResult counts what Load wrote. A record matching a stored unit or person counts as
// updated even when nothing in it changed.
type LoadResult struct {
	UnitsCreated  int
	UnitsUpdated  int
	PeopleCreated int
	PeopleUpdated int
}

// Load validates t against itself and the database and writes it in one transaction:
// units upserted by code, in parent-before-child order, with paths kept right (moving a
// unit rewrites its subtree's paths), then people upserted by login. Every problem is
// reported at once as an apperr.Invalid error with Fields, and then nothing is written.
// Loads are serialized with an advisory lock so that two loads never interleave.
func (s *Store) Load(ctx context.Context, t Tree) (LoadResult, error) {
	var res LoadResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rectify.org.load'))`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		snap, err := readSnapshot(ctx, tx, t)
		if err != nil {
			return err
		}
		p, problems := check(t, snap)
		if len(problems) > 0 {
			return apperr.InvalidFields(problems)
		}
		hashes, err := hashPasswords(ctx, p.people)
		if err != nil {
			return err
		}
		res, err = write(ctx, tx, p, snap, hashes)
		return err
	})
	if err != nil {
		return LoadResult{}, fmt.Errorf("org.Load: %w", err)
	}
	return res, nil
}

// readSnapshot reads the stored units the file names (as units, parents or people's
// units) together with all their ancestors.
func readSnapshot(ctx context.Context, tx pgx.Tx, t Tree) (snapshot, error) {
	codeSet := map[string]bool{}
	for _, u := range t.Units {
		codeSet[strings.TrimSpace(u.Code)] = true
		codeSet[strings.TrimSpace(u.Parent)] = true
	}
	for _, p := range t.People {
		codeSet[strings.TrimSpace(p.Unit)] = true
	}
	delete(codeSet, "")
	codes := make([]string, 0, len(codeSet))
	for c := range codeSet {
		codes = append(codes, c)
	}
	found, err := queryExisting(ctx, tx, `code = ANY($1)`, codes)
	if err != nil {
		return snapshot{}, err
	}
	have := map[int64]bool{}
	for _, u := range found {
		have[u.ID] = true
	}
	var missing []int64
	for _, u := range found {
		for _, id := range pathIDs(u.Path) {
			if !have[id] {
				have[id] = true
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		more, err := queryExisting(ctx, tx, `id = ANY($1)`, missing)
		if err != nil {
			return snapshot{}, err
		}
		found = append(found, more...)
	}
	return newSnapshot(found), nil
}

func queryExisting(ctx context.Context, tx pgx.Tx, where string, arg any) ([]existingUnit, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, COALESCE(parent_id, 0), path FROM units WHERE `+where, arg)
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (existingUnit, error) {
		var u existingUnit
		err := r.Scan(&u.ID, &u.Code, &u.ParentID, &u.Path)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	return us, nil
}

// pathIDs splits /1/4/17/ into 1, 4, 17.
func pathIDs(path string) []int64 {
	var ids []int64
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// hashPasswords hashes the given passwords a few at a time (argon2id is slow on purpose
// and takes 64 MiB each). The result is indexed like people; "" means keep the stored hash.
func hashPasswords(ctx context.Context, people []PersonRecord) ([]string, error) {
	hashes := make([]string, len(people))
	errs := make([]error, len(people))
	sem := make(chan struct{}, min(4, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, p := range people {
		if p.Password == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return nil, err
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			hashes[i], errs[i] = password.Hash(p.Password)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

const insertUnitSQL = `
INSERT INTO units (id, code, name, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT n.id, $1, $2, $3, $4::bigint,
       COALESCE((SELECT path FROM units WHERE id = $4::bigint), '/') || n.id || '/'
FROM (SELECT nextval(pg_get_serial_sequence('units', 'id')) AS id) n
RETURNING id`

// moveUnitSQL hangs unit $1 below $2 (NULL for a root) and rewrites the paths of its
// subtree. Paths stay unique at every row because each ends with its own unit's id.
const moveUnitSQL = `
WITH o AS (SELECT path AS old FROM units WHERE id = $1::bigint),
     n AS (SELECT COALESCE((SELECT path FROM units WHERE id = $2::bigint), '/') || $1::bigint || '/' AS new)
UPDATE units u
SET path = n.new || substr(u.path, length(o.old) + 1),
    parent_id = CASE WHEN u.id = $1::bigint THEN $2::bigint ELSE u.parent_id END
FROM o, n
WHERE u.path LIKE o.old || '%'`

const upsertPersonSQL = `
INSERT INTO people (login, name, unit_id, roles, position, email, mobile, password_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (login) DO UPDATE SET
    name = EXCLUDED.name,
    unit_id = EXCLUDED.unit_id,
    roles = EXCLUDED.roles,
    position = EXCLUDED.position,
    email = EXCLUDED.email,
    mobile = EXCLUDED.mobile,
    password_hash = CASE WHEN EXCLUDED.password_hash = '' THEN people.password_hash ELSE EXCLUDED.password_hash END
RETURNING (xmax = 0)`

// write applies a checked plan. Units come in order of depth in the final tree, so each
// unit's parent already sits where it will end up when the unit is written.
func write(ctx context.Context, tx pgx.Tx, p plan, snap snapshot, hashes []string) (LoadResult, error) {
	var res LoadResult
	ids := map[string]int64{}
	for code, u := range snap.byCode {
		ids[code] = u.ID
	}
	for _, u := range p.units {
		var parent *int64
		if u.Parent != "" {
			id, ok := ids[u.Parent]
			if !ok {
				return res, fmt.Errorf("%s: parent %q not written yet", u.Pos, u.Parent)
			}
			parent = &id
		}
		e, stored := snap.byCode[u.Code]
		if !stored {
			var id int64
			if err := tx.QueryRow(ctx, insertUnitSQL, u.Code, u.Name, u.Kind, parent).Scan(&id); err != nil {
				return res, fmt.Errorf("%s: insert unit %q: %w", u.Pos, u.Code, err)
			}
			ids[u.Code] = id
			res.UnitsCreated++
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE units SET name = $2, kind = $3 WHERE id = $1`, e.ID, u.Name, u.Kind); err != nil {
			return res, fmt.Errorf("%s: update unit %q: %w", u.Pos, u.Code, err)
		}
		var newParent int64
		if parent != nil {
			newParent = *parent
		}
		if newParent != e.ParentID {
			if _, err := tx.Exec(ctx, moveUnitSQL, e.ID, parent); err != nil {
				return res, fmt.Errorf("%s: move unit %q: %w", u.Pos, u.Code, err)
			}
		}
		res.UnitsUpdated++
	}
	for i, person := range p.people {
		var created bool
		err := tx.QueryRow(ctx, upsertPersonSQL, person.Login, person.Name, ids[person.Unit], person.Roles,
			person.Position, person.Email, person.Mobile, hashes[i]).Scan(&created)
		if err != nil {
			return res, fmt.Errorf("%s: upsert person %q: %w", person.Pos, person.Login, err)
		}
		if created {
			res.PeopleCreated++
		} else {
			res.PeopleUpdated++
		}
	}
	return res, nil
}

// RunLoad is `rectify org load FILE`: it parses the file, loads it and prints a one-line
// summary to out. When the file has problems it prints each of them to out, one per line,
// and returns the Invalid error.
func RunLoad(ctx context.Context, store *Store, path string, out io.Writer) error {
	t, err := ParseFile(path)
	var res LoadResult
	if err == nil {
		res, err = store.Load(ctx, t)
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
			fields := e.Fields
			if len(fields) == 0 {
				fields = []apperr.FieldError{{Field: e.Field, Message: e.Message}}
			}
			fmt.Fprintf(out, "导入失败，%s 共有%d处错误，未写入任何数据：\n", path, len(fields))
			for _, f := range fields {
				if f.Field != "" {
					fmt.Fprintf(out, "  %s：%s\n", f.Field, f.Message)
				} else {
					fmt.Fprintf(out, "  %s\n", f.Message)
				}
			}
		}
		return fmt.Errorf("org.RunLoad %q: %w", path, err)
	}
	fmt.Fprintf(out, "导入完成：新增单位%d个，更新单位%d个；新增人员%d名，更新人员%d名\n",
		res.UnitsCreated, res.UnitsUpdated, res.PeopleCreated, res.PeopleUpdated)
	return nil
}

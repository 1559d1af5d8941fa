package evidence

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rectify/internal/apperr"
	"rectify/internal/db"
	"rectify/internal/order"
)

// A Reuse is a piece of evidence whose content (the same SHA-256) was also given as evidence
// for another item: the same photo or scan offered for two rectifications is a sign of
// rectification on paper (文字整改). The same file twice on one item is no reuse.
type Reuse struct {
	// EvidenceID is the file of the item looked at; OwnItemID that item.
	EvidenceID int64  `json:"evidence_id"`
	OwnItemID  string `json:"-"`
	// ItemID and Unit name the other item and its responsible unit, or are empty when the
	// other item is outside the viewer's scope: the reuse is still flagged, but an item the
	// viewer may not see is not named (一级抓一级).
	ItemID string `json:"item_id"`
	Unit   string `json:"unit"`
}

// Text is the warning a reviewer reads: 该佐证材料已用于事项 m1-u2（某某村）.
func (r Reuse) Text() string {
	if r.ItemID == "" {
		return "该佐证材料已用于其他单位的事项"
	}
	return "该佐证材料已用于事项 " + r.ItemID + "（" + r.Unit + "）"
}

// Reuses lists the other items that used the same content as the given evidence files or as
// any evidence of the given items, one row per (file, other item), by file then other item.
// sc is the viewer's scope, which decides whether the other item is named.
func (s *Store) Reuses(ctx context.Context, sc order.Scope, evidenceIDs []int64, itemIDs []string) (_ []Reuse, err error) {
	defer apperr.Wrap(&err, "evidence.Reuses(%d files, %d items)", len(evidenceIDs), len(itemIDs))
	if len(evidenceIDs) == 0 && len(itemIDs) == 0 {
		return []Reuse{}, nil
	}
	// The scope test is the item store's (the responsible unit or the issuer in scope).
	list, err := db.List(ctx, s.pool, pgx.RowToStructByPos[Reuse], `SELECT DISTINCT e.id, e.item_id,
			CASE WHEN vis THEN o.item_id ELSE '' END, CASE WHEN vis THEN u.name ELSE '' END
		FROM evidence e
		JOIN evidence o ON o.sha256 = e.sha256 AND o.item_id <> e.item_id
		JOIN items i ON i.id = o.item_id
		JOIN units u ON u.id = i.unit_id
		JOIN orders ord ON ord.id = i.order_id
		JOIN units iu ON iu.id = ord.issuer_unit_id,
		LATERAL (SELECT (u.id = $1 OR ($3 AND u.path LIKE $2 || '%') OR iu.id = $1 OR ($3 AND iu.path LIKE $2 || '%')) AS vis) v
		WHERE e.id = ANY($4) OR e.item_id = ANY($5)
		ORDER BY e.id, 3`, sc.UnitID, sc.Path, sc.Subtree, evidenceIDs, itemIDs)
	if list == nil && err == nil {
		list = []Reuse{}
	}
	return list, err
}

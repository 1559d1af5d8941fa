package evidence_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/evidence"
	"rectify/internal/order"
	"rectify/internal/testenv"
)

// The same scan offered as evidence for two townships' items is flagged on both items, each
// naming the other; a township sees that its file was used elsewhere but not whose item it
// was; the same file attached twice to one item is no reuse.
func TestTheSameFileOnTwoItemsIsFlaggedBothWays(t *testing.T) {
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO units (code, name, kind, path) VALUES ('C', '示范县', 'county', '/1/');
		INSERT INTO units (code, name, kind, parent_id, path) VALUES ('T1', '城关镇', 'township', 1, '/1/2/'),
			('T2', '河西乡', 'township', 1, '/1/3/');
		INSERT INTO people (login, name, unit_id, roles) VALUES ('p', '人', 1, '{org_staff}');
		INSERT INTO orders (issuer_unit_id, title, source, created_by, status) VALUES (1, '通知', '巡察', 1, 'issued');
		INSERT INTO problems (order_id, seq, description) VALUES (1, 1, '问题');
		INSERT INTO measures (order_id, problem_id, seq, content, criterion, responsibility, deadline_kind)
			VALUES (1, 1, 1, '措施', '标准', '{}', 'by_date'), (1, 1, 2, '措施二', '标准', '{}', 'by_date');
		INSERT INTO items (id, order_id, measure_id, unit_id, workflow_id, state, holder, deadline_kind, revision, issued_at, updated_at)
			VALUES ('m1-u2', 1, 1, 2, 'w', 'in_progress', 'unit', 'by_date', 1, now(), now()),
			       ('m1-u3', 1, 1, 3, 'w', 'in_progress', 'unit', 'by_date', 1, now(), now()),
			       ('m2-u2', 1, 2, 2, 'w', 'in_progress', 'unit', 'by_date', 1, now(), now());`)
	require.NoError(t, err)
	s, err := evidence.NewStore(pool, t.TempDir())
	require.NoError(t, err)
	save := func(item, name, content string) int64 {
		f, err := s.Save(ctx, item, name, "application/pdf", strings.NewReader(content), 1)
		require.NoError(t, err)
		return f.ID
	}
	scan := save("m1-u2", "会议记录.pdf", "同一份会议记录扫描件")
	copied := save("m1-u3", "河西乡会议记录.pdf", "同一份会议记录扫描件") // renamed, same bytes
	own := save("m1-u2", "台账.pdf", "城关镇自己的台账")
	twice1 := save("m2-u2", "照片.pdf", "一张照片")
	twice2 := save("m2-u2", "照片（重传）.pdf", "一张照片")

	county := order.Scope{UnitID: 1, Path: "/1/", Subtree: true}
	got, err := s.Reuses(ctx, county, []int64{scan, own}, nil)
	require.NoError(t, err)
	require.Equal(t, []evidence.Reuse{{EvidenceID: scan, OwnItemID: "m1-u2", ItemID: "m1-u3", Unit: "河西乡"}}, got)
	require.Equal(t, "该佐证材料已用于事项 m1-u3（河西乡）", got[0].Text())

	got, err = s.Reuses(ctx, county, nil, []string{"m1-u3"})
	require.NoError(t, err)
	require.Equal(t, []evidence.Reuse{{EvidenceID: copied, OwnItemID: "m1-u3", ItemID: "m1-u2", Unit: "城关镇"}}, got, "flagged the other way too")

	got, err = s.Reuses(ctx, county, []int64{twice1, twice2}, []string{"m2-u2"})
	require.NoError(t, err)
	require.Empty(t, got, "the same file twice on one item is not a reuse")
	require.NotNil(t, got, "an empty list, not null, for the API")

	// 城关镇 does not see 河西乡's item: the reuse is flagged without naming it.
	t1 := order.Scope{UnitID: 2, Path: "/1/2/", Subtree: true}
	got, err = s.Reuses(ctx, t1, nil, []string{"m1-u2"})
	require.NoError(t, err)
	require.Equal(t, []evidence.Reuse{{EvidenceID: scan, OwnItemID: "m1-u2"}}, got)
	require.Equal(t, "该佐证材料已用于其他单位的事项", got[0].Text())
}

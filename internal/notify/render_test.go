package notify_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

func TestRenderListsEveryItemWithItsDeadline(t *testing.T) {
	items := []notify.NoticeItem{
		{Title: "基层党组织书记履职不到位", Unit: "城关镇", Measure: "开展专题培训", Due: "2026-05-10", WorkingDaysOverdue: 3, Link: "https://rectify.example/items/m1-u2"},
		{Title: "三会一课\n记录不全", Unit: "东村党支部", Measure: "补齐记录", Due: "2026-05-12", WorkingDaysOverdue: 1},
		{Title: "党费收缴不规范", Unit: "西村党支部", Measure: "规范收缴", Due: "2026-05-20", WorkingDaysLeft: 2},
	}
	m, err := notify.Render(notify.Notice{Rung: notify.RungOverdueUrge, RecipientName: "张三", Items: items})
	require.NoError(t, err)
	require.Equal(t, "【催办】您有3项整改事项已超期", m.Subject)
	lines := strings.Split(strings.TrimSpace(m.Body), "\n")
	require.Equal(t, "张三同志：", lines[0])
	var itemLines []string
	for _, l := range lines {
		if len(l) > 2 && l[0] >= '1' && l[0] <= '9' && l[1] == '.' {
			itemLines = append(itemLines, l)
		}
	}
	require.Len(t, itemLines, 3, m.Body)
	require.Equal(t, "1. 【城关镇】基层党组织书记履职不到位；整改措施：开展专题培训；完成时限：2026-05-10，已超期3个工作日；详情：https://rectify.example/items/m1-u2", itemLines[0])
	require.Contains(t, itemLines[1], "三会一课 记录不全")
	require.Contains(t, itemLines[1], "2026-05-12，已超期1个工作日")
	require.Contains(t, itemLines[2], "2026-05-20，还剩2个工作日")

	m, err = notify.Render(notify.Notice{Rung: notify.RungReminderBefore, RecipientName: "李四", Items: items[2:]})
	require.NoError(t, err)
	require.Equal(t, "【整改提醒】您有1项整改事项即将到期", m.Subject)
	require.Contains(t, m.Body, "还剩2个工作日")

	for rung, prefix := range map[string]string{
		notify.RungEscalateUnitHead: "【督办】", notify.RungEscalateIssuer: "【督办】", notify.RungListed: "【挂牌督办】",
		notify.RungNotAcknowledged: "【签收提醒】", notify.RungProgressMissing: "【进展提醒】",
	} {
		m, err := notify.Render(notify.Notice{Rung: rung, RecipientName: "王五", Items: items})
		require.NoError(t, err, rung)
		require.True(t, strings.HasPrefix(m.Subject, prefix), m.Subject)
		require.Contains(t, m.Subject, "3项", rung)
		require.Contains(t, m.Body, "基层党组织书记履职不到位", rung)
		require.Contains(t, m.Body, "党费收缴不规范", rung)
	}

	_, err = notify.Render(notify.Notice{Rung: "nonsense", Items: items})
	require.Error(t, err)
	_, err = notify.Render(notify.Notice{Rung: notify.RungOverdueUrge})
	require.Error(t, err)
}
